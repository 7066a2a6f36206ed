/// A study plan: stages, weeks and their tasks, in the order the file gives them.
public struct Plan: Sendable, Equatable {
    /// The plan's `# Title`.
    public var title: String
    /// The `## Stage` headings, in file order.
    public var stages: [Stage]
    /// Weeks 1...N; `weeks[i].number == i + 1`.
    public var weeks: [Week]
    /// Where the plan came from, for messages (a path, or `<built-in>`).
    public var source: String

    public init(title: String, stages: [Stage], weeks: [Week], source: String) {
        self.title = title
        self.stages = stages
        self.weeks = weeks
        self.source = source
    }

    /// Every task in plan order.
    public var tasks: [PlanTask] { weeks.flatMap(\.tasks) }

    /// The task with this id, if the plan has it.
    public func task(_ id: TaskID) -> PlanTask? {
        guard id.week >= 1, id.week <= weeks.count else { return nil }
        let tasks = weeks[id.week - 1].tasks
        guard id.index >= 1, id.index <= tasks.count else { return nil }
        return tasks[id.index - 1]
    }

    /// The stage a week belongs to.
    public func stage(ofWeek week: Int) -> Stage? {
        guard week >= 1, week <= weeks.count else { return stages.last }
        return stages[weeks[week - 1].stageIndex]
    }
}

/// A `## Stage` heading.
public struct Stage: Sendable, Equatable {
    /// 1-based position among the plan's stages.
    public var number: Int
    /// The heading text, emoji included (`📦 Stage 1: Foundations (Weeks 1–5)`).
    public var title: String
    /// A plan without `## Stage` headings gets one stage, named after the plan's title.
    public var isImplicit: Bool

    public init(number: Int, title: String, isImplicit: Bool = false) {
        self.number = number
        self.title = title
        self.isImplicit = isImplicit
    }

    /// The heading without a leading emoji or symbol, for notifications and calendars.
    public var plainTitle: String {
        String(title.drop { !$0.isLetter && !$0.isNumber }).trimmingSpaces()
    }
}

/// A `### Week N` section.
public struct Week: Sendable, Equatable {
    public var number: Int
    /// Index into `Plan.stages`.
    public var stageIndex: Int
    public var tasks: [PlanTask]
    /// 1-based line of the `### Week N` heading.
    public var line: Int
}

/// A task's id: week W, N-th task of that week, written `W.N`.
public struct TaskID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var week: Int
    public var index: Int

    public init(week: Int, index: Int) {
        self.week = week
        self.index = index
    }

    /// Parses `W.N`.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let w = Int(parts[0]), let n = Int(parts[1]), w > 0, n > 0 else { return nil }
        self.init(week: w, index: n)
    }

    public var description: String { "\(week).\(index)" }

    public static func < (a: TaskID, b: TaskID) -> Bool {
        (a.week, a.index) < (b.week, b.index)
    }
}

/// One `- [ ] text` line of a plan.
public struct PlanTask: Sendable, Equatable {
    public var id: TaskID
    /// The task text as written, inline Markdown kept.
    public var title: String
    /// `- [x]` in the file.
    public var checked: Bool
    /// 1-based line in the plan file.
    public var line: Int

    /// The title with inline Markdown markers removed, for notifications.
    public var plainTitle: String { Markdown.plain(title) }
}

/// Inline Markdown rendered as plain text.
public enum Markdown {
    /// Removes code backticks and `*`/`_` emphasis markers, keeping the words.
    ///
    /// Underscores inside words (`pg_stat_io`) and inside code spans are kept.
    public static func plain(_ text: String) -> String {
        var out = ""
        var inCode = false
        let chars = Array(text)
        for (i, c) in chars.enumerated() {
            if c == "`" { inCode.toggle(); continue }
            if !inCode, c == "*" { continue }
            if !inCode, c == "_" {
                let before = i > 0 ? chars[i - 1] : " "
                let after = i + 1 < chars.count ? chars[i + 1] : " "
                let inWord = (before.isLetter || before.isNumber) && (after.isLetter || after.isNumber)
                if !inWord { continue }
            }
            out.append(c)
        }
        return out
    }
}

extension StringProtocol {
    /// The text without leading and trailing white space.
    public func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
