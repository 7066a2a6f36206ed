extension PlanFile {
    /// What an edit of the plan file changed, task by task, under the identity rule.
    public struct Changes: Sendable, Equatable {
        /// A box ticked or unticked in the file.
        public struct Box: Sendable, Equatable {
            /// The task's id in the plan pgtrack knew.
            public var task: TaskID
            /// Its id in the file now (the same unless it moved).
            public var now: TaskID
            /// The box is ticked now.
            public var done: Bool

            public init(task: TaskID, now: TaskID, done: Bool) {
                self.task = task
                self.now = now
                self.done = done
            }
        }

        /// A task whose id changed: moved in its week or to another, or shifted by tasks
        /// added or removed before it.
        public struct Move: Sendable, Equatable {
            public var from: TaskID
            public var to: TaskID

            public init(from: TaskID, to: TaskID) {
                self.from = from
                self.to = to
            }
        }

        /// The file's plan now: the plan in force from here on.
        public var plan: Plan
        /// Boxes ticked or unticked, in the known plan's order.
        public var boxes: [Box] = []
        /// Ids (in `plan`) of tasks no known task matches: new, or no longer told apart.
        public var added: [TaskID] = []
        /// Known ids no task in the file matches: removed, or no longer told apart.
        public var removed: [TaskID] = []
        /// Known tasks found under another id.
        public var moved: [Move] = []
        /// Known ids whose text changed (matched by position: the wording was edited).
        public var edited: [TaskID] = []

        /// The number of weeks the known plan had.
        public var weeksBefore: Int

        public init(plan: Plan, weeksBefore: Int) {
            self.plan = plan
            self.weeksBefore = weeksBefore
        }

        /// The schedule must be laid out again, as on a reload: tasks were added, removed
        /// or moved, or the number of weeks changed. Otherwise only boxes, wording or
        /// headings changed, and every task keeps its id (and its slot).
        public var needsReflow: Bool {
            !added.isEmpty || !removed.isEmpty || !moved.isEmpty || plan.weeks.count != weeksBefore
        }
    }

    /// What changed from the plan in force, `known`, to the plan file's `bytes` now (an
    /// editor saved it, or pgtrack's own tick came back): boxes ticked and unticked, tasks
    /// added, removed, moved and edited, by the identity rule of `match(_:known:in:)`.
    ///
    /// `known` is the last plan that parsed, not the bytes last read: after a save that did
    /// not parse, the next good one is compared with the plan pgtrack kept. The bytes must
    /// be UTF-8 and parse as a plan with at most `maxTasksPerWeek` tasks a week, as
    /// `PlanParser.load` asks; otherwise the error says why (keep the last good plan).
    public static func changes(from known: Plan, to bytes: [UInt8], file: String, maxTasksPerWeek: Int) throws(PlanError) -> Changes {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw PlanError(file: file, line: 0, message: "expected UTF-8 text")
        }
        let now = try PlanParser.parse(text, file: file, maxTasksPerWeek: maxTasksPerWeek)
        var changes = Changes(plan: now, weeksBefore: known.weeks.count)
        // The rule gives no task of the file to two known tasks (a text match needs a text
        // unique in the known plan or week, an edit a text no known task has), so the
        // pairs below are one to one; PlanFileTests checks it on random edits.
        var matched: Set<TaskID> = []
        for before in known.tasks {
            guard let after = try? match(before.id, known: known, in: now).task else {
                changes.removed.append(before.id)
                continue
            }
            matched.insert(after.id)
            if before.id != after.id { changes.moved.append(Changes.Move(from: before.id, to: after.id)) }
            if before.title != after.title { changes.edited.append(before.id) }
            if before.checked != after.checked {
                changes.boxes.append(Changes.Box(task: before.id, now: after.id, done: after.checked))
            }
        }
        changes.added = now.tasks.map(\.id).filter { !matched.contains($0) }
        return changes
    }
}
