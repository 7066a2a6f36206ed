import Foundation
import PropertyBased
import Testing
@testable import PGTrackCore

/// The figures every surface shows (`Standing`): behind in tasks, the finish, a finished
/// plan, the week line.
@Suite struct StandingTests {
    let z = Fixture.berlin
    func w(_ week: Int, _ day: Int) -> SlotID { SlotID(week: week, day: day) }

    /// Week 8 with three skips and two missed slots: 34 of 90 done, 39 due by Friday noon.
    /// The old figure was how late the oldest open task sat (slots), and the finish said
    /// "on time" beside it.
    func weekEight() throws -> (Schedule, Date) {
        let now = z.instant(LocalDate(year: 2027, month: 2, day: 26), TimeOfDay(hour: 12, minute: 0))
        var input = Fixture.input(now: now)
        let past = Scheduler.compute(input).slots.filter { $0.end < now }.map(\.id)
        #expect(past.count == 39)
        for id in past where ![w(4, 3), w(7, 5)].contains(id) {
            let change: Change = [w(3, 2), w(5, 4), w(6, 1)].contains(id) ? .skip(id, reason: nil) : .complete(id)
            input = try Fixture.apply([change], to: input)
        }
        return (Scheduler.compute(input), now)
    }

    @Test func weekEightIsFiveTasksBehindAndTheCatchUpSlotsAbsorbIt() throws {
        let (s, now) = try weekEight()
        let st = s.standing(at: now, start: Fixture.start, zone: z)
        #expect((st.done, st.due, st.behind, st.week) == (34, 39, 5, 8))
        #expect(st.isAbsorbed && !st.isFinished)
        #expect(st.behindText.hasPrefix("5 tasks behind · the catch-up slots absorb it · finish on time · oldest open: "))
        #expect(st.finishText == "Thu 2027-05-20 projected · Thu 2027-05-20 planned (on time)")
        #expect(st.weekText(today: LocalDate(now, in: z)) == "8 of 20 · started 2027-01-04")
        #expect(s.statusLine(now: now, start: Fixture.start, zone: z) == "Week 8 · next slot today 18:00 (w08d5) · 5 tasks behind")
        #expect(st.projected.map { $0 >= now } == true)
    }

    /// Every task done, the last today: finished, on the day, against the planned finish;
    /// the week stops at the plan's last week; nothing projected, no reminder left.
    @Test func aFinishedPlanSaysSo() throws {
        let start = LocalDate(year: 2026, month: 5, day: 4)
        let now = z.instant(LocalDate(year: 2026, month: 12, day: 4), TimeOfDay(hour: 12, minute: 0))
        var input = Fixture.input(now: now, start: start)
        let original = Scheduler.originalPlacement(input)
        for id in original.values.sorted() { input = try Fixture.apply([.complete(id)], to: input) }
        let s = Scheduler.compute(input)
        let st = s.standing(at: now, start: start, zone: z)
        #expect(st.isFinished && st.done == 90 && st.projected == nil)
        #expect(st.finishText == "Finished Fri 2026-12-04 · 90/90 · 78 days after the planned finish")
        #expect(st.behindHeadline == "finished")
        #expect(st.week == 20, "the week line stops at the plan's last week, not week 31")
        #expect(st.weekText(today: LocalDate(now, in: z)) == "20 of 20 · started 2026-05-04 · finished")
        #expect(s.statusLine(now: now, start: start, zone: z) == st.finishText)
        #expect(s.next(after: now) == nil)
        #expect(Reminders.all(s, offsets: [.start(-600), .start(0), .end(0)]).isEmpty, "reminders stop")
    }

    @Test func beforeTheStartTheWeekSaysWhenItStarts() {
        let now = z.instant(LocalDate(year: 2026, month: 12, day: 4), TimeOfDay(hour: 12, minute: 0))
        let s = Scheduler.compute(Fixture.input(now: now))
        let st = s.standing(at: now, start: Fixture.start, zone: z)
        #expect(st.week == 0 && st.behind == 0)
        #expect(st.weekText(today: LocalDate(now, in: z)) == "starts Mon 2027-01-04, in 31 days")
        #expect(s.statusLine(now: now, start: Fixture.start, zone: z).hasPrefix("Starts Mon 2027-01-04 · next slot 2027-01-04 18:00 (w01d1)"))
    }

    @Test func pastThePlansLastWeekItIsAnExtensionWeek() throws {
        let skips = (1...5).map { Change.skip(w(1, $0), reason: nil) } + (1...5).map { Change.skip(w(2, $0), reason: nil) }
            + (1...2).map { Change.skip(w(3, $0), reason: nil) }
        let s = Scheduler.compute(try Fixture.apply(skips, to: Fixture.input()))
        let now = try #require(s.slot(w(21, 1))).start.addingTimeInterval(-3600)
        let st = s.standing(at: now, start: Fixture.start, zone: z)
        #expect(st.week == 21)
        #expect(st.weekText(today: LocalDate(now, in: z)) == "extension week 1 (the plan has 20) · started 2027-01-04")
        #expect(st.behind == st.due && !st.isAbsorbed, "nothing done, and the plan runs past its finish")
    }

    /// A slot in progress counts neither way; done before its slot starts is ahead.
    @Test func aSlotInProgressIsNotBehindAndDoneEarlyIsAhead() throws {
        let s0 = Scheduler.compute(Fixture.input())
        let first = try #require(s0.slot(w(1, 1)))
        #expect(s0.behind(at: first.start.addingTimeInterval(60)) == 0)
        #expect(s0.behind(at: first.end.addingTimeInterval(3600)) == 0, "within grace")
        #expect(s0.behind(at: first.end.addingTimeInterval(7201)) == 1)
        let done = Scheduler.compute(try Fixture.apply([.complete(w(1, 1)), .complete(w(1, 2))], to: Fixture.input()))
        #expect(done.behind(at: first.start.addingTimeInterval(60)) == -1)
        #expect(done.standing(at: first.start.addingTimeInterval(60), start: Fixture.start, zone: z).behindHeadline == "1 task ahead")
    }

    /// Random histories at a random now: behind is 0 exactly when on track, finished
    /// exactly when every task is done, no projected date in the past unless finished,
    /// none in the future once finished, and the status line says what the figures say.
    @Test func figuresHoldOverRandomHistories() async {
        await propertyCheck(count: 150, input: Gen.int(in: 0...999_999).array(of: 0...60)) { codes in
            let policy: MissedPolicy = (codes.first ?? 0) % 3 == 0 ? .keep : .slide
            var input = try PropertyTests.history(Array(codes.dropFirst()), policy: policy)
            input.now = input.now.addingTimeInterval(Double((codes.last ?? 0) % 200) * 3600)
            let s = Scheduler.compute(input)
            let now = input.now
            let st = s.standing(at: now, start: input.start, zone: input.zone)
            let line = s.statusLine(now: now, start: input.start, zone: input.zone)
            #expect(st.isFinished == s.plan.tasks.allSatisfy { s.isDone($0.id) })
            #expect(st.done == s.doneCount && st.total == s.plan.tasks.count)
            if st.isFinished {
                #expect(st.projected == nil)
                #expect(st.finished.map { $0 <= now } == true, "a finish in the future")
                #expect(line.hasPrefix("Finished "))
            } else {
                #expect(st.projected.map { $0 >= now } ?? true, "a projected finish in the past")
                #expect((st.behind == 0) == (st.behindHeadline == "on track"))
                #expect((st.behind == 0) == !(line.contains(" behind") || line.contains(" ahead")), "\(line)")
                if st.behind != 0 { #expect(line.hasSuffix(st.behindHeadline)) }
                #expect(st.behind > 0 ? st.due - st.done == st.behind : true)
            }
            #expect(st.week >= 0)
            if st.week > 0 { #expect(st.week == (LocalDate(now, in: input.zone).dayNumber - input.start.dayNumber) / 7 + 1 || st.isFinished) }
        }
    }
}
