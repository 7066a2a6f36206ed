import Foundation
import Testing
import PGTrackAPI
import PGTrackViews
import PGTrackCore
import PGTrackStore
import Varlink
import PGTrackTestSupport

/// A backend over a real engine and ledger, as the daemon's is.
final class TestBackend: TrackerBackend {
    let engine: Engine
    var reloadFailure: ReloadError?
    var storageFailure: StorageError?
    var syncFailure: SyncError?

    init() throws {
        let dir = TemporaryFolder.make("api")
        var config = Config()
        config.schedule.timezone = "Europe/Berlin"
        config.plan.start = APIFixture.start
        let ledger = try Ledger(path: dir + "/l.sqlite")
        engine = Engine(settings: EngineSettings(config: config, plan: try PlanParser.load(config), zone: config.timeZone), store: ledger,
                        events: try ledger.events(), taskList: try ledger.taskList(), now: APIFixture.now)
        try engine.recordPending()
    }

    var zone: Zone { engine.zone }
    var startDate: LocalDate { engine.startDate }
    var grace: Span { engine.config.schedule.grace }
    var stamp: Stamp { Stamp(events: engine.stamp.events, generation: engine.stamp.generation, notifications: "disabled in the config") }
    func schedule(now: Date) -> Schedule { engine.schedule(now: now) }
    /// Submits a change as the daemon's control socket does; throws what refused it.
    func apply(_ change: Change, now: Date) throws -> LedgerEvent {
        if let storageFailure { throw storageFailure }
        let outcome = engine.submit(.change(change, origin: .control), now: now)
        if let refused = outcome.refused { throw refused }
        return try #require(outcome.event)
    }
    func revertedKind(_ undo: LedgerEvent) -> String { engine.events.first { $0.id == undo.target }?.kind.rawValue ?? "change" }
    func calendarFeed(now: Date) throws -> String { "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n" }
    func feedInfo(rotateToken: Bool) throws -> API.FeedInfo {
        API.FeedInfo(file: "/home/u/.local/share/pgtrack/pgtrack.ics", url: rotateToken ? "http://127.0.0.1:8787/b/pgtrack.ics" : "http://127.0.0.1:8787/a/pgtrack.ics",
                      page: nil, vdir: nil)
    }
    func sync(_ done: @escaping (Result<API.SyncRun, SyncError>) -> Void) {
        if let syncFailure { return done(.failure(syncFailure)) }
        done(.success(API.SyncRun(at: "2027-01-05T12:00:00+01:00", seconds: 1.5, output: "Syncing pgtrack/pgtrack\n")))
    }
    func reload() throws(ReloadError) -> String {
        if let reloadFailure { throw reloadFailure }
        return "reloaded"
    }
}

enum APIFixture {
    static let start = LocalDate(year: 2027, month: 1, day: 4)
    static let berlin = Zone(identifier: "Europe/Berlin")!
    /// Tuesday of week 1, 12:00: w01d1 is over, w01d2 starts at 18:00.
    static let now = berlin.instant(LocalDate(year: 2027, month: 1, day: 5), TimeOfDay(hour: 12, minute: 0))
    static let interface: Interface = {
        do { return try Interface(TrackerInterface.text) } catch { fatalError("the interface does not parse: \(error)") }
    }()
}

/// Every method's reply and every error, produced through the same `TrackerService` the
/// daemon answers with, checked against `interfaces/io.pgtrack.Tracker.varlink`. The suite
/// also checks it covered every method and every error the interface declares, so a
/// method added to one side only fails here.
@Suite(.serialized) struct ContractTests {
    let backend: TestBackend
    let service: TrackerService
    let now = APIFixture.now

    init() throws {
        backend = try TestBackend()
        service = TrackerService(backend: backend)
        service.addViews()
    }

    /// Calls `method` as the daemon would and checks the reply (or the error) against the
    /// interface; returns the reply parameters, or the error.
    @discardableResult
    func call(_ method: String, _ parameters: JSON = [:]) throws -> Result<JSON, VarlinkError> {
        try APIFixture.interface.validate(parameters: parameters, of: method)
        do {
            let reply: JSON
            switch try Request(method: method, parameters: parameters) {
            case .change(let change): reply = service.reply(to: change, event: try backend.apply(change, now: now), now: now)
            case .monitor: reply = service.event(kind: "subscribed", slot: nil, now: now).wire
            case .sync:
                // The backend answers at once here; the daemon answers when the run is over.
                var result: Result<JSON, VarlinkError>?
                service.sync { result = $0 }
                reply = try #require(result).get()
            case let request: reply = try service.answer(request, now: now)
            }
            try APIFixture.interface.validate(reply: reply, of: method)
            return .success(reply)
        } catch {
            let e = API.error(error)
            try APIFixture.interface.validate(error: e.name, parameters: e.parameters)
            return .failure(e)
        }
    }

    func errorName(_ result: Result<JSON, VarlinkError>) -> String? {
        if case .failure(let e) = result { return String(e.name.split(separator: ".").last ?? "") }
        return nil
    }

    @Test func everyMethodAndErrorMatchesTheInterface() throws {
        var methods = Set<String>(), errors = Set<String>()
        func ok(_ method: String, _ p: JSON = [:]) throws -> JSON {
            methods.insert(method)
            let r = try call(method, p)
            guard case .success(let reply) = r else { Issue.record("\(method) \(p.text) failed: \(r)"); return .null }
            return reply
        }
        func refused(_ method: String, _ p: JSON, _ expected: String) throws {
            methods.insert(method)
            let name = errorName(try call(method, p))
            #expect(name == expected, "\(method) \(p.text)")
            if let name { errors.insert(name) }
        }
        let tomorrow = APIFixture.berlin.instant(LocalDate(year: 2027, month: 1, day: 6), TimeOfDay(hour: 7, minute: 0))
        let zone = APIFixture.berlin

        let status = try ok("Status")
        #expect(status["status"]?["week"]?.int == 1)
        #expect(try ok("ListSlots")["slots"]?.array?.count == 100)
        #expect(try ok("ListSlots", ["week": 3])["slots"]?.array?.count == 5)
        #expect(try ok("ListSlots", ["from": .string(now.rfc3339(in: zone)), "to": .string(tomorrow.rfc3339(in: zone))])["slots"]?.array?.count == 1)
        _ = try ok("Skip", ["slot": "w01d3", "reason": "dentist"])
        _ = try ok("Undo")
        _ = try ok("Reschedule", ["slot": "w01d3", "start": .string(tomorrow.rfc3339(in: zone))])
        _ = try ok("Complete", ["slot": "w01d2"])
        _ = try ok("Reopen", ["slot": "w01d2"])
        _ = try ok("Snooze", ["slot": "w01d2", "until": .string(now.addingTimeInterval(600).rfc3339(in: zone))])
        let started = try ok("Start", ["slot": "w01d2"])["slot"]
        #expect(started?["startedAt"]?.string == now.rfc3339(in: zone) && started?["state"]?.string == "scheduled")
        let noted = try ok("Note", ["slot": "w01d2", "text": "read ahead\r\nchapter 3"])["slot"]
        #expect(noted?["studyNote"]?.string == "read ahead\nchapter 3")
        #expect(try ok("Note", ["slot": "w01d2", "text": ""])["slot"]?["studyNote"] == nil)
        let paused = try ok("Pause", ["from": "2027-01-11", "to": "2027-01-12", "reason": "conference"])["slots"]?.array ?? []
        #expect(paused.map { $0["state"]?.string } == ["paused", "paused"])
        #expect(try ok("Resume")["slots"]?.array?.count == 2)
        try refused("Resume", [:], "NotPaused")
        try refused("Pause", ["from": "2027-01-12", "to": "2027-01-11"], "InvalidTime")
        for format in ["ics", "json", "markdown", "html"] { _ = try ok("Export", ["format": .string(format)]) }
        #expect(try ok("Sync")["seconds"]?.double == 1.5)
        _ = try ok("Reload")
        _ = try ok("Feed")
        _ = try ok("Feed", ["rotateToken": true])
        _ = try ok("Monitor")

        try refused("Skip", ["slot": "w30d1"], "NoSuchSlot")
        try refused("Skip", ["slot": "nonsense"], "NoSuchSlot")
        try refused("Reschedule", ["slot": "w02d1", "start": .string(now.addingTimeInterval(-3600).rfc3339(in: zone))], "SlotInPast")
        let w01d4 = try #require(backend.schedule(now: now).slot(SlotID(week: 1, day: 4)))
        try refused("Reschedule", ["slot": "w02d1", "start": .string(w01d4.start.rfc3339(in: zone))], "Overlap")
        try refused("Reschedule", ["slot": "w02d1", "start": "tomorrow"], "InvalidTime")
        let done = try ok("Complete", ["slot": "w01d2", "note": "MVCC", "minutes": 40])["slot"]
        #expect(done?["studyNote"]?.string == "MVCC" && done?["minutesSpent"]?.int == 40)
        try refused("Complete", ["slot": "w01d2"], "AlreadyDone")
        try refused("Start", ["slot": "w01d2"], "AlreadyDone")
        try refused("Note", ["slot": "w01d3", "text": "a\u{0}b"], "InvalidNote")
        try refused("Note", ["slot": "w01d3", "text": .string(String(repeating: "x", count: 4097))], "InvalidNote")
        try refused("Complete", ["slot": "w01d3", "minutes": 5000], "InvalidTime")
        try refused("Note", ["slot": "w30d1", "text": "x"], "NoSuchSlot")
        try refused("Reopen", ["slot": "w02d2"], "NotDone")
        _ = try ok("Skip", ["slot": "w02d3"])
        try refused("Skip", ["slot": "w02d3"], "SlotSkipped")
        // Week 1's tasks fill week 1; w01d1 ended yesterday without its task (slid).
        try refused("Snooze", ["slot": "w20d5", "until": .string(now.addingTimeInterval(60).rfc3339(in: zone))], "NoTask")
        try refused("Export", ["format": "pdf"], "InvalidFormat")
        try refused("Skip", ["slot": "w03d1", "reason": "a\u{0}b"], "InvalidReason")
        try refused("Reschedule", ["slot": "w03d1", "start": "3500-01-01T18:00:00+01:00"], "InvalidTime")
        backend.reloadFailure = ReloadError("broken.toml:3: schedule.time: expected HH:MM")
        try refused("Reload", [:], "ReloadFailed")
        backend.storageFailure = StorageError("disk full")
        try refused("Complete", ["slot": "w01d4"], "StorageFailed")
        backend.storageFailure = nil
        backend.syncFailure = SyncError(status: "exit status 1", output: "error: wrong password\n", message: "vdirsyncer failed (exit status 1)")
        try refused("Sync", [:], "SyncFailed")
        while case .success = try call("Undo") {}
        errors.insert(try #require(errorName(try call("Undo"))))

        #expect(methods == Set(APIFixture.interface.methods.keys))
        // ReplyTooLarge is the transport's (VarlinkServer, for a reply over its limit):
        // test_hostile.py provokes it from the running daemon and checks it against the interface.
        #expect(errors.union(["ReplyTooLarge"]) == Set(APIFixture.interface.errors.keys))
    }

    /// What the CLI decodes is what the daemon encodes.
    @Test func repliesDecodeIntoTheSharedTypes() throws {
        _ = try backend.apply(.start(SlotID(week: 1, day: 3)), now: now)
        _ = try backend.apply(.complete(SlotID(week: 1, day: 2), note: "a \"note\"\nwith lines", minutes: 25), now: now)
        let schedule = backend.schedule(now: now)
        let w01d2 = API.Slot(try #require(schedule.slot(SlotID(week: 1, day: 2))), in: schedule, zone: backend.zone)
        #expect(w01d2.studyNote == "a \"note\"\nwith lines" && w01d2.minutesSpent == 25 && w01d2.startedAt == nil)
        #expect(API.Slot(try #require(schedule.slot(SlotID(week: 1, day: 3))), in: schedule, zone: backend.zone).startedAt
                == now.rfc3339(in: backend.zone))
        let overview = service.overview(now: now)
        #expect(try API.Overview(wire: overview.wire) == overview)
        for slot in schedule.slots {
            let wire = API.Slot(slot, in: schedule, zone: backend.zone)
            #expect(try API.Slot(wire: wire.wire) == wire)
        }
        let undone = API.Undone(kind: "skip", slot: nil)
        #expect(try API.Undone(wire: undone.wire) == undone)
        let event = service.event(kind: "done", slot: SlotID(week: 1, day: 2), now: now)
        #expect(try API.Event(wire: event.wire) == event)
        let run = API.SyncRun(at: "2027-01-05T12:00:00+01:00", seconds: 0.25, output: "")
        #expect(try API.SyncRun(wire: run.wire) == run)
        var withSync = overview
        withSync.sync = "last 2027-01-05 12:00 ok (1.5 s)"
        #expect(try API.Overview(wire: withSync.wire) == withSync)
        let document = API.ScheduleDocument(schedule, start: backend.startDate, zone: backend.zone)
        #expect(try API.ScheduleDocument(wire: JSON.parse(document.wire.pretty())) == document)
    }

    @Test(arguments: [
        (#"{"id":"w01d1","week":"1","day":1,"start":"2027-01-04T18:00:00+01:00","end":"2027-01-04T18:30:00+01:00","state":"done","task":null}"#, "week: expected an integer"),
        (#"{"id":"w01d1","week":1,"day":1,"start":"yesterday","end":"2027-01-04T18:30:00+01:00","state":"done","task":null}"#, "start: expected an RFC 3339 time, found 'yesterday'"),
        (#"{"id":"w01d1","week":1,"day":1,"start":"2027-01-04T18:00:00+01:00","end":"2027-01-04T18:30:00+01:00","state":"late","task":null}"#, "state: expected scheduled, done, skipped, paused, missed or catch-up, found 'late'"),
        (#"{"id":"w01d1","week":1,"day":1,"start":"2027-01-04T18:00:00+01:00","end":"2027-01-04T18:30:00+01:00","state":"done","task":{"id":"1.1"}}"#, "task.title: expected a string"),
        (#"[]"#, "reply: expected an object"),
        (#"{"id":"w01d1","week":1,"day":1,"start":"2027-01-04T18:00:00+01:00","end":"2027-01-04T18:30:00+01:00","state":"done","task":null,"minutesSpent":"40"}"#, "minutesSpent: expected an integer or null"),
        (#"{"id":"w01d1","week":1,"day":1,"start":"2027-01-04T18:00:00+01:00","end":"2027-01-04T18:30:00+01:00","state":"done","task":null,"startedAt":"soon"}"#, "startedAt: expected an RFC 3339 time, found 'soon'"),
        (#"{"id":"w01d1","week":1,"day":1,"start":"2027-01-04T18:00:00+01:00","end":"2027-01-04T18:30:00+01:00","state":"done","task":null,"studyNote":7}"#, "studyNote: expected a string or null"),
    ])
    func decodingNamesTheBadField(text: String, message: String) throws {
        #expect(throws: (any Error).self) { try API.Slot(wire: JSON.parse(text)) }
        do {
            _ = try API.Slot(wire: JSON.parse(text))
        } catch {
            #expect("\(error)" == message)
        }
    }

    /// The status answer is kept until the view can change, and no longer.
    @Test func statusIsRecomputedWhenTheLedgerChanges() throws {
        let before = service.overview(now: now)
        #expect(service.overview(now: now.addingTimeInterval(60)) == before)
        _ = try backend.apply(.complete(SlotID(week: 1, day: 2)), now: now)
        #expect(service.overview(now: now).done == before.done + 1)
    }
}

/// A client that knows nothing of notes and minutes calls Complete as before, and reads
/// slots without the new fields (they are left out when empty).
@Test func oldClientsKeepWorking() throws {
    let id = SlotID(week: 1, day: 2)
    #expect(try Request(method: "Complete", parameters: ["slot": "w01d2"]) == .change(.complete(id)))
    #expect(try Request(method: "Complete", parameters: ["slot": "w01d2", "note": "x", "minutes": 5])
            == .change(.complete(id, note: "x", minutes: 5)))
    #expect(try Request(method: "Start", parameters: ["slot": "w01d2"]) == .change(.start(id)))
    #expect(try Request(method: "Note", parameters: ["slot": "w01d2", "text": "x"]) == .change(.note(id, text: "x")))
    try APIFixture.interface.validate(parameters: ["slot": "w01d2"], of: "Complete")
    let plain = API.Slot(id: "w01d2", week: 1, day: 2, start: "2027-01-05T18:00:00+01:00", end: "2027-01-05T18:30:00+01:00",
                         state: .scheduled, task: nil)
    #expect(plain.wire.object?.map(\.0) == ["id", "week", "day", "start", "end", "state", "task"])
}

/// The embedded interface is `interfaces/io.pgtrack.Tracker.varlink` byte for byte
/// (`make embed` rewrites it), so what the daemon serves is the file clients read.
@Test func embeddedInterfaceEqualsTheFile() throws {
    let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("interfaces/io.pgtrack.Tracker.varlink")
    #expect(try String(contentsOf: file, encoding: .utf8) == TrackerInterface.text)
}

/// Issue 23, finding 10: bidi overrides from a plan or a busy summary were printed raw.
@Test(arguments: [("a\u{202E}txt.exe", "a\u{FFFD}txt.exe"), ("\u{2066}x\u{2069}", "\u{FFFD}x\u{FFFD}"),
                  ("\u{1B}]0;title\u{07}", "\u{FFFD}]0;title\u{FFFD}"), ("tab\there", "tab here"), ("עברית ok", "עברית ok")])
func printableTextHasNoControls(text: String, shown: String) {
    #expect(printable(text) == shown)
}
