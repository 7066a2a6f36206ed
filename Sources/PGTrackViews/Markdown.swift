import FoundationEssentials
import PGTrackAPI
import PGTrackCore

extension Schedule {
    /// The plan as a Markdown checklist with progress: done tasks checked, each task
    /// with its slot (`export --format markdown`).
    public func markdown(zone: Zone) -> String {
        var out = "# \(plan.title)\n"
        var stage = -1
        for week in plan.weeks {
            if week.stageIndex != stage, plan.stages.count > 1 || !plan.stages[week.stageIndex].isImplicit {
                stage = week.stageIndex
                out += "\n## \(plan.stages[stage].title)\n"
            }
            out += "\n### Week \(week.number)\n"
            for task in week.tasks {
                let done = isDone(task.id)
                var line = "- [\(done ? "x" : " ")] \(task.title)"
                if let slot = slot(holding: task.id) {
                    line += " — \(slot.id), \(slot.start.formatted(in: zone))" + (done ? ", done" : "")
                }
                out += line + "\n"
            }
        }
        return out
    }
}
