import Glibc
import SystemPackage

/// A failed socket call: which one, and the errno it gave.
public struct SocketError: Error, Equatable, CustomStringConvertible {
    public var call: String
    public var errno: Errno

    public init(_ call: String, errno: Errno = Errno(rawValue: Glibc.errno)) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call): \(errno)" }
}

/// Credentials of the process at the other end of a Unix socket (`struct ucred`).
///
/// Declared here because Swift's Glibc module hides `struct ucred` (it needs
/// `_GNU_SOURCE`); the layout is the kernel's: pid, uid, gid, each 32 bits.
public struct PeerCredentials: Equatable, Sendable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
}

/// Unix stream sockets, as the control API uses them.
public enum UnixSocket {
    /// `SO_PEERCRED` from <asm-generic/socket.h>.
    static let soPeerCred: Int32 = 17

    static func address(_ path: String) throws(SocketError) -> sockaddr_un {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else { throw SocketError("socket path too long: \(path)", errno: .fileNameTooLong) }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return addr
    }

    static func withAddress<R>(_ addr: inout sockaddr_un, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    static func newSocket(nonBlocking: Bool) throws(SocketError) -> FileDescriptor {
        var type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        if nonBlocking { type |= Int32(SOCK_NONBLOCK.rawValue) }
        let fd = socket(AF_UNIX, type, 0)
        guard fd >= 0 else { throw SocketError("socket") }
        return FileDescriptor(rawValue: fd)
    }

    /// Connects to `path` and returns a blocking descriptor; the caller closes it.
    ///
    /// The connect itself never blocks: a listener whose backlog is full (one that never
    /// accepts) answers EAGAIN at once, and this tries again until `timeout` seconds
    /// have passed, then throws `ETIMEDOUT` — a stuck peer cannot hang the caller.
    public static func connect(path: String, timeout: Double = 5) throws(SocketError) -> FileDescriptor {
        var addr = try address(path)
        let socket = try newSocket(nonBlocking: true), fd = socket.rawValue
        let deadline = monotonicSeconds() + timeout
        while true {
            let r = withAddress(&addr) { Glibc.connect(fd, $0, $1) }
            if r == 0 { break }
            let e = Errno(rawValue: Glibc.errno)
            if e == .interrupted { continue }
            if e == .resourceTemporarilyUnavailable, monotonicSeconds() < deadline {
                usleep(20_000)
                continue
            }
            close(fd)
            throw SocketError("connect \(path)", errno: e == .resourceTemporarilyUnavailable ? .timedOut : e)
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return socket
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Makes `folder` (mode 0700) or checks the one that is there: it must be a real
    /// folder (not a symlink), owned by this user, with no access for anyone else.
    /// Otherwise another user could have made it first (`/tmp/pgtrack-UID` when
    /// `XDG_RUNTIME_DIR` is unset) and could replace the socket inside.
    public static func makePrivateFolder(_ folder: String) throws(SocketError) {
        if mkdir(folder, 0o700) != 0, Glibc.errno != EEXIST { throw SocketError("mkdir \(folder)") }
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let e = Errno(rawValue: Glibc.errno)
            throw SocketError(e == .tooManySymbolicLinkLevels || e == .notDirectory
                              ? "\(folder) is not a folder (a symlink or a file is there); remove it" : "open \(folder)", errno: e)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SocketError("stat \(folder)") }
        guard st.st_uid == geteuid() else {
            throw SocketError("\(folder) belongs to uid \(st.st_uid), not to you (uid \(geteuid())); refusing to use it", errno: .permissionDenied)
        }
        guard st.st_mode & 0o077 == 0 else {
            throw SocketError("\(folder) has mode \(String(st.st_mode & 0o777, radix: 8)); it must be 0700 (chmod 0700 \(folder), or remove it)",
                              errno: .permissionDenied)
        }
    }

    /// Creates a listening socket at `path`, mode 0600, in a folder of mode 0700.
    ///
    /// A socket file left by a dead daemon is replaced; one that a live process
    /// answers on is not: that throws `EADDRINUSE`, so a second daemon refuses to start.
    public static func listen(path: String, backlog: Int32 = 128) throws(SocketError) -> FileDescriptor {
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        try makePrivateFolder(folder)
        switch Result(catching: { () throws(SocketError) in try connect(path: path, timeout: 0) }) {
        case .success(let probe):
            try? probe.close()
            throw SocketError("another process is answering on \(path)", errno: .addressInUse)
        case .failure(let e) where e.errno == .timedOut:
            throw SocketError("another process is listening on \(path) (it does not accept connections)", errno: .addressInUse)
        case .failure:
            break // nobody there (ENOENT) or a dead daemon's socket (ECONNREFUSED): ours to take
        }
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFSOCK else { throw SocketError("\(path) exists and is not a socket", errno: .fileExists) }
            unlink(path)
        }
        var addr = try address(path)
        let socket = try newSocket(nonBlocking: true), fd = socket.rawValue
        // The socket is made 0600 right after bind. Until then it sits in the private (0700)
        // folder made above, so nobody else can reach it. (Not a strict umask around bind:
        // the umask is the whole process's, and another thread creating a folder meanwhile
        // would get the strict one, as the unit tests running in parallel showed.)
        let r = withAddress(&addr) { bind(fd, $0, $1) }
        guard r == 0, chmod(path, 0o600) == 0, Glibc.listen(fd, backlog) == 0 else {
            let e = SocketError("bind \(path)")
            close(fd)
            throw e
        }
        return socket
    }

    /// The credentials of the peer on a connected socket.
    public static func peerCredentials(_ fd: FileDescriptor) throws(SocketError) -> PeerCredentials {
        var cred = PeerCredentials(pid: 0, uid: 0, gid: 0)
        var len = socklen_t(MemoryLayout<PeerCredentials>.size)
        guard getsockopt(fd.rawValue, SOL_SOCKET, soPeerCred, &cred, &len) == 0 else { throw SocketError("getsockopt SO_PEERCRED") }
        return cred
    }
}

extension UnixSocket {
    /// Accepts one pending connection as a non-blocking, close-on-exec descriptor, or
    /// the errno: EAGAIN when none is pending, EMFILE/ENFILE when out of descriptors.
    public static func accept(_ listener: FileDescriptor) -> Result<FileDescriptor, Errno> {
        while true {
            // accept4 needs _GNU_SOURCE, which the Glibc module does not define.
            let fd = Glibc.accept(listener.rawValue, nil, nil)
            if fd >= 0 {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                return .success(FileDescriptor(rawValue: fd))
            }
            let e = Errno(rawValue: Glibc.errno)
            if e != .interrupted { return .failure(e) }
        }
    }
}

extension UnixSocket {
    /// `send(2)` with `MSG_NOSIGNAL`, retried on EINTR: a peer that hung up gets EPIPE, not
    /// a SIGPIPE that would end this process. (swift-system's `FileDescriptor.write` cannot
    /// pass the flag; reads go through `FileDescriptor.read`.)
    public static func send(_ fd: FileDescriptor, _ bytes: UnsafeRawBufferPointer) throws(Errno) -> Int {
        while true {
            let n = Glibc.send(fd.rawValue, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return n }
            let e = Errno(rawValue: Glibc.errno)
            if e != .interrupted { throw e }
        }
    }

    /// `read(2)` through swift-system, retried on EINTR.
    public static func read(_ fd: FileDescriptor, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        do {
            return try fd.read(into: buffer, retryOnInterrupt: true)
        } catch let e as Errno {
            throw e
        } catch {
            throw .ioError
        }
    }
}
