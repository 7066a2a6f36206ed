import FoundationEssentials

/// A change the user asks for, before it is checked and recorded.
public enum Change: Sendable, Equatable {
    case skip(SlotID, reason: String?)
    case reschedule(SlotID, to: Date)
    case complete(SlotID)
    case reopen(SlotID)
    case snooze(SlotID, until: Date)
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
        }
    }
}

extension ScheduleInput {
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
            let slot = try existing(id)
            if slot.state == .done { throw .alreadyDone(id) }
            if slot.state == .skipped { throw .skipped(id) }
            return LedgerEvent(time: now, kind: .skip, slot: id, text: reason)

        case .reschedule(let id, let start):
            let slot = try existing(id)
            if slot.state == .done { throw .alreadyDone(id) }
            if slot.state == .skipped { throw .skipped(id) }
            if start < now { throw .slotInPast(id, start: stamp(start)) }
            let end = start.addingTimeInterval(slot.duration)
            if let other = schedule.slots.first(where: { $0.id != id && $0.state != .skipped && $0.overlaps(start: start, end: end) }) {
                throw .overlap(id, with: other.id, at: stamp(other.start))
            }
            return LedgerEvent(time: now, kind: .reschedule, slot: id, at: start)

        case .complete(let id):
            let slot = try existing(id)
            if slot.state == .done { throw .alreadyDone(id) }
            if slot.state == .skipped { throw .skipped(id) }
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
            return LedgerEvent(time: now, kind: .done, slot: id, task: task)

        case .reopen(let id):
            let slot = try existing(id)
            guard slot.state == .done else { throw .notDone(id) }
            return LedgerEvent(time: now, kind: .reopen, slot: id)

        case .snooze(let id, let until):
            let slot = try existing(id)
            if slot.state == .done { throw .alreadyDone(id) }
            if slot.state == .skipped { throw .skipped(id) }
            guard slot.task != nil else { throw .noTask(id) }
            guard until > now else { throw .invalidTime("snooze must end in the future") }
            return LedgerEvent(time: now, kind: .snooze, slot: id, at: until)

        case .undo:
            guard let last = events.lastUndoable, let target = last.id else { throw .nothingToUndo }
            return LedgerEvent(time: now, kind: .undo, slot: last.slot, target: target)
        }
    }
}

