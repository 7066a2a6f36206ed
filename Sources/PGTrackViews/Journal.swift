import FoundationEssentials
import PGTrackAPI
import PGTrackCore
import Varlink

/// The learning log: the slots studied or noted, by plan week, with the minutes planned
/// and spent and the user's notes, and totals per stage.
///
/// A pure function of the slots and stages as the API shows them, like `Streaks` and
/// `Burndown`: `pgtrackctl journal` builds it from `ListSlots` and `Status`, the daemon
/// from the same values for `export --format markdown` and the progress page, so every
/// surface shows the same figures.
///
/// - An **entry** is a slot that is done, or that carries a study note (a skipped slot
///   can say why). Its date is the slot's day.
/// - **planned**: the slot's length in minutes. **spent**: the minutes the done slot
///   recorded (given, or measured from its start); none when neither.
/// - A total counts the **sessions** (done entries), their planned minutes, the spent
///   minutes of those that have them, and how many have none (**untimed**): an unknown
///   figure is never guessed.
public struct Journal: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var slot: String
        public var date: LocalDate
        public var state: SlotState
        public var task: API.Task?
        /// The stage's number, from the task; nil for a slot without a task.
        public var stage: Int?
        public var planned: Int
        public var spent: Int?
        public var note: String?

        public init(slot: String, date: LocalDate, state: SlotState, task: API.Task?, stage: Int?, planned: Int, spent: Int?, note: String?) {
            self.slot = slot
            self.date = date
            self.state = state
            self.task = task
            self.stage = stage
            self.planned = planned
            self.spent = spent
            self.note = note
        }
    }

    /// Sessions, minutes planned and spent over some entries.
    public struct Totals: Equatable, Sendable {
        public var sessions = 0
        public var planned = 0
        public var spent = 0
        public var untimed = 0

        public init() {}

        public init(_ entries: [Entry]) {
            for e in entries where e.state == .done {
                sessions += 1
                planned += e.planned
                if let s = e.spent { spent += s } else { untimed += 1 }
            }
        }
    }

    /// A plan week: the seven days from the plan's start + 7·(number − 1).
    public struct Week: Equatable, Sendable {
        public var number: Int
        public var from: LocalDate
        public var to: LocalDate
        public var entries: [Entry]
        public var totals: Totals { Totals(entries) }
    }

    public struct StageTotals: Equatable, Sendable {
        public var number: Int
        public var title: String
        public var totals: Totals
    }

    /// Weeks with at least one entry, in order.
    public var weeks: [Week]
    public var stages: [StageTotals]
    public var total: Totals
    /// The selection asked for, for what an empty journal says.
    public var week: Int?
    public var stage: Int?

    /// - Parameters:
    ///   - start: the plan's first day (`Overview.start`).
    ///   - week: only this plan week; `stage`: only the tasks of this stage.
    public init(slots: [API.Slot], stages: [API.StageProgress], start: LocalDate, zone: Zone, week: Int? = nil, stage: Int? = nil) {
        self.week = week
        self.stage = stage
        let stageOf = Dictionary(stages.map { ($0.title, $0.number) }, uniquingKeysWith: { first, _ in first })
        var byWeek: [Int: [Entry]] = [:]
        for slot in slots where slot.state == .done || slot.studyNote != nil {
            let entry = Entry(slot: slot.id, date: LocalDate(slot.startDate, in: zone), state: slot.state, task: slot.task,
                              stage: slot.task.flatMap { stageOf[$0.stage] },
                              planned: Int(slot.endDate.timeIntervalSince(slot.startDate) / 60),
                              spent: slot.state == .done ? slot.minutesSpent : nil, note: slot.studyNote)
            if let week, slot.week != week { continue }
            if let stage, entry.stage != stage { continue }
            byWeek[slot.week, default: []].append(entry)
        }
        weeks = byWeek.keys.sorted().map { n in
            let from = start.adding(days: 7 * (n - 1))
            return Week(number: n, from: from, to: from.adding(days: 6), entries: byWeek[n] ?? [])
        }
        let entries = weeks.flatMap(\.entries)
        let filtered = week != nil || stage != nil
        self.stages = stages.compactMap { s in
            let mine = entries.filter { $0.stage == s.number }
            if filtered, mine.isEmpty, s.number != stage { return nil }
            return StageTotals(number: s.number, title: s.title, totals: Totals(mine))
        }
        total = Totals(entries)
    }

    public var isEmpty: Bool { weeks.isEmpty }

    // MARK: - Text

    /// `pgtrackctl journal`: each week's entries, the note under its entry, then the
    /// totals per stage.
    public func text(style: Style) -> String {
        guard !isEmpty else {
            if let week { return "Nothing in the journal for week \(week).\n" }
            if let stage { return "Nothing in the journal for stage \(stage).\n" }
            return "Nothing in the journal yet: `pgtrackctl done --note TEXT --minutes N` records a session, "
                + "`pgtrackctl note SLOT TEXT` a note.\n"
        }
        var out = ""
        for week in weeks {
            out += style.bold("Week \(week.number)") + " · \(Self.day(week.from)) to \(Self.day(week.to))\n"
            var table = TextTable(header: ["DATE", "SLOT", "PLANNED", "SPENT", "TASK"])
            for e in week.entries {
                table.add([Self.day(e.date), e.slot, e.state == .done ? "\(e.planned) min" : "-",
                           e.spent.map { "\($0) min" } ?? "-", Self.title(e)])
            }
            var lines = table.render(headerStyle: style.bold).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            // Each note goes under its row, from the SLOT column on.
            let indent = String(repeating: " ", count: max(4, week.entries.map { Self.day($0.date).count }.max() ?? 0) + 2)
            var row = 1
            for e in week.entries {
                if let note = e.note {
                    let noted = note.split(separator: "\n", omittingEmptySubsequences: false).map { indent + style.dim(printable(String($0))) }
                    lines.insert(contentsOf: noted, at: row + 1)
                    row += noted.count
                }
                row += 1
            }
            out += lines.joined(separator: "\n")
            out += "Week \(week.number): \(Self.totalsText(week.totals))\n\n"
        }
        var table = TextTable(header: ["STAGE", "SESSIONS", "PLANNED", "SPENT"])
        for s in stages {
            table.add([printable(Stage(number: s.number, title: s.title).plainTitle), "\(s.totals.sessions)", "\(s.totals.planned) min",
                       Self.spentText(s.totals)])
        }
        if stages.count != 1 { table.add(["Total", "\(total.sessions)", "\(total.planned) min", Self.spentText(total)]) }
        return out + table.render(headerStyle: style.bold)
    }

    /// `Mon 2027-01-04`
    static func day(_ d: LocalDate) -> String { "\(d.weekday.shortName.capitalized) \(d)" }

    /// The task (`1.1 Read …`, inline Markdown as plain text) or what the slot was.
    static func title(_ e: Entry) -> String {
        if let task = e.task { return "\(task.id) " + printable(Markdown.plain(task.title)) }
        return "(\(e.state.rawValue))"
    }

    /// `45 min`, `45 min (1 not timed)`, or `-` when no session was timed.
    static func spentText(_ t: Totals) -> String {
        guard t.sessions > t.untimed else { return t.sessions == 0 ? "0 min" : "- (\(t.untimed) not timed)" }
        return "\(t.spent) min" + (t.untimed > 0 ? " (\(t.untimed) not timed)" : "")
    }

    /// `3 sessions · 90 min planned · 105 min spent (1 not timed)`
    static func totalsText(_ t: Totals) -> String {
        var text = "\(t.sessions) session\(t.sessions == 1 ? "" : "s") · \(t.planned) min planned"
        if t.sessions > t.untimed { text += " · \(t.spent) min spent" }
        return text + (t.untimed > 0 ? " (\(t.untimed) not timed)" : "")
    }

    // MARK: - Markdown

    /// The journal as Markdown, its heading at `level` (1 alone, 2 inside the plan's export).
    /// Notes are plain text: every character Markdown would read as markup is escaped,
    /// line breaks become `<br>`, so a note shows as it was written.
    public func markdown(level: Int = 1) -> String {
        let h = String(repeating: "#", count: level)
        var out = "\(h) Learning log\n\n"
        guard !isEmpty else { return out + "Nothing recorded yet.\n" }
        for week in weeks {
            out += "\(h)# Week \(week.number) · \(Self.day(week.from)) to \(Self.day(week.to))\n\n"
            out += "| Date | Slot | Task | Planned | Spent | Note |\n| --- | --- | --- | ---: | ---: | --- |\n"
            for e in week.entries {
                let task = e.task.map { "\($0.id) \(Self.markdownTitle($0.title))" } ?? "(\(e.state.rawValue))"
                out += "| \(Self.day(e.date)) | \(e.slot) | \(task) | \(e.state == .done ? "\(e.planned)" : "") | "
                    + "\(e.spent.map(String.init) ?? "") | \(e.note.map(Self.markdownText) ?? "") |\n"
            }
            out += "\nWeek \(week.number): \(Self.totalsText(week.totals)).\n\n"
        }
        out += "\(h)# Totals by stage\n\n| Stage | Sessions | Planned | Spent |\n| --- | ---: | ---: | ---: |\n"
        for s in stages {
            out += "| \(Self.markdownTitle(Stage(number: s.number, title: s.title).plainTitle)) | \(s.totals.sessions) | "
                + "\(s.totals.planned) min | \(Self.spentText(s.totals)) |\n"
        }
        if stages.count != 1 { out += "| Total | \(total.sessions) | \(total.planned) min | \(Self.spentText(total)) |\n" }
        return out
    }

    /// Plain text for a Markdown table cell: markup characters escaped with a backslash
    /// (CommonMark lets any ASCII punctuation be), `<br>` for a line break.
    public static func markdownText(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "\n": out += "<br>"
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "&", "~", "#", "!", "$": out += "\\" + String(c)
            default: out.append(c)
            }
        }
        return out
    }

    /// A plan task's title, Markdown already: only what would break the table is escaped.
    static func markdownTitle(_ text: String) -> String {
        text.replacing("|", with: "\\|")
    }

    // MARK: - JSON

    /// `pgtrackctl journal --json`.
    public var json: JSON {
        func totals(_ t: Totals) -> [(String, JSON)] {
            [("sessions", .int(Int64(t.sessions))), ("planned", .int(Int64(t.planned))), ("spent", .int(Int64(t.spent))),
             ("untimed", .int(Int64(t.untimed)))]
        }
        let weeks = self.weeks.map { w in
            JSON.object([("week", .int(Int64(w.number))), ("from", .string(w.from.description)), ("to", .string(w.to.description)),
                         ("entries", .array(w.entries.map { e in
                             .object([("slot", .string(e.slot)), ("date", .string(e.date.description)), ("state", .string(e.state.rawValue)),
                                      ("task", e.task?.wire ?? .null), ("stage", e.stage.map { .int(Int64($0)) } ?? .null),
                                      ("planned", .int(Int64(e.planned))), ("spent", e.spent.map { .int(Int64($0)) } ?? .null),
                                      ("note", e.note.map(JSON.string) ?? .null)])
                         }))] + totals(w.totals))
        }
        let stages = self.stages.map { s in
            JSON.object([("number", .int(Int64(s.number))), ("title", .string(s.title))] + totals(s.totals))
        }
        return .object([("weeks", .array(weeks)), ("stages", .array(stages)), ("total", .object(totals(total)))])
    }
}
