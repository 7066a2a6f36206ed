import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import PGTrackCore
import SystemPackage

/// Why a file could not be read or written: the step that failed and the errno it gave.
public struct FileError: Error, Equatable, CustomStringConvertible {
    public var step: String
    public var errno: Errno
    /// The step says it all; the errno would add nothing ("it is a FIFO, …").
    public var explained: Bool

    public init(_ step: String, _ errno: Errno, explained: Bool = false) {
        self.step = step
        self.errno = errno
        self.explained = explained
    }

    public var message: String { explained || errno == .fileExists ? step : "\(step) (\(errno))" }
    public var description: String { message }
}

/// File reading and writing on swift-system's descriptors, for the code that must not
/// pull in Foundation's file APIs (pgtrackctl, the zone reader, the daemon's /proc reads).
/// Reads and writes are retried on EINTR by swift-system.
public enum Files {
    /// A whole regular file's bytes, or nil when it cannot be read, is not a regular
    /// file (see `readRegular`), or is larger than `limit`.
    public static func read(_ path: String, limit: Int = 4 << 20) -> [UInt8]? {
        try? readRegular(path, limit: limit)
    }

    /// The path with links and `.`/`..` resolved, if it exists.
    public static func realPath(_ path: String) -> String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    /// A regular file's bytes: every file pgtrack reads (plan, zones, the vdir, busy
    /// calendars, the holidays file, TLS keys) is one. Opened without blocking and checked
    /// to be a regular file first, so that a FIFO or a device named there is refused
    /// instead of holding the daemon. With `followLinks` false a symbolic link is refused
    /// too (a vdir's files are the folder's own, never a link to a file elsewhere).
    public static func readRegular(_ path: String, limit: Int, followLinks: Bool = true) throws(FileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | (followLinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else {
            if !followLinks, Glibc.errno == ELOOP { throw FileError("it is a symbolic link, not a regular file", .tooManySymbolicLinkLevels, explained: true) }
            throw FileError("cannot open it", Errno(rawValue: Glibc.errno))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError("cannot stat it", Errno(rawValue: Glibc.errno)) }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw FileError("it is \(describe(kind: st.st_mode & S_IFMT)), not a regular file", .invalidArgument, explained: true)
        }
        guard Int(st.st_size) <= limit else { throw FileError("it is larger than \(limit >> 20) MiB", .fileTooLarge, explained: true) }
        var out: [UInt8] = []
        out.reserveCapacity(Int(st.st_size))
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0, Glibc.errno == EINTR { continue }
            guard n >= 0 else { throw FileError("cannot read it", Errno(rawValue: Glibc.errno)) }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
            guard out.count <= limit else { throw FileError("it is larger than \(limit >> 20) MiB", .fileTooLarge, explained: true) }
        }
    }

    /// Creates `path` and its missing parents with `mode`; existing folders are left as
    /// they are. Something other than a folder at `path` (see `isFolder`) is an error.
    public static func makeFolders(_ path: String, mode: mode_t = 0o700) throws(FileError) {
        guard !path.isEmpty else { return }
        if let kind = kind(of: path) {
            guard isFolder(path) else { throw FileError("\(path) is \(describe(kind: kind)), not a folder", .notDirectory, explained: true) }
            return
        }
        let parent = FilePath(path).removingLastComponent().string
        if parent != path, !parent.isEmpty { try makeFolders(parent, mode: mode) }
        if mkdir(path, mode) != 0, Glibc.errno != EEXIST { throw FileError("cannot create \(path)", Errno(rawValue: Glibc.errno)) }
    }

    /// Whether `path` is a folder, or a symlink to one: a link to a folder is the user's
    /// own arrangement (a vdir on another disk), anything else there is not a folder.
    public static func isFolder(_ path: String) -> Bool {
        guard let kind = kind(of: path) else { return false }
        if kind == S_IFDIR { return true }
        var st = stat()
        return kind == S_IFLNK && stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR
    }

    /// What is at `path`, not following a final symlink: nil when nothing is.
    public static func kind(of path: String) -> mode_t? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return st.st_mode & S_IFMT
    }

    /// A description of a non-regular file kind, for messages.
    public static func describe(kind: mode_t) -> String {
        switch kind {
        case S_IFDIR: return "a directory"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }

    /// Refuses a path at which something other than a regular file exists: an atomic
    /// rename would replace it, and run as root on `/dev/null` that breaks the machine.
    public static func checkReplaceable(_ path: String) throws(FileError) {
        if let kind = kind(of: path), kind != S_IFREG {
            throw FileError("\(path) is \(describe(kind: kind)); only a regular file is ever replaced", .fileExists)
        }
    }

    /// Writes to a temporary file beside `path`, sets `mode`, fsyncs, renames it over
    /// `path` and fsyncs the folder: a reader sees the old file or the new one, never a
    /// part. The folder must exist, and `path` must be missing or a regular file (a
    /// device, FIFO, socket, directory or symlink there is refused, never replaced).
    ///
    /// - Parameters:
    ///   - owner: the new file's owner and group (root keeping a user's file theirs).
    ///   - expected: the bytes `path` must still hold just before the rename; when it holds
    ///     others (someone wrote it meanwhile), nothing is replaced and the error's errno is
    ///     `EAGAIN`: read it again and redo the change on what it holds now.
    public static func writeAtomically(_ bytes: some ContiguousBytes, to path: String, mode: mode_t = 0o600,
                                       owner: (uid: uid_t, gid: gid_t)? = nil, expected: [UInt8]? = nil) throws(FileError) {
        try checkReplaceable(path)
        let target = FilePath(path)
        let dir = target.removingLastComponent()
        let folder = dir.isEmpty ? FilePath(".") : dir
        var template = Array((folder.appending("." + (target.lastComponent?.string ?? "file") + ".XXXXXX")).string.utf8CString)
        let raw = template.withUnsafeMutableBufferPointer { $0.baseAddress.map { mkstemp($0) } ?? -1 }
        guard raw >= 0 else { throw FileError("cannot create a temporary file", Errno(rawValue: Glibc.errno)) }
        let fd = FileDescriptor(rawValue: raw)
        let temp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        _ = fcntl(raw, F_SETFD, FD_CLOEXEC)
        func fail(_ step: String, _ error: any Error) -> FileError {
            try? fd.close()
            unlink(temp)
            return FileError(step, (error as? Errno) ?? .ioError)
        }
        do {
            _ = try bytes.withUnsafeBytes { try fd.writeAll($0) }
        } catch {
            throw fail("cannot write", error)
        }
        guard fchmod(raw, mode) == 0 else { throw fail("cannot set the mode", Errno(rawValue: Glibc.errno)) }
        if let owner, fchown(raw, owner.uid, owner.gid) != 0 { throw fail("cannot set the owner", Errno(rawValue: Glibc.errno)) }
        guard fsync(raw) == 0 else { throw fail("cannot sync", Errno(rawValue: Glibc.errno)) }
        try? fd.close()
        // Checked last, so that the window in which a write by someone else is lost is the
        // few microseconds to the rename, not the whole write and sync.
        if let expected, (try? readRegular(path, limit: expected.count)) != expected {
            unlink(temp)
            throw FileError("it changed while it was being written", .resourceTemporarilyUnavailable, explained: true)
        }
        guard rename(temp, path) == 0 else {
            let e = FileError("cannot replace the file", Errno(rawValue: Glibc.errno))
            unlink(temp)
            throw e
        }
        if let dfd = try? FileDescriptor.open(folder, .readOnly, options: [.directory, .closeOnExec]) {
            fsync(dfd.rawValue)
            try? dfd.close()
        }
    }
}
