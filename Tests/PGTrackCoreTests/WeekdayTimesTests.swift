import Foundation
@testable import PGTrackCore
import Testing

/// `[schedule.times]` and `[schedule.lengths]`: a start and a length per weekday, kept as
/// wall-clock times across DST; slot ids stay as they were.
@Suite struct WeekdayTimesTests {
    static func settings() -> Config.ScheduleSettings {
        var s = Config.ScheduleSettings()
        s.times = [.friday: TimeOfDay(hour: 7, minute: 0)]
        s.lengths = [.friday: 60]
        return s
    }

    /// UTC seconds of the day's midnight plus hh:mm.
    static func utc(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ min: Int) -> Date {
        Date(timeIntervalSince1970: Double(LocalDate(year: y, month: m, day: d).dayNumber * 86400 + h * 3600 + min * 60))
    }

    @Test(arguments: [
        // Berlin: CET (+1) until 2027-03-28, CEST (+2) after. Fridays 07:00, other days 18:00.
        ("Europe/Berlin", LocalDate(year: 2027, month: 3, day: 22),
         [("w01d4", utc(2027, 3, 25, 17, 0), 30), ("w01d5", utc(2027, 3, 26, 6, 0), 60),
          ("w02d1", utc(2027, 3, 29, 16, 0), 30), ("w02d5", utc(2027, 4, 2, 5, 0), 60)]),
        // Lord Howe Island: +10:30 until 2027-10-03 02:00, then +11 (a half-hour shift).
        ("Australia/Lord_Howe", LocalDate(year: 2027, month: 9, day: 27),
         [("w01d5", utc(2027, 9, 30, 20, 30), 60), ("w02d1", utc(2027, 10, 4, 7, 0), 30),
          ("w02d5", utc(2027, 10, 7, 20, 0), 60)]),
    ])
    func wallClockPerWeekdayAcrossDST(zone: String, start: LocalDate, expected: [(String, Date, Int)]) throws {
        let z = try #require(Zone(identifier: zone))
        let schedule = Scheduler.compute(Fixture.input(now: z.instant(start.adding(days: -1), TimeOfDay(hour: 12, minute: 0)), zone: z,
                                                       settings: Self.settings(), start: start))
        for (id, begin, minutes) in expected {
            let slot = try #require(schedule.slot(SlotID(id)!), "\(id)")
            #expect(slot.start == begin, "\(zone) \(id)")
            #expect(slot.duration == Double(minutes * 60), "\(zone) \(id)")
        }
    }

    @Test func slotIdsDoNotChange() {
        let plain = Scheduler.compute(Fixture.input())
        let timed = Scheduler.compute(Fixture.input(settings: Self.settings()))
        #expect(plain.slots.map(\.id) == timed.slots.map(\.id))
        #expect(plain.slots.map(\.task) == timed.slots.map(\.task))
        // Only Fridays moved.
        for (a, b) in zip(plain.slots, timed.slots) where a.date.weekday != .friday { #expect(a.start == b.start && a.end == b.end) }
    }

    @Test func theStartRuleUsesMondaysTime() {
        var config = Config()
        config.schedule.timezone = "Europe/Berlin"
        config.schedule.times = [.monday: TimeOfDay(hour: 7, minute: 0)]
        let monday = LocalDate(year: 2027, month: 1, day: 4)
        // Monday 09:00: the day's 07:00 slot is over, so the plan starts the next Monday.
        let nine = config.timeZone.instant(monday, TimeOfDay(hour: 9, minute: 0))
        #expect(config.startDate(now: nine) == monday.adding(days: 7))
    }
}
