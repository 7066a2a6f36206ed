import Foundation
@testable import PGTrackCalendar
import PGTrackCore

enum CalendarFixture {
    static let start = LocalDate(year: 2027, month: 1, day: 4)
    static let berlin = Zone(identifier: "Europe/Berlin")!
    /// The fixed "modified" time of the golden export: the plan's first day, midnight UTC.
    static let created = Date(timeIntervalSince1970: Double(start.dayNumber) * 86400)

    static func plan() -> Plan {
        do { return try PlanParser.builtIn(maxTasksPerWeek: 5) } catch { fatalError("\(error)") }
    }

    static func input(zone: Zone = berlin, plan: Plan = plan(), events: [LedgerEvent] = []) -> ScheduleInput {
        ScheduleInput(plan: plan, settings: Config.ScheduleSettings(), start: start, zone: zone, events: events,
                      now: Date(timeIntervalSince1970: created.timeIntervalSince1970 - 86400))
    }

    static func export(_ input: ScheduleInput, settings: Config.CalendarSettings = Config.CalendarSettings(),
                       revisions: [String: SlotRevision] = [:]) -> CalendarExport {
        CalendarExport(schedule: Scheduler.compute(input), zone: input.zone, settings: settings, start: start,
                       revisions: revisions, fallbackModified: created)
    }
}
