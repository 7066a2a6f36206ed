/// The parser: one pass over the bytes, building nodes in an arena (`nodes`), then one
/// backward pass turning the arena into `TOMLTable`s. Nested arrays and inline tables are
/// parsed with an explicit stack (`Frame`), never by recursion, and every loop is bounded
/// by the input's length or a `TOMLLimits` field.
struct Parser {
    let bytes: [UInt8]
    let limits: TOMLLimits
    var pos = 0
    var line = 1
    var lineStart = 0
    var nodes: [Node] = []

    init(bytes: [UInt8], limits: TOMLLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    // MARK: - The arena

    /// How a table came to be, which decides what may still be added to it.
    enum TableState {
        /// Made as a step of a `[a.b.c]` header (`a`, `a.b`): a later `[a]` may define it.
        case implicit
        /// Defined by its own `[header]` (or is the document): never again by a header,
        /// and not reachable with dotted keys from another section.
        case header
        /// Made by a dotted key (`a.b = 1` makes `a`): no header may define it later.
        case dotted
        /// An inline table (or a dotted table inside one): closed once its `}` is read.
        case inline
    }

    enum Kind {
        case table
        case array
        case leaf(TOMLValue)
    }

    struct Node {
        var kind: Kind
        var line: Int
        var state: TableState = .header
        /// For an inline table and the dotted tables made inside it: the inline table,
        /// which alone may add to them while it is being read. -1 for everything else.
        var owner: Int = -1
        /// An array made by `[[header]]`s, which more `[[header]]`s may extend.
        var arrayOfTables = false
        var keys: [String] = []
        var children: [Int] = []
        var index: [String: Int] = [:]
    }

    mutating func newNode(_ kind: Kind, line: Int) throws(TOMLError) -> Int {
        guard nodes.count < limits.maxValues else {
            throw error("more than \(limits.maxValues) values in the document", kind: .limit)
        }
        nodes.append(Node(kind: kind, line: line))
        return nodes.count - 1
    }

    mutating func addChild(_ table: Int, key: String, _ child: Int) {
        nodes[table].keys.append(key)
        nodes[table].children.append(child)
        nodes[table].index[key] = child
    }

    // MARK: - Errors

    enum ErrorKind { case syntax, control, limit, definition }

    /// The column of `at` on the current line, in Unicode scalars (continuation bytes do not count).
    /// Computed only for an error: scanning the line each time would make long lines quadratic.
    func column(at: Int, lineStart ls: Int? = nil) -> Int {
        var c = 1
        var i = ls ?? lineStart
        while i < at && i < bytes.count {
            if bytes[i] & 0xC0 != 0x80 { c += 1 }
            i += 1
        }
        return c
    }

    func error(_ message: String, at: Int? = nil, key: String = "", kind: ErrorKind = .syntax) -> TOMLError {
        var e = TOMLError(line: line, column: column(at: at ?? pos), key: key, message: message)
        // The kind travels in the error itself so that a header's syntax error can be
        // reworded without losing a control-character or limit error.
        e.kind = kind
        return e
    }

    /// The scalar at `i`, decoded (the input is valid UTF-8 by then).
    func scalar(at i: Int) -> Unicode.Scalar {
        let b0 = UInt32(bytes[i])
        if b0 < 0x80 { return Unicode.Scalar(UInt8(b0)) }
        var value: UInt32
        var count: Int
        if b0 >= 0xF0 { value = b0 & 0x07; count = 3 } else if b0 >= 0xE0 { value = b0 & 0x0F; count = 2 } else { value = b0 & 0x1F; count = 1 }
        for k in 1...count where i + k < bytes.count { value = value << 6 | UInt32(bytes[i + k] & 0x3F) }
        return Unicode.Scalar(value) ?? "\u{FFFD}"
    }

    static func hex4(_ v: UInt32) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }

    static func isUnicodeSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: return true
        default: return false
        }
    }

    /// "expected X, found Y" for whatever is at the current position; a control character
    /// or a Unicode space gets its own message wherever it turns up.
    func unexpected(_ expected: String) -> TOMLError {
        guard pos < bytes.count else { return error("expected \(expected), found the end of the file") }
        let b = bytes[pos]
        if b == 0x0A || (b == 0x0D && pos + 1 < bytes.count && bytes[pos + 1] == 0x0A) {
            return error("expected \(expected), found the end of the line")
        }
        if let control = controlError(at: pos) { return control }
        let s = scalar(at: pos)
        if Self.isUnicodeSpace(s) {
            return error("U+\(Self.hex4(s.value)) is not allowed outside strings and comments in TOML; use spaces")
        }
        return error("expected \(expected), found '\(Character(s))'")
    }

    /// The error for a control character at `i`, if there is one: TOML allows only tab,
    /// and a carriage return only before a line feed.
    func controlError(at i: Int) -> TOMLError? {
        let b = bytes[i]
        guard (b < 0x20 && b != 0x09 && b != 0x0A) || b == 0x7F else { return nil }
        if b == 0x0D, i + 1 < bytes.count, bytes[i + 1] == 0x0A { return nil }
        return error("control character U+\(Self.hex4(UInt32(b))) is not allowed in TOML", at: i, kind: .control)
    }

    // MARK: - Bytes

    var atEnd: Bool { pos >= bytes.count }
    func peek(_ k: Int = 0) -> UInt8 { pos + k < bytes.count ? bytes[pos + k] : 0 }
    func isNewline() -> Bool { peek() == 0x0A || (peek() == 0x0D && peek(1) == 0x0A) }

    /// Steps over a newline (LF or CRLF) at the current position.
    mutating func consumeNewline() {
        if peek() == 0x0D { pos += 1 }
        pos += 1
        line += 1
        lineStart = pos
    }

    mutating func skipSpaces() {
        while pos < bytes.count, bytes[pos] == 0x20 || bytes[pos] == 0x09 { pos += 1 }
    }

    /// A comment, from `#` to the end of the line (not included).
    mutating func skipComment() throws(TOMLError) {
        guard peek() == UInt8(ascii: "#") else { return }
        while pos < bytes.count, bytes[pos] != 0x0A {
            if let e = controlError(at: pos) { throw e }
            pos += 1
        }
    }

    /// Spaces, comments and newlines, as between the values of an array.
    mutating func skipBlank() throws(TOMLError) {
        while true {
            skipSpaces()
            if peek() == UInt8(ascii: "#") { try skipComment() }
            if isNewline() { consumeNewline() } else { return }
        }
    }

    /// After a key/value pair or a header: spaces, perhaps a comment, then a newline or the end.
    mutating func endOfLine(_ what: String) throws(TOMLError) {
        skipSpaces()
        try skipComment()
        if atEnd { return }
        guard isNewline() else { throw unexpected("the end of the line after \(what)") }
        consumeNewline()
    }

    // MARK: - UTF-8

    /// Refuses invalid UTF-8 (overlong forms, surrogates, past U+10FFFF, cut sequences),
    /// naming the line and column of the first bad byte.
    mutating func validateUTF8() throws(TOMLError) {
        var i = 0
        let n = bytes.count
        var badAt: Int? = nil
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                if b == 0x0A { line += 1; lineStart = i + 1 }
                i += 1
                continue
            }
            var need = 0
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; high = 0x9F
            case 0xF0: need = 3; low = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; high = 0x8F
            default: badAt = i
            }
            if badAt != nil { break }
            guard i + need < n else { badAt = i; break }
            let second = bytes[i + 1]
            guard second >= low && second <= high else { badAt = i; break }
            var k = 2
            while k <= need {
                guard bytes[i + k] & 0xC0 == 0x80 else { badAt = i; break }
                k += 1
            }
            if badAt != nil { break }
            i += need + 1
        }
        if let badAt {
            throw error("the file is not valid UTF-8 (byte 0x\(String(bytes[badAt], radix: 16, uppercase: true)))", at: badAt)
        }
        line = 1
        lineStart = 0
    }

    // MARK: - The document

    mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        guard bytes.count <= limits.maxBytes else {
            throw TOMLError(line: 0, column: 0, message: "the file is larger than \(limits.maxBytes) bytes")
        }
        try validateUTF8()
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            pos = 3
            lineStart = 3
        }
        let root = try newNode(.table, line: 0)
        var section = root
        var sectionKey = ""
        while true {
            skipSpaces()
            if atEnd { break }
            let b = peek()
            if b == UInt8(ascii: "#") {
                try skipComment()
                try endOfLine("a comment")
            } else if isNewline() {
                consumeNewline()
            } else if b == UInt8(ascii: "[") {
                (section, sectionKey) = try parseHeader(root: root)
            } else {
                try parseKeyValue(in: section, sectionKey: sectionKey)
                try endOfLine("a value")
            }
        }
        return build()
    }

    // MARK: - Keys

    /// A key: bare or quoted segments joined by dots, spaces allowed around the dots.
    mutating func parseKey() throws(TOMLError) -> [String] {
        var segments: [String] = []
        let start = pos
        while true {
            skipSpaces()
            guard segments.count < limits.maxKeySegments else {
                throw error("a key of more than \(limits.maxKeySegments) parts", at: start, kind: .limit)
            }
            segments.append(try parseSimpleKey())
            skipSpaces()
            guard peek() == UInt8(ascii: ".") else { return segments }
            pos += 1
        }
    }

    mutating func parseSimpleKey() throws(TOMLError) -> String {
        let b = peek()
        if b == UInt8(ascii: "\"") {
            guard !(peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"")) else {
                throw error("expected a key, found a multi-line string")
            }
            return try parseBasicString()
        }
        if b == UInt8(ascii: "'") {
            guard !(peek(1) == UInt8(ascii: "'") && peek(2) == UInt8(ascii: "'")) else {
                throw error("expected a key, found a multi-line string")
            }
            return try parseLiteralString()
        }
        let start = pos
        while pos < bytes.count, Self.isBare(bytes[pos]) { pos += 1 }
        guard pos > start else { throw unexpected("a key") }
        guard pos - start <= limits.maxStringBytes else {
            throw error("a key longer than \(limits.maxStringBytes) bytes", at: start, kind: .limit)
        }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    static func isBare(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x5F || b == 0x2D
    }

    static func dotted(_ keys: some Sequence<String>) -> String {
        keys.map { k in
            !k.isEmpty && k.utf8.allSatisfy(isBare) ? k : "\"" + k.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
        }.joined(separator: ".")
    }

    // MARK: - Headers

    /// `[a.b]` or `[[a.b]]`, through the end of its line; returns the table it opens.
    mutating func parseHeader(root: Int) throws(TOMLError) -> (Int, String) {
        let start = pos
        let headerLine = line
        let headerLineStart = lineStart
        let keys: [String]
        let isArray: Bool
        do throws(TOMLError) {
            pos += 1
            isArray = peek() == UInt8(ascii: "[")
            if isArray { pos += 1 }
            keys = try parseKey()
            guard peek() == UInt8(ascii: "]") else { throw unexpected("']'") }
            pos += 1
            if isArray {
                guard peek() == UInt8(ascii: "]") else { throw unexpected("']]'") }
                pos += 1
            }
            try endOfLine("the header")
        } catch {
            guard error.kind == .syntax else { throw error }
            // One message for every malformed header, showing the line as written.
            var end = start
            while end < bytes.count, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
            var shown = String(decoding: bytes[start..<end], as: UTF8.self)
            if shown.count > 40 { shown = String(shown.prefix(40)) + "…" }
            var e = TOMLError(line: headerLine, column: error.column,
                              message: "expected a table header such as [schedule], found '\(shown)'")
            e.kind = .syntax
            throw e
        }
        let name = Self.dotted(keys)
        // Walk (and make) the tables on the way.
        var table = root
        for (i, key) in keys.dropLast().enumerated() {
            if let child = nodes[table].index[key] {
                table = try step(into: child, path: keys[...i], line: headerLine, at: start, lineStart: headerLineStart)
            } else {
                let child = try newNode(.table, line: headerLine)
                nodes[child].state = .implicit
                addChild(table, key: key, child)
                table = child
            }
        }
        let last = keys[keys.count - 1]
        if isArray {
            let array: Int
            if let existing = nodes[table].index[last] {
                guard case .array = nodes[existing].kind, nodes[existing].arrayOfTables else {
                    throw definitionError(name, "defined already (line \(nodes[existing].line)), not as an array of tables", line: headerLine, column: column(at: start, lineStart: headerLineStart))
                }
                array = existing
            } else {
                array = try newNode(.array, line: headerLine)
                nodes[array].arrayOfTables = true
                addChild(table, key: last, array)
            }
            let element = try newNode(.table, line: headerLine)
            nodes[array].children.append(element)
            return (element, name)
        }
        if let existing = nodes[table].index[last] {
            guard case .table = nodes[existing].kind, nodes[existing].state == .implicit else {
                let how: String
                switch (nodes[existing].kind, nodes[existing].state) {
                case (.table, .header): how = "the table is defined twice (first on line \(nodes[existing].line))"
                case (.table, .dotted): how = "the table is defined already by dotted keys (line \(nodes[existing].line))"
                case (.table, _): how = "an inline table (line \(nodes[existing].line)) cannot be extended"
                case (.leaf(let v), _): how = "already \(v.kindDescription) (line \(nodes[existing].line)), not a table"
                case (.array, _) where nodes[existing].arrayOfTables:
                    how = "defined already (line \(nodes[existing].line)) as an array of tables, not as a table"
                default: how = "already an array (line \(nodes[existing].line)), not a table"
                }
                throw definitionError(name, how, line: headerLine, column: column(at: start, lineStart: headerLineStart))
            }
            nodes[existing].state = .header
            nodes[existing].line = headerLine
            return (existing, name)
        }
        let child = try newNode(.table, line: headerLine)
        addChild(table, key: last, child)
        return (child, name)
    }

    func definitionError(_ key: String, _ message: String, line: Int, column: Int) -> TOMLError {
        var e = TOMLError(line: line, column: column, key: key, message: message)
        e.kind = .definition
        return e
    }

    /// A header passing through `child`: a table, or the last table of an array of tables.
    mutating func step(into child: Int, path: ArraySlice<String>, line: Int, at: Int, lineStart ls: Int) throws(TOMLError) -> Int {
        let name = Self.dotted(path)
        switch nodes[child].kind {
        case .table:
            guard nodes[child].state != .inline else {
                throw definitionError(name, "an inline table (line \(nodes[child].line)) cannot be extended", line: line, column: column(at: at, lineStart: ls))
            }
            return child
        case .array:
            guard nodes[child].arrayOfTables, let last = nodes[child].children.last else {
                throw definitionError(name, "already an array (line \(nodes[child].line)), not a table", line: line, column: column(at: at, lineStart: ls))
            }
            return last
        case .leaf(let v):
            throw definitionError(name, "already \(v.kindDescription) (line \(nodes[child].line)), not a table", line: line, column: column(at: at, lineStart: ls))
        }
    }

    // MARK: - Key/value pairs

    /// `key = value` in `table` (a section, or an inline table being read, whose id is `owner`).
    /// Returns the table and key the value goes to; the value itself is read by `parseValue`.
    mutating func parseKeyAndEquals(in table: Int, tablePath: String, owner: Int) throws(TOMLError) -> (Int, String, String) {
        let keyLine = line
        let keyStart = pos
        let keys = try parseKey()
        guard peek() == UInt8(ascii: "=") else { throw unexpected("'=' after the key") }
        let keyLineStart = lineStart
        pos += 1
        skipSpaces()
        var current = table
        var path = tablePath
        for key in keys.dropLast() {
            path = path.isEmpty ? Self.dotted([key]) : path + "." + Self.dotted([key])
            if let child = nodes[current].index[key] {
                guard case .table = nodes[child].kind else {
                    let what: String
                    if case .leaf(let v) = nodes[child].kind { what = v.kindDescription } else { what = "an array" }
                    throw definitionError(path, "already \(what) (line \(nodes[child].line)), not a table", line: keyLine, column: column(at: keyStart, lineStart: keyLineStart))
                }
                switch nodes[child].state {
                case .header:
                    throw definitionError(path, "the table has its own header (line \(nodes[child].line)); its keys go there", line: keyLine, column: column(at: keyStart, lineStart: keyLineStart))
                case .inline where nodes[child].owner != owner:
                    throw definitionError(path, "an inline table (line \(nodes[child].line)) cannot be extended", line: keyLine, column: column(at: keyStart, lineStart: keyLineStart))
                case .implicit:
                    nodes[child].state = .dotted
                default: break
                }
                current = child
            } else {
                let child = try newNode(.table, line: keyLine)
                nodes[child].state = owner >= 0 ? .inline : .dotted
                nodes[child].owner = owner
                addChild(current, key: key, child)
                current = child
            }
        }
        let last = keys[keys.count - 1]
        path = path.isEmpty ? Self.dotted([last]) : path + "." + Self.dotted([last])
        if let existing = nodes[current].index[last] {
            throw definitionError(path, "defined twice (first on line \(nodes[existing].line))", line: keyLine, column: column(at: keyStart, lineStart: keyLineStart))
        }
        return (current, last, path)
    }

    mutating func parseKeyValue(in section: Int, sectionKey: String) throws(TOMLError) {
        let keyLine = line
        let (table, key, path) = try parseKeyAndEquals(in: section, tablePath: sectionKey, owner: -1)
        let value: Int
        do {
            value = try parseValue(line: keyLine, path: path)
        } catch {
            // A limit crossed inside a value names the key, so a caller can say which
            // setting is too long or too deep; a syntax error is only the text's.
            var e = error
            if e.kind == .limit, e.key.isEmpty { e.key = path }
            throw e
        }
        addChild(table, key: key, value)
    }

    // MARK: - Values

    /// An array or inline table being read: the explicit stack that replaces recursion.
    struct Frame {
        var node: Int
        var isArray: Bool
        /// 0: just opened; 1: after a comma; 2: after a value.
        var state = 0
        /// Inline tables: where the value being read goes.
        var target = -1
        var targetKey = ""
        var path = ""
    }

    /// One value of any kind, nested arrays and inline tables included; returns its node.
    mutating func parseValue(line valueLine: Int, path: String) throws(TOMLError) -> Int {
        var stack: [Frame] = []
        var done: Int? = try beginValue(&stack, line: valueLine, path: path)
        while true {
            if let value = done {
                done = nil
                guard !stack.isEmpty else { return value }
                let top = stack.count - 1
                if stack[top].isArray {
                    nodes[stack[top].node].children.append(value)
                } else {
                    addChild(stack[top].target, key: stack[top].targetKey, value)
                }
                stack[top].state = 2
            }
            let top = stack.count - 1
            let frame = stack[top]
            if frame.isArray {
                try skipBlank()
                if frame.state == 2 {
                    if peek() == UInt8(ascii: ",") {
                        pos += 1
                        stack[top].state = 1
                    } else if peek() == UInt8(ascii: "]") {
                        pos += 1
                        done = stack.removeLast().node
                    } else {
                        throw unexpected("',' or ']' after a value in the array")
                    }
                } else if peek() == UInt8(ascii: "]") {
                    pos += 1
                    done = stack.removeLast().node
                } else {
                    guard peek() != UInt8(ascii: "}"), peek() != UInt8(ascii: ",") else {
                        throw unexpected("a value or ']' in the array")
                    }
                    done = try beginValue(&stack, line: line, path: frame.path)
                }
            } else {
                skipSpaces()
                if frame.state == 2 {
                    if peek() == UInt8(ascii: ",") {
                        pos += 1
                        stack[top].state = 1
                    } else if peek() == UInt8(ascii: "}") {
                        pos += 1
                        done = stack.removeLast().node
                    } else {
                        throw unexpected("',' or '}' after a value in the inline table")
                    }
                } else if frame.state == 0 && peek() == UInt8(ascii: "}") {
                    pos += 1
                    done = stack.removeLast().node
                } else {
                    guard peek() != UInt8(ascii: "}") else {
                        throw unexpected("a key after ',' in the inline table (TOML allows no trailing comma there)")
                    }
                    guard !isNewline(), !atEnd, peek() != UInt8(ascii: "#") else {
                        throw unexpected(frame.state == 0 ? "a key or '}' in the inline table" : "a key in the inline table")
                    }
                    let keyLine = line
                    let (table, key, path) = try parseKeyAndEquals(in: frame.node, tablePath: frame.path, owner: frame.node)
                    stack[top].target = table
                    stack[top].targetKey = key
                    done = try beginValue(&stack, line: keyLine, path: path)
                }
            }
        }
    }

    /// Starts a value: a scalar is read whole and returned; an array or inline table is
    /// pushed on `stack` (nil returned) for `parseValue`'s loop to fill.
    mutating func beginValue(_ stack: inout [Frame], line valueLine: Int, path: String) throws(TOMLError) -> Int? {
        let b = peek()
        if b == UInt8(ascii: "[") || b == UInt8(ascii: "{") {
            guard stack.count < limits.maxDepth else {
                throw error("arrays and inline tables nested more than \(limits.maxDepth) deep", kind: .limit)
            }
            pos += 1
            let node = try newNode(b == UInt8(ascii: "[") ? .array : .table, line: valueLine)
            if b == UInt8(ascii: "{") {
                nodes[node].state = .inline
                nodes[node].owner = node
            }
            stack.append(Frame(node: node, isArray: b == UInt8(ascii: "["), path: path))
            return nil
        }
        let value: TOMLValue
        if b == UInt8(ascii: "\"") {
            if peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"") {
                value = .string(try parseMultilineBasicString())
            } else {
                value = .string(try parseBasicString())
            }
        } else if b == UInt8(ascii: "'") {
            if peek(1) == UInt8(ascii: "'") && peek(2) == UInt8(ascii: "'") {
                value = .string(try parseMultilineLiteralString())
            } else {
                value = .string(try parseLiteralString())
            }
        } else {
            value = try parseBareValue()
        }
        return try newNode(.leaf(value), line: valueLine)
    }

    // MARK: - Strings

    /// Appends decoded bytes to a string under construction, within the length limit.
    /// Reported where the string starts, which may be lines before the limit is crossed.
    func checkLength(_ count: Int, start: Int, line startLine: Int, lineStart startLineStart: Int) throws(TOMLError) {
        guard count <= limits.maxStringBytes else {
            var e = TOMLError(line: startLine, column: column(at: start, lineStart: startLineStart),
                              message: "a string longer than \(limits.maxStringBytes) bytes")
            e.kind = .limit
            throw e
        }
    }

    /// `"…"`, with escapes, on one line.
    mutating func parseBasicString() throws(TOMLError) -> String {
        let start = pos
        let startLine = line
        let startLineStart = lineStart
        pos += 1
        var out: [UInt8] = []
        while true {
            guard pos < bytes.count, bytes[pos] != 0x0A else { throw error("a string is not closed on its line (expected '\"')", at: start) }
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") { pos += 1; break }
            if b == UInt8(ascii: "\\") {
                try parseEscape(into: &out)
                try checkLength(out.count, start: start, line: startLine, lineStart: startLineStart)
                continue
            }
            if let e = controlError(at: pos) { throw e }
            if b == 0x0D { throw error("a string is not closed on its line (expected '\"')", at: start) }
            out.append(b)
            pos += 1
            try checkLength(out.count, start: start, line: startLine, lineStart: startLineStart)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `'…'`, as written, on one line.
    mutating func parseLiteralString() throws(TOMLError) -> String {
        let start = pos
        let startLine = line
        let startLineStart = lineStart
        pos += 1
        while true {
            guard pos < bytes.count, bytes[pos] != 0x0A else { throw error("a string is not closed on its line (expected \"'\")", at: start) }
            let b = bytes[pos]
            if b == UInt8(ascii: "'") { break }
            if let e = controlError(at: pos) { throw e }
            if b == 0x0D { throw error("a string is not closed on its line (expected \"'\")", at: start) }
            pos += 1
        }
        try checkLength(pos - start - 1, start: start, line: startLine, lineStart: startLineStart)
        let s = String(decoding: bytes[(start + 1)..<pos], as: UTF8.self)
        pos += 1
        return s
    }

    /// `"""…"""`: escapes, newlines (CRLF read as LF), the first newline dropped, and a
    /// backslash at the end of a line eating the line break and the blanks after it.
    mutating func parseMultilineBasicString() throws(TOMLError) -> String {
        let start = pos
        let startLine = line
        let startLineStart = lineStart
        pos += 3
        if isNewline() { consumeNewline() }
        var out: [UInt8] = []
        while true {
            guard pos < bytes.count else {
                var e = error("a multi-line string opened on line \(startLine) is not closed (expected '\"\"\"')")
                e.line = line
                throw e
            }
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                var run = 0
                while peek(run) == UInt8(ascii: "\"") { run += 1 }
                if run >= 3 {
                    guard run <= 5 else { throw error("three quotes in a row inside a multi-line string must be escaped", at: pos + 3) }
                    out.append(contentsOf: repeatElement(UInt8(ascii: "\""), count: run - 3))
                    pos += run
                    try checkLength(out.count, start: start, line: startLine, lineStart: startLineStart)
                    break
                }
                out.append(contentsOf: repeatElement(UInt8(ascii: "\""), count: run))
                pos += run
            } else if b == UInt8(ascii: "\\") {
                // A line-ending backslash: spaces, then a newline, then every blank after.
                var k = pos + 1
                while k < bytes.count, bytes[k] == 0x20 || bytes[k] == 0x09 { k += 1 }
                if k < bytes.count, bytes[k] == 0x0A || (bytes[k] == 0x0D && k + 1 < bytes.count && bytes[k + 1] == 0x0A) {
                    pos = k
                    while true {
                        skipSpaces()
                        if isNewline() { consumeNewline() } else { break }
                    }
                } else {
                    try parseEscape(into: &out)
                }
            } else if isNewline() {
                consumeNewline()
                out.append(0x0A)
            } else {
                if let e = controlError(at: pos) { throw e }
                out.append(b)
                pos += 1
            }
            try checkLength(out.count, start: start, line: startLine, lineStart: startLineStart)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `'''…'''`: as written, newlines (CRLF read as LF), the first newline dropped.
    mutating func parseMultilineLiteralString() throws(TOMLError) -> String {
        let start = pos
        let startLine = line
        let startLineStart = lineStart
        pos += 3
        if isNewline() { consumeNewline() }
        var out: [UInt8] = []
        while true {
            guard pos < bytes.count else {
                throw error("a multi-line string opened on line \(startLine) is not closed (expected \"'''\")")
            }
            let b = bytes[pos]
            if b == UInt8(ascii: "'") {
                var run = 0
                while peek(run) == UInt8(ascii: "'") { run += 1 }
                if run >= 3 {
                    guard run <= 5 else { throw error("three apostrophes in a row cannot appear inside a multi-line literal string", at: pos + 3) }
                    out.append(contentsOf: repeatElement(UInt8(ascii: "'"), count: run - 3))
                    pos += run
                    try checkLength(out.count, start: start, line: startLine, lineStart: startLineStart)
                    break
                }
                out.append(contentsOf: repeatElement(UInt8(ascii: "'"), count: run))
                pos += run
            } else if isNewline() {
                consumeNewline()
                out.append(0x0A)
            } else {
                if let e = controlError(at: pos) { throw e }
                out.append(b)
                pos += 1
            }
            try checkLength(out.count, start: start, line: startLine, lineStart: startLineStart)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One escape after `\` in a basic string, appended as UTF-8.
    mutating func parseEscape(into out: inout [UInt8]) throws(TOMLError) {
        let at = pos
        pos += 1
        let e = peek()
        pos += 1
        switch e {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let digits = e == UInt8(ascii: "u") ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<digits {
                guard let d = Self.hexValue(peek()) else {
                    throw error("expected \(digits) hex digits after '\\\(Character(Unicode.Scalar(e)))' in a string", at: at)
                }
                value = value << 4 | UInt32(d)
                pos += 1
            }
            guard let s = Unicode.Scalar(value) else {
                throw error("'\\\(Character(Unicode.Scalar(e)))\(String(value, radix: 16, uppercase: true))' is not a Unicode scalar value", at: at)
            }
            out.append(contentsOf: String(Character(s)).utf8)
        default:
            pos = at
            let shown = pos + 1 < bytes.count && bytes[pos + 1] >= 0x20 && bytes[pos + 1] < 0x7F ? "'\\\(Character(Unicode.Scalar(bytes[pos + 1])))'" : "a backslash"
            throw error("expected an escape such as \\n, \\\" or \\u00E9 in a string, found \(shown)", at: at)
        }
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    // MARK: - Numbers, booleans, dates and times

    static func isTokenByte(_ b: UInt8) -> Bool {
        isBare(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// Anything that is not a string, array or inline table: read as one token (a date
    /// and a time may be split by one space), then classified.
    mutating func parseBareValue() throws(TOMLError) -> TOMLValue {
        let start = pos
        while pos < bytes.count, Self.isTokenByte(bytes[pos]) { pos += 1 }
        guard pos > start else { throw unexpected("a value") }
        var token = Array(bytes[start..<pos])
        if Self.isDate(token), peek() == 0x20, Self.isDigit(peek(1)) {
            pos += 1
            while pos < bytes.count, Self.isTokenByte(bytes[pos]) { pos += 1 }
            token = Array(bytes[start..<pos])
        }
        guard token.count <= 128 else { throw error("expected a value, found a run of \(token.count) characters", at: start) }
        switch String(decoding: token, as: UTF8.self) {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan": return .float(.nan)
        case "-nan": return .float(-Double.nan)
        default: break
        }
        if token.count >= 5, token[0..<4].allSatisfy(Self.isDigit), token[4] == UInt8(ascii: "-") {
            guard let value = Self.dateTime(token) else {
                throw error("expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS), found '\(String(decoding: token, as: UTF8.self))'", at: start)
            }
            return value
        }
        if token.count >= 3, Self.isDigit(token[0]), Self.isDigit(token[1]), token[2] == UInt8(ascii: ":") {
            guard let (time, end) = Self.time(token[...]), end == token.count else {
                throw error("expected a time (HH:MM:SS), found '\(String(decoding: token, as: UTF8.self))'", at: start)
            }
            return .localTime(time)
        }
        return try number(token, start: start)
    }

    static func isDate(_ t: [UInt8]) -> Bool {
        t.count == 10 && t[0..<4].allSatisfy(isDigit) && t[4] == UInt8(ascii: "-") && isDigit(t[5]) && isDigit(t[6])
            && t[7] == UInt8(ascii: "-") && isDigit(t[8]) && isDigit(t[9])
    }

    static func twoDigits(_ t: ArraySlice<UInt8>, _ i: Int) -> Int? {
        guard i + 1 < t.endIndex, isDigit(t[i]), isDigit(t[i + 1]) else { return nil }
        return Int(t[i] - 0x30) * 10 + Int(t[i + 1] - 0x30)
    }

    static func dateTime(_ t: [UInt8]) -> TOMLValue? {
        guard t.count >= 10, isDate(Array(t[0..<10])) else { return nil }
        let year = t[0..<4].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        guard let month = twoDigits(t[...], 5), let day = twoDigits(t[...], 8), (1...12).contains(month) else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { return nil }
        let date = TOMLDate(year: year, month: month, day: day)
        if t.count == 10 { return .localDate(date) }
        guard t[10] == UInt8(ascii: "T") || t[10] == UInt8(ascii: "t") || t[10] == 0x20 else { return nil }
        guard let (time, end) = time(t[11...]) else { return nil }
        if end == t.count { return .localDateTime(date, time) }
        if end + 1 == t.count, t[end] == UInt8(ascii: "Z") || t[end] == UInt8(ascii: "z") {
            return .offsetDateTime(date, time, offsetMinutes: 0)
        }
        guard end + 6 == t.count, t[end] == UInt8(ascii: "+") || t[end] == UInt8(ascii: "-"),
              let h = twoDigits(t[...], end + 1), t[end + 3] == UInt8(ascii: ":"), let m = twoDigits(t[...], end + 4),
              h <= 23, m <= 59 else { return nil }
        return .offsetDateTime(date, time, offsetMinutes: (h * 60 + m) * (t[end] == UInt8(ascii: "-") ? -1 : 1))
    }

    /// `HH:MM:SS` and an optional fraction at the start of `t`; returns where it ends.
    static func time(_ t: ArraySlice<UInt8>) -> (TOMLTime, Int)? {
        let s = t.startIndex
        guard let h = twoDigits(t, s), s + 2 < t.endIndex, t[s + 2] == UInt8(ascii: ":"),
              let m = twoDigits(t, s + 3), s + 5 < t.endIndex, t[s + 5] == UInt8(ascii: ":"),
              let sec = twoDigits(t, s + 6), h <= 23, m <= 59, sec <= 60 else { return nil }
        var i = s + 8
        var nano = 0
        if i < t.endIndex, t[i] == UInt8(ascii: ".") {
            i += 1
            let first = i
            var scale = 100_000_000
            while i < t.endIndex, isDigit(t[i]) {
                nano += Int(t[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
            guard i > first else { return nil }
        }
        return (TOMLTime(hour: h, minute: m, second: sec, nanosecond: nano), i)
    }

    /// An integer (decimal, 0x, 0o, 0b) or a float, with TOML's underscore and leading-zero rules.
    func number(_ t: [UInt8], start: Int) throws(TOMLError) -> TOMLValue {
        let text = String(decoding: t, as: UTF8.self)
        // A function, not a value: an error's column costs a scan of the line.
        func bad() -> TOMLError {
            error("expected a value (a string, number, boolean, date, array or inline table), found '\(text)'", at: start)
        }
        var i = 0
        var negative = false
        if t[0] == UInt8(ascii: "+") || t[0] == UInt8(ascii: "-") {
            negative = t[0] == UInt8(ascii: "-")
            i = 1
        }
        guard i < t.count else { throw bad() }
        // 0x, 0o, 0b: no sign, digits with single underscores between them.
        if t.count - i > 2, t[i] == UInt8(ascii: "0"), let radix = [UInt8(ascii: "x"): 16, UInt8(ascii: "o"): 8, UInt8(ascii: "b"): 2][t[i + 1]] {
            guard i == 0 else { throw error("expected no sign before a hexadecimal, octal or binary integer, found '\(text)'", at: start) }
            guard let end = Self.digitRun(t, from: 2, radix: radix), end == t.count else { throw bad() }
            var value: UInt64 = 0
            for b in t[2...] where b != UInt8(ascii: "_") {
                let d = UInt64(Self.hexValue(b)!)
                let (m, o1) = value.multipliedReportingOverflow(by: UInt64(radix))
                let (s, o2) = m.addingReportingOverflow(d)
                guard !o1, !o2, s <= UInt64(Int64.max) else { throw error("the integer '\(text)' does not fit in 64 bits", at: start) }
                value = s
            }
            return .integer(Int64(value))
        }
        guard let intEnd = Self.digitRun(t, from: i, radix: 10) else { throw bad() }
        if t[i] == UInt8(ascii: "0"), intEnd - i > 1 {
            throw error("expected no leading zeros in a number, found '\(text)'", at: start)
        }
        if intEnd == t.count {
            var value: UInt64 = 0
            for b in t[i...] where b != UInt8(ascii: "_") {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(UInt64(b - 0x30))
                guard !o1, !o2, s <= UInt64(Int64.max) + (negative ? 1 : 0) else {
                    throw error("the integer '\(text)' does not fit in 64 bits", at: start)
                }
                value = s
            }
            return .integer(negative ? Int64(bitPattern: 0 &- value) : Int64(value))
        }
        // A float: a fraction, an exponent, or both.
        var j = intEnd
        if t[j] == UInt8(ascii: ".") {
            guard let end = Self.digitRun(t, from: j + 1, radix: 10) else { throw bad() }
            j = end
        }
        if j < t.count, t[j] == UInt8(ascii: "e") || t[j] == UInt8(ascii: "E") {
            var k = j + 1
            if k < t.count, t[k] == UInt8(ascii: "+") || t[k] == UInt8(ascii: "-") { k += 1 }
            guard let end = Self.digitRun(t, from: k, radix: 10) else { throw bad() }
            j = end
        }
        guard j == t.count, let d = Double(String(decoding: t.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)) else { throw bad() }
        // Like an integer, a float too large for 64 bits is an error, not infinity (fuzz-toml;
        // toml++ agrees); `inf` is written as such.
        guard d.isFinite else { throw error("the float '\(text)' does not fit in 64 bits", at: start) }
        return .float(d)
    }

    /// The end of a run of digits starting at `from`, underscores allowed only between digits; nil if none.
    static func digitRun(_ t: [UInt8], from: Int, radix: Int) -> Int? {
        var i = from
        var last: UInt8 = 0
        while i < t.count {
            let b = t[i]
            if b == UInt8(ascii: "_") {
                guard i > from, last != UInt8(ascii: "_") else { return nil }
            } else if let d = hexValue(b), Int(d) < radix {
            } else { break }
            last = b
            i += 1
        }
        guard i > from, last != UInt8(ascii: "_") else { return nil }
        return i
    }

    // MARK: - From the arena to tables

    /// Children are always made after their parent, so walking the arena backwards builds
    /// every child before the table or array that holds it: no recursion.
    func build() -> TOMLTable {
        var built = [TOMLValue?](repeating: nil, count: nodes.count)
        for id in nodes.indices.reversed() {
            let node = nodes[id]
            switch node.kind {
            case .leaf(let v):
                built[id] = v
            case .array:
                var elements: [TOMLValue] = []
                elements.reserveCapacity(node.children.count)
                for c in node.children { elements.append(built[c].take()!) }
                built[id] = .array(elements)
            case .table:
                var entries: [TOMLTable.Entry] = []
                entries.reserveCapacity(node.children.count)
                for (k, c) in zip(node.keys, node.children) {
                    entries.append(TOMLTable.Entry(key: k, value: built[c].take()!, line: nodes[c].line))
                }
                built[id] = .table(TOMLTable(line: node.line, entries: entries))
            }
        }
        guard case .table(let root)? = built[0] else { return TOMLTable() }
        return root
    }
}

extension TOMLError {
    /// What kind of problem this is, for the parser's own use (a header's syntax error is
    /// reworded; a control character or a limit is not). Not part of equality.
    var kind: Parser.ErrorKind {
        get { _kind ?? .syntax }
        set { _kind = newValue }
    }
}
