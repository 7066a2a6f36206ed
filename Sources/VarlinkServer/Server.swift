import Glibc
import SystemPackage
import Systemd
import Varlink

/// Who the service says it is (`org.varlink.service.GetInfo`).
public struct ServiceInfo: Sendable {
    public var vendor: String
    public var product: String
    public var version: String
    public var url: String

    public init(vendor: String, product: String, version: String, url: String) {
        self.vendor = vendor
        self.product = product
        self.version = version
        self.url = url
    }
}

/// How much one server takes on.
///
/// A connection holds at most a partial message (`maxMessage`), calls read but not yet
/// run (reading stops once they reach `maxMessage` bytes), and its unsent output:
/// reading stops while that is over `outputHighWater`, a single reply is at most
/// `maxReply` (a larger one is answered with an error), and only streamed replies to a
/// reader that does not read can push it past `maxReply + outputHighWater`, which closes
/// the connection. So one connection holds at most about
/// `2 × maxMessage + maxReply + outputHighWater` (≈ 1.4 MiB with the defaults), and the
/// server at most `maxConnections` times that.
public struct ServerLimits: Sendable {
    /// Largest message accepted, in bytes; a larger one gets an error and the connection is closed.
    public var maxMessage = 64 * 1024
    /// Connections served at once; a new one past this replaces the longest-idle one.
    public var maxConnections = 64
    /// A connection with no call in flight and no input for this long is closed.
    public var idleTimeout = Microseconds.seconds(60)
    /// Largest single reply; a larger one is replaced by an error saying so.
    public var maxReply = 1 << 20
    /// Unsent output above which no further calls are read from the connection.
    public var outputHighWater = 256 * 1024

    public init() {}

    /// The most bytes one connection can hold (see above).
    public var perConnectionBudget: Int { 2 * maxMessage + maxReply + outputHighWater }
}

/// The way back to the caller of one call.
public final class ReplyChannel {
    fileprivate weak var connection: Connection?
    public let call: Call
    public private(set) var isOpen = true
    /// The handler will answer after it returned (`answerLater`).
    public private(set) var isDeferred = false
    /// Runs when the caller goes away while a `more` call is streaming.
    public var onClose: (() -> Void)?

    fileprivate init(connection: Connection, call: Call) {
        self.connection = connection
        self.call = call
    }

    /// Sends a reply; with `continues`, the call stays open for more (only when the
    /// caller asked for `more`).
    public func reply(_ parameters: JSON = [:], continues: Bool = false) {
        guard isOpen, let connection else { return }
        let more = continues && call.more
        if !call.oneway { connection.send(Reply(parameters: parameters, continues: more).json, call: call) }
        if !more { finish() }
    }

    /// The handler answers later, from the loop (a call that waits for work to finish).
    /// Later calls on the same connection wait for that answer, as they do for a stream.
    public func answerLater() { isDeferred = true }

    public func fail(_ error: VarlinkError) {
        guard isOpen, let connection else { return }
        if !call.oneway { connection.send(Reply(parameters: error.parameters, error: error.name).json) }
        finish()
    }

    private func finish() {
        isOpen = false
        connection?.callFinished(self)
    }

    fileprivate func closed() {
        guard isOpen else { return }
        isOpen = false
        onClose?()
        onClose = nil
    }
}

/// A Varlink server on an sd-event loop: non-blocking sockets, one call at a time per
/// connection (pipelined calls are answered in order), limits on size, count and idleness.
public final class VarlinkServer {
    public typealias Handler = (Call, ReplyChannel) -> Void

    let loop: EventLoop
    let listenFD: FileDescriptor
    let info: ServiceInfo
    public private(set) var limits: ServerLimits
    let allowedUID: UInt32
    private(set) var interfaces: [String: Interface] = [:]
    private var listener: EventSource?
    fileprivate var connections: [FileDescriptor: Connection] = [:]
    private var handler: Handler
    private var nextSerial: UInt64 = 0

    /// Serves `interfaces` on the listening socket `listenFD`, to peers with `allowedUID` only.
    public init(loop: EventLoop, listenFD: FileDescriptor, info: ServiceInfo, interfaces: [Interface], limits: ServerLimits,
                allowedUID: UInt32, handler: @escaping Handler) throws {
        self.loop = loop
        self.listenFD = listenFD
        self.info = info
        self.limits = limits
        self.allowedUID = allowedUID
        self.handler = handler
        let service = try Interface(VarlinkServer.serviceInterface)
        self.interfaces[service.name] = service
        for i in interfaces { self.interfaces[i.name] = i }
        listener = try loop.addIO(fd: listenFD, description: "varlink-listener") { [unowned self] _ in self.acceptAll() }
        resumeListening = try loop.addTimer(.monotonic, at: .infinity, accuracy: .milliseconds(50),
                                            description: "varlink-listener-resume") { [unowned self] _ in
            self.listener?.isEnabled = true
        }
        self.limits.maxConnections = VarlinkServer.clamp(limits.maxConnections)
    }

    /// Re-enables the listener after the process ran out of file descriptors.
    private var resumeListening: TimerSource?

    /// Descriptors kept free for everything but client connections (the ledger, the
    /// calendar writes, the bus, the loop's own).
    static let reservedDescriptors = 32

    /// `maxConnections` within what RLIMIT_NOFILE allows, so that the cap is reached before
    /// the descriptor limit is.
    static func clamp(_ maxConnections: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < rlim_t(Int.max) else { return maxConnections }
        return max(1, min(maxConnections, Int(limit.rlim_cur) - reservedDescriptors))
    }

    deinit {
        for c in connections.values { c.close() }
    }

    /// Takes new limits: the connection cap and message size apply to connections
    /// accepted from now on, the idle timeout to every connection from its next activity.
    public func configure(_ limits: ServerLimits) {
        self.limits = limits
        self.limits.maxConnections = VarlinkServer.clamp(limits.maxConnections)
    }

    private func acceptAll() {
        while true {
            let fd: FileDescriptor
            switch UnixSocket.accept(listenFD) {
            case .success(let accepted): fd = accepted
            case .failure(let e) where e == .tooManyOpenFiles || e == .tooManyOpenFilesInSystem:
                // Out of descriptors: the pending connection keeps the listener readable,
                // so waiting for it would spin. Make room by closing the connection idle
                // the longest, or, with none to close, stop listening for a moment.
                if !connections.isEmpty { evictOne(); continue }
                listener?.isEnabled = false
                try? resumeListening?.arm(at: Clock.monotonic.now + .milliseconds(250))
                return
            case .failure:
                return // EAGAIN: nothing pending; anything else: the next wake-up tries again
            }
            guard let peer = try? UnixSocket.peerCredentials(fd), peer.uid == allowedUID else {
                // Best effort: tell the caller why, then hang up.
                let frame = Framer.frame(Reply(error: VarlinkError.permissionDenied().name).json)
                _ = frame.withUnsafeBytes { try? UnixSocket.send(fd, $0) }
                try? fd.close()
                continue
            }
            if connections.count >= limits.maxConnections { evictOne() }
            nextSerial += 1
            do {
                connections[fd] = try Connection(server: self, fd: fd, serial: nextSerial)
            } catch {
                try? fd.close()
            }
        }
    }

    /// Makes room: closes the connection idle the longest, preferring ones not streaming.
    private func evictOne() {
        let candidates = connections.values.filter { !$0.isStreaming }
        let pool = candidates.isEmpty ? Array(connections.values) : candidates
        pool.min { $0.lastActivity < $1.lastActivity }?.close()
    }

    fileprivate func removed(_ c: Connection) { connections[c.fd] = nil }

    fileprivate func dispatch(_ call: Call, _ channel: ReplyChannel) {
        if call.interface == "org.varlink.service" {
            switch call.name {
            case "GetInfo":
                channel.reply(.obj([("vendor", .string(info.vendor)), ("product", .string(info.product)),
                                    ("version", .string(info.version)), ("url", .string(info.url)),
                                    ("interfaces", .array(interfaces.keys.sorted().map(JSON.string)))]))
            case "GetInterfaceDescription":
                guard let name = call.parameters["interface"]?.string else { return channel.fail(.invalidParameter("interface")) }
                guard let i = interfaces[name] else { return channel.fail(.interfaceNotFound(name)) }
                channel.reply(["description": .string(i.description)])
            default:
                channel.fail(.methodNotFound(call.method))
            }
            return
        }
        guard let interface = interfaces[call.interface] else { return channel.fail(.interfaceNotFound(call.interface)) }
        do {
            try interface.validate(parameters: call.parameters, of: call.name)
        } catch {
            return channel.fail(error)
        }
        handler(call, channel)
    }

    /// The error for a reply over `maxReply`: the call's interface's own `ReplyTooLarge`
    /// if it declares one, else the standard InvalidParameter naming the reply.
    fileprivate func oversizeError(for call: Call?) -> String {
        if let call, interfaces[call.interface]?.errors["ReplyTooLarge"] != nil { return call.interface + ".ReplyTooLarge" }
        return "org.varlink.service.InvalidParameter"
    }

    /// The standard service interface every Varlink service provides.
    public static let serviceInterface = """
    # The Varlink Service Interface is provided by every varlink service. It
    # describes the service and the interfaces it implements.
    interface org.varlink.service

    # Get a list of all the interfaces a service provides and information
    # about the implementation.
    method GetInfo() -> (
      vendor: string,
      product: string,
      version: string,
      url: string,
      interfaces: []string
    )

    # Get the description of an interface that is implemented by this service.
    method GetInterfaceDescription(interface: string) -> (description: string)

    # The requested interface was not found.
    error InterfaceNotFound (interface: string)

    # The requested method was not found
    error MethodNotFound (method: string)

    # The interface defines the requested method, but the service does not
    # implement it.
    error MethodNotImplemented (method: string)

    # One of the passed parameters is invalid.
    error InvalidParameter (parameter: string)

    # Client is denied access
    error PermissionDenied ()

    # Method is expected to be called with 'more' set to true, but wasn't
    error ExpectedMore ()

    """
}

/// One client connection.
final class Connection {
    unowned let server: VarlinkServer
    let fd: FileDescriptor
    let serial: UInt64
    private var source: EventSource?
    private var idleTimer: TimerSource?
    private var framer: Framer
    private var output: [UInt8] = []
    private var queued: [[UInt8]] = []
    private var active: ReplyChannel?
    private var closed = false
    private(set) var lastActivity: Microseconds

    init(server: VarlinkServer, fd: FileDescriptor, serial: UInt64) throws {
        self.server = server
        self.fd = fd
        self.serial = serial
        framer = Framer(maxMessage: server.limits.maxMessage)
        lastActivity = Clock.monotonic.now
        source = try server.loop.addIO(fd: fd, description: "varlink-\(serial)") { [unowned self] revents in
            self.ready(revents)
        }
        idleTimer = try server.loop.addTimer(.monotonic, at: lastActivity + server.limits.idleTimeout, accuracy: .seconds(1),
                                              description: "varlink-idle-\(serial)") { [unowned self] _ in
            // A call the daemon has not answered yet (a stream, a Sync waiting for its run)
            // is not idleness on the client's part.
            if self.isAwaitingReply { self.touch() } else { self.close() }
        }
    }

    /// A `more` call is streaming replies.
    var isStreaming: Bool { active.map { $0.call.more && $0.isOpen } ?? false }
    /// A call is open: its reply (or its next one) is still to come.
    var isAwaitingReply: Bool { active.map(\.isOpen) ?? false }

    private func touch() {
        lastActivity = Clock.monotonic.now
        try? idleTimer?.arm(at: lastActivity + server.limits.idleTimeout)
    }

    private func ready(_ revents: UInt32) {
        let events = IOEvents(rawValue: revents)
        if events.contains(.writable) { flush() }
        if !events.isDisjoint(with: [.readable, .hangup, .error]) { readAvailable() }
        updateInterest()
    }

    /// Bytes of calls read but not run yet.
    private var queuedBytes = 0

    /// Whether to read more: not while the calls already read fill their share, nor while
    /// the client has not taken the replies it already has (backpressure: a client that
    /// pipelines without reading stalls itself, it does not grow the daemon).
    private var wantsInput: Bool {
        queuedBytes < server.limits.maxMessage && output.count < server.limits.outputHighWater
    }

    /// Asks the loop for what the connection can use now.
    private func updateInterest() {
        guard !closed else { return }
        var events: IOEvents = []
        if wantsInput { events.insert(.readable) }
        if !output.isEmpty { events.insert(.writable) }
        source?.setIOEvents(events.rawValue)
    }

    private func readAvailable() {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while !closed, wantsInput {
            let n: Int
            do {
                n = try buffer.withUnsafeMutableBytes { raw in try UnixSocket.read(fd, into: raw) }
            } catch let e as Errno where e == .resourceTemporarilyUnavailable {
                return
            } catch {
                return close()
            }
            if n == 0 { return close() }
            touch()
            for out in framer.feed(buffer[0..<n]) {
                switch out {
                case .message(let bytes):
                    queued.append(bytes)
                    queuedBytes += bytes.count
                case .oversize:
                    send(Reply(parameters: ["parameter": "message", "message": .string("message larger than \(server.limits.maxMessage) bytes")],
                               error: "org.varlink.service.InvalidParameter").json)
                    flush()
                    return close()
                }
            }
            processQueued()
        }
    }

    /// Set while `processQueued` runs, so replies sent from inside it do not start another.
    private var processing = false

    /// Runs queued calls in order while no call is in flight.
    private func processQueued() {
        processing = true
        defer { processing = false }
        while !closed, active == nil, !queued.isEmpty, output.count < server.limits.outputHighWater {
            let bytes = queued.removeFirst()
            queuedBytes -= bytes.count
            let call: Call
            do {
                call = try Call(json: try JSON.parse(bytes))
            } catch let e as VarlinkError {
                send(Reply(parameters: e.parameters, error: e.name).json)
                continue
            } catch {
                send(Reply(parameters: ["parameter": "message", "message": .string("not valid JSON: \(error)")],
                           error: "org.varlink.service.InvalidParameter").json)
                continue
            }
            let channel = ReplyChannel(connection: self, call: call)
            active = channel
            server.dispatch(call, channel)
            if channel.isOpen, !call.more, !channel.isDeferred {
                // A handler must answer a plain call at once (or say it answers later);
                // never leave the caller hanging.
                channel.fail(.methodNotImplemented(call.method))
            }
        }
    }

    fileprivate func callFinished(_ channel: ReplyChannel) {
        if active === channel { active = nil }
    }

    /// Queues a reply and sends what the socket takes. A reply over `maxReply` is
    /// replaced by an error the client can show; output that a streaming client does
    /// not read, past `maxReply + outputHighWater`, closes the connection.
    func send(_ json: JSON, call: Call? = nil) {
        guard !closed else { return }
        let start = output.count
        Framer.frame(json, into: &output)
        if output.count - start > server.limits.maxReply {
            let size = output.count - start - 1
            output.removeSubrange(start...)
            let message = "the reply would be \(size) bytes, more than the \(server.limits.maxReply) a reply may have"
            let name = server.oversizeError(for: call)
            let parameters: JSON = name.hasPrefix("org.varlink.service.")
                ? ["parameter": "reply", "message": .string(message)]
                : ["size": .int(Int64(size)), "limit": .int(Int64(server.limits.maxReply)), "message": .string(message)]
            Framer.frame(Reply(parameters: parameters, error: name).json, into: &output)
        }
        if output.count > server.limits.maxReply + server.limits.outputHighWater { return close() }
        flush()
    }

    private func flush() {
        while !output.isEmpty, !closed {
            let n: Int
            do {
                n = try output.withUnsafeBytes { raw in try UnixSocket.send(fd, raw) }
            } catch let e as Errno where e == .resourceTemporarilyUnavailable {
                break
            } catch {
                return close()
            }
            if n == output.count { output.removeAll(keepingCapacity: true) } else { output.removeFirst(n) }
        }
        // Output drained below the mark: calls read earlier can run now (not from inside
        // a run of them, which goes on by itself).
        if !closed, !processing, active == nil, !queued.isEmpty, output.count < server.limits.outputHighWater { processQueued() }
        updateInterest()
    }

    func close() {
        guard !closed else { return }
        closed = true
        source = nil
        idleTimer = nil
        try? fd.close()
        active?.closed()
        active = nil
        server.removed(self)
    }
}
