import FoundationEssentials

/// One reminder of one slot, due at `due`.
public struct Reminder: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// One of the configured reminders (`reminders.at`).
        case offset(ReminderOffset)
        /// The reminder a snooze put off, now due.
        case snoozed
    }

    /// Unique per slot, its start time and the reminder, so that a rescheduled slot
    /// gets its reminders again and nothing fires twice. Recorded in the ledger.
    public var key: String
    public var slot: SlotID
    public var kind: Kind
    public var due: Date

    public static func key(_ slot: Slot, _ what: String) -> String {
        "\(slot.id)@\(Int(slot.start.timeIntervalSince1970))@\(what)"
    }
}

/// What to send now: reminders on time, one late reminder per running slot, and the
/// rest folded into one digest.
public struct ReminderBatch: Sendable, Equatable {
    public var send: [Reminder] = []
    /// Sent late as a single reminder because their slot is still running.
    public var late: [Reminder] = []
    /// Too late to send alone: summarised in one digest.
    public var digest: [Reminder] = []
}

/// The reminder policy (SPEC §4), a pure function of the schedule, the record of what
/// fired, and now. Waiting for the due time is the daemon's job.
public enum Reminders {
    /// How far back a reminder nobody saw can still be worth a line in the digest.
    public static let horizon: TimeInterval = 24 * 3600

    /// Every reminder of every slot that still wants reminding (a task, not done, not
    /// skipped), with snoozes applied: a snooze replaces the slot's reminders due
    /// before or when it ends with one reminder when it ends (a snooze from 17:50 for ten
    /// minutes and the 18:00 reminder are one bubble, not two at once).
    ///
    /// A started slot (`pgtrackctl start`, the bubble's Start) is not told to start
    /// again: its reminders counted from the start that fall due after it was started are
    /// dropped, and the start supersedes an earlier snooze (`Scheduler`). Those counted
    /// from the end stay (the end is still the time to mark it done), and so does a snooze
    /// made after the start; an undone start brings the others back.
    public static func all(_ schedule: Schedule, offsets: [ReminderOffset]) -> [Reminder] {
        var out: [Reminder] = []
        for slot in schedule.slots where slot.task != nil && (slot.state == .scheduled || slot.state == .missed) {
            let until = slot.snoozedUntil
            let started = slot.startedAt
            for offset in offsets {
                let due = offset.due(start: slot.start, end: slot.end)
                if let until, due <= until { continue }
                if let started, offset.countsFromStart, due >= started { continue }
                out.append(Reminder(key: Reminder.key(slot, offset.description), slot: slot.id, kind: .offset(offset), due: due))
            }
            if let until {
                out.append(Reminder(key: Reminder.key(slot, "snooze-\(Int(until.timeIntervalSince1970))"), slot: slot.id,
                                    kind: .snoozed, due: until))
            }
        }
        return out.sorted { ($0.due, $0.key) < ($1.due, $1.key) }
    }

    /// What is due at `now` and not yet fired.
    ///
    /// A reminder at most `lateLimit` late is sent as usual. One later than that (the
    /// machine slept, the daemon was down, no notification server) is not sent alone:
    /// if its slot is still running, the slot gets one late reminder (the latest one);
    /// everything else goes into the digest. Reminders due more than a day ago are
    /// forgotten.
    public static func due(_ schedule: Schedule, offsets: [ReminderOffset], lateLimit: Span,
                           fired: Set<String>, now: Date) -> ReminderBatch {
        var batch = ReminderBatch()
        var lateBySlot: [SlotID: [Reminder]] = [:]
        for r in all(schedule, offsets: offsets) where r.due <= now && !fired.contains(r.key) {
            let lateness = now.timeIntervalSince(r.due)
            if lateness > horizon { continue }
            if lateness <= lateLimit.timeInterval {
                batch.send.append(r)
            } else {
                lateBySlot[r.slot, default: []].append(r)
            }
        }
        for (id, reminders) in lateBySlot.sorted(by: { $0.key < $1.key }) {
            var rest = reminders
            if let slot = schedule.slot(id), slot.contains(now), let latest = rest.popLast() {
                batch.late.append(latest)
            }
            batch.digest += rest
        }
        batch.digest.sort { ($0.due, $0.key) < ($1.due, $1.key) }
        return batch
    }

    /// The keys the ledger records as fired.
    public static func fired(_ events: [LedgerEvent]) -> Set<String> {
        Set(events.compactMap { $0.kind == .reminderFired ? $0.text : nil })
    }
}

extension Schedule {
    /// The words of a reminder: the summary says what to study, the body when and where
    /// in the plan (Markdown in titles rendered plainly).
    public func reminderText(_ r: Reminder, zone: Zone, late: Bool = false) -> (summary: String, body: String) {
        guard let slot = slot(r.slot) else { return ("pgtrack", r.key) }
        let title = slot.task.flatMap { plan.task($0)?.plainTitle } ?? self.title(of: slot)
        let summary = "Week \(slot.week) · \(title)"
        let hhmm = { (d: Date) in d.time(in: zone).description }
        var where_ = "\(hhmm(slot.start))–\(hhmm(slot.end))"
        if let stage = plan.stage(ofWeek: slot.week) { where_ += " · \(stage.plainTitle.split(separator: "(").first.map { $0.trimmingSpaces() } ?? stage.plainTitle)" }
        if let task = slot.task { where_ += " · task \(task)" }
        let lead: String
        switch r.kind {
        case .offset(.start(let s)) where late: lead = s <= 0 ? "Started at \(hhmm(slot.start)) (reminder delayed)" : "Running since \(hhmm(slot.start))"
        case .offset(.start(let s)) where s < 0: lead = "Starts in \(Span(seconds: -s).description.replacing("m", with: " min"))"
        case .offset(.start(0)): lead = "Now"
        case .offset(.start): lead = "Running since \(hhmm(slot.start))"
        case .offset(.end): lead = "Ended at \(hhmm(slot.end)). Done? pgtrackctl done \(slot.id)"
        case .snoozed: lead = "Snoozed reminder"
        }
        return (summary, "\(lead) · \(where_)")
    }

    /// One bubble for every reminder that could not be shown in time.
    public func digestText(_ reminders: [Reminder], zone: Zone) -> (summary: String, body: String) {
        let slots = Array(Set(reminders.map(\.slot))).sorted()
        var lines: [String] = []
        for id in slots.prefix(8) {
            guard let slot = slot(id) else { continue }
            let title = slot.task.flatMap { plan.task($0)?.plainTitle } ?? self.title(of: slot)
            lines.append("\(slot.start.formatted(in: zone)) \(id) · \(title)")
        }
        if slots.count > 8 { lines.append("and \(slots.count - 8) more") }
        let n = reminders.count
        return ("pgtrack: \(n) reminder\(n == 1 ? "" : "s") missed while away", lines.joined(separator: "\n"))
    }
}
