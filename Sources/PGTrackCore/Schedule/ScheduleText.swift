import FoundationEssentials

extension Schedule {
    /// The title shown for a slot: its task, or what kind of empty slot it is.
    public func title(of slot: Slot) -> String {
        if let id = slot.task, let task = plan.task(id) { return task.plainTitle }
        switch slot.state {
        case .paused: return "Paused" + (slot.reason.map { ": \($0)" } ?? "")
        case .skipped: return "Skipped" + (slot.reason.map { ": \($0)" } ?? "")
        case .missed: return "Missed"
        default: return "Catch-up: Week \(slot.week)"
        }
    }

    /// Every slot as a table: id, day, date, time, state, task id and title.
    public func table(zone: Zone) -> String {
        var table = TextTable(header: ["SLOT", "DAY", "DATE", "TIME", "STATE", "TASK", "TITLE"])
        for slot in slots {
            let date = LocalDate(slot.start, in: zone)
            table.add([slot.id.description, date.weekday.shortName.capitalized, date.description,
                       "\(slot.start.time(in: zone))–\(slot.end.time(in: zone))",
                       slot.state.rawValue, slot.task?.description ?? "-", title(of: slot) + (slot.note.map { " (\($0))" } ?? "")])
        }
        return table.render()
    }
}
