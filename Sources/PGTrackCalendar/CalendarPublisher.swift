import Foundation
import PGTrackCore
import PGTrackStore

/// Keeps the feed and the vdir current: works out which slots changed since they
/// were last published (SEQUENCE, LAST-MODIFIED), records that, and writes the files.
public final class CalendarPublisher {
    public let writer: CalendarWriter
    private let ledger: Ledger
    private var revisions: [String: SlotRevision]?
    /// The schedule and zone the files on disk show; the daemon ticks at every deadline,
    /// and most ticks change nothing, so an unchanged schedule is not exported again.
    private var written: (schedule: Schedule, zone: String)?

    public init(writer: CalendarWriter, ledger: Ledger) {
        self.writer = writer
        self.ledger = ledger
    }

    /// The export for `tracker` at `now`, with up-to-date revisions recorded in the ledger.
    public func export(_ tracker: Tracker, now: Date) throws -> CalendarExport {
        var export = CalendarExport(schedule: tracker.schedule(now: now), zone: tracker.config.timeZone,
                                    settings: tracker.config.calendar, start: tracker.startDate, fallbackModified: now)
        var known = try revisions ?? ledger.publishedRevisions()
        let changed = SlotRevision.revise(known, digests: export.digests(), now: now)
        if !changed.isEmpty {
            try ledger.savePublished(changed)
            known.merge(changed) { $1 }
        }
        revisions = known
        export.revisions = known
        return export
    }

    /// Writes what changed; returns whether the feed file was rewritten. Config changes
    /// come with a new publisher (on reload), so the schedule and zone decide.
    @discardableResult
    public func publish(_ tracker: Tracker, now: Date) throws -> Bool {
        let schedule = tracker.schedule(now: now), zone = tracker.config.timeZone.identifier
        if let written, written.schedule == schedule, written.zone == zone { return false }
        let export = try export(tracker, now: now)
        let wrote = try writer.writeFeed(export.feed())
        if writer.vdirPath != nil {
            try writer.syncVdir(export.vdirFiles(), name: export.calendarName, color: tracker.config.calendar.color)
        }
        written = (schedule, zone)
        return wrote
    }
}
