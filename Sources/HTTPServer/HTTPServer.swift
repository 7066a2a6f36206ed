import CMicroHTTPD
import Glibc
import Systemd
import SystemPackage

/// An HTTP request as the handler sees it; headers are looked up while it runs.
public struct HTTPRequest {
    public var method: String
    public var path: String
    /// A request header by name (case-insensitive), or nil.
    public var header: (String) -> String?

    public init(method: String, path: String, header: @escaping (String) -> String?) {
        self.method = method
        self.path = path
        self.header = header
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
    /// libmicrohttpd's response, made on first use (on the loop's thread only).
    fileprivate var prepared: OpaquePointer?

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    deinit { if let prepared { MHD_destroy_response(prepared) } }

    public static func == (a: HTTPResponse, b: HTTPResponse) -> Bool {
        a.status == b.status && a.body == b.body && a.headers.map { "\($0.0): \($0.1)" } == b.headers.map { "\($0.0): \($0.1)" }
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
    private let handler: Handler

    /// Serves on the listening socket `listenFD` (which it then owns). With `tls`
    /// (PEM key and certificate) it speaks HTTPS.
    public init(loop: EventLoop, listenFD: Int32, limits: HTTPLimits, tls: (key: String, cert: String)? = nil,
                description: String, handler: @escaping Handler) throws(SystemError) {
        self.handler = handler
        let flags = UInt32(MHD_USE_EPOLL.rawValue)
        let started: OpaquePointer? = withExtendedLifetime(self) {
            let cls = Unmanaged.passUnretained(self).toOpaque()
            if let tls {
                return tls.key.withCString { key in
                    tls.cert.withCString { cert in
                        pgtrack_mhd_start(flags, listenFD, UInt32(limits.maxConnections), UInt32(limits.timeoutSeconds),
                                          limits.memoryLimit, httpAccessTrampoline, cls, key, cert)
                    }
                }
            }
            return pgtrack_mhd_start(flags, listenFD, UInt32(limits.maxConnections), UInt32(limits.timeoutSeconds),
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
        io = try loop.addIO(fd: epoll, description: description) { [unowned self] _ in self.run() }
    }

    deinit {
        io = nil
        timer = nil
        if let daemon { MHD_stop_daemon(daemon) }
    }

    /// Lets libmicrohttpd do what is ready, then sleeps until it has a deadline (a
    /// connection's timeout); with no connection open, none.
    private func run() {
        guard let daemon else { return }
        _ = MHD_run(daemon)
        var timeout: CUnsignedLongLong = 0
        if MHD_get_timeout(daemon, &timeout) == .YES {
            try? timer?.arm(at: Clock.monotonic.now + .milliseconds(UInt64(timeout)))
        } else {
            timer?.isEnabled = false
        }
    }

    fileprivate func answer(_ connection: OpaquePointer, method: String, url: String) -> MHD_Result {
        let request = HTTPRequest(method: method, path: url) { name in
            MHD_lookup_connection_value(connection, .HEADER_KIND, name).map { String(cString: $0) }
        }
        let r = handler(request)
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
