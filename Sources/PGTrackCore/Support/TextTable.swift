/// Left-aligned text columns, as `systemctl list-units` prints them.
public struct TextTable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(header: [String]) { self.header = header }

    public mutating func add(_ row: [String]) { rows.append(row) }

    /// The table as lines, each ending in a newline; the last column is not padded.
    /// Widths count characters and skip ANSI colour codes (`ESC [ … m`), so a painted
    /// cell lines up with a plain one; emoji and CJK may misalign slightly, but never
    /// truncate. `headerStyle` paints the header line (bold on a terminal).
    public func render(headerStyle: (String) -> String = { $0 }) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], TextTable.visibleWidth(cell)) }
        }
        func line(_ cells: [String]) -> String {
            var out = ""
            for (i, cell) in cells.enumerated() {
                if i == cells.count - 1 || i >= widths.count {
                    out += cell
                } else {
                    out += cell + String(repeating: " ", count: widths[i] - TextTable.visibleWidth(cell) + 2)
                }
            }
            while out.last == " " { out.removeLast() }
            return out
        }
        return ([headerStyle(line(header))] + rows.map(line)).map { $0 + "\n" }.joined()
    }

    /// Characters a terminal shows for `s`: colour codes take no room.
    public static func visibleWidth(_ s: String) -> Int {
        var n = 0, inEscape = false
        for c in s {
            if c == "\u{1B}" { inEscape = true; continue }
            if inEscape { if c == "m" { inEscape = false }; continue }
            n += 1
        }
        return n
    }
}
