import FoundationEssentials
import Glibc
import HTTPServer
import Logging
import PGTrackCore
import PGTrackPlatform
import PGTrackWeb
import Systemd
import SystemPackage

/// The feed over loopback HTTP: the listeners (one libmicrohttpd daemon each, on the
/// loop), the secret token, and the site that answers.
final class HTTPFeed {
    let site: Site
    private(set) var servers: [HTTPServer] = []
    /// Where it listens, with the ports actually bound (a configured port 0 picks one).
    private(set) var addresses: [ListenAddress] = []
    let tokenPath: String
    let tls: Bool

    /// Takes the sockets systemd passed under the name `http`, or binds `settings.listen`;
    /// a port in use is an error naming the address.
    init(loop: EventLoop, settings: Config.HTTPSettings, passed: [FileDescriptor], tokenPath: String, log: Logger) throws {
        self.tokenPath = tokenPath
        site = Site(token: try HTTPFeed.token(at: tokenPath), allowedHosts: [])
        var tlsPair: (key: String, cert: String)?
        if !settings.tlsKey.isEmpty || !settings.tlsCert.isEmpty {
            guard let key = Files.read(settings.tlsKey).map({ String(decoding: $0, as: UTF8.self) }),
                  let cert = Files.read(settings.tlsCert).map({ String(decoding: $0, as: UTF8.self) }) else {
                throw HTTPFeedError("cannot read http.tls_key \(settings.tlsKey) or http.tls_cert \(settings.tlsCert)")
            }
            tlsPair = (key, cert)
        }
        tls = tlsPair != nil
        var limits = HTTPLimits()
        limits.maxConnections = settings.maxConnections
        limits.timeoutSeconds = settings.timeout.seconds
        var fds: [(FileDescriptor, ListenAddress)] = []
        if !passed.isEmpty {
            fds = passed.compactMap { fd in HTTPFeed.boundAddress(fd).map { (fd, $0) } }
        } else {
            for text in settings.listen {
                guard let address = ListenAddress(text) else { continue }
                fds.append((try HTTPFeed.listen(address), address))
            }
        }
        for (fd, configured) in fds {
            let bound = HTTPFeed.boundAddress(fd) ?? configured
            addresses.append(bound)
            servers.append(try HTTPServer(loop: loop, listenFD: fd, limits: limits, tls: tlsPair, description: "http-\(bound)") {
                [site] request in site.respond(request)
            })
            if !bound.isLoopback, tlsPair == nil {
                log.warning("http: listening on \(bound) without TLS: anyone on the network who learns the URL can read the plan")
            }
        }
        site.allowedHosts = HTTPFeed.hosts(addresses, names: settings.names)
        // Half the connections at most for pages following their event stream.
        site.maxStreams = max(1, settings.maxConnections / 2)
    }

    /// The Host values a request may carry: each address as bound, `localhost` and the
    /// loopback names on its port, and the configured names.
    static func hosts(_ addresses: [ListenAddress], names: [String]) -> Set<String> {
        var out = Set<String>()
        for a in addresses {
            out.insert(a.description.lowercased())
            out.insert("localhost:\(a.port)")
            if a.isLoopback { out.insert("127.0.0.1:\(a.port)"); out.insert("[::1]:\(a.port)") }
            for n in names { out.insert(n.contains(":") && !n.hasPrefix("[") ? n.lowercased() : "\(n.lowercased()):\(a.port)") }
        }
        return out
    }

    /// The URL of `name` under the token (the feed, or "" for the page), on the first
    /// address (`127.0.0.1` or `[::1]` for a loopback one).
    func url(_ name: String) -> String? {
        guard let a = addresses.first else { return nil }
        let host = a.isLoopback ? (a.isIPv6 ? "[::1]" : "127.0.0.1") : a.description.dropLast(String(a.port).count + 1).description
        return "\(tls ? "https" : "http")://\(host):\(a.port)/\(site.token)/\(name)"
    }

    // MARK: - The token

    /// 128 random bits as 32 hex digits, made once and kept in the state folder (0600);
    /// a file that does not hold one is replaced by a new token.
    static func token(at path: String) throws -> String {
        if let bytes = Files.read(path, limit: 256) {
            let text = String(decoding: bytes, as: UTF8.self).trimmingSpaces()
            if text.count == 32, text.allSatisfy(\.isHexDigit) { return text }
        }
        return try newToken(at: path)
    }

    @discardableResult
    static func newToken(at path: String) throws -> String {
        // The standard library's system generator is getrandom(2) on Linux: the kernel's CSPRNG.
        var random = SystemRandomNumberGenerator()
        let raw = (0..<2).flatMap { _ in withUnsafeBytes(of: random.next() as UInt64) { Array($0) } }
        let token = raw.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        try Files.writeAtomically(Array((token + "\n").utf8), to: path, mode: 0o600)
        return token
    }

    /// A new secret URL: the old one stops working at once.
    func rotateToken() throws {
        site.token = try HTTPFeed.newToken(at: tokenPath)
    }

    // MARK: - Sockets

    static func listen(_ address: ListenAddress) throws -> FileDescriptor {
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw HTTPFeedError("cannot listen on \(address): \(Errno(rawValue: errno))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let r: Int32
        if address.isIPv6 {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = address.port.bigEndian
            _ = inet_pton(AF_INET6, address.host, &sa.sin6_addr)
            r = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = address.port.bigEndian
            _ = inet_pton(AF_INET, address.host, &sa.sin_addr)
            r = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        guard r == 0, Glibc.listen(fd, 64) == 0 else {
            let e = Errno(rawValue: errno)
            close(fd)
            throw HTTPFeedError("cannot listen on \(address): \(e)"
                                + (e == .addressInUse ? " (another pgtrackd? each plan needs its own [http] listen)" : ""))
        }
        return FileDescriptor(rawValue: fd)
    }

    /// The address a listening TCP socket is bound to.
    static func boundAddress(_ fd: FileDescriptor) -> ListenAddress? {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd.rawValue, $0, &len) } }
        guard ok == 0 else { return nil }
        var text = [CChar](repeating: 0, count: 64)
        if storage.ss_family == sa_family_t(AF_INET) {
            var sa = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee } }
            inet_ntop(AF_INET, &sa.sin_addr, &text, socklen_t(text.count))
            return ListenAddress("\(cText(text)):\(UInt16(bigEndian: sa.sin_port))")
        }
        if storage.ss_family == sa_family_t(AF_INET6) {
            var sa = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee } }
            inet_ntop(AF_INET6, &sa.sin6_addr, &text, socklen_t(text.count))
            return ListenAddress("[\(cText(text))]:\(UInt16(bigEndian: sa.sin6_port))")
        }
        return nil
    }
}

/// A NUL-terminated C buffer as a String.
private func cText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

struct HTTPFeedError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Open pages follow every outcome: each hears of a new version of the page.
extension HTTPFeed: Output {
    func follow(_ outcome: Outcome) {
        if site.pageChanged(reason: outcome.reason) { servers.forEach { $0.flush() } }
    }
}
