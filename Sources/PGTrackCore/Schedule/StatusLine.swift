import FoundationEssentials

extension Schedule {
    /// The one-line summary systemd shows as the unit's status
    /// (`Week 3 · next slot Tue 18:00 (w03d2)`).
    public func statusLine(now: Date, zone: Zone) -> String {
        func when(_ d: Date) -> String {
            let day = LocalDate(d, in: zone)
            let time = d.time(in: zone)
            let daysAway = day.dayNumber - LocalDate(now, in: zone).dayNumber
            if daysAway == 0 { return "today \(time)" }
            if daysAway == 1 { return "tomorrow \(time)" }
            if daysAway < 7 { return "\(day.weekday.shortName.capitalized) \(time)" }
            return "\(day) \(time)"
        }
        if let current = current(at: now), current.task != nil, current.state == .scheduled {
            return "Week \(current.week) · studying now until \(current.end.time(in: zone)) (\(current.id))"
        }
        guard let next = next(after: now) else {
            return doneCount == plan.tasks.count ? "Plan complete · \(doneCount) of \(plan.tasks.count) tasks done"
                                                 : "No upcoming slots · \(doneCount) of \(plan.tasks.count) tasks done"
        }
        let behindText = behind > 0 ? " · \(behind) behind" : ""
        return "Week \(next.week) · next slot \(when(next.start)) (\(next.id))\(behindText)"
    }
}
