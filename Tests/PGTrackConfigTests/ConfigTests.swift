import Foundation
import Testing
@testable import PGTrackConfig
import PGTrackCore
import PGTrackPlatform
import TOML

@Suite struct ConfigTests {
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("config/pgtrack.toml").path

    /// The compiled-in defaults equal the documented file, key for key.
    @Test func defaultsEqualTheShippedFile() throws {
        let fromFile = try ConfigLoader.load(path: Self.shipped)
        #expect(fromFile == Config())
    }

    /// Every key the loader knows is documented in the shipped file, and the reverse.
    @Test func shippedFileDocumentsEveryKey() throws {
        let text = try String(contentsOfFile: Self.shipped, encoding: .utf8)
        let known = ConfigLoader.planKeys.keys.map { "plan.\($0)" } + ConfigLoader.scheduleKeys.keys.map { "schedule.\($0)" }
            + ConfigLoader.reminderKeys.keys.map { "reminders.\($0)" } + ConfigLoader.calendarKeys.keys.map { "calendar.\($0)" }
            + ConfigLoader.controlKeys.keys.map { "control.\($0)" } + ConfigLoader.httpKeys.keys.map { "http.\($0)" }
            + ConfigLoader.syncKeys.keys.map { "sync.\($0)" }
        var documented: [String] = []
        var section = ""
        for line in text.split(separator: "\n") {
            if line.hasPrefix("[") { section = String(line.dropFirst().dropLast()) }
            else if !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") {
                documented.append(section + "." + line[..<eq].trimmingSpaces())
                #expect(line.contains("#"), "\(line) needs a one-line comment")
            }
        }
        #expect(documented.sorted() == known.sorted())
    }

    @Test func weekdayTimesAndLengths() throws {
        let c = try ConfigLoader.parse("[schedule.times]\nfri = \"07:00\"\nsaturday = \"09:30\"\n[schedule.lengths]\nsat = 60\n", file: "t.toml")
        #expect(c.schedule.times == [.friday: TimeOfDay(hour: 7, minute: 0), .saturday: TimeOfDay(hour: 9, minute: 30)])
        #expect(c.schedule.lengths == [.saturday: 60])
        let b = try ConfigLoader.parse("[schedule]\nbusy = [\"~/work.ics\", \"/srv/go.ics\"]\nlatest = \"21:30\"\n", file: "t.toml")
        #expect(b.schedule.busy == ["~/work.ics", "/srv/go.ics"] && b.schedule.latest == TimeOfDay(hour: 21, minute: 30))
        #expect(Config().schedule.busy.isEmpty && Config().schedule.latest == TimeOfDay(hour: 22, minute: 0))
        #expect(c.schedule.time(on: .monday) == TimeOfDay(hour: 18, minute: 0) && c.schedule.minutes(on: .saturday) == 60)
    }

    @Test func readsEveryKind() throws {
        let text = """
        [plan]
        file = "/p.md"
        start = 2027-01-06
        [schedule]
        days = ["sat", "Mon", "wednesday"]
        time = "7:30"
        minutes = 45
        timezone = "Australia/Lord_Howe"
        skip_dates = ["2027-01-09", 2027-02-01]
        on_missed = "keep"
        grace = "30m"
        [reminders]
        enabled = false
        at = ["-1h", "end+5m"]
        [calendar]
        alarm = ""
        cancelled = "drop"
        [control]
        max_connections = 8
        idle_timeout = "5s"
        """
        let c = try ConfigLoader.parse(text, file: "c.toml")
        #expect(c.plan.file == "/p.md")
        #expect(c.plan.start == LocalDate(year: 2027, month: 1, day: 6))
        #expect(c.schedule.days == [.monday, .wednesday, .saturday])
        #expect(c.schedule.time == TimeOfDay(hour: 7, minute: 30))
        #expect(c.schedule.minutes == 45)
        #expect(c.timeZone.identifier == "Australia/Lord_Howe")
        #expect(c.schedule.skipDates == [LocalDate(year: 2027, month: 1, day: 9), LocalDate(year: 2027, month: 2, day: 1)])
        #expect(c.schedule.onMissed == .keep)
        #expect(c.schedule.grace == .minutes(30))
        #expect(!c.reminders.enabled)
        #expect(c.reminders.at == [.start(-3600), .end(300)])
        #expect(c.calendar.alarm == nil)
        #expect(c.calendar.cancelled == .drop)
        #expect(c.control.maxConnections == 8)
        #expect(c.control.idleTimeout == Span(seconds: 5))
    }

    @Test(arguments: [
        ("[schedule]\ntime = \"25:00\"\n", 2, "schedule.time", "expected a 24-hour time \"HH:MM\", found \"25:00\""),
        ("[schedule]\ntime = 18\n", 2, "schedule.time", "expected a string, found an integer"),
        ("\n[schedule]\n\ntiem = \"18:00\"\n", 4, "schedule.tiem",
         "unknown key; [schedule] has busy, days, grace, holidays, latest, lengths, minutes, on_missed, skip_dates, time, times, timezone"),
        ("[sched]\n", 1, "sched", "unknown section; expected one of [plan], [schedule], [reminders], [calendar], [control], [http], [sync]"),
        ("[schedule]\ndays = []\n", 2, "schedule.days", "expected at least one day"),
        ("[schedule.times]\nfunday = \"07:00\"\n", 1, "schedule.times", "expected day names such as \"mon\", found \"funday\""),
        ("[schedule.times]\nfri = \"7 am\"\n", 1, "schedule.times", "fri: expected a 24-hour time \"HH:MM\", found \"7 am\""),
        ("[schedule]\nlengths = { sat = 1000 }\n", 2, "schedule.lengths", "sat: expected 5 to 720, found 1000"),
        ("[schedule]\ntimes = \"07:00\"\n", 2, "schedule.times", "expected a table of weekdays such as { fri = … }, found a string"),
        ("[schedule]\nbusy = [\"work.ics\"]\n", 2, "schedule.busy", "expected .ics files as absolute paths or ~/…, found \"work.ics\""),
        ("[schedule]\nbusy = \"/a.ics\"\n", 2, "schedule.busy", "expected an array of strings, found a string"),
        ("[schedule]\nlatest = \"24:00\"\n", 2, "schedule.latest", "expected a 24-hour time \"HH:MM\", found \"24:00\""),
        ("[sync]\nenabled = true\n", 1, "sync", "sync.enabled needs calendar.vdir: the folder the sync command pairs with the server"),
        ("[sync]\ncommand = []\n", 2, "sync.command", "expected a command such as [\"vdirsyncer\", \"sync\", \"pgtrack\"]"),
        ("[sync]\ndeleted = \"keep\"\n", 2, "sync.deleted", "expected \"skip\" or \"restore\", found \"keep\""),
        ("[sync]\ninterval = \"0s\"\n", 2, "sync.interval", "expected a duration from 1s to 1d, found \"0s\""),
        ("[schedule]\ndays = [\"mon\", \"funday\"]\n", 2, "schedule.days", "expected day names such as \"mon\", found \"funday\""),
        ("[schedule]\ndays = [\"mon\", \"monday\"]\n", 2, "schedule.days", "a day is listed twice"),
        ("[schedule]\nminutes = 0\n", 2, "schedule.minutes", "expected 5 to 720, found 0"),
        ("[schedule]\ntimezone = \"Mars/Olympus\"\n", 2, "schedule.timezone",
         "expected an IANA time zone such as \"Europe/Berlin\", found \"Mars/Olympus\""),
        ("[schedule]\nskip_dates = [\"2026-02-30\"]\n", 2, "schedule.skip_dates", "expected a date YYYY-MM-DD, found \"2026-02-30\""),
        ("[schedule]\non_missed = \"drop\"\n", 2, "schedule.on_missed", "expected \"slide\" or \"keep\", found \"drop\""),
        ("[schedule]\ngrace = \"-2h\"\n", 2, "schedule.grace", "expected a duration such as \"90s\", \"10m\" or \"2h\", found \"-2h\""),
        ("[control]\nidle_timeout = \"999999999d\"\n", 2, "control.idle_timeout", "expected a duration from 1s to 1d, found \"999999999d\""),
        ("[calendar]\nrefresh = \"999999999w\"\n", 2, "calendar.refresh", "expected a duration from 1m to 28d, found \"999999999w\""),
        ("[calendar]\nrefresh = \"30s\"\n", 2, "calendar.refresh", "expected a duration from 1m to 28d, found \"30s\""),
        ("[calendar]\nalarm = \"-999999999w\"\n", 2, "calendar.alarm", "expected an offset within 7d of the start, found \"-999999999w\""),
        ("[schedule]\ngrace = \"8d\"\n", 2, "schedule.grace", "expected a duration from 0m to 7d, found \"8d\""),
        ("[reminders]\nlate_limit = \"2d\"\n", 2, "reminders.late_limit", "expected a duration from 0m to 1d, found \"2d\""),
        ("[reminders]\nat = [\"-999999999w\"]\n", 2, "reminders.at", "expected offsets within 7d of the slot, found \"-999999999w\""),
        ("[schedule]\ngrace = \"" + String(repeating: "999999999w", count: 40) + "\"\n", 2, "schedule.grace",
         "expected a duration from 0m to 7d, found \"999999999w999999999w999999999w999999999w…\" (400 bytes)"),
        ("[plan]\nstart = \"next monday\"\n", 2, "plan.start", "expected a date YYYY-MM-DD, found \"next monday\""),
        ("[reminders]\nat = [\"soon\"]\n", 2, "reminders.at",
         "expected offsets such as \"-10m\", \"0m\", \"end\" or \"end+5m\", found \"soon\""),
        ("[reminders]\nenabled = \"yes\"\n", 2, "reminders.enabled", "expected true or false, found a string"),
        ("[calendar]\ncolor = \"#12345\"\n", 2, "calendar.color", "expected \"#rrggbb\" or a CSS colour name, found \"#12345\""),
        ("[control]\nmax_connections = 0\n", 2, "control.max_connections", "expected 1 to 4096, found 0"),
        ("plan = 3\n", 1, "plan", "expected a [section] such as [plan] or [schedule], found a bare key"),
        ("schedule.time = \"99:00\"\n", 1, "schedule.time", "expected a 24-hour time \"HH:MM\", found \"99:00\""),
        // Lines as the parser reports them: a table implied first and defined later, a key twice.
        ("[schedule.times]\nfri = \"07:00\"\n[schedule]\ntiem = 1\n", 4, "schedule.tiem",
         "unknown key; [schedule] has busy, days, grace, holidays, latest, lengths, minutes, on_missed, skip_dates, time, times, timezone"),
        ("[schedule]\ntime = \"18:00\"\n\ntime = \"19:00\"\n", 4, "schedule.time", "defined twice (first on line 2) (column 1)"),
        ("[plan]\n[plan]\n", 2, "plan", "the table is defined twice (first on line 1) (column 1)"),
        ("[schedule]\ngrace = \"" + String(repeating: "999999999w", count: 16000) + "\"\n", 2, "schedule.grace",
         "a string longer than 65536 bytes (column 9)"),
        ("[schedule]\ndays = [\n  \"mon\",\n  \"funday\",\n]\n", 2, "schedule.days", "expected day names such as \"mon\", found \"funday\""),
    ])
    func badValues(text: String, line: Int, key: String, message: String) {
        #expect(throws: ConfigError(file: "bad.toml", line: line, key: key, message: message)) {
            try ConfigLoader.parse(text, file: "bad.toml")
        }
    }

    /// What toml++ asserted on (each found by fuzz-config, once refused by a precheck) is a
    /// syntax error of the TOML parser, naming the line, and the column in the message.
    @Test(arguments: [
        ("[#schedule]\n", 1, "expected a table header such as [schedule], found '[#schedule]' (column 2)"),
        ("[schedule]\ntime = \"18:00\"\n[\u{F9}plan]\n", 3, "expected a table header such as [schedule], found '[\u{F9}plan]' (column 2)"),
        ("[plan\n", 1, "expected a table header such as [schedule], found '[plan' (column 6)"),
        ("[plan] x\n", 1, "expected a table header such as [schedule], found '[plan] x' (column 8)"),
        ("[sched\u{01}]\n", 1, "control character U+0001 is not allowed in TOML (column 7)"),
        ("[plan]\nfile = \"a\u{00}b\"\n", 2, "control character U+0000 is not allowed in TOML (column 10)"),
        ("# a comment with \"\"\" is no string\n[\u{F9}plan]\n", 2, "expected a table header such as [schedule], found '[\u{F9}plan]' (column 2)"),
        ("a = '''x''' # '''\n[\u{F9}plan]\n", 2, "expected a table header such as [schedule], found '[\u{F9}plan]' (column 2)"),
        ("[plan]\nstart = 2027-01-04 1\n", 2, "expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS), found '2027-01-04 1' (column 9)"),
        ("d= 2241-10-[s 0]\n", 1, "expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS), found '2241-10-' (column 4)"),
        ("d = [1, 2024-01-01 1]\n", 1, "expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS), found '2024-01-01 1' (column 9)"),
        ("d = 2024-01-01 1\u{FEFF}#\n", 1, "expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS), found '2024-01-01 1' (column 5)"),
        ("x = [\u{3000}}]\n", 1, "U+3000 is not allowed outside strings and comments in TOML; use spaces (column 6)"),
        ("[reminders]\nat = [\"-10m\", \u{85}", 2, "U+0085 is not allowed outside strings and comments in TOML; use spaces (column 15)"),
        ("is =1013-01-03ty:e", 1, "expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS), found '1013-01-03ty:e' (column 5)"),
        ("[plan]\nstart = 2027-01-04T\n", 2, "expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS), found '2027-01-04T' (column 9)"),
        ("[\u{65A}x]\n", 1, "expected a table header such as [schedule], found '[\u{65A}x]' (column 2)"),
        ("\u{FEFF}[\u{FF}.2\n", 1, "expected a table header such as [schedule], found '[\u{FF}.2' (column 2)"),
        ("[schedule]\ndays = [}]\n", 2, "expected a value or ']' in the array, found '}' (column 9)"),
        ("x = [\"a\", # a comment\n  }]\n", 2, "expected a value or ']' in the array, found '}' (column 3)"),
    ])
    func syntaxErrorsOnceFatalToTOMLPlusPlus(text: String, line: Int, message: String) {
        #expect(throws: ConfigError(file: "bad.toml", line: line, key: "", message: message)) {
            try ConfigLoader.parse(text, file: "bad.toml")
        }
    }

    @Test(arguments: ["[plan]\n", "[ plan ]  # the plan\n", "[\"plan\"]\n", "[[a.b-c]]\n", "a = \"\"\"\n[not a header]\n\"\"\"\n",
                      "[a . 'b.c' . \"d\\\"\"]\n", "x = [{}, {a = 1}]\n", "x = [\"[}\", ',}']  # [}\n", "t = { a = [1, 2] }\n", "d = 2024-01-01 12:30:00\n", "d = 2024-01-01T12:30:00Z\n", "d = 2024-01-01\n", "s = \"2024-01-01 1\"\n", "s = \"a\u{3000}b\" # \u{2028}\n",
                      "a = \"\"\"\nx \\\"\"\" [}\n[no header]\n\"\"\"\"\"\n", "b = '''\n[}'''\n"])
    func wellFormedHeadersPass(text: String) {
        #expect(throws: Never.self) { try TOML.parse(text) }
    }

    @Test func syntaxErrorsNameTheLine() {
        #expect {
            try ConfigLoader.parse("[schedule]\ntime = \"18:00\n", file: "bad.toml")
        } throws: { error in
            guard let e = error as? ConfigError else { return false }
            return e.line == 2 && e.description.hasPrefix("bad.toml:2: ")
        }
    }

    @Test func exitStatusIsEXConfig() {
        #expect(ConfigError.exitStatus == 78)
    }

    @Test func xdgPaths() {
        let p = Paths(environment: ["HOME": "/home/u", "XDG_RUNTIME_DIR": "/run/user/1000"], uid: 1000)
        #expect(p.configFile == "/home/u/.config/pgtrack/pgtrack.toml")
        #expect(p.stateDatabase == "/home/u/.local/state/pgtrack/pgtrack.sqlite")
        #expect(p.calendarFile == "/home/u/.local/share/pgtrack/pgtrack.ics")
        #expect(p.controlSocket == "/run/user/1000/pgtrack/control.sock")
        #expect(p.runtimeWarning == nil)

        let q = Paths(environment: ["HOME": "/h", "XDG_CONFIG_HOME": "/c", "XDG_DATA_HOME": "relative/ignored",
                                    "XDG_STATE_HOME": "/s"], uid: 42)
        #expect(q.configFile == "/c/pgtrack/pgtrack.toml")
        #expect(q.calendarFile == "/h/.local/share/pgtrack/pgtrack.ics")
        #expect(q.stateDatabase == "/s/pgtrack/pgtrack.sqlite")
        #expect(q.controlSocket == "/tmp/pgtrack-42/control.sock")
        #expect(q.runtimeWarning != nil)

        var config = Config()
        config.calendar.file = "/feed.ics"
        config.control.socket = "/sock"
        let r = Paths(environment: [:], uid: 1, config: config)
        #expect(r.calendarFile == "/feed.ics")
        #expect(r.controlSocket == "/sock")
        #expect(p.httpToken == "/home/u/.local/state/pgtrack/http-token")
    }

    @Test func aPlanInstanceHasItsOwnFiles() {
        let p = Paths(environment: ["HOME": "/home/u", "XDG_RUNTIME_DIR": "/run/user/1000"], uid: 1000, plan: "go")
        #expect(p.configFile == "/home/u/.config/pgtrack/go.toml")
        #expect(p.stateDatabase == "/home/u/.local/state/pgtrack/go.sqlite")
        #expect(p.calendarFile == "/home/u/.local/share/pgtrack/go.ics")
        #expect(p.controlSocket == "/run/user/1000/pgtrack/go.sock")
        #expect(p.httpToken == "/home/u/.local/state/pgtrack/go.http-token")
        for good in ["go", "rust-2027", "a", String(repeating: "z", count: 32)] { #expect(Paths.planNameProblem(good) == nil, "\(good)") }
        for bad in ["", "Go", "a_b", "a.b", "../x", "-", "--", "-a", "Rust", String(repeating: "z", count: 33), "pgtrack", "control", "é"] {
            #expect(Paths.planNameProblem(bad) != nil, "\(bad)")
        }
    }
}
