import ArgumentParser
import Foundation
import Logging
import PGTrackCore

/// pgtrackd: schedules the study plan, keeps the calendar current, reminds, and serves
/// the control API.
struct PGTrackDaemon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pgtrackd",
        abstract: "Keep a study plan on the calendar and remind you of it.",
        discussion: "Runs in the foreground; systemd starts it as a user service (pgtrackd.service)."
    )

    @Option(name: .long, help: ArgumentHelp("Read the config from this file.", valueName: "file"))
    var config: String?

    @Flag(name: .long, help: "Print the computed schedule as a table and exit.")
    var printSchedule = false

    @Option(name: .long, help: .hidden)
    var now: String?

    func run() throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var log = Logger(label: "pgtrackd")
        log.logLevel = .info
        let env = ProcessInfo.processInfo.environment
        let now = try self.now.map(Self.parseNow) ?? Date()

        let defaults = Paths(environment: env, uid: getuid())
        let cfg: Config
        do {
            (cfg, _) = try ConfigSource.load(explicit: config, defaultPath: defaults.configFile)
        } catch {
            Self.fail("\(error)", status: ConfigError.exitStatus)
        }
        let paths = Paths(environment: env, uid: getuid(), config: cfg)
        let tracker: Tracker
        do {
            let ledger = try Ledger(path: paths.stateDatabase)
            tracker = try Tracker(config: cfg, ledger: ledger, now: now)
        } catch let error as PlanError {
            Self.fail("\(error)", status: ConfigError.exitStatus)
        } catch {
            Self.fail("\(error)", status: 1)
        }
        let schedule = tracker.schedule(now: now)
        if printSchedule {
            print("# \(tracker.plan.title)")
            print("# plan \(tracker.plan.source), start \(tracker.startDate), zone \(cfg.timeZone.identifier), \(schedule.slots.count) slots")
            print(schedule.table(zone: cfg.timeZone), terminator: "")
            return
        }
        log.info("loaded plan \"\(tracker.plan.title)\": \(tracker.plan.tasks.count) tasks, \(schedule.slots.count) slots from \(tracker.startDate)")
        if let next = schedule.next(after: now), let task = next.task {
            log.info("next slot \(next.id) at \(next.start.formatted(in: cfg.timeZone)): \(task) \(schedule.title(of: next))")
        }
        // The event loop, calendar, control socket and reminders are added by the
        // issues that follow; until then the daemon waits for SIGTERM or SIGINT.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        sigprocmask(SIG_BLOCK, &set, nil)
        var sig: Int32 = 0
        sigwait(&set, &sig)
        log.info("received signal \(sig), stopping")
    }

    static func parseNow(_ text: String) throws -> Date {
        guard let d = ISO8601DateFormatter().date(from: text) else { throw ValidationError("--now expects an ISO 8601 time") }
        return d
    }

    static func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data("pgtrackd: \(message)\n".utf8))
        Foundation.exit(status)
    }
}

PGTrackDaemon.main()
