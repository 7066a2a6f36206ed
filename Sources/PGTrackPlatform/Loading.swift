import FoundationEssentials
import PGTrackCore

// What the model needs read from the system: the plan file, and the zone a config names.

extension PlanParser {
    /// Reads and parses the plan file at `path`.
    public static func load(path: String, maxTasksPerWeek: Int = 7) throws(PlanError) -> Plan {
        let bytes: [UInt8]
        do { bytes = try Files.readRegular(path, limit: PlanFile.maxBytes) } catch {
            throw PlanError(file: path, line: 0, message: "cannot read the plan file: \(error.message)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw PlanError(file: path, line: 0, message: "expected UTF-8 text")
        }
        return try parse(text, file: path, maxTasksPerWeek: maxTasksPerWeek)
    }

    /// The plan `config` names: its file, or the built-in plan.
    public static func load(_ config: Config) throws(PlanError) -> Plan {
        let perWeek = config.schedule.days.count
        return config.plan.file.isEmpty ? try builtIn(maxTasksPerWeek: perWeek) : try load(path: config.plan.file, maxTasksPerWeek: perWeek)
    }
}

extension Config {
    /// The configured zone, or the system's when `schedule.timezone` is empty.
    public var timeZone: Zone {
        schedule.timezone.isEmpty ? Zone.current : (Zone(identifier: schedule.timezone) ?? Zone.current)
    }

    /// The first study day in effect: `plan.start`, else the one the ledger recorded when
    /// it was first chosen, else the next Monday after `now`.
    public func startDate(recorded: LocalDate?, now: Date) -> LocalDate {
        plan.start ?? recorded ?? startDate(now: now)
    }

    /// The first study day: `plan.start`, or the next Monday after `now` (today if it is Monday
    /// and the day's slot has not started yet).
    public func startDate(now: Date) -> LocalDate {
        Engine.startDate(self, events: [], zone: timeZone, now: now)
    }
}
