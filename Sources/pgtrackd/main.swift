import ArgumentParser
import Foundation
import Logging
import PGTrackConfig
import PGTrackCore
import PGTrackStore
import Systemd
import Varlink

/// pgtrackd: schedules the study plan, keeps the calendar current, reminds, and serves
/// the control API.
struct Options: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Read the config from this file.", valueName: "file"))
    var config: String?

    @Flag(name: .long, help: "Print the computed schedule as a table and exit.")
    var printSchedule = false

    @Flag(name: .long, help: "Log debug messages.")
    var debug = false

    @Option(name: .long, help: .hidden)
    var now: String?
}

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("pgtrackd: \(message)\n".utf8))
    exit(status)
}

// The daemon's main is a straight line: signals, logging, config, state, loop, ready, run.
let options: Options
do {
    options = try Options.parse()
} catch {
    Options.exit(withError: error)
}

// Block the signals the loop handles before anything can start a thread.
var blocked = sigset_t()
sigemptyset(&blocked)
for sig in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&blocked, sig) }
sigprocmask(SIG_BLOCK, &blocked, nil)

let toJournal = ServiceManager.stderrIsJournal
LoggingSystem.bootstrap { label in
    toJournal ? JournalLogHandler(identifier: "pgtrackd", fieldPrefix: "PGTRACK_") as any LogHandler
              : StreamLogHandler.standardError(label: label)
}
var log = Logger(label: "pgtrackd")
log.logLevel = options.debug ? .debug : .info

let environment = ProcessInfo.processInfo.environment
let now: Date
if let text = options.now {
    guard let d = Date(rfc3339: text) else { fail("--now expects an RFC 3339 time such as 2027-01-04T18:00:00+01:00", status: 64) }
    now = d
} else {
    now = Date()
}

let defaults = Paths(environment: environment, uid: getuid())
let config: Config
let configPath: String?
do {
    (config, configPath) = try ConfigSource.load(explicit: options.config, defaultPath: defaults.configFile)
} catch {
    fail("\(error)", status: ConfigError.exitStatus)
}
let paths = Paths(environment: environment, uid: getuid(), config: config)

let tracker: Tracker
do {
    tracker = try Tracker(config: config, ledger: try Ledger(path: paths.stateDatabase), now: now)
    let holidays = try Manager.holidays(config, start: tracker.startDate, plan: tracker.plan)
    if !holidays.isEmpty { try tracker.reload(config: config, plan: tracker.plan, extraBlackouts: holidays, now: now) }
} catch let error as PlanError {
    fail("\(error)", status: ConfigError.exitStatus)
} catch let error as ConfigError {
    fail("\(error)", status: ConfigError.exitStatus)
} catch {
    fail("\(error)", status: 1)
}

if options.printSchedule {
    let schedule = tracker.schedule(now: now)
    print("# \(tracker.plan.title)")
    print("# plan \(tracker.plan.source), start \(tracker.startDate), zone \(config.timeZone.identifier), \(schedule.slots.count) slots")
    print(schedule.table(zone: config.timeZone), terminator: "")
    exit(0)
}

let manager: Manager
do {
    manager = try Manager(tracker: tracker, configPath: configPath, paths: paths, log: log, now: now)
    try manager.setUpSources()
    try manager.takeControlSocket()
    try manager.startReminders()
} catch let error as SocketError where error.code == EADDRINUSE {
    fail("already running: \(error.call)", status: 1)
} catch {
    fail("\(error)", status: 1)
}
log.info("plan \"\(tracker.plan.title)\": \(tracker.plan.tasks.count) tasks from \(tracker.startDate), config \(configPath ?? "built-in defaults")")

do {
    exit(try manager.run())
} catch {
    fail("\(error)", status: 1)
}
