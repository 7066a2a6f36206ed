/// A Varlink type from the interface definition language.
public indirect enum VarlinkType: Equatable, Sendable {
    case bool, int, float, string, object
    case named(String)
    case structure([Field])
    case enumeration([String])
    /// `?T`: the value may be missing or null.
    case maybe(VarlinkType)
    /// `[]T`
    case array(VarlinkType)
    /// `[string]T`
    case map(VarlinkType)

    public struct Field: Equatable, Sendable {
        public var name: String
        public var type: VarlinkType
    }
}

/// A parsed interface: its text (what `GetInterfaceDescription` returns) and its members.
public struct Interface: Sendable {
    public struct Method: Sendable {
        public var name: String
        public var input: [VarlinkType.Field]
        public var output: [VarlinkType.Field]
    }

    public let name: String
    public let description: String
    public private(set) var types: [String: VarlinkType] = [:]
    public private(set) var methods: [String: Method] = [:]
    public private(set) var errors: [String: [VarlinkType.Field]] = [:]

    /// Parses interface definition text; the error names the line.
    public init(_ text: String) throws(InterfaceError) {
        description = text
        var lexer = Lexer(text: text)
        try lexer.expectWord("interface")
        let name = try lexer.interfaceName()
        self.name = name
        var seen = Set<String>() // types, methods and errors share one namespace
        while let keyword = try lexer.wordOrEnd() {
            let line = lexer.line
            switch keyword {
            case "type":
                let n = try lexer.memberName()
                guard seen.insert(n).inserted else { throw InterfaceError(line: line, message: "'\(n)' is declared twice") }
                types[n] = try lexer.typeDefinition()
            case "method":
                let n = try lexer.memberName()
                guard seen.insert(n).inserted else { throw InterfaceError(line: line, message: "'\(n)' is declared twice") }
                let input = try lexer.structure()
                try lexer.expectArrow()
                let output = try lexer.structure()
                methods[n] = Method(name: n, input: input, output: output)
            case "error":
                let n = try lexer.memberName()
                guard seen.insert(n).inserted else { throw InterfaceError(line: line, message: "'\(n)' is declared twice") }
                errors[n] = try lexer.structure()
            default:
                throw lexer.error("expected 'type', 'method' or 'error', found '\(keyword)'")
            }
        }
        for (_, t) in types { try check(t, lexer) }
        for (_, m) in methods { for f in m.input + m.output { try check(f.type, lexer) } }
    }

    private func check(_ type: VarlinkType, _ lexer: Lexer) throws(InterfaceError) {
        switch type {
        case .named(let n): if types[n] == nil { throw InterfaceError(line: 0, message: "unknown type '\(n)'") }
        case .maybe(let t), .array(let t), .map(let t): try check(t, lexer)
        case .structure(let fields): for f in fields { try check(f.type, lexer) }
        default: break
        }
    }

    // MARK: - Checking values

    /// Checks a call's parameters against the method's input; the error names the
    /// first parameter that is missing, unknown or of the wrong type.
    public func validate(parameters: JSON, of method: String) throws(VarlinkError) {
        guard let m = methods[method] else { throw .methodNotFound("\(name).\(method)") }
        try validate(parameters, fields: m.input, path: "")
    }

    /// Checks a reply's parameters against the method's output, as `validate(parameters:of:)`
    /// checks a call's: what a server promises, for tests that keep the two in step.
    public func validate(reply parameters: JSON, of method: String) throws(VarlinkError) {
        guard let m = methods[method] else { throw .methodNotFound("\(name).\(method)") }
        try validate(parameters, fields: m.output, path: "")
    }

    /// Checks an error reply: its name is one of this interface's errors (or a standard
    /// `org.varlink.service` one) and its parameters have the declared fields.
    public func validate(error qualified: String, parameters: JSON) throws(VarlinkError) {
        if qualified.hasPrefix("org.varlink.service.") { return }
        guard qualified.hasPrefix(name + "."), let fields = errors[String(qualified.dropFirst(name.count + 1))] else {
            throw .invalidParameter("error \(qualified) is not declared by \(name)")
        }
        try validate(parameters, fields: fields, path: "")
    }

    func validate(_ value: JSON, fields: [VarlinkType.Field], path: String) throws(VarlinkError) {
        guard let members = value.object else { throw .invalidParameter(path.isEmpty ? "parameters" : path) }
        let known = Set(fields.map(\.name))
        for (key, _) in members where !known.contains(key) { throw .invalidParameter(path + key) }
        for field in fields {
            let v = value[field.name] ?? .null
            try validate(v, type: field.type, path: path + field.name)
        }
    }

    func validate(_ value: JSON, type: VarlinkType, path: String) throws(VarlinkError) {
        let bad = VarlinkError.invalidParameter(path)
        switch type {
        case .maybe(let inner):
            if value.isNull { return }
            try validate(value, type: inner, path: path)
        case .bool: guard value.bool != nil else { throw bad }
        case .int: guard value.int != nil else { throw bad }
        case .float: guard value.double != nil else { throw bad }
        case .string: guard value.string != nil else { throw bad }
        case .object: guard value.object != nil else { throw bad }
        case .enumeration(let names): guard let s = value.string, names.contains(s) else { throw bad }
        case .named(let n):
            guard let t = types[n] else { throw bad }
            try validate(value, type: t, path: path)
        case .structure(let fields): try validate(value, fields: fields, path: path + ".")
        case .array(let element):
            guard let items = value.array else { throw bad }
            for (i, item) in items.enumerated() { try validate(item, type: element, path: "\(path)[\(i)]") }
        case .map(let element):
            guard let members = value.object else { throw bad }
            for (k, item) in members { try validate(item, type: element, path: "\(path)[\(k)]") }
        }
    }
}

/// An interface definition that does not parse.
public struct InterfaceError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "line \(line): \(message)" }
}

/// Tokens of the interface definition language; `#` comments and whitespace are skipped.
struct Lexer {
    let chars: [Character]
    var i = 0
    var line = 1

    init(text: String) { chars = Array(text) }

    func error(_ message: String) -> InterfaceError { InterfaceError(line: line, message: message) }

    mutating func skip() {
        while i < chars.count {
            let c = chars[i]
            if c == "#" {
                while i < chars.count, !chars[i].isNewline { i += 1 }
            } else if c.isNewline {
                line += 1
                i += 1
            } else if c.isWhitespace {
                i += 1
            } else {
                return
            }
        }
    }

    mutating func word() -> String {
        skip()
        var w = ""
        while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "." || chars[i] == "-" {
            w.append(chars[i])
            i += 1
        }
        return w
    }

    mutating func wordOrEnd() throws(InterfaceError) -> String? {
        skip()
        if i >= chars.count { return nil }
        let w = word()
        guard !w.isEmpty else { throw error("unexpected '\(chars[i])'") }
        return w
    }

    mutating func expectWord(_ expected: String) throws(InterfaceError) {
        let w = word()
        guard w == expected else { throw error("expected '\(expected)', found '\(w)'") }
    }

    mutating func interfaceName() throws(InterfaceError) -> String {
        let w = word()
        let parts = w.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts.allSatisfy({ $0.first?.isLetter == true }) else {
            throw error("expected a reverse-domain interface name, found '\(w)'")
        }
        return w
    }

    mutating func memberName() throws(InterfaceError) -> String {
        let w = word()
        guard let f = w.first, f.isUppercase, w.allSatisfy({ $0.isLetter || $0.isNumber }) else {
            throw error("expected a capitalised name, found '\(w)'")
        }
        return w
    }

    mutating func peek() -> Character? {
        skip()
        return i < chars.count ? chars[i] : nil
    }

    mutating func expect(_ c: Character) throws(InterfaceError) {
        guard peek() == c else { throw error("expected '\(c)'") }
        i += 1
    }

    mutating func expectArrow() throws(InterfaceError) {
        try expect("-")
        guard i < chars.count, chars[i] == ">" else { throw error("expected '->'") }
        i += 1
    }

    /// `( name: type, ... )`
    mutating func structure() throws(InterfaceError) -> [VarlinkType.Field] {
        guard case .structure(let fields) = try structOrEnum(), true else { throw error("expected a structure") }
        return fields
    }

    mutating func typeDefinition() throws(InterfaceError) -> VarlinkType { try structOrEnum() }

    mutating func structOrEnum() throws(InterfaceError) -> VarlinkType {
        try expect("(")
        if peek() == ")" { i += 1; return .structure([]) }
        var fields: [VarlinkType.Field] = []
        var names: [String] = []
        while true {
            let n = word()
            guard let f = n.first, f.isLetter, n.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw error("expected a field name, found '\(n)'")
            }
            if peek() == ":" {
                guard names.isEmpty else { throw error("mixed enum and struct") }
                i += 1
                fields.append(.init(name: n, type: try typeReference()))
            } else {
                guard fields.isEmpty else { throw error("expected ':' after '\(n)'") }
                names.append(n)
            }
            guard let c = peek() else { throw error("unexpected end") }
            i += 1
            if c == ")" { break }
            guard c == "," else { throw error("expected ',' or ')'") }
        }
        return names.isEmpty ? .structure(fields) : .enumeration(names)
    }

    mutating func typeReference() throws(InterfaceError) -> VarlinkType {
        guard let c = peek() else { throw error("expected a type") }
        if c == "?" { i += 1; return .maybe(try typeReference()) }
        if c == "[" {
            i += 1
            if peek() == "]" { i += 1; return .array(try typeReference()) }
            try expectWord("string")
            try expect("]")
            return .map(try typeReference())
        }
        if c == "(" { return try structOrEnum() }
        let w = word()
        switch w {
        case "bool": return .bool
        case "int": return .int
        case "float": return .float
        case "string": return .string
        case "object": return .object
        default:
            guard let f = w.first, f.isUppercase else { throw error("expected a type, found '\(w)'") }
            return .named(w)
        }
    }
}
