import ArgumentParser
import FoundationEssentials
import Glibc
import Logging
import PGTrackCalendar
import PGTrackConfig
import PGTrackCore
import PGTrackPlatform
import PGTrackStore
import SystemPackage
import Systemd
import Varlink

/// pgtrackd: schedules the study plan, keeps the calendar current, reminds, and serves
/// the control API.
struct Options: ParsableCommand {
    // A command, not bare arguments, so that --help says "pgtrackd", not "options".
    static let configuration = CommandConfiguration(
        commandName: "pgtrackd",
        abstract: "The pgtrack daemon: schedules the study plan, keeps the calendar current, reminds, serves the control API.",
        discussion: "Usually started by systemd (pgtrackd.service, pgtrackd@NAME.service); see pgtrackd(8).")

    @Option(name: .long, help: ArgumentHelp("Read the config from this file.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Run the plan instance NAME: NAME.toml, NAME.sqlite, NAME.ics, NAME.sock (default: $PGTRACK_PLAN, else the default plan).",
                                            valueName: "name"))
    var plan: String?

    @Flag(name: .long, help: "Print the computed schedule as a table and exit.")
    var printSchedule = false

    @Flag(name: .long, help: "Log debug messages.")
    var debug = false

    @Option(name: .long, help: .hidden)
    var now: String?
}

func fail(_ message: String, status: Int32) -> Never {
    writeStandardError("pgtrackd: \(message)\n")
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
// SIGCHLD too: the sync command's exit is a child source on the loop.
for sig in [SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&blocked, sig) }
sigprocmask(SIG_BLOCK, &blocked, nil)

let toJournal = ServiceManager.stderrIsJournal
LoggingSystem.bootstrap { label in
    toJournal ? JournalLogHandler(identifier: "pgtrackd", fieldPrefix: "PGTRACK_") as any LogHandler
              : StderrLogHandler()
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

// One loader for start-up and reload: config, then the plan and holidays it names.
let instance = options.plan ?? environment["PGTRACK_PLAN"].flatMap { $0.isEmpty ? nil : $0 }
if let instance, let problem = Paths.planNameProblem(instance) { fail(problem, status: 64) }
let source = Settings.Source(explicitConfig: options.config, environment: environment, uid: getuid(), plan: instance)
let settings: Settings
let ledger: Ledger
let engine: Engine
do {
    ledger = try Ledger(path: source.defaults.stateDatabase)
    let events = try ledger.events()
    settings = try Settings.load(source, recordedStart: events.recordedStart, now: now)
    engine = Engine(settings: EngineSettings(config: settings.config, plan: settings.plan, holidays: settings.holidays,
                                             zone: settings.config.timeZone),
                    store: ledger, events: events, taskList: try ledger.taskList(), now: now)
} catch let error as Settings.LoadError {
    fail("\(error)", status: ConfigError.exitStatus)
} catch {
    fail("\(error)", status: 1)
}
let config = settings.config

if options.printSchedule {
    let zone = engine.zone
    let window = BusyCalendar.window(start: engine.startDate, weeks: engine.plan.weeks.count, zone: zone)
    var busy: [BusyEvent] = []
    for path in settings.busyFiles {
        do {
            busy += try BusyCalendar.load(path: path, zone: zone, from: window.from, until: window.until)
        } catch {
            print("# busy calendar \(path): \(error)")
        }
    }
    let schedule = engine.submit(.busy(BusyTimes(busy)), now: now).schedule
    print("# \(engine.plan.title)")
    print("# plan \(engine.plan.source), start \(engine.startDate), zone \(zone.identifier), \(schedule.slots.count) slots")
    print(schedule.table(zone: zone), terminator: "")
    exit(0)
}

let daemon: Daemon
do {
    daemon = try Daemon(engine: engine, ledger: ledger, settings: settings, source: source, log: log)
    try daemon.setUpSources()
    try daemon.takeControlSocket()
    // Only now, alone on the ledger (a second pgtrackd stopped at the socket), what the
    // start found is written: the start date, the follows of an edit made while stopped.
    try engine.recordPending()
    try daemon.startHTTP()
    try daemon.startReminders()
    try daemon.startSync()
    daemon.startBusy()
} catch let error as SocketError where error.errno == .addressInUse {
    fail("already running: \(error.call)", status: 1)
} catch {
    fail("\(error)", status: 1)
}
log.info("\(instance.map { "instance \($0): " } ?? "")plan \"\(engine.plan.title)\": \(engine.plan.tasks.count) tasks from \(engine.startDate), config \(settings.configPath ?? "built-in defaults")")

do {
    exit(try daemon.run())
} catch {
    fail("\(error)", status: 1)
}
