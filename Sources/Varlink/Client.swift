import Glibc
import SystemPackage

/// A blocking Varlink client for command-line tools: one connection, calls in turn.
public final class VarlinkClient {
    private let fd: FileDescriptor
    private var framer = Framer(maxMessage: 16 << 20)
    private var pending: [[UInt8]] = []

    /// Connects to the socket at `path`; `timeout` bounds every read and write.
    public init(path: String, timeout: Double = 10) throws(SocketError) {
        fd = try UnixSocket.connect(path: path, timeout: timeout)
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd.rawValue, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd.rawValue, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { try? fd.close() }

    /// Who is at the other end (`SO_PEERCRED`): a client checks it is talking to its
    /// own user's service before believing a reply.
    public func peer() throws(SocketError) -> PeerCredentials { try UnixSocket.peerCredentials(fd) }

    /// Calls `method` and returns its reply parameters; a Varlink error is thrown.
    public func call(_ method: String, _ parameters: JSON = [:]) throws -> JSON {
        try send(Call(method: method, parameters: parameters))
        let reply = try receive()
        if let error = reply.error { throw VarlinkError(error, reply.parameters) }
        return reply.parameters
    }

    /// Calls `method` with `more` and hands each reply to `each` until the server ends
    /// the call or `each` returns false.
    public func stream(_ method: String, _ parameters: JSON = [:], each: (JSON) throws -> Bool) throws {
        try send(Call(method: method, parameters: parameters, more: true))
        while true {
            let reply = try receive()
            if let error = reply.error { throw VarlinkError(error, reply.parameters) }
            guard try each(reply.parameters), reply.continues else { return }
        }
    }

    /// Starts a call with `more`, whose replies `nextReply(within:)` reads one at a time:
    /// for a caller that waits on the stream and on its own deadlines at once.
    public func begin(_ method: String, _ parameters: JSON = [:]) throws {
        try send(Call(method: method, parameters: parameters, more: true))
    }

    /// The next reply of the call `begin` started, or nil when `seconds` pass first (nil:
    /// wait for it however long). Waits in one `poll`: no system call until then. A
    /// Varlink error is thrown; so is the service closing the connection.
    public func nextReply(within seconds: Double?) throws -> (parameters: JSON, continues: Bool)? {
        if pending.isEmpty {
            var p = pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)
            let ms = seconds.map { Int32(clamping: Int(max(0, ($0 * 1000).rounded(.up)))) } ?? -1
            var r: Int32
            repeat { r = poll(&p, 1, ms) } while r < 0 && errno == EINTR
            if r == 0 { return nil }
        }
        let reply = try receive()
        if let error = reply.error { throw VarlinkError(error, reply.parameters) }
        return (reply.parameters, reply.continues)
    }

    /// Clears the receive timeout, for streams that wait for events indefinitely.
    public func waitForever() {
        var tv = timeval(tv_sec: 0, tv_usec: 0)
        setsockopt(fd.rawValue, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    private func send(_ call: Call) throws(SocketError) {
        let bytes = Framer.frame(call.json)
        var offset = 0
        while offset < bytes.count {
            do {
                offset += try bytes.withUnsafeBytes { raw in try UnixSocket.send(fd, UnsafeRawBufferPointer(rebasing: raw[offset...])) }
            } catch {
                throw SocketError("send", errno: (error as? Errno) ?? .ioError)
            }
        }
    }

    /// The next reply, waiting for it (up to the timeout set at connect, if any).
    private func receive() throws -> Reply {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while pending.isEmpty {
            let n: Int
            do {
                n = try buffer.withUnsafeMutableBytes { raw in try UnixSocket.read(fd, into: raw) }
            } catch let e as Errno where e == .resourceTemporarilyUnavailable {
                throw SocketError("no answer in time", errno: .timedOut)
            } catch {
                throw SocketError("read", errno: (error as? Errno) ?? .ioError)
            }
            if n == 0 { throw SocketError("the service closed the connection", errno: .connectionReset) }
            for out in framer.feed(buffer[0..<n]) {
                guard case .message(let bytes) = out else { throw SocketError("reply too large", errno: .messageTooLong) }
                pending.append(bytes)
            }
        }
        return try Reply(json: try JSON.parse(pending.removeFirst()))
    }
}
