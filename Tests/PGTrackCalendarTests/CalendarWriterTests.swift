import Foundation
import Glibc
import Testing
@testable import PGTrackCalendar
import PGTrackCore
import PGTrackPlatform
import PGTrackTestSupport

@Suite struct CalendarWriterTests {
    func tempDir() -> String {
        TemporaryFolder.make("cal")
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
        #expect(st.st_mode & 0o777 == 0o600, "private unless calendar.mode says otherwise")
        stat(dir + "/sub", &st)
        #expect(st.st_mode & 0o777 == 0o700, "a folder pgtrack creates is private")
        let shared = CalendarWriter(feedPath: dir + "/shared.ics", vdirPath: nil, mode: 0o644)
        try shared.writeFeed("C")
        stat(dir + "/shared.ics", &st)
        #expect(st.st_mode & 0o777 == 0o644)
    }

    /// A device, FIFO, socket or directory at the feed's path is never replaced: the
    /// write fails naming it, and what is there stays.
    @Test(arguments: ["fifo", "chardev", "socket", "directory", "symlink"])
    func specialFilesAreNeverReplaced(kind: String) throws {
        let dir = tempDir()
        let path = dir + "/feed.ics"
        switch kind {
        case "fifo": #expect(mkfifo(path, 0o600) == 0)
        case "chardev": #expect(mknod(path, S_IFCHR | 0o600, (1 << 8) | 3) == 0 || getuid() != 0) // 1:3, /dev/null's numbers
        case "socket":
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in raw.copyBytes(from: Array(path.utf8) + [0]) }
            _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
            close(fd)
        case "directory": #expect(mkdir(path, 0o700) == 0)
        default: #expect(symlink(dir + "/elsewhere", path) == 0)
        }
        var before = stat()
        guard lstat(path, &before) == 0 else { return } // mknod needs root
        let writer = CalendarWriter(feedPath: path, vdirPath: nil)
        #expect(throws: CalendarWriteError.self) { try writer.writeFeed("BEGIN:VCALENDAR\r\n") }
        var after = stat()
        #expect(lstat(path, &after) == 0)
        #expect(after.st_mode == before.st_mode && after.st_ino == before.st_ino)
        #expect(Files.kind(of: dir + "/elsewhere") == nil, "nothing was written through the link")
    }

    /// `calendar.file = "none"`: no feed file at all.
    @Test func noFeedWritesNothing() throws {
        let writer = CalendarWriter(feedPath: nil, vdirPath: nil)
        #expect(try writer.writeFeed("A") == false)
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
        _ = FileManager.default.createFile(atPath: vdir + "/someone-else.ics", contents: Data("x".utf8))
        let writer = CalendarWriter(feedPath: dir + "/f.ics", vdirPath: vdir)
        let (a, b) = ("w01d1-20270104@pgtrack.ics", "w01d2-20270104@pgtrack.ics")
        var r = try writer.syncVdir([a: "A", b: "B"], name: "Plan", color: "#336791")
        #expect(r.written == 2 && r.removed == 0)
        r = try writer.syncVdir([a: "A2"], name: "Plan", color: "#336791")
        #expect(r.written == 1 && r.removed == 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: vdir).sorted()
        #expect(files == ["color", "displayname", "someone-else.ics", a])
        #expect(try String(contentsOfFile: vdir + "/displayname", encoding: .utf8) == "Plan")
        // A restarted writer finds its stale files on disk too.
        let fresh = CalendarWriter(feedPath: dir + "/f.ics", vdirPath: vdir)
        r = try fresh.syncVdir([:], name: "Plan", color: "#336791")
        #expect(r.removed == 1)
    }

    /// Two plans may share a vdir (issue 23: the first publish of one deleted the other's
    /// files, and the other read that as cancellations): a writer adopts, and so may
    /// remove, only its own instance's slot files — any plan start, since a start changed
    /// while pgtrackd was stopped leaves files that are still its own.
    @Test func aRestartedWriterRemovesOnlyItsOwnInstancesFiles() throws {
        let vdir = tempDir() + "/vdir"
        try FileManager.default.createDirectory(atPath: vdir, withIntermediateDirectories: true)
        let theirs = ["w01d1-20270104-go@pgtrack.ics", "w01d1-20270104-rust@pgtrack.ics", "junk1@pgtrack.ics",
                      "w01d1@pgtrack.ics", "w01d1-2027010@pgtrack.ics", "w01d1-20270104-@pgtrack.ics", "x-w01d1-20270104@pgtrack.ics"]
        let mine = ["w01d1-20270104@pgtrack.ics", "w09d3-20260105@pgtrack.ics"]
        for name in theirs + mine { FileManager.default.createFile(atPath: vdir + "/" + name, contents: Data("x".utf8)) }
        let writer = CalendarWriter(feedPath: nil, vdirPath: vdir)
        let r = try writer.syncVdir([:], name: "Plan", color: "#336791")
        #expect(r.removed == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: vdir).filter { $0.hasSuffix(".ics") }.sorted() == theirs.sorted())
        // The go instance's writer takes its own, and leaves the rest.
        let go = CalendarWriter(feedPath: nil, vdirPath: vdir, instance: "go")
        #expect(try go.syncVdir([:], name: "Go", color: "#336791").removed == 1)
        #expect(!FileManager.default.fileExists(atPath: vdir + "/w01d1-20270104-go@pgtrack.ics"))
        #expect(FileManager.default.fileExists(atPath: vdir + "/w01d1-20270104-rust@pgtrack.ics"))
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
        try ics.write(toFile: path, atomically: false, encoding: .utf8)
        let dates = try Holidays.load(path: path, from: LocalDate(year: 2026, month: 1, day: 1), until: LocalDate(year: 2027, month: 12, day: 31))
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
            .write(toFile: path, atomically: false, encoding: .utf8)
        #expect(try Holidays.load(path: path, from: LocalDate(year: 2027, month: 1, day: 4), until: LocalDate(year: 2027, month: 12, day: 31))
                == [LocalDate(year: 2027, month: 3, day: 25), LocalDate(year: 2027, month: 3, day: 26)])
    }

    /// An all-day event "lasting" until 2999 and repeating daily from 1900: only the
    /// window's days are enumerated, and they are all blackouts.
    @Test func aHolidayBombYieldsTheWindowOnly() throws {
        let path = tempDir() + "/bomb.ics"
        try "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART;VALUE=DATE:19000101\r\nDTEND;VALUE=DATE:29991231\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            .write(toFile: path, atomically: false, encoding: .utf8)
        let from = LocalDate(year: 2027, month: 1, day: 4), until = LocalDate(year: 2028, month: 6, day: 1)
        let dates = try Holidays.load(path: path, from: from, until: until)
        #expect(dates.count == until.dayNumber - from.dayNumber + 1)
        #expect(dates.min() == from && dates.max() == until)
    }

    /// Issue 22: the holidays reader ignored EXDATE, RECURRENCE-ID and STATUS (a weekly
    /// all-day event with an EXDATE still blacked out the excluded day). Holidays are now
    /// read by the busy calendars' reader, ICalEvents, with the same rules.
    @Test func holidaysHonourExceptionsCancellationsAndRdates() throws {
        let path = tempDir() + "/exceptions.ics"
        let event = { (body: String) in "BEGIN:VEVENT\r\nDTSTAMP:20270101T000000Z\r\n\(body)END:VEVENT\r\n" }
        try ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
             + event("UID:w\r\nDTSTART;VALUE=DATE:20270106\r\nDTEND;VALUE=DATE:20270107\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE;VALUE=DATE:20270113\r\n")
             + event("UID:w\r\nRECURRENCE-ID;VALUE=DATE:20270120\r\nDTSTART;VALUE=DATE:20270120\r\nDTEND;VALUE=DATE:20270121\r\nSTATUS:CANCELLED\r\n")
             + event("UID:c\r\nDTSTART;VALUE=DATE:20270301\r\nDTEND;VALUE=DATE:20270302\r\nSTATUS:CANCELLED\r\n")
             + event("UID:r\r\nDTSTART;VALUE=DATE:20270401\r\nDTEND;VALUE=DATE:20270402\r\nRDATE;VALUE=DATE:20270415,20270501\r\nTRANSP:TRANSPARENT\r\n")
             + "END:VCALENDAR\r\n").write(toFile: path, atomically: false, encoding: .utf8)
        let dates = try Holidays.load(path: path, from: LocalDate(year: 2027, month: 1, day: 4), until: LocalDate(year: 2027, month: 12, day: 31))
        #expect(dates == [LocalDate(year: 2027, month: 1, day: 6), LocalDate(year: 2027, month: 1, day: 27),
                          LocalDate(year: 2027, month: 4, day: 1), LocalDate(year: 2027, month: 4, day: 15), LocalDate(year: 2027, month: 5, day: 1)])
    }

    @Test func holidaysFileErrorsNameTheFileAndKey() throws {
        let path = tempDir() + "/nope.ics"
        let from = LocalDate(year: 2026, month: 1, day: 1), until = LocalDate(year: 2027, month: 1, day: 1)
        #expect {
            try Holidays.load(path: path, from: from, until: until)
        } throws: { error in
            guard let e = error as? ConfigError else { return false }
            return e.file == path && e.key == "schedule.holidays" && e.message.hasPrefix("cannot read the holidays file: cannot open it")
        }
        // A FIFO is refused at once, not read (which would wait for a writer forever).
        let fifo = tempDir() + "/fifo.ics"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect {
            try Holidays.load(path: fifo, from: from, until: until)
        } throws: { error in
            (error as? ConfigError)?.message == "cannot read the holidays file: it is a FIFO, not a regular file"
        }
    }
}
