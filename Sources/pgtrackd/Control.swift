import Foundation
import PGTrackCalendar
import PGTrackCore
import PGTrackStore
import Varlink
import VarlinkServer

/// `io.pgtrack.Tracker` on the control socket: every method, over the same tracker
/// the daemon runs on, so a change is in the ledger before its reply is sent.
final class Control {
    unowned let manager: Manager
    private var monitors: [ObjectIdentifier: ReplyChannel] = [:]
    static let prefix = "io.pgtrack.Tracker."

    init(manager: Manager) { self.manager = manager }

    var tracker: Tracker { manager.tracker }
    var zone: Zone { tracker.config.timeZone }

    func handle(_ call: Call, _ channel: ReplyChannel) {
        let p = call.parameters
        let now = Date()
        do {
            switch call.name {
            case "Status":
                channel.reply(["status": cachedStatus(now: now)])
            case "ListSlots":
                channel.reply(["slots": .array(try listSlots(p, now: now))])
            case "Skip":
                try change(.skip(try slotID(p), reason: p["reason"]?.string), channel, now: now)
            case "Reschedule":
                try change(.reschedule(try slotID(p), to: try time(p, "start")), channel, now: now)
            case "Complete":
                try change(.complete(try slotID(p)), channel, now: now)
            case "Reopen":
                try change(.reopen(try slotID(p)), channel, now: now)
            case "Snooze":
                try change(.snooze(try slotID(p), until: try time(p, "until")), channel, now: now)
            case "Undo":
                try change(.undo, channel, now: now)
            case "Export":
                channel.reply(["content": .string(try export(p["format"]?.string ?? "", now: now))])
            case "Reload":
                let summary = try manager.reload()
                channel.reply(["summary": .string(summary)])
            case "Monitor":
                guard call.more else { throw VarlinkError("org.varlink.service.ExpectedMore") }
                let key = ObjectIdentifier(channel)
                monitors[key] = channel
                channel.onClose = { [weak self] in self?.monitors[key] = nil }
                channel.reply(monitorReply(kind: "subscribed", slot: nil, now: now), continues: true)
            default:
                throw VarlinkError.methodNotImplemented(call.method)
            }
        } catch let error as VarlinkError {
            channel.fail(error)
        } catch let error as ScheduleError {
            channel.fail(Control.varlinkError(error))
        } catch let error as LedgerError {
            manager.log.error("cannot record a change: \(error)")
            channel.fail(VarlinkError(Control.prefix + "StorageFailed", ["message": .string(error.description)]))
        } catch {
            channel.fail(VarlinkError(Control.prefix + "StorageFailed", ["message": .string("\(error)")]))
        }
    }

    /// Records a change, answers, then lets the files, timers and monitors follow.
    private func change(_ change: Change, _ channel: ReplyChannel, now: Date) throws {
        let event = try tracker.apply(change, now: now)
        let schedule = tracker.schedule(now: now)
        let slot = event.slot.flatMap { schedule.slot($0) }
        if case .undo = change {
            let reverted = tracker.events.first { $0.id == event.target }?.kind.rawValue ?? "change"
            channel.reply(.obj([("kind", .string(reverted)), ("slot", slot.map { slotJSON($0, schedule) })]))
        } else {
            channel.reply(["slot": slot.map { slotJSON($0, schedule) } ?? .null])
        }
        manager.log.info("\(event.kind.rawValue) \(event.slot?.description ?? "")",
                         metadata: event.slot.map { ["slot": "\($0)"] })
        manager.changed(event)
    }

    /// Tells every monitor about a change.
    func broadcast(kind: String, slot: SlotID?, now: Date) {
        guard !monitors.isEmpty else { return }
        let reply = monitorReply(kind: kind, slot: slot, now: now)
        for channel in monitors.values { channel.reply(reply, continues: true) }
    }

    private func monitorReply(kind: String, slot: SlotID?, now: Date) -> JSON {
        let schedule = tracker.schedule(now: now)
        return .obj([("kind", .string(kind)), ("slot", slot.map { .string($0.description) }), ("at", .string(now.rfc3339(in: zone))),
                     ("summary", .string(schedule.statusLine(now: now, zone: zone)))])
    }

    // MARK: - Parameters

    private func slotID(_ p: JSON) throws -> SlotID {
        let text = p["slot"]?.string ?? ""
        guard let id = SlotID(text) else { throw ScheduleError.noSuchSlot(text) }
        return id
    }

    private func time(_ p: JSON, _ key: String) throws -> Date {
        let text = p[key]?.string ?? ""
        guard let d = Date(rfc3339: text) else { throw ScheduleError.invalidTime("\(key) '\(text)' is not an RFC 3339 time") }
        return d
    }

    static func varlinkError(_ e: ScheduleError) -> VarlinkError {
        var params: [(String, JSON?)] = []
        switch e {
        case .noSuchSlot(let s): params.append(("slot", .string(s)))
        case .slotInPast(let s, _), .alreadyDone(let s), .notDone(let s), .skipped(let s), .noTask(let s):
            params.append(("slot", .string(s.description)))
        case .overlap(let s, let other, _):
            params.append(("slot", .string(s.description)))
            params.append(("other", .string(other.description)))
        case .invalidTime, .nothingToUndo: break
        }
        params.append(("message", .string(e.description)))
        return VarlinkError(prefix + e.name, .obj(params))
    }

    // MARK: - Views

    func slotJSON(_ slot: Slot, _ schedule: Schedule) -> JSON {
        let task: JSON = slot.task.flatMap { id in
            schedule.plan.task(id).map { t in
                JSON.obj([("id", .string(id.description)), ("title", .string(t.title)),
                          ("stage", .string(schedule.plan.stage(ofWeek: id.week)?.title ?? ""))])
            }
        } ?? .null
        return .obj([("id", .string(slot.id.description)), ("week", .int(Int64(slot.week))), ("day", .int(Int64(slot.id.day))),
                     ("start", .string(slot.start.rfc3339(in: zone))), ("end", .string(slot.end.rfc3339(in: zone))),
                     ("state", .string(slot.state.rawValue)), ("task", task)])
    }

    private func listSlots(_ p: JSON, now: Date) throws -> [JSON] {
        let schedule = tracker.schedule(now: now)
        var slots = schedule.slots
        if let from = p["from"]?.string {
            guard let d = Date(rfc3339: from) else { throw ScheduleError.invalidTime("from '\(from)' is not an RFC 3339 time") }
            slots = slots.filter { $0.start >= d }
        }
        if let to = p["to"]?.string {
            guard let d = Date(rfc3339: to) else { throw ScheduleError.invalidTime("to '\(to)' is not an RFC 3339 time") }
            slots = slots.filter { $0.start < d }
        }
        if let week = p["week"]?.int { slots = slots.filter { $0.week == Int(week) } }
        return slots.map { slotJSON($0, schedule) }
    }

    /// The plan week today falls in (1 before the start; past the end, the last week).
    func currentWeek(_ schedule: Schedule, now: Date) -> Int {
        let days = LocalDate(now, in: zone).dayNumber - tracker.startDate.dayNumber
        return max(1, min(days / 7 + 1, schedule.slots.last?.week ?? 1))
    }

    private struct StatusCache {
        var stamp: Tracker.Stamp
        var notifications: String
        var from: Date
        var until: Date
        var value: JSON
    }

    private var statusCache: StatusCache?

    /// `status(now:)`, kept until the tracker changes, the notification state changes, or
    /// `now` reaches the next instant at which the view can differ. Status is the call
    /// clients poll (status bars, prompts), so it should cost a lookup, not a recompute.
    func cachedStatus(now: Date) -> JSON {
        let notifications = manager.notificationState
        if let c = statusCache, c.stamp == tracker.stamp, c.notifications == notifications, c.from <= now, now < c.until {
            return c.value
        }
        let value = status(now: now)
        let until = tracker.schedule(now: now).viewStableUntil(after: now, zone: zone, grace: tracker.config.schedule.grace)
        statusCache = StatusCache(stamp: tracker.stamp, notifications: notifications, from: now, until: until, value: value)
        return value
    }

    func status(now: Date) -> JSON {
        let schedule = tracker.schedule(now: now)
        let plan = schedule.plan
        let week = currentWeek(schedule, now: now)
        let stages: [JSON] = plan.stages.enumerated().map { i, stage in
            let tasks = plan.weeks.filter { $0.stageIndex == i }.flatMap(\.tasks)
            return .obj([("number", .int(Int64(stage.number))), ("title", .string(stage.title)),
                         ("done", .int(Int64(tasks.filter { schedule.isDone($0.id) }.count))), ("total", .int(Int64(tasks.count)))])
        }
        let current = schedule.current(at: now).map { slotJSON($0, schedule) }
        let next = schedule.next(after: now).map { slotJSON($0, schedule) }
        return .obj([
            ("plan", .string(plan.title)), ("timezone", .string(zone.identifier)), ("start", .string(tracker.startDate.description)),
            ("week", .int(Int64(week))), ("stage", .string(plan.stage(ofWeek: min(week, plan.weeks.count))?.title ?? "")),
            ("done", .int(Int64(schedule.doneCount))), ("total", .int(Int64(plan.tasks.count))),
            ("behind", .int(Int64(schedule.behind))), ("current", current ?? .null), ("next", next ?? .null),
            ("finish", schedule.projectedFinish.map { .string($0.rfc3339(in: zone)) } ?? .null),
            ("stages", .array(stages)), ("notifications", .string(manager.notificationState)),
            ("summary", .string(schedule.statusLine(now: now, zone: zone))),
        ])
    }

    private func export(_ format: String, now: Date) throws -> String {
        switch format {
        case "ics":
            return try manager.calendarExport(now: now).feed()
        case "json":
            let schedule = tracker.schedule(now: now)
            return JSON.obj([("plan", .string(schedule.plan.title)), ("timezone", .string(zone.identifier)),
                             ("start", .string(tracker.startDate.description)),
                             ("slots", .array(schedule.slots.map { slotJSON($0, schedule) }))]).pretty() + "\n"
        case "markdown":
            return markdown(now: now)
        default:
            throw VarlinkError(Control.prefix + "InvalidFormat",
                               ["format": .string(format), "message": .string("expected ics, json or markdown, found '\(format)'")])
        }
    }

    /// The plan as a Markdown checklist with progress: done tasks checked, each task's slot.
    private func markdown(now: Date) -> String {
        let schedule = tracker.schedule(now: now)
        let plan = schedule.plan
        var out = "# \(plan.title)\n"
        var stage = -1
        for week in plan.weeks {
            if week.stageIndex != stage {
                stage = week.stageIndex
                out += "\n## \(plan.stages[stage].title)\n"
            }
            out += "\n### Week \(week.number)\n"
            for task in week.tasks {
                let done = schedule.isDone(task.id)
                var line = "- [\(done ? "x" : " ")] \(task.title)"
                if let slot = schedule.slot(holding: task.id) {
                    line += " — \(slot.id), \(slot.start.formatted(in: zone))" + (done ? ", done" : "")
                }
                out += line + "\n"
            }
        }
        return out
    }
}
