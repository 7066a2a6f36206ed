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

/// `io.pgtrack.Tracker` over a backend: every method but the `Monitor` stream, whose
/// connection the daemon keeps. Each reply is one of the `API` wire values.
public final class TrackerService {
    public unowned let backend: any TrackerBackend

    public init(backend: any TrackerBackend) { self.backend = backend }

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
            preconditionFailure("changes go through the daemon's engine, Sync through sync(_:), Monitor through the daemon")
        }
    }

    /// The reply to a change the engine recorded as `event`.
    public func reply(to change: Change, event: LedgerEvent, now: Date) -> JSON {
        let schedule = backend.schedule(now: now)
        let slot = event.slot.flatMap { schedule.slot($0) }.map { API.Slot($0, in: schedule, zone: backend.zone) }
        switch change {
        case .undo:
            return API.Undone(kind: backend.revertedKind(event), slot: slot).wire
        case .pause, .resume:
            // The slots on the dates the pause covers (or the resume gave back).
            let range = (event.from ?? .init(dayNumber: 0))...(event.to ?? .init(dayNumber: 0))
            let zone = backend.zone
            let slots = schedule.slots.filter { range.contains(LocalDate($0.start, in: zone)) }
            return ["slots": .array(slots.map { API.Slot($0, in: schedule, zone: zone).wire })]
        default:
            break
        }
        return ["slot": slot?.wire ?? .null]
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

    /// The `Export` formats beyond `ics` and `json`, rendered at `now`: the views target
    /// adds `markdown` and `html` (`addViews()`), so that the API needs no views.
    public var documents: [String: (_ now: Date) throws -> String] = [:]

    private func export(_ format: String, now: Date) throws -> String {
        switch format {
        case "ics":
            return try backend.calendarFeed(now: now)
        case "json":
            return API.ScheduleDocument(backend.schedule(now: now), start: backend.startDate, zone: backend.zone).wire.pretty() + "\n"
        default:
            guard let render = documents[format] else { throw API.invalidFormat(format) }
            return try render(now)
        }
    }
}
