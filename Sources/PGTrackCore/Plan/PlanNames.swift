extension Plan {
    /// A short name for the plan, used before every event summary: the title's first
    /// word (`PostgreSQL` for "PostgreSQL Mastery Tracker – 20 Week Plan").
    public var shortName: String {
        let first = title.split(separator: " ").first.map(String.init) ?? title
        let trimmed = first.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "+" || $0 == "#" }
        return trimmed.isEmpty ? "Study" : trimmed
    }
}
