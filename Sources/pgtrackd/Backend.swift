import FoundationEssentials
import PGTrackAPI
import PGTrackViews
import PGTrackCore

/// The API's view of the daemon: the engine's state, and what only the daemon's parts
/// know (the calendar feed, reloading, the HTTP feed, sync), handed in as functions by
/// the wiring. Changes do not come this way: they go through the door.
final class Backend: TrackerBackend {
    private let engine: Engine
    /// Whether reminders reach a notification server, sync's and the busy calendars' lines.
    var notifications: () -> String = { "not started" }
    var syncSummary: () -> String? = { nil }
    var busySummary: () -> String? = { nil }
    var feed: (Date) throws -> String = { _ in "" }
    var reloader: () throws(ReloadError) -> String = { () throws(ReloadError) -> String in throw ReloadError("not ready") }
    var feedInformation: (Bool) throws -> API.FeedInfo = { _ in throw ReloadError("not ready") }
    var syncRunner: (@escaping (Result<API.SyncRun, SyncError>) -> Void) -> Void = { $0(.failure(SyncService.off)) }

    init(engine: Engine) { self.engine = engine }

    var zone: Zone { engine.zone }
    var startDate: LocalDate { engine.startDate }
    var grace: Span { engine.config.schedule.grace }
    var stamp: Stamp {
        let s = engine.stamp
        return Stamp(events: s.events, generation: s.generation, notifications: notifications(), sync: syncSummary(), busy: busySummary())
    }

    func schedule(now: Date) -> Schedule { engine.schedule(now: now) }

    func revertedKind(_ undo: LedgerEvent) -> String {
        engine.events.first { $0.id == undo.target }?.kind.rawValue ?? "change"
    }

    /// The feed as it would be written now, with the sequence numbers it would get;
    /// nothing is written or recorded.
    func calendarFeed(now: Date) throws -> String { try feed(now) }
    func reload() throws(ReloadError) -> String { try reloader() }
    func feedInfo(rotateToken: Bool) throws -> API.FeedInfo { try feedInformation(rotateToken) }
    func sync(_ done: @escaping (Result<API.SyncRun, SyncError>) -> Void) { syncRunner(done) }
}
