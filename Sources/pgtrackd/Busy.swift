import FoundationEssentials
import Glibc
import Logging
import PGTrackCalendar
import PGTrackCore
import Systemd

/// The busy calendars (`schedule.busy`): read at start and on reload, and again whenever
/// one is written. Each file's folder is watched with inotify (close-write, and renames
/// in and out, so an editor's or a sync's write-and-rename is seen too); there is no
/// polling. A file that cannot be read keeps its last good events and says so in status.
final class BusyCalendars {
    struct File {
        /// As configured, `~/` expanded.
        var path: String
        var events: [BusyEvent] = []
        /// When the events in use were read; nil if the file was never read.
        var loaded: Date?
        /// Why the last read failed; nil after a good one.
        var problem: String?
    }

    private(set) var files: [File] = []
    private var watches: [String: EventSource] = [:]
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
            guard let problem = f.problem else { return "\(name): \(count)" }
            guard let loaded = f.loaded else { return "\(name): cannot use it (\(problem))" }
            return "\(name): cannot use it (\(problem)); \(count) read \(loaded.formatted(in: zone)) still in use"
        }.joined(separator: "; ")
    }

    /// Reads file `i`; a failure keeps the events it had.
    @discardableResult
    private func read(_ i: Int) -> Bool {
        let before = files[i]
        do {
            let events = try BusyCalendar.load(path: files[i].path, zone: zone, from: window.from, until: window.until)
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
        return files[i].events != before.events || files[i].problem != before.problem
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
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR)
        for folder in folders.keys where watches[folder] == nil {
            do {
                watches[folder] = try loop.addInotify(path: folder, mask: mask, description: "busy") { [unowned self] mask, name in
                    if mask & UInt32(IN_IGNORED) != 0 {
                        self.watches[folder] = nil
                        self.log.warning("the folder \(folder) of a busy calendar went away; it is watched again at the next reload")
                        return
                    }
                    self.fileChanged(folder: folder, name: name)
                }
            } catch {
                log.warning("cannot watch \(folder) for changes of a busy calendar: \(error); it is read again at reload only")
            }
        }
    }

    private func fileChanged(folder: String, name: String) {
        var touched: [File] = []
        for i in files.indices where Self.folder(of: files[i].path) == folder && Self.name(of: files[i].path) == name {
            if read(i) { touched.append(files[i]) }
        }
        guard !touched.isEmpty else { return }
        merge()
        changed(touched)
    }

    static func folder(of path: String) -> String { URL(fileURLWithPath: Files.realPath(path) ?? path).deletingLastPathComponent().path }
    static func name(of path: String) -> String { URL(fileURLWithPath: Files.realPath(path) ?? path).lastPathComponent }
}
