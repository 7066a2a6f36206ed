import FoundationEssentials
import Logging
import PGTrackCalendar
import PGTrackCore
import PGTrackStore
import PGTrackWeb
import Systemd

/// The calendar files (`calendar.file`, the vdir) and the feed the HTTP site serves:
/// written after every outcome whose calendar differs from the one on disk.
///
/// A failed write is logged once and retried after 5 s, then less and less often (up
/// to every 5 min) until a write succeeds; the daemon keeps serving meanwhile.
final class CalendarOutput: Output {
    private(set) var publisher: CalendarPublisher
    private var log: Logger
    private var paths: (file: String?, vdir: String, instance: String?)
    /// The schedule as it is now, for a retry or a write-back between outcomes.
    typealias State = (schedule: Schedule, zone: Zone, settings: Config.CalendarSettings, start: LocalDate)
    private let state: (Date) -> State
    /// Called after each publish, with whether a vdir file changed (a sync follows).
    var published: (_ vdirChanged: Bool) -> Void = { _ in }
    /// Where the feed is served over HTTP, if it is.
    weak var site: Site?
    private var servedText: String?
    /// Armed only after a failed write, to try again.
    private var retry: TimerSource?
    /// Seconds until the next retry of a failed write; 0 while writes succeed.
    private var retryDelay = 0.0
    /// Vdir files reported as blocked (see `CalendarWriter.blocked`), so each is said once.
    private var reportedBlocked: [String: String] = [:]

    init(loop: EventLoop, settings: Settings, ledger: Ledger, log: Logger, state: @escaping (Date) -> State) throws {
        self.log = log
        self.state = state
        self.paths = (settings.paths.calendarFile, settings.config.calendar.vdir, settings.paths.plan)
        self.publisher = CalendarOutput.makePublisher(settings, ledger: ledger)
        retry = try loop.addTimer(.monotonic, at: .infinity, accuracy: .seconds(1), description: "calendar-retry") { [unowned self] _ in
            let now = Date()
            self.publish(self.current(now), now: now)
        }
    }

    static func makePublisher(_ settings: Settings, ledger: Ledger) -> CalendarPublisher {
        let vdir = settings.config.calendar.vdir
        return CalendarPublisher(writer: CalendarWriter(feedPath: settings.paths.calendarFile, vdirPath: vdir.isEmpty ? nil : vdir,
                                                        mode: settings.config.calendar.mode, instance: settings.paths.plan),
                                 store: ledger)
    }

    /// After a reload: a new file, vdir or mode gets a new writer.
    func configure(_ settings: Settings, ledger: Ledger) {
        let new = (settings.paths.calendarFile, settings.config.calendar.vdir, settings.paths.plan)
        if new != paths || settings.config.calendar.mode != publisher.writer.mode {
            publisher = CalendarOutput.makePublisher(settings, ledger: ledger)
        }
        paths = new
    }

    func follow(_ outcome: Outcome) {
        publish(source((outcome.schedule, outcome.zone, outcome.config.calendar, outcome.start)), now: outcome.now)
    }

    /// What the calendar files show now.
    func current(_ now: Date) -> CalendarSource { source(state(now)) }

    private func source(_ s: State) -> CalendarSource {
        CalendarSource(schedule: s.schedule, zone: s.zone, settings: s.settings, start: s.start, instance: paths.instance)
    }

    /// Writes the calendar files if they changed.
    func publish(_ source: CalendarSource, now: Date) {
        let vdirChanges = publisher.writer.vdirChanges
        defer {
            serveFeed()
            published(publisher.writer.vdirChanges != vdirChanges)
        }
        do {
            if try publisher.publish(source, now: now) { log.debug("calendar written to \(paths.file ?? "-")") }
            reportBlockedVdirFiles()
            if retryDelay > 0 { log.info("calendar files written again") }
            retryDelay = 0
            retry?.isEnabled = false
        } catch {
            if retryDelay == 0 { log.error("cannot write the calendar files, will retry: \(error)") }
            retryDelay = min(max(5, retryDelay * 2), 300)
            try? retry?.arm(at: Clock.monotonic.now + .seconds(retryDelay))
        }
    }

    /// The feed as `publish` would write it now, with the sequence numbers it would get;
    /// nothing is written or recorded.
    func feed(now: Date) throws -> String {
        try publisher.export(current(now), now: now, record: false).feed()
    }

    /// Says once per file what stands in the way of a vdir file (and when it is clear again).
    private func reportBlockedVdirFiles() {
        let blocked = publisher.writer.blocked
        for (name, why) in blocked.sorted(by: { $0.key < $1.key }) where reportedBlocked[name] != why {
            log.warning("calendar: cannot write \(paths.vdir)/\(name): \(why); leaving it alone, ignoring")
        }
        for name in reportedBlocked.keys where blocked[name] == nil {
            log.info("calendar: \(paths.vdir)/\(name) is written again")
        }
        reportedBlocked = blocked
    }

    /// Hands the HTTP site the feed as last published, when it changed.
    private func serveFeed() {
        guard let site, let served = publisher.served, served.text != servedText else { return }
        servedText = served.text
        site.feed = FeedDocument(bytes: Array(served.text.utf8), modified: served.modified)
    }
}

/// The ledger keeps the calendar's published revisions (the `published` table).
extension Ledger: RevisionStore {}
