import Foundation
import Glibc
import Testing
@testable import PGTrackCalendar
import PGTrackCore
import PGTrackStore

@Suite struct CalendarPublisherTests {
    /// Ticks that change nothing write nothing; a change is written with the next tick.
    @Test func writesOnlyWhenTheScheduleChanged() throws {
        let dir = NSTemporaryDirectory() + "pgtrack-pub-" + UUID().uuidString
        var config = Config()
        config.plan.start = CalendarFixture.start
        config.schedule.timezone = "Europe/Berlin"
        let ledger = try Ledger(path: dir + "/state.sqlite")
        let now = CalendarFixture.created.addingTimeInterval(-86400)
        let tracker = try Tracker(config: config, ledger: ledger, now: now)
        let publisher = CalendarPublisher(writer: CalendarWriter(feedPath: dir + "/feed.ics", vdirPath: nil), ledger: ledger)
        #expect(try publisher.publish(tracker, now: now))
        var st = stat()
        stat(dir + "/feed.ics", &st)
        let inode = st.st_ino
        #expect(try publisher.publish(tracker, now: now.addingTimeInterval(60)) == false)
        stat(dir + "/feed.ics", &st)
        #expect(st.st_ino == inode)
        try tracker.apply(.skip(SlotID(week: 2, day: 1), reason: nil), now: now)
        #expect(try publisher.publish(tracker, now: now.addingTimeInterval(120)))
        #expect(try String(contentsOfFile: dir + "/feed.ics", encoding: .utf8).contains("STATUS:CANCELLED"))
    }
}
