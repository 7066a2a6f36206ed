import CMicroHTTPD
import Glibc
import Systemd
import SystemPackage

/// An HTTP request as the handler sees it; headers are looked up while it runs.
public struct HTTPRequest {
    public var method: String
    /// The path, without the query.
    public var path: String
    /// A request header by name (case-insensitive), or nil.
    public var header: (String) -> String?
    /// A query argument by name, or nil.
    public var argument: (String) -> String?

    public init(method: String, path: String, header: @escaping (String) -> String?,
                argument: @escaping (String) -> String? = { _ in nil }) {
        self.method = method
        self.path = path
        self.header = header
        self.argument = argument
    }
}

/// What to answer: status, headers, body. For HEAD, libmicrohttpd sends the headers
/// (Content-Length included) and no body.
///
/// A response is immutable, and libmicrohttpd's copy of it is made once, on first use,
/// and queued again for every later request answered with the same instance: a site
/// that keeps its answers (the feed and its 304) costs no copy and no allocation per
/// request.
public final class HTTPResponse: Equatable, @unchecked Sendable {
    public let status: Int
    public let headers: [(String, String)]
    public let body: [UInt8]
    /// For a streamed body: called with the stream once the response is under way.
    public let opened: ((HTTPStream) -> Void)?
    /// libmicrohttpd's response, made on first use (on the loop's thread only).
    fileprivate var prepared: OpaquePointer?

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
        opened = nil
    }

    /// A response whose body is written later, through the `HTTPStream` that `opened`
    /// is given (Server-Sent Events). Each request gets a stream of its own.
    public init(status: Int, headers: [(String, String)], stream opened: @escaping (HTTPStream) -> Void) {
        self.status = status
        self.headers = headers
        body = []
        self.opened = opened
    }

    deinit { if let prepared { MHD_destroy_response(prepared) } }

    public static func == (a: HTTPResponse, b: HTTPResponse) -> Bool {
        (a.opened == nil) == (b.opened == nil) && a.status == b.status && a.body == b.body && a.headers.map { "\($0.0): \($0.1)" } == b.headers.map { "\($0.0): \($0.1)" }
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    fileprivate func mhdResponse() -> OpaquePointer? {
        if let prepared { return prepared }
        let response: OpaquePointer? = body.withUnsafeBytes { raw in pgtrack_mhd_response_copy(raw.count, raw.baseAddress) }
        guard let response else { return nil }
        for (name, value) in headers { _ = MHD_add_response_header(response, name, value) }
        prepared = response
        return response
    }
}

/// The body of a response that stays open (Server-Sent Events). While there is nothing to
/// send, its connection is suspended: libmicrohttpd neither polls nor times it out, so an
/// open stream costs no wake-up. `send` queues bytes and resumes it. Loop thread only.
public final class HTTPStream {
    fileprivate var connection: OpaquePointer?
    fileprivate weak var server: HTTPServer?
    fileprivate var pending: [UInt8] = []
    fileprivate var suspended = false
    fileprivate var ending = false
    /// Runs once, when the connection is gone (the client left, or the stream ended).
    public var onClose: (() -> Void)?
    public private(set) var isOpen = true

    fileprivate init(connection: OpaquePointer, server: HTTPServer) {
        self.connection = connection
        self.server = server
    }

    /// Queues `bytes` for the client and wakes the connection.
    public func send(_ bytes: [UInt8]) {
        guard isOpen else { return }
        pending += bytes
        wake()
    }

    /// Sends what is queued, then ends the body.
    public func finish() {
        ending = true
        wake()
    }

    /// Bytes queued and not yet taken by libmicrohttpd.
    public var queued: Int { pending.count }

    private func wake() {
        // With no thread of its own, libmicrohttpd takes a resumed connection back at its
        // next run, which the server schedules for the loop's next iteration (a defer
        // source: libmicrohttpd makes no wake-up descriptor without an internal thread).
        if suspended, let connection {
            suspended = false
            MHD_resume_connection(connection)
            server?.runSoon()
        }
    }

    /// libmicrohttpd asks for up to `max` bytes: queued bytes, the end, or nothing yet (then
    /// the connection is suspended until `send`).
    fileprivate func read(into buffer: UnsafeMutablePointer<CChar>, max: Int) -> Int {
        if !pending.isEmpty {
            let n = min(max, pending.count)
            pending.withUnsafeBytes { raw in buffer.withMemoryRebound(to: UInt8.self, capacity: n) { $0.update(from: raw.bindMemory(to: UInt8.self).baseAddress!, count: n) } }
            pending.removeFirst(n)
            return n
        }
        if ending || connection == nil { return pgtrack_mhd_end_of_stream() }
        if let connection {
            suspended = true
            MHD_suspend_connection(connection)
        }
        return 0
    }

    fileprivate func closed() {
        guard isOpen else { return }
        isOpen = false
        connection = nil
        pending = []
        let handler = onClose
        onClose = nil
        handler?()
    }
}

private let streamReader: MHD_ContentReaderCallback = { cls, _, buffer, max in
    guard let cls, let buffer else { return pgtrack_mhd_end_of_stream() }
    return Unmanaged<HTTPStream>.fromOpaque(cls).takeUnretainedValue().read(into: buffer, max: max)
}

private let streamDone: MHD_ContentReaderFreeCallback = { cls in
    guard let cls else { return }
    let stream = Unmanaged<HTTPStream>.fromOpaque(cls)
    stream.takeUnretainedValue().closed()
    stream.release()
}

/// Limits of one listener.
public struct HTTPLimits: Sendable {
    /// Connections at once; more are refused by libmicrohttpd until one closes.
    public var maxConnections = 32
    /// A connection with no activity for this long is closed (seconds), so slow clients
    /// cannot pin a connection slot.
    public var timeoutSeconds = 10
    /// Memory for one connection's request (headers included): a larger request is refused.
    public var memoryLimit = 32 * 1024

    public init() {}
}

/// libmicrohttpd on the sd-event loop, as systemd's journal-remote runs it: no thread,
/// the daemon's epoll descriptor as one I/O source, `MHD_get_timeout` as one timer,
/// `MHD_run` on activity. Between requests it arms nothing: an idle listener costs no
/// wake-up. Knows nothing of pgtrack.
public final class HTTPServer {
    public typealias Handler = (HTTPRequest) -> HTTPResponse

    private var daemon: OpaquePointer?
    private var io: EventSource?
    private var timer: TimerSource?
    /// Runs libmicrohttpd at the loop's next iteration, after a stream was resumed.
    private var wake: DeferSource?
    /// Runs in a row that found work due at once (see `run`).
    private var immediate = 0
    private let handler: Handler

    /// Serves on the listening socket `listenFD` (which it then owns). With `tls`
    /// (PEM key and certificate) it speaks HTTPS.
    public init(loop: EventLoop, listenFD: FileDescriptor, limits: HTTPLimits, tls: (key: String, cert: String)? = nil,
                description: String, handler: @escaping Handler) throws(SystemError) {
        self.handler = handler
        // Suspend and resume park event streams (see HTTPStream).
        let flags = UInt32(MHD_USE_EPOLL.rawValue) | UInt32(MHD_ALLOW_SUSPEND_RESUME.rawValue)
        let started: OpaquePointer? = withExtendedLifetime(self) {
            let cls = Unmanaged.passUnretained(self).toOpaque()
            if let tls {
                return tls.key.withCString { key in
                    tls.cert.withCString { cert in
                        pgtrack_mhd_start(flags, listenFD.rawValue, UInt32(limits.maxConnections), UInt32(limits.timeoutSeconds),
                                          limits.memoryLimit, httpAccessTrampoline, cls, key, cert)
                    }
                }
            }
            return pgtrack_mhd_start(flags, listenFD.rawValue, UInt32(limits.maxConnections), UInt32(limits.timeoutSeconds),
                                     limits.memoryLimit, httpAccessTrampoline, cls, nil, nil)
        }
        guard let started else { throw SystemError("MHD_start_daemon (\(description))", Errno(rawValue: EINVAL)) }
        daemon = started
        let epoll = pgtrack_mhd_epoll_fd(started)
        guard epoll >= 0 else {
            MHD_stop_daemon(started)
            daemon = nil
            throw SystemError("MHD_get_daemon_info EPOLL_FD", Errno(rawValue: EINVAL))
        }
        timer = try loop.addTimer(.monotonic, at: .infinity, accuracy: .milliseconds(10), description: "\(description)-timeout") {
            [unowned self] _ in self.run()
        }
        io = try loop.addIO(fd: FileDescriptor(rawValue: epoll), description: description) { [unowned self] _ in self.run() }
        wake = try loop.addDefer(description: "\(description)-resume") { [unowned self] in self.run() }
    }

    deinit {
        io = nil
        timer = nil
        wake = nil
        if let daemon { MHD_stop_daemon(daemon) }
    }

    /// Lets libmicrohttpd send what streams were just given, now rather than at the loop's
    /// next iteration. Not from inside a handler (libmicrohttpd is not re-entrant).
    public func flush() {
        run()
    }

    /// Runs libmicrohttpd from the loop as soon as it is free (after a resumed stream).
    fileprivate func runSoon() {
        wake?.trigger()
    }

    /// Lets libmicrohttpd do what is ready, then sleeps until it has a deadline (a
    /// connection's timeout); with no connection open, none.
    private func run() {
        guard let daemon else { return }
        let before = pgtrack_mhd_connections(daemon)
        _ = MHD_run(daemon)
        // At its connection limit libmicrohttpd takes the listening socket out of its epoll
        // set, and puts it back only at the start of a run. When this run closed
        // connections (timeouts, clients gone) and nothing else is due, no later run would
        // come: the listen queue would fill and every new client wait for good. So one
        // more run, now, re-arms the listener.
        if pgtrack_mhd_connections(daemon) < before { _ = MHD_run(daemon) }
        var timeout: CUnsignedLongLong = 0
        let due = MHD_get_timeout(daemon, &timeout) == .YES
        immediate = due && timeout == 0 ? immediate + 1 : 0
        if due, timeout == 0, immediate <= 16 {
            // Work is ready now (the next of pipelined requests): at the loop's next
            // iteration, not at a timer whose 10 ms accuracy spaced the answers 10 ms apart.
            // Sixteen such runs in a row at most, then the timer again: never a busy loop.
            timer?.isEnabled = false
            runSoon()
        } else if due {
            try? timer?.arm(at: Clock.monotonic.now + .milliseconds(UInt64(timeout)))
        } else {
            timer?.isEnabled = false
        }
    }

    /// RFC 9112 §3.2: a request with more than one Host is answered 400, whatever it asks.
    private static let twoHosts = HTTPResponse(status: 400, headers: [("Content-Type", "text/plain; charset=utf-8")],
                                               body: Array("more than one Host header\n".utf8))

    fileprivate func answer(_ connection: OpaquePointer, method: String, url: String) -> MHD_Result {
        if pgtrack_mhd_header_count(connection, "Host") > 1, let response = Self.twoHosts.mhdResponse() {
            return MHD_queue_response(connection, 400, response)
        }
        let request = HTTPRequest(method: method, path: url, header: { name in
            MHD_lookup_connection_value(connection, .HEADER_KIND, name).map { String(cString: $0) }
        }, argument: { name in
            MHD_lookup_connection_value(connection, .GET_ARGUMENT_KIND, name).map { String(cString: $0) }
        })
        let r = handler(request)
        if let opened = r.opened {
            let stream = HTTPStream(connection: connection, server: self)
            let cls = Unmanaged.passRetained(stream).toOpaque()
            guard let response = pgtrack_mhd_response_stream(streamReader, cls, streamDone) else {
                Unmanaged<HTTPStream>.fromOpaque(cls).release()
                return .NO
            }
            defer { MHD_destroy_response(response) }
            for (name, value) in r.headers { _ = MHD_add_response_header(response, name, value) }
            let result = MHD_queue_response(connection, UInt32(r.status), response)
            if result == .YES { opened(stream) }
            return result
        }
        guard let response = r.mhdResponse() else { return .NO }
        // MHD_queue_response takes its own reference; the response object keeps ours.
        return MHD_queue_response(connection, UInt32(r.status), response)
    }
}

/// libmicrohttpd's access handler. Its first call for a request only notes that the
/// headers arrived; a body, if a client sends one, is consumed and dropped; the answer
/// comes at the last call, once the request is complete. (A response queued at the
/// first call makes libmicrohttpd close the connection after it: no keep-alive.)
private let httpAccessTrampoline: MHD_AccessHandlerCallback = { cls, connection, url, method, _, _, uploadSize, state in
    guard let cls, let connection, let url, let method, let state else { return .NO }
    if state.pointee == nil {
        state.pointee = UnsafeMutableRawPointer(bitPattern: 1) // a marker: the headers are in
        return .YES
    }
    if let uploadSize, uploadSize.pointee != 0 {
        uploadSize.pointee = 0
        return .YES
    }
    let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
    return server.answer(connection, method: String(cString: method), url: String(cString: url))
}
