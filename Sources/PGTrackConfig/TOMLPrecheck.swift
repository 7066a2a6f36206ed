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
///   comments): toml++ asserts there (`x = [}]`, found by fuzz-config), and
/// - a date followed by a space and a single digit (`start = 2024-01-01 1`, a typo
///   toml++ asserts on), or by a `T` and no digit, and non-ASCII spaces outside strings
///   and comments (all found by fuzz-config).
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
            switch scan(line, multiline: &multiline, last: &lastSignificant) {
            case nil: break
            case .braceInArray(let column):
                throw ConfigError(file: file, line: lineNumber, key: "",
                                  message: "expected a value or ']' in the array, found '}' (column \(column))")
            case .unicodeSpace(let c, let column):
                let code = String(c.value, radix: 16, uppercase: true)
                throw ConfigError(file: file, line: lineNumber, key: "",
                                  message: "U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code) (column \(column)) is not allowed outside strings and comments in TOML; use spaces")
            case .shortTime(let text):
                throw ConfigError(file: file, line: lineNumber, key: "",
                                  message: "expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS), found '\(text)'")
            }
            guard !wasInString else { continue }
            // By scalars, as toml++ reads: "[" and a combining mark are one Character.
            let trimmed = Substring(line.unicodeScalars.drop { $0 == " " || $0 == "\t" })
            guard trimmed.unicodeScalars.first == "[" else { continue }
            guard isTableHeader(trimmed) else {
                throw ConfigError(file: file, line: lineNumber, key: "",
                                  message: "expected a table header such as [schedule], found '\(trimmed.prefix(40))'")
            }
        }
    }

    /// Reads one line as TOML's lexer would, as far as strings and comments go: `multiline`
    /// is the delimiter of a multi-line string open across lines, `last` the last
    /// character outside strings and comments. Returns the column of a `}` that follows
    /// `[` or `,` (spaces, line breaks and comments between).
    enum Problem: Equatable {
        /// `x = [}`: the column of the `}`.
        case braceInArray(Int)
        /// `2024-01-01 1`: toml++ reads on for a time after the space and asserts at the
        /// terminator after a single digit (found by fuzz-config).
        case shortTime(String)
        /// A non-ASCII space or line separator outside strings and comments.
        case unicodeSpace(Unicode.Scalar, column: Int)
    }

    static func scan(_ line: Substring, multiline: inout String?, last: inout Unicode.Scalar) -> Problem? {
        let s = Array(line.unicodeScalars)
        func starts(_ delimiter: String, at i: Int) -> Bool {
            let d = Array(delimiter.unicodeScalars)
            return i + d.count <= s.count && Array(s[i..<(i + d.count)]) == d
        }
        var i = 0
        while i < s.count {
            if let open = multiline {
                // Inside a multi-line string: only its closing delimiter (not escaped in a basic one) counts.
                if open == "\"\"\"", s[i] == "\\" { i += 2; continue }
                if starts(open, at: i) {
                    multiline = nil
                    last = "\""
                    i += 3
                    while i < s.count, s[i] == open.unicodeScalars.first! { i += 1 } // up to two quotes end the content
                } else {
                    i += 1
                }
                continue
            }
            let c = s[i]
            switch c {
            case _ where isWhitespace(c):
                // TOML has only spaces and tabs between tokens; toml++ trips on some of
                // the others where a value should start (`[1, \u{85}`).
                if c.value > 0x7F { return .unicodeSpace(c, column: i + 1) }
                i += 1
            case "#":
                return nil // a comment: the rest of the line
            case "\"", "'":
                let triple = String(repeating: String(c), count: 3)
                if starts(triple, at: i) {
                    multiline = triple
                    i += 3
                    continue
                }
                i += 1
                while i < s.count, s[i] != c {
                    i += c == "\"" && s[i] == "\\" ? 2 : 1
                }
                i += 1
                last = c
            case "}" where last == "[" || last == ",":
                return .braceInArray(i + 1)
            default:
                if ("0"..."9").contains(c), i == 0 || ["=", "[", ",", "{"].contains(s[i - 1]) || isWhitespace(s[i - 1]),
                   let short = shortTime(s, at: i) ?? timeWithoutDigits(s, at: i) {
                    return .shortTime(short)
                }
                last = c
                i += 1
            }
        }
        return nil
    }

    /// Whitespace as toml++ 3 counts it (`is_whitespace`): ASCII blanks and line breaks,
    /// and the non-ASCII spaces and line separators. A value ends at any of them.
    static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x180E, 0x2000...0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x2060, 0x3000, 0xFEFF:
            return true
        default:
            return false
        }
    }

    /// A bare value at `i` of ten characters (underscores aside) with `-` as the fifth and
    /// eighth, then one space, one digit and the value's end: what toml++ takes for the
    /// start of a date and time and then asserts on.
    static func shortTime(_ s: [Unicode.Scalar], at i: Int) -> String? {
        func ends(_ c: Unicode.Scalar) -> Bool { isWhitespace(c) || ["]", "}", ",", "#"].contains(c) }
        var j = i
        var chars: [Unicode.Scalar] = []
        while j < s.count, !ends(s[j]) {
            if s[j] != "_" { chars.append(s[j]) }
            j += 1
        }
        guard chars.count == 10, chars[4] == "-", chars[7] == "-",
              j + 2 <= s.count, s[j] == " ", ("0"..."9").contains(s[j + 1]), j + 2 == s.count || ends(s[j + 2])
        else { return nil }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: s[i..<(j + 2)])
        return String(text)
    }

    /// A bare value at `i` that is a date, then `T` (or `t`), then no digit: toml++ takes
    /// it for a date and time and asserts that the time starts with a digit
    /// (`1013-01-03ty:e`, found by fuzz-config).
    static func timeWithoutDigits(_ s: [Unicode.Scalar], at i: Int) -> String? {
        func digit(_ k: Int) -> Bool { k < s.count && ("0"..."9").contains(s[k]) }
        guard i + 11 <= s.count, [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy({ digit(i + $0) }), s[i + 4] == "-", s[i + 7] == "-",
              s[i + 10] == "T" || s[i + 10] == "t", !digit(i + 11) else { return nil }
        var j = i
        while j < s.count, !isWhitespace(s[j]), !["]", "}", ",", "#"].contains(s[j]) { j += 1 }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: s[i..<j].prefix(40))
        return String(text)
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
