/// A plan file that does not have the expected shape.
public struct PlanError: Error, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line; 0 when the problem is the file as a whole.
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
    }
}

/// Reads a Markdown study plan.
///
/// The shape is `# Title`, `## Stage`, `### Week N` (numbered 1, 2, 3, ... in order),
/// and tasks `- [ ] text` or `- [x] text` under a week. Blank lines, `---` rules and
/// prose lines are ignored; a plan without `## Stage` headings has one stage named after
/// its title; anything that looks like a heading or a list item but is
/// not one of these is an error, so that no task silently disappears.
public enum PlanParser {
    /// The most weeks a plan may have, and the most stages.
    public static let maxWeeks = 52
    /// The longest heading or task line, in bytes: every reply that names a task or a
    /// stage carries its text, and a reply is at most 1 MiB (prose lines may be longer).
    public static let maxLineBytes = 1024

    /// Parses `text`, naming `file` in errors.
    ///
    /// - Parameter maxTasksPerWeek: the number of study slots a week has; a week with
    ///   more tasks than that is refused, since it could never be kept.
    public static func parse(_ text: String, file: String, maxTasksPerWeek: Int = 7) throws(PlanError) -> Plan {
        var title: String?
        var stages: [Stage] = []
        var weeks: [Week] = []

        func fail(_ line: Int, _ message: String) -> PlanError {
            PlanError(file: file, line: line, message: message)
        }

        // A UTF-8 byte order mark (Windows editors write one) is not text: without this the
        // title line would read as prose. Line numbers are unchanged.
        let body = text.unicodeScalars.first == "\u{FEFF}" ? Substring(text.unicodeScalars.dropFirst()) : Substring(text)
        var lineNumber = 0
        for rawLine in body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.last == "\r" { line.removeLast() }
            let trimmed = line.trimmingSpaces()
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("#") || trimmed.hasPrefix("- ") || trimmed.hasPrefix("* "), trimmed.utf8.count > maxLineBytes {
                throw fail(lineNumber, "expected a heading or task of at most \(maxLineBytes) bytes, found \(trimmed.utf8.count)")
            }

            if trimmed.hasPrefix("#") {
                let level = trimmed.prefix { $0 == "#" }.count
                let text = trimmed.dropFirst(level).trimmingSpaces()
                switch level {
                case 1:
                    guard title == nil else { throw fail(lineNumber, "expected one '# Title', found a second one") }
                    guard !text.isEmpty else { throw fail(lineNumber, "expected a title after '#'") }
                    title = text
                case 2:
                    guard title != nil else { throw fail(lineNumber, "expected '# Title' before the first stage") }
                    guard !text.isEmpty else { throw fail(lineNumber, "expected a stage name after '##'") }
                    guard stages.count < maxWeeks else { throw fail(lineNumber, "expected at most \(maxWeeks) stages, found more") }
                    stages.append(Stage(number: stages.count + 1, title: text))
                case 3:
                    if stages.isEmpty {
                        // A plan without stage headings has one stage, named after the plan.
                        guard let title else { throw fail(lineNumber, "expected '# Title' before '### \(text)'") }
                        stages.append(Stage(number: 1, title: title, isImplicit: true))
                    }
                    let expected = weeks.count + 1
                    let words = text.split(separator: " ")
                    guard words.count == 2, words[0].lowercased() == "week", let n = Int(words[1]) else {
                        throw fail(lineNumber, "expected '### Week \(expected)', found '### \(text)'")
                    }
                    guard n == expected else {
                        throw fail(lineNumber, "expected '### Week \(expected)' (weeks are numbered in order), found '### Week \(n)'")
                    }
                    guard n <= maxWeeks else {
                        throw fail(lineNumber, "expected at most \(maxWeeks) weeks, found '### Week \(n)'")
                    }
                    weeks.append(Week(number: n, stageIndex: stages.count - 1, tasks: [], line: lineNumber))
                default:
                    throw fail(lineNumber, "expected '#', '##' or '### Week N', found a level-\(level) heading")
                }
                continue
            }

            if trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") || trimmed == "-" || trimmed == "*" {
                let item = trimmed.dropFirst(1).trimmingSpaces()
                guard item.count >= 3, item.hasPrefix("["), item.dropFirst(2).hasPrefix("]") else {
                    throw fail(lineNumber, "expected a task '- [ ] text' or '- [x] text'")
                }
                let mark = item[item.index(after: item.startIndex)]
                guard mark == " " || mark == "x" || mark == "X" else {
                    throw fail(lineNumber, "expected '[ ]' or '[x]' in a task, found '[\(mark)]'")
                }
                let body = item.dropFirst(3).trimmingSpaces()
                guard !body.isEmpty else { throw fail(lineNumber, "expected the task's text after '[\(mark)]'") }
                guard var week = weeks.popLast() else {
                    throw fail(lineNumber, "expected a '### Week N' heading before the first task")
                }
                guard week.tasks.count < maxTasksPerWeek else {
                    throw fail(lineNumber, "expected at most \(maxTasksPerWeek) tasks in week \(week.number) (one per study slot), found more")
                }
                let id = TaskID(week: week.number, index: week.tasks.count + 1)
                week.tasks.append(PlanTask(id: id, title: body, checked: mark != " ", line: lineNumber))
                weeks.append(week)
                continue
            }
            // `---` rules and prose are allowed between sections.
        }

        guard let title else { throw fail(0, "expected a '# Title' line; the file has none") }
        guard !weeks.isEmpty else { throw fail(0, "expected at least one '### Week 1' section; the file has none") }
        return Plan(title: title, stages: stages, weeks: weeks, source: file)
    }

    /// The built-in 20-week PostgreSQL plan.
    public static func builtIn(maxTasksPerWeek: Int = 7) throws(PlanError) -> Plan {
        try parse(DefaultPlan.text, file: DefaultPlan.name, maxTasksPerWeek: maxTasksPerWeek)
    }
}
