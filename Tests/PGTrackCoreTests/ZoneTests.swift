import Foundation
import Testing
@testable import PGTrackCore
import PGTrackPlatform

/// pgtrack's own zone arithmetic (TZif files + POSIX rules) against Foundation's
/// `TimeZone`, which on Linux is ICU with its own copy of the zone data: two independent
/// implementations that must agree wherever the data agree.
@Suite struct ZoneTests {
    static let zones = [
        "Europe/Berlin", "Europe/London", "Europe/Dublin", "Europe/Moscow", "America/New_York", "America/Los_Angeles",
        "America/Sao_Paulo", "America/Santiago", "America/St_Johns", "America/Havana", "Australia/Sydney",
        "Australia/Lord_Howe", "Australia/Adelaide", "Pacific/Auckland", "Pacific/Chatham", "Pacific/Apia",
        "Asia/Kolkata", "Asia/Kathmandu", "Asia/Tehran", "Asia/Tokyo", "Africa/Cairo", "Antarctica/Troll", "UTC",
    ]

    /// Every 13 h 7 min from 1971 to 2060: the same UTC offset as ICU.
    @Test(arguments: zones)
    func offsetsMatchFoundation(name: String) throws {
        let ours = try #require(Zone(identifier: name))
        let theirs = try #require(TimeZone(identifier: name))
        var t = Date(timeIntervalSince1970: 31_536_000)
        var mismatches: [String] = []
        while t.timeIntervalSince1970 < 2_840_000_000 {
            if ours.secondsFromGMT(for: t) != theirs.secondsFromGMT(for: t) {
                mismatches.append("\(t): \(ours.secondsFromGMT(for: t)) vs \(theirs.secondsFromGMT(for: t))")
            }
            t = t.addingTimeInterval(13 * 3600 + 420)
        }
        #expect(mismatches.isEmpty, "\(name): \(mismatches.prefix(3))")
    }

    /// The transitions from 2000 to 2050 are ICU's (both ways: none missing, none extra),
    /// and the DST flag on either side matches.
    @Test(arguments: ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Chatham",
                      "America/Santiago", "America/Sao_Paulo", "Asia/Tehran", "Antarctica/Troll", "Asia/Tokyo"])
    func transitionsMatchFoundation(name: String) throws {
        let ours = try #require(Zone(identifier: name))
        let theirs = try #require(TimeZone(identifier: name))
        let end = Date(timeIntervalSince1970: 2_524_608_000) // 2050
        var a: [Date] = [], b: [Date] = []
        var t = Date(timeIntervalSince1970: 946_684_800) // 2000
        while let n = ours.nextTransition(after: t), n < end { a.append(n); t = n }
        t = Date(timeIntervalSince1970: 946_684_800)
        while let n = theirs.nextDaylightSavingTimeTransition(after: t), n < end { b.append(n); t = n }
        #expect(a == b, "\(name): \(a.count) transitions vs ICU's \(b.count)")
        for d in a {
            #expect(ours.isDaylightSavingTime(for: d) == theirs.isDaylightSavingTime(for: d), "\(name) at \(d)")
            #expect(ours.secondsFromGMT(for: d) != ours.secondsFromGMT(for: d.addingTimeInterval(-1))
                    || ours.isDaylightSavingTime(for: d) != ours.isDaylightSavingTime(for: d.addingTimeInterval(-1)))
        }
    }

    /// Local date and time to instant, every 5 h 11 min of local time through 2025–2031,
    /// skipped and repeated hours included: the instant `Calendar.date(from:)` gives.
    @Test(arguments: ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham", "America/Santiago",
                      "America/St_Johns"])
    func localTimesMatchCalendar(name: String) throws {
        let ours = try #require(Zone(identifier: name))
        let cal = Calendar.gregorian(ours)
        var local = LocalDate(year: 2025, month: 1, day: 1).dayNumber * 86400
        let end = LocalDate(year: 2031, month: 12, day: 31).dayNumber * 86400
        var checked = 0
        while local < end {
            let day = LocalDate(dayNumber: local / 86400), s = local % 86400
            let time = TimeOfDay(hour: s / 3600, minute: s / 60 % 60)
            let expected = cal.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: time.hour,
                                                         minute: time.minute))
            #expect(ours.instant(day, time) == expected, "\(name) \(day) \(time)")
            local += 5 * 3600 + 11 * 60
            checked += 1
        }
        // And the hours around each change, minute by minute.
        var t = Date(timeIntervalSince1970: 1_735_689_600)
        while let n = ours.nextTransition(after: t), n.timeIntervalSince1970 < 1_956_528_000 {
            let (day, s) = ours.wallClock(n.addingTimeInterval(-7200))
            for m in stride(from: 0, to: 240, by: 15) {
                let mins = s / 60 + m
                let d = day.adding(days: mins / 1440), time = TimeOfDay(hour: mins % 1440 / 60, minute: mins % 60)
                let expected = cal.date(from: DateComponents(year: d.year, month: d.month, day: d.day, hour: time.hour,
                                                             minute: time.minute))
                #expect(ours.instant(d, time) == expected, "\(name) \(d) \(time) near a change")
                checked += 1
            }
            t = n
        }
        #expect(checked > 12000)
    }

    @Test func namesAreCheckedBeforeAnyFileIsRead() {
        for bad in ["", "/etc/passwd", "../../etc/passwd", "Europe/../../../etc/passwd", "Europe/Berlin\0x", "Nowhere/Atlantis"] {
            #expect(Zone(identifier: bad) == nil, "\(bad)")
        }
        #expect(Zone(identifier: "Etc/GMT+5")?.secondsFromGMT(for: Date()) == -5 * 3600)
        #expect(Zone(identifier: "Europe/Berlin")?.abbreviation(for: Date(timeIntervalSince1970: 1_800_000_000)) == "CET")
    }

    @Test func brokenFilesAreRefused() throws {
        let good = try #require(Files.read("/usr/share/zoneinfo/Europe/Berlin"))
        #expect(throws: ZoneFileError.self) { try Zone(identifier: "x", tzif: Array("not a zone file at all, no".utf8)) }
        #expect(throws: ZoneFileError.self) { try Zone(identifier: "x", tzif: Array(good.prefix(60))) }
        var badIndex = good
        badIndex[4] = 0x31 // claim version 1, then point a transition at a type that does not exist
        let timecnt = Int(badIndex[32]) << 24 | Int(badIndex[33]) << 16 | Int(badIndex[34]) << 8 | Int(badIndex[35])
        if timecnt > 0 { badIndex[44 + timecnt * 4] = 0xFF }
        #expect(throws: ZoneFileError.self) { try Zone(identifier: "x", tzif: badIndex) }
        #expect(try Zone(identifier: "Europe/Berlin", tzif: good).secondsFromGMT(for: Date(timeIntervalSince1970: 1_800_000_000)) == 3600)
    }

    /// Footer rules of each shape, checked at instants either side of their changes.
    @Test func posixRules() throws {
        let berlin = try #require(PosixRule("CET-1CEST,M3.5.0,M10.5.0/3"))
        #expect(berlin.std.offset == 3600 && berlin.dst?.offset == 7200)
        let change = Int64(LocalDate(year: 2040, month: 3, day: 25).dayNumber) * 86400 + 3600 // 02:00 CET = 01:00Z
        #expect(berlin.type(at: change - 1).abbreviation == "CET")
        #expect(berlin.type(at: change).abbreviation == "CEST")
        #expect(berlin.nextChange(after: change - 10) == change)

        let lordHowe = try #require(PosixRule("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"))
        #expect(lordHowe.std.offset == 37800 && lordHowe.dst?.offset == 39600)
        #expect(lordHowe.type(at: Int64(LocalDate(year: 2040, month: 1, day: 10).dayNumber) * 86400).isDST)
        #expect(!lordHowe.type(at: Int64(LocalDate(year: 2040, month: 6, day: 10).dayNumber) * 86400).isDST)

        let fixed = try #require(PosixRule("<-03>3"))
        #expect(fixed.std.offset == -10800 && fixed.dst == nil)
        #expect(PosixRule("EST5EDT,J60/2,300")?.dst?.offset == -4 * 3600)
        #expect(PosixRule("<+00>0<+02>-2,M3.5.0/1,M10.5.0/3") != nil) // Troll
        for bad in ["", "C", "CET-1CEST,M13.5.0,M10.5.0", "CET-1CEST,M3.5.0", "CET-1CEST,M3.5.0,M10.5.0,", "<CET-1"] {
            #expect(PosixRule(bad) == nil, "\(bad)")
        }
    }
}
