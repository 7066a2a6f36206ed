import FoundationEssentials
import Glibc
import Logging
import PGTrackAPI
import PGTrackViews
import PGTrackCalendar
import PGTrackCore
import PGTrackStore
import PGTrackWeb
import SystemPackage
import Systemd
import Varlink
import VarlinkServer

/// The wiring: the event loop, the engine behind its door, the sources that submit to it
/// and the outputs that follow it. Nothing here decides anything about the schedule.
///
/// Everything runs on the loop's thread; nothing blocks except short SQLite writes,
/// which must finish before a change is acknowledged anyway.
final class Daemon {
    let loop: EventLoop
    let door: Door
    let ledger: Ledger
    var log: Logger
    /// What was loaded from files; replaced as a whole by a reload.
    private(set) var settings: Settings
    let source: Settings.Source
    /// The API's view of the daemon; the control socket and the progress page use it.
    let backend: Backend
    let service: TrackerService

    private var signals: [EventSource] = []
    private var clock: ClockInput?
    private var server: VarlinkServer?
    private var control: Control?
    private var reminders: ReminderService?
    private var sync: SyncService?
    private var busy: BusyCalendars?
    private var http: HTTPFeed?
    private var calendar: CalendarOutput
    private var edits: CalendarEdits?
    private var planFile: PlanFileSync?
    private var trim: HeapTrim?
    /// The control socket pgtrackd made itself (not passed by systemd), removed at exit.
    private var createdSocket: (path: String, inode: ino_t)?

    var engine: Engine { door.engine }
    var config: Config { engine.config }

    init(engine: Engine, ledger: Ledger, settings: Settings, source: Settings.Source, log: Logger) throws {
        self.loop = try EventLoop()
        self.door = Door(engine: engine, log: log)
        self.ledger = ledger
        self.settings = settings
        self.source = source
        self.log = log
        backend = Backend(engine: engine)
        service = TrackerService(backend: backend)
        service.addViews()
        calendar = try CalendarOutput(loop: loop, settings: settings, ledger: ledger, log: log) { [unowned engine] now in
            (engine.schedule(now: now), engine.zone, engine.config.calendar, engine.startDate)
        }
        backend.feed = { [unowned calendar] now in try calendar.feed(now: now) }
        backend.reloader = { [unowned self] () throws(ReloadError) -> String in try self.reload() }
        backend.feedInformation = { [unowned self] rotate in try self.feedInfo(rotateToken: rotate) }
    }

    static func serverLimits(_ config: Config) -> ServerLimits {
        var limits = ServerLimits()
        limits.maxConnections = config.control.maxConnections
        limits.idleTimeout = .seconds(Double(config.control.idleTimeout.seconds))
        return limits
    }

    // MARK: - Start-up

    /// The signals, the heap trim, the clock, the vdir's edits and the plan file (watched
    /// before the control socket opens). The outputs' order is set in `connectOutputs`.
    func setUpSources() throws {
        signals.append(try loop.addSignal(SIGTERM, description: "sigterm") { [unowned self] _ in self.stop() })
        signals.append(try loop.addSignal(SIGINT, description: "sigint") { [unowned self] _ in self.stop() })
        signals.append(try loop.addSignal(SIGHUP, description: "sighup") { [unowned self] _ in _ = try? self.reload() })
        trim = try HeapTrim(loop: loop)
        clock = try ClockInput(door: door, loop: loop, log: log)
        let edits = CalendarEdits(door: door, calendar: calendar, loop: loop, log: log, instance: settings.paths.plan)
        self.edits = edits
        calendar.published = { [unowned self, unowned edits] vdirChanged in
            if vdirChanged { self.sync?.localChange() }
            edits.watch()
        }
        let planFile = PlanFileSync(door: door, loop: loop, log: log)
        planFile.reload = { [unowned self] in (try? self.reload()) != nil }
        self.planFile = planFile
        // Watched before the control socket exists: a client that reached pgtrackd may
        // edit the file at once.
        planFile.configure()
        if try loop.enableWatchdog() { log.debug("watchdog enabled") }
    }

    /// Takes the socket systemd passed (named `varlink`), or creates it.
    func takeControlSocket() throws {
        let passed = ServiceManager.listenedSockets()
        let listenFD: FileDescriptor
        if let fd = passed["varlink"] ?? (passed.count == 1 ? passed.values.first : nil), ServiceManager.isListeningUnixSocket(fd) {
            _ = fcntl(fd.rawValue, F_SETFL, fcntl(fd.rawValue, F_GETFL) | O_NONBLOCK)
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
        let control = Control(door: door, service: service)
        self.control = control
        door.monitors = control
        server = try VarlinkServer(
            loop: loop, listenFD: listenFD,
            info: ServiceInfo(vendor: "pgtrack", product: "pgtrackd", version: API.version, url: "https://varlink.org"),
            interfaces: [try Interface(TrackerInterface.text)], limits: Daemon.serverLimits(config), allowedUID: geteuid()
        ) { [unowned self, unowned control] call, channel in
            self.trim?.noteActivity()
            control.handle(call, channel)
        }
    }

    /// Starts the HTTP listeners (`http.enabled`): sockets systemd passed under the name
    /// `http`, else `http.listen`. A port in use is an error naming the address.
    func startHTTP() throws {
        guard config.http.enabled else { return }
        let passed = ServiceManager.listenedSocketsAll()["http"] ?? []
        let feed = try HTTPFeed(loop: loop, settings: config.http, passed: passed, tokenPath: settings.paths.httpToken, log: log)
        feed.site.renderPage = { [unowned service] in service.progressPage(now: Date()).render(.live) }
        http = feed
        calendar.site = feed.site
        // The URLs carry a secret token, kept out of the journal: say where to get them.
        for a in feed.addresses {
            log.info("feed and progress page served on \(feed.tls ? "https" : "http")://\(a)/ under a secret path; `pgtrackctl feed` gives their URLs")
        }
    }

    /// Connects to the session bus for reminders (a missing bus is not fatal).
    func startReminders() throws {
        let reminders = ReminderService(door: door, loop: loop, log: log)
        self.reminders = reminders
        backend.notifications = { [unowned reminders] in reminders.state }
        edits?.notice = { [unowned reminders] summary, body in
            reminders.notice(summary: summary, body: body, category: "x-pgtrack.calendar")
        }
        try reminders.start()
    }

    /// The calendar sync service; it idles until `sync.enabled`.
    func startSync() throws {
        let sync = try SyncService(loop: loop, settings: config.sync, log: log)
        self.sync = sync
        sync.zone = { [unowned engine] in engine.zone }
        sync.finishing = { [unowned self] in self.edits?.readAfterSync() }
        sync.notice = { [unowned self] summary, body in self.reminders?.notice(summary: summary, body: body, category: "x-pgtrack.sync") }
        edits?.syncRunning = { [unowned sync] in sync.isRunning }
        backend.syncSummary = { [unowned sync] in sync.summary }
        backend.syncRunner = { [unowned sync] done in sync.request(done) }
    }

    /// Reads and watches the busy calendars (none unless `schedule.busy` names some): a
    /// change is submitted as the new busy times.
    func startBusy() {
        let calendars = BusyCalendars(loop: loop, log: log) { [unowned self] files in
            let names = files.map { URL(fileURLWithPath: $0.path).lastPathComponent }.joined(separator: ", ")
            self.log.info("busy calendar \(names) changed, re-planning: \(self.busy?.summary ?? "")")
            self.door.submit(.busy(self.busy?.times ?? .none))
        }
        busy = calendars
        backend.busySummary = { [unowned calendars] in calendars.summary }
        calendars.configure(paths: settings.busyFiles, zone: engine.zone, start: engine.startDate, weeks: engine.plan.weeks.count)
        door.submit(.busy(calendars.times))
    }

    /// The outputs, in the order they follow; the monitors are the door's own.
    private func connectOutputs() {
        let outputs: [(any Output)?] = [trim, reminders, http, calendar, clock]
        door.outputs = outputs.compactMap { $0 }
        door.beforeAnswer = [planFile].compactMap { $0 }
    }

    func run() throws -> Int32 {
        connectOutputs()
        edits?.readAtStart()
        let first = door.submit(.tick(reason: "start"))
        ServiceManager.ready(status: first.statusLine)
        log.info("ready: \(first.statusLine)")
        defer { removeCreatedSocket() }
        if !ServiceManager.stderrIsJournal, isatty(2) == 1 {
            // In a terminal (make run), what to do next; the journal needs no such help.
            let plan = settings.paths.plan.map { " --plan \($0)" } ?? ""
            writeStandardError("pgtrackd is running; Ctrl-C stops it. In another terminal: pgtrackctl\(plan) status · "
                               + "pgtrackctl\(plan) feed (the calendar and the progress page) · pgtrackctl --help\n")
        }
        return try loop.run()
    }

    var statusLine: String {
        let now = Date()
        return engine.schedule(now: now).statusLine(now: now, start: engine.startDate, zone: engine.zone)
    }

    // MARK: - Stopping

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

    // MARK: - Reload

    /// Re-reads config, plan, holidays and busy calendars and applies all of it — the
    /// schedule, the reminders, the control socket's limits, the calendar paths, the
    /// zone — or none: everything is loaded and checked (the schedule laid out, the feed
    /// exported in memory) before any of it takes effect. A broken file keeps the last
    /// good state.
    @discardableResult
    func reload() throws(ReloadError) -> String {
        ServiceManager.reloading()
        let now = Date()
        defer { ServiceManager.notify("READY=1\nSTATUS=\(statusLine)") }
        let candidate: Settings
        do {
            candidate = try Settings.load(source, recordedStart: engine.events.recordedStart, now: now)
            try Daemon.trialExport(candidate, events: engine.events, busy: engine.busy, now: now)
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
        let newZone = candidate.config.timeZone
        let start = Engine.startDate(candidate.config, events: engine.events, zone: newZone, now: now)
        busy?.configure(paths: candidate.busyFiles, zone: newZone, start: start, weeks: candidate.plan.weeks.count)
        // A plan file's ticks not written yet are what its boxes should say.
        let plan = planFile?.pending(candidate.plan) ?? candidate.plan
        let input = Input.settings(EngineSettings(config: candidate.config, plan: plan, holidays: candidate.holidays, zone: newZone),
                                   busy: busy?.times)
        // The outputs take the new settings after the engine did, before they follow it.
        let outcome = door.submit(input, now: now) { [unowned self] outcome in
            guard outcome.refused == nil else { return }
            self.settings = candidate
            self.calendar.configure(candidate, ledger: self.ledger)
            self.edits?.instance = candidate.paths.plan
            self.server?.configure(Daemon.serverLimits(candidate.config))
            self.reminders?.configure()
            self.sync?.configure(candidate.config.sync)
            self.planFile?.configure()
        }
        if let error = outcome.refused {
            // The busy calendars go back to the settings still in effect.
            busy?.configure(paths: settings.busyFiles, zone: engine.zone, start: engine.startDate, weeks: engine.plan.weeks.count)
            log.error("reload failed, keeping the last good config and plan: \(error)")
            throw ReloadError("cannot record the new plan (\(error))")
        }
        let summary = (["reloaded config and plan \"\(candidate.plan.title)\""] + notes).joined(separator: "; ")
        log.info("\(summary)")
        return summary
    }

    /// Lays out the candidate's schedule and exports its feed in memory, so that a
    /// reload that would fail there fails before anything changed.
    static func trialExport(_ candidate: Settings, events: [LedgerEvent], busy: BusyTimes = .none, now: Date) throws {
        let config = candidate.config
        let zone = config.timeZone
        let start = Engine.startDate(config, events: events, zone: zone, now: now)
        let input = ScheduleInput(plan: candidate.plan, settings: config.schedule, start: start, zone: zone,
                                  blackouts: candidate.holidays, events: events, busy: busy, now: now)
        let export = CalendarExport(schedule: Scheduler.compute(input), zone: zone, settings: config.calendar,
                                    start: start, fallbackModified: now, instance: candidate.paths.plan)
        _ = export.feed()
    }

    /// Where the calendar is; with `rotateToken`, after replacing the HTTP token.
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
