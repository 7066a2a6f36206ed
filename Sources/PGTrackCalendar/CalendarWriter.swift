import Foundation
import Glibc
import PGTrackCore

/// A calendar file that could not be written; nothing on disk was changed.
public struct CalendarWriteError: Error, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

/// Writes the feed and the vdir atomically, and only when their content changed.
public final class CalendarWriter {
    public let feedPath: String
    public let vdirPath: String?
    private var lastFeed: Data?
    private var lastVdir: [String: Data] = [:]
    private var vdirLoaded = false

    public init(feedPath: String, vdirPath: String?) {
        self.feedPath = feedPath
        self.vdirPath = vdirPath
        lastFeed = FileManager.default.contents(atPath: feedPath)
    }

    /// Writes the feed if it differs from what is on disk; returns whether it wrote.
    @discardableResult
    public func writeFeed(_ text: String) throws(CalendarWriteError) -> Bool {
        let data = Data(text.utf8)
        guard data != lastFeed else { return false }
        try Self.atomicWrite(data, to: feedPath)
        lastFeed = data
        return true
    }

    /// Brings the vdir in line with `files` (name → content): writes new and changed
    /// files, removes pgtrack's files that are no longer wanted, leaves others alone.
    /// Returns how many files were written and removed.
    @discardableResult
    public func syncVdir(_ files: [String: String], name: String, color: String) throws(CalendarWriteError) -> (written: Int, removed: Int) {
        guard let dir = vdirPath else { return (0, 0) }
        if !vdirLoaded {
            try Self.makeFolder(dir)
            for file in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where file.hasSuffix("@pgtrack.ics") {
                lastVdir[file] = FileManager.default.contents(atPath: dir + "/" + file)
            }
            vdirLoaded = true
        }
        var written = 0, removed = 0
        // vdirsyncer's metadata files, which khal reads for the calendar's name and colour.
        for (meta, value) in [("displayname", name), ("color", color)] {
            let path = dir + "/" + meta
            if FileManager.default.contents(atPath: path) != Data(value.utf8) { try Self.atomicWrite(Data(value.utf8), to: path) }
        }
        for (file, text) in files.sorted(by: { $0.key < $1.key }) {
            let data = Data(text.utf8)
            if lastVdir[file] == data { continue }
            try Self.atomicWrite(data, to: dir + "/" + file)
            lastVdir[file] = data
            written += 1
        }
        for file in lastVdir.keys.sorted() where files[file] == nil {
            if unlink(dir + "/" + file) != 0, errno != ENOENT {
                throw CalendarWriteError(path: dir + "/" + file, message: String(cString: strerror(errno)))
            }
            lastVdir[file] = nil
            removed += 1
        }
        return (written, removed)
    }

    static func makeFolder(_ dir: String) throws(CalendarWriteError) {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw CalendarWriteError(path: dir, message: "cannot create the folder (\(error.localizedDescription))")
        }
    }

    /// Write to a temporary file beside the target, fsync, rename over the target, fsync
    /// the folder: a reader sees the old file or the new one, never a part.
    public static func atomicWrite(_ data: Data, to path: String) throws(CalendarWriteError) {
        try makeFolder((path as NSString).deletingLastPathComponent)
        do {
            try Files.writeAtomically(data, to: path)
        } catch {
            throw CalendarWriteError(path: path, message: error.message)
        }
    }
}
