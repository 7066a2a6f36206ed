import FoundationEssentials
import PGTrackAPI
import PGTrackCore
import Varlink

/// What a status bar shows (`pgtrackctl status --format … [--follow]`): a short text, a
/// tooltip, the classes a bar styles by, and the progress. A pure function of `Status`
/// and `now`; its figures are the `Standing`'s, in the same words as everywhere else.
///
/// Classes: `running` (a slot with a task is on now), `due` (the next one starts within
/// the hour: the text counts down), `next`, `paused`, `finished`, `idle` (nothing
/// scheduled), `stopped` (pgtrackd is not there); `behind` or `ahead` beside any but
/// `finished`.
public struct StatusBar: Equatable, Sendable {
    public var text: String
    public var tooltip: String
    public var classes: [String]
    public var percentage: Int

    public enum Format: String, CaseIterable, Sendable {
        /// waybar's custom module, `return-type: json`.
        case waybar
        /// i3status-rust's custom block, `json = true` (`persistent = true` to follow).
        case i3bar
        /// polybar's `custom/script` with `tail = true`: a line with colour tags.
        case polybar
        /// The bar's fields and the whole `Status` reply, for scripts.
        case json
    }

    public init(text: String, tooltip: String, classes: [String], percentage: Int) {
        self.text = text
        self.tooltip = tooltip
        self.classes = classes
        self.percentage = percentage
    }

    /// The bar for `status` at `now`.
    public init(_ status: API.Overview, now: Date) {
        let zone = status.zone, s = status.standing
        let slots = SlotText(zone: zone, style: .plain)
        let today = LocalDate(now, in: zone)
        var text: String, classes: [String]
        if s.isFinished {
            text = "finished \(s.done)/\(s.total)"
            classes = ["finished"]
        } else if let current = status.current, let task = current.task, current.state == .scheduled {
            text = "\(task.id) until \(current.endDate.time(in: zone))"
            classes = ["running"]
        } else if let paused = s.pausedThrough {
            text = "paused through \(paused.weekday.shortName.capitalized) \(paused)"
            classes = ["paused"]
        } else if let next = status.next {
            let minutes = Self.minutes(until: next.startDate, now: now)
            let id = next.task?.id ?? next.id
            if minutes <= 60 {
                text = "\(id) in \(minutes) min"
                classes = ["due"]
            } else {
                text = "\(id) \(Self.when(next.startDate, today: today, zone: zone))"
                classes = ["next"]
            }
        } else {
            text = "\(s.done)/\(s.total)"
            classes = ["idle"]
        }
        if !s.isFinished, s.behind != 0 {
            text += s.behind > 0 ? " · \(s.behind) behind" : " · \(-s.behind) ahead"
            classes.append(s.behind > 0 ? "behind" : "ahead")
        }
        var tip = [printable(Markdown.plain(status.plan)), s.weekLine(today: today), s.progressText]
        if let current = status.current { tip.append("Now: " + slots.line(current)) }
        if let next = status.next { tip.append("Next: " + slots.line(next)) }
        if let paused = s.pausedText { tip.append(paused.prefix(1).uppercased() + paused.dropFirst()) }
        if !s.isFinished { tip.append("Behind: " + s.behindText) }
        tip.append(s.isFinished ? s.finishText : "Finish: " + s.finishText)
        self.init(text: text, tooltip: tip.joined(separator: "\n"), classes: classes, percentage: s.done * 100 / max(1, s.total))
    }

    /// What a bar shows while pgtrackd is not there.
    public static func stopped(_ why: String) -> StatusBar {
        StatusBar(text: "pgtrackd stopped", tooltip: why, classes: ["stopped"], percentage: 0)
    }

    /// Whole minutes until `start`, rounded up: `in 1 min` until the very start.
    static func minutes(until start: Date, now: Date) -> Int {
        Int((start.timeIntervalSince(now) / 60).rounded(.up))
    }

    /// `today 18:00`, `tomorrow 18:00`, `Tue 18:00`, `2027-01-04 18:00`.
    static func when(_ d: Date, today: LocalDate, zone: Zone) -> String {
        let day = LocalDate(d, in: zone), time = d.time(in: zone)
        switch day.dayNumber - today.dayNumber {
        case 0: return "today \(time)"
        case 1: return "tomorrow \(time)"
        case 2..<7: return "\(day.weekday.shortName.capitalized) \(time)"
        default: return "\(day) \(time)"
        }
    }

    /// The first instant after `now` at which the bar for `status` reads differently with
    /// time alone: the answer's own `until` (a slot starts or ends, a task falls due, the
    /// date turns), and within the hour before the next slot each minute of the
    /// countdown. Nil: only a change (a Monitor reply) can alter it.
    public static func nextChange(_ status: API.Overview, now: Date) -> Date? {
        var best = status.until.flatMap { Date(rfc3339: $0) }
        func consider(_ d: Date) { if d > now, best.map({ d < $0 }) ?? true { best = d } }
        if let next = status.next, status.finished == nil {
            let start = next.startDate
            let minutes = minutes(until: start, now: now)
            if minutes > 60 { consider(start.addingTimeInterval(-3600)) } else if minutes > 1 {
                consider(start.addingTimeInterval(-Double(60 * (minutes - 1))))
            }
        }
        return best
    }

    /// `status` for the bar: one line, no newline.
    public func line(_ format: Format, status: API.Overview? = nil) -> String {
        switch format {
        case .waybar:
            return JSON.object([("text", .string(text)), ("tooltip", .string(tooltip)), ("class", .array(classes.map(JSON.string))),
                                ("percentage", .int(Int64(percentage)))]).text
        case .i3bar:
            return JSON.object([("icon", .string("tasks")), ("state", .string(i3State)), ("text", .string(text))]).text
        case .polybar:
            return "%{F\(polybarColour)}\(text.replacing("%", with: "%%"))%{F-}"
        case .json:
            return JSON.object([("text", .string(text)), ("tooltip", .string(tooltip)), ("class", .array(classes.map(JSON.string))),
                                ("percentage", .int(Int64(percentage))), ("status", status?.wire ?? .null)]).text
        }
    }

    /// i3status-rust's states: Idle, Info, Good, Warning, Critical.
    var i3State: String {
        if classes.contains("stopped") { return "Critical" }
        if classes.contains("finished") { return "Good" }
        if classes.contains("due") || classes.contains("behind") { return "Warning" }
        if classes.contains("running") { return "Info" }
        return "Idle"
    }

    /// The page's Okabe–Ito colours: running blue, due and behind orange, finished green.
    var polybarColour: String {
        if classes.contains("stopped") { return "#d55e00" }
        if classes.contains("finished") { return "#009e73" }
        if classes.contains("behind") { return "#d55e00" }
        if classes.contains("due") { return "#e69f00" }
        if classes.contains("running") { return "#56b4e9" }
        return "#a0a0a6"
    }
}
