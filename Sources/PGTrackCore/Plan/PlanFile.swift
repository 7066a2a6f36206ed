/// The plan's own Markdown file, kept in step both ways: a task's box ticked in the file's
/// bytes when the user marks it done or undone, and boxes ticked in an editor read back.
///
/// Everything works on the file's bytes as they are on disk: a tick changes the one byte
/// inside `[ ]` and nothing else (line endings, a byte order mark, invalid UTF-8 elsewhere
/// are never decoded and re-encoded). A task is found by the identity rule of
/// `match(_:known:in:)`, never by a remembered line number or offset, so a tick always
/// lands on the file as it is now (obsidian-tasks #984, #1672).
public enum PlanFile {
    /// How a task pgtrack knows was found in the file now.
    public enum Match: String, Sendable, Equatable {
        /// At its position in its week, with its text.
        case same
        /// At its position in a week with as many tasks as before, its text edited.
        case edited
        /// Found by its text, at another position in its week.
        case movedInWeek
        /// Found by its text in another week: the only task with that text, then and now.
        case movedToWeek
    }

    /// Where a task's box is in the file.
    public struct Location: Sendable, Equatable {
        /// The task's id in the file now; it differs from the known id when the task moved.
        public var id: TaskID
        /// 1-based line, as PlanParser counts lines.
        public var line: Int
        /// Offset, in the file's bytes, of the character between `[` and `]`.
        public var offset: Int
        /// The box holds `x` or `X`.
        public var checked: Bool
        /// The task's text in the file now.
        public var title: String
        public var match: Match

        public init(id: TaskID, line: Int, offset: Int, checked: Bool, title: String, match: Match) {
            self.id = id
            self.line = line
            self.offset = offset
            self.checked = checked
            self.title = title
            self.match = match
        }
    }

    /// Why a task's box was not ticked: nothing was changed.
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public enum Reason: Error, Sendable, Equatable {
            /// The file does not parse as a plan now.
            case notAPlan(PlanError)
            /// The plan pgtrack knows has no such task.
            case unknownTask
            /// No task has its text, and the task at its position is not an edit of it.
            case notFound
            /// Not at its position in its week, and its text, on these lines, was or is
            /// shared by several tasks, so none of them can be told to be it.
            case ambiguous(lines: [Int])
            /// The parsed line has no box where the parser saw one; never expected, and
            /// refused rather than changing a byte that may be another.
            case noBox(line: Int)
        }

        /// The task's id in the plan pgtrack knows.
        public var task: TaskID
        /// Its text as pgtrack knows it; empty for `unknownTask`.
        public var title: String
        public var reason: Reason

        public init(task: TaskID, title: String, reason: Reason) {
            self.task = task
            self.title = title
            self.reason = reason
        }

        public var description: String {
            let named = "task \(task) '\(title)'"
            switch reason {
            case .notAPlan(let error): return "cannot find task \(task) in the plan file: \(error)"
            case .unknownTask: return "the plan has no task \(task)"
            case .notFound:
                return "\(named) is not in the plan file any more: no task has its text, and the task at its place is not it"
            case .ambiguous(let lines):
                let at = lines.map(String.init).joined(separator: ", ")
                return "\(named) cannot be told apart in the plan file: it is not at its place, and its text (line\(lines.count == 1 ? "" : "s") \(at)) was or is shared by several tasks"
            case .noBox(let line): return "\(named): line \(line) of the plan file has no box where one was read"
            }
        }
    }

    /// The outcome of a tick.
    public struct Tick: Sendable, Equatable {
        /// The file's bytes with the box set; the input itself when `changed` is false.
        public var bytes: [UInt8]
        /// Where the box is; `checked` is its state before the tick.
        public var location: Location
        /// False when the box already was as asked: nothing needs writing.
        public var changed: Bool

        public init(bytes: [UInt8], location: Location, changed: Bool) {
            self.bytes = bytes
            self.location = location
            self.changed = changed
        }
    }

    // MARK: - The identity rule

    /// The task in `now` that is the task `id` of `known`, and how it was recognised.
    ///
    /// Position in its week first, then the text (docs/DECISIONS.md, "The plan file,
    /// ticked both ways"), in this order:
    /// 1. the task at the same position in the same week, if it has the same text;
    /// 2. else the one task of that week with that text, if it was the only one there
    ///    before too (the task moved within its week: a task added, removed or swapped);
    /// 3. else the one task of the file with that text, if it was the only one in the plan
    ///    before too (the task moved to another week);
    /// 4. else, if the week has as many tasks as before, the task at the same position,
    ///    unless its text is that of a task pgtrack knows (the user edited the wording;
    ///    a known text there means the tasks were moved or removed, not edited).
    ///
    /// Anything else is refused: a text shared by several tasks, or nothing. A text still
    /// in the file is a stronger sign than a position, so 2 and 3 come before 4: a swap
    /// is a move, not two edits (obsidian-tasks #984 ticked the wrong line by position).
    public static func match(_ id: TaskID, known: Plan, in now: Plan) throws(Refusal.Reason) -> (task: PlanTask, match: Match) {
        guard let task = known.task(id) else { throw .unknownTask }
        let title = task.title
        let knownWeek = known.weeks[id.week - 1].tasks
        let week = id.week <= now.weeks.count ? now.weeks[id.week - 1].tasks : []
        if id.index <= week.count, week[id.index - 1].title == title {
            return (week[id.index - 1], .same)
        }
        let inWeek = week.filter { $0.title == title }
        if inWeek.count == 1, knownWeek.count(where: { $0.title == title }) == 1 {
            return (inWeek[0], .movedInWeek)
        }
        let inFile = now.tasks.filter { $0.title == title }
        if inFile.count == 1, known.tasks.count(where: { $0.title == title }) == 1 {
            return (inFile[0], .movedToWeek)
        }
        if week.count == knownWeek.count {
            let there = week[id.index - 1]
            if !known.tasks.contains(where: { $0.title == there.title }) { return (there, .edited) }
        }
        throw inFile.isEmpty ? .notFound : .ambiguous(lines: inFile.map(\.line))
    }

    // MARK: - Ticking

    /// Finds the box of task `id` of `known` (the plan in force) in the file's `bytes`.
    ///
    /// The bytes are parsed afresh (invalid UTF-8 read as U+FFFD, so such a file can still
    /// be ticked; no limit of tasks per week, which only the schedule needs).
    public static func locate(_ id: TaskID, known: Plan, in bytes: [UInt8]) throws(Refusal) -> Location {
        let title = known.task(id)?.title ?? ""
        func refuse(_ reason: Refusal.Reason) -> Refusal { Refusal(task: id, title: title, reason: reason) }
        let now: Plan
        do {
            now = try PlanParser.parse(String(decoding: bytes, as: UTF8.self), file: known.source, maxTasksPerWeek: .max)
        } catch {
            throw refuse(.notAPlan(error))
        }
        let found: (task: PlanTask, match: Match)
        do { found = try match(id, known: known, in: now) } catch { throw refuse(error) }
        guard let offset = boxOffset(inLine: found.task.line, of: bytes) else { throw refuse(.noBox(line: found.task.line)) }
        let checked = bytes[offset] != UInt8(ascii: " ")
        guard checked == found.task.checked else { throw refuse(.noBox(line: found.task.line)) }
        return Location(id: found.task.id, line: found.task.line, offset: offset, checked: checked,
                        title: found.task.title, match: found.match)
    }

    /// The file's `bytes` with the box of task `id` of `known` set to `done`: `[ ]` ↔ `[x]`,
    /// one byte, every other byte as it was. Unticking `[X]` writes a space.
    ///
    /// Pass the bytes on disk now, read just before, never a copy kept from earlier: the
    /// task is found again in them, so a user's edit since is kept (the write-back race).
    public static func tick(_ bytes: [UInt8], task id: TaskID, known: Plan, done: Bool) throws(Refusal) -> Tick {
        let location = try locate(id, known: known, in: bytes)
        guard location.checked != done else { return Tick(bytes: bytes, location: location, changed: false) }
        var out = bytes
        out[location.offset] = done ? UInt8(ascii: "x") : UInt8(ascii: " ")
        return Tick(bytes: out, location: location, changed: true)
    }

    // MARK: - Lines in bytes

    /// The offset of the mark inside the first `[ ]`, `[x]` or `[X]` of 1-based `line`.
    ///
    /// The parser accepts a task line only as white space, `-` or `*`, white space, then
    /// `[`: none of those is the byte `[`, and no byte of a multi-byte UTF-8 sequence is
    /// ASCII, so the line's first `[` byte is the box's.
    static func boxOffset(inLine line: Int, of bytes: [UInt8]) -> Int? {
        guard let range = lineRange(line, of: bytes),
              let open = bytes[range].firstIndex(of: UInt8(ascii: "[")),
              open + 2 < range.upperBound, bytes[open + 2] == UInt8(ascii: "]") else { return nil }
        let mark = bytes[open + 1]
        guard mark == UInt8(ascii: " ") || mark == UInt8(ascii: "x") || mark == UInt8(ascii: "X") else { return nil }
        return open + 1
    }

    /// The bytes of 1-based `line`, without its line break, split where PlanParser splits:
    /// at every character Swift calls a newline (LF, CR LF, CR, VT, FF, NEL, LS, PS).
    ///
    /// Each is a grapheme of its own, and none can be part of an invalid sequence that
    /// decoding repairs, so the count is the parser's for any bytes.
    static func lineRange(_ line: Int, of bytes: [UInt8]) -> Range<Int>? {
        guard line >= 1 else { return nil }
        var number = 1
        var start = 0
        var i = 0
        while i < bytes.count {
            let length = lineBreakLength(bytes, at: i)
            guard length > 0 else { i += 1; continue }
            if number == line { return start..<i }
            number += 1
            i += length
            start = i
        }
        return number == line ? start..<bytes.count : nil
    }

    /// The length of the line break at `i`, 0 if there is none.
    private static func lineBreakLength(_ bytes: [UInt8], at i: Int) -> Int {
        switch bytes[i] {
        case 0x0A, 0x0B, 0x0C: return 1
        case 0x0D: return i + 1 < bytes.count && bytes[i + 1] == 0x0A ? 2 : 1
        case 0xC2: return i + 1 < bytes.count && bytes[i + 1] == 0x85 ? 2 : 0 // NEL
        case 0xE2: // LS, PS
            return i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9) ? 3 : 0
        default: return 0
        }
    }
}
