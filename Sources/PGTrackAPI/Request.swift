import FoundationEssentials
import PGTrackCore
import Varlink

/// A call of `io.pgtrack.Tracker`, its parameters read and checked.
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
        case "Complete": self = .change(.complete(try slot()))
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
}
