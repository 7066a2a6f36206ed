import FoundationEssentials
import Glibc
import PGTrackCore
import PGTrackPlatform
import SystemPackage

/// A calendar file that could not be written; nothing on disk was changed.
public struct CalendarWriteError: Error, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

/// Writes the feed and the vdir atomically, and only when their content changed.
///
/// Only regular files are ever replaced; folders it creates are 0700 and files get
/// `mode` (0600 unless the user set `calendar.mode`).
public final class CalendarWriter {
    /// The feed file; nil when the feed is off (`calendar.file = "none"`).
    public let feedPath: String?
    public let vdirPath: String?
    public let mode: UInt32
    /// The plan instance whose vdir files these are (see `CalendarExport.isOwnFile`).
    public let instance: String?
    private var lastFeed: Data?
    private var lastVdir: [String: Data] = [:]
    private var vdirLoaded = false
    /// Counts the vdir files written and removed: a sync is due when it moved.
    public private(set) var vdirChanges = 0
    /// Slot files that cannot be written or removed, with why: something other than a
    /// regular file stands at the name (a folder, a FIFO, a symlink). It is left alone
    /// and the rest of the vdir is kept in step; the next sync tries it again.
    public private(set) var blocked: [String: String] = [:]

    public init(feedPath: String?, vdirPath: String?, mode: UInt32 = 0o600, instance: String? = nil) {
        self.instance = instance
        self.feedPath = feedPath
        self.vdirPath = vdirPath
        self.mode = mode
        if let feedPath { lastFeed = Files.read(feedPath, limit: 64 << 20).map { Data($0) } }
    }

    /// Writes the feed if it differs from what is on disk; returns whether it wrote.
    @discardableResult
    public func writeFeed(_ text: String) throws(CalendarWriteError) -> Bool {
        guard let feedPath else { return false }
        let data = Data(text.utf8)
        guard data != lastFeed else { return false }
        try atomicWrite(data, to: feedPath)
        lastFeed = data
        return true
    }

    /// Brings the vdir in line with `files` (name → content): writes new and changed
    /// files, removes this plan's files that are no longer wanted, leaves others alone:
    /// another plan's (two instances may share a vdir) and anything not named as a slot's.
    /// Returns how many files were written and removed.
    @discardableResult
    public func syncVdir(_ files: [String: String], name: String, color: String) throws(CalendarWriteError) -> (written: Int, removed: Int) {
        guard let dir = vdirPath else { return (0, 0) }
        if !vdirLoaded {
            try Self.makeFolder(dir)
            for file in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where CalendarExport.isOwnFile(file, instance: instance) {
                lastVdir[file] = (try? Files.readRegular(dir + "/" + file, limit: 1 << 20, followLinks: false)).map { Data($0) } ?? Data()
            }
            vdirLoaded = true
        }
        var written = 0, removed = 0
        // vdirsyncer's metadata files, which khal reads for the calendar's name and colour.
        for (meta, value) in [("displayname", name), ("color", color)] {
            let path = dir + "/" + meta
            if Files.read(path, limit: 4096).map({ Data($0) }) != Data(value.utf8) { try atomicWrite(Data(value.utf8), to: path) }
        }
        for (file, text) in files.sorted(by: { $0.key < $1.key }) {
            let data = Data(text.utf8)
            if lastVdir[file] == data, blocked[file] == nil { continue }
            if let kind = Files.kind(of: dir + "/" + file), kind != S_IFREG {
                blocked[file] = "it is \(Files.describe(kind: kind)), not a regular file"
                continue
            }
            try atomicWrite(data, to: dir + "/" + file)
            blocked[file] = nil
            lastVdir[file] = data
            written += 1
            vdirChanges += 1
        }
        for file in lastVdir.keys.sorted() where files[file] == nil {
            // Only a regular file is pgtrack's to remove; whatever else stands there is left.
            if let kind = Files.kind(of: dir + "/" + file), kind != S_IFREG {
                blocked[file] = "it is \(Files.describe(kind: kind)), not a regular file"
                continue
            }
            if unlink(dir + "/" + file) != 0, errno != ENOENT {
                throw CalendarWriteError(path: dir + "/" + file, message: String(cString: strerror(errno)))
            }
            blocked[file] = nil
            lastVdir[file] = nil
            removed += 1
            vdirChanges += 1
        }
        for file in blocked.keys where files[file] == nil && lastVdir[file] == nil { blocked[file] = nil }
        return (written, removed)
    }

    /// What pgtrack last wrote to the vdir file `name`; nil if it has not written it, or
    /// removed it.
    public func written(_ name: String) -> Data? { lastVdir[name] }

    /// Forgets what is in the vdir file `name`, so the next sync writes it whatever it
    /// holds now (someone else's edit is overwritten by the plan's truth).
    public func forget(_ name: String) {
        if lastVdir[name] != nil { lastVdir[name] = Data() }
    }

    /// Creates `dir` and its missing parents with mode 0700 (`Files.makeFolders`).
    static func makeFolder(_ dir: String) throws(CalendarWriteError) {
        do {
            try Files.makeFolders(dir)
        } catch {
            throw CalendarWriteError(path: dir, message: error.message)
        }
    }

    /// Write to a temporary file beside the target, fsync, rename over the target, fsync
    /// the folder: a reader sees the old file or the new one, never a part.
    func atomicWrite(_ data: Data, to path: String) throws(CalendarWriteError) {
        try Self.makeFolder(FilePath(path).removingLastComponent().string)
        do {
            try Files.writeAtomically(data, to: path, mode: mode_t(mode))
        } catch {
            throw CalendarWriteError(path: path, message: error.message)
        }
    }
}
