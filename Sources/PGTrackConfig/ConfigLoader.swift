import FoundationEssentials
import PGTrackCore
import PGTrackPlatform
import TOML

/// Reads `pgtrack.toml` into a validated `Config`.
///
/// Every key is checked: unknown sections and keys, wrong types and bad values are
/// refused with the file, the line and the dotted key, never ignored.
public enum ConfigLoader {
    /// Reads the file at `path`. A missing file is an error here; callers decide
    /// whether a missing default file means "use the defaults".
    public static func load(path: String) throws(ConfigError) -> Config {
        let bytes: [UInt8]
        do {
            bytes = try Files.readRegular(path, limit: 1 << 20)
        } catch {
            throw ConfigError(file: path, line: 0, key: "", message: error.explained ? "cannot read the file: \(error.step)" : "cannot read the file (\(error.errno))")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(file: path, line: 0, key: "", message: "cannot read the file (not UTF-8 text)")
        }
        return try parse(text, file: path)
    }

    /// Parses config text with the TOML target's parser, which reports syntax errors with
    /// their line and column, and the line of every key, used here for every error.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> Config {
        let root: TOMLTable
        do {
            root = try TOML.parse(text)
        } catch {
            let message = error.column > 0 ? "\(error.message) (column \(error.column))" : error.message
            throw ConfigError(file: file, line: error.line, key: error.key, message: message)
        }
        let reader = Reader(file: file)
        var config = Config()
        var sync: TOMLTable.Entry? = nil
        // In the order of the file, so that the first problem in it is the one reported.
        for entry in reader.byLine(root.entries) {
            let name = entry.key
            guard let section = entry.value.table else {
                throw reader.error(entry, name, "expected a [section] such as [plan] or [schedule], found a bare key")
            }
            switch name {
            case "plan": try reader.read(section, name, into: &config.plan, planKeys)
            case "schedule": try reader.read(section, name, into: &config.schedule, scheduleKeys)
            case "reminders": try reader.read(section, name, into: &config.reminders, reminderKeys)
            case "calendar": try reader.read(section, name, into: &config.calendar, calendarKeys)
            case "control": try reader.read(section, name, into: &config.control, controlKeys)
            case "http": try reader.read(section, name, into: &config.http, httpKeys)
            case "sync":
                sync = entry
                try reader.read(section, name, into: &config.sync, syncKeys)
            default:
                throw reader.error(entry, name, "unknown section; expected one of [plan], [schedule], [reminders], [calendar], [control], [http], [sync]")
            }
        }
        if config.sync.enabled, config.calendar.vdir.isEmpty, let sync {
            throw reader.error(sync, "sync", "sync.enabled needs calendar.vdir: the folder the sync command pairs with the server")
        }
        return config
    }

    // MARK: - Keys

    typealias Setter<S> = @Sendable (inout S, Value) throws(ValueError) -> Void

    static let planKeys: [String: Setter<Config.PlanSettings>] = [
        "file": { s, v throws(ValueError) in s.file = try v.string() },
        "start": { s, v throws(ValueError) in s.start = try v.optionalDate() },
        "sync_checkboxes": { s, v throws(ValueError) in s.syncCheckboxes = try v.bool() },
    ]

    static let scheduleKeys: [String: Setter<Config.ScheduleSettings>] = [
        "days": { s, v throws(ValueError) in
            let days = try v.strings().map { name throws(ValueError) in
                guard let d = Weekday(name: name) else { throw ValueError("expected day names such as \"mon\", found \(quoted(name))") }
                return d
            }
            guard !days.isEmpty else { throw ValueError("expected at least one day") }
            guard Set(days).count == days.count else { throw ValueError("a day is listed twice") }
            s.days = days.sorted()
        },
        "time": { s, v throws(ValueError) in
            let t = try v.string()
            guard let time = TimeOfDay(t) else { throw ValueError("expected a 24-hour time \"HH:MM\", found \(quoted(t))") }
            s.time = time
        },
        "minutes": { s, v throws(ValueError) in s.minutes = try v.int(in: 5...720) },
        // [schedule.times] and [schedule.lengths]: the same, per weekday.
        "times": { s, v throws(ValueError) in
            s.times = try v.weekdayTable { value throws(ValueError) in
                let t = try value.string()
                guard let time = TimeOfDay(t) else { throw ValueError("expected a 24-hour time \"HH:MM\", found \(quoted(t))") }
                return time
            }
        },
        "lengths": { s, v throws(ValueError) in
            s.lengths = try v.weekdayTable { value throws(ValueError) in try value.int(in: 5...720) }
        },
        "timezone": { s, v throws(ValueError) in
            let z = try v.string()
            guard z.isEmpty || Zone(identifier: z) != nil else {
                throw ValueError("expected an IANA time zone such as \"Europe/Berlin\", found \(quoted(z))")
            }
            s.timezone = z
        },
        "skip_dates": { s, v throws(ValueError) in s.skipDates = try v.dates() },
        "holidays": { s, v throws(ValueError) in s.holidays = try v.string() },
        "busy": { s, v throws(ValueError) in
            let files = try v.strings()
            for f in files where !(f.hasPrefix("/") || f.hasPrefix("~/")) || f.contains("\0") {
                throw ValueError("expected .ics files as absolute paths or ~/…, found \(quoted(f))")
            }
            guard files.count <= 16 else { throw ValueError("at most 16 busy calendars, found \(files.count)") }
            s.busy = files
        },
        "latest": { s, v throws(ValueError) in
            let t = try v.string()
            guard let time = TimeOfDay(t) else { throw ValueError("expected a 24-hour time \"HH:MM\", found \(quoted(t))") }
            s.latest = time
        },
        "on_missed": { s, v throws(ValueError) in s.onMissed = try v.choice(MissedPolicy.self) },
        "grace": { s, v throws(ValueError) in s.grace = try v.span(in: 0...Bound.week) },
    ]

    static let reminderKeys: [String: Setter<Config.ReminderSettings>] = [
        "enabled": { s, v throws(ValueError) in s.enabled = try v.bool() },
        "at": { s, v throws(ValueError) in
            s.at = try v.strings().map { t throws(ValueError) in
                guard let o = ReminderOffset(t) else {
                    throw ValueError("expected offsets such as \"-10m\", \"0m\", \"end\" or \"end+5m\", found \(quoted(t))")
                }
                let seconds: Int
                switch o { case .start(let x), .end(let x): seconds = x }
                guard abs(seconds) <= Bound.week else { throw ValueError("expected offsets within 7d of the slot, found \(quoted(t))") }
                return o
            }
            guard Set(s.at).count == s.at.count else { throw ValueError("a reminder is listed twice") }
        },
        "late_limit": { s, v throws(ValueError) in s.lateLimit = try v.span(in: 0...Bound.day) },
    ]

    static let calendarKeys: [String: Setter<Config.CalendarSettings>] = [
        "file": { s, v throws(ValueError) in s.file = try v.string() },
        "vdir": { s, v throws(ValueError) in s.vdir = try v.string() },
        "alarm": { s, v throws(ValueError) in
            let t = try v.string()
            if t.isEmpty { s.alarm = nil; return }
            guard let span = Span(t) else { throw ValueError("expected an offset such as \"-10m\", or \"\" for none, found \(quoted(t))") }
            guard abs(span.seconds) <= Bound.week else { throw ValueError("expected an offset within 7d of the start, found \(quoted(t))") }
            s.alarm = span
        },
        "cancelled": { s, v throws(ValueError) in s.cancelled = try v.choice(CancelledPolicy.self) },
        "mode": { s, v throws(ValueError) in
            let t = try v.string()
            guard (3...4).contains(t.count), let m = UInt32(t, radix: 8), m <= 0o777 else {
                throw ValueError("expected octal permission bits such as \"0600\" or \"0644\", found \(quoted(t))")
            }
            guard m & 0o600 == 0o600 else { throw ValueError("expected the owner to keep read and write (0600 at least), found \(quoted(t))") }
            guard m & 0o022 == 0 else { throw ValueError("expected no write permission for group or others, found \(quoted(t))") }
            s.mode = m
        },
        "name": { s, v throws(ValueError) in s.name = try v.string() },
        "color": { s, v throws(ValueError) in
            let c = try v.string()
            let hex = c.hasPrefix("#") && c.count == 7 && c.dropFirst().allSatisfy(\.isHexDigit)
            guard hex || (!c.isEmpty && c.allSatisfy { $0.isASCII && $0.isLetter }) else {
                throw ValueError("expected \"#rrggbb\" or a CSS colour name, found \(quoted(c))")
            }
            s.color = c
        },
        "refresh": { s, v throws(ValueError) in
            s.refresh = try v.span(in: 60...(4 * Bound.week))
        },
    ]

    static let controlKeys: [String: Setter<Config.ControlSettings>] = [
        "socket": { s, v throws(ValueError) in s.socket = try v.string() },
        "max_connections": { s, v throws(ValueError) in s.maxConnections = try v.int(in: 1...4096) },
        "idle_timeout": { s, v throws(ValueError) in
            s.idleTimeout = try v.span(in: 1...Bound.day)
        },
    ]
}

/// A value as an error message shows it: quoted, and cut after 40 characters so that a
/// runaway value cannot make a runaway message (or log line, or reply).
func quoted(_ value: String) -> String {
    value.count <= 40 ? "\"\(value)\"" : "\"\(value.prefix(40))…\" (\(value.utf8.count) bytes)"
}

/// Upper bounds of the duration keys, in seconds.
enum Bound {
    static let day = 86400
    static let week = 7 * 86400
}

extension ConfigLoader {
    static let httpKeys: [String: Setter<Config.HTTPSettings>] = [
        "enabled": { s, v throws(ValueError) in s.enabled = try v.bool() },
        "listen": { s, v throws(ValueError) in
            let list = try v.stringOrStrings()
            guard !list.isEmpty else { throw ValueError("expected at least one address such as \"127.0.0.1:8787\"") }
            for a in list where ListenAddress(a) == nil {
                throw ValueError("expected addresses such as \"127.0.0.1:8787\" or \"[::1]:8787\", found \(quoted(a))")
            }
            s.listen = list
        },
        "names": { s, v throws(ValueError) in s.names = try v.strings() },
        "tls_cert": { s, v throws(ValueError) in s.tlsCert = try v.string() },
        "tls_key": { s, v throws(ValueError) in s.tlsKey = try v.string() },
        "max_connections": { s, v throws(ValueError) in s.maxConnections = try v.int(in: 1...1024) },
        "timeout": { s, v throws(ValueError) in s.timeout = try v.span(in: 1...Bound.day) },
    ]
}

extension ConfigLoader {
    static let syncKeys: [String: Setter<Config.SyncSettings>] = [
        "enabled": { s, v throws(ValueError) in s.enabled = try v.bool() },
        "command": { s, v throws(ValueError) in
            let c = try v.strings()
            guard let program = c.first, !program.isEmpty else { throw ValueError("expected a command such as [\"vdirsyncer\", \"sync\", \"pgtrack\"]") }
            guard !c.contains(where: { $0.contains("\0") }) else { throw ValueError("expected no NUL in the command") }
            s.command = c
        },
        "interval": { s, v throws(ValueError) in s.interval = try v.span(in: 1...Bound.day) },
        "debounce": { s, v throws(ValueError) in s.debounce = try v.span(in: 0...3600) },
        "timeout": { s, v throws(ValueError) in s.timeout = try v.span(in: 1...Bound.day) },
        "deleted": { s, v throws(ValueError) in s.deleted = try v.choice(DeletedPolicy.self) },
    ]
}

/// A value that does not fit its key; the loader adds file, line and key.
struct ValueError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// One TOML value being checked.
struct Value {
    var node: TOMLValue

    private func typeError(_ expected: String) -> ValueError {
        ValueError("expected \(expected), found \(node.kindDescription)")
    }

    func string() throws(ValueError) -> String {
        guard let s = node.string else { throw typeError("a string") }
        return s
    }

    func bool() throws(ValueError) -> Bool {
        guard let b = node.boolean else { throw typeError("true or false") }
        return b
    }

    func int(in range: ClosedRange<Int>) throws(ValueError) -> Int {
        guard let i = node.integer.flatMap({ Int(exactly: $0) }) else { throw typeError("an integer") }
        guard range.contains(i) else { throw ValueError("expected \(range.lowerBound) to \(range.upperBound), found \(i)") }
        return i
    }

    /// A table keyed by weekday names (`mon = …`, `fri = …`), each value read by `read`.
    func weekdayTable<T>(_ read: (Value) throws(ValueError) -> T) throws(ValueError) -> [Weekday: T] {
        guard let table = node.table else { throw typeError("a table of weekdays such as { fri = … }") }
        var out: [Weekday: T] = [:]
        for key in table.keys.sorted() {
            guard let day = Weekday(name: key) else { throw ValueError("expected day names such as \"mon\", found \(quoted(key))") }
            guard out[day] == nil else { throw ValueError("\(quoted(key)) names a day given already") }
            guard let value = table[key] else { continue }
            do {
                out[day] = try read(Value(node: value))
            } catch {
                throw ValueError("\(key): \(error.message)")
            }
        }
        return out
    }

    /// A string or an array of strings (`listen = "a"` or `listen = ["a", "b"]`).
    func stringOrStrings() throws(ValueError) -> [String] {
        if let s = node.string { return [s] }
        return try strings()
    }

    func strings() throws(ValueError) -> [String] {
        guard let array = node.array else { throw typeError("an array of strings") }
        var out: [String] = []
        for element in array {
            guard let s = element.string else { throw typeError("an array of strings") }
            out.append(s)
        }
        return out
    }

    func choice<E: RawRepresentable & CaseIterable>(_: E.Type) throws(ValueError) -> E where E.RawValue == String {
        let s = try string()
        guard let e = E(rawValue: s) else {
            throw ValueError("expected " + E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ") + ", found \(quoted(s))")
        }
        return e
    }

    /// A duration within `range` (seconds): every duration key has an upper bound, so
    /// nothing downstream (timers, iCalendar's 32-bit durations) sees an absurd value.
    func span(in range: ClosedRange<Int>) throws(ValueError) -> Span {
        let s = try string()
        guard let span = Span(s), span.seconds >= 0 else {
            throw ValueError("expected a duration such as \"90s\", \"10m\" or \"2h\", found \(quoted(s))")
        }
        guard range.contains(span.seconds) else {
            throw ValueError("expected a duration from \(Span(seconds: range.lowerBound)) to \(Span(seconds: range.upperBound)), found \(quoted(s))")
        }
        return span
    }

    /// A date written as a TOML date (`2026-12-07`) or a string (`"2026-12-07"`).
    static func date(_ node: TOMLValue) throws(ValueError) -> LocalDate {
        if let d = node.localDate { return LocalDate(year: d.year, month: d.month, day: d.day) }
        guard let s = node.string else { throw ValueError("expected a date YYYY-MM-DD, found \(node.kindDescription)") }
        guard let d = LocalDate(s) else { throw ValueError("expected a date YYYY-MM-DD, found \(quoted(s))") }
        return d
    }

    func optionalDate() throws(ValueError) -> LocalDate? {
        if node.string == "" { return nil }
        return try Value.date(node)
    }

    func dates() throws(ValueError) -> [LocalDate] {
        guard let array = node.array else { throw typeError("an array of dates") }
        var out: [LocalDate] = []
        for element in array { out.append(try Value.date(element)) }
        return out
    }
}

/// Reads sections into settings, naming the line the parser gave each key in errors.
struct Reader {
    var file: String

    func error(_ entry: TOMLTable.Entry, _ key: String, _ message: String) -> ConfigError {
        ConfigError(file: file, line: entry.line, key: key, message: message)
    }

    /// The entries in the order of their lines (a table implied early and defined later
    /// by its own header counts from that header).
    func byLine(_ entries: [TOMLTable.Entry]) -> [TOMLTable.Entry] {
        entries.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
    }

    func read<S>(_ table: TOMLTable, _ section: String, into settings: inout S,
                 _ setters: [String: ConfigLoader.Setter<S>]) throws(ConfigError) {
        for entry in byLine(table.entries) {
            let key = entry.key
            guard let setter = setters[key] else {
                let known = setters.keys.sorted().joined(separator: ", ")
                throw error(entry, "\(section).\(key)", "unknown key; [\(section)] has \(known)")
            }
            do {
                try setter(&settings, Value(node: entry.value))
            } catch {
                throw self.error(entry, "\(section).\(key)", error.message)
            }
        }
    }
}
