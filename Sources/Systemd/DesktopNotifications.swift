import CSystemd

/// A client of `org.freedesktop.Notifications` (the Desktop Notifications spec) on a bus.
///
/// Every call is asynchronous with a timeout, so a slow or hung server never blocks the
/// loop. Signals are believed only from the name's current owner.
public final class DesktopNotifications {
    public static let name = "org.freedesktop.Notifications"
    static let path = "/org/freedesktop/Notifications"

    public struct Notification {
        public var appName: String
        public var replacesID: UInt32
        public var icon: String
        public var summary: String
        public var body: String
        /// Key and label pairs, sent only when the server has the `actions` capability.
        public var actions: [(String, String)]
        public var hints: [(String, BusMessage.Variant)]
        /// Milliseconds; -1 for the server's default.
        public var timeout: Int32

        public init(appName: String, replacesID: UInt32 = 0, icon: String = "", summary: String, body: String,
                    actions: [(String, String)] = [], hints: [(String, BusMessage.Variant)] = [], timeout: Int32 = -1) {
            self.appName = appName
            self.replacesID = replacesID
            self.icon = icon
            self.summary = summary
            self.body = body
            self.actions = actions
            self.hints = hints
            self.timeout = timeout
        }
    }

    let bus: Bus
    private var slots: [BusSlot] = []
    private var ownerWatch: BusNameWatch?
    /// The unique name that owns `org.freedesktop.Notifications`, nil when none does.
    public var owner: String? { ownerWatch?.owner }
    public private(set) var capabilities: Set<String> = []
    public var onAction: ((UInt32, String) -> Void)?
    public var onClosed: ((UInt32, UInt32) -> Void)?
    /// Runs when a server appears (after its capabilities are known) or goes away.
    public var onOwnerChanged: ((String?) -> Void)?

    public init(bus: Bus) { self.bus = bus }

    /// Subscribes to the signals and finds who owns the name now. Signals are believed
    /// only from that owner, and the owner only from the bus driver (BusNameWatch).
    public func start() throws(SystemError) {
        slots.append(try bus.addMatch("type='signal',interface='\(Self.name)',member='ActionInvoked',path='\(Self.path)'") { [weak self] m in
            guard let self, self.ownerWatch?.isOwner(m) == true,
                  let id = try? m.readUInt32(), let key = try? m.readString() else { return }
            self.onAction?(id, key)
        })
        slots.append(try bus.addMatch("type='signal',interface='\(Self.name)',member='NotificationClosed',path='\(Self.path)'") { [weak self] m in
            guard let self, self.ownerWatch?.isOwner(m) == true,
                  let id = try? m.readUInt32(), let reason = try? m.readUInt32() else { return }
            self.onClosed?(id, reason)
        })
        ownerWatch = try BusNameWatch(bus: bus, name: Self.name) { [weak self] owner in self?.ownerChanged(owner) }
    }

    private func ownerChanged(_ new: String?) {
        capabilities = []
        guard new != nil else { onOwnerChanged?(nil); return }
        do {
            try bus.callAsync(destination: Self.name, path: Self.path, interface: Self.name, member: "GetCapabilities") { [weak self] result in
                guard let self else { return }
                if case .success(let reply) = result, let caps = try? reply.readStrings() { self.capabilities = Set(caps) }
                self.onOwnerChanged?(self.owner)
            }
        } catch {
            onOwnerChanged?(owner)
        }
    }

    /// `text` as plain text for a server with `body-markup`, which reads the body as a
    /// subset of XML: a `<a href=…>` from a plan's title or a CalDAV server's error must
    /// show as those characters, never become a link (the summary is never markup).
    public static func escapeMarkup(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Sends a notification; `completion` gets the server's id for it, or the error. The
    /// body is plain text, escaped for a server that reads markup.
    public func notify(_ n: Notification, completion: @escaping (Result<UInt32, BusError>) -> Void) throws(SystemError) {
        let actions = capabilities.contains("actions") ? n.actions.flatMap { [$0.0, $0.1] } : []
        let body = capabilities.contains("body-markup") ? Self.escapeMarkup(n.body) : n.body
        try bus.callAsync(destination: Self.name, path: Self.path, interface: Self.name, member: "Notify",
                          build: { m throws(SystemError) in
                              try m.append(n.appName)
                              try m.append(n.replacesID)
                              try m.append(n.icon)
                              try m.append(n.summary)
                              try m.append(body)
                              try m.append(strings: actions)
                              try m.append(variants: n.hints)
                              try m.append(n.timeout)
                          }) { result in
            switch result {
            case .success(let reply):
                if let id = try? reply.readUInt32() { completion(.success(id)) } else {
                    completion(.failure(BusError(name: "org.freedesktop.DBus.Error.InvalidSignature", message: "Notify reply")))
                }
            case .failure(let error):
                completion(.failure(error))
            }
        }
    }

    /// Closes a notification this client sent.
    public func close(_ id: UInt32) {
        try? bus.callAsync(destination: Self.name, path: Self.path, interface: Self.name, member: "CloseNotification",
                           build: { m throws(SystemError) in try m.append(id) }) { _ in }
    }
}
