import FoundationEssentials
import Glibc
import PGTrackCore

/// Where the publisher keeps its record of what it published (SEQUENCE and
/// LAST-MODIFIED per slot). The daemon passes the ledger; tests pass a dictionary.
/// The record is bookkeeping, not truth: losing it only restarts the sequence numbers.
public protocol RevisionStore: AnyObject {
    func publishedRevisions() throws -> [String: SlotRevision]
    func savePublished(_ revisions: [String: SlotRevision]) throws
}

/// What the calendar files show: the schedule and how it is written.
public struct CalendarSource: Equatable {
    public var schedule: Schedule
    public var zone: Zone
    public var settings: Config.CalendarSettings
    /// The plan's first day (part of every UID).
    public var start: LocalDate
    /// The plan instance, part of every UID but the default plan's.
    public var instance: String?

    public init(schedule: Schedule, zone: Zone, settings: Config.CalendarSettings, start: LocalDate, instance: String? = nil) {
        self.instance = instance
        self.schedule = schedule
        self.zone = zone
        self.settings = settings
        self.start = start
    }

    public static func == (a: CalendarSource, b: CalendarSource) -> Bool {
        a.zone.identifier == b.zone.identifier && a.start == b.start && a.instance == b.instance && a.settings == b.settings && a.schedule == b.schedule
    }
}

/// Keeps the feed and the vdir current: works out which slots changed since they
/// were last published (SEQUENCE, LAST-MODIFIED), records that, and writes the files.
public final class CalendarPublisher {
    public let writer: CalendarWriter
    private let store: any RevisionStore
    private var revisions: [String: SlotRevision]?
    /// What the files on disk show; the daemon ticks at every deadline, and most ticks
    /// change nothing, so an unchanged source is not exported again.
    private var written: CalendarSource?
    /// The feed as last published, for serving from memory (HTTP): its text, and the
    /// latest LAST-MODIFIED among its events.
    public private(set) var served: (text: String, modified: Date)?

    public init(writer: CalendarWriter, store: any RevisionStore) {
        self.writer = writer
        self.store = store
    }

    /// The export of `source` at `now`. With `record`, slots whose content changed get
    /// their next SEQUENCE and it is stored; without, the same numbers are worked out
    /// in memory and nothing is written (the read-only `Export` call).
    public func export(_ source: CalendarSource, now: Date, record: Bool) throws -> CalendarExport {
        var export = CalendarExport(schedule: source.schedule, zone: source.zone, settings: source.settings,
                                    start: source.start, fallbackModified: now, instance: source.instance)
        var known = try revisions ?? store.publishedRevisions()
        let changed = SlotRevision.revise(known, digests: export.digests(), now: now)
        if record, !changed.isEmpty { try store.savePublished(changed) }
        known.merge(changed) { $1 }
        if record { revisions = known }
        export.revisions = known
        return export
    }

    /// The revision last published for `slot`.
    public func recordedRevision(_ slot: SlotID) -> SlotRevision? {
        (try? revisions ?? store.publishedRevisions())?[slot.description]
    }

    /// The vdir file `name` (slot `slot`'s) is to be written again at the next `publish`,
    /// whatever it holds, as a new revision: SEQUENCE above both its own and `sequence`
    /// (the one in the file someone else wrote), LAST-MODIFIED rising. A calendar takes an
    /// update only with a SEQUENCE not below its own, and the phone raised it; and
    /// vdirsyncer 0.19 keeps the hash of what a file held before it downloaded an edit, so
    /// writing back the very bytes it had before would look unchanged and never go up.
    public func rewrite(_ name: String, slot: SlotID, above sequence: Int, now: Date) throws {
        var known = try revisions ?? store.publishedRevisions()
        let key = slot.description
        if let r = known[key] {
            let after = r.modified.timeIntervalSince1970.rounded(.down) + 1
            let raised = SlotRevision(digest: r.digest, sequence: max(r.sequence, sequence) + 1,
                                      modified: Date(timeIntervalSince1970: max(now.timeIntervalSince1970.rounded(.down), after)))
            try store.savePublished([key: raised])
            known[key] = raised
        }
        revisions = known
        writer.forget(name)
        written = nil
    }

    /// Writes what changed; returns whether the feed file was rewritten.
    @discardableResult
    public func publish(_ source: CalendarSource, now: Date) throws -> Bool {
        if written == source { return false }
        let export = try export(source, now: now, record: true)
        let feed = export.feed()
        served = (feed, export.revisions.values.map(\.modified).max() ?? now)
        let wrote = try writer.writeFeed(feed)
        if writer.vdirPath != nil {
            try writer.syncVdir(export.vdirFiles(), name: export.calendarName, color: source.settings.color)
        }
        written = source
        return wrote
    }
}
