import PGTrackCore

/// Checks config text for what toml++ (inside TOMLKit) does not survive, before it sees
/// the text: its parser asserts on some malformed table headers (`[#`, a control or
/// non-ASCII character in a bare header key, all found by fuzz/fuzz-config), and with
/// NDEBUG those assertions become optimiser assumptions — undefined behaviour, not a
/// safe error. So neither a debug build nor `-DNDEBUG` is a defence; this is, in every
/// build. It refuses, naming the line:
///
/// - control characters other than tab (TOML allows them nowhere, not even escaped-free
///   in comments), and
/// - a line starting with `[` (outside a multi-line string) that is not a well-formed
///   table header: `[key.key]` or `[[key.key]]`, keys bare (`A-Za-z0-9_-`) or quoted,
///   then only a comment, and
/// - a `}` where an array expects a value (after its `[` or a `,`, outside strings and
///   comments): toml++ asserts there (`x = [}]`, found by fuzz-config).
///
/// Everything else is left to toml++, which reports its own syntax errors.
enum TOMLPrecheck {
    static func check(_ text: String, file: String) throws(ConfigError) {
        var multiline: String? = nil // the delimiter of the open multi-line string, if any
        var lineNumber = 0
        var lastSignificant: Unicode.Scalar = "\n" // the last character outside strings and comments
        // toml++ skips a byte order mark; so must the checks (`\u{FEFF}[\u{FF}` is a header).
        let body = text.unicodeScalars.first == "\u{FEFF}" ? Substring(text.unicodeScalars.dropFirst()) : Substring(text)
        for rawLine in body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" }) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.last == "\r" { line.removeLast() }
            if let bad = line.unicodeScalars.first(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) {
                let code = String(bad.value, radix: 16, uppercase: true)
                throw ConfigError(file: file, line: lineNumber, key: "",
                                  message: "control character U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code) is not allowed in TOML")
            }
            let wasInString = multiline != nil
            for delimiter in ["\"\"\"", "'''"] where multiline == nil || multiline == delimiter {
                if occurrences(of: delimiter, in: line) % 2 == 1 { multiline = multiline == nil ? delimiter : nil }
            }
            guard !wasInString else { continue }
            if multiline != nil || line.contains("\"\"\"") || line.contains("\'\'\'") {
                lastSignificant = "\"" // a multi-line string is a value
            } else if let bad = closingBraceInArray(line, after: &lastSignificant) {
                throw ConfigError(file: file, line: lineNumber, key: "",
                                  message: "expected a value or ']' in the array, found '}' (column \(bad))")
            }
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            guard trimmed.first == "[" else { continue }
            guard isTableHeader(trimmed) else {
                throw ConfigError(file: file, line: lineNumber, key: "",
                                  message: "expected a table header such as [schedule], found '\(trimmed.prefix(40))'")
            }
        }
    }

    /// The column of a `}` that follows `[` or `,` (spaces, line breaks and comments
    /// between), skipping strings; `last` carries the last such character across lines.
    static func closingBraceInArray(_ line: Substring, after last: inout Unicode.Scalar) -> Int? {
        var column = 0
        var quote: Unicode.Scalar? = nil
        var escaped = false
        for c in line.unicodeScalars {
            column += 1
            if let q = quote {
                if q == "\"", c == "\\", !escaped { escaped = true; continue }
                if c == q, !escaped { quote = nil; last = c }
                escaped = false
                continue
            }
            switch c {
            case " ", "\t": continue
            case "#": return nil
            case "\"", "'": quote = c
            case "}" where last == "[" || last == ",": return column
            default: last = c
            }
        }
        return nil
    }

    /// How often `needle` occurs in `line`, not overlapping.
    static func occurrences(of needle: String, in line: Substring) -> Int {
        var count = 0
        var rest = line[...]
        while let range = rest.firstRange(of: needle) {
            count += 1
            rest = rest[range.upperBound...]
        }
        return count
    }

    /// `[a.b]`, `[[a]]`, `[ "quoted key" . b ]  # comment`.
    static func isTableHeader(_ line: Substring) -> Bool {
        var s = line.unicodeScalars[...]
        let double = s.starts(with: "[[".unicodeScalars)
        s = s.dropFirst(double ? 2 : 1)
        func skipSpace() { while let c = s.first, c == " " || c == "\t" { s.removeFirst() } }
        var keys = 0
        while true {
            skipSpace()
            guard let c = s.first else { return false }
            if c == "\"" || c == "'" {
                s.removeFirst()
                var escaped = false
                var closed = false
                while let d = s.first {
                    s.removeFirst()
                    if c == "\"", d == "\\", !escaped { escaped = true; continue }
                    if d == c, !escaped { closed = true; break }
                    escaped = false
                }
                guard closed else { return false }
            } else {
                let bare = s.prefix { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
                guard !bare.isEmpty else { return false }
                s = s.dropFirst(bare.count)
            }
            keys += 1
            skipSpace()
            guard let next = s.first else { return false }
            if next == "." { s.removeFirst(); continue }
            guard next == "]" else { return false }
            s.removeFirst()
            if double { guard s.first == "]" else { return false }; s.removeFirst() }
            break
        }
        skipSpace()
        return keys > 0 && (s.isEmpty || s.first == "#")
    }
}
