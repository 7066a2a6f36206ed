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

        /// Changes that `undo` can revert.
        public var isUndoable: Bool {
            switch self {
            case .done, .reopen, .skip, .reschedule, .snooze, .pause, .resume, .started, .note: return true
            case .start, .undo, .reminderFired: return false
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
    /// Done: the task's text when it was done, so that the done follows its task when
    /// the plan file moves it (`following(_:)`); nil for events recorded before it was kept.
    public var taskTitle: String?
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
                from: LocalDate? = nil, to: LocalDate? = nil, minutes: Int? = nil, taskTitle: String? = nil) {
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
        self.taskTitle = taskTitle
    }
}

extension Array where Element == LedgerEvent {
    /// The changes still in effect: undoable events not reverted by a later `undo`.
    public var effectiveChanges: [LedgerEvent] {
        let undone = Set(compactMap { $0.kind == .undo ? $0.target : nil })
        return filter { $0.kind.isUndoable && !($0.id.map(undone.contains) ?? false) }
    }

    /// The change a new `undo` would revert: the latest one still in effect.
    public var lastUndoable: LedgerEvent? { effectiveChanges.last }

    /// These events with each `done` naming its task in `plan`: the ledger names a task by
    /// its position (week W, N-th task), which a plan file edited since may give to
    /// another task. A done whose position now holds another text follows its text, as
    /// the plan file's ticks do (`PlanFile.match`):
    /// 1. the task at its position, if it has the text it had when done;
    /// 2. else the one task of its week with that text (a task added, removed or moved
    ///    above it);
    /// 3. else the one task of the plan with that text, if its week has none (moved to
    ///    another week);
    /// 4. else its position: the wording was edited, or the text is shared by several
    ///    tasks, or the task is gone (and with it the done).
    public func following(_ plan: Plan) -> [LedgerEvent] {
        var byTitle: [String: [TaskID]]?
        var out = self
        for i in out.indices {
            guard out[i].kind == .done, let id = out[i].task, let title = out[i].taskTitle,
                  plan.task(id)?.title != title else { continue }
            if byTitle == nil { byTitle = Dictionary(grouping: plan.tasks, by: \.title).mapValues { $0.map(\.id) } }
            let same = byTitle?[title] ?? []
            let inWeek = same.filter { $0.week == id.week }
            if inWeek.count == 1 {
                out[i].task = inWeek[0]
            } else if inWeek.isEmpty, same.count == 1 {
                out[i].task = same[0]
            }
        }
        return out
    }

    /// The tasks the ledger has done, each with its slot: a `done` in effect not followed
    /// by a `reopen` of its slot.
    public var doneTasks: Set<TaskID> {
        var bySlot: [SlotID: TaskID] = [:]
        for e in effectiveChanges {
            guard let slot = e.slot else { continue }
            if e.kind == .done { bySlot[slot] = e.task } else if e.kind == .reopen { bySlot[slot] = nil }
        }
        return Set(bySlot.values)
    }

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
