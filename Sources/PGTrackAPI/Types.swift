import FoundationEssentials
import PGTrackCore
import PGTrackPlatform
import Varlink

extension API {
    /// `type Task`: a task of the plan, id `W.N`.
    public struct Task: WireValue {
        public var id: String
        public var title: String
        public var stage: String

        public init(id: String, title: String, stage: String) {
            self.id = id
            self.title = title
            self.stage = stage
        }

        public init(wire json: JSON, path: String) throws(WireError) {
            let f = try Fields(json, path: path)
            self.init(id: try f.string("id"), title: try f.string("title"), stage: try f.string("stage"))
        }

        public var wire: JSON {
            .object([("id", .string(id)), ("title", .string(title)), ("stage", .string(stage))])
        }
    }

    /// `type Slot`: one study slot, times in RFC 3339 with the plan's offset.
    public struct Slot: WireValue {
        public var id: String
        public var week: Int
        public var day: Int
        public var start: String
        public var end: String
        public var state: SlotState
        public var task: Task?
        /// Why the slot is not at its usual time ("after Late meeting"); absent when it is.
        public var note: String?
        /// The user's own note on the slot: what was learned (lines end in LF).
        public var studyNote: String?
        /// A done slot's minutes spent, when given or measured.
        public var minutesSpent: Int?
        /// When the user started the slot, RFC 3339.
        public var startedAt: String?

        public init(id: String, week: Int, day: Int, start: String, end: String, state: SlotState, task: Task?, note: String? = nil,
                    studyNote: String? = nil, minutesSpent: Int? = nil, startedAt: String? = nil) {
            self.id = id
            self.week = week
            self.day = day
            self.start = start
            self.end = end
            self.state = state
            self.task = task
            self.note = note
            self.studyNote = studyNote
            self.minutesSpent = minutesSpent
            self.startedAt = startedAt
        }

        public init(wire json: JSON, path: String) throws(WireError) {
            let f = try Fields(json, path: path)
            let state = try f.string("state")
            guard let s = SlotState(rawValue: state) else {
                throw WireError(path: f.at("state"), "expected scheduled, done, skipped, paused, missed or catch-up, found '\(state)'")
            }
            self.init(id: try f.string("id"), week: try f.int("week"), day: try f.int("day"), start: try f.time("start"),
                      end: try f.time("end"), state: s, task: try f.optional("task"), note: try f.optionalString("note"),
                      studyNote: try f.optionalString("studyNote"), minutesSpent: try f.optionalInt("minutesSpent"),
                      startedAt: try f.optionalTime("startedAt"))
        }

        public var wire: JSON {
            var fields: [(String, JSON)] = [("id", .string(id)), ("week", .int(Int64(week))), ("day", .int(Int64(day))),
                                            ("start", .string(start)), ("end", .string(end)), ("state", .string(state.rawValue)),
                                            ("task", task?.wire ?? .null)]
            // Omitted (as Varlink allows for a nullable field) on the slots that have none: most of them.
            if let note { fields.append(("note", .string(note))) }
            if let studyNote { fields.append(("studyNote", .string(studyNote))) }
            if let minutesSpent { fields.append(("minutesSpent", .int(Int64(minutesSpent)))) }
            if let startedAt { fields.append(("startedAt", .string(startedAt))) }
            return .object(fields)
        }

        /// The start as an instant (decoding checked that it parses).
        public var startDate: Date { Date(rfc3339: start) ?? .distantPast }
        public var endDate: Date { Date(rfc3339: end) ?? .distantPast }
        public var slotID: SlotID? { SlotID(id) }
    }

    /// `type StageProgress`: done and total tasks of one stage.
    public struct StageProgress: WireValue {
        public var number: Int
        public var title: String
        public var done: Int
        public var total: Int

        public init(number: Int, title: String, done: Int, total: Int) {
            self.number = number
            self.title = title
            self.done = done
            self.total = total
        }

        public init(wire json: JSON, path: String) throws(WireError) {
            let f = try Fields(json, path: path)
            self.init(number: try f.int("number"), title: try f.string("title"), done: try f.int("done"), total: try f.int("total"))
        }

        public var wire: JSON {
            .object([("number", .int(Int64(number))), ("title", .string(title)), ("done", .int(Int64(done))),
                     ("total", .int(Int64(total)))])
        }
    }

    /// `type Overview`: where the plan stands (the reply of `Status`). Its figures are a
    /// `Standing`'s (see `standing`), defined once in PGTrackCore.
    public struct Overview: WireValue {
        public var plan: String
        public var timezone: String
        /// The first study day, `YYYY-MM-DD`.
        public var start: String
        /// The plan week of today: 0 before the start, above `weeks` in an extension week.
        public var week: Int
        /// Weeks in the plan file.
        public var weeks: Int
        public var stage: String
        public var done: Int
        public var total: Int
        /// Tasks the untouched plan has late by now.
        public var due: Int
        /// Tasks behind the untouched plan; negative: ahead.
        public var behind: Int
        public var current: Slot?
        public var next: Slot?
        /// The projected finish; nil once finished.
        public var finish: String?
        /// When the untouched plan would have finished.
        public var planned: String?
        /// When the last task was marked done, once every task is.
        public var finished: String?
        /// The first open task (`W.N`), when it is late.
        public var oldest: String?
        /// The last day of a pause before the next study slot, `YYYY-MM-DD`.
        public var paused: String?
        /// The first instant at which this answer can change with time alone.
        public var until: String?
        public var stages: [StageProgress]
        public var notifications: String
        /// The calendar sync's last and next run; nil when sync is off.
        public var sync: String?
        /// The busy calendars: what each holds, or why it could not be read; nil for none.
        public var busy: String?
        public var summary: String

        public init(plan: String, timezone: String, start: String, week: Int, weeks: Int, stage: String, done: Int, total: Int,
                    due: Int, behind: Int, current: Slot?, next: Slot?, finish: String?, planned: String?, finished: String? = nil,
                    oldest: String? = nil, paused: String? = nil, until: String? = nil, stages: [StageProgress], notifications: String,
                    sync: String? = nil, busy: String? = nil, summary: String) {
            self.plan = plan
            self.timezone = timezone
            self.start = start
            self.week = week
            self.weeks = weeks
            self.stage = stage
            self.done = done
            self.total = total
            self.due = due
            self.behind = behind
            self.current = current
            self.next = next
            self.finish = finish
            self.planned = planned
            self.finished = finished
            self.oldest = oldest
            self.paused = paused
            self.until = until
            self.stages = stages
            self.notifications = notifications
            self.sync = sync
            self.busy = busy
            self.summary = summary
        }

        public init(wire json: JSON, path: String) throws(WireError) {
            let f = try Fields(json, path: path)
            func time(_ key: String) throws(WireError) -> String? {
                let text = try f.optionalString(key)
                if let text, Date(rfc3339: text) == nil { throw WireError(path: f.at(key), "expected an RFC 3339 time") }
                return text
            }
            let paused = try f.optionalString("paused"), oldest = try f.optionalString("oldest")
            if let paused, LocalDate(paused) == nil { throw WireError(path: f.at("paused"), "expected a date (YYYY-MM-DD)") }
            if let oldest, TaskID(oldest) == nil { throw WireError(path: f.at("oldest"), "expected a task id (W.N)") }
            self.init(plan: try f.string("plan"), timezone: try f.string("timezone"), start: try f.string("start"),
                      week: try f.int("week"), weeks: try f.int("weeks"), stage: try f.string("stage"), done: try f.int("done"),
                      total: try f.int("total"), due: try f.int("due"), behind: try f.int("behind"), current: try f.optional("current"),
                      next: try f.optional("next"), finish: try time("finish"), planned: try time("planned"),
                      finished: try time("finished"), oldest: oldest, paused: paused, until: try time("until"),
                      stages: try f.array("stages"), notifications: try f.string("notifications"),
                      sync: try f.optionalString("sync"), busy: try f.optionalString("busy"), summary: try f.string("summary"))
        }

        public var wire: JSON {
            func opt(_ s: String?) -> JSON { s.map(JSON.string) ?? .null }
            return .object([
                ("plan", .string(plan)), ("timezone", .string(timezone)), ("start", .string(start)), ("week", .int(Int64(week))),
                ("weeks", .int(Int64(weeks))), ("stage", .string(stage)), ("done", .int(Int64(done))), ("total", .int(Int64(total))),
                ("due", .int(Int64(due))), ("behind", .int(Int64(behind))), ("current", current?.wire ?? .null),
                ("next", next?.wire ?? .null), ("finish", opt(finish)), ("planned", opt(planned)), ("finished", opt(finished)),
                ("oldest", opt(oldest)), ("paused", opt(paused)), ("until", opt(until)), ("stages", .array(stages.map(\.wire))),
                ("notifications", .string(notifications)), ("sync", opt(sync)), ("busy", opt(busy)), ("summary", .string(summary)),
            ])
        }

        /// The plan's zone, for reading and showing times (the system's if unknown here).
        public var zone: Zone { Zone(identifier: timezone) ?? .current }

        /// The figures as PGTrackCore defines them, for its texts.
        public var standing: Standing {
            Standing(total: total, done: done, due: due, behind: behind, weeks: weeks, week: week,
                     start: LocalDate(start) ?? LocalDate(dayNumber: 0), zone: zone,
                     projected: finish.flatMap { Date(rfc3339: $0) }, planned: planned.flatMap { Date(rfc3339: $0) },
                     finished: finished.flatMap { Date(rfc3339: $0) }, oldestOpen: oldest.flatMap { TaskID($0) },
                     pausedThrough: paused.flatMap { LocalDate($0) })
        }
    }

    /// The reply of `Undo`: what was reverted, and the slot it touched.
    public struct Undone: WireValue {
        public var kind: String
        public var slot: Slot?

        public init(kind: String, slot: Slot?) {
            self.kind = kind
            self.slot = slot
        }

        public init(wire json: JSON, path: String) throws(WireError) {
            let f = try Fields(json, path: path)
            self.init(kind: try f.string("kind"), slot: try f.optional("slot"))
        }

        public var wire: JSON { .object([("kind", .string(kind)), ("slot", slot?.wire ?? .null)]) }
    }

    /// One reply of the `Monitor` stream.
    public struct Event: WireValue {
        /// `subscribed` first, then the kind of each change (`skip`, `done`, `reload`, …).
        public var kind: String
        public var slot: String?
        public var at: String
        public var summary: String

        public init(kind: String, slot: String?, at: String, summary: String) {
            self.kind = kind
            self.slot = slot
            self.at = at
            self.summary = summary
        }

        public init(wire json: JSON, path: String) throws(WireError) {
            let f = try Fields(json, path: path)
            self.init(kind: try f.string("kind"), slot: try f.optionalString("slot"), at: try f.time("at"),
                      summary: try f.string("summary"))
        }

        public var wire: JSON {
            .object([("kind", .string(kind)), ("slot", slot.map(JSON.string) ?? .null), ("at", .string(at)),
                     ("summary", .string(summary))])
        }
    }

    /// `export --format json`: the plan and every slot.
    public struct ScheduleDocument: WireValue {
        public var plan: String
        public var timezone: String
        public var start: String
        public var slots: [Slot]

        public init(plan: String, timezone: String, start: String, slots: [Slot]) {
            self.plan = plan
            self.timezone = timezone
            self.start = start
            self.slots = slots
        }

        public init(wire json: JSON, path: String) throws(WireError) {
            let f = try Fields(json, path: path)
            self.init(plan: try f.string("plan"), timezone: try f.string("timezone"), start: try f.string("start"),
                      slots: try f.array("slots"))
        }

        public var wire: JSON {
            .object([("plan", .string(plan)), ("timezone", .string(timezone)), ("start", .string(start)),
                     ("slots", .array(slots.map(\.wire)))])
        }
    }

    /// The reply of `Sync`: a run of the sync command that succeeded.
    public struct SyncRun: WireValue {
        public var at: String
        public var seconds: Double
        public var output: String

        public init(at: String, seconds: Double, output: String) {
            self.at = at
            self.seconds = seconds
            self.output = output
        }

        public init(wire json: JSON, path: String) throws(WireError) {
            let f = try Fields(json, path: path)
            self.init(at: try f.time("at"), seconds: try f.double("seconds"), output: try f.string("output"))
        }

        public var wire: JSON { .object([("at", .string(at)), ("seconds", .double(seconds)), ("output", .string(output))]) }
    }

    /// The reply of `Feed`: where the calendar can be had.
    public struct FeedInfo: WireValue {
        public var file: String?
        public var url: String?
        public var page: String?
        public var vdir: String?

        public init(file: String?, url: String?, page: String?, vdir: String?) {
            self.file = file
            self.url = url
            self.page = page
            self.vdir = vdir
        }

        public init(wire json: JSON, path: String) throws(WireError) {
            let f = try Fields(json, path: path)
            self.init(file: try f.optionalString("file"), url: try f.optionalString("url"), page: try f.optionalString("page"),
                      vdir: try f.optionalString("vdir"))
        }

        public var wire: JSON {
            .object([("file", file.map(JSON.string) ?? .null), ("url", url.map(JSON.string) ?? .null),
                     ("page", page.map(JSON.string) ?? .null), ("vdir", vdir.map(JSON.string) ?? .null)])
        }
    }
}
