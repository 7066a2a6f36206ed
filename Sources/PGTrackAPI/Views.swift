import FoundationEssentials
import PGTrackCore
import Varlink

// The wire values built from a schedule: pure functions of (schedule, zone, now).

extension API.Slot {
    /// `slot` as the API shows it, its task looked up in `schedule`'s plan.
    public init(_ slot: PGTrackCore.Slot, in schedule: Schedule, zone: Zone) {
        let task = slot.task.flatMap { id in
            schedule.plan.task(id).map { API.Task(id: id.description, title: $0.title, stage: schedule.plan.stage(ofWeek: id.week)?.title ?? "") }
        }
        self.init(id: slot.id.description, week: slot.week, day: slot.id.day, start: slot.start.rfc3339(in: zone),
                  end: slot.end.rfc3339(in: zone), state: slot.state, task: task, note: slot.note, studyNote: slot.studyNote,
                  minutesSpent: slot.minutesSpent, startedAt: slot.startedAt?.rfc3339(in: zone))
    }
}

extension API.StageProgress {
    /// Done and total tasks of every stage of `schedule`'s plan.
    public static func all(_ schedule: Schedule) -> [API.StageProgress] {
        let plan = schedule.plan
        return plan.stages.enumerated().map { i, stage in
            let tasks = plan.weeks.filter { $0.stageIndex == i }.flatMap(\.tasks)
            return API.StageProgress(number: stage.number, title: stage.title,
                                     done: tasks.filter { schedule.isDone($0.id) }.count, total: tasks.count)
        }
    }
}

extension API.Overview {
    /// Where the plan stands at `now`: `Schedule.standing` on the wire.
    public init(_ schedule: Schedule, start: LocalDate, zone: Zone, notifications: String, now: Date) {
        let plan = schedule.plan
        let s = schedule.standing(at: now, start: start, zone: zone)
        let slot = { (s: PGTrackCore.Slot) in API.Slot(s, in: schedule, zone: zone) }
        let time = { (d: Date) in d.rfc3339(in: zone) }
        self.init(plan: plan.title, timezone: zone.identifier, start: start.description, week: s.week, weeks: s.weeks,
                  stage: plan.stage(ofWeek: max(1, min(s.week, plan.weeks.count)))?.title ?? "", done: s.done,
                  total: s.total, due: s.due, behind: s.behind, current: schedule.current(at: now).map(slot),
                  next: schedule.next(after: now).map(slot), finish: s.projected.map(time), planned: s.planned.map(time),
                  finished: s.finished.map(time), oldest: s.oldestOpen?.description, paused: s.pausedThrough?.description,
                  stages: API.StageProgress.all(schedule), notifications: notifications,
                  summary: schedule.statusLine(now: now, start: start, zone: zone))
    }
}

extension API.ScheduleDocument {
    public init(_ schedule: Schedule, start: LocalDate, zone: Zone) {
        self.init(plan: schedule.plan.title, timezone: zone.identifier, start: start.description,
                  slots: schedule.slots.map { API.Slot($0, in: schedule, zone: zone) })
    }
}

extension Schedule {
    /// What the busy calendars do to the plan: ` · 3 slots moved, 1 given up`.
    public var busyEffect: String {
        let moved = slots.filter { $0.note != nil }.count, lost = lostToBusy.count
        return " · \(moved) slot\(moved == 1 ? "" : "s") moved, \(lost) given up"
    }
}
