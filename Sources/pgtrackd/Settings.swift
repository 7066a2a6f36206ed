import FoundationEssentials
import Glibc
import PGTrackCalendar
import PGTrackConfig
import PGTrackCore
import PGTrackPlatform

/// Everything pgtrackd reads from files — the config, the plan it names, the holidays
/// file's dates — and the paths that follow from them: one value, made by one
/// function at start-up and again on every reload.
struct Settings {
    var config: Config
    /// The config file in use; nil for the compiled-in defaults.
    var configPath: String?
    var plan: Plan
    var holidays: Set<LocalDate>
    var paths: Paths
    /// `schedule.busy`, with `~/` expanded.
    var busyFiles: [String]

    /// Where `load` looks: `--config FILE`, else the default path if it exists.
    struct Source {
        var explicitConfig: String?
        var environment: [String: String]
        var uid: UInt32
        /// The plan instance (`--plan NAME` or `PGTRACK_PLAN`); nil for the default one.
        var plan: String?

        var defaults: Paths { Paths(environment: environment, uid: uid, plan: plan) }
    }

    /// A config, plan or holidays file that is broken; nothing was loaded.
    enum LoadError: Error, CustomStringConvertible {
        case config(ConfigError)
        case plan(PlanError)

        var description: String {
            switch self {
            case .config(let e): return e.description
            case .plan(let e): return e.description
            }
        }
    }

    /// Loads the config, then the plan and holidays it names. `recordedStart` is the
    /// start date the ledger chose earlier (holidays are read from the start in effect
    /// through the plan's end plus a year of slack).
    static func load(_ source: Source, recordedStart: LocalDate?, now: Date) throws(LoadError) -> Settings {
        let config: Config, configPath: String?
        do {
            (config, configPath) = try ConfigSource.load(explicit: source.explicitConfig, defaultPath: source.defaults.configFile)
        } catch {
            throw .config(error)
        }
        let plan: Plan
        do {
            plan = try PlanParser.load(config)
        } catch {
            throw .plan(error)
        }
        var holidays: Set<LocalDate> = []
        if !config.schedule.holidays.isEmpty {
            let start = config.startDate(recorded: recordedStart, now: now)
            do {
                holidays = try Holidays.load(path: config.schedule.holidays, from: start,
                                             until: start.adding(days: 7 * plan.weeks.count + 366))
            } catch {
                throw .config(error)
            }
        }
        let paths = Paths(environment: source.environment, uid: source.uid, config: config, plan: source.plan)
        try checkCalendarPaths(paths, config: config, configPath: configPath)
        let busyFiles = try checkBusyFiles(config.schedule.busy, environment: source.environment, paths: paths, configPath: configPath)
        return Settings(config: config, configPath: configPath, plan: plan, holidays: holidays, paths: paths, busyFiles: busyFiles)
    }

    /// The busy calendars with `~/` expanded. A plan never reads its own feed: its slots
    /// would push themselves away. Another plan's feed is fine (two plans never collide).
    static func checkBusyFiles(_ files: [String], environment: [String: String], paths: Paths,
                               configPath: String?) throws(LoadError) -> [String] {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        let expanded = files.map { $0.hasPrefix("~/") ? home + $0.dropFirst(1) : $0 }
        func real(_ path: String) -> String { Files.realPath(path) ?? URL(fileURLWithPath: path).standardizedFileURL.path }
        if let feed = paths.calendarFile, let own = expanded.first(where: { real($0) == real(feed) }) {
            throw .config(ConfigError(file: configPath ?? "<defaults>", line: 0, key: "schedule.busy",
                                      message: "\(own) is this plan's own feed; a plan never reads its own slots as busy"))
        }
        return expanded
    }

    /// The feed must be a regular file or missing, the vdir a folder or missing: pgtrack
    /// never writes into (or renames over) a device, FIFO or socket someone named there.
    static func checkCalendarPaths(_ paths: Paths, config: Config, configPath: String?) throws(LoadError) {
        func refuse(_ key: String, _ message: String) -> LoadError {
            .config(ConfigError(file: configPath ?? "<defaults>", line: 0, key: key, message: message))
        }
        if let feed = paths.calendarFile, let kind = Files.kind(of: feed), kind != S_IFREG {
            throw refuse("calendar.file", "\(feed) is \(Files.describe(kind: kind)); pgtrack writes only a regular file there (\"none\" turns the feed off)")
        }
        let vdir = config.calendar.vdir
        if !vdir.isEmpty, let kind = Files.kind(of: vdir), !Files.isFolder(vdir) {
            throw refuse("calendar.vdir", "\(vdir) is \(Files.describe(kind: kind)), not a folder")
        }
    }
}
