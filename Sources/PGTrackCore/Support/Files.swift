import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Why a file could not be written: the step that failed and errno's text.
public struct FileError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    init(_ what: String, errno code: Int32 = errno) {
        message = "\(what) (\(String(cString: strerror(code))))"
    }
}

/// File reading and writing on plain system calls, for the code that must not pull in
/// Foundation's file APIs (pgtrackctl, the zone reader, the daemon's /proc reads).
public enum Files {
    /// A whole file's bytes, or nil when it cannot be read or is larger than `limit`.
    public static func read(_ path: String, limit: Int = 4 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
            if out.count > limit { return nil }
        }
    }

    /// Writes to a temporary file beside `path`, sets `mode`, fsyncs, renames it over
    /// `path` and fsyncs the folder: a reader sees the old file or the new one, never a
    /// part. The folder must exist.
    public static func writeAtomically(_ bytes: some ContiguousBytes, to path: String, mode: mode_t = 0o644) throws(FileError) {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array((dir + "/." + name + ".XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { $0.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else { throw FileError("cannot create a temporary file") }
        let temp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        func fail(_ what: String) -> FileError {
            let e = FileError(what)
            close(fd)
            unlink(temp)
            return e
        }
        let written = bytes.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count, let base = raw.baseAddress {
                let n = write(fd, base + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        guard written else { throw fail("cannot write") }
        guard fchmod(fd, mode) == 0 else { throw fail("cannot set the mode") }
        guard fsync(fd) == 0 else { throw fail("cannot sync") }
        close(fd)
        guard rename(temp, path) == 0 else {
            let e = FileError("cannot replace the file")
            unlink(temp)
            throw e
        }
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}
