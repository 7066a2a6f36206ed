import FoundationEssentials
import Glibc
import PGTrackCore
import Varlink

/// Terminal styling: colour only on a terminal, never with NO_COLOR or TERM=dumb.
struct Style {
    let enabled: Bool

    static let current: Style = {
        let color = isatty(1) == 1 && environment("NO_COLOR") == nil && environment("TERM") != "dumb"
        return Style(enabled: color)
    }()

    func paint(_ text: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func bold(_ t: String) -> String { paint(t, "1") }
    func green(_ t: String) -> String { paint(t, "32") }
    func red(_ t: String) -> String { paint(t, "31") }
    func yellow(_ t: String) -> String { paint(t, "33") }
    func dim(_ t: String) -> String { paint(t, "2") }

    func state(_ state: String) -> String {
        switch state {
        case "done": return green(state)
        case "missed": return red(state)
        case "skipped": return dim(state)
        case "catch-up": return yellow(state)
        default: return state
        }
    }
}

func printJSON(_ value: JSON) {
    print(value.pretty())
}

/// Pads cells to the widths of their columns, measured without colour codes.
func renderTable(_ header: [String], _ rows: [[String]], style: Style) -> String {
    func visible(_ s: String) -> Int {
        var n = 0, inEscape = false
        for c in s {
            if c == "\u{1B}" { inEscape = true; continue }
            if inEscape { if c == "m" { inEscape = false }; continue }
            n += 1
        }
        return n
    }
    var widths = header.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], visible(cell)) } }
    func line(_ cells: [String]) -> String {
        var out = ""
        for (i, cell) in cells.enumerated() {
            out += i == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - visible(cell) + 2)
        }
        return out
    }
    return ([style.bold(line(header))] + rows.map(line)).joined(separator: "\n")
}

/// Slot views shared by agenda, next and the change commands.
struct SlotText {
    let zone: Zone
    let style: Style

    func date(_ rfc: String?) -> Date? { rfc.flatMap { Date(rfc3339: $0) } }

    func when(_ slot: JSON) -> String {
        guard let start = date(slot["start"]?.string), let end = date(slot["end"]?.string) else { return "?" }
        let day = LocalDate(start, in: zone)
        return "\(day.weekday.shortName.capitalized) \(day) \(start.formatted(in: zone).suffix(5))–\(end.formatted(in: zone).suffix(5))"
    }

    func title(_ slot: JSON) -> String {
        if let task = slot["task"], let title = task["title"]?.string { return Markdown.plain(title) }
        switch slot["state"]?.string {
        case "skipped": return "(skipped)"
        case "missed": return "(missed)"
        default: return "Catch-up: Week \(slot["week"]?.int ?? 0)"
        }
    }

    func row(_ slot: JSON) -> [String] {
        [slot["id"]?.string ?? "?", when(slot), style.state(slot["state"]?.string ?? "?"),
         slot["task"]?["id"]?.string ?? "-", title(slot)]
    }

    func line(_ slot: JSON) -> String {
        let task = slot["task"]?["id"]?.string.map { "\($0) " } ?? ""
        return "\(slot["id"]?.string ?? "?") \(when(slot)) · \(task)\(title(slot))"
    }

    func table(_ slots: [JSON]) -> String {
        renderTable(["SLOT", "WHEN", "STATE", "TASK", "TITLE"], slots.map(row), style: style)
    }
}

/// Writes `text` to a standard stream at once (not through stdout's buffer, which
/// `print` uses: callers flush it first), so a pipe sees each line as it is written.
func writeOut(_ text: String, to fd: Int32 = 1) {
    fflush(nil)
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 { if errno == EINTR { continue }; return }
        bytes = bytes.dropFirst(n)
    }
}

/// One environment variable (ProcessInfo's dictionary copies them all, at a cost a
/// command that runs for two milliseconds notices).
func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
