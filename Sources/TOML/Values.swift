/// A TOML 1.0 parser in plain Swift: no Foundation, no C, no recursion whose depth the
/// input controls, and every size the input could blow up bounded by `TOMLLimits`.
///
///     let table = try TOML.parse("[plan]\nstart = 2027-01-04\n")
///     table["plan"]?.table?["start"]   // .localDate(TOMLDate(year: 2027, month: 1, day: 4))
///
/// Every table entry carries the 1-based line it was defined on, so that a caller
/// checking values can name the line of a bad one.
public enum TOML {
    /// Parses TOML text. The error names the line and column of the first problem.
    public static func parse(_ text: String, limits: TOMLLimits = TOMLLimits()) throws(TOMLError) -> TOMLTable {
        try parse(bytes: Array(text.utf8), limits: limits)
    }

    /// Parses TOML bytes; invalid UTF-8 is refused like any other syntax error.
    public static func parse(bytes: [UInt8], limits: TOMLLimits = TOMLLimits()) throws(TOMLError) -> TOMLTable {
        var parser = Parser(bytes: bytes, limits: limits)
        return try parser.parseDocument()
    }
}

/// The bounds the parser enforces; each one exceeded is a `TOMLError` naming the line.
public struct TOMLLimits: Sendable, Equatable {
    /// The whole document, in bytes.
    public var maxBytes: Int = 1 << 20
    /// Segments of one key or table header: `a.b.c` has three.
    public var maxKeySegments: Int = 32
    /// Arrays and inline tables inside one another: `[[1]]` is depth 2.
    public var maxDepth: Int = 32
    /// One string or key, in UTF-8 bytes after escapes are decoded.
    public var maxStringBytes: Int = 64 << 10
    /// Values of every kind (tables and arrays included) in the document.
    public var maxValues: Int = 100_000

    public init() {}
}

/// Why a document was refused, and where.
public struct TOMLError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 1-based line and column (in Unicode scalars) of the problem; 0 when it is the whole input.
    public var line: Int
    public var column: Int
    /// The dotted key concerned, for a key or table defined twice or a limit on a key; "" otherwise.
    public var key: String
    /// What is wrong, in words: "expected …, found …".
    public var message: String
    /// The parser's own classification (see `Parser.ErrorKind`); not part of equality.
    var _kind: Parser.ErrorKind? = nil

    public init(line: Int, column: Int, key: String = "", message: String) {
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    public static func == (a: TOMLError, b: TOMLError) -> Bool {
        a.line == b.line && a.column == b.column && a.key == b.key && a.message == b.message
    }

    public var description: String {
        "line \(line), column \(column): " + (key.isEmpty ? "" : "\(key): ") + message
    }
}

/// A calendar date without a time zone (`2027-01-04`).
public struct TOMLDate: Hashable, Sendable {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }
}

/// A wall-clock time (`07:32:00.999`); digits past nanoseconds are dropped, as TOML allows.
public struct TOMLTime: Hashable, Sendable {
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var nanosecond: Int

    public init(hour: Int, minute: Int, second: Int, nanosecond: Int = 0) {
        self.hour = hour
        self.minute = minute
        self.second = second
        self.nanosecond = nanosecond
    }
}

/// One TOML value.
public enum TOMLValue: Hashable, Sendable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    /// `1979-05-27T07:32:00-07:00`: the offset in minutes east of UTC (`Z` is 0).
    case offsetDateTime(TOMLDate, TOMLTime, offsetMinutes: Int)
    case localDateTime(TOMLDate, TOMLTime)
    case localDate(TOMLDate)
    case localTime(TOMLTime)
    /// TOML 1.0 allows mixed types in one array.
    case array([TOMLValue])
    /// A `[table]`, a dotted key's table, an inline table, or an element of an array of tables.
    case table(TOMLTable)

    public var string: String? { if case .string(let s) = self { return s }; return nil }
    public var integer: Int64? { if case .integer(let i) = self { return i }; return nil }
    public var float: Double? { if case .float(let d) = self { return d }; return nil }
    public var boolean: Bool? { if case .boolean(let b) = self { return b }; return nil }
    public var array: [TOMLValue]? { if case .array(let a) = self { return a }; return nil }
    public var table: TOMLTable? { if case .table(let t) = self { return t }; return nil }
    public var localDate: TOMLDate? { if case .localDate(let d) = self { return d }; return nil }

    /// The kind of value in words, for messages: "a string", "an integer", "a date-time", …
    public var kindDescription: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .boolean: return "a boolean"
        case .offsetDateTime, .localDateTime: return "a date-time"
        case .localDate: return "a date"
        case .localTime: return "a time"
        case .array: return "an array"
        case .table: return "a table"
        }
    }
}

/// A TOML table: its keys in the order they were first defined, each with its value and line.
public struct TOMLTable: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public var key: String
        public var value: TOMLValue
        /// The 1-based line the key was defined on; for a table, the line of its `[header]`
        /// (or, for one only implied, of the header or dotted key that implied it).
        public var line: Int
    }

    /// The entries in definition order.
    public private(set) var entries: [Entry] = []
    private var index: [String: Int] = [:]
    /// The line of the table's header (or of the key that made it); 0 for the document itself.
    public var line: Int

    public init(line: Int = 0) { self.line = line }

    init(line: Int, entries: [Entry]) {
        self.line = line
        self.entries = entries
        index.reserveCapacity(entries.count)
        for (i, e) in entries.enumerated() { index[e.key] = i }
    }

    public var keys: [String] { entries.map(\.key) }
    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    public subscript(key: String) -> TOMLValue? { entry(key)?.value }

    public func entry(_ key: String) -> Entry? {
        guard let i = index[key] else { return nil }
        return entries[i]
    }

    public static func == (a: TOMLTable, b: TOMLTable) -> Bool { a.line == b.line && a.entries == b.entries }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(line)
        hasher.combine(entries)
    }
}
