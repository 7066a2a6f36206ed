import FoundationEssentials

/// Everything the schedule depends on. `Scheduler.compute` is a pure function of this.
public struct ScheduleInput: Sendable {
    public var plan: Plan
    public var settings: Config.ScheduleSettings
    /// The first study day (plan week 1 is the seven days from it).
    public var start: LocalDate
    public var zone: Zone
    /// `skip_dates` plus the all-day events of the holidays file.
    public var blackouts: Set<LocalDate>
    /// The ledger, oldest first.
    public var events: [LedgerEvent]
    public var now: Date
    /// The events of the busy calendars (`schedule.busy`), read by the caller.
    public var busy: BusyTimes

    public init(plan: Plan, settings: Config.ScheduleSettings, start: LocalDate, zone: Zone,
                blackouts: Set<LocalDate> = [], events: [LedgerEvent] = [], busy: BusyTimes = .none, now: Date) {
        self.plan = plan
        self.settings = settings
        self.start = start
        self.zone = zone
        self.blackouts = blackouts.union(settings.skipDates)
        self.events = events
        self.busy = busy
        self.now = now
    }
}

/// The plan laid out on slots.
public struct Schedule: Sendable, Equatable {
    public var plan: Plan
    /// Every slot in slot order (`w01d1`, `w01d2`, ...): the slots' original time order.
    public var slots: [Slot]
    /// Slot holding each task that has one (done tasks included).
    public var slotOfTask: [TaskID: SlotID]
    /// Tasks checked `- [x]` in the plan file: done, in no slot.
    public var doneInPlan: Set<TaskID>
    /// When the untouched plan would finish: the end of the slot the original layout gave
    /// the plan's last open task (nil when every task was checked in the plan file).
    public var plannedFinish: Date?
    /// When each task falls due in the untouched plan: what `behind(at:)` counts against.
    public var planned = PlannedTimes()
    /// Slots the busy rule gave up (no time left that day), by id, with the event in the way.
    public var lostToBusy: [SlotID: String] = [:]

    /// A schedule made by hand (benchmarks and tests); `Scheduler.compute` makes the real ones.
    public init(plan: Plan, slots: [Slot], slotOfTask: [TaskID: SlotID] = [:], doneInPlan: Set<TaskID> = [], planned: PlannedTimes = PlannedTimes()) {
        self.plan = plan
        self.slots = slots
        self.slotOfTask = slotOfTask
        self.doneInPlan = doneInPlan
        self.planned = planned
    }

    public func slot(_ id: SlotID) -> Slot? { index(of: id).map { slots[$0] } }

    public func index(of id: SlotID) -> Int? {
        // Slots are sorted by id; binary search keeps lookups cheap on long plans.
        var lo = 0, hi = slots.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if slots[mid].id < id { lo = mid + 1 } else { hi = mid }
        }
        return lo < slots.count && slots[lo].id == id ? lo : nil
    }

    public func slot(holding task: TaskID) -> Slot? { slotOfTask[task].flatMap(slot) }

    public func isDone(_ task: TaskID) -> Bool {
        doneInPlan.contains(task) || slot(holding: task)?.state == .done
    }

    /// Tasks done, in the plan file or in a slot.
    public var doneCount: Int { plan.tasks.filter { isDone($0.id) }.count }

    /// The slot running at `now`, if any (skipped slots do not count).
    public func current(at now: Date) -> Slot? {
        slots.first { !$0.state.isCancelled && $0.contains(now) }
    }

    /// The next slot with a task that starts after `now`.
    public func next(after now: Date) -> Slot? {
        slots.filter { $0.task != nil && $0.state == .scheduled && $0.start > now }.min { $0.start < $1.start }
    }

    /// When the last open task is due to be studied: the end of the latest slot holding an
    /// open task (by time: a rescheduled slot can be the latest); nil when none is open.
    public var projectedFinish: Date? {
        slots.filter { $0.task != nil && $0.state != .done }.map(\.end).max()
    }

    /// The last instant through which this schedule stays as it is at `now`: slots turn
    /// missed only when `grace` after their end has passed.
    public func stableUntil(after now: Date, grace: Span) -> Date {
        var until = Date.distantFuture
        for slot in slots where slot.state != .done && !slot.state.isCancelled && slot.state != .missed {
            let change = slot.end.addingTimeInterval(grace.timeInterval)
            if change >= now, change < until { until = change }
        }
        return until
    }

    /// The first instant after `now` at which a view of the schedule at `now` (current
    /// and next slot, week, "today"/"tomorrow") can read differently: a slot starts or
    /// ends, a slot turns missed, or the local date turns over. The control API keeps its
    /// Status answer until then.
    public func viewStableUntil(after now: Date, zone: Zone, grace: Span) -> Date {
        var until = zone.instant(LocalDate(now, in: zone).adding(days: 1), TimeOfDay(hour: 0, minute: 0))
        if until <= now { until = now.addingTimeInterval(3600) } // a zone whose midnight does not exist
        let missed = stableUntil(after: now, grace: grace)
        if missed > now, missed < until { until = missed }
        for slot in slots {
            if slot.start > now, slot.start < until { until = slot.start }
            if slot.end > now, slot.end < until { until = slot.end }
        }
        // `behind` moves when a task of the untouched plan falls due or turns late.
        if let due = planned.next(after: now), due < until { until = due }
        return until
    }

    /// The first instant after `now` at which something is due: a reminder, a slot's
    /// start or end, or the moment a slot becomes missed. The daemon sleeps until then.
    public func nextDeadline(after now: Date, reminders: [ReminderOffset], grace: Span) -> Date? {
        var best: Date?
        func consider(_ d: Date) {
            if d > now, best.map({ d < $0 }) ?? true { best = d }
        }
        for slot in slots where !slot.state.isCancelled && slot.state != .done {
            // Slots that ended long ago cannot produce deadlines any more.
            if slot.end.addingTimeInterval(grace.timeInterval) <= now,
               reminders.allSatisfy({ $0.due(start: slot.start, end: slot.end) <= now }) { continue }
            consider(slot.start)
            consider(slot.end)
            consider(slot.end.addingTimeInterval(grace.timeInterval))
            if slot.task != nil {
                for r in reminders { consider(r.due(start: slot.start, end: slot.end)) }
                if let s = slot.snoozedUntil { consider(s) }
            }
        }
        // `behind` (in STATUS= and on the page) moves when a task of the untouched plan
        // falls due or turns late, also under a skipped slot, which has no deadline of its own.
        if let due = planned.next(after: now) { consider(due) }
        return best
    }
}

/// Lays a plan onto study slots (SPEC §2), in three steps: fold the ledger into one
/// edit per slot, settle which tasks are done where, then lay the open tasks out on
/// the slots week by week.
public enum Scheduler {
    /// Computes the schedule: the same input always gives the same schedule.
    ///
    /// - Parameter original: the untouched plan's slot for each task
    ///   (`originalPlacement(input)`), which depends on neither the ledger nor `now`;
    ///   a caller that computes many schedules of one plan passes it in.
    public static func compute(_ input: ScheduleInput, original: [TaskID: SlotID]? = nil) -> Schedule {
        var edits = foldEdits(input.events.effectiveChanges)
        let doneSlotOfTask = settleDone(&edits, plan: input.plan)
        var schedule = layout(input, edits: edits, doneSlotOfTask: doneSlotOfTask)
        let original = original ?? originalPlacement(input)
        schedule.plannedFinish = plannedFinish(schedule, original: original)
        schedule.planned = plannedTimes(input, original: original)
        return schedule
    }

    /// Step 1: what the changes still in effect did to each slot, the later winning.
    static func foldEdits(_ changes: [LedgerEvent]) -> [SlotID: SlotEdit] {
        var edits: [SlotID: SlotEdit] = [:]
        for e in changes {
            guard let id = e.slot else { continue }
            var edit = edits[id] ?? SlotEdit()
            switch e.kind {
            case .skip: edit.skipped = true; edit.reason = e.text
            case .reschedule: edit.start = e.at
            case .done:
                edit.last.apply(e)
                edit.done = edit.last.done
                edit.minutes = e.minutes
                if let text = e.text { edit.studyNote = text }
            case .reopen: edit.last.apply(e); edit.done = nil; edit.minutes = nil
            case .follow: edit.last.apply(e); edit.done = edit.last.done
            case .snooze: edit.snoozedUntil = e.at
            // A start supersedes an earlier snooze: the user is at it (see `Reminders.all`).
            case .started: edit.startedAt = e.time; edit.snoozedUntil = nil
            case .note: edit.studyNote = e.text
            default: break
            }
            edits[id] = edit
        }
        return edits
    }

    /// Step 2: the slot each done task stays in. A task done twice (in two slots) stays
    /// in the later one; a task the plan no longer has is not done anywhere.
    static func settleDone(_ edits: inout [SlotID: SlotEdit], plan: Plan) -> [TaskID: SlotID] {
        var doneSlotOfTask: [TaskID: SlotID] = [:]
        for (id, edit) in edits.sorted(by: { ($0.value.done?.1 ?? .distantPast, $0.key) < ($1.value.done?.1 ?? .distantPast, $1.key) }) {
            if let (task, _) = edit.done, plan.task(task) != nil {
                if let old = doneSlotOfTask[task] { edits[old]?.done = nil }
                doneSlotOfTask[task] = id
            } else if edit.done != nil {
                edits[id]?.done = nil
            }
        }
        return doneSlotOfTask
    }

    /// Step 3: the slots week by week, the open tasks in plan order on the usable ones,
    /// and extension weeks while tasks are left.
    static func layout(_ input: ScheduleInput, edits: [SlotID: SlotEdit], doneSlotOfTask: [TaskID: SlotID]) -> Schedule {
        let doneInPlan = Set(input.plan.tasks.filter(\.checked).map(\.id))
        var queue = input.plan.tasks.filter { !$0.checked && doneSlotOfTask[$0.id] == nil }.map(\.id)[...]
        let lastDoneSlot = doneSlotOfTask.values.max()
        let grace = input.settings.grace.timeInterval

        var slots: [Slot] = []
        var lostToBusy: [SlotID: String] = [:]
        var slotOfTask = doneSlotOfTask
        let pauses = input.events.pauses
        let generator = SlotGenerator(input: input)
        let busy = BusyRule(input: input, edits: edits, generator: generator, pauses: pauses)
        var week = 1
        while week <= input.plan.weeks.count || !queue.isEmpty || (lastDoneSlot.map { $0.week >= week } ?? false) {
            let isExtension = week > input.plan.weeks.count
            for var slot in generator.slots(inWeek: week, isExtension: isExtension) {
                if isExtension, queue.isEmpty, lastDoneSlot.map({ slot.id > $0 }) ?? true { break }
                let edit = edits[slot.id] ?? SlotEdit()
                if let start = edit.start {
                    slot.end = start.addingTimeInterval(slot.duration)
                    slot.start = start
                }
                slot.snoozedUntil = edit.snoozedUntil
                slot.studyNote = edit.studyNote
                slot.startedAt = edit.startedAt
                let pause = pauses.isEmpty ? nil : pauses.first { [day = slot.day(in: input.zone)] in
                    $0.from <= day && day <= $0.to
                }
                if busy.applies, !edit.skipped, pause == nil || edit.done != nil {
                    switch busy.placement(of: slot) {
                    case .free: break
                    case .moved(let start, let after):
                        slot.end = start.addingTimeInterval(slot.duration)
                        slot.start = start
                        slot.note = "after \(after)"
                    case .lost(let after):
                        // No time left that day: like a blackout date, the slot is not
                        // there and its task slides on. A done slot stays where it was.
                        if edit.done == nil {
                            lostToBusy[slot.id] = after
                            continue
                        }
                    }
                }
                if let (task, at) = edit.done {
                    slot.state = .done
                    slot.task = task
                    slot.doneAt = at
                    slot.minutesSpent = edit.minutes
                } else if edit.skipped {
                    slot.state = .skipped
                    slot.reason = edit.reason
                } else if let pause {
                    slot.state = .paused
                    slot.reason = pause.reason
                } else if let task = queue.first, task.week <= slot.week {
                    let missed = slot.end.addingTimeInterval(grace) < input.now
                    if missed, input.settings.onMissed == .slide {
                        slot.state = .missed // its task slides on to the next usable slot
                    } else {
                        queue.removeFirst()
                        slot.task = task
                        slot.state = missed ? .missed : .scheduled
                        slotOfTask[task] = slot.id
                    }
                } else {
                    slot.state = .catchUp // nothing to miss in a spare slot
                }
                slots.append(slot)
            }
            week += 1
            // A plan whose days list is empty cannot place anything; config validation
            // forbids it, and this bound keeps a bad caller from looping forever.
            if week > input.plan.weeks.count + 520 { break }
        }
        var schedule = Schedule(plan: input.plan, slots: slots, slotOfTask: slotOfTask, doneInPlan: doneInPlan)
        schedule.lostToBusy = lostToBusy
        return schedule
    }

    /// When each task is due in the untouched plan: its slot there, at the slot's usual
    /// time (no reschedule, no busy move), from its start, and late from its end plus
    /// `grace` (when the schedule would call that slot missed).
    static func plannedTimes(_ input: ScheduleInput, original: [TaskID: SlotID]) -> PlannedTimes {
        let generator = SlotGenerator(input: input)
        var weeks: [Int: [Slot]] = [:]
        var times = PlannedTimes()
        let grace = input.settings.grace.timeInterval
        for (task, id) in original {
            if weeks[id.week] == nil { weeks[id.week] = generator.slots(inWeek: id.week, isExtension: id.week > input.plan.weeks.count) }
            guard let slot = weeks[id.week]?.first(where: { $0.id == id }) else { continue }
            times.starts.append(slot.originalStart)
            let late = slot.originalStart.addingTimeInterval(slot.duration + grace)
            times.lates.append(late)
            times.lateOf[task] = late
        }
        times.starts.sort()
        times.lates.sort()
        return times
    }

    /// The end of the slot the untouched plan gave its last task, at the slot's original time.
    static func plannedFinish(_ schedule: Schedule, original: [TaskID: SlotID]) -> Date? {
        guard let last = original.values.max(), let slot = schedule.slot(last) else { return nil }
        return slot.originalStart.addingTimeInterval(slot.duration)
    }

    /// The untouched plan's slot for each task (no ledger, nothing missed): a function of
    /// the plan, the settings, the start and the blackouts only.
    public static func originalPlacement(_ input: ScheduleInput) -> [TaskID: SlotID] {
        var queue = input.plan.tasks.filter { !$0.checked }.map(\.id)[...]
        var result: [TaskID: SlotID] = [:]
        let generator = SlotGenerator(input: input)
        let busy = BusyRule(input: input, edits: [:], generator: generator, pauses: [])
        var week = 1
        while !queue.isEmpty, week <= input.plan.weeks.count + 520 {
            for slot in generator.slots(inWeek: week, isExtension: week > input.plan.weeks.count) {
                guard let task = queue.first, task.week <= week else { continue }
                if busy.applies, case .lost = busy.placement(of: slot) { continue }
                queue.removeFirst()
                result[task] = slot.id
            }
            week += 1
        }
        return result
    }
}

/// What the ledger did to one slot.
struct SlotEdit {
    var skipped = false
    var reason: String?
    var start: Date?
    var done: (TaskID, Date)?
    /// The last done, kept across a reopen for the follows (see `LastDone`).
    var last = LastDone()
    /// The done's minutes spent; shown only while the slot is done.
    var minutes: Int?
    var snoozedUntil: Date?
    /// The user's note (a later `note` or noted `done` replaces it; a reopen keeps it).
    var studyNote: String?
    var startedAt: Date?
}

/// The busy rule over a whole schedule. Rescheduled slots are placed first, in time
/// order, each past the busy events and the ones placed before it; then every other
/// slot, on its own day, past the busy events and the rescheduled slots. A generated
/// slot is the only one on its day that was not rescheduled, so no two slots overlap.
struct BusyRule {
    let busy: BusyTimes
    let zone: Zone
    let latest: TimeOfDay
    /// Where each rescheduled slot ends up (not skipped or paused ones: they take no time).
    private(set) var rescheduled: [SlotID: BusyPlacement] = [:]
    /// The rescheduled slots' final times, sorted by start.
    private(set) var taken: [(start: Date, end: Date)] = []

    /// Busy events, or rescheduled slots that a slot generated later could land on: an
    /// extension week that appears after a reschedule (a pause, a skip) can put a fresh
    /// slot at the very time a slot was moved to (found by the property tests).
    var applies: Bool { !busy.isEmpty || !taken.isEmpty }

    init(input: ScheduleInput, edits: [SlotID: SlotEdit], generator: SlotGenerator, pauses: [(from: LocalDate, to: LocalDate, reason: String?)]) {
        busy = input.busy
        zone = input.zone
        latest = input.settings.latest
        var moved: [Slot] = []
        for (id, edit) in edits {
            guard let start = edit.start, !edit.skipped,
                  var slot = generator.slots(inWeek: id.week, isExtension: id.week > input.plan.weeks.count).first(where: { $0.id == id })
            else { continue }
            let day = LocalDate(start, in: zone)
            if edit.done == nil, pauses.contains(where: { $0.from <= day && day <= $0.to }) { continue }
            slot.end = start.addingTimeInterval(slot.duration)
            slot.start = start
            slot.state = edit.done == nil ? .scheduled : .done
            moved.append(slot)
        }
        for slot in moved.sorted(by: { ($0.start, $0.id) < ($1.start, $1.id) }) {
            var placement = place(slot)
            if case .lost = placement, slot.state == .done { placement = .free }
            rescheduled[slot.id] = placement
            switch placement {
            case .free: taken.append((slot.start, slot.end))
            case .moved(let start, _): taken.append((start, start.addingTimeInterval(slot.duration)))
            case .lost: break
            }
            taken.sort { $0.start < $1.start }
        }
    }

    private func place(_ slot: Slot) -> BusyPlacement {
        busy.place(start: slot.start, length: slot.duration, latest: zone.instant(slot.day(in: zone), latest), taken: taken)
    }

    /// Where `slot` (at its time after any reschedule) goes.
    func placement(of slot: Slot) -> BusyPlacement {
        rescheduled[slot.id] ?? place(slot)
    }
}

/// Makes the slots of a plan week from the start date, study days, time and length.
struct SlotGenerator {
    var start: LocalDate
    var days: [Weekday]
    var settings: Config.ScheduleSettings
    var zone: Zone
    var blackouts: Set<LocalDate>

    init(input: ScheduleInput) {
        start = input.start
        days = input.settings.days
        settings = input.settings
        zone = input.zone
        blackouts = input.blackouts
    }

    /// Plan week `week` is the seven days from `start + 7·(week−1)`; its study days in
    /// date order are d1, d2, ...; a blackout date leaves its number unused.
    func slots(inWeek week: Int, isExtension: Bool) -> [Slot] {
        let first = start.adding(days: 7 * (week - 1))
        var out: [Slot] = []
        var day = 0
        for offset in 0..<7 {
            let date = first.adding(days: offset)
            guard days.contains(date.weekday) else { continue }
            day += 1
            guard !blackouts.contains(date) else { continue }
            // The wall-clock time of that weekday in the plan's zone: DST moves the instant, not the time.
            let begin = zone.instant(date, settings.time(on: date.weekday))
            let length = TimeInterval(settings.minutes(on: date.weekday) * 60)
            out.append(Slot(id: SlotID(week: week, day: day), date: date, start: begin, end: begin.addingTimeInterval(length),
                            originalStart: begin, state: .catchUp, task: nil, reason: nil, doneAt: nil,
                            snoozedUntil: nil, isExtension: isExtension))
        }
        return out
    }
}
