/// A Varlink method call (`{"method": ..., "parameters": {...}, "more": true}`).
public struct Call: Equatable, Sendable {
    /// Fully qualified: `io.pgtrack.Tracker.Status`.
    public var method: String
    public var parameters: JSON
    /// The caller wants no reply.
    public var oneway: Bool
    /// The caller accepts several replies (`continues`).
    public var more: Bool

    public init(method: String, parameters: JSON = [:], oneway: Bool = false, more: Bool = false) {
        self.method = method
        self.parameters = parameters
        self.oneway = oneway
        self.more = more
    }

    /// The interface part of the method name.
    public var interface: String {
        guard let dot = method.lastIndex(of: ".") else { return "" }
        return String(method[..<dot])
    }

    /// The method's own name.
    public var name: String {
        guard let dot = method.lastIndex(of: ".") else { return method }
        return String(method[method.index(after: dot)...])
    }

    public var json: JSON {
        .obj([("method", .string(method)), ("parameters", parameters),
              ("oneway", oneway ? true : nil), ("more", more ? true : nil)])
    }

    /// Reads a call from a message; the error says what is wrong with it.
    public init(json: JSON) throws(VarlinkError) {
        guard case .object(let members) = json else { throw .invalidMessage("a call must be a JSON object") }
        var method: String?, parameters: JSON = [:], oneway = false, more = false
        for (key, value) in members {
            switch key {
            case "method":
                guard let m = value.string, !m.isEmpty else { throw .invalidMessage("'method' must be a string") }
                method = m
            case "parameters":
                guard value.object != nil else { throw .invalidMessage("'parameters' must be an object") }
                parameters = value
            case "oneway":
                guard let b = value.bool else { throw .invalidMessage("'oneway' must be a boolean") }
                oneway = b
            case "more":
                guard let b = value.bool else { throw .invalidMessage("'more' must be a boolean") }
                more = b
            case "upgrade":
                guard value.bool != nil else { throw .invalidMessage("'upgrade' must be a boolean") }
                if value.bool == true { throw .invalidMessage("protocol upgrades are not supported") }
            default:
                throw .invalidMessage("unknown field '\(key)' in a call")
            }
        }
        guard let method else { throw .invalidMessage("a call needs 'method'") }
        self.init(method: method, parameters: parameters, oneway: oneway, more: more)
    }
}

/// A reply: parameters, or an error with parameters; `continues` when more follow.
public struct Reply: Equatable, Sendable {
    public var parameters: JSON
    public var error: String?
    public var continues: Bool

    public init(parameters: JSON = [:], error: String? = nil, continues: Bool = false) {
        self.parameters = parameters
        self.error = error
        self.continues = continues
    }

    public var json: JSON {
        .obj([("parameters", parameters), ("continues", continues ? true : nil), ("error", error.map(JSON.string))])
    }

    public init(json: JSON) throws(VarlinkError) {
        guard json.object != nil else { throw .invalidMessage("a reply must be a JSON object") }
        parameters = json["parameters"] ?? [:]
        error = json["error"]?.string
        continues = json["continues"]?.bool ?? false
    }
}

/// A Varlink error: a qualified name and its parameters.
public struct VarlinkError: Error, Equatable, CustomStringConvertible {
    public var name: String
    public var parameters: JSON

    public init(_ name: String, _ parameters: JSON = [:]) {
        self.name = name
        self.parameters = parameters
    }

    public var description: String {
        if let message = parameters["message"]?.string { return "\(name): \(message)" }
        if let p = parameters["parameter"]?.string { return "\(name): \(p)" }
        return name
    }

    public static func interfaceNotFound(_ interface: String) -> VarlinkError {
        VarlinkError("org.varlink.service.InterfaceNotFound", ["interface": .string(interface)])
    }
    public static func methodNotFound(_ method: String) -> VarlinkError {
        VarlinkError("org.varlink.service.MethodNotFound", ["method": .string(method)])
    }
    public static func methodNotImplemented(_ method: String) -> VarlinkError {
        VarlinkError("org.varlink.service.MethodNotImplemented", ["method": .string(method)])
    }
    public static func invalidParameter(_ parameter: String) -> VarlinkError {
        VarlinkError("org.varlink.service.InvalidParameter", ["parameter": .string(parameter)])
    }
    public static func permissionDenied() -> VarlinkError {
        VarlinkError("org.varlink.service.PermissionDenied")
    }
    /// Not a standard error: the message could not be read as a call at all.
    public static func invalidMessage(_ why: String) -> VarlinkError {
        VarlinkError("org.varlink.service.InvalidParameter", ["parameter": "message", "message": .string(why)])
    }
}

/// Splits a byte stream into NUL-terminated messages, refusing oversize ones.
public struct Framer {
    public let maxMessage: Int
    private var buffer: [UInt8] = []

    public init(maxMessage: Int = 64 * 1024) { self.maxMessage = maxMessage }

    public enum Output: Equatable {
        case message([UInt8])
        /// More than `maxMessage` bytes arrived without a terminating NUL.
        case oversize
    }

    /// Adds bytes and returns every complete message; after `.oversize` the stream
    /// cannot be trusted and the caller closes the connection.
    public mutating func feed<C: Collection>(_ bytes: C) -> [Output] where C.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        var out: [Output] = []
        var start = 0
        while let nul = buffer[start...].firstIndex(of: 0) {
            if nul - start > maxMessage { out.append(.oversize); buffer.removeAll(); return out }
            out.append(.message(Array(buffer[start..<nul])))
            start = nul + 1
        }
        buffer.removeFirst(start)
        if buffer.count > maxMessage { out.append(.oversize); buffer.removeAll() }
        return out
    }

    /// Bytes received but not yet a whole message.
    public var pending: Int { buffer.count }

    /// A message as sent: JSON text and the NUL.
    public static func frame(_ json: JSON) -> [UInt8] {
        var out: [UInt8] = []
        frame(json, into: &out)
        return out
    }

    /// Appends a framed message to `out` (a connection's output buffer).
    public static func frame(_ json: JSON, into out: inout [UInt8]) {
        json.write(to: &out)
        out.append(0)
    }
}
