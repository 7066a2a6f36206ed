import FoundationEssentials
import Glibc
import Logging
import PGTrackCalendar
import PGTrackCore
import PGTrackPlatform
import Systemd

/// The busy calendars (`schedule.busy`): read at start and on reload, and again whenever
/// one is written. Each file's folder is watched with inotify (close-write, and renames
/// in and out, so an editor's or a sync's write-and-rename is seen too); there is no
/// polling. A file that cannot be read keeps its last good events and says so in status.
///
/// A change is read after a short quiet time, and never sooner after the last read than
/// ten times what that read cost: a tool rewriting a file a hundred times a second, or a
/// file that costs a quarter of a second to expand, takes a bounded share of the loop,
/// and the schedule and feed follow the last version, not every one.
final class BusyCalendars {
    /// How long a file must be left alone before it is read (and the least time between reads).
    static let quiet = Microseconds.milliseconds(300)

    struct File {
        /// As configured, `~/` expanded.
        var path: String
        var events: [BusyEvent] = []
        /// When the events in use were read; nil if the file was never read.
        var loaded: Date?
        /// Why the last read failed; nil after a good one.
        var problem: String?
        /// Events in the version in use too long to count as busy (over 31 days).
        var ignoredLong = 0
    }

    private(set) var files: [File] = []
    private var watches: [String: FolderWatch] = [:]
    /// Files changed on disk and not read since; the timer reads them.
    private var pending: Set<Int> = []
    private var timer: TimerSource?
    /// No read before this (monotonic): the last one's cost, ten times over.
    private var notBefore = Microseconds(rawValue: 0)
    private let loop: EventLoop
    private var log: Logger
    private var zone: Zone
    private var window: (from: Date, until: Date)
    /// Called after files' events (or problems) changed, once `times` holds the new events.
    private let changed: ([File]) -> Void

    init(loop: EventLoop, log: Logger, changed: @escaping ([File]) -> Void) {
        self.loop = loop
        self.log = log
        self.zone = .utc
        self.window = (.distantPast, .distantPast)
        self.changed = changed
    }

    /// All files' events together.
    private(set) var times = BusyTimes.none

    /// Takes the paths, zone and plan window in effect (start-up and reload) and reads
    /// every file again.
    func configure(paths: [String], zone: Zone, start: LocalDate, weeks: Int) {
        self.zone = zone
        window = BusyCalendar.window(start: start, weeks: weeks, zone: zone)
        let old = Dictionary(files.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        files = paths.map { old[$0] ?? File(path: $0) }
        pending = []
        for i in files.indices { read(i) }
        merge()
        watch()
    }

    /// `work.ics: 512 busy times; go.ics: cannot use it (…); 20 busy times read … still in use`.
    /// Kept, not computed: the control API's Status asks for it on every call.
    private(set) var summary: String?

    private func summarize() -> String? {
        guard !files.isEmpty else { return nil }
        return files.map { f in
            let name = URL(fileURLWithPath: f.path).lastPathComponent
            let count = "\(f.events.count) busy time\(f.events.count == 1 ? "" : "s")"
                + (f.ignoredLong > 0 ? " (\(f.ignoredLong) event\(f.ignoredLong == 1 ? "" : "s") longer than 31 days ignored)" : "")
            guard let problem = f.problem else { return "\(name): \(count)" }
            guard let loaded = f.loaded else { return "\(name): cannot use it (\(problem))" }
            return "\(name): cannot use it (\(problem)); \(count) read \(loaded.formatted(in: zone)) still in use"
        }.joined(separator: "; ")
    }

    /// Reads file `i`; a failure keeps the events it had.
    @discardableResult
    private func read(_ i: Int) -> Bool {
        let before = files[i]
        let began = Clock.monotonic.now
        defer {
            let cost = Clock.monotonic.now.rawValue &- began.rawValue
            notBefore = Microseconds(rawValue: Clock.monotonic.now.rawValue &+ 10 &* cost)
        }
        do {
            var ignored = 0
            let events = try BusyCalendar.load(path: files[i].path, zone: zone, from: window.from, until: window.until, ignoredLong: &ignored)
            if ignored > 0, ignored != before.ignoredLong {
                log.warning("busy calendar \(files[i].path): ignoring \(ignored) event\(ignored == 1 ? "" : "s") longer than 31 days (pause the plan for a long absence)")
            }
            files[i].ignoredLong = ignored
            files[i].events = events
            files[i].loaded = Date()
            files[i].problem = nil
            if before.problem != nil { log.info("busy calendar \(files[i].path) is readable again: \(events.count) busy times") }
        } catch {
            files[i].problem = error.description
            if before.problem != error.description {
                log.warning("busy calendar \(files[i].path): \(error.description); \(before.loaded == nil ? "not used" : "keeping its last good version")")
            }
        }
        return files[i].events != before.events || files[i].problem != before.problem || files[i].ignoredLong != before.ignoredLong
    }

    private func merge() {
        times = BusyTimes(files.flatMap(\.events))
        summary = summarize()
    }

    /// One watch per folder holding a busy file (the folder of the file a link points at).
    private func watch() {
        var folders: [String: [Int]] = [:]
        for (i, f) in files.enumerated() {
            folders[Self.folder(of: f.path), default: []].append(i)
        }
        for (folder, _) in watches where folders[folder] == nil { watches[folder] = nil }
        for folder in folders.keys where watches[folder] == nil {
            do {
                watches[folder] = try FolderWatch(loop: loop, folder: folder, description: "busy") { [unowned self] name in
                    self.fileChanged(folder: folder, name: name)
                } gone: { [unowned self] in
                    self.watches[folder] = nil
                    self.log.warning("the folder \(folder) of a busy calendar went away; it is watched again at the next reload")
                }
            } catch {
                log.warning("cannot watch \(folder) for changes of a busy calendar: \(error); it is read again at reload only")
            }
        }
    }

    private func fileChanged(folder: String, name: String) {
        let before = pending.count
        for i in files.indices where Self.folder(of: files[i].path) == folder && Self.name(of: files[i].path) == name {
            pending.insert(i)
        }
        guard pending.count != before else { return }
        // A quiet time from the change (restarted by none: a storm is read every `quiet`
        // at most), and not before the last read's cost allows.
        let at = max(Clock.monotonic.now + Self.quiet, notBefore)
        if timer == nil {
            timer = try? loop.addTimer(.monotonic, at: .infinity, accuracy: .milliseconds(50), description: "busy-read") {
                [unowned self] _ in self.readPending()
            }
        }
        if let timer, !timer.isEnabled {
            do { try timer.arm(at: at) } catch { readPending() }
        } else if timer == nil {
            readPending()
        }
    }

    private func readPending() {
        let due = pending.sorted()
        pending = []
        var touched: [File] = []
        for i in due where files.indices.contains(i) {
            if read(i) { touched.append(files[i]) }
        }
        guard !touched.isEmpty else { return }
        merge()
        changed(touched)
    }

    static func folder(of path: String) -> String { URL(fileURLWithPath: Files.realPath(path) ?? path).deletingLastPathComponent().path }
    static func name(of path: String) -> String { URL(fileURLWithPath: Files.realPath(path) ?? path).lastPathComponent }
}
