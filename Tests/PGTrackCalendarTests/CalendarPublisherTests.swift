import Foundation
import Glibc
import Testing
@testable import PGTrackCalendar
import PGTrackCore
import PGTrackTestSupport

/// The publisher's bookkeeping, kept in memory; counts the saves.
final class MemoryRevisions: RevisionStore {
    var stored: [String: SlotRevision] = [:]
    var saves = 0
    func publishedRevisions() throws -> [String: SlotRevision] { stored }
    func savePublished(_ revisions: [String: SlotRevision]) throws {
        saves += 1
        stored.merge(revisions) { $1 }
    }
}

@Suite struct CalendarPublisherTests {
    static func source(_ input: ScheduleInput) -> CalendarSource {
        CalendarSource(schedule: Scheduler.compute(input), zone: input.zone, settings: Config.CalendarSettings(),
                       start: CalendarFixture.start)
    }

    /// Ticks that change nothing write nothing; a change is written with the next tick.
    @Test func writesOnlyWhenTheScheduleChanged() throws {
        let dir = TemporaryFolder.make("pub")
        let store = MemoryRevisions()
        let publisher = CalendarPublisher(writer: CalendarWriter(feedPath: dir + "/feed.ics", vdirPath: nil), store: store)
        let now = CalendarFixture.created.addingTimeInterval(-86400)
        var input = CalendarFixture.input()
        #expect(try publisher.publish(Self.source(input), now: now))
        var st = stat()
        stat(dir + "/feed.ics", &st)
        let inode = st.st_ino
        #expect(try publisher.publish(Self.source(input), now: now.addingTimeInterval(60)) == false)
        stat(dir + "/feed.ics", &st)
        #expect(st.st_ino == inode)
        input.events = [LedgerEvent(id: 1, time: now, kind: .skip, slot: SlotID(week: 2, day: 1))]
        #expect(try publisher.publish(Self.source(input), now: now.addingTimeInterval(120)))
        let feed = try String(contentsOfFile: dir + "/feed.ics", encoding: .utf8)
        #expect(feed.contains("STATUS:CANCELLED"))
        #expect(store.stored["w02d1"]?.sequence == 1)
    }

    /// The read-only export shows the sequence numbers a publish would give, and
    /// records nothing: the next real publish still counts the change once.
    @Test func exportWithoutRecordingWritesNothing() throws {
        let dir = TemporaryFolder.make("pub")
        let store = MemoryRevisions()
        let publisher = CalendarPublisher(writer: CalendarWriter(feedPath: dir + "/feed.ics", vdirPath: nil), store: store)
        let now = CalendarFixture.created.addingTimeInterval(-86400)
        var input = CalendarFixture.input()
        try publisher.publish(Self.source(input), now: now)
        let savesAfterPublish = store.saves
        input.events = [LedgerEvent(id: 1, time: now, kind: .skip, slot: SlotID(week: 2, day: 1))]
        let preview = try publisher.export(Self.source(input), now: now.addingTimeInterval(60), record: false)
        #expect(preview.revisions["w02d1"]?.sequence == 1)
        #expect(store.saves == savesAfterPublish)
        #expect(store.stored["w02d1"]?.sequence == 0)
        #expect(try String(contentsOfFile: dir + "/feed.ics", encoding: .utf8).contains("STATUS:CANCELLED") == false)
        try publisher.publish(Self.source(input), now: now.addingTimeInterval(120))
        #expect(store.stored["w02d1"]?.sequence == 1)
    }
}
