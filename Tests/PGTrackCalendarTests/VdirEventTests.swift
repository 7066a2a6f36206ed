import Foundation
@testable import PGTrackCalendar
import PGTrackCore
import Testing

@Suite struct VdirEventTests {
    typealias F = CalendarFixture

    static func event(_ lines: String) -> String {
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n\(lines)END:VEVENT\r\nEND:VCALENDAR\r\n"
    }

    @Test func readsWhatPgtrackWrote() throws {
        let export = F.export(F.input())
        let slot = try #require(export.schedule.slot(SlotID(week: 2, day: 1)))
        let file = try #require(export.vdirFiles()[export.uid(slot) + ".ics"])
        let e = try VdirEvent.read(file, zone: .current)
        #expect(e == VdirEvent(uid: export.uid(slot), start: slot.start, end: slot.end, cancelled: false, modified: export.fallbackModified))
        #expect(CalendarExport.slot(ofUID: e.uid, start: F.start) == slot.id)
        #expect(CalendarExport.slot(ofUID: e.uid, start: F.start.adding(days: 7)) == nil) // another plan start
        #expect(CalendarExport.slot(ofUID: "w02d1-20270104@elsewhere", start: F.start) == nil)
        // Another plan instance's UID is not this plan's, nor the reverse.
        #expect(CalendarExport.slot(ofUID: "w02d1-20270104-go@pgtrack", start: F.start) == nil)
        #expect(CalendarExport.slot(ofUID: "w02d1-20270104-go@pgtrack", start: F.start, instance: "go") == SlotID(week: 2, day: 1))
        #expect(CalendarExport.slot(ofUID: e.uid, start: F.start, instance: "go") == nil)
        var go = export
        go.instance = "go"
        #expect(go.uid(slot) == "w02d1-20270104-go@pgtrack")
    }

    @Test(arguments: [
        // Berlin is UTC+1 in January: 20:00 there is 19:00 UTC.
        ("DTSTART;TZID=Europe/Berlin:20270111T200000\r\nDTEND;TZID=Europe/Berlin:20270111T203000\r\n", 19 * 3600),
        ("DTSTART;TZID=/freeassociation.sourceforge.net/Europe/Berlin:20270111T200000\r\nDURATION:PT30M\r\n", 19 * 3600),
        ("DTSTART:20270111T200000Z\r\nDTEND:20270111T203000Z\r\n", 20 * 3600),
        // Floating: the plan's zone (here UTC+1).
        ("DTSTART:20270111T200000\r\nDTEND:20270111T203000\r\n", 19 * 3600),
    ])
    func readsTimesInTheirZone(lines: String, utcSeconds: Int) throws {
        let e = try VdirEvent.read(Self.event("UID:w02d1-20270104@pgtrack\r\n" + lines), zone: F.berlin)
        let midnight = Double(LocalDate(year: 2027, month: 1, day: 11).dayNumber * 86400)
        #expect(e.start == Date(timeIntervalSince1970: midnight + Double(utcSeconds)))
        #expect(e.end == e.start.addingTimeInterval(1800))
        #expect(!e.cancelled)
    }

    @Test func aZoneOnlyTheFileDefines() throws {
        let text = """
            BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\n\
            BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n\
            RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\n\
            TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n\
            BEGIN:VEVENT\r\nUID:w02d1-20270104@pgtrack\r\nDTSTART;TZID=W. Europe Standard Time:20270111T200000\r\n\
            DTEND;TZID=W. Europe Standard Time:20270111T203000\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n
            """
        let e = try VdirEvent.read(text, zone: .current)
        #expect(e.start == Date(timeIntervalSince1970: Double(LocalDate(year: 2027, month: 1, day: 11).dayNumber * 86400 + 19 * 3600)))
        #expect(e.cancelled)
    }

    @Test(arguments: [
        ("garbage", "not iCalendar"),
        ("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "no VEVENT"),
        (VdirEventTests.event("DTSTART:20270111T200000Z\r\n"), "no UID"),
        (VdirEventTests.event("UID:x\r\n"), "no DTSTART"),
        (VdirEventTests.event("UID:x\r\nDTSTART;VALUE=DATE:20270111\r\n"), "an all-day event, not a study slot"),
        (VdirEventTests.event("UID:x\r\nDTSTART;TZID=Mars/Olympus:20270111T200000\r\n"), "unknown time zone Mars/Olympus"),
        (VdirEventTests.event("UID:x\r\nDTSTART:20270111T200000Z\r\nDTEND:20270111T190000Z\r\n"), "DTEND before DTSTART"),
    ])
    func refusesWhatIsNotASlot(text: String, message: String) {
        #expect(throws: VdirEvent.ReadError(message)) { try VdirEvent.read(text, zone: F.berlin) }
    }

    @Test func whatAnEditMeans() throws {
        let schedule = Scheduler.compute(F.input())
        let slot = try #require(schedule.slot(SlotID(week: 2, day: 1)))
        let same = VdirEvent(uid: "u", start: slot.start, end: slot.end, cancelled: false)
        #expect(CalendarEdit.decide(same, slot: slot) == .writeBack)
        var moved = same
        moved.start = slot.start.addingTimeInterval(7200)
        moved.end = slot.end.addingTimeInterval(7200)
        #expect(CalendarEdit.decide(moved, slot: slot) == .change(.reschedule(slot.id, to: moved.start)))
        var longer = same
        longer.end = slot.end.addingTimeInterval(3600) // only DTEND: not a move
        #expect(CalendarEdit.decide(longer, slot: slot) == .writeBack)
        var cancelled = moved
        cancelled.cancelled = true // cancelled wins over moved
        #expect(CalendarEdit.decide(cancelled, slot: slot) == .change(.skip(slot.id, reason: "cancelled in the calendar")))
        var skipped = slot
        skipped.state = .skipped
        #expect(CalendarEdit.decide(cancelled, slot: skipped) == .writeBack)
        #expect(CalendarEdit.deleted(slot: slot, policy: .skip) == .change(.skip(slot.id, reason: "cancelled in the calendar")))
        #expect(CalendarEdit.deleted(slot: slot, policy: .restore) == .writeBack)
        #expect(CalendarEdit.deleted(slot: skipped, policy: .skip) == .writeBack)
    }
}
