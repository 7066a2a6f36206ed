import FoundationEssentials
import PGTrackAPI
import PGTrackCore

/// Terminal styling: colour only when asked for (on a terminal, without NO_COLOR).
public struct Style: Sendable {
    public let enabled: Bool

    public init(enabled: Bool) { self.enabled = enabled }

    public static let plain = Style(enabled: false)

    public func paint(_ text: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    public func bold(_ t: String) -> String { paint(t, "1") }
    public func green(_ t: String) -> String { paint(t, "32") }
    public func red(_ t: String) -> String { paint(t, "31") }
    public func yellow(_ t: String) -> String { paint(t, "33") }
    public func dim(_ t: String) -> String { paint(t, "2") }

    public func state(_ state: SlotState) -> String {
        switch state {
        case .done: return green(state.rawValue)
        case .missed: return red(state.rawValue)
        case .skipped, .paused: return dim(state.rawValue)
        case .catchUp: return yellow(state.rawValue)
        case .scheduled: return state.rawValue
        }
    }
}

/// Text that came from the daemon or the plan, made safe to print: control characters
/// (ESC, BEL, the C1 range, DEL) are replaced, so a plan or a reply cannot move the
/// cursor, retitle the terminal or ring the bell. So are the bidirectional embeddings,
/// overrides and isolates (U+202A–U+202E, U+2066–U+2069): a U+202E in a task title or a
/// busy summary would reverse the rest of the line as the terminal shows it. Tabs
/// become spaces.
public func printable(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isControl) else { return text }
    var out = String.UnicodeScalarView()
    for s in text.unicodeScalars {
        if s == "\t" { out.append(" ") } else if isControl(s) { out.append("\u{FFFD}") } else { out.append(s) }
    }
    return String(out)
}

private func isControl(_ s: Unicode.Scalar) -> Bool {
    s.value < 0x20 || (0x7F...0x9F).contains(s.value) || (0x202A...0x202E).contains(s.value) || (0x2066...0x2069).contains(s.value)
}

/// How the CLI shows slots: one line, or a table row.
public struct SlotText {
    public let zone: Zone
    public let style: Style

    public init(zone: Zone, style: Style) {
        self.zone = zone
        self.style = style
    }

    /// `Tue 2027-01-05 18:00–18:30`
    public func when(_ slot: API.Slot) -> String {
        let day = LocalDate(slot.startDate, in: zone)
        return "\(day.weekday.shortName.capitalized) \(day) \(slot.startDate.time(in: zone))–\(slot.endDate.time(in: zone))"
    }

    public func title(_ slot: API.Slot) -> String {
        if let task = slot.task { return printable(Markdown.plain(task.title)) }
        switch slot.state {
        case .skipped: return "(skipped)"
        case .paused: return "(paused)"
        case .missed: return "(missed)"
        default: return "Catch-up: Week \(slot.week)"
        }
    }

    /// The title and, for a slot a busy calendar moved, why: `Install PostgreSQL (after Late meeting)`.
    public func titleAndNote(_ slot: API.Slot) -> String {
        title(slot) + (slot.note.map { " (" + printable($0) + ")" } ?? "")
    }

    public func row(_ slot: API.Slot) -> [String] {
        [slot.id, when(slot), style.state(slot.state), slot.task?.id ?? "-", titleAndNote(slot)]
    }

    /// `w01d2 Tue 2027-01-05 18:00–18:30 · 1.2 Install PostgreSQL`
    public func line(_ slot: API.Slot) -> String {
        let task = slot.task.map { "\($0.id) " } ?? ""
        return "\(slot.id) \(when(slot)) · \(task)\(titleAndNote(slot))"
    }

    public func table(_ slots: [API.Slot]) -> String {
        var table = TextTable(header: ["SLOT", "WHEN", "STATE", "TASK", "TITLE"])
        for slot in slots { table.add(row(slot)) }
        return table.render(headerStyle: style.bold)
    }
}

extension API.Overview {
    /// What `pgtrackctl status` prints; `today` is the plan's local date now.
    public func text(style: Style, today: LocalDate) -> String {
        let zone = self.zone
        let standing = self.standing
        let slots = SlotText(zone: zone, style: style)
        var rows: [(String, String)] = []
        if let finished = standing.finishedText { rows.append(("Finished", style.green(finished))) }
        rows += [
            ("Stage", printable(stage)),
            ("Week", standing.weekText(today: today)),
            ("Progress", standing.progressText),
        ]
        if let current { rows.append(("Now", slots.line(current))) }
        if let next { rows.append(("Next", slots.line(next))) }
        if let paused = standing.pausedText { rows.append(("Paused", paused)) }
        if !standing.isFinished {
            rows.append(("Behind", standing.behind > 0 ? style.yellow(standing.behindText) : standing.behindText))
            rows.append(("Finish", standing.finishText))
        }
        rows.append(("Reminders", printable(notifications)))
        if let sync { rows.append(("Sync", printable(sync))) }
        if let busy { rows.append(("Busy", printable(busy))) }
        rows.append(("Time zone", zone.identifier))
        var out = "\(style.green("●")) \(style.bold(printable(plan)))\n"
        let width = rows.map(\.0.count).max() ?? 0
        for (label, value) in rows {
            out += String(repeating: " ", count: width - label.count + 4) + "\(label): \(value)\n"
        }
        return out
    }
}

extension Streaks {
    /// `4 done in a row now · longest 12`
    public var text: String { "\(current) done in a row now · longest \(longest)" }
}

/// What `pgtrackctl progress` prints: a bar per stage, the finish and the streaks, and a
/// week-by-day grid.
public func progressText(status: API.Overview, slots: [API.Slot], now: Date, style: Style) -> String {
    let stages = status.stages
    var out = ""
    let titles = stages.map { printable(Stage(number: $0.number, title: $0.title).plainTitle) }
    let width = titles.map(\.count).max() ?? 0
    for (stage, title) in zip(stages, titles) {
        let total = max(1, stage.total)
        let filled = stage.done * 20 / total
        let bar = style.green(String(repeating: "█", count: filled)) + style.dim(String(repeating: "░", count: 20 - filled))
        out += title + String(repeating: " ", count: width - title.count + 2) + bar + " \(stage.done)/\(stage.total)\n"
    }
    out += "\nFinish: \(status.standing.finishText)\nStreak: \(Streaks(slots: slots, now: now).text)\n\n"
    // One row a week, one column a study day.
    let days = max(1, slots.map(\.day).max() ?? 5)
    let weeks = slots.map(\.week).max() ?? 0
    var cells: [SlotID: SlotState] = [:]
    for slot in slots { cells[SlotID(week: slot.week, day: slot.day)] = slot.state }
    out += "Week" + (1...days).map { "  d\($0)" }.joined() + "\n"
    if weeks > 0 {
        for w in 1...weeks {
            var line = String(repeating: " ", count: max(0, 4 - String(w).count)) + "\(w)"
            for d in 1...days {
                let symbol: String
                switch cells[SlotID(week: w, day: d)] {
                case .done: symbol = style.green("✔")
                case .skipped: symbol = style.dim("✗")
                case .paused: symbol = style.dim("‖")
                case .missed: symbol = style.red("!")
                case .catchUp: symbol = style.yellow("○")
                case .scheduled: symbol = "·"
                case nil: symbol = " "
                }
                line += "   " + symbol
            }
            while line.last == " " { line.removeLast() }
            out += line + "\n"
        }
    }
    out += "\n✔ done  ✗ skipped  ‖ paused  ! missed  · upcoming  ○ catch-up\n"
    return out
}
