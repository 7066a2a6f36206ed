import CSystemd
import Glibc
import SystemPackage

/// A command run as a child of the daemon, watched on the loop: a child source for its
/// exit (no thread, no polling, no SIGCHLD handler), and its stdout and stderr through one
/// pipe read as they come. SIGCHLD must be blocked (the loop's signals are).
public final class ChildProcess {
    /// How the child ended.
    public enum Outcome: Equatable, Sendable, CustomStringConvertible {
        case exited(Int32)
        case killed(signal: Int32)

        public var succeeded: Bool { self == .exited(0) }

        public var description: String {
            switch self {
            case .exited(let status): return "exit status \(status)"
            case .killed(let signal): return "killed by signal \(signal) (\(String(cString: strsignal(signal))))"
            }
        }
    }

    public let pid: pid_t
    private var exitSource: EventSource?
    private var outputSource: EventSource?
    /// The read end of the child's output pipe; nil once closed.
    private var pipe: FileDescriptor?
    private var partial: [UInt8] = []
    /// The last `keep` bytes of the output.
    public private(set) var tail: [UInt8] = []
    private let keep = 4096
    private let onLine: (String) -> Void
    private let onExit: (Outcome) -> Void

    /// Starts `command` (its first element looked up on PATH) with the daemon's
    /// environment. `onLine` gets each line of output; `onExit` runs once, after the last.
    public init(loop: EventLoop, command: [String], description: String, onLine: @escaping (String) -> Void,
                onExit: @escaping (Outcome) -> Void) throws(SystemError) {
        var fds: [Int32] = [-1, -1]
        // pipe2 is not exported to Swift; the daemon runs one thread, so nothing can fork
        // between pipe and the flags.
        guard Glibc.pipe(&fds) == 0 else { throw SystemError("pipe", Errno(rawValue: errno)) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
        pipe = FileDescriptor(rawValue: fds[0])
        self.onLine = onLine
        self.onExit = onExit
        var argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var child: pid_t = 0
        let r = argv.withUnsafeMutableBufferPointer { buffer in pgtrack_spawn(&child, buffer.baseAddress, environ, fds[1]) }
        close(fds[1])
        guard r == 0 else {
            try? pipe?.close()
            pipe = nil
            throw SystemError("posix_spawn \(command.first ?? "")", Errno(rawValue: r))
        }
        pid = child
        do {
            outputSource = try loop.addIO(fd: FileDescriptor(rawValue: fds[0]), description: "\(description)-output") { [unowned self] _ in self.drain() }
            exitSource = try loop.addChild(pid: child, description: description) { [unowned self] code, status in
                self.exited(code == CLD_EXITED ? .exited(status) : .killed(signal: status))
            }
        } catch {
            kill(child, SIGKILL) // cannot watch it: do not leave it running unwatched
            try? pipe?.close()
            pipe = nil
            throw error
        }
    }

    deinit {
        outputSource = nil
        exitSource = nil
        try? pipe?.close()
    }

    /// Sends `signal` to the child's process group (it runs in one of its own).
    public func signal(_ signal: Int32) {
        guard exitSource != nil else { return }
        kill(-pid, signal)
    }

    private func drain() {
        guard let pipe else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            // EAGAIN (drained for now) or another error: the next wake-up reads on.
            guard let n = try? buffer.withUnsafeMutableBytes({ try pipe.read(into: $0, retryOnInterrupt: true) }) else { return }
            guard n > 0 else {
                outputSource = nil // EOF: everyone holding the pipe is gone
                return
            }
            take(buffer[0..<n])
        }
    }

    private func take(_ bytes: ArraySlice<UInt8>) {
        tail.append(contentsOf: bytes)
        if tail.count > keep { tail.removeFirst(tail.count - keep) }
        partial.append(contentsOf: bytes)
        while let newline = partial.firstIndex(of: 10) {
            onLine(String(decoding: partial[..<newline], as: UTF8.self))
            partial.removeFirst(newline + 1)
        }
        if partial.count > keep { // a line without end: pass it on in pieces
            onLine(String(decoding: partial, as: UTF8.self))
            partial = []
        }
    }

    private func exited(_ outcome: Outcome) {
        drain() // what the child wrote before it exited (a grandchild may hold the pipe: no waiting for EOF)
        if !partial.isEmpty { onLine(String(decoding: partial, as: UTF8.self)); partial = [] }
        outputSource = nil
        exitSource = nil
        try? pipe?.close()
        pipe = nil
        onExit(outcome)
    }
}
