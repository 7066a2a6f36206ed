import FoundationEssentials
import Glibc
import Logging
import PGTrackAPI
import PGTrackCalendar
import PGTrackCore
import PGTrackStore
import PGTrackWeb
import Systemd
import Varlink
import VarlinkServer

/// Owns the event loop and everything on it: the tracker, the deadline timer, the
/// clock and zone watches, the signals, the control socket, the reminders and the
/// calendar files.
///
/// Everything runs on the loop's thread; nothing here blocks except short SQLite
/// writes, which must finish before a change is acknowledged anyway.
final class Manager {
    let loop: EventLoop
    let tracker: Tracker
    var log: Logger
    /// What was loaded from files; replaced as a whole by a reload.
    private(set) var settings: Settings
    let source: Settings.Source

    private var deadlineTimer: TimerSource?
    private var clockWatch: ClockWatch?
    private var zoneWatch: EventSource?
    private var signals: [EventSource] = []
    private var server: VarlinkServer?
    private var control: Control?
    private var reminders: ReminderService?
    /// The API over this daemon: the control socket's calls and the progress page use it.
    private(set) lazy var service = TrackerService(backend: self)
    /// The calendar sync (`[sync]`); nil until `startSync`.
    private(set) var sync: SyncService?
    /// The busy calendars (`schedule.busy`); nil until `startBusy`.
    private(set) var busy: BusyCalendars?
    /// The vdir watched for edits that a sync pulled in (CalendarEdits.swift).
    var vdirWatch: FolderWatch?
    /// vdir files changed while the sync command ran, read when it is over.
    var editsDuringSync = Set<String>()
    /// The feed over HTTP; nil with `http.enabled = false`.
    private var http: HTTPFeed?
    /// The feed text the HTTP site serves now.
    private var servedText: String?
    /// Vdir files reported as blocked (see `CalendarWriter.blocked`), so each is said once.
    private var reportedBlocked: [String: String] = [:]
    private(set) var publisher: CalendarPublisher
    /// Armed only after a failed write, to try again.
    private var publishRetry: TimerSource?
    /// Returns freed heap to the kernel once the loop has been quiet for a second.
    private var trimTimer: TimerSource?
    private var lastActivity = Microseconds(rawValue: 0), trimArmed = false
    /// Seconds until the next retry of a failed calendar write; 0 while writes succeed.
    private var publishRetryDelay = 0.0
    private(set) var listenFD: Int32 = -1
    /// The control socket pgtrackd made itself (not passed by systemd), removed at exit.
    private var createdSocket: (path: String, inode: ino_t)?
    /// The last instant the schedule was looked at; transitions after it are reported.
    private var lastTick: Date

    init(tracker: Tracker, settings: Settings, source: Settings.Source, log: Logger, now: Date) throws {
        self.loop = try EventLoop()
        self.tracker = tracker
        self.settings = settings
        self.source = source
        self.log = log
        self.lastTick = now
        self.publisher = Manager.makePublisher(settings, ledger: tracker.ledger)
    }

    var config: Config { tracker.config }

    static func makePublisher(_ settings: Settings, ledger: Ledger) -> CalendarPublisher {
        let vdir = settings.config.calendar.vdir
        return CalendarPublisher(writer: CalendarWriter(feedPath: settings.paths.calendarFile, vdirPath: vdir.isEmpty ? nil : vdir,
                                                        mode: settings.config.calendar.mode, instance: settings.paths.plan),
                                 store: ledger)
    }

    static func serverLimits(_ config: Config) -> ServerLimits {
        var limits = ServerLimits()
        limits.maxConnections = config.control.maxConnections
        limits.idleTimeout = .seconds(Double(config.control.idleTimeout.seconds))
        return limits
    }

    // MARK: - Start-up

    /// Adds the signal handlers, the timers and the watches to the loop.
    func setUpSources() throws {
        signals.append(try loop.addSignal(SIGTERM, description: "sigterm") { [unowned self] _ in self.stop() })
        signals.append(try loop.addSignal(SIGINT, description: "sigint") { [unowned self] _ in self.stop() })
        signals.append(try loop.addSignal(SIGHUP, description: "sighup") { [unowned self] _ in _ = try? self.reload() })
        deadlineTimer = try loop.addTimer(.realtime, at: .infinity, description: "next-deadline") { [unowned self] _ in
            self.tick(reason: "deadline")
        }
        publishRetry = try loop.addTimer(.monotonic, at: .infinity, accuracy: .seconds(1), description: "calendar-retry") { [unowned self] _ in
            self.publish(now: Date())
        }
        trimTimer = try loop.addTimer(.monotonic, at: .infinity, accuracy: .milliseconds(250), description: "trim") { [unowned self] _ in
            self.trimIfQuiet()
        }
        clockWatch = try ClockWatch(loop: loop) { [unowned self] in
            self.log.info("system clock was set, re-planning")
            self.tick(reason: "clock change")
        }
        watchZone()
        if try loop.enableWatchdog() { log.debug("watchdog enabled") }
    }

    /// Watches /etc/localtime (the link itself) as PID 1 does; the watch is renewed
    /// after each event because the link is usually replaced, not modified.
    private func watchZone() {
        let mask = UInt32(IN_ATTRIB | IN_MOVE_SELF | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_DONT_FOLLOW)
        do {
            zoneWatch = try loop.addInotify(path: "/etc/localtime", mask: mask, description: "localtime") { [unowned self] _, _ in
                Zone.resetCurrent()
                self.tracker.invalidate()
                self.log.info("system time zone changed to \(Zone.current.identifier)")
                self.watchZone()
                self.tick(reason: "zone change")
            }
        } catch {
            zoneWatch = nil
            log.debug("cannot watch /etc/localtime (\(error)), ignoring")
        }
    }

    /// Takes the socket systemd passed (named `varlink`), or creates it.
    func takeControlSocket() throws {
        let passed = ServiceManager.listenedSockets()
        if let fd = passed["varlink"] ?? (passed.count == 1 ? passed.values.first : nil), ServiceManager.isListeningUnixSocket(fd) {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            listenFD = fd
            log.info("control socket passed by the service manager")
        } else {
            if let warning = settings.paths.runtimeWarning { log.warning("\(warning)") }
            listenFD = try UnixSocket.listen(path: settings.paths.controlSocket)
            // The path's own inode (fstat on the descriptor gives the socket's, in sockfs).
            var st = stat()
            if lstat(settings.paths.controlSocket, &st) == 0 { createdSocket = (settings.paths.controlSocket, st.st_ino) }
            log.info("control socket \(settings.paths.controlSocket)")
        }
        let control = Control(manager: self)
        self.control = control
        server = try VarlinkServer(
            loop: loop, listenFD: listenFD,
            info: ServiceInfo(vendor: "pgtrack", product: "pgtrackd", version: API.version, url: "https://varlink.org"),
            interfaces: [try Interface(TrackerInterface.text)], limits: Manager.serverLimits(config), allowedUID: geteuid()
        ) { [unowned self, unowned control] call, channel in
            self.noteActivity()
            control.handle(call, channel)
        }
    }

    /// Starts the HTTP listeners (`http.enabled`): sockets systemd passed under the name
    /// `http`, else `http.listen`. A port in use is an error naming the address.
    func startHTTP() throws {
        guard config.http.enabled else { return }
        let passed = ServiceManager.listenedSocketsAll()["http"] ?? []
        let feed = try HTTPFeed(loop: loop, settings: config.http, passed: passed, tokenPath: settings.paths.httpToken, log: log)
        feed.site.renderPage = { [unowned self] in self.service.progressPage(now: Date()).render(.live) }
        http = feed
        // The URLs carry a secret token, kept out of the journal: say where to get them.
        for a in feed.addresses {
            log.info("feed and progress page served on \(feed.tls ? "https" : "http")://\(a)/ under a secret path; `pgtrackctl feed` gives their URLs")
        }
    }

    /// The calendar sync service; it idles until `sync.enabled`.
    func startSync() throws {
        sync = try SyncService(manager: self, settings: config.sync, log: log)
    }

    /// Reads and watches the busy calendars (none unless `schedule.busy` names some).
    func startBusy() {
        let calendars = BusyCalendars(loop: loop, log: log) { [unowned self] files in
            let names = files.map { URL(fileURLWithPath: $0.path).lastPathComponent }.joined(separator: ", ")
            self.log.info("busy calendar \(names) changed, re-planning: \(self.busy?.summary ?? "")")
            self.tracker.setBusy(self.busy?.times ?? .none)
            self.tick(reason: "busy calendar")
            self.control?.broadcast(kind: "busy", slot: nil, now: Date())
        }
        busy = calendars
        configureBusy()
    }

    /// Hands the busy calendars the paths, zone and window in effect, and the tracker their events.
    private func configureBusy() {
        guard let busy else { return }
        busy.configure(paths: settings.busyFiles, zone: config.timeZone, start: tracker.startDate, weeks: tracker.plan.weeks.count)
        tracker.setBusy(busy.times)
    }

    /// A notice on the desktop, if a notification server is there.
    func notice(summary: String, body: String, category: String) {
        reminders?.notice(summary: summary, body: body, category: category)
    }

    /// Whether reminders reach a notification server.
    var notificationState: String { reminders?.state ?? "not started" }

    /// Connects to the session bus for reminders (a missing bus is not fatal).
    func startReminders() throws {
        let service = ReminderService(manager: self)
        reminders = service
        try service.start()
    }

    func run() throws -> Int32 {
        readEditsAtStart()
        tick(reason: "start")
        ServiceManager.ready(status: statusLine())
        log.info("ready: \(statusLine())")
        defer { removeCreatedSocket() }
        if !ServiceManager.stderrIsJournal, isatty(2) == 1 {
            // In a terminal (make run), what to do next; the journal needs no such help.
            let plan = settings.paths.plan.map { " --plan \($0)" } ?? ""
            writeStandardError("pgtrackd is running; Ctrl-C stops it. In another terminal: pgtrackctl\(plan) status · "
                               + "pgtrackctl\(plan) feed (the calendar and the progress page) · pgtrackctl --help\n")
        }
        return try loop.run()
    }

    // MARK: - Changes

    /// The one way a change is made, from the control API and from a reminder's action
    /// alike: checked against the schedule, committed to the ledger, logged. The caller
    /// answers its requester and then calls `changed`.
    @discardableResult
    func apply(_ change: Change, now: Date, origin: String) throws -> LedgerEvent {
        let event: LedgerEvent
        do {
            event = try tracker.apply(change, now: now, origin: origin)
        } catch let error as LedgerError {
            throw StorageError(error.description)
        }
        log.info("\(([event.kind.rawValue] + (event.slot.map { [$0.description] } ?? [])).joined(separator: " ")) from \(origin)",
                 metadata: event.slot.map { ["slot": "\($0)"] })
        return event
    }

    /// After a change was recorded and answered: bubbles, monitors, files and timers follow.
    func changed(_ event: LedgerEvent) {
        let now = Date()
        if let slot = event.slot, event.kind == .done || event.kind == .skip { reminders?.closeBubble(of: slot) }
        control?.broadcast(kind: event.kind.rawValue, slot: event.slot, now: now)
        tick(reason: event.kind.rawValue)
    }

    // MARK: - Memory

    /// Something ran (a call, a tick): a trim waits until a second has passed without.
    /// Costs a clock read (vDSO, no system call); the timer is armed only when none is.
    func noteActivity() {
        lastActivity = Clock.monotonic.now
        if !trimArmed { trimArmed = (try? trimTimer?.arm(at: lastActivity + .seconds(1))) != nil }
    }

    /// A second after the last activity, gives the heap that work freed back to the
    /// kernel (`malloc_trim`): 0.6 MB after start-up (bench/RESULTS.md). It runs before
    /// any idle window: between deadlines the daemon makes no system call.
    private func trimIfQuiet() {
        let quietFrom = lastActivity + .seconds(1)
        if Clock.monotonic.now < quietFrom {
            trimArmed = (try? trimTimer?.arm(at: quietFrom)) != nil
            return
        }
        trimArmed = false
        _ = mallocTrim(0)
    }

    // MARK: - The loop's work

    /// Looks at the schedule now: reports what happened since the last look, then
    /// sleeps until the next deadline.
    func tick(reason: String) {
        noteActivity()
        let now = Date()
        let schedule = tracker.schedule(now: now)
        reportTransitions(schedule, from: lastTick, to: now)
        lastTick = now
        reminders?.deliver(schedule, now: now)
        let grace = config.schedule.grace
        let offsets = config.reminders.enabled ? config.reminders.at : []
        let next = schedule.nextDeadline(after: now, reminders: offsets, grace: grace)
        do {
            try deadlineTimer?.arm(at: next.map(Microseconds.init) ?? .infinity)
        } catch {
            log.error("cannot arm the deadline timer: \(error)")
        }
        // Open pages hear first; the files' writes (with their fsyncs) follow.
        if let http, http.site.pageChanged(reason: reason) { http.servers.forEach { $0.flush() } }
        publish(now: now)
        ServiceManager.status(schedule.statusLine(now: now, start: tracker.startDate, zone: config.timeZone))
        log.debug("\(reason): next deadline \(next.map { $0.formatted(in: config.timeZone) } ?? "none")")
    }

    /// What the calendar files show now.
    func calendarSource(now: Date) -> CalendarSource {
        CalendarSource(schedule: tracker.schedule(now: now), zone: config.timeZone, settings: config.calendar, start: tracker.startDate,
                       instance: settings.paths.plan)
    }

    /// Writes the calendar files if they changed. A failure is logged once and retried
    /// after 5 s, then less and less often (up to every 5 min) until a write succeeds;
    /// the daemon keeps serving meanwhile.
    func publish(now: Date) {
        do {
            defer { serveFeed() }
            let vdirChanges = publisher.writer.vdirChanges
            defer {
                if publisher.writer.vdirChanges != vdirChanges { sync?.localChange() }
                watchVdir()
            }
            if try publisher.publish(calendarSource(now: now), now: now) { log.debug("calendar written to \(settings.paths.calendarFile ?? "-")") }
            reportBlockedVdirFiles()
            if publishRetryDelay > 0 { log.info("calendar files written again") }
            publishRetryDelay = 0
            publishRetry?.isEnabled = false
        } catch {
            if publishRetryDelay == 0 { log.error("cannot write the calendar files, will retry: \(error)") }
            publishRetryDelay = min(max(5, publishRetryDelay * 2), 300)
            try? publishRetry?.arm(at: Clock.monotonic.now + .seconds(publishRetryDelay))
        }
    }

    /// Says once per file what stands in the way of a vdir file (and when it is clear again).
    private func reportBlockedVdirFiles() {
        let blocked = publisher.writer.blocked
        for (name, why) in blocked.sorted(by: { $0.key < $1.key }) where reportedBlocked[name] != why {
            log.warning("calendar: cannot write \(config.calendar.vdir)/\(name): \(why); leaving it alone, ignoring")
        }
        for name in reportedBlocked.keys where blocked[name] == nil {
            log.info("calendar: \(config.calendar.vdir)/\(name) is written again")
        }
        reportedBlocked = blocked
    }

    /// Hands the HTTP site the feed as last published, when it changed.
    private func serveFeed() {
        guard let http, let served = publisher.served, served.text != servedText else { return }
        servedText = served.text
        http.site.feed = FeedDocument(bytes: Array(served.text.utf8), modified: served.modified)
    }

    private func reportTransitions(_ schedule: Schedule, from: Date, to: Date) {
        let grace = config.schedule.grace.timeInterval
        for slot in schedule.slots where !slot.state.isCancelled && slot.state != .done {
            let title = schedule.title(of: slot)
            var slotLog = log
            slotLog[metadataKey: "slot"] = "\(slot.id)"
            if from < slot.start, slot.start <= to { slotLog.info("slot \(slot.id) started: \(title)") }
            if from < slot.end, slot.end <= to { slotLog.info("slot \(slot.id) ended: \(title)") }
            let missedAt = slot.end.addingTimeInterval(grace)
            if from < missedAt, missedAt <= to, slot.state == .missed { slotLog.notice("slot \(slot.id) missed: \(title)") }
        }
    }

    func statusLine() -> String {
        let now = Date()
        return tracker.schedule(now: now).statusLine(now: now, start: tracker.startDate, zone: config.timeZone)
    }

    // MARK: - Signals and reload

    /// Removes the control socket pgtrackd made, if it is still that socket: a later
    /// client then hears "not running" at once instead of a refused connection.
    private func removeCreatedSocket() {
        guard let (path, inode) = createdSocket else { return }
        var st = stat()
        if lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFSOCK, st.st_ino == inode { unlink(path) }
        createdSocket = nil
    }

    func stop() {
        ServiceManager.stopping()
        log.info("stopping")
        loop.exit(code: 0)
    }

    /// Re-reads config, plan and holidays and applies all of it — the schedule, the
    /// reminders, the control socket's limits, the calendar paths, the zone — or none:
    /// everything is loaded and checked (the schedule laid out, the feed exported in
    /// memory) before any of it takes effect. A broken file keeps the last good state.
    @discardableResult
    func reload() throws(ReloadError) -> String {
        ServiceManager.reloading()
        let now = Date()
        defer { ServiceManager.notify("READY=1\nSTATUS=\(statusLine())") }
        let candidate: Settings
        do {
            candidate = try Settings.load(source, recordedStart: tracker.events.recordedStart, now: now)
            try Manager.trialExport(candidate, events: tracker.events, busy: tracker.busy, now: now)
        } catch {
            log.error("reload failed, keeping the last good config and plan: \(error)")
            throw ReloadError("\(error)")
        }
        var notes: [String] = []
        if candidate.config.http != settings.config.http {
            notes.append("[http] takes effect at the next start")
            log.notice("[http] changed; the daemon keeps its listeners until it restarts")
        }
        if candidate.paths.controlSocket != settings.paths.controlSocket {
            notes.append("control.socket takes effect at the next start")
            log.notice("control.socket changed to \(candidate.paths.controlSocket); the daemon keeps \(settings.paths.controlSocket) until it restarts")
        }
        do {
            try tracker.reload(config: candidate.config, plan: candidate.plan, extraBlackouts: candidate.holidays, now: now)
        } catch {
            log.error("reload failed, keeping the last good config and plan: \(error)")
            throw ReloadError("cannot record the plan's start (\(error))")
        }
        let calendarMoved = candidate.paths.calendarFile != settings.paths.calendarFile || candidate.config.calendar.vdir != settings.config.calendar.vdir
            || candidate.config.calendar.mode != settings.config.calendar.mode
        settings = candidate
        if calendarMoved { publisher = Manager.makePublisher(candidate, ledger: tracker.ledger) }
        server?.configure(Manager.serverLimits(candidate.config))
        reminders?.configure()
        sync?.configure(candidate.config.sync)
        configureBusy()
        tick(reason: "reload")
        let summary = (["reloaded config and plan \"\(candidate.plan.title)\""] + notes).joined(separator: "; ")
        log.info("\(summary)")
        control?.broadcast(kind: "reload", slot: nil, now: now)
        return summary
    }

    /// Lays out the candidate's schedule and exports its feed in memory, so that a
    /// reload that would fail there fails before anything changed.
    static func trialExport(_ candidate: Settings, events: [LedgerEvent], busy: BusyTimes = .none, now: Date) throws {
        let config = candidate.config
        let start = config.startDate(recorded: events.recordedStart, now: now)
        let input = ScheduleInput(plan: candidate.plan, settings: config.schedule, start: start, zone: config.timeZone,
                                  blackouts: candidate.holidays, events: events, busy: busy, now: now)
        let export = CalendarExport(schedule: Scheduler.compute(input), zone: config.timeZone, settings: config.calendar,
                                    start: start, fallbackModified: now, instance: candidate.paths.plan)
        _ = export.feed()
    }
}

// MARK: - The API's view of the daemon

extension Manager: TrackerBackend {
    var zone: Zone { config.timeZone }
    var startDate: LocalDate { tracker.startDate }
    var grace: Span { config.schedule.grace }
    var stamp: Stamp {
        let s = tracker.stamp
        return Stamp(events: s.events, generation: s.generation, notifications: notificationState, sync: sync?.summary,
                     busy: busy?.summary)
    }

    func sync(_ done: @escaping (Result<API.SyncRun, SyncError>) -> Void) {
        guard let sync else { return done(.failure(SyncService.off)) }
        sync.request(done)
    }

    func schedule(now: Date) -> Schedule { tracker.schedule(now: now) }

    func apply(_ change: Change, now: Date) throws -> LedgerEvent { try apply(change, now: now, origin: "control") }

    func revertedKind(_ undo: LedgerEvent) -> String {
        tracker.events.first { $0.id == undo.target }?.kind.rawValue ?? "change"
    }

    /// The feed as `publish` would write it now, with the sequence numbers it would get;
    /// nothing is written or recorded.
    func calendarFeed(now: Date) throws -> String {
        try publisher.export(calendarSource(now: now), now: now, record: false).feed()
    }

    func feedInfo(rotateToken: Bool) throws -> API.FeedInfo {
        if rotateToken {
            guard let http else { throw ReloadError("the HTTP feed is off (http.enabled = false)") }
            try http.rotateToken()
            log.info("feed token replaced; the old URL answers 404 from now on")
        }
        let vdir = config.calendar.vdir
        return API.FeedInfo(file: settings.paths.calendarFile, url: http?.url(Site.feedName), page: http?.url(""),
                            vdir: vdir.isEmpty ? nil : vdir)
    }
}

/// The ledger keeps the calendar's published revisions (the `published` table).
extension Ledger: RevisionStore {}
