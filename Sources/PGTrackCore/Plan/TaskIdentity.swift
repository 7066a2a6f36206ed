/// Which task of a new plan each task of an old one became, when the plan file was edited:
/// the identity the ledger's dones follow (`LedgerEvent.Kind.follow`).
///
/// The tasks are compared as the file lists them, a diff in the manner of `diff`:
/// 1. the longest common subsequence of the two lists of texts, weeks in order: tasks
///    added, removed or re-ordered around a task leave it matched to itself, duplicated
///    texts included (a second "Review" added above the first does not take its done);
/// 2. a task left over whose text is the text of exactly one task left over on the other
///    side, and of no other task left over on its own side: moved (to another week, or
///    across others);
/// 3. a task left over at the same week and position as one left over on the other side:
///    its wording was edited;
/// 4. any other task left over is gone.
public enum TaskIdentity {
    /// For every task of `old`, the task of `new` it is, or nil when it is gone. Tasks at
    /// their place with their text map to themselves.
    public static func follow(from old: Plan, to new: Plan) -> [TaskID: TaskID?] {
        let a = old.tasks, b = new.tasks
        var matched: [Int: Int] = [:]  // index in a → index in b
        // 1. Common prefix and suffix first (an edit is usually local), then the LCS of
        // what is between: at most 52 weeks of 7 tasks each side.
        var lo = 0
        while lo < a.count, lo < b.count, a[lo].title == b[lo].title { matched[lo] = lo; lo += 1 }
        var (hiA, hiB) = (a.count, b.count)
        while hiA > lo, hiB > lo, a[hiA - 1].title == b[hiB - 1].title { hiA -= 1; hiB -= 1; matched[hiA] = hiB }
        for (i, j) in lcs(a[lo..<hiA].map(\.title), b[lo..<hiB].map(\.title)) { matched[lo + i] = lo + j }
        var usedB = Set(matched.values)
        // 2. Moved: a text unique among the leftovers on both sides.
        let leftA = a.indices.filter { matched[$0] == nil }
        var leftB: [Int] { b.indices.filter { !usedB.contains($0) } }
        let countA = Dictionary(leftA.map { (a[$0].title, 1) }, uniquingKeysWith: +)
        let countB = Dictionary(leftB.map { (b[$0].title, 1) }, uniquingKeysWith: +)
        let whereB = Dictionary(leftB.map { (b[$0].title, $0) }, uniquingKeysWith: { first, _ in first })
        for i in leftA where countA[a[i].title] == 1 && countB[a[i].title] == 1 {
            let j = whereB[a[i].title]!
            matched[i] = j
            usedB.insert(j)
        }
        // 3. Edited in place.
        let byPosition = Dictionary(leftB.map { (b[$0].id, $0) }, uniquingKeysWith: { first, _ in first })
        for i in a.indices where matched[i] == nil {
            if let j = byPosition[a[i].id], !usedB.contains(j) {
                matched[i] = j
                usedB.insert(j)
            }
        }
        var out: [TaskID: TaskID?] = [:]
        for i in a.indices { out.updateValue(matched[i].map { b[$0].id }, forKey: a[i].id) }
        return out
    }

    /// The follows that keep each slot's last done (`LastDone`) with its task when the plan
    /// goes from `old` to `new`: to where its task went, or to none (with the text it had)
    /// when it is gone; and a done whose task was gone to a task added now with that text,
    /// the only one added with it (a line cut, saved, then pasted back).
    public static func follows(from old: Plan, to new: Plan, lastDones: [SlotID: LastDone])
        -> [(slot: SlotID, task: TaskID?, goneText: String?)] {
        let identity = follow(from: old, to: new)
        let kept = Set(identity.values.compactMap { $0 })
        let added = Dictionary(grouping: new.tasks.filter { !kept.contains($0.id) }, by: \.title)
        var out: [(slot: SlotID, task: TaskID?, goneText: String?)] = []
        var taken: Set<TaskID> = []
        for (slot, last) in lastDones.sorted(by: { $0.key < $1.key }) {
            if let task = last.task {
                guard let mapped = identity[task], mapped != task else { continue }
                out.append((slot, mapped, mapped == nil ? old.task(task)?.title : nil))
            } else if let text = last.goneText, let back = added[text], back.count == 1, !taken.contains(back[0].id) {
                taken.insert(back[0].id)
                out.append((slot, back[0].id, nil))
            }
        }
        return out
    }

    /// The pairs of indices of a longest common subsequence of `x` and `y`.
    static func lcs(_ x: [String], _ y: [String]) -> [(Int, Int)] {
        guard !x.isEmpty, !y.isEmpty else { return [] }
        let n = x.count, m = y.count
        // length[i][j]: the LCS of x[i...] and y[j...].
        var length = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                length[i][j] = x[i] == y[j] ? length[i + 1][j + 1] + 1 : max(length[i + 1][j], length[i][j + 1])
            }
        }
        var out: [(Int, Int)] = []
        var (i, j) = (0, 0)
        while i < n, j < m {
            if x[i] == y[j] {
                out.append((i, j))
                i += 1
                j += 1
            } else if length[i + 1][j] >= length[i][j + 1] {
                i += 1
            } else {
                j += 1
            }
        }
        return out
    }
}

extension Plan {
    /// The plan's tasks as the ledger keeps them (`EventStore.append(_:taskList:)`): a line
    /// `W.N text` for each. Only the ids and texts: what `TaskIdentity` compares.
    public var taskList: String {
        tasks.map { "\($0.id) \($0.title)" }.joined(separator: "\n")
    }

    /// A plan of only the tasks of a `taskList`, for `TaskIdentity`; nil if it is not one.
    public init?(taskList: String) {
        var weeks: [Week] = []
        // By scalars, not characters: a title may begin with a combining mark, which would
        // make one character of the space before it.
        for line in taskList.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let space = line.firstIndex(of: " "), let id = TaskID(String(String.UnicodeScalarView(line[..<space]))),
                  id.week >= weeks.count, id.week <= PlanParser.maxWeeks else { return nil }
            while weeks.count < id.week { weeks.append(Week(number: weeks.count + 1, stageIndex: 0, tasks: [], line: 0)) }
            guard id.index == weeks[id.week - 1].tasks.count + 1 else { return nil }
            let title = String(String.UnicodeScalarView(line[line.index(after: space)...]))
            weeks[id.week - 1].tasks.append(PlanTask(id: id, title: title, checked: false, line: 0))
        }
        self.init(title: "", stages: [Stage(number: 1, title: "", isImplicit: true)], weeks: weeks, source: "<ledger>")
    }
}
