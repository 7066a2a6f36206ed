import FoundationEssentials

/// pgtrack's settings, validated. The defaults equal `config/pgtrack.toml`.
public struct Config: Sendable, Equatable {
    public var plan = PlanSettings()
    public var schedule = ScheduleSettings()
    public var reminders = ReminderSettings()
    public var calendar = CalendarSettings()
    public var control = ControlSettings()
    public var http = HTTPSettings()
    public var sync = SyncSettings()

    public init() {}

    public struct PlanSettings: Sendable, Equatable {
        public init() {}

        /// Path of the plan; empty for the built-in plan.
        public var file = ""
        /// First study day; nil for the next Monday.
        public var start: LocalDate?
        /// With a plan file: done and undone tick and untick its boxes, and a box ticked
        /// or unticked in an editor is read as done or undone.
        public var syncCheckboxes = true
    }

    public struct ScheduleSettings: Sendable, Equatable {
        public init() {}

        public var days: [Weekday] = [.monday, .tuesday, .wednesday, .thursday, .friday]
        public var time = TimeOfDay(hour: 18, minute: 0)
        public var minutes = 30
        /// `[schedule.times]`: the start on particular weekdays, instead of `time`.
        public var times: [Weekday: TimeOfDay] = [:]
        /// `[schedule.lengths]`: the minutes on particular weekdays, instead of `minutes`.
        public var lengths: [Weekday: Int] = [:]

        /// When the slot starts on `day`.
        public func time(on day: Weekday) -> TimeOfDay { times[day] ?? time }
        /// How many minutes the slot lasts on `day`.
        public func minutes(on day: Weekday) -> Int { lengths[day] ?? minutes }
        /// IANA zone name; empty for the system's zone.
        public var timezone = ""
        public var skipDates: [LocalDate] = []
        /// Path of an .ics file whose all-day events are blackout dates; empty for none.
        public var holidays = ""
        /// `.ics` files of times the user is busy (`~/` for the home folder): a slot that
        /// overlaps one of their events moves to its end, or is lost past `latest`.
        public var busy: [String] = []
        /// How late a slot the busy rule moves may end, on its own day.
        public var latest = TimeOfDay(hour: 22, minute: 0)
        public var onMissed = MissedPolicy.slide
        public var grace = Span.hours(2)
    }

    public struct ReminderSettings: Sendable, Equatable {
        public init() {}

        public var enabled = true
        public var at: [ReminderOffset] = [.start(-600), .start(0), .end(0)]
        public var lateLimit = Span.minutes(5)
    }

    public struct CalendarSettings: Sendable, Equatable {
        public init() {}

        /// Path of the feed; empty for `$XDG_DATA_HOME/pgtrack/pgtrack.ics`, `"none"` for
        /// no feed file (only the vdir, or later only HTTP).
        public var file = ""
        /// The `file` value that switches the feed file off.
        public static let noFeed = "none"
        /// Permission bits of the files written (feed, vdir); folders pgtrack creates are
        /// 0700. Private by default: skip reasons are personal.
        public var mode: UInt32 = 0o600
        /// Folder for one .ics per slot; empty for none.
        public var vdir = ""
        /// VALARM trigger relative to the start; nil for no alarm.
        public var alarm: Span? = Span.minutes(-10)
        public var cancelled = CancelledPolicy.keep
        /// Calendar name; empty for the plan's title.
        public var name = ""
        /// RFC 7986 COLOR (a CSS3 colour name or `#rrggbb`).
        public var color = "#336791"
        /// How often subscribed clients should refresh (REFRESH-INTERVAL, X-PUBLISHED-TTL).
        public var refresh = Span.hours(1)
    }

    public struct HTTPSettings: Sendable, Equatable {
        public init() {}

        /// Serve the feed over HTTP.
        public var enabled = true
        /// `host:port` addresses to listen on (`127.0.0.1:8787`, `[::1]:8787`); port 0 picks one.
        public var listen = ["127.0.0.1:8787"]
        /// More names the `Host` header may carry (a LAN name for a phone), besides the
        /// listen address, `localhost` and the loopback addresses.
        public var names: [String] = []
        /// PEM files for HTTPS; both or neither.
        public var tlsCert = ""
        public var tlsKey = ""
        public var maxConnections = 32
        public var timeout = Span(seconds: 10)
    }

    /// Syncing the vdir with a CalDAV server by running a command (vdirsyncer).
    public struct SyncSettings: Sendable, Equatable {
        public init() {}

        /// Off until the user has set up the command (it needs `calendar.vdir`).
        public var enabled = false
        /// The command and its arguments, run without a shell.
        public var command = ["vdirsyncer", "sync", "pgtrack"]
        /// How often to sync with nothing changed here (to pull edits from the server).
        public var interval = Span(seconds: 300)
        /// How long after a change here to sync (changes in a burst go together).
        public var debounce = Span(seconds: 2)
        /// A run that takes longer is stopped (SIGTERM, then SIGKILL 5 s later).
        public var timeout = Span(seconds: 120)
        /// What a slot's file deleted in the calendar means.
        public var deleted = DeletedPolicy.skip
    }

    public struct ControlSettings: Sendable, Equatable {
        public init() {}

        /// Path of the control socket; empty for `$XDG_RUNTIME_DIR/pgtrack/control.sock`.
        public var socket = ""
        public var maxConnections = 64
        public var idleTimeout = Span(seconds: 60)
    }
}

/// What happens to a slot that ended more than `grace` ago with its task not done.
public enum MissedPolicy: String, Sendable, CaseIterable {
    /// The slot becomes unusable and its task slides to the next usable slot.
    case slide
    /// The slot keeps its task, marked missed.
    case keep
}

/// What a slot's event deleted in the calendar (its vdir file gone) does.
public enum DeletedPolicy: String, Sendable, CaseIterable {
    /// The slot is skipped, as if cancelled.
    case skip
    /// The event is written back: deleting it changes nothing.
    case restore
}

/// How skipped slots appear in the calendar files.
public enum CancelledPolicy: String, Sendable, CaseIterable {
    case keep
    case drop
}

/// When a reminder fires, relative to a slot's start or end.
public enum ReminderOffset: Sendable, Hashable, CustomStringConvertible {
    /// Seconds after the start (negative: before).
    case start(Int)
    /// Seconds after the end.
    case end(Int)

    /// Parses `-10m`, `0m`, `end`, `end+5m`, `end-5m`.
    public init?(_ text: String) {
        let t = text.trimmingSpaces()
        if t == "end" { self = .end(0); return }
        if t.hasPrefix("end") {
            let rest = String(t.dropFirst(3))
            guard rest.first == "+" || rest.first == "-", let span = Span(rest) else { return nil }
            self = .end(span.seconds)
            return
        }
        guard let span = Span(t) else { return nil }
        self = .start(span.seconds)
    }

    public var description: String {
        switch self {
        case .start(let s): return Span(seconds: s).description
        case .end(0): return "end"
        case .end(let s): return "end" + (s > 0 ? "+" : "") + Span(seconds: s).description
        }
    }

    /// Counted from the slot's start (`-10m`, `0m`), not its end.
    public var countsFromStart: Bool {
        if case .start = self { return true }
        return false
    }

    /// The instant this reminder is due for a slot.
    public func due(start: Date, end: Date) -> Date {
        switch self {
        case .start(let s): return start.addingTimeInterval(TimeInterval(s))
        case .end(let s): return end.addingTimeInterval(TimeInterval(s))
        }
    }
}
