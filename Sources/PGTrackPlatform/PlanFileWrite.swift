#if canImport(Glibc)
import Glibc
#endif
import PGTrackCore
import SystemPackage

extension PlanFile {
    /// Why a box was not ticked on disk: nothing was written.
    public enum WriteError: Error, Equatable, CustomStringConvertible {
        /// The task was not found in the file as it is now.
        case refused(Refusal)
        /// The file could not be read or replaced.
        case file(path: String, FileError)

        public var description: String {
            switch self {
            case .refused(let refusal): return refusal.description
            case .file(let path, let error): return "\(path): \(error)"
            }
        }
    }

    /// The largest plan file read or ticked: a plan is a few KB; 4 MiB is far past any.
    public static let maxBytes = 4 << 20

    /// Ticks task `id` of `known` (the plan in force) in the plan file at `path`, as the
    /// user marked it `done` or undone: reads the file as it is now, ticks that text
    /// (`tick`), and replaces the file (`write`) only if it still holds what was read;
    /// if someone wrote it meanwhile, starts again on what it holds then, up to `attempts`
    /// times. So an edit made since pgtrack last read the file is never lost.
    ///
    /// The outcome's `changed` is false when the box already was as asked (nothing is
    /// written). The file's own edits reach the plan through `changes(from:to:file:maxTasksPerWeek:)`
    /// when its watch fires, this write included. `read` hears the bytes the tick went
    /// into: if they hold an edit the caller has not read yet, the caller still must.
    public static func update(_ path: String, task id: TaskID, known: Plan, done: Bool, attempts: Int = 5,
                              read: ([UInt8]) -> Void = { _ in }) throws(WriteError) -> Tick {
        var attempt = 1
        while true {
            let bytes: [UInt8]
            do { bytes = try Files.readRegular(path, limit: maxBytes) } catch { throw .file(path: path, error) }
            read(bytes)
            let outcome: Tick
            do { outcome = try tick(bytes, task: id, known: known, done: done) } catch { throw .refused(error) }
            guard outcome.changed else { return outcome }
            do {
                try write(outcome.bytes, to: path, expected: bytes)
                return outcome
            } catch {
                guard error.errno == .resourceTemporarilyUnavailable, attempt < attempts else { throw .file(path: path, error) }
                attempt += 1
            }
        }
    }

    /// Replaces the plan file at `path` with `bytes`, atomically (a temporary file in the
    /// same folder, fsynced, renamed over it, the folder fsynced), keeping its permission
    /// bits, and its owner and group when run as root.
    ///
    /// A symbolic link is followed: its target is replaced, in the target's folder, and the
    /// link stays (notes are often links into a dotfile or sync folder). The file must
    /// exist and be a regular file owned by this user (or be written as root), writable by
    /// its owner: replacing another user's file would make it ours, and one made read-only
    /// is not to be changed. With `expected`, nothing is replaced if
    /// the file no longer holds those bytes (`EAGAIN`, see `Files.writeAtomically`).
    public static func write(_ bytes: [UInt8], to path: String, expected: [UInt8]? = nil) throws(FileError) {
        guard let target = Files.realPath(path) else { throw FileError("cannot find it", Errno(rawValue: Glibc.errno)) }
        var st = stat()
        guard stat(target, &st) == 0 else { throw FileError("cannot stat it", Errno(rawValue: Glibc.errno)) }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw FileError("it is \(Files.describe(kind: st.st_mode & S_IFMT)), not a regular file", .invalidArgument, explained: true)
        }
        let root = geteuid() == 0
        guard root || st.st_uid == geteuid() else {
            throw FileError("it belongs to another user; replacing it would make it this user's", .permissionDenied, explained: true)
        }
        // A file its owner made read-only is one they do not want changed: an editor asks
        // before it writes one (vim's `:w!`); a rename would not even notice.
        guard st.st_mode & S_IWUSR != 0 else {
            throw FileError("it is read-only (mode \(String(st.st_mode & 0o777, radix: 8))); make it writable to have its boxes ticked",
                            .permissionDenied, explained: true)
        }
        try Files.writeAtomically(bytes, to: target, mode: st.st_mode & 0o777,
                                  owner: root ? (st.st_uid, st.st_gid) : nil, expected: expected)
    }
}
