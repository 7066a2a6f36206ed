import FoundationEssentials

extension Schedule {
    /// The one-line summary systemd shows as the unit's status (`STATUS=`), and the
    /// `summary` of `Status` and of every `Monitor` reply:
    /// `Week 8 · next slot today 18:00 (w08d5) · 5 tasks behind`. Its figures are
    /// `standing(at:start:zone:)`'s, in the same words as everywhere else.
    public func statusLine(now: Date, start: LocalDate, zone: Zone) -> String {
        let s = standing(at: now, start: start, zone: zone)
        if s.isFinished { return s.finishText }
        func when(_ d: Date) -> String {
            let day = LocalDate(d, in: zone)
            let time = d.time(in: zone)
            let daysAway = day.dayNumber - LocalDate(now, in: zone).dayNumber
            if daysAway == 0 { return "today \(time)" }
            if daysAway == 1 { return "tomorrow \(time)" }
            if daysAway < 7 { return "\(day.weekday.shortName.capitalized) \(time)" }
            return "\(day) \(time)"
        }
        var parts = [s.week == 0 ? "Starts \(Standing.day(s.start))" : s.week <= s.weeks ? "Week \(s.week)" : "Extension week \(s.week - s.weeks)"]
        if let current = current(at: now), current.task != nil, current.state == .scheduled {
            parts.append("studying now until \(current.end.time(in: zone)) (\(current.id))")
        } else if let next = next(after: now) {
            parts.append("next slot \(when(next.start)) (\(next.id))")
        } else {
            parts.append("no upcoming slot · \(s.done)/\(s.total) tasks done")
        }
        if let paused = s.pausedText { parts.append(paused) }
        if !s.isOnTrack { parts.append(s.behindHeadline) }
        return parts.joined(separator: " · ")
    }
}
