import Foundation
import Testing
@testable import PGTrackStore
import GRDB
import PGTrackCore

@Suite struct LedgerTests {
    @Test func eventsSurviveClosingAndReopening() throws {
        let dir = Fixture.temporaryDirectory()
        let path = dir + "/state/pgtrack.sqlite"
        let t = Date(timeIntervalSince1970: 1_800_000_000.25)
        do {
            let ledger = try Ledger(path: path)
            let a = try ledger.append(LedgerEvent(time: t, kind: .skip, slot: SlotID(week: 1, day: 3), text: "ill; \"really\""))
            #expect(a.id == 1)
            try ledger.append(LedgerEvent(time: t, kind: .done, slot: SlotID(week: 1, day: 1), task: TaskID(week: 1, index: 1)))
            try ledger.append(LedgerEvent(time: t, kind: .reschedule, slot: SlotID(week: 2, day: 1), at: t.addingTimeInterval(3600)))
            try ledger.append(LedgerEvent(time: t, kind: .undo, slot: SlotID(week: 2, day: 1), target: 3))
        }
        let reopened = try Ledger(path: path)
        let events = try reopened.events()
        #expect(events.map(\.kind) == [.skip, .done, .reschedule, .undo])
        #expect(events.map(\.id) == [1, 2, 3, 4])
        #expect(events[0].text == "ill; \"really\"")
        #expect(events[0].time == t)
        #expect(events[1].task == TaskID(week: 1, index: 1))
        #expect(events[2].at == t.addingTimeInterval(3600))
        #expect(events[3].target == 3)
        #expect(try reopened.integrityCheck() == "ok")
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/state")
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
    }

    /// Issue 23, finding 9: the database, -wal and -shm were 0644 under the usual umask,
    /// and an existing 0755 folder was left so: skip and pause reasons readable by all.
    @Test func theLedgerIsPrivateWhateverTheUmask() throws {
        let dir = Fixture.temporaryDirectory()
        let folder = dir + "/state"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let path = folder + "/pgtrack.sqlite"
        func mode(_ p: String) throws -> Int { try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as! Int }
        let old = umask(0o022)
        defer { umask(old) }
        do {
            let ledger = try Ledger(path: path)
            try ledger.append(LedgerEvent(time: Date(), kind: .skip, slot: SlotID(week: 1, day: 3), text: "private"))
            #expect(try mode(folder) == 0o700)
            for file in [path, path + "-wal", path + "-shm"] { #expect(try mode(file) == 0o600, "\(file)") }
        }
        // An existing ledger left world-readable by an older pgtrack is tightened at open.
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) { chmod(file, 0o644) }
        chmod(folder, 0o755)
        _ = try Ledger(path: path)
        #expect(try mode(folder) == 0o700)
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) { #expect(try mode(file) == 0o600) }
    }

    @Test func corruptFileIsReportedNotReplaced() throws {
        let dir = Fixture.temporaryDirectory()
        let path = dir + "/pgtrack.sqlite"
        let garbage = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        try garbage.write(to: URL(fileURLWithPath: path))
        #expect {
            try Ledger(path: path)
        } throws: { error in
            "\(error)".contains("cannot open the state database") && "\(error)".contains("left untouched")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }

    @Test func theEngineRecordsTheStartDateOnceInTheLedger() throws {
        let dir = Fixture.temporaryDirectory()
        let path = dir + "/pgtrack.sqlite"
        let tuesday = Fixture.berlin.instant(LocalDate(year: 2026, month: 11, day: 24), TimeOfDay(hour: 9, minute: 0))
        var config = Config()
        config.schedule.timezone = "Europe/Berlin"
        let first = try Fixture.engine(config: config, path: path, now: tuesday)
        #expect(first.startDate == LocalDate(year: 2026, month: 11, day: 30))
        // A week later the same ledger keeps the first choice.
        let again = try Fixture.engine(config: config, path: path, now: tuesday.addingTimeInterval(7 * 86400))
        #expect(again.startDate == LocalDate(year: 2026, month: 11, day: 30))
        #expect(again.events.filter { $0.kind == .start }.count == 1)
    }

    @Test func theEngineRecordsChangesInTheLedger() throws {
        let (tracker, path) = try Fixture.engine()
        try tracker.apply(.skip(SlotID(week: 1, day: 2), reason: nil), now: Fixture.beforeStart)
        #expect(throws: ScheduleError.skipped(SlotID(week: 1, day: 2))) {
            try tracker.apply(.skip(SlotID(week: 1, day: 2), reason: nil), now: Fixture.beforeStart)
        }
        let fresh = try Fixture.engine(config: Fixture.config, path: path, now: Fixture.beforeStart)
        #expect(fresh.schedule(now: Fixture.beforeStart) == tracker.schedule(now: Fixture.beforeStart))
        #expect(fresh.schedule(now: Fixture.beforeStart).slot(SlotID(week: 1, day: 3))?.task == TaskID(week: 1, index: 2))
    }
}

@Suite struct EngineCacheTests {
    /// The cached schedule is always the one computed afresh, across changes and across
    /// the instants at which slots turn missed.
    @Test func cachedScheduleEqualsAFreshOne() throws {
        let (tracker, _) = try Fixture.engine()
        let monday = Fixture.berlin.instant(Fixture.start, TimeOfDay(hour: 18, minute: 0))
        var times: [Date] = []
        for minutes in stride(from: -60, through: 60 * 30, by: 7) { times.append(monday.addingTimeInterval(Double(minutes * 60))) }
        for (i, t) in times.enumerated() {
            if i == 40 { try tracker.apply(.skip(SlotID(week: 1, day: 3), reason: nil), now: t) }
            let cached = tracker.schedule(now: t)
            #expect(cached == Scheduler.compute(tracker.input(now: t)), "at \(t)")
        }
        // w01d1 ends 18:30, turns missed after 20:30: both sides are right.
        #expect(tracker.schedule(now: monday.addingTimeInterval(2.5 * 3600 - 1)).slot(SlotID(week: 1, day: 1))?.state == .scheduled)
        #expect(tracker.schedule(now: monday.addingTimeInterval(2.5 * 3600 + 1)).slot(SlotID(week: 1, day: 1))?.state == .missed)
    }
}

/// Issue 26: the ledger gained a `minutes` column (v5) and the `started` and `note` kinds.
@Suite struct LedgerMigrationTests {
    /// A ledger as pgtrack wrote it before: migrations v1 to v4 exactly as they shipped,
    /// and the events of that time.
    static func oldLedger(at path: String) throws {
        var m = DatabaseMigrator()
        m.registerMigration("v1-events") { db in
            try db.create(table: "event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("time", .double).notNull()
                t.column("kind", .text).notNull()
                t.column("slot", .text)
                t.column("task", .text)
                t.column("at", .double)
                t.column("text", .text)
                t.column("target", .integer)
            }
        }
        m.registerMigration("v2-published") { db in
            try db.create(table: "published") { t in
                t.primaryKey("slot", .text)
                t.column("digest", .text).notNull()
                t.column("sequence", .integer).notNull()
                t.column("modified", .double).notNull()
            }
        }
        m.registerMigration("v3-origin") { db in
            try db.alter(table: "event") { t in t.add(column: "origin", .text) }
        }
        m.registerMigration("v4-pause") { db in
            try db.alter(table: "event") { t in
                t.add(column: "from_date", .text)
                t.add(column: "to_date", .text)
            }
        }
        let queue = try DatabaseQueue(path: path)
        try m.migrate(queue)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO event (time, kind, text) VALUES (1800000000, 'start', '2027-01-04')")
            try db.execute(sql: "INSERT INTO event (time, kind, slot, task, origin) VALUES (1800000100, 'done', 'w01d1', '1.1', 'control')")
            try db.execute(sql: "INSERT INTO event (time, kind, slot, text, origin) VALUES (1800000200, 'skip', 'w01d2', 'ill', 'reminder')")
            try db.execute(sql: "INSERT INTO event (time, kind, text, from_date, to_date) VALUES (1800000300, 'pause', 'away', '2027-01-11', '2027-01-12')")
            try db.execute(sql: "INSERT INTO published (slot, digest, sequence, modified) VALUES ('w01d1', 'abc', 3, 1800000100)")
        }
    }

    @Test func anOldLedgerOpensKeepsItsEventsAndTakesNotes() throws {
        let dir = Fixture.temporaryDirectory()
        let path = dir + "/pgtrack.sqlite"
        try Self.oldLedger(at: path)
        let ledger = try Ledger(path: path)
        let old = try ledger.events()
        #expect(old.map(\.kind) == [.start, .done, .skip, .pause])
        #expect(old[1].task == TaskID(week: 1, index: 1) && old[1].origin == "control" && old[1].minutes == nil && old[1].text == nil)
        #expect(old[2].text == "ill" && old[3].from == LocalDate(year: 2027, month: 1, day: 11))
        #expect(try ledger.publishedRevisions()["w01d1"]?.sequence == 3)
        // New events with the new kinds and the new column.
        let t = Date(timeIntervalSince1970: 1_800_001_000)
        try ledger.append(LedgerEvent(time: t, kind: .started, slot: SlotID(week: 1, day: 3), origin: "control"))
        try ledger.append(LedgerEvent(time: t, kind: .done, slot: SlotID(week: 1, day: 3), task: TaskID(week: 1, index: 2),
                                      text: "line 1\nline 2; ,\\", origin: "control", minutes: 42))
        try ledger.append(LedgerEvent(time: t, kind: .note, slot: SlotID(week: 1, day: 4), text: "🙂 <b>"))
        try ledger.append(LedgerEvent(time: t, kind: .note, slot: SlotID(week: 1, day: 4)))
        let reopened = try Ledger(path: path).events()
        #expect(Array(reopened.prefix(4)) == old)
        #expect(reopened.dropFirst(4).map(\.kind) == [.started, .done, .note, .note])
        #expect(reopened[5].minutes == 42 && reopened[5].text == "line 1\nline 2; ,\\")
        #expect(reopened[6].text == "🙂 <b>" && reopened[7].text == nil)
        #expect(try ledger.integrityCheck() == "ok")
        // v6: the task list, one row, replaced with the follows in one transaction.
        #expect(try ledger.taskList() == nil)
        let follow = LedgerEvent(time: t, kind: .follow, slot: SlotID(week: 1, day: 3), task: TaskID(week: 1, index: 3))
        let stored = try ledger.append([follow], taskList: "1.1 a\n1.2 b\n1.3 c")
        #expect(stored.map(\.kind) == [.follow] && stored[0].id != nil)
        try ledger.append([], taskList: "1.1 \u{301}b")
        let again = try Ledger(path: path)
        #expect(try again.taskList() == "1.1 \u{301}b" && (try again.events()).last == stored[0])
        #expect(LedgerEvent.Kind(rawValue: "follow") == .follow)
    }

    /// Through the engine, as the daemon submits them: recorded, read back by a fresh
    /// engine on the same file, and undone.
    @Test func notesAndMinutesSurviveARestartAndUndo() throws {
        let (tracker, path) = try Fixture.engine()
        let w = SlotID(week: 1, day: 1)
        try tracker.apply(.start(w), now: Fixture.beforeStart)
        try tracker.apply(.complete(w, note: "indexes\nand more", minutes: 50), now: Fixture.beforeStart.addingTimeInterval(60))
        try tracker.apply(.note(SlotID(week: 1, day: 2), text: "prepare"), now: Fixture.beforeStart.addingTimeInterval(120))
        let fresh = try Fixture.engine(config: Fixture.config, path: path, now: Fixture.beforeStart)
        let slot = try #require(fresh.schedule(now: Fixture.beforeStart).slot(w))
        #expect(slot.studyNote == "indexes\nand more" && slot.minutesSpent == 50 && slot.startedAt == Fixture.beforeStart)
        #expect(fresh.schedule(now: Fixture.beforeStart).slot(SlotID(week: 1, day: 2))?.studyNote == "prepare")
        let undo = try #require(try fresh.apply(.undo, now: Fixture.beforeStart.addingTimeInterval(180)))
        #expect(fresh.events.first { $0.id == undo.target }?.kind == .note)
        #expect(fresh.schedule(now: Fixture.beforeStart).slot(SlotID(week: 1, day: 2))?.studyNote == nil)
    }
}
