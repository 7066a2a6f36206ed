import Foundation
import Logging
import PGTrackCalendar
import PGTrackConfig
import PGTrackCore
import PGTrackStore
import Systemd
import Varlink
import VarlinkServer

/// Owns the event loop and everything on it: the tracker, the deadline timer, the
/// clock and zone watches, the signals and the control socket.
///
/// Everything runs on the loop's thread; nothing here blocks except short SQLite
/// writes, which must finish before a change is acknowledged anyway.
final class Manager {
    let loop: EventLoop
    let tracker: Tracker
    var log: Logger
    /// The config file in use (nil: compiled-in defaults).
    let configPath: String?
    let paths: Paths

    private var deadlineTimer: TimerSource?
    private var clockWatch: ClockWatch?
    private var zoneWatch: EventSource?
    private var signals: [EventSource] = []
    private var server: VarlinkServer?
    private var control: Control?
    private var reminders: ReminderService?
    private var publisher: CalendarPublisher
    /// Armed only after a failed write, to try again.
    private var publishRetry: TimerSource?
    /// Returns idle pages once the loop has been quiet for a second (see ResidentSet).
    private var trimTimer: TimerSource?
    private var activity = 0, activitySeenByTrim = 0
    private var trimArmed = false
    /// When the last trim ran; none yet, so the first waits only for the quiet second.
    private var lastTrim: Microseconds?
    /// Seconds until the next retry of a failed calendar write; 0 while writes succeed.
    private var publishRetryDelay = 0.0
    private(set) var listenFD: Int32 = -1
    /// The last instant the schedule was looked at; transitions after it are reported.
    private var lastTick: Date

    init(tracker: Tracker, configPath: String?, paths: Paths, log: Logger, now: Date) throws {
        self.loop = try EventLoop()
        self.tracker = tracker
        self.configPath = configPath
        self.paths = paths
        self.log = log
        self.lastTick = now
        self.publisher = Manager.makePublisher(tracker: tracker, paths: paths)
    }

    static func makePublisher(tracker: Tracker, paths: Paths) -> CalendarPublisher {
        let vdir = tracker.config.calendar.vdir
        return CalendarPublisher(writer: CalendarWriter(feedPath: paths.calendarFile, vdirPath: vdir.isEmpty ? nil : vdir),
                                 ledger: tracker.ledger)
    }

    // MARK: - Start-up

    /// Adds the signal handlers, the timers and the watches to the loop.
    func setUpSources() throws {
        signals.append(try loop.addSignal(SIGTERM, description: "sigterm") { [unowned self] _ in self.stop() })
        signals.append(try loop.addSignal(SIGINT, description: "sigint") { [unowned self] _ in self.stop() })
        signals.append(try loop.addSignal(SIGHUP, description: "sighup") { [unowned self] _ in self.reloadOnSignal() })
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
            if let warning = paths.runtimeWarning { log.warning("\(warning)") }
            listenFD = try UnixSocket.listen(path: paths.controlSocket)
            log.info("control socket \(paths.controlSocket)")
        }
        let control = Control(manager: self)
        self.control = control
        var limits = ServerLimits()
        limits.maxConnections = tracker.config.control.maxConnections
        limits.idleTimeout = .seconds(Double(tracker.config.control.idleTimeout.seconds))
        server = try VarlinkServer(
            loop: loop, listenFD: listenFD,
            info: ServiceInfo(vendor: "pgtrack", product: "pgtrackd", version: pgtrackVersion, url: "https://varlink.org"),
            interfaces: [try Interface(TrackerInterface.text)], limits: limits, allowedUID: geteuid()
        ) { [unowned self, unowned control] call, channel in
            self.noteActivity()
            control.handle(call, channel)
        }
    }

    /// Whether reminders reach a notification server.
    var notificationState: String { reminders?.state ?? "not started" }

    /// Connects to the session bus for reminders (a missing bus is not fatal).
    func startReminders() throws {
        let service = ReminderService(manager: self)
        reminders = service
        try service.start()
    }

    /// The calendar as it would be published now (for `Export`).
    func calendarExport(now: Date) throws -> CalendarExport {
        try publisher.export(tracker, now: now)
    }

    /// After a change was recorded and answered: monitors, files and timers follow.
    func changed(_ event: LedgerEvent) {
        let now = Date()
        if let slot = event.slot, event.kind == .done || event.kind == .skip { reminders?.closeBubble(of: slot) }
        control?.broadcast(kind: event.kind.rawValue, slot: event.slot, now: now)
        tick(reason: event.kind.rawValue)
    }

    func run() throws -> Int32 {
        tick(reason: "start")
        ServiceManager.ready(status: statusLine())
        log.info("ready: \(statusLine())")
        armTrim()
        return try loop.run()
    }

    // MARK: - Memory

    /// Something ran (a call, a tick): a trim waits until a second has passed without.
    /// Costs a counter increment; the clock is read only when no trim is armed.
    func noteActivity() {
        activity &+= 1
        if !trimArmed { armTrim() }
    }

    /// A second from now, or a minute after the last trim if that is later.
    private func armTrim() {
        let soonest = Clock.monotonic.now + ResidentSet.quietPeriod
        let at = lastTrim.map { max(soonest, $0 + ResidentSet.minimumInterval) } ?? soonest
        trimArmed = (try? trimTimer?.arm(at: at)) != nil
    }

    /// After start-up, and after later work at most once a minute: once the loop has been
    /// quiet for a second, give back the pages that work touched (ResidentSet.trim).
    private func trimIfQuiet() {
        if activity != activitySeenByTrim {
            activitySeenByTrim = activity
            return armTrim()
        }
        trimArmed = false
        lastTrim = Clock.monotonic.now
        let returned = ResidentSet.trim()
        log.debug("returned \(returned / 1024) KiB of idle pages")
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
        let grace = tracker.config.schedule.grace
        let reminders = tracker.config.reminders.enabled ? tracker.config.reminders.at : []
        let next = schedule.nextDeadline(after: now, reminders: reminders, grace: grace)
        do {
            try deadlineTimer?.arm(at: next.map(Microseconds.init) ?? .infinity)
        } catch {
            log.error("cannot arm the deadline timer: \(error)")
        }
        publish(now: now)
        ServiceManager.status(schedule.statusLine(now: now, zone: tracker.config.timeZone))
        log.debug("\(reason): next deadline \(next.map { $0.formatted(in: tracker.config.timeZone) } ?? "none")")
    }

    /// Writes the calendar files if they changed. A failure is logged once and retried
    /// after 5 s, then less and less often (up to every 5 min) until a write succeeds;
    /// the daemon keeps serving meanwhile.
    func publish(now: Date) {
        do {
            if try publisher.publish(tracker, now: now) { log.debug("calendar written to \(paths.calendarFile)") }
            if publishRetryDelay > 0 { log.info("calendar files written again") }
            publishRetryDelay = 0
            publishRetry?.isEnabled = false
        } catch {
            if publishRetryDelay == 0 { log.error("cannot write the calendar files, will retry: \(error)") }
            publishRetryDelay = min(max(5, publishRetryDelay * 2), 300)
            try? publishRetry?.arm(at: Clock.monotonic.now + .seconds(publishRetryDelay))
        }
    }

    private func reportTransitions(_ schedule: Schedule, from: Date, to: Date) {
        let grace = tracker.config.schedule.grace.timeInterval
        for slot in schedule.slots where slot.state != .skipped && slot.state != .done {
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
        return tracker.schedule(now: now).statusLine(now: now, zone: tracker.config.timeZone)
    }

    /// The holidays file's dates, through the end of the plan plus a year of slack.
    static func holidays(_ config: Config, start: LocalDate, plan: Plan) throws -> Set<LocalDate> {
        guard !config.schedule.holidays.isEmpty else { return [] }
        return try Holidays.load(path: config.schedule.holidays, until: start.adding(days: 7 * plan.weeks.count + 366))
    }

    // MARK: - Signals

    func stop() {
        ServiceManager.stopping()
        log.info("stopping")
        loop.exit(code: 0)
    }

    /// SIGHUP: re-reads config and plan. A broken file keeps the last good ones running.
    func reloadOnSignal() {
        _ = try? reload()
    }

    /// Re-reads config and plan; throws (after logging) when a file is broken, in which
    /// case the last good config and plan stay in force.
    @discardableResult
    func reload() throws -> String {
        ServiceManager.reloading()
        let now = Date()
        defer {
            tick(reason: "reload")
            ServiceManager.notify("READY=1\nSTATUS=\(statusLine())")
        }
        do {
            let config: Config
            if let configPath {
                config = try ConfigLoader.load(path: configPath)
            } else {
                config = try ConfigSource.load(explicit: nil, defaultPath: paths.configFile).0
            }
            let plan = try Tracker.loadPlan(config)
            let holidays = try Manager.holidays(config, start: tracker.startDate, plan: plan)
            try tracker.reload(config: config, plan: plan, extraBlackouts: holidays, now: now)
            publisher = Manager.makePublisher(tracker: tracker, paths: Paths(environment: ProcessInfo.processInfo.environment,
                                                                             uid: getuid(), config: config))
            log.info("reloaded config and plan \"\(plan.title)\"")
            control?.broadcast(kind: "reload", slot: nil, now: now)
            return "reloaded config and plan \"\(plan.title)\""
        } catch {
            log.error("reload failed, keeping the last good config and plan: \(error)")
            throw VarlinkError(Control.prefix + "ReloadFailed",
                               ["message": .string("\(error); keeping the last good config and plan")])
        }
    }
}
