import FoundationEssentials
import PGTrackCore
import Varlink

/// What the API needs from the daemon: the schedule, a way to change it, and the
/// things only the daemon knows (notifications, the calendar file, reloading).
public protocol TrackerBackend: AnyObject {
    var zone: Zone { get }
    var startDate: LocalDate { get }
    var grace: Span { get }
    /// Changes whenever anything a view depends on changes (the schedule's inputs, and
    /// whether reminders reach a notification server).
    var stamp: Stamp { get }
    func schedule(now: Date) -> Schedule
    /// Checks and records a change; throws `ScheduleError` for a refused one and
    /// `StorageError` when it could not be recorded.
    func apply(_ change: Change, now: Date) throws -> LedgerEvent
    /// The kind of the change an undo event reverted.
    func revertedKind(_ undo: LedgerEvent) -> String
    /// The calendar feed as it would be published now; writes nothing.
    func calendarFeed(now: Date) throws -> String
    /// Re-reads config and plan; the summary says what was loaded.
    func reload() throws(ReloadError) -> String
    /// Where the calendar is; with `rotateToken`, after replacing the HTTP token.
    func feedInfo(rotateToken: Bool) throws -> API.FeedInfo
    /// Runs the calendar sync (after the one running, if any) and calls `done` once, when
    /// it finished: with the run, or a `SyncError`.
    func sync(_ done: @escaping (Result<API.SyncRun, SyncError>) -> Void)
}

/// A version of everything a view depends on; equal stamps mean equal views.
public struct Stamp: Equatable, Sendable {
    public var events: Int
    public var generation: Int
    public var notifications: String
    /// The calendar sync's summary line; nil when sync is off.
    public var sync: String?
    /// The busy calendars' summary line; nil when there are none.
    public var busy: String?

    public init(events: Int, generation: Int, notifications: String = "", sync: String? = nil, busy: String? = nil) {
        self.events = events
        self.generation = generation
        self.notifications = notifications
        self.sync = sync
        self.busy = busy
    }
}

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
}

/// `io.pgtrack.Tracker` over a backend: every method but the `Monitor` stream, whose
/// connection the daemon keeps. Each reply is one of the `API` wire values.
public final class TrackerService {
    public unowned let backend: any TrackerBackend

    public init(backend: any TrackerBackend) { self.backend = backend }

    /// The result of a change: the reply parameters and the event recorded.
    public struct Changed {
        public var reply: JSON
        public var event: LedgerEvent
    }

    /// Answers a call that is not a change or a stream.
    public func answer(_ request: Request, now: Date) throws -> JSON {
        let zone = backend.zone
        switch request {
        case .status:
            return ["status": overview(now: now).wire]
        case .listSlots(let from, let to, let week):
            let schedule = backend.schedule(now: now)
            let slots = schedule.slots.filter { slot in
                (from.map { slot.start >= $0 } ?? true) && (to.map { slot.start < $0 } ?? true) && (week.map { slot.week == $0 } ?? true)
            }
            return ["slots": .array(slots.map { API.Slot($0, in: schedule, zone: zone).wire })]
        case .export(let format):
            return ["content": .string(try export(format, now: now))]
        case .reload:
            return ["summary": .string(try backend.reload())]
        case .feed(let rotate):
            return try backend.feedInfo(rotateToken: rotate).wire
        case .change, .monitor, .sync:
            preconditionFailure("changes go through apply(_:now:), Sync through sync(_:), Monitor through the daemon")
        }
    }

    /// Records a change and returns its reply; the caller sends it, then lets the files,
    /// timers and monitors follow.
    public func apply(_ change: Change, now: Date) throws -> Changed {
        let event = try backend.apply(change, now: now)
        let schedule = backend.schedule(now: now)
        let slot = event.slot.flatMap { schedule.slot($0) }.map { API.Slot($0, in: schedule, zone: backend.zone) }
        switch change {
        case .undo:
            return Changed(reply: API.Undone(kind: backend.revertedKind(event), slot: slot).wire, event: event)
        case .pause, .resume:
            // The slots on the dates the pause covers (or the resume gave back).
            let range = (event.from ?? .init(dayNumber: 0))...(event.to ?? .init(dayNumber: 0))
            let zone = backend.zone
            let slots = schedule.slots.filter { range.contains(LocalDate($0.start, in: zone)) }
            return Changed(reply: ["slots": .array(slots.map { API.Slot($0, in: schedule, zone: zone).wire })], event: event)
        default:
            break
        }
        return Changed(reply: ["slot": slot?.wire ?? .null], event: event)
    }

    /// Runs a sync; `reply` gets the reply parameters or the error, once.
    public func sync(_ reply: @escaping (Result<JSON, VarlinkError>) -> Void) {
        backend.sync { result in
            switch result {
            case .success(let run): reply(.success(run.wire))
            case .failure(let error): reply(.failure(API.error(error)))
            }
        }
    }

    /// A `Monitor` reply for a change of `kind`.
    public func event(kind: String, slot: SlotID?, now: Date) -> API.Event {
        let zone = backend.zone
        return API.Event(kind: kind, slot: slot?.description, at: now.rfc3339(in: zone),
                         summary: backend.schedule(now: now).statusLine(now: now, start: backend.startDate, zone: zone))
    }

    // MARK: - Status

    private struct StatusCache {
        var stamp: Stamp
        var from: Date
        var until: Date
        var value: API.Overview
    }

    private var statusCache: StatusCache?

    /// Where the plan stands, kept until the backend's stamp changes or `now` reaches
    /// the next instant at which the view can differ. Status is the call clients poll
    /// (status bars, prompts), so it should cost a lookup, not a recompute.
    public func overview(now: Date) -> API.Overview {
        let stamp = backend.stamp
        if let c = statusCache, c.stamp == stamp, c.from <= now, now < c.until { return c.value }
        let zone = backend.zone
        let schedule = backend.schedule(now: now)
        var value = API.Overview(schedule, start: backend.startDate, zone: zone, notifications: stamp.notifications, now: now)
        value.sync = stamp.sync
        value.busy = stamp.busy.map { $0 + schedule.busyEffect }
        let until = schedule.viewStableUntil(after: now, zone: zone, grace: backend.grace)
        value.until = until < .distantFuture ? until.rfc3339(in: zone) : nil
        statusCache = StatusCache(stamp: stamp, from: now, until: until, value: value)
        return value
    }

    // MARK: - Export

    /// The progress page's input at `now`: the status and every slot.
    public func progressPage(now: Date) -> ProgressPage {
        let schedule = backend.schedule(now: now)
        return ProgressPage(overview: overview(now: now), slots: schedule.slots.map { API.Slot($0, in: schedule, zone: backend.zone) },
                            now: now)
    }

    private func export(_ format: String, now: Date) throws -> String {
        let zone = backend.zone
        switch format {
        case "ics":
            return try backend.calendarFeed(now: now)
        case "json":
            return API.ScheduleDocument(backend.schedule(now: now), start: backend.startDate, zone: zone).wire.pretty() + "\n"
        case "markdown":
            // The checklist, then the learning log from the same slots the CLI's journal reads.
            let schedule = backend.schedule(now: now)
            let journal = Journal(slots: schedule.slots.map { API.Slot($0, in: schedule, zone: zone) },
                                  stages: API.StageProgress.all(schedule), start: backend.startDate, zone: zone)
            return schedule.markdown(zone: zone) + "\n" + journal.markdown(level: 2)
        case "html":
            return progressPage(now: now).render(.standalone(exported: now)).html
        default:
            throw API.invalidFormat(format)
        }
    }
}
