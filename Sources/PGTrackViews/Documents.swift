import FoundationEssentials
import PGTrackAPI
import PGTrackCore

extension TrackerService {
    /// The progress page's input at `now`: the status and every slot.
    public func progressPage(now: Date) -> ProgressPage {
        let schedule = backend.schedule(now: now)
        return ProgressPage(overview: overview(now: now), slots: schedule.slots.map { API.Slot($0, in: schedule, zone: backend.zone) },
                            now: now)
    }

    /// Adds the `Export` formats the views render: `markdown` (the checklist, then the
    /// learning log from the same slots the CLI's journal reads) and `html` (the page).
    public func addViews() {
        documents["markdown"] = { [unowned self] now in
            let schedule = backend.schedule(now: now), zone = backend.zone
            let journal = Journal(slots: schedule.slots.map { API.Slot($0, in: schedule, zone: zone) },
                                  stages: API.StageProgress.all(schedule), start: backend.startDate, zone: zone)
            return schedule.markdown(zone: zone) + "\n" + journal.markdown(level: 2)
        }
        documents["html"] = { [unowned self] now in progressPage(now: now).render(.standalone(exported: now)).html }
    }
}
