import Foundation
@testable import PGTrackCalendar
import PGTrackCore
import PGTrackPlatform
import Testing

/// Reading a busy calendar: which events block time, and when.
@Suite struct BusyCalendarTests {
    static let berlin = Zone(identifier: "Europe/Berlin")!
    static let start = LocalDate(year: 2027, month: 1, day: 4)
    static var window: (from: Date, until: Date) { BusyCalendar.window(start: start, weeks: 20, zone: berlin) }

    func at(_ m: Int, _ d: Int, _ h: Int, _ min: Int = 0, zone: Zone = berlin) -> Date {
        zone.instant(LocalDate(year: 2027, month: m, day: d), TimeOfDay(hour: h, minute: min))
    }

    static func calendar(_ events: String...) -> String {
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
            + events.map { "BEGIN:VEVENT\r\nDTSTAMP:20270101T000000Z\r\n\($0)END:VEVENT\r\n" }.joined() + "END:VCALENDAR\r\n"
    }

    static func read(_ text: String) throws -> [BusyEvent] {
        try BusyCalendar.read(text, zone: berlin, from: window.from, until: window.until).sorted { $0.start < $1.start }
    }

    @Test func timedEventsInTheirZoneUTCOrFloating() throws {
        let e = try Self.read(Self.calendar(
            "UID:a\r\nSUMMARY:Late meeting\r\nDTSTART;TZID=Europe/Berlin:20270105T173000\r\nDTEND;TZID=Europe/Berlin:20270105T190000\r\n",
            "UID:b\r\nSUMMARY:Call\r\nDTSTART;TZID=America/New_York:20270106T120000\r\nDURATION:PT1H\r\n",
            "UID:c\r\nDTSTART:20270107T170000Z\r\nDTEND:20270107T173000Z\r\n",
            "UID:d\r\nSUMMARY:Floating\r\nDTSTART:20270108T180000\r\nDTEND:20270108T184500\r\n"))
        #expect(e == [
            BusyEvent(start: at(1, 5, 17, 30), end: at(1, 5, 19), summary: "Late meeting"),
            BusyEvent(start: at(1, 6, 18), end: at(1, 6, 19), summary: "Call"), // noon in New York is 18:00 in Berlin
            BusyEvent(start: at(1, 7, 18), end: at(1, 7, 18, 30), summary: "busy"),
            BusyEvent(start: at(1, 8, 18), end: at(1, 8, 18, 45), summary: "Floating"),
        ])
    }

    @Test func transparentAndCancelledEventsBlockNothing() throws {
        let e = try Self.read(Self.calendar(
            "UID:a\r\nSUMMARY:Focus\r\nTRANSP:TRANSPARENT\r\nDTSTART:20270105T170000Z\r\nDTEND:20270105T180000Z\r\n",
            "UID:b\r\nSUMMARY:Off\r\nSTATUS:CANCELLED\r\nDTSTART:20270106T170000Z\r\nDTEND:20270106T180000Z\r\n",
            "UID:c\r\nSUMMARY:Kept\r\nTRANSP:OPAQUE\r\nSTATUS:CONFIRMED\r\nDTSTART:20270107T170000Z\r\nDTEND:20270107T180000Z\r\n",
            "UID:d\r\nSUMMARY:Instant\r\nDTSTART:20270108T170000Z\r\n"))
        #expect(e.map(\.summary) == ["Kept"])
    }

    @Test func allDayEventsTakeWholeDaysInThePlansZone() throws {
        let e = try Self.read(Self.calendar(
            "UID:a\r\nSUMMARY:Offsite\r\nDTSTART;VALUE=DATE:20270108\r\nDTEND;VALUE=DATE:20270110\r\n",
            "UID:b\r\nSUMMARY:Holiday\r\nDTSTART;VALUE=DATE:20270112\r\n"))
        #expect(e == [BusyEvent(start: at(1, 8, 0), end: at(1, 10, 0), summary: "Offsite"),
                      BusyEvent(start: at(1, 12, 0), end: at(1, 13, 0), summary: "Holiday")])
    }

    @Test func recurringEventsAreExpandedWithExceptionsAndOverrides() throws {
        let e = try Self.read(Self.calendar(
            // Every Thursday 18:00–18:15 Berlin time from Jan 7, four times, without Jan 14, and Jan 21 moved to 19:00.
            "UID:sync\r\nSUMMARY:Thursday sync\r\nDTSTART;TZID=Europe/Berlin:20270107T180000\r\nDTEND;TZID=Europe/Berlin:20270107T181500\r\n"
                + "RRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE;TZID=Europe/Berlin:20270114T180000\r\n",
            "UID:sync\r\nRECURRENCE-ID;TZID=Europe/Berlin:20270121T180000\r\nSUMMARY:Thursday sync (moved)\r\n"
                + "DTSTART;TZID=Europe/Berlin:20270121T190000\r\nDTEND;TZID=Europe/Berlin:20270121T191500\r\n",
            // Jan 28's instance cancelled on its own.
            "UID:sync\r\nRECURRENCE-ID;TZID=Europe/Berlin:20270128T180000\r\nSTATUS:CANCELLED\r\n"
                + "DTSTART;TZID=Europe/Berlin:20270128T180000\r\nDTEND;TZID=Europe/Berlin:20270128T181500\r\n"))
        #expect(e.map(\.start) == [at(1, 7, 18), at(1, 21, 19)])
        #expect(e.map(\.summary) == ["Thursday sync", "Thursday sync (moved)"])
    }

    @Test func aWeeklyMeetingKeepsItsWallClockAcrossDST() throws {
        // Monday 18:00 Berlin; summer time from March 28.
        let e = try Self.read(Self.calendar(
            "UID:m\r\nSUMMARY:Choir\r\nDTSTART;TZID=Europe/Berlin:20270322T180000\r\nDTEND;TZID=Europe/Berlin:20270322T190000\r\nRRULE:FREQ=WEEKLY;COUNT=2\r\n"))
        #expect(e.map(\.start) == [at(3, 22, 18), at(3, 29, 18)])
        #expect(e[1].start.timeIntervalSince(e[0].start) == 7 * 86400 - 3600)
    }

    @Test func expansionStaysInThePlansWindow() throws {
        // Daily since 2010 without end: only the window's days come back.
        let e = try Self.read(Self.calendar(
            "UID:d\r\nSUMMARY:Daily\r\nDTSTART:20100101T170000Z\r\nDTEND:20100101T171500Z\r\nRRULE:FREQ=DAILY\r\n"))
        let w = Self.window
        #expect(e.allSatisfy { $0.end > w.from && $0.start < w.until })
        #expect(e.count == Int((w.until.timeIntervalSince(w.from) / 86400).rounded()))
    }

    @Test func summariesAreOneShortLine() throws {
        let long = String(repeating: "x", count: 200)
        let e = try Self.read(Self.calendar(
            "UID:a\r\nSUMMARY:Board\\nmeeting \u{1B}[31m\r\nDTSTART:20270105T170000Z\r\nDTEND:20270105T180000Z\r\n",
            "UID:b\r\nSUMMARY:\(long)\r\nDTSTART:20270106T170000Z\r\nDTEND:20270106T180000Z\r\n"))
        #expect(e[0].summary == "Board meeting [31m")
        #expect(e[1].summary.count == BusyCalendar.maxSummary && e[1].summary.hasSuffix("…"))
    }

    @Test(arguments: [
        ("hello", "not iCalendar"),
        ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20270105T170000Z\r\n", "incomplete"),
        (BusyCalendarTests.calendar("UID:a\r\nSUMMARY:No start\r\nDTEND:20270105T170000Z\r\n"), "no DTSTART"),
        (BusyCalendarTests.calendar("UID:a\r\nDTSTART;TZID=Mars/Olympus:20270105T170000\r\nDTEND;TZID=Mars/Olympus:20270105T180000\r\n"), "unknown time zone"),
    ])
    func brokenFilesAreRefusedWithTheReason(text: String, reason: String) {
        #expect {
            _ = try Self.read(text)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test func recurrencesThatNeverReachTheWindowAreBounded() throws {
        // Minutely since 2010: millions of steps before the window. The file is refused
        // once the steps run out; nothing expands without bound.
        let minutely = (0..<3).map {
            "UID:m\($0)\r\nSUMMARY:Tick\r\nDTSTART:20100101T000000Z\r\nDTEND:20100101T000030Z\r\nRRULE:FREQ=MINUTELY\r\n"
        }
        let started = Date()
        #expect {
            _ = try Self.read(Self.calendar(minutely[0], minutely[1], minutely[2]))
        } throws: { error in
            "\(error)".contains("steps to expand")
        }
        print("\(BusyCalendar.maxSteps) recurrence steps refused after \(Int(Date().timeIntervalSince(started) * 1000)) ms")
        // A hundred weekly meetings since 2000 are fine.
        let weekly = (0..<100).map {
            "UID:w\($0)\r\nSUMMARY:Weekly\r\nDTSTART:20000103T08\(String(format: "%02d", $0 % 60))00Z\r\nDURATION:PT30S\r\nRRULE:FREQ=WEEKLY\r\n"
        }
        let e = try BusyCalendar.read("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
                                          + weekly.map { "BEGIN:VEVENT\r\nDTSTAMP:20270101T000000Z\r\n\($0)END:VEVENT\r\n" }.joined()
                                          + "END:VCALENDAR\r\n", zone: Self.berlin, from: Self.window.from, until: Self.window.until)
        #expect(e.count == 100 * 73) // the window, 20 weeks and a year and a day, holds 73 Mondays
    }

    /// Issue 23, finding 8: one unfolded 15 MiB line took libical 21 s (it appends to a
    /// line as it reads it). A line past 64 KiB is refused before libical sees it.
    @Test func anOverlongLineIsRefusedBeforeLibicalReadsIt() {
        let long = "UID:l\r\nSUMMARY:Long\r\nDTSTART:20270105T170000Z\r\nDTEND:20270105T180000Z\r\nDESCRIPTION:"
            + String(repeating: "x", count: 15 << 20) + "\r\n"
        #expect {
            _ = try Self.read(Self.calendar(long))
        } throws: { error in
            "\(error)".contains("line 10 is longer than 64 KiB")
        }
        // Folded, the same text is fine.
        let folded = "UID:l\r\nSUMMARY:Long\r\nDTSTART:20270105T170000Z\r\nDTEND:20270105T180000Z\r\nDESCRIPTION:"
            + Array(repeating: String(repeating: "x", count: 70), count: 2000).joined(separator: "\r\n ") + "\r\n"
        #expect((try? Self.read(Self.calendar(folded)))?.count == 1)
    }

    @Test func aRecurringMeetingMovesEverySlotItCoversAndATransparentOneNone() throws {
        // Tuesdays 17:30–18:10 for three weeks; Wednesdays' "Focus" is transparent.
        let busy = try Self.read(Self.calendar(
            "UID:r\r\nSUMMARY:Retro\r\nDTSTART;TZID=Europe/Berlin:20270105T173000\r\nDTEND;TZID=Europe/Berlin:20270105T181000\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\n",
            "UID:f\r\nSUMMARY:Focus\r\nTRANSP:TRANSPARENT\r\nDTSTART;TZID=Europe/Berlin:20270106T170000\r\nDTEND;TZID=Europe/Berlin:20270106T200000\r\nRRULE:FREQ=WEEKLY\r\n"))
        var input = ScheduleInput(plan: try PlanParser.builtIn(maxTasksPerWeek: 5), settings: Config.ScheduleSettings(), start: Self.start,
                                  zone: Self.berlin, now: at(1, 3, 12))
        input.busy = BusyTimes(busy)
        let s = Scheduler.compute(input)
        for week in 1...4 {
            let tuesday = try #require(s.slot(SlotID(week: week, day: 2)))
            let wednesday = try #require(s.slot(SlotID(week: week, day: 3)))
            #expect(tuesday.start == at(1, 5 + 7 * (week - 1), 18, week <= 3 ? 10 : 0))
            #expect(tuesday.note == (week <= 3 ? "after Retro" : nil))
            #expect(wednesday.start == at(1, 6 + 7 * (week - 1), 18) && wednesday.note == nil)
        }
    }

    /// The fuzz corpus and regressions of `fuzz-busy`, replayed: read or refused, never
    /// outside the window (crash inputs found by `make fuzz` go in fuzz/regressions/busy/).
    @Test func fuzzInputs() throws {
        let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fuzz")
        let files = ["corpus", "regressions"].flatMap { dir in
            (try? FileManager.default.contentsOfDirectory(at: fuzz.appendingPathComponent(dir).appendingPathComponent("busy"),
                                                         includingPropertiesForKeys: nil)) ?? []
        }
        #expect(files.count >= 5)
        var read = 0
        for file in files {
            let text = String(decoding: try Data(contentsOf: file), as: UTF8.self)
            guard let events = try? Self.read(text) else { continue }
            read += 1
            #expect(events.allSatisfy { $0.end > Self.window.from && $0.start < Self.window.until }, "\(file.lastPathComponent)")
        }
        #expect(read >= 5)
    }

    @Test func aMissingFileOrAFIFOSaysSo() throws {
        #expect {
            _ = try BusyCalendar.load(path: "/nonexistent/work.ics", zone: Self.berlin, from: Self.window.from, until: Self.window.until)
        } throws: { error in
            "\(error)" == "cannot open it (No such file or directory)"
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("busy-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(mkfifo(folder + "/work.ics", 0o600) == 0)
        // Every file pgtrack reads goes this way: the vdir's, the plan, zones, TLS keys.
        #expect(Files.read(folder + "/work.ics") == nil)
        #expect(throws: BusyCalendar.ReadError("it is a FIFO, not a regular file")) {
            _ = try BusyCalendar.load(path: folder + "/work.ics", zone: Self.berlin, from: Self.window.from, until: Self.window.until)
        }
        #expect(throws: BusyCalendar.ReadError("it is a directory, not a regular file")) {
            _ = try BusyCalendar.load(path: folder, zone: Self.berlin, from: Self.window.from, until: Self.window.until)
        }
    }
}

extension BusyCalendarTests {
    /// Issue 23, finding 10: an all-day event from the year 1 to 9999 gave up 2,700 slots
    /// while status said "on track". An event over 31 days is no meeting: it is counted, not read.
    @Test func eventsLongerThanAMonthAreCountedNotRead() throws {
        var ignored = 0
        let e = try BusyCalendar.read(Self.calendar(
            "UID:forever\r\nSUMMARY:Forever\r\nDTSTART;VALUE=DATE:00010101\r\nDTEND;VALUE=DATE:99991231\r\n",
            "UID:long\r\nSUMMARY:Long\r\nDTSTART:20270105T000000Z\r\nDTEND:20270301T000000Z\r\n",
            "UID:month\r\nSUMMARY:Month\r\nDTSTART;VALUE=DATE:20270201\r\nDTEND;VALUE=DATE:20270301\r\n"),
            zone: Self.berlin, from: Self.window.from, until: Self.window.until, ignoredLong: &ignored)
        #expect(ignored == 2)
        #expect(e.map(\.summary) == ["Month"])
    }
}

extension BusyCalendarTests {
    /// RDATE adds occurrences to a busy event as RRULE does (the one reader, issue 22).
    @Test func rdatesAddOccurrences() throws {
        let e = try Self.read(Self.calendar(
            "UID:r\r\nSUMMARY:Extra\r\nDTSTART:20270105T170000Z\r\nDTEND:20270105T180000Z\r\nRDATE:20270112T170000Z,20270119T170000Z\r\nEXDATE:20270112T170000Z\r\n"))
        #expect(e.map(\.start) == [Date(timeIntervalSince1970: 1_799_168_400), Date(timeIntervalSince1970: 1_800_378_000)])
    }
}
