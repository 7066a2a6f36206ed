import CSystemd

/// Who owns a well-known bus name, kept current: asked once (GetNameOwner), then
/// followed through `NameOwnerChanged`, believed only from the bus driver itself.
///
/// Any peer can send a unicast signal that matches a `NameOwnerChanged` rule; a client
/// that believed it would take that peer for the name's owner and obey its signals
/// (a forged `ActionInvoked` marking slots done, a forged `PrepareForSleep`).
public final class BusNameWatch {
    public let name: String
    /// The unique name (`:1.42`) that owns `name`; nil while nobody does.
    public private(set) var owner: String?
    private let bus: Bus
    private var match: BusSlot?
    private let changed: (String?) -> Void

    static let driver = "org.freedesktop.DBus"

    /// Starts watching; `changed` runs with the owner when it is first known and on
    /// every change after that.
    public init(bus: Bus, name: String, changed: @escaping (String?) -> Void) throws(SystemError) {
        self.bus = bus
        self.name = name
        self.changed = changed
        match = try bus.addMatch(
            "type='signal',sender='\(Self.driver)',interface='\(Self.driver)',member='NameOwnerChanged',arg0='\(name)'"
        ) { [weak self] m in
            guard let self, m.sender == Self.driver, (try? m.readString()) == name, (try? m.readString()) != nil,
                  let new = try? m.readString() else { return }
            self.update(new.isEmpty ? nil : new)
        }
        try bus.callAsync(destination: Self.driver, path: "/org/freedesktop/DBus", interface: Self.driver, member: "GetNameOwner",
                          build: { m throws(SystemError) in try m.append(name) }) { [weak self] result in
            guard let self else { return }
            if case .success(let reply) = result, let owner = try? reply.readString() { self.update(owner) } else { self.update(nil) }
        }
    }

    private func update(_ new: String?) {
        owner = new
        changed(new)
    }

    /// Whether a message comes from the name's current owner.
    public func isOwner(_ message: BusMessage) -> Bool { owner != nil && message.sender == owner }
}
