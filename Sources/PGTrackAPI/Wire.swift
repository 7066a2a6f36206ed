import FoundationEssentials
import PGTrackCore
import Varlink

/// The wire contract of `io.pgtrack.Tracker`: value types that the daemon encodes, the
/// CLI decodes, and PGTrackViews renders (the page, the status bars). Every type here
/// mirrors a type of `interfaces/io.pgtrack.Tracker.varlink`, field for field;
/// `ContractTests` (PGTrackAPITests) validates each encoding against the interface text,
/// so the two cannot drift.
public enum API {}

/// A reply that does not have the shape the interface promises.
public struct WireError: Error, Equatable, CustomStringConvertible {
    /// The dotted path of the offending field (`status.next.start`).
    public var path: String
    public var message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path.isEmpty ? "reply" : path): \(message)" }
}

/// A value with one JSON encoding and one decoding.
public protocol WireValue: Equatable, Sendable {
    /// Decodes `json`; `path` names where it sits, for the error.
    init(wire json: JSON, path: String) throws(WireError)
    /// The value as sent.
    var wire: JSON { get }
}

extension WireValue {
    /// Decodes a whole reply.
    public init(wire json: JSON) throws(WireError) { try self.init(wire: json, path: "") }
}

/// Typed reads of one JSON object's members, naming the member on failure.
struct Fields {
    let json: JSON
    let path: String

    init(_ json: JSON, path: String) throws(WireError) {
        guard json.object != nil else { throw WireError(path: path, "expected an object") }
        self.json = json
        self.path = path
    }

    func at(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func string(_ key: String) throws(WireError) -> String {
        guard let s = json[key]?.string else { throw WireError(path: at(key), "expected a string") }
        return s
    }

    func int(_ key: String) throws(WireError) -> Int {
        guard let i = json[key]?.int, let v = Int(exactly: i) else { throw WireError(path: at(key), "expected an integer") }
        return v
    }

    func double(_ key: String) throws(WireError) -> Double {
        guard let d = json[key]?.double, d.isFinite else { throw WireError(path: at(key), "expected a number") }
        return d
    }

    func optionalString(_ key: String) throws(WireError) -> String? {
        guard let v = json[key], !v.isNull else { return nil }
        guard let s = v.string else { throw WireError(path: at(key), "expected a string or null") }
        return s
    }

    func optionalInt(_ key: String) throws(WireError) -> Int? {
        guard let v = json[key], !v.isNull else { return nil }
        guard let i = v.int, let n = Int(exactly: i) else { throw WireError(path: at(key), "expected an integer or null") }
        return n
    }

    func optionalTime(_ key: String) throws(WireError) -> String? {
        guard let s = try optionalString(key) else { return nil }
        guard Date(rfc3339: s) != nil else { throw WireError(path: at(key), "expected an RFC 3339 time, found '\(s)'") }
        return s
    }

    func time(_ key: String) throws(WireError) -> String {
        let s = try string(key)
        guard Date(rfc3339: s) != nil else { throw WireError(path: at(key), "expected an RFC 3339 time, found '\(s)'") }
        return s
    }

    func optional<T: WireValue>(_ key: String, _: T.Type = T.self) throws(WireError) -> T? {
        guard let v = json[key], !v.isNull else { return nil }
        return try T(wire: v, path: at(key))
    }

    func array<T: WireValue>(_ key: String, _: T.Type = T.self) throws(WireError) -> [T] {
        guard let items = json[key]?.array else { throw WireError(path: at(key), "expected an array") }
        var out: [T] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() { out.append(try T(wire: item, path: "\(at(key))[\(i)]")) }
        return out
    }
}

extension API {
    /// pgtrack's version, as `pgtrackctl --version` and Varlink's GetInfo report it.
    public static let version = "0.1.0"
}
