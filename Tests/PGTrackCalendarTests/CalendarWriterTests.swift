import Foundation
import Glibc
import Testing
@testable import PGTrackCalendar
import PGTrackCore

@Suite struct CalendarWriterTests {
    func tempDir() -> String {
        let dir = NSTemporaryDirectory() + "pgtrack-cal-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func inode(_ path: String) -> UInt64 {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_ino) : 0
    }

    @Test func writesOnlyWhenContentChanges() throws {
        let dir = tempDir()
        let path = dir + "/sub/pgtrack.ics"
        let writer = CalendarWriter(feedPath: path, vdirPath: nil)
        #expect(try writer.writeFeed("A\r\n"))
        let first = inode(path)
        #expect(try writer.writeFeed("A\r\n") == false)
        #expect(inode(path) == first, "unchanged content is not rewritten")
        #expect(try writer.writeFeed("B\r\n"))
        #expect(inode(path) != first, "a change replaces the file by rename")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "B\r\n")
        // A new writer reads what is on disk and does not rewrite it either.
        let again = CalendarWriter(feedPath: path, vdirPath: nil)
        #expect(try again.writeFeed("B\r\n") == false)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir + "/sub")
        #expect(leftovers == ["pgtrack.ics"], "no temporary files left behind")
        var st = stat()
        stat(path, &st)
        #expect(st.st_mode & 0o777 == 0o644)
    }

    @Test func readOnlyFolderFailsWithoutTouchingTheFile() throws {
        guard getuid() != 0 else { return } // root ignores permissions; the daemon test covers this case
        let dir = tempDir()
        let path = dir + "/pgtrack.ics"
        let writer = CalendarWriter(feedPath: path, vdirPath: nil)
        try writer.writeFeed("A")
        chmod(dir, 0o500)
        defer { chmod(dir, 0o700) }
        #expect(throws: CalendarWriteError.self) { try writer.writeFeed("B") }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "A")
    }

    @Test func vdirIsSyncedAndStaleFilesRemoved() throws {
        let dir = tempDir()
        let vdir = dir + "/vdir"
        try FileManager.default.createDirectory(atPath: vdir, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: vdir + "/someone-else.ics", contents: Data("x".utf8))
        let writer = CalendarWriter(feedPath: dir + "/f.ics", vdirPath: vdir)
        var r = try writer.syncVdir(["a@pgtrack.ics": "A", "b@pgtrack.ics": "B"], name: "Plan", color: "#336791")
        #expect(r.written == 2 && r.removed == 0)
        r = try writer.syncVdir(["a@pgtrack.ics": "A2"], name: "Plan", color: "#336791")
        #expect(r.written == 1 && r.removed == 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: vdir).sorted()
        #expect(files == ["a@pgtrack.ics", "color", "displayname", "someone-else.ics"])
        #expect(try String(contentsOfFile: vdir + "/displayname", encoding: .utf8) == "Plan")
        // A restarted writer finds its stale files on disk too.
        let fresh = CalendarWriter(feedPath: dir + "/f.ics", vdirPath: vdir)
        r = try fresh.syncVdir([:], name: "Plan", color: "#336791")
        #expect(r.removed == 1)
    }

    @Test func holidaysFromAllDayEvents() throws {
        let dir = tempDir()
        let path = dir + "/holidays.ics"
        let ics = """
        BEGIN:VCALENDAR\r
        VERSION:2.0\r
        PRODID:test\r
        BEGIN:VEVENT\r
        UID:1\r
        DTSTART;VALUE=DATE:20270106\r
        SUMMARY:Epiphany\r
        END:VEVENT\r
        BEGIN:VEVENT\r
        UID:2\r
        DTSTART;VALUE=DATE:20261224\r
        DTEND;VALUE=DATE:20261227\r
        RRULE:FREQ=YEARLY\r
        SUMMARY:Christmas\r
        END:VEVENT\r
        BEGIN:VEVENT\r
        UID:3\r
        DTSTART:20270108T100000Z\r
        SUMMARY:A meeting, not a holiday\r
        END:VEVENT\r
        END:VCALENDAR\r

        """
        try ics.write(toFile: path, atomically: true, encoding: .utf8)
        let dates = try Holidays.load(path: path, until: LocalDate(year: 2027, month: 12, day: 31))
        let expected: Set<LocalDate> = [LocalDate(year: 2027, month: 1, day: 6),
                                        LocalDate(year: 2026, month: 12, day: 24), LocalDate(year: 2026, month: 12, day: 25),
                                        LocalDate(year: 2026, month: 12, day: 26), LocalDate(year: 2027, month: 12, day: 24),
                                        LocalDate(year: 2027, month: 12, day: 25), LocalDate(year: 2027, month: 12, day: 26)]
        #expect(dates == expected)
    }

    /// A file that is one VEVENT, not wrapped in a VCALENDAR, still gives its days.
    @Test func aSingleEventHolidaysFile() throws {
        let path = tempDir() + "/one.ics"
        try "BEGIN:VEVENT\r\nUID:x\r\nDTSTART;VALUE=DATE:20270325\r\nDTEND;VALUE=DATE:20270327\r\nSUMMARY:Trip\r\nEND:VEVENT\r\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try Holidays.load(path: path, until: LocalDate(year: 2027, month: 12, day: 31))
                == [LocalDate(year: 2027, month: 3, day: 25), LocalDate(year: 2027, month: 3, day: 26)])
    }

    @Test func holidaysFileErrorsNameTheFileAndKey() throws {
        let path = tempDir() + "/nope.ics"
        #expect(throws: ConfigError(file: path, line: 0, key: "schedule.holidays", message: "cannot read the holidays file")) {
            try Holidays.load(path: path, until: LocalDate(year: 2027, month: 1, day: 1))
        }
    }
}
