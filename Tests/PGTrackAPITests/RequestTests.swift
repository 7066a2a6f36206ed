import FoundationEssentials
import Testing
import PGTrackAPI
import PGTrackViews
import PGTrackCore
import Varlink

/// Requests with the edge values each parameter can take: nil optionals, reasons in any
/// script (and the characters the daemon later refuses or cleans: it reads them as sent),
/// times at the bounds the daemon accepts, pauses of one day and of every day.
enum RequestTable {
    static let w01d1 = SlotID(week: 1, day: 1), w999d7 = SlotID(week: 999, day: 7)
    /// The first and the last instant a call may name: 1970-01-01 and 9999-12-31 UTC.
    static let earliest = Date(timeIntervalSince1970: 0), latest = Date(timeIntervalSince1970: 253_402_300_799)
    /// 2027-01-05 18:00 in Berlin (17:00 UTC).
    static let evening = Date(timeIntervalSince1970: 1_799_168_400)
    static let firstDay = LocalDate(year: 1970, month: 1, day: 1), lastDay = LocalDate(year: 9999, month: 12, day: 31)
    static let leapDay = LocalDate(year: 2028, month: 2, day: 29)

    static let all: [Request] = [
        .status,
        .listSlots(from: nil, to: nil, week: nil),
        .listSlots(from: earliest, to: latest, week: nil),
        .listSlots(from: evening, to: nil, week: nil),
        .listSlots(from: nil, to: evening, week: 20),
        .listSlots(from: nil, to: nil, week: 0),
        .listSlots(from: evening, to: evening, week: Int(Int64.max)),
        .change(.skip(w01d1, reason: nil)),
        .change(.skip(w999d7, reason: "")),
        .change(.skip(w01d1, reason: "Zahnarzt 🦷 — naïve café, 東京, עִברִית, e\u{301}, 👩‍👩‍👧")),
        .change(.skip(w01d1, reason: "\"quoted\" \\ back\\slash\nline\ttab\u{0}nul\u{202E}rtl")),
        .change(.reschedule(w01d1, to: earliest)),
        .change(.reschedule(w999d7, to: latest)),
        .change(.reschedule(SlotID(week: 3, day: 2), to: evening)),
        .change(.complete(w01d1)),
        .change(.complete(w999d7)),
        .change(.complete(w01d1, note: "indexes\nand 🙂 <b>", minutes: 45)),
        .change(.complete(w01d1, note: nil, minutes: 0)),
        .change(.complete(w01d1, note: "", minutes: nil)),
        .change(.start(w01d1)),
        .change(.note(w999d7, text: "read ch. 5 \u{202E}first")),
        .change(.note(w01d1, text: "")),
        .change(.reopen(SlotID(week: 12, day: 4))),
        .change(.snooze(w01d1, until: earliest)),
        .change(.snooze(w999d7, until: latest)),
        .change(.undo),
        .change(.pause(from: firstDay, to: firstDay, reason: nil)),
        .change(.pause(from: firstDay, to: lastDay, reason: "sabbatical ✈️")),
        .change(.pause(from: leapDay, to: LocalDate(year: 2028, month: 3, day: 1), reason: "")),
        // Backwards: refused by the tracker (InvalidTime), but read as sent.
        .change(.pause(from: lastDay, to: leapDay, reason: nil)),
        .change(.resume),
        .export(format: "ics"), .export(format: "json"), .export(format: "markdown"), .export(format: "html"),
        .export(format: ""), .export(format: "pdf"),
        .reload,
        .feed(rotateToken: false), .feed(rotateToken: true),
        .sync,
        .monitor,
    ]
}

/// What pgtrackctl writes is what pgtrackd reads: one type, both ways.
struct RequestTests {
    @Test(arguments: RequestTable.all)
    func readsBackAsWritten(_ request: Request) throws {
        #expect(try Request(method: request.method, parameters: request.parameters) == request)
        // And after the trip through JSON text, as on the socket.
        let sent = try JSON.parse(request.parameters.text)
        #expect(try Request(method: request.method, parameters: sent) == request)
    }

    @Test(arguments: RequestTable.all)
    func parametersMatchTheInterface(_ request: Request) throws {
        try APIFixture.interface.validate(parameters: request.parameters, of: request.method)
        #expect(request.qualifiedMethod == "io.pgtrack.Tracker." + request.method)
    }

    /// A method added to the interface needs a request (and a row above); a request
    /// whose method the interface lacks would be refused by the daemon.
    @Test func everyMethodOfTheInterfaceIsARequest() {
        #expect(Set(RequestTable.all.map(\.method)) == Set(APIFixture.interface.methods.keys))
    }

    /// The wire form, pinned: what another Varlink client (varlinkctl, Python) sends too.
    @Test(arguments: [
        (Request.status, "{}"),
        (.listSlots(from: RequestTable.evening, to: nil, week: 3), #"{"from":"2027-01-05T17:00:00+00:00","week":3}"#),
        (.change(.skip(RequestTable.w01d1, reason: nil)), #"{"slot":"w01d1"}"#),
        (.change(.skip(RequestTable.w999d7, reason: "é")), #"{"slot":"w999d7","reason":"é"}"#),
        (.change(.reschedule(SlotID(week: 3, day: 2), to: RequestTable.latest)), #"{"slot":"w03d2","start":"9999-12-31T23:59:59+00:00"}"#),
        (.change(.snooze(RequestTable.w01d1, until: RequestTable.earliest)), #"{"slot":"w01d1","until":"1970-01-01T00:00:00+00:00"}"#),
        (.change(.pause(from: RequestTable.leapDay, to: RequestTable.leapDay, reason: nil)), #"{"from":"2028-02-29","to":"2028-02-29"}"#),
        (.export(format: "ics"), #"{"format":"ics"}"#),
        (.feed(rotateToken: true), #"{"rotateToken":true}"#),
    ])
    func wireForm(_ request: Request, _ text: String) {
        #expect(request.parameters.text == text)
    }

    /// Times travel to the second, as every time on the interface: a fraction is dropped.
    @Test func aFractionOfASecondIsDropped() throws {
        let sent = Request.change(.snooze(RequestTable.w01d1, until: Date(timeIntervalSince1970: 1_799_168_400.75)))
        #expect(try Request(method: sent.method, parameters: sent.parameters) == .change(.snooze(RequestTable.w01d1, until: RequestTable.evening)))
    }
}
