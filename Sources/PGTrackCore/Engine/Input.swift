import FoundationEssentials

/// Where a change came from; the ledger keeps it with the event, and the log says it.
public enum Origin: String, Sendable, Equatable {
    /// The control socket (pgtrackctl, a status bar, a script).
    case control
    /// A button on a desktop reminder.
    case reminder
    /// An edit of the plan's event read back from the calendar (the vdir a sync fills).
    case calendar
    /// A box ticked or unticked in the plan's Markdown file.
    case planFile = "plan-file"
}

/// What the engine is told; the daemon's sources turn what they see into these.
public enum Input: Sendable {
    /// A change the user asked for: checked against the schedule, then recorded.
    case change(Change, origin: Origin)
    /// A desktop reminder was shown (recorded, so that it is not shown again).
    case reminderShown(SlotID, key: String)
    /// The busy calendars as last read.
    case busy(BusyTimes)
    /// A reload: config, plan and holidays, loaded and checked by the caller, and the
    /// busy calendars read again with them (nil: as they were).
    case settings(EngineSettings, busy: BusyTimes?)
    /// The zone in effect changed (the system's, when the config names none).
    case zone(Zone)
    /// Time passed: a deadline, a step of the wall clock, a resume from sleep, the start.
    case tick(reason: String)
}

/// What the engine schedules from: everything a reload replaces at once.
public struct EngineSettings: Sendable {
    public var config: Config
    public var plan: Plan
    /// Dates with no study slot from sources other than `skip_dates` (the holidays file).
    public var holidays: Set<LocalDate>
    /// The zone the plan is scheduled in: the one `schedule.timezone` names, else the
    /// system's, as the platform read it (the engine reads no zone file).
    public var zone: Zone

    public init(config: Config, plan: Plan, holidays: Set<LocalDate> = [], zone: Zone) {
        self.config = config
        self.plan = plan
        self.holidays = holidays
        self.zone = zone
    }
}

/// A slot reached a point the log reports: it started, ended, or was missed.
public struct Transition: Sendable, Equatable {
    public enum Kind: String, Sendable { case started, ended, missed }
    public var kind: Kind
    public var slot: SlotID
    public var title: String
    public var at: Date
}

/// What an input did.
public struct Outcome {
    /// The input, as given.
    public var input: Input
    /// The instant the engine took it at.
    public var now: Date
    /// The event recorded in the ledger, if the input made one.
    public var event: LedgerEvent?
    /// Why the input changed nothing: a `ScheduleError` for a refused change, or what
    /// the `EventStore` threw when it could not record it.
    public var refused: (any Error)?
    /// The schedule after the input, and what it was computed with.
    public var schedule: Schedule
    public var config: Config
    public var zone: Zone
    public var start: LocalDate
    /// Slots that started, ended or were missed since the last input.
    public var transitions: [Transition]
    /// Whether anything the schedule is computed from changed: the published documents
    /// (the calendar, the page, the status) are computed again, and monitors hear it.
    public var changed: Bool
    /// What `Monitor` clients hear, if anything: the kind of the change and its slot.
    public var monitor: (kind: String, slot: SlotID?)?

    /// The next instant something is due (a reminder, a slot's start or end, a miss);
    /// computed when asked, after whoever submitted the input was answered.
    public var nextDeadline: Date? {
        schedule.nextDeadline(after: now, reminders: config.reminders.enabled ? config.reminders.at : [], grace: config.schedule.grace)
    }

    /// The line `systemctl status` shows, and Monitor clients read.
    public var statusLine: String { schedule.statusLine(now: now, start: start, zone: zone) }

    /// The slot of the recorded event, if any.
    public var slot: SlotID? { event?.slot }
}
