import FoundationEssentials
import Glibc
import Logging
import PGTrackAPI
import PGTrackViews
import PGTrackCore
import Systemd

/// Runs the calendar sync command (`[sync] command`, vdirsyncer by default) as a child
/// watched on the loop: `debounce` after the vdir changed here, every `interval` to pull
/// what changed on the server, and on `pgtrackctl sync`. Never two runs at once: a run
/// asked for during one follows it. A run longer than `timeout` is stopped. After a
/// failure the interval doubles, up to an hour (or the interval, if longer), and only
/// the first failure of a streak is shown on the desktop.
final class SyncService {
    private let loop: EventLoop
    private var settings: Config.SyncSettings
    private var log: Logger
    /// The zone times are said in.
    var zone: () -> Zone = { .utc }
    /// Called when a run is over, before anyone who waits for it hears: the vdir's edits
    /// it pulled in are read then.
    var finishing: () -> Void = {}
    /// Shows a notice on the desktop (the first failure of a streak).
    var notice: (_ summary: String, _ body: String) -> Void = { _, _ in }

    private var child: ChildProcess?
    private var startedAt = Date.distantPast
    private var startedMonotonic = Microseconds(rawValue: 0)
    private var timedOut = false
    /// A run was asked for while one was running: it follows.
    private var again = false
    /// `Sync` calls waiting for the run under way, and for the one after it.
    private var waitingNow: [(Result<API.SyncRun, SyncError>) -> Void] = []
    private var waitingNext: [(Result<API.SyncRun, SyncError>) -> Void] = []

    private var debounceTimer: TimerSource?
    private var intervalTimer: TimerSource?
    private var timeoutTimer: TimerSource?
    private var nextRun: Date?

    /// The last finished run.
    private(set) var last: (at: Date, seconds: Double, outcome: Result<Void, SyncError>)?
    private(set) var failures = 0
    /// Lines of output seen in the run under way; the first `linesPerRun` are logged.
    private var linesLogged = 0
    static let linesPerRun = 20

    init(loop: EventLoop, settings: Config.SyncSettings, log: Logger) throws {
        self.loop = loop
        self.settings = settings
        self.log = log
        debounceTimer = try loop.addTimer(.monotonic, at: .infinity, accuracy: .milliseconds(50), description: "sync-debounce") {
            [unowned self] _ in self.start(reason: "a change here")
        }
        intervalTimer = try loop.addTimer(.realtime, at: .infinity, accuracy: .seconds(1), description: "sync-interval") {
            [unowned self] _ in self.start(reason: self.failures > 0 ? "retry" : "interval")
        }
        timeoutTimer = try loop.addTimer(.monotonic, at: .infinity, accuracy: .milliseconds(100), description: "sync-timeout") {
            [unowned self] _ in self.stopRunaway()
        }
        configure(settings)
    }

    var enabled: Bool { settings.enabled }
    var isRunning: Bool { child != nil }

    /// New settings (start, reload): the interval is counted again from now.
    func configure(_ settings: Config.SyncSettings) {
        self.settings = settings
        if !settings.enabled {
            debounceTimer?.isEnabled = false
            intervalTimer?.isEnabled = false
            nextRun = nil
            for done in waitingNext { done(.failure(Self.off)) }
            waitingNext = []
            return
        }
        armInterval()
    }

    static let off = SyncError(status: "off", output: "", message: "calendar sync is off (sync.enabled = false in the config)")

    /// The vdir changed here: sync after the debounce, unless a failure's backoff is running
    /// (the retry takes the change along).
    func localChange() {
        guard settings.enabled, failures == 0 else { return }
        try? debounceTimer?.arm(at: Clock.monotonic.now + .seconds(Double(settings.debounce.seconds)))
    }

    /// `pgtrackctl sync`: runs now, or after the run under way; `done` gets the result of
    /// a run that started after this call.
    func request(_ done: @escaping (Result<API.SyncRun, SyncError>) -> Void) {
        guard settings.enabled else { return done(.failure(Self.off)) }
        if child != nil {
            waitingNext.append(done)
            again = true
        } else {
            waitingNow.append(done)
            start(reason: "pgtrackctl sync")
        }
    }

    private func start(reason: String) {
        guard settings.enabled else { return }
        if child != nil {
            again = true
            return
        }
        debounceTimer?.isEnabled = false
        startedAt = Date()
        startedMonotonic = Clock.monotonic.now
        timedOut = false
        linesLogged = 0
        log.info("sync: running \(settings.command.joined(separator: " ")) (\(reason))")
        do {
            child = try ChildProcess(loop: loop, command: settings.command, description: "sync", onLine: { [unowned self] line in
                // The first lines of a run go to the journal; the tail of a failed one follows it.
                self.linesLogged += 1
                if self.linesLogged <= Self.linesPerRun { self.log.info("sync: \(line)") }
            }, onExit: { [unowned self] outcome in
                self.finished(outcome)
            })
            try? timeoutTimer?.arm(at: startedMonotonic + .seconds(Double(settings.timeout.seconds)))
        } catch {
            finish(.failure(SyncError(status: "cannot start", output: "",
                                      message: "cannot start \(settings.command.first ?? ""): \(error.errno)")), seconds: 0)
        }
    }

    /// The timeout: SIGTERM to the command's process group, SIGKILL five seconds later.
    private func stopRunaway() {
        guard let child else { return }
        if !timedOut {
            timedOut = true
            log.warning("sync: still running after \(settings.timeout), stopping it")
            child.signal(SIGTERM)
            try? timeoutTimer?.arm(at: Clock.monotonic.now + .seconds(5))
        } else {
            child.signal(SIGKILL)
        }
    }

    private func finished(_ outcome: ChildProcess.Outcome) {
        let output = String(decoding: child?.tail ?? [], as: UTF8.self)
        child = nil
        timeoutTimer?.isEnabled = false
        let seconds = Double((Clock.monotonic.now.rawValue &- startedMonotonic.rawValue)) / 1e6
        if outcome.succeeded && !timedOut {
            finish(.success(()), seconds: seconds, output: output)
        } else {
            let status = timedOut ? "timed out after \(settings.timeout)" : outcome.description
            let lastLine = output.split(separator: "\n").last.map(String.init) ?? ""
            finish(.failure(SyncError(status: status, output: output,
                                      message: "\(settings.command.first ?? "sync") failed (\(status))" + (lastLine.isEmpty ? "" : ": \(lastLine)"))),
                   seconds: seconds, output: output)
        }
    }

    private func finish(_ outcome: Result<Void, SyncError>, seconds: Double, output: String = "") {
        last = (startedAt, seconds, outcome)
        // What the run pulled in becomes part of the plan before anyone hears the run is over.
        finishing()
        let zone = zone()
        let result: Result<API.SyncRun, SyncError>
        switch outcome {
        case .success:
            if failures > 0 { log.notice("sync: works again after \(failures) failed run\(failures == 1 ? "" : "s")") }
            failures = 0
            let more = linesLogged - Self.linesPerRun
            log.info("sync: done in \(num(seconds)) s\(more > 0 ? " (\(more) more lines of output not logged)" : "")")
            result = .success(API.SyncRun(at: startedAt.rfc3339(in: zone), seconds: seconds, output: Self.cut(output)))
        case .failure(let error):
            failures += 1
            if linesLogged > Self.linesPerRun {
                for line in error.output.split(separator: "\n").suffix(10) { log.info("sync: \(line)") }
            }
            log.error("sync: \(error.message)")
            if failures == 1 { notice("Calendar sync failed", error.message) }
            result = .failure(SyncError(status: error.status, output: Self.cut(error.output), message: error.message))
        }
        let done = waitingNow
        waitingNow = waitingNext
        waitingNext = []
        for d in done { d(result) }
        armInterval()
        if again || !waitingNow.isEmpty {
            again = false
            start(reason: "asked for during the last run")
        }
    }

    /// The next interval run: `interval` after the last, doubled for each failure in a
    /// row, up to an hour (or the interval, if that is longer).
    private func armInterval() {
        guard settings.enabled else { return }
        let base = Double(settings.interval.seconds)
        let delay = failures == 0 ? base : min(base * pow(2, Double(min(failures, 20))), max(base, 3600))
        let at = Date().addingTimeInterval(delay)
        nextRun = at
        try? intervalTimer?.arm(at: Microseconds(at))
    }

    /// At most 4 KiB of output in a reply (its end, where the error is).
    static func cut(_ text: String) -> String {
        text.utf8.count <= 4096 ? text : String(decoding: Array(text.utf8.suffix(4096)), as: UTF8.self)
    }

    /// One line for `pgtrackctl status`; nil when sync is off.
    var summary: String? {
        guard settings.enabled else { return nil }
        let zone = zone()
        var parts: [String] = []
        if child != nil { parts.append("running since \(startedAt.time(in: zone))") }
        if let last {
            switch last.outcome {
            case .success: parts.append("last \(last.at.formatted(in: zone)) ok (\(num(last.seconds)) s)")
            case .failure(let e):
                parts.append("failing (\(failures) in a row): \(e.message.prefix(160))")
            }
        } else if child == nil {
            parts.append("not run yet")
        }
        if child == nil, let nextRun { parts.append("next \(nextRun.formatted(in: zone))") }
        return parts.joined(separator: "; ")
    }
}
