import CLibical
import Foundation
import Testing
@testable import PGTrackCalendar
import PGTrackCore

@Suite struct CalendarExportTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `ical/postgresql-20-weeks.ics` is the default plan from 2027-01-04 in Europe/Berlin,
    /// byte for byte. `PGTRACK_UPDATE_GOLDEN=1 swift test` rewrites it after a deliberate change.
    @Test func goldenExportIsExact() throws {
        let feed = CalendarFixture.export(CalendarFixture.input()).feed()
        let path = Self.root.appendingPathComponent("ical/postgresql-20-weeks.ics").path
        if ProcessInfo.processInfo.environment["PGTRACK_UPDATE_GOLDEN"] == "1" {
            try Data(feed.utf8).write(to: URL(fileURLWithPath: path))
        }
        let golden = try String(contentsOfFile: path, encoding: .utf8)
        #expect(feed == golden)
    }

    @Test func roundTripThroughLibicalMatchesTheSchedule() throws {
        for zoneName in ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "UTC"] {
            let zone = try #require(Zone(identifier: zoneName))
            let input = CalendarFixture.input(zone: zone)
            let export = CalendarFixture.export(input)
            let parsed = try #require(ICalComponent.parse(export.feed()))
            #expect(parsed.errorCount == 0, "X-LIC-ERROR in \(zoneName)")
            let vtz = try #require(parsed.children(ICAL_VTIMEZONE_COMPONENT).first)
            #expect(String(cString: icalcomponent_get_first_property(vtz.pointer, ICAL_TZID_PROPERTY).map { icalproperty_get_tzid($0) }!) == zone.identifier)
            // Let libical interpret our VTIMEZONE and compare every start with Foundation's.
            let tz = try #require(icaltimezone_new())
            defer { icaltimezone_free(tz, 1) }
            #expect(icaltimezone_set_component(tz, icalcomponent_new_clone(vtz.pointer)) == 1)
            let events = parsed.children(ICAL_VEVENT_COMPONENT)
            let slots = Scheduler.compute(input).slots
            #expect(events.count == slots.count)
            for (event, slot) in zip(events, slots) {
                #expect(event.uid == "\(slot.id)-20270104@pgtrack")
                let start = event.dtstart
                let utc = icaltime_as_timet_with_zone(start, tz)
                #expect(Double(utc) == slot.start.timeIntervalSince1970, "\(slot.id) in \(zoneName)")
                #expect(event.summary?.hasPrefix("PostgreSQL · W\(slot.week) · ") == true)
            }
        }
    }

    @Test func propertiesOfTheFeed() throws {
        let feed = CalendarFixture.export(CalendarFixture.input()).feed()
        #expect(!feed.contains("METHOD"))
        #expect(!feed.contains("freeassociation"))
        #expect(feed.contains("REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"))
        #expect(feed.contains("X-PUBLISHED-TTL:PT1H\r\n"))
        #expect(feed.contains("COLOR:#336791\r\n"))
        #expect(feed.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"))
        #expect(feed.contains("RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n"))
        #expect(feed.contains("DTSTART;TZID=Europe/Berlin:20270329T180000\r\n"), "after the DST change, still 18:00")
        #expect(feed.contains("SUMMARY:PostgreSQL · W3 · Create GIN\\, composite\\, and partial indexes\r\n"))
        #expect(feed.contains("TRIGGER:-PT10M\r\n"))
        #expect(feed.components(separatedBy: "BEGIN:VEVENT").count - 1 == 100)
        #expect(feed.components(separatedBy: "STATUS:TENTATIVE").count - 1 == 10, "the catch-up slots")
    }

    @Test func skippedSlotsAreCancelledOrDropped() throws {
        let input = try apply([.skip(SlotID(week: 1, day: 3), reason: "dentist")], CalendarFixture.input())
        let kept = CalendarFixture.export(input).feed()
        #expect(kept.contains("STATUS:CANCELLED"))
        #expect(kept.contains("(skipped)"))
        var settings = Config.CalendarSettings()
        settings.cancelled = .drop
        let dropped = CalendarFixture.export(input, settings: settings).feed()
        #expect(!dropped.contains("w01d3-20270104@pgtrack"))
        #expect(dropped.components(separatedBy: "BEGIN:VEVENT").count - 1 == 99)
    }

    @Test func doneSlotsSaySoAndHaveNoAlarm() throws {
        let input = try apply([.complete(SlotID(week: 1, day: 1))], CalendarFixture.input())
        let export = CalendarFixture.export(input)
        let text = (export.vdirFiles()["w01d1-20270104@pgtrack.ics"] ?? "").replacingOccurrences(of: "\r\n ", with: "")
        #expect(text.contains("(done)"))
        #expect(text.contains("task 1.1 · done"))
        #expect(!text.contains("VALARM"))
    }

    /// Issue 26: the user's note and the minutes spent are in the slot's DESCRIPTION,
    /// escaped as RFC 5545 TEXT (libical writes `\n`, `\,`, `\;`, `\\`) and read back whole.
    @Test func notesAndMinutesAreInTheDescription() throws {
        let note = "MVCC, at last; see \\docs\nnext: <b>ch. 3</b>"
        let input = try apply([.complete(SlotID(week: 1, day: 1), note: note, minutes: 45), .note(SlotID(week: 1, day: 3), text: "plan: read")],
                              CalendarFixture.input())
        let export = CalendarFixture.export(input)
        let file = try #require(export.vdirFiles()["w01d1-20270104@pgtrack.ics"]).replacingOccurrences(of: "\r\n ", with: "")
        #expect(file.contains("Done in 45 min (30 planned).\\nNote: MVCC\\, at last\\; see \\\\docs\\nnext: <b>ch. 3</b>\\nSlot w01d1"))
        for text in [export.feed(), file] {
            let parsed = try #require(ICalComponent.parse(text))
            #expect(parsed.errorCount == 0)
            let event = try #require(parsed.children(ICAL_VEVENT_COMPONENT).first { $0.uid == "w01d1-20270104@pgtrack" })
            let description = try #require(icalcomponent_get_description(event.pointer).map { String(cString: $0) })
            #expect(description.contains("\nNote: \(note)\nSlot w01d1"))
        }
        #expect(export.feed().replacingOccurrences(of: "\r\n ", with: "").contains("scheduled\\nNote: plan: read\\n"))
        // The note changes the event's content, so its SEQUENCE follows.
        #expect(export.digests()["w01d1"] != CalendarFixture.export(try apply([.complete(SlotID(week: 1, day: 1))], CalendarFixture.input())).digests()["w01d1"])
    }

    /// After a skip, the slots whose content changed get SEQUENCE+1 and a new
    /// LAST-MODIFIED; every other slot's bytes stay as they were.
    @Test func skipRaisesSequenceOfAffectedSlotsOnly() throws {
        let base = CalendarFixture.input()
        let first = CalendarFixture.export(base)
        let t0 = CalendarFixture.created
        let revisions0 = SlotRevision.revise([:], digests: first.digests(), now: t0)
        let skipped = try apply([.skip(SlotID(week: 12, day: 2), reason: nil)], base)
        var second = CalendarFixture.export(skipped, revisions: revisions0)
        let t1 = t0.addingTimeInterval(3600)
        let changed = SlotRevision.revise(revisions0, digests: second.digests(), now: t1)
        // w12d2 is cancelled; its task and the later ones of weeks 12-13 slide up to w13d4.
        #expect(changed.keys.sorted() == ["w12d2", "w12d3", "w12d4", "w12d5", "w13d1", "w13d2", "w13d3", "w13d4"])
        #expect(changed.values.allSatisfy { $0.sequence == 1 && $0.modified == t1 })
        second.revisions = revisions0.merging(changed) { $1 }
        let before = CalendarFixture.export(base, revisions: revisions0).vdirFiles()
        let after = second.vdirFiles()
        for (file, text) in after {
            let slot = String(file.prefix(5))
            if changed[slot] != nil {
                #expect(text.contains("SEQUENCE:1\r\n"))
                #expect(text.contains("LAST-MODIFIED:19700101T010000Z\r\n") == false)
                #expect(text != before[file])
            } else {
                #expect(text == before[file], "\(slot) must not change")
            }
        }
    }
    /// Two changes within one second: LAST-MODIFIED still rises (ICSx5 updates an event only
    /// when it did), by a second.
    @Test func lastModifiedRisesWithinTheSameSecond() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000.2)
        let first = SlotRevision.revise([:], digests: ["w01d1": "a"], now: t0)
        let second = SlotRevision.revise(first, digests: ["w01d1": "b"], now: t0.addingTimeInterval(0.3))
        #expect(second["w01d1"]?.sequence == 1)
        #expect(second["w01d1"]?.modified == Date(timeIntervalSince1970: 1_800_000_001))
        let later = SlotRevision.revise(second, digests: ["w01d1": "c"], now: Date(timeIntervalSince1970: 1_800_000_100.7))
        #expect(later["w01d1"]?.modified == Date(timeIntervalSince1970: 1_800_000_100))
    }


    @Test(arguments: [
        "Semi;colon, comma \\ backslash",
        "Line one\nLine two",
        "Emoji 🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘🐘 in a long title that must fold",
        "漢字のタイトルはとても長いのでこの行は七十五オクテットを超えて折り返されなければならない",
        "Mixed 🐘 café ñ 日本 " + String(repeating: "é", count: 80),
    ])
    func escapingAndFolding(title: String) throws {
        let text = "# T\n## S\n### Week 1\n- [ ] \(title.replacingOccurrences(of: "\n", with: " "))\n"
        let plan = try PlanParser.parse(text, file: "t.md", maxTasksPerWeek: 5)
        var description = Config.CalendarSettings()
        description.name = title
        let export = CalendarFixture.export(CalendarFixture.input(plan: plan), settings: description)
        let feed = export.feed()
        // CRLF only; no physical line over 75 octets; every line valid UTF-8 on its own.
        let bytes = Array(feed.utf8)
        var lines: [[UInt8]] = [[]]
        var i = 0
        while i < bytes.count {
            if bytes[i] == 13, i + 1 < bytes.count, bytes[i + 1] == 10 { lines.append([]); i += 2; continue }
            #expect(bytes[i] != 10, "bare LF")
            lines[lines.count - 1].append(bytes[i])
            i += 1
        }
        for line in lines {
            #expect(line.count <= 75)
            #expect(String(validating: line, as: UTF8.self) != nil, "a fold split a UTF-8 character")
        }
        // libical reads back exactly what was written.
        let parsed = try #require(ICalComponent.parse(feed))
        #expect(parsed.errorCount == 0)
        let event = try #require(parsed.children(ICAL_VEVENT_COMPONENT).first)
        #expect(event.summary == "T · W1 · " + Markdown.plain(title.replacingOccurrences(of: "\n", with: " ")))
        let name = try #require(parsed.children(ICAL_ANY_COMPONENT).isEmpty ? nil : Optional(parsed))
        let prop = try #require(icalcomponent_get_first_property(name.pointer, ICAL_NAME_PROPERTY))
        #expect(String(cString: icalproperty_get_name(prop)) == title)
    }

    func apply(_ changes: [Change], _ input: ScheduleInput) throws -> ScheduleInput {
        var input = input
        for change in changes {
            var e = try input.event(for: change)
            e.id = Int64(input.events.count + 1)
            input.events.append(e)
        }
        return input
    }
}

extension CalendarExportTests {
    /// Once every task is done, the spare catch-up slots after the last done leave the feed
    /// and the vdir (issue 24; DECISIONS says why); before that, every slot is there.
    @Test func aFinishedPlanDropsItsSpareSlotsAfterTheFinish() throws {
        var input = CalendarFixture.input()
        let open = CalendarFixture.export(input)
        #expect(open.publishedSlots.count == open.schedule.slots.count)
        // Every task done in its own slot, one change at a time as the daemon applies them.
        for slot in Scheduler.compute(input).slots where slot.task != nil {
            var event = try input.event(for: .complete(slot.id))
            event.id = Int64(input.events.count + 1)
            input.events.append(event)
        }
        let finished = CalendarFixture.export(input)
        // The plan is finished at its last done (here, all marked the day before the start).
        let finishedAt = try #require(finished.schedule.slots.compactMap(\.doneAt).max())
        let spare = finished.schedule.slots.filter { $0.state == .catchUp && $0.start > finishedAt }
        #expect(!spare.isEmpty)
        #expect(finished.publishedSlots.count == finished.schedule.slots.count - spare.count)
        #expect(finished.feed().components(separatedBy: "BEGIN:VEVENT").count - 1 == finished.publishedSlots.count)
        #expect(Set(finished.vdirFiles().keys).isDisjoint(with: spare.map { finished.uid($0) + ".ics" }))
    }
}
