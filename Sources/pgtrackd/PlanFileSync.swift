import FoundationEssentials
import Glibc
import Logging
import PGTrackCore
import PGTrackPlatform
import Systemd

/// The plan's Markdown file kept live (`plan.file` with `plan.sync_checkboxes`), an
/// output and a source.
///
/// As an output, a change that makes a task done or undone ticks or unticks that task's
/// box in the file: one byte changes, the file is replaced atomically with its mode kept,
/// and if it changed since it was read, the tick goes into what it holds now
/// (`PlanFile.update`). As a source, the file's folder is watched (an editor that saves
/// by writing a new file and renaming it over the old one is seen too): a box ticked or
/// unticked there is submitted as done or undone of the slot holding the task, with
/// origin `plan-file`; new wording and headings are the plan from then on; tasks added,
/// removed or moved re-flow the plan as a reload does; a file that no longer parses
/// keeps the last good plan, and the log says why.
final class PlanFileSync: Output {
    private unowned let door: Door
    private let loop: EventLoop
    private var log: Logger
    /// The plan file as configured, and the file it is (a link's target).
    private var path = ""
    private var real = ""
    private var watch: FolderWatch?
    /// The folder of the configured path, when it is a link into another folder: an editor
    /// that saves by rename over the link replaces the link by a file there.
    private var linkWatch: FolderWatch?
    /// The file's bytes as pgtrack last read or wrote them: a write of its own that comes
    /// back through the watch is no news.
    private var lastBytes: [UInt8]?
    /// The tasks held by done slots after the last outcome.
    private var doneBefore: Set<TaskID> = []
    /// Ticks that could not be written (the file was away, or refused it): tried again at
    /// the next read, and meanwhile their boxes are not read as the user's.
    private var unsynced: [TaskID: Bool] = [:]
    /// During a re-flow, the boxes its save changed, as pgtrack knew them (by their ids
    /// in the file now): submitted as done or undone once the new plan is in force.
    private var held: [TaskID: Bool] = [:]
    /// The last problem logged, so that a file broken for a while is reported once.
    private var reported: String?
    /// A reload of config and plan, for a file whose tasks were added, removed or moved;
    /// whether it took effect.
    var reload: () -> Bool = { false }

    init(door: Door, loop: EventLoop, log: Logger) {
        self.door = door
        self.loop = loop
        self.log = log
    }

    /// Takes `plan.file` and `plan.sync_checkboxes` as in effect now (start, reload).
    func configure() {
        let engine = door.engine
        guard engine.syncsCheckboxes else {
            watch = nil
            linkWatch = nil
            path = ""
            return
        }
        let configured = engine.config.plan.file
        let target = Files.realPath(configured) ?? configured
        if configured != path || target != real || watch?.isWatching != true {
            path = configured
            real = target
            lastBytes = try? Files.readRegular(configured, limit: PlanFile.maxBytes)
            unsynced = [:]
            startWatch()
            sayIfReadOnly()
        }
        doneBefore = Engine.doneInSlots(engine.schedule(now: Date()))
    }

    /// Watches the file's folder, and the folder of the configured path if that is a link
    /// elsewhere: the file read is always the one the path names now.
    private func startWatch() {
        let folder = BusyCalendars.folder(of: real), name = BusyCalendars.name(of: real)
        let configured = URL(fileURLWithPath: path)
        let linkFolder = Files.realPath(configured.deletingLastPathComponent().path) ?? configured.deletingLastPathComponent().path
        let linkName = configured.lastPathComponent
        do {
            watch = try FolderWatch(loop: loop, folder: folder, description: "plan-file", changed: { [unowned self] changed in
                if changed == name || (linkFolder == folder && changed == linkName) { self.entryChanged() }
            }, gone: { [unowned self] in
                self.say("plan file: its folder \(folder) went away; the plan stays as last read until a reload")
            })
        } catch {
            watch = nil
            say("plan file: cannot watch \(folder) (\(error)); ticks in an editor are read at the next reload")
        }
        linkWatch = nil
        guard linkFolder != folder else { return }
        do {
            linkWatch = try FolderWatch(loop: loop, folder: linkFolder, description: "plan-file-link", changed: { [unowned self] changed in
                if changed == linkName { self.entryChanged() }
            }, gone: { [unowned self] in
                self.say("plan file: the folder of the link \(self.path) went away; the plan stays as last read until a reload")
            })
        } catch {
            say("plan file: cannot watch \(linkFolder) (\(error)); a save that replaces the link \(path) is read at the next reload")
        }
    }

    /// The file, or the link to it, changed: if the path now names another file (a link
    /// replaced by a file, or pointed elsewhere), that one is watched from now on; then
    /// what it holds is read.
    private func entryChanged() {
        // A link whose target is away for a moment (a save that renames the old file
        // aside first) keeps its watches: only a path that names a file switches them.
        if let target = Files.realPath(path), target != real {
            log.info("plan file: \(path) is now \(target == path ? "a file of its own" : "a link to \(target)"); following it")
            real = target
            startWatch()
            sayIfReadOnly()
        }
        read()
    }

    /// Says at start and reload, not at the first done, that the file's folder cannot be
    /// written: a tick replaces the file by a new one there. Under the shipped service unit
    /// (`ProtectHome=read-only`) a folder in the home outside pgtrack's own is read-only
    /// until a drop-in grants it.
    private func sayIfReadOnly() {
        let folder = BusyCalendars.folder(of: real)
        guard access(folder, W_OK) != 0 else { return }
        let why = errno == EROFS
            ? "is read-only to pgtrackd (the service unit's ProtectHome=read-only): give it `ReadWritePaths=\(folder)` in a drop-in, `systemctl --user edit pgtrackd`"
            : "cannot be written (\(String(cString: strerror(errno))))"
        say("plan file: boxes in \(path) will not be ticked: its folder \(folder) \(why); ticks in an editor are still read")
    }

    // MARK: - Output

    func follow(_ outcome: Outcome) {
        guard !path.isEmpty else { return }
        let done = Engine.doneInSlots(outcome.schedule)
        defer { doneBefore = done }
        // Only a change done here is written: a reload or a busy calendar can renumber
        // tasks, and a change read from the file is in it already.
        guard outcome.event != nil, case .change(_, let origin) = outcome.input, origin != .planFile else { return }
        for id in doneBefore.symmetricDifference(done).sorted() { tick(id, done: done.contains(id)) }
    }

    private func tick(_ id: TaskID, done: Bool) {
        do {
            var base: [UInt8]?
            let t = try PlanFile.update(path, task: id, known: door.engine.plan, done: done) { base = $0 }
            unsynced[id] = nil
            guard t.changed else { return }
            // An edit saved just before, whose watch event is still queued, went into this
            // write: the file must still be read then (its bytes differ from these).
            if base == lastBytes { lastBytes = t.bytes }
            reported = nil
            log.info("plan file: \(done ? "ticked" : "unticked") task \(id) on line \(t.location.line)")
        } catch {
            unsynced[id] = done
            say("plan file: cannot \(done ? "tick" : "untick") task \(id) in \(path): \(error); tried again when the file changes")
        }
    }

    // MARK: - Source

    /// The file was written or renamed in: what changed is read by the identity rule.
    private func read() {
        let bytes: [UInt8]
        do {
            bytes = try Files.readRegular(path, limit: PlanFile.maxBytes)
        } catch {
            return say("plan file: cannot read \(path) (\(error.message)); keeping the last good plan")
        }
        guard bytes != lastBytes else { return }
        lastBytes = bytes
        let engine = door.engine
        let changes: PlanFile.Changes
        do {
            changes = try PlanFile.changes(from: engine.plan, to: bytes, file: path, maxTasksPerWeek: engine.config.schedule.days.count)
        } catch {
            return say("plan file no longer parses, keeping the last good plan: \(error)")
        }
        reported = nil
        // The ticks that wait to be written, by their ids in the file now.
        var waiting = unsynced
        var boxes = changes.boxes.map { (task: $0.task, done: $0.done) }
        if changes.needsReflow {
            log.info("plan file: tasks added, removed or moved; re-flowing the plan")
            // Where each task went, by the rule the ledger's dones follow (TaskIdentity),
            // so that a box and the done it mirrors go to the same task.
            let identity = TaskIdentity.follow(from: engine.plan, to: changes.plan)
            let moved = { (id: TaskID) -> TaskID? in identity[id] ?? id }
            boxes = engine.plan.tasks.compactMap { before in
                guard let now = moved(before.id), let after = changes.plan.task(now), after.checked != before.checked else { return nil }
                return (now, after.checked)
            }
            // The ticks that wait follow their tasks (or go with them); the boxes changed
            // in this save are the user's done or undone, submitted below: until then the
            // re-flowed plan keeps them as pgtrack knew them, so that a tick is not read as
            // "done before pgtrack" nor an untick lost.
            let before = unsynced
            unsynced = Dictionary(before.compactMap { id, done in moved(id).map { ($0, done) } }, uniquingKeysWith: { first, _ in first })
            held = Dictionary(boxes.map { ($0.task, !$0.done) }, uniquingKeysWith: { first, _ in first })
            let reloaded = reload()
            held = [:]
            guard reloaded else {
                // A reload that failed keeps the old plan: the ticks that wait keep its ids.
                unsynced = before
                return
            }
            waiting = unsynced
            unsynced = [:]
        }
        for box in boxes {
            let task = box.task
            guard waiting[task] == nil, let slot = engine.schedule(now: Date()).slot(holding: task), (slot.state == .done) != box.done else { continue }
            let outcome = door.submit(.change(box.done ? .complete(slot.id) : .reopen(slot.id), origin: .planFile))
            if let refused = outcome.refused {
                log.warning("plan file: task \(task) \(box.done ? "ticked" : "unticked") in the editor, not taken for \(slot.id): \(refused)")
            }
        }
        // The ticks that waited are written now; the plan takes them whether or not they
        // were (the file may still hold the old box).
        for (id, done) in waiting.sorted(by: { $0.key < $1.key }) { tick(id, done: done) }
        // New wording, headings, and boxes of tasks with no slot: the plan from here on.
        var plan = pending(changes.plan, waiting)
        // A box unticked on a task still done (its undone was refused) stays ticked in the
        // plan, so that the next save reads the untick again.
        for task in plan.tasks where engine.plan.task(task.id)?.checked != task.checked {
            let holder = engine.schedule(now: Date()).slot(holding: task.id)
            if holder?.state == .done { plan.weeks[task.id.week - 1].tasks[task.id.index - 1].checked = true }
        }
        if plan != engine.plan {
            door.submit(.settings(EngineSettings(config: engine.config, plan: plan, holidays: engine.settings.holidays, zone: engine.zone), busy: nil))
        }
    }

    /// `plan` (as the file gives it) with the ticks that could not be written yet: the
    /// boxes the file should show. A reload takes the plan through here too.
    func pending(_ plan: Plan, _ waiting: [TaskID: Bool]? = nil) -> Plan {
        var plan = plan
        for (id, done) in (waiting ?? unsynced).merging(held, uniquingKeysWith: { tick, _ in tick }) where plan.task(id) != nil {
            plan.weeks[id.week - 1].tasks[id.index - 1].checked = done
        }
        return plan
    }

    /// Logs a problem once until it changes or the file is read well again.
    private func say(_ problem: String) {
        guard problem != reported else { return }
        reported = problem
        log.warning("\(problem)")
    }
}
