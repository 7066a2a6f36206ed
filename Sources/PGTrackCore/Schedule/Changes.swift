import FoundationEssentials

/// A change the user asks for, before it is checked and recorded.
public enum Change: Sendable, Equatable {
    case skip(SlotID, reason: String?)
    case reschedule(SlotID, to: Date)
    /// Marks the slot's task done, with what was learned and the minutes spent. Without
    /// `minutes`, they are measured from the slot's `start`, if it was started.
    case complete(SlotID, note: String? = nil, minutes: Int? = nil)
    case reopen(SlotID)
    /// The user starts studying the slot now: `complete` measures the minutes from here.
    case start(SlotID)
    /// Adds or replaces the slot's study note; an empty text removes it.
    case note(SlotID, text: String)
    case snooze(SlotID, until: Date)
    /// Every slot on the dates `from...to` (inclusive) is paused: its task and the later
    /// ones slide on, as after a skip; a done slot stays done.
    case pause(from: LocalDate, to: LocalDate, reason: String?)
    /// Ends the pauses in effect from today (in the plan's zone) onward.
    case resume
    case undo
}

/// A change that was refused; the API layer gives each case its error name.
public enum ScheduleError: Error, Equatable, CustomStringConvertible {
    case noSuchSlot(String)
    case slotInPast(SlotID, start: String)
    case overlap(SlotID, with: SlotID, at: String)
    case invalidTime(String)
    case alreadyDone(SlotID)
    case notDone(SlotID)
    case skipped(SlotID)
    case noTask(SlotID)
    case nothingToUndo
    case invalidReason(String)
    case notPaused(LocalDate)
    case paused(SlotID)
    case invalidNote(String)

    public var description: String {
        switch self {
        case .noSuchSlot(let s): return "no slot \(s) in the schedule"
        case .slotInPast(let s, let start): return "\(s) cannot start in the past (\(start))"
        case .overlap(let s, let other, let at): return "\(s) would overlap \(other) (\(at))"
        case .invalidTime(let t): return "invalid time: \(t)"
        case .alreadyDone(let s): return "\(s) is done; use 'undone \(s)' first"
        case .notDone(let s): return "\(s) is not done"
        case .skipped(let s): return "\(s) was skipped; use 'undo' to bring it back"
        case .noTask(let s): return "\(s) has no task (a catch-up slot)"
        case .nothingToUndo: return "nothing to undo"
        case .invalidReason(let why): return why
        case .notPaused(let day): return "no pause is in effect on \(day) or after"
        case .paused(let s): return "\(s) is paused; 'resume' or 'undo' brings it back"
        case .invalidNote(let why): return why
        }
    }
}

extension ScheduleInput {
    /// How far past the plan's last slot a slot may be moved.
    public static let rescheduleSlack: TimeInterval = 366 * 86400
    /// The longest skip reason, in characters.
    public static let maxReasonLength = 300
    /// The longest pause, in days.
    public static let maxPauseDays = 366

    /// A skip reason as the ledger keeps it: at most `maxReasonLength` characters, tabs
    /// and line breaks as spaces, other control characters (ESC, BEL, DEL, C1) dropped.
    /// A NUL is refused: it would cut the text short in C code (libical's DESCRIPTION).
    public static func skipReason(_ text: String) throws(ScheduleError) -> String {
        if text.unicodeScalars.contains("\u{0}") { throw .invalidReason("a reason may not contain a NUL character") }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            switch s.value {
            case 0x09, 0x0A, 0x0D: out.append(" ")
            case 0..<0x20, 0x7F...0x9F: continue
            default: out.append(s)
            }
        }
        let clean = String(out)
        guard clean.count <= maxReasonLength else {
            throw .invalidReason("a reason may have at most \(maxReasonLength) characters, this one has \(clean.count)")
        }
        return clean
    }

    /// The longest study note, in bytes of UTF-8: about a page of text. Every slot's note
    /// travels in `ListSlots` replies (at most 1 MiB) and in the feed.
    public static let maxNoteBytes = 4096
    /// The most minutes spent a slot may record (a day).
    public static let maxMinutes = 24 * 60
    /// Minutes measured from a start are capped at this many times the slot's length: a
    /// start left running overnight is not fourteen hours of study.
    public static let measuredMinutesFactor = 4

    /// A study note as the ledger keeps it: line breaks kept (CR LF and CR become LF),
    /// tabs as spaces, other control characters (ESC, BEL, DEL, C1) dropped, spaces at
    /// the ends of lines and blank lines at either end removed, at most `maxNoteBytes`.
    /// A NUL is refused, as in a skip reason. Empty means no note.
    public static func studyNote(_ text: String) throws(ScheduleError) -> String {
        if text.unicodeScalars.contains("\u{0}") { throw .invalidNote("a note may not contain a NUL character") }
        var out = String.UnicodeScalarView()
        var previous: Unicode.Scalar = " "
        for s in text.unicodeScalars {
            switch s.value {
            case 0x0A where previous == "\r": break // the LF of a CR LF
            case 0x0A, 0x0D: out.append("\n")
            case 0x09: out.append(" ")
            case 0..<0x20, 0x7F...0x9F: break
            default: out.append(s)
            }
            previous = s
        }
        let lines = String(out).split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var l = Substring(line)
            while let last = l.last, last.isWhitespace { l.removeLast() }
            return l
        }
        let kept = lines.drop { $0.isEmpty }.reversed().drop { $0.isEmpty }.reversed()
        let clean = kept.joined(separator: "\n")
        guard clean.utf8.count <= maxNoteBytes else {
            throw .invalidNote("a note may have at most \(maxNoteBytes) bytes (UTF-8), this one has \(clean.utf8.count)")
        }
        return clean
    }

    /// Minutes spent as given by the user: 0 to `maxMinutes`.
    public static func minutesSpent(_ minutes: Int) throws(ScheduleError) -> Int {
        guard (0...maxMinutes).contains(minutes) else {
            throw .invalidTime("minutes spent must be 0 to \(maxMinutes) (a day), not \(minutes)")
        }
        return minutes
    }

    /// The minutes from the slot's latest start in effect to `now`, rounded, at most
    /// `measuredMinutesFactor` times the slot's length; nil when it was not started since
    /// it was last done or undone (a new session times from its own start).
    func measuredMinutes(_ slot: Slot) -> Int? {
        guard let latest = events.effectiveChanges.last(where: { $0.slot == slot.id && [.started, .done, .reopen].contains($0.kind) }),
              latest.kind == .started, latest.time <= now else { return nil }
        let started = latest.time
        let minutes = Int((now.timeIntervalSince(started) / 60).rounded())
        let cap = Int(slot.duration / 60) * Self.measuredMinutesFactor
        return min(minutes, cap, Self.maxMinutes)
    }

    /// Checks `change` against this input's schedule; see `event(for:in:)`.
    public func event(for change: Change) throws(ScheduleError) -> LedgerEvent {
        try event(for: change, in: Scheduler.compute(self))
    }

    /// Checks `change` against `schedule` (this input's schedule, `Scheduler.compute(self)`,
    /// which the caller usually has already) and returns the ledger event recording it.
    ///
    /// The caller appends the event to the ledger and only then reports success.
    public func event(for change: Change, in schedule: Schedule) throws(ScheduleError) -> LedgerEvent {
        func existing(_ id: SlotID) throws(ScheduleError) -> Slot {
            guard let slot = schedule.slot(id) else { throw .noSuchSlot(id.description) }
            return slot
        }
        let stamp = { (d: Date) in d.formatted(in: zone) }
        switch change {
        case .skip(let id, let reason):
            let reason = try reason.map(Self.skipReason)
            let slot = try existing(id)
            if slot.state == .done { throw .alreadyDone(id) }
            if slot.state == .skipped { throw .skipped(id) }
            if slot.state == .paused { throw .paused(id) }
            return LedgerEvent(time: now, kind: .skip, slot: id, text: reason)

        case .reschedule(let id, let start):
            let slot = try existing(id)
            if slot.state == .done { throw .alreadyDone(id) }
            if slot.state == .skipped { throw .skipped(id) }
            if slot.state == .paused { throw .paused(id) }
            if start < now { throw .slotInPast(id, start: stamp(start)) }
            // Within the plan's window and a year: a slot moved to the year 3000 is a typo,
            // and times that far out are beyond what calendars (and libical) write.
            let latest = (schedule.slots.map(\.end).max() ?? now).addingTimeInterval(Self.rescheduleSlack)
            if start > latest { throw .invalidTime("\(id) may move to \(stamp(latest)) at the latest (a year past the plan's last slot)") }
            let end = start.addingTimeInterval(slot.duration)
            // A skipped slot's time is free (only an undo brings it back, and undo goes
            // last-first); a paused one's is not: a resume brings it back on its own.
            if let other = schedule.slots.first(where: { $0.id != id && $0.state != .skipped && $0.overlaps(start: start, end: end) }) {
                throw .overlap(id, with: other.id, at: stamp(other.start))
            }
            if let meeting = busy.overlap(start: start, end: end) {
                throw .invalidTime("\(id) would overlap \"\(meeting.summary)\" (\(stamp(meeting.start)) to \(stamp(meeting.end))) in a busy calendar")
            }
            return LedgerEvent(time: now, kind: .reschedule, slot: id, at: start)

        case .complete(let id, let note, let minutes):
            let note = try note.map(Self.studyNote).flatMap { $0.isEmpty ? nil : $0 }
            let given = try minutes.map(Self.minutesSpent)
            let slot = try existing(id)
            if slot.state == .done { throw .alreadyDone(id) }
            if slot.state == .skipped { throw .skipped(id) }
            if slot.state == .paused { throw .paused(id) }
            // A missed slot (slide) gave its task away; done on it takes back the task
            // it would have held, as if it had not been missed.
            var task = slot.task
            if task == nil, slot.state == .missed {
                var asIfOnTime = self
                asIfOnTime.now = slot.end
                asIfOnTime.settings.onMissed = .keep
                task = Scheduler.compute(asIfOnTime).slot(id)?.task
                if let t = task, schedule.isDone(t) { task = nil }
            }
            guard let task else { throw .noTask(id) }
            return LedgerEvent(time: now, kind: .done, slot: id, task: task, text: note, minutes: given ?? measuredMinutes(slot))

        case .start(let id):
            let slot = try existing(id)
            if slot.state == .done { throw .alreadyDone(id) }
            if slot.state == .skipped { throw .skipped(id) }
            if slot.state == .paused { throw .paused(id) }
            // A missed slot can still be done (it takes its task back); a spare one cannot.
            if slot.state == .catchUp { throw .noTask(id) }
            return LedgerEvent(time: now, kind: .started, slot: id)

        case .note(let id, let text):
            let note = try Self.studyNote(text)
            _ = try existing(id)
            return LedgerEvent(time: now, kind: .note, slot: id, text: note.isEmpty ? nil : note)

        case .reopen(let id):
            let slot = try existing(id)
            guard slot.state == .done else { throw .notDone(id) }
            return LedgerEvent(time: now, kind: .reopen, slot: id)

        case .snooze(let id, let until):
            let slot = try existing(id)
            if slot.state == .done { throw .alreadyDone(id) }
            if slot.state == .skipped { throw .skipped(id) }
            if slot.state == .paused { throw .paused(id) }
            guard slot.task != nil else { throw .noTask(id) }
            guard until > now else { throw .invalidTime("snooze must end in the future") }
            return LedgerEvent(time: now, kind: .snooze, slot: id, at: until)

        case .pause(let from, let to, let reason):
            let reason = try reason.map(Self.skipReason)
            let today = LocalDate(now, in: zone)
            guard from <= to else { throw .invalidTime("a pause from \(from) cannot end before it starts (\(to))") }
            guard to >= today else { throw .invalidTime("a pause must not end before today (\(to) is over)") }
            guard to.dayNumber - from.dayNumber < Self.maxPauseDays else {
                throw .invalidTime("a pause may last \(Self.maxPauseDays) days at most; \(from) to \(to) is \(to.dayNumber - from.dayNumber + 1)")
            }
            return LedgerEvent(time: now, kind: .pause, text: reason, from: from, to: to)

        case .resume:
            // The pauses a resume would shorten: those with days today or after.
            let day = LocalDate(now, in: zone)
            let lifted = events.pauses.filter { $0.to >= day }
            guard let first = lifted.map(\.from).min(), let last = lifted.map(\.to).max() else { throw .notPaused(day) }
            // From the first day it gives back: the same effect as from today, and the
            // event names exactly the days that are study days again.
            return LedgerEvent(time: now, kind: .resume, from: max(day, first), to: last)

        case .undo:
            guard let last = events.lastUndoable, let target = last.id else { throw .nothingToUndo }
            return LedgerEvent(time: now, kind: .undo, slot: last.slot, target: target)
        }
    }
}

