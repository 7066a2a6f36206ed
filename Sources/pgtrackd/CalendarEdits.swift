import FoundationEssentials
import Glibc
import PGTrackCalendar
import PGTrackCore
import PGTrackPlatform
import Logging
import Systemd

/// Edits of the plan's events that arrive in the vdir from elsewhere (a sync pulled them
/// from the server), a source: read with libical and submitted as changes with origin
/// `calendar`, as the CLI's are with origin `control`.
final class CalendarEdits {
    private unowned let door: Door
    private let calendar: CalendarOutput
    private let loop: EventLoop
    private let log: Logger
    /// The plan instance, part of every UID but the default plan's.
    var instance: String?
    /// Whether the sync command is running now.
    var syncRunning: () -> Bool = { false }
    /// Shows a notice on the desktop.
    var notice: (_ summary: String, _ body: String) -> Void = { _, _ in }
    private var vdirWatch: FolderWatch?
    /// vdir files changed while the sync command ran, read when it is over.
    private var editsDuringSync = Set<String>()

    init(door: Door, calendar: CalendarOutput, loop: EventLoop, log: Logger, instance: String?) {
        self.door = door
        self.calendar = calendar
        self.loop = loop
        self.log = log
        self.instance = instance
    }

    private var config: Config { door.engine.config }
    private var publisher: CalendarPublisher { calendar.publisher }

    /// Watches the vdir, once it exists, for files written, renamed in and deleted:
    /// vdirsyncer writes a pulled event as a new file renamed over the old one. Called
    /// after each publish; it does nothing while the watch stands.
    func watch() {
        let vdir = config.calendar.vdir
        if let vdirWatch, vdirWatch.folder == vdir, vdirWatch.isWatching { return }
        vdirWatch = nil
        guard !vdir.isEmpty else { return }
        do {
            // If the folder goes away, the next publish makes it and watches again.
            vdirWatch = try FolderWatch(loop: loop, folder: vdir, description: "vdir") { [unowned self] name in self.vdirChanged(name) }
        } catch {
            log.warning("cannot watch the vdir \(vdir) for edits from the calendar: \(error)")
        }
    }

    /// A file in the vdir was written, renamed in or deleted. While the sync command runs,
    /// the file is only noted, and read once the run is over: vdirsyncer records each file
    /// it wrote (its mtime) after writing it, and a write-back racing that would be
    /// recorded as its own download, and never uploaded.
    private func vdirChanged(_ name: String) {
        guard CalendarExport.isOwnFile(name, instance: instance) else { return }
        if syncRunning() {
            editsDuringSync.insert(name)
        } else {
            readEdit(name)
        }
    }

    /// The sync command finished: the files it changed are read now, before its caller hears.
    func readAfterSync() {
        let names = editsDuringSync.sorted()
        editsDuringSync = []
        for name in names { readEdit(name) }
    }

    private func readEdit(_ name: String) {
        guard let expected = publisher.writer.written(name) else { return }
        let path = config.calendar.vdir + "/" + name
        let gone = Files.kind(of: path) == nil
        let now = Date()
        let schedule = door.engine.schedule(now: now)
        guard let (id, slot) = slot(ofFile: name, in: schedule) else { return }
        let edit: CalendarEdit
        var theirs = 0
        if gone {
            edit = CalendarEdit.deleted(slot: slot, policy: config.sync.deleted)
            log.info("calendar: \(name) was deleted", metadata: ["slot": "\(id)"])
        } else {
            let bytes: [UInt8]
            do {
                bytes = try Files.readRegular(path, limit: 1 << 20, followLinks: false)
            } catch {
                // Not applied: a link could point anywhere, and an event is a few KB.
                log.warning("calendar: ignoring \(name): \(error.message)", metadata: ["slot": "\(id)"])
                return
            }
            guard Data(bytes) != expected else { return }
            do {
                let event = try self.event(bytes, file: name)
                edit = CalendarEdit.decide(event, slot: slot)
                theirs = event.sequence
            } catch {
                // Written back above whatever SEQUENCE the file has (an event of another
                // slot's UID still has one): a calendar takes the plan's event back only
                // with a SEQUENCE not below its own.
                let sequence = (try? VdirEvent.read(String(decoding: bytes, as: UTF8.self), zone: door.engine.zone))?.sequence ?? 0
                log.warning("calendar: cannot read the edit of \(name) (\(error)); writing the plan's back")
                return writeBack(name, slot: id, above: sequence, now: now)
            }
        }
        take(edit, name: name, slot: id, theirs: theirs, now: now)
    }

    /// At start, before the first publish: files a sync pulled in while pgtrackd was not
    /// running (a vdirsyncer that outlived a killed daemon, or one run by hand). A file is
    /// read as an edit when its SEQUENCE is not below the one recorded for its slot; a
    /// file pgtrackd wrote itself and did not get to rewrite after a change (a crash in
    /// between) has a lower one, and is simply rewritten by the first publish. So is a
    /// file exactly as pgtrackd last wrote it (its SEQUENCE and LAST-MODIFIED), whatever
    /// its time: the schedule may have moved since without anyone editing it (a busy
    /// calendar or the config changed while pgtrackd was not running).
    func readAtStart() {
        let vdir = config.calendar.vdir
        guard config.sync.enabled, !vdir.isEmpty, let names = try? FileManager.default.contentsOfDirectory(atPath: vdir) else { return }
        let now = Date()
        let schedule = door.engine.schedule(now: now)
        // All read first: the first change publishes, which writes every file back.
        var edits: [(CalendarEdit, String, SlotID, Int)] = []
        for name in names.sorted() where CalendarExport.isOwnFile(name, instance: instance) {
            guard let (id, slot) = slot(ofFile: name, in: schedule), let revision = publisher.recordedRevision(id),
                  let bytes = try? Files.readRegular(vdir + "/" + name, limit: 1 << 20, followLinks: false), let event = try? event(bytes, file: name),
                  event.sequence >= revision.sequence else { continue }
            let recorded = revision.sequence
            if event.sequence == recorded,
               event.modified?.timeIntervalSince1970.rounded(.down) == revision.modified.timeIntervalSince1970.rounded(.down) {
                continue // pgtrackd's own file, as it last wrote it
            }
            let edit = CalendarEdit.decide(event, slot: slot)
            if edit == .writeBack, event.sequence == recorded { continue } // a harmless edit
            log.info("calendar: \(name) changed while pgtrackd was not running", metadata: ["slot": "\(id)"])
            edits.append((edit, name, id, event.sequence))
        }
        for (edit, name, id, theirs) in edits { take(edit, name: name, slot: id, theirs: theirs, now: now) }
    }

    /// The slot a vdir file of this plan is named after (`w03d2-20270104@pgtrack.ics`).
    private func slot(ofFile name: String, in schedule: Schedule) -> (SlotID, Slot)? {
        guard let id = CalendarExport.slot(ofUID: String(name.dropLast(4)), start: door.engine.startDate, instance: instance), let slot = schedule.slot(id)
        else { return nil }
        return (id, slot)
    }

    /// The event in a vdir file's bytes; it must be the one the file is named after.
    private func event(_ bytes: [UInt8], file name: String) throws -> VdirEvent {
        let event = try VdirEvent.read(String(decoding: bytes, as: UTF8.self), zone: door.engine.zone)
        guard event.uid + ".ics" == name else {
            throw VdirEvent.ReadError("it holds the event \(event.uid.prefix(60)), not its own")
        }
        return event
    }

    /// Makes the change an edit means, or writes the plan's event back.
    private func take(_ edit: CalendarEdit, name: String, slot id: SlotID, theirs: Int, now: Date) {
        switch edit {
        case .writeBack:
            writeBack(name, slot: id, above: theirs, now: now)
        case .change(let change):
            let outcome = door.submit(.change(change, origin: .calendar), now: now) { [publisher] outcome in
                // The republished event must outrank the phone's edit it answers.
                if outcome.event != nil { try? publisher.rewrite(name, slot: id, above: theirs, now: now) }
            }
            if let error = outcome.refused {
                let why = "\(error)"
                log.warning("calendar: \(describe(change)) refused: \(why); the calendar gets the plan's time back",
                            metadata: ["slot": "\(id)"])
                notice("Calendar edit not taken", "\(describe(change)): \(why). The calendar shows the plan again.")
                writeBack(name, slot: id, above: theirs, now: now)
            }
        }
    }

    private func describe(_ change: Change) -> String {
        switch change {
        case .skip(let id, _): return "cancelling \(id)"
        case .reschedule(let id, let to): return "moving \(id) to \(to.formatted(in: door.engine.zone))"
        default: return "\(change)"
        }
    }

    /// The file gets the plan's content again, as a new revision; the next sync takes it to
    /// the server.
    private func writeBack(_ name: String, slot: SlotID, above sequence: Int, now: Date) {
        do {
            try publisher.rewrite(name, slot: slot, above: sequence, now: now)
        } catch {
            log.error("calendar: cannot record the new revision of \(name): \(error)")
        }
        calendar.publish(calendar.current(now), now: now)
    }
}
