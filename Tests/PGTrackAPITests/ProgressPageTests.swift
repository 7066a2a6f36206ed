import Foundation
import PGTrackAPI
import PGTrackViews
import PGTrackCore
import Testing

/// Slots by hand: week W's day D starts at 18:00 UTC on day 7(W−1)+(D−1) from Monday 2027-01-04.
enum Slots {
    static let utc = Zone(identifier: "UTC")!

    static func start(_ id: String) -> Date {
        let s = SlotID(id)!
        return utc.instant(LocalDate(year: 2027, month: 1, day: 4).adding(days: 7 * (s.week - 1) + s.day - 1), TimeOfDay(hour: 18, minute: 0))
    }

    static func slot(_ id: String, _ state: SlotState, _ task: String? = nil) -> API.Slot {
        let s = SlotID(id)!, begin = start(id)
        return API.Slot(id: id, week: s.week, day: s.day, start: begin.rfc3339(in: utc), end: begin.addingTimeInterval(1800).rfc3339(in: utc),
                        state: state, task: task.map { API.Task(id: $0, title: "Task \($0)", stage: "S") })
    }

    /// Just after `id` ended.
    static func after(_ id: String) -> Date { start(id).addingTimeInterval(3600) }
}

@Suite struct StreakTests {
    typealias S = Slots

    /// Each case: the slots, `now`, and the expected current and longest streaks.
    static let cases: [(String, [API.Slot], Date, Int, Int)] = [
        ("nothing yet", [S.slot("w01d1", .scheduled, "1.1")], S.start("w01d1").addingTimeInterval(-60), 0, 0),
        ("all done, spare slots neutral",
         [S.slot("w01d1", .done, "1.1"), S.slot("w01d2", .done, "1.2"), S.slot("w01d3", .catchUp),
          S.slot("w02d1", .done, "2.1"), S.slot("w02d2", .done, "2.2"), S.slot("w02d3", .catchUp)], S.after("w02d3"), 4, 4),
        ("a missed slot ends the run",
         [S.slot("w01d1", .done, "1.1"), S.slot("w01d2", .done, "1.2"), S.slot("w01d3", .missed, "1.3"),
          S.slot("w02d1", .done, "2.1")], S.after("w02d1"), 1, 2),
        ("a skip made up within its week does not end the run",
         [S.slot("w01d1", .skipped), S.slot("w01d2", .done, "1.1"), S.slot("w01d3", .done, "1.2"),
          S.slot("w02d1", .done, "2.1"), S.slot("w02d2", .done, "2.2")], S.after("w02d2"), 4, 4),
        ("a skip whose task slid into the next week ends the run",
         [S.slot("w01d1", .done, "1.1"), S.slot("w01d2", .done, "1.2"), S.slot("w01d3", .skipped), S.slot("w01d4", .done, "1.3"),
          S.slot("w02d1", .done, "1.4"), S.slot("w02d2", .done, "2.1")], S.after("w02d2"), 3, 3),
        ("a skip in the running week waits",
         [S.slot("w01d1", .done, "1.1"), S.slot("w01d2", .done, "1.2"), S.slot("w01d3", .skipped), S.slot("w01d4", .done, "1.3"),
          S.slot("w01d5", .scheduled, "1.4")], S.after("w01d4"), 3, 3),
        ("a slot within its grace neither adds nor ends",
         [S.slot("w01d1", .done, "1.1"), S.slot("w01d2", .scheduled, "1.2")], S.after("w01d2"), 1, 1),
        ("future slots do not count, unless done early",
         [S.slot("w01d1", .done, "1.1"), S.slot("w01d2", .done, "1.2"), S.slot("w01d3", .scheduled, "1.3")], S.after("w01d1"), 2, 2),
    ]

    @Test(arguments: cases)
    func streaks(name: String, slots: [API.Slot], now: Date, current: Int, longest: Int) {
        #expect(Streaks(slots: slots, now: now) == Streaks(current: current, longest: longest), "\(name)")
    }
}

@Suite struct BurndownTests {
    typealias S = Slots
    typealias P = Burndown.Point

    /// Two weeks of two tasks on three slots; w01d2 skipped, so 1.2 took the catch-up slot.
    static let slots = [
        S.slot("w01d1", .done, "1.1"), S.slot("w01d2", .skipped), S.slot("w01d3", .done, "1.2"),
        S.slot("w02d1", .scheduled, "2.1"), S.slot("w02d2", .scheduled, "2.2"), S.slot("w02d3", .catchUp),
    ]

    @Test func linesPerWeek() {
        let b = Burndown(slots: Self.slots, currentWeek: 2)
        #expect(b.total == 4 && b.currentWeek == 2)
        #expect(b.planned == [P(0, 4), P(1, 2), P(2, 0)])
        #expect(b.actual == [P(0, 4), P(1, 2), P(2, 2)])
        #expect(b.projected == [P(1, 2), P(2, 0)])
    }

    @Test func aSlipPastThePlanProjectsAnExtraWeek() {
        let slots = [S.slot("w01d1", .missed), S.slot("w01d2", .done, "1.1"), S.slot("w02d1", .scheduled, "1.2"),
                     S.slot("w02d2", .scheduled, "2.1"), S.slot("w03d1", .scheduled, "2.2")]
        let b = Burndown(slots: slots, currentWeek: 1)
        #expect(b.planned == [P(0, 4), P(1, 2), P(2, 0)])
        #expect(b.actual == [P(0, 4), P(1, 3)])
        #expect(b.projected == [P(0, 4), P(1, 3), P(2, 1), P(3, 0)])
    }

    @Test func nothingLeftMeansNoProjection() {
        let slots = [S.slot("w01d1", .done, "1.1"), S.slot("w01d2", .done, "1.2")]
        #expect(Burndown(slots: slots, currentWeek: 1).projected.isEmpty)
    }

    @Test func svgPoints() {
        // 550 px for 2 weeks, 200 px for 4 tasks: 275 px a week, 50 px a task.
        #expect(ProgressPage.points([P(0, 4), P(1, 2), P(2, 0)], weeks: 2, total: 4) == "40,10 315,110 590,210")
        #expect(ProgressPage.points([P(1, 3)], weeks: 3, total: 7) == "223.3,124.3")
    }
}

@Suite(.serialized) struct ProgressPageTests {
    let backend: TestBackend
    let service: TrackerService

    init() throws {
        backend = try TestBackend()
        service = TrackerService(backend: backend)
        service.addViews()
    }

    func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test func oneElementPerSlotWithItsState() throws {
        _ = try backend.apply(.complete(SlotID("w01d1")!), now: APIFixture.now)
        let page = service.progressPage(now: APIFixture.now).render(.live).html
        #expect(count("data-slot=\"", in: page) == 100)
        #expect(page.contains("data-slot=\"w01d1\" data-state=\"done\""))
        #expect(page.contains("data-slot=\"w01d2\" data-state=\"scheduled\""))
        #expect(page.utf8.count <= 60 * 1024, "the page is \(page.utf8.count) bytes")
        // Nothing from elsewhere: the only URLs are the data: favicon and the SVG namespace inside it.
        #expect(!page.contains("http://") || count("http://", in: page) == 1 && page.contains("xmlns='http://www.w3.org/2000/svg'"))
        #expect(!page.contains("https://") && !page.contains("src="))
    }

    @Test func versionFollowsTheContent() throws {
        let first = service.progressPage(now: APIFixture.now).render(.live)
        #expect(service.progressPage(now: APIFixture.now).render(.live).version == first.version)
        _ = try backend.apply(.skip(SlotID("w01d2")!, reason: nil), now: APIFixture.now)
        let second = service.progressPage(now: APIFixture.now).render(.live)
        #expect(second.version != first.version)
        #expect(second.html.contains("data-slot=\"w01d2\" data-state=\"skipped\""))
        #expect(second.html.contains("<main data-version=\"\(second.version)\">"))
    }

    @Test func liveAndStandalone() {
        let page = service.progressPage(now: APIFixture.now)
        let live = page.render(.live).html, file = page.render(.standalone(exported: APIFixture.now)).html
        // What the policy's hashes cover is exactly what is sent.
        #expect(live.contains("<script>\(ProgressPage.script)</script>") && live.contains("<style>\(ProgressPage.style)</style>"))
        #expect(ProgressPage.contentSecurityPolicy.contains(SHA256.cspSource(ProgressPage.script)))
        #expect(ProgressPage.contentSecurityPolicy.contains(SHA256.cspSource(ProgressPage.style)))
        #expect(!file.contains("<script") && file.contains("Exported 2027-01-05 12:00"))
        #expect(count("data-slot=\"", in: file) == 100)
    }

    @Test func planTextIsEscaped() {
        var page = service.progressPage(now: APIFixture.now)
        page.overview.plan = "<b>Plan</b> & \"more\""
        page.slots[1].task?.title = "\"><img src=x onerror=alert(1)>"
        let html = page.render(.live).html
        #expect(html.contains("&lt;b&gt;Plan&lt;/b&gt; &amp; &quot;more&quot;"))
        #expect(!html.contains("<img") && html.contains("1.1 &quot;&gt;&lt;img src=x onerror=alert(1)&gt; (upcoming)"))
    }

    /// Issue 26: a note is on the page as text. Nothing in it becomes markup, and the
    /// page keeps its one script, whose hash the policy names.
    @Test func notesAreEscapedOnThePage() throws {
        _ = try backend.apply(.complete(SlotID("w01d2")!, note: "<script>alert(1)</script>\n\"quoted\" & <img src=x onerror=alert(2)>",
                                        minutes: 35), now: APIFixture.now)
        let html = service.progressPage(now: APIFixture.now).render(.live).html
        #expect(count("<script", in: html) == 1 && html.contains("<script>\(ProgressPage.script)</script>"))
        #expect(!html.contains("<img") && !html.contains("alert(1)</script>"))
        #expect(html.contains("<tr data-journal=\"w01d2\"><td>Tue 2027-01-05</td><td>1.1 Read Chapters 1–2 of The Art of PostgreSQL</td>"
                              + "<td>30 min</td><td>35 min</td><td class=\"note\">&lt;script&gt;alert(1)&lt;/script&gt;\n&quot;quoted&quot; "
                              + "&amp; &lt;img src=x onerror=alert(2)&gt;</td></tr>"))
        #expect(html.contains("data-slot=\"w01d2\" data-state=\"done\" title=\"Tue 2027-01-05 18:00–18:30 · 1.1 Read Chapters 1–2 of The Art of PostgreSQL (done) · 35 min spent\""))
        #expect(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"\(ProgressPage.contentSecurityPolicy)\">"))
        #expect(ProgressPage.contentSecurityPolicy.contains(SHA256.cspSource(ProgressPage.style)))
    }

    @Test func finishAndStreaksInTheSummary() throws {
        _ = try backend.apply(.complete(SlotID("w01d1")!), now: APIFixture.now)
        let overview = service.overview(now: APIFixture.now)
        #expect(overview.standing.finishText == "Thu 2027-05-20 projected · Thu 2027-05-20 planned (on time)")
        let html = service.progressPage(now: APIFixture.now).render(.live).html
        #expect(html.contains("<dt>Finish</dt><dd>\(overview.standing.finishText)</dd>"))
        #expect(html.contains("<dt>Streak</dt><dd>1 done in a row now · longest 1</dd>"))
    }

    /// Every surface prints the same figures, rendered by the one `Standing`: what the
    /// daemon computes, what a client decodes, the CLI's status, the page, `STATUS=`.
    @Test func everySurfaceShowsTheSameFigures() throws {
        // Tuesday noon: Monday's slot is late (missed), one skipped, nothing done.
        _ = try backend.apply(.skip(SlotID("w01d2")!, reason: nil), now: APIFixture.now)
        let now = APIFixture.now.addingTimeInterval(86400 * 2)
        let overview = service.overview(now: now)
        let schedule = backend.schedule(now: now)
        let standing = schedule.standing(at: now, start: backend.startDate, zone: backend.zone)
        #expect(try API.Overview(wire: overview.wire).standing == standing)
        #expect(standing.behind == 3 && overview.behind == 3)
        let today = LocalDate(now, in: backend.zone)
        let text = overview.text(style: .plain, today: today)
        #expect(text.contains("Behind: \(standing.behindText)\n"))
        #expect(text.contains("Finish: \(standing.finishText)\n"))
        #expect(text.contains("Week: \(standing.weekText(today: today))\n"))
        let html = ProgressPage(overview: overview, slots: [], now: now).render(.live).html
        #expect(html.contains("<dt>Behind</dt><dd>\(standing.behindText)</dd>"))
        #expect(overview.summary.hasSuffix(" · 3 tasks behind"))
    }
}
