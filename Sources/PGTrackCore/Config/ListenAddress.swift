/// A `host:port` to listen on: an IPv4 address, or an IPv6 one in brackets.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: UInt16
    public var isIPv6: Bool

    /// Parses `127.0.0.1:8787` or `[::1]:8787`.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        var host = String(text[..<colon])
        isIPv6 = host.hasPrefix("[") && host.hasSuffix("]")
        if isIPv6 { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == ":" }),
              isIPv6 ? host.contains(":") : host.split(separator: ".").count == 4 else { return nil }
        self.host = host
        self.port = port
    }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Whether this is a loopback address (127.0.0.0/8 or ::1), reachable from this machine only.
    public var isLoopback: Bool { isIPv6 ? host == "::1" : host.hasPrefix("127.") }
}
