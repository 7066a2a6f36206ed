import PGTrackPlatform
import Foundation
import PGTrackTestSupport
@testable import PGTrackCore

/// Shared test inputs: the built-in plan from a fixed Monday, in a fixed zone.
enum Fixture {
    static let start = LocalDate(year: 2027, month: 1, day: 4) // a Monday
    static let berlin = Zone(identifier: "Europe/Berlin")!

    static func plan() -> Plan {
        do { return try PlanParser.builtIn(maxTasksPerWeek: 5) } catch { fatalError("\(error)") }
    }

    /// Noon on the day before the plan starts: nothing is missed yet.
    static var beforeStart: Date { berlin.instant(LocalDate(year: 2027, month: 1, day: 3), TimeOfDay(hour: 12, minute: 0)) }

    static func input(events: [LedgerEvent] = [], now: Date = beforeStart, zone: Zone = berlin,
                      settings: Config.ScheduleSettings = Config.ScheduleSettings(), plan: Plan = plan(),
                      start: LocalDate = start) -> ScheduleInput {
        ScheduleInput(plan: plan, settings: settings, start: start, zone: zone, events: events, now: now)
    }

    /// Applies changes one by one as the daemon would, giving each event an id.
    static func apply(_ changes: [Change], to input: ScheduleInput) throws -> ScheduleInput {
        var input = input
        for change in changes {
            var e = try input.event(for: change)
            e.id = Int64(input.events.count + 1)
            input.events.append(e)
        }
        return input
    }

    static func temporaryDirectory() -> String {
        TemporaryFolder.make("core")
    }
}

extension Calendar {
    /// Foundation's Gregorian calendar (ICU's zone data and code) in the same zone: the
    /// independent implementation the tests check pgtrack's own zone arithmetic against.
    static func gregorian(_ zone: Zone) -> Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: zone.identifier)!
        c.firstWeekday = 2
        return c
    }
}
