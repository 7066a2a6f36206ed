import FoundationEssentials

/// One change the user (or the daemon) made, as appended to the ledger.
///
/// The schedule is recomputed from these; nothing else is stored as truth. History is
/// never rewritten: `undo` appends an event naming the one it reverts.
public struct LedgerEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The plan's first study day, recorded once when `plan.start` is empty, so that
        /// "the next Monday" is chosen once and not again at every start.
        case start
        case done
        case reopen
        case skip
        case reschedule
        case snooze
        case undo
        /// A date range with no study (`from`...`to`, reason in `text`).
        case pause
        /// The pauses in effect end before `from` (`to`: the last paused day it lifted).
        case resume
        /// A reminder was sent (`text` names it); kept so a restart never repeats it.
        case reminderFired = "reminder-fired"
        /// The user started studying a slot (`pgtrackctl start`); `done` measures from it.
        case started
        /// A slot's study note (`text`), added or replaced; no text removes it.
        case note
        /// The last done of `slot` is now of `task`: the plan file moved the task it named
        /// (`TaskIdentity`). No task: it is gone, and `text` keeps its text, so that a
        /// task with that text added back later (a cut, then a paste) takes it back.
        /// Recorded with the task list it follows (`EventStore.append(_:taskList:)`).
        case follow

        /// Changes that `undo` can revert.
        public var isUndoable: Bool {
            switch self {
            case .done, .reopen, .skip, .reschedule, .snooze, .pause, .resume, .started, .note: return true
            case .start, .undo, .reminderFired, .follow: return false
            }
        }
    }

    /// Row id, assigned by the ledger; nil before the event is stored.
    public var id: Int64?
    /// When the event was recorded.
    public var time: Date
    public var kind: Kind
    public var slot: SlotID?
    /// The task a `done` applies to (the task the slot held when it was done).
    public var task: TaskID?
    /// Reschedule: the new start. Snooze: until when.
    public var at: Date?
    /// Skip: the reason. Start: the date. Reminder-fired: the reminder's key. Done and
    /// note: the study note.
    public var text: String?
    /// Done: the minutes spent, given or measured from the slot's start; nil when neither.
    public var minutes: Int?
    /// Undo: the id of the event it reverts.
    public var target: Int64?
    /// Where the change came from: `control` (the CLI or any Varlink client), `reminder`
    /// (a bubble's action), `calendar` (an edit read back from the vdir); nil for events
    /// the daemon records itself, and for events recorded before origins were kept.
    public var origin: String?
    /// Pause and resume: the first and last day they are about.
    public var from: LocalDate?
    public var to: LocalDate?

    public init(id: Int64? = nil, time: Date, kind: Kind, slot: SlotID? = nil, task: TaskID? = nil,
                at: Date? = nil, text: String? = nil, target: Int64? = nil, origin: String? = nil,
                from: LocalDate? = nil, to: LocalDate? = nil, minutes: Int? = nil) {
        self.id = id
        self.time = time
        self.kind = kind
        self.slot = slot
        self.task = task
        self.at = at
        self.text = text
        self.target = target
        self.origin = origin
        self.from = from
        self.to = to
        self.minutes = minutes
    }
}

extension Array where Element == LedgerEvent {
    /// The changes still in effect: undoable events not reverted by a later `undo`, and
    /// the follows of dones (which apply to a slot only while it is done).
    public var effectiveChanges: [LedgerEvent] {
        let undone = Set(compactMap { $0.kind == .undo ? $0.target : nil })
        return filter { ($0.kind.isUndoable || $0.kind == .follow) && !($0.id.map(undone.contains) ?? false) }
    }

    /// The change a new `undo` would revert: the latest one still in effect.
    public var lastUndoable: LedgerEvent? { effectiveChanges.last { $0.kind.isUndoable } }

    /// Each slot's last done in effect, follows applied, and whether it still is done
    /// (a `reopen` keeps the task it undid, so that an `undo` of the reopen after the plan
    /// moved that task gives the done back to it).
    public var lastDones: [SlotID: LastDone] {
        var bySlot: [SlotID: LastDone] = [:]
        for e in effectiveChanges {
            guard let slot = e.slot else { continue }
            bySlot[slot, default: LastDone()].apply(e)
        }
        return bySlot.filter { $0.value.time != nil }
    }

    /// The tasks the ledger has done: each slot's last done not reopened, follows applied.
    public var doneTasks: Set<TaskID> { Set(lastDones.values.compactMap { $0.isDone ? $0.task : nil }) }


    /// The paused date ranges in effect, with their reasons: pauses not undone, each
    /// shortened by the resumes (not undone) recorded after it.
    public var pauses: [(from: LocalDate, to: LocalDate, reason: String?)] {
        var out: [(from: LocalDate, to: LocalDate, reason: String?)] = []
        for e in effectiveChanges {
            guard let from = e.from, let to = e.to else { continue }
            switch e.kind {
            case .pause: out.append((from, to, e.text))
            case .resume:
                out = out.compactMap { p in
                    p.to < from ? p : p.from < from ? (p.from, from.adding(days: -1), p.reason) : nil
                }
            default: break
            }
        }
        return out
    }

    /// The start date recorded by a `start` event, if any.
    public var recordedStart: LocalDate? {
        last { $0.kind == .start }.flatMap { $0.text.flatMap(LocalDate.init) }
    }
}

/// A slot's last done, as the ledger's events in effect leave it.
public struct LastDone: Sendable, Equatable {
    /// Its task now; nil when the plan lost it (`goneText` says which text it had).
    public var task: TaskID?
    public var goneText: String?
    /// When it was done; nil before any done.
    public var time: Date?
    /// Not reopened since.
    public var isDone = false

    public init() {}

    /// Takes one event of the slot into account: a done, a reopen, a follow.
    public mutating func apply(_ e: LedgerEvent) {
        switch e.kind {
        case .done: (task, goneText, time, isDone) = (e.task, nil, e.time, true)
        case .reopen: isDone = false
        case .follow where time != nil: (task, goneText) = (e.task, e.task == nil ? e.text : nil)
        default: break
        }
    }

    /// The done in effect, as the scheduler takes it: its task and time.
    public var done: (TaskID, Date)? {
        guard isDone, let task, let time else { return nil }
        return (task, time)
    }
}
