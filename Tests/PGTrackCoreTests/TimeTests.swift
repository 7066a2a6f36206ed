import Foundation
import Testing
@testable import PGTrackCore

@Suite struct TimeTests {
    /// 18:00 stays 18:00 local across DST; each slot's instant equals Foundation's own conversion.
    @Test(arguments: ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe"])
    func wallClockAcrossDST(zoneName: String) throws {
        let zone = try #require(Zone(identifier: zoneName))
        // 2027-01-04 to late May crosses March/April changes in the north and April in the south.
        let s = Scheduler.compute(Fixture.input(now: .distantPast, zone: zone))
        let cal = Calendar.gregorian(zone)
        var offsets = Set<Int>()
        for slot in s.slots {
            let c = cal.dateComponents([.year, .month, .day, .hour, .minute], from: slot.start)
            #expect(c.hour == 18 && c.minute == 0, "\(slot.id) in \(zoneName)")
            let expected = cal.date(from: DateComponents(year: slot.date.year, month: slot.date.month, day: slot.date.day, hour: 18, minute: 0))
            #expect(slot.start == expected)
            offsets.insert(zone.secondsFromGMT(for: slot.start))
        }
        #expect(offsets.count == 2, "the plan spans a DST change in \(zoneName)")
        if zoneName == "Australia/Lord_Howe" {
            #expect(offsets == [39600, 37800], "Lord Howe moves by half an hour")
        }
    }

    @Test func skippedWallClockTimeResolvesForward() {
        // 02:30 does not exist in Berlin on 2027-03-28.
        let d = Fixture.berlin.instant(LocalDate(year: 2027, month: 3, day: 28), TimeOfDay(hour: 2, minute: 30))
        let c = Calendar.gregorian(Fixture.berlin).dateComponents([.hour, .minute], from: d)
        #expect(c.hour == 3)
    }

    @Test func weekdayNumbering() {
        // ISO: Monday 1 ... Sunday 7. Foundation: Sunday 1 ... Saturday 7.
        #expect(Weekday.monday.rawValue == 1)
        #expect(Weekday.sunday.rawValue == 7)
        let cal = Calendar.gregorian(Zone(identifier: "UTC")!)
        for offset in 0..<14 {
            let date = LocalDate(year: 2026, month: 11, day: 23).adding(days: offset)
            let instant = Zone(identifier: "UTC")!.instant(date, TimeOfDay(hour: 12, minute: 0))
            #expect(cal.component(.weekday, from: instant) == date.weekday.rawValue % 7 + 1)
        }
    }

    @Test func dayArithmeticMatchesFoundation() {
        let utc = Zone(identifier: "UTC")!
        var date = LocalDate(year: 1999, month: 12, day: 25)
        for _ in 0..<800 {
            let next = date.adding(days: 1)
            let viaFoundation = LocalDate(utc.instant(date, TimeOfDay(hour: 0, minute: 0)).addingTimeInterval(86400), in: utc)
            #expect(next == viaFoundation)
            date = date.adding(days: 37)
        }
        #expect(LocalDate(year: 1970, month: 1, day: 1).dayNumber == 0)
        #expect(LocalDate(dayNumber: LocalDate(year: 2024, month: 2, day: 29).dayNumber) == LocalDate(year: 2024, month: 2, day: 29))
    }

    @Test(arguments: [("2026-12-24", true), ("2026-02-29", false), ("2024-02-29", true), ("2026-13-01", false),
                      ("2026-1-01", false), ("26-01-01", false), ("2026-04-31", false), ("", false)])
    func parseDates(text: String, valid: Bool) {
        #expect((LocalDate(text) != nil) == valid)
        if valid { #expect(LocalDate(text)?.description == text) }
    }

    @Test func nextMonday() {
        let tue = LocalDate(year: 2026, month: 11, day: 24)
        #expect(tue.weekday == .tuesday)
        #expect(tue.next(.monday) == LocalDate(year: 2026, month: 11, day: 30))
        #expect(LocalDate(year: 2026, month: 11, day: 30).next(.monday) == LocalDate(year: 2026, month: 11, day: 30))
    }

    @Test func defaultStartIsTheNextMonday() {
        var config = Config()
        config.schedule.timezone = "Europe/Berlin"
        let tuesday = Fixture.berlin.instant(LocalDate(year: 2026, month: 11, day: 24), TimeOfDay(hour: 9, minute: 0))
        #expect(config.startDate(now: tuesday) == LocalDate(year: 2026, month: 11, day: 30))
        let mondayMorning = Fixture.berlin.instant(LocalDate(year: 2026, month: 11, day: 30), TimeOfDay(hour: 9, minute: 0))
        #expect(config.startDate(now: mondayMorning) == LocalDate(year: 2026, month: 11, day: 30))
        let mondayNight = Fixture.berlin.instant(LocalDate(year: 2026, month: 11, day: 30), TimeOfDay(hour: 19, minute: 0))
        #expect(config.startDate(now: mondayNight) == LocalDate(year: 2026, month: 12, day: 7))
    }

    // µs vs ms vs s: spans are whole seconds everywhere.
    @Test(arguments: [("90s", 90), ("10m", 600), ("-10m", -600), ("2h", 7200), ("1h30m", 5400), ("1d", 86400),
                      ("0m", 0), ("+5m", 300), ("1w", 604800)])
    func spans(text: String, seconds: Int) {
        #expect(Span(text)?.seconds == seconds)
        #expect(Span(Span(seconds: seconds).description)?.seconds == seconds)
    }

    @Test(arguments: ["", "10", "m", "10x", "1.5h", "--5m", "10 m", "h1"])
    func badSpans(text: String) {
        #expect(Span(text) == nil)
    }

    @Test(arguments: [("18:00", 18, 0), ("7:05", 7, 5), ("23:59", 23, 59)])
    func times(text: String, hour: Int, minute: Int) {
        #expect(TimeOfDay(text) == TimeOfDay(hour: hour, minute: minute))
    }

    @Test(arguments: ["24:00", "18:60", "18", "18:0", "six", "-1:00"])
    func badTimes(text: String) {
        #expect(TimeOfDay(text) == nil)
    }

    @Test(arguments: [("-10m", ReminderOffset.start(-600)), ("0m", .start(0)), ("end", .end(0)),
                      ("end+5m", .end(300)), ("end-1m", .end(-60))])
    func reminderOffsets(text: String, offset: ReminderOffset) {
        #expect(ReminderOffset(text) == offset)
        #expect(ReminderOffset(offset.description) == offset)
    }

    @Test(arguments: ["w03d2", "w21d5", "w01d1"])
    func slotIDs(text: String) {
        #expect(SlotID(text)?.description == text)
    }

    @Test(arguments: ["", "w3", "d2", "w03d", "w03d8", "w00d1", "wxd1", "w03d12"])
    func badSlotIDs(text: String) {
        #expect(SlotID(text) == nil)
    }
}

@Suite struct WallClockTests {
    /// The offset arithmetic agrees with Foundation's Calendar, on both sides of DST
    /// changes and before 1970.
    @Test(arguments: ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"])
    func wallClockMatchesCalendar(zoneName: String) throws {
        let zone = try #require(Zone(identifier: zoneName))
        let cal = Calendar.gregorian(zone)
        var t = Date(timeIntervalSince1970: -86400 * 400 + 37)
        while t.timeIntervalSince1970 < 2_000_000_000 {
            let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: t)
            let (date, seconds) = zone.wallClock(t)
            #expect(date == LocalDate(year: c.year!, month: c.month!, day: c.day!))
            #expect(seconds == c.hour! * 3600 + c.minute! * 60 + c.second!)
            t = t.addingTimeInterval(86400 * 13 + 3607)
        }
        let t2 = Date(timeIntervalSince1970: 1_795_557_300)
        #expect(t2.rfc3339(in: zone).hasSuffix(zone.secondsFromGMT(for: t2) == 0 ? "+00:00" : ""))
        #expect(Date(rfc3339: t2.rfc3339(in: zone)) == t2)
    }

    /// A sum of groups past 64 bits is refused, not wrapped or trapped on.
    @Test func spansThatOverflowAreRefused() {
        #expect(Span(String(repeating: "999999999w", count: 16_000)) == nil)
        #expect(Span("-" + String(repeating: "999999999w", count: 16_000)) == nil)
        #expect(Span("999999999w")?.seconds == 999_999_999 * 7 * 86400)
        #expect(Span("1234567890s") == nil) // more than 9 digits in a group
    }
}
