import FoundationEssentials
import PGTrackCore
import Varlink

/// A call of `io.pgtrack.Tracker`, both ways: pgtrackd reads one with
/// `init(method:parameters:)`, pgtrackctl writes one with `method` and `parameters`.
public enum Request: Equatable, Sendable {
    case status
    case listSlots(from: Date?, to: Date?, week: Int?)
    case change(Change)
    case export(format: String)
    case reload
    case feed(rotateToken: Bool)
    case sync
    case monitor

    /// The times a call may name: 1970-01-01 to 9999-12-31 UTC.
    static let earliest = Date(timeIntervalSince1970: 0)
    static let latest = Date(timeIntervalSince1970: 253_402_300_799)

    /// Reads a call. The server has already checked the parameters' types against the
    /// interface; this reads their meaning (slot ids, times).
    public init(method: String, parameters p: JSON) throws {
        func slot() throws(ScheduleError) -> SlotID {
            let text = p["slot"]?.string ?? ""
            guard let id = SlotID(text) else { throw .noSuchSlot(text) }
            return id
        }
        func optionalTime(_ key: String) throws(ScheduleError) -> Date? {
            guard let text = p[key]?.string else { return nil }
            guard let d = Date(rfc3339: text) else { throw .invalidTime("\(key) '\(text)' is not an RFC 3339 time") }
            // Refused here, in the client's own words: a time in the year 1 would otherwise
            // be echoed back (and logged) in the zone's local mean time, +00:53 in Berlin.
            guard (Self.earliest...Self.latest).contains(d) else {
                throw .invalidTime("\(key) '\(text.prefix(40))' is outside the years 1970 to 9999")
            }
            return d
        }
        func time(_ key: String) throws(ScheduleError) -> Date {
            guard let d = try optionalTime(key) else { throw .invalidTime("\(key) is missing") }
            return d
        }
        switch method {
        case "Status": self = .status
        case "ListSlots":
            self = .listSlots(from: try optionalTime("from"), to: try optionalTime("to"),
                              week: p["week"]?.int.flatMap { Int(exactly: $0) })
        case "Skip": self = .change(.skip(try slot(), reason: p["reason"]?.string))
        case "Reschedule": self = .change(.reschedule(try slot(), to: try time("start")))
        case "Complete":
            self = .change(.complete(try slot(), note: p["note"]?.string, minutes: p["minutes"]?.int.flatMap { Int(exactly: $0) }))
        case "Start": self = .change(.start(try slot()))
        case "Note": self = .change(.note(try slot(), text: p["text"]?.string ?? ""))
        case "Reopen": self = .change(.reopen(try slot()))
        case "Snooze": self = .change(.snooze(try slot(), until: try time("until")))
        case "Undo": self = .change(.undo)
        case "Pause":
            func day(_ key: String) throws(ScheduleError) -> LocalDate? {
                guard let text = p[key]?.string else { return nil }
                guard let d = LocalDate(text) else { throw .invalidTime("\(key) '\(text)' is not a date (YYYY-MM-DD)") }
                return d
            }
            guard let from = try day("from") else { throw ScheduleError.invalidTime("from is missing") }
            self = .change(.pause(from: from, to: try day("to") ?? from, reason: p["reason"]?.string))
        case "Resume": self = .change(.resume)
        case "Export": self = .export(format: p["format"]?.string ?? "")
        case "Reload": self = .reload
        case "Feed": self = .feed(rotateToken: p["rotateToken"]?.bool ?? false)
        case "Sync": self = .sync
        case "Monitor": self = .monitor
        default: throw VarlinkError.methodNotImplemented(TrackerInterface.name + "." + method)
        }
    }

    // MARK: - Writing a call

    /// The method this request calls, without the interface's name (`Skip`): what
    /// `init(method:parameters:)` reads it from.
    public var method: String {
        switch self {
        case .status: "Status"
        case .listSlots: "ListSlots"
        case .change(.skip): "Skip"
        case .change(.reschedule): "Reschedule"
        case .change(.complete): "Complete"
        case .change(.start): "Start"
        case .change(.note): "Note"
        case .change(.reopen): "Reopen"
        case .change(.snooze): "Snooze"
        case .change(.undo): "Undo"
        case .change(.pause): "Pause"
        case .change(.resume): "Resume"
        case .export: "Export"
        case .reload: "Reload"
        case .feed: "Feed"
        case .sync: "Sync"
        case .monitor: "Monitor"
        }
    }

    /// The name a client calls: `io.pgtrack.Tracker.Skip`.
    public var qualifiedMethod: String { TrackerInterface.name + "." + method }

    /// The call's parameters: `init(method:parameters:)` reads them back into this request
    /// (one it could have read: a valid slot id, times from 1970 to 9999 in whole seconds).
    /// A nil optional is left out; slot ids are `wWWdD`, dates `YYYY-MM-DD`, and times
    /// RFC 3339 in UTC to the second, as every time on the interface (a fraction of a
    /// second is dropped).
    public var parameters: JSON {
        func time(_ date: Date) -> JSON { .string(date.rfc3339(in: .utc)) }
        func slot(_ id: SlotID) -> (String, JSON?) { ("slot", .string(id.description)) }
        switch self {
        case .status, .reload, .sync, .monitor, .change(.undo), .change(.resume):
            return [:]
        case .listSlots(let from, let to, let week):
            return .obj([("from", from.map(time)), ("to", to.map(time)), ("week", week.map { .int(Int64($0)) })])
        case .change(.skip(let id, let reason)):
            return .obj([slot(id), ("reason", reason.map(JSON.string))])
        case .change(.reschedule(let id, let start)):
            return .obj([slot(id), ("start", time(start))])
        case .change(.complete(let id, let note, let minutes)):
            return .obj([slot(id), ("note", note.map(JSON.string)), ("minutes", minutes.map { .int(Int64($0)) })])
        case .change(.start(let id)), .change(.reopen(let id)):
            return .obj([slot(id)])
        case .change(.note(let id, let text)):
            return .obj([slot(id), ("text", .string(text))])
        case .change(.snooze(let id, let until)):
            return .obj([slot(id), ("until", time(until))])
        case .change(.pause(let from, let to, let reason)):
            return .obj([("from", .string(from.description)), ("to", .string(to.description)), ("reason", reason.map(JSON.string))])
        case .export(let format):
            return ["format": .string(format)]
        case .feed(let rotateToken):
            return ["rotateToken": .bool(rotateToken)]
        }
    }
}
