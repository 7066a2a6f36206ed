import CSystemd
import Glibc
import SystemPackage

/// A D-Bus connection (`sd_bus`), attached to an event loop. Unreferenced in `deinit`.
public final class Bus {
    let pointer: OpaquePointer

    /// Which bus to connect to.
    public enum Kind: Sendable {
        /// The user's session bus (`$DBUS_SESSION_BUS_ADDRESS`, else `$XDG_RUNTIME_DIR/bus`).
        case user
        /// The system bus, where logind lives.
        case system
    }

    /// Connects and attaches the connection to `loop`.
    public init(_ kind: Kind, loop: EventLoop) throws(SystemError) {
        var b: OpaquePointer?
        switch kind {
        case .user: try check(sd_bus_open_user(&b), "sd_bus_open_user")
        case .system: try check(sd_bus_open_system(&b), "sd_bus_open_system")
        }
        guard let b else { throw SystemError("sd_bus_open", .noSuchFileOrDirectory) }
        pointer = b
        // A lost bus is noticed through the Disconnected signal; the process stays up.
        sd_bus_set_exit_on_disconnect(b, 0)
        do {
            try check(sd_bus_attach_event(b, loop.pointer, 0), "sd_bus_attach_event")
        } catch {
            sd_bus_flush_close_unref(b)
            throw error
        }
    }

    deinit {
        sd_bus_detach_event(pointer)
        sd_bus_flush_close_unref(pointer)
    }

    /// Calls a method without blocking; `reply` runs on the loop with the reply or the
    /// error (a timeout included). The message is built by `build`.
    public func callAsync(destination: String, path: String, interface: String, member: String,
                          timeout: Microseconds = .seconds(5),
                          build: (BusMessage) throws(SystemError) -> Void = { _ throws(SystemError) in },
                          reply: @escaping (Result<BusMessage, BusError>) -> Void) throws(SystemError) {
        var m: OpaquePointer?
        try check(sd_bus_message_new_method_call(pointer, &m, destination, path, interface, member), "sd_bus_message_new_method_call")
        guard let m else { throw SystemError("sd_bus_message_new_method_call", .noSuchFileOrDirectory) }
        let message = BusMessage(owned: m)
        try build(message)
        let box = BusHandlerBox { m in
            if let error = BusError(message: m) { reply(.failure(error)) } else { reply(.success(BusMessage(borrowed: m))) }
        }
        let userdata = Unmanaged.passRetained(box).toOpaque()
        var slot: OpaquePointer?
        let r = sd_bus_call_async(pointer, &slot, m, busHandlerTrampoline, userdata, timeout.rawValue)
        guard r >= 0, let slot else {
            Unmanaged<BusHandlerBox>.fromOpaque(userdata).release()
            throw SystemError("sd_bus_call_async \(interface).\(member)", Errno(rawValue: r < 0 ? -r : ENOMEM))
        }
        // A floating slot belongs to the bus and is freed after the reply; it releases the box.
        sd_bus_slot_set_destroy_callback(slot, busDestroyTrampoline)
        sd_bus_slot_set_userdata(slot, userdata)
        sd_bus_slot_set_floating(slot, 1)
        sd_bus_slot_unref(slot)
    }

    /// Subscribes to messages matching `rule` for as long as the returned slot is kept:
    /// dropping it unsubscribes (the handler's box is released by the slot's destroy callback).
    public func addMatch(_ rule: String, handler: @escaping (BusMessage) -> Void) throws(SystemError) -> BusSlot {
        let box = BusHandlerBox { m in handler(BusMessage(borrowed: m)) }
        let userdata = Unmanaged.passRetained(box).toOpaque()
        var slot: OpaquePointer?
        let r = sd_bus_add_match_async(pointer, &slot, rule, busHandlerTrampoline, nil, userdata)
        guard r >= 0, let slot else {
            Unmanaged<BusHandlerBox>.fromOpaque(userdata).release()
            throw SystemError("sd_bus_add_match_async", Errno(rawValue: r < 0 ? -r : ENOMEM))
        }
        sd_bus_slot_set_destroy_callback(slot, busDestroyTrampoline)
        return BusSlot(slot)
    }
}

/// Handlers for C: one Swift closure, retained through userdata.
final class BusHandlerBox {
    let handler: (OpaquePointer) -> Void
    init(_ handler: @escaping (OpaquePointer) -> Void) { self.handler = handler }
}

private let busHandlerTrampoline: sd_bus_message_handler_t = { m, userdata, _ in
    guard let m, let userdata else { return 0 }
    Unmanaged<BusHandlerBox>.fromOpaque(userdata).takeUnretainedValue().handler(m)
    return 0
}

private let busDestroyTrampoline: sd_bus_destroy_t = { userdata in
    if let userdata { Unmanaged<BusHandlerBox>.fromOpaque(userdata).release() }
}

/// A match or call registration; dropping it unregisters.
public final class BusSlot {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { sd_bus_slot_unref(pointer) }
}

/// An error reply (or a failed call: timeout, no such service).
public struct BusError: Error, Equatable, CustomStringConvertible {
    public var name: String
    public var message: String

    public init(name: String, message: String) {
        self.name = name
        self.message = message
    }

    init?(message m: OpaquePointer) {
        guard let e = sd_bus_message_get_error(m), sd_bus_error_is_set(e) != 0 else { return nil }
        name = e.pointee.name.map { String(cString: $0) } ?? "unknown"
        message = e.pointee.message.map { String(cString: $0) } ?? ""
    }

    public var description: String { message.isEmpty ? name : "\(name): \(message)" }

    /// The name has no owner: no notification server is running.
    public var isServiceUnknown: Bool { name == "org.freedesktop.DBus.Error.ServiceUnknown" }
}

/// A D-Bus message: built with typed appends (no variadic C calls) or read field by field.
public final class BusMessage {
    let pointer: OpaquePointer
    private let owned: Bool

    init(owned: OpaquePointer) {
        pointer = owned
        self.owned = true
    }

    /// A message sd-bus owns for the duration of a callback; referenced while kept.
    init(borrowed: OpaquePointer) {
        pointer = borrowed
        owned = true
        sd_bus_message_ref(borrowed)
    }

    deinit { if owned { sd_bus_message_unref(pointer) } }

    public var sender: String? { sd_bus_message_get_sender(pointer).map { String(cString: $0) } }

    // MARK: - Appending

    public func append(_ s: String) throws(SystemError) {
        let r = s.withCString { p in sd_bus_message_append_basic(pointer, CChar(UInt8(ascii: "s")), p) }
        try check(r, "append s")
    }

    public func append(_ v: UInt32) throws(SystemError) {
        var v = v
        try check(sd_bus_message_append_basic(pointer, CChar(UInt8(ascii: "u")), &v), "append u")
    }

    public func append(_ v: Int32) throws(SystemError) {
        var v = v
        try check(sd_bus_message_append_basic(pointer, CChar(UInt8(ascii: "i")), &v), "append i")
    }

    public func append(byte v: UInt8) throws(SystemError) {
        var v = v
        try check(sd_bus_message_append_basic(pointer, CChar(UInt8(ascii: "y")), &v), "append y")
    }

    public func append(bool v: Bool) throws(SystemError) {
        var v: Int32 = v ? 1 : 0
        try check(sd_bus_message_append_basic(pointer, CChar(UInt8(ascii: "b")), &v), "append b")
    }

    /// `as`
    public func append(strings: [String]) throws(SystemError) {
        try container(CChar(UInt8(ascii: "a")), "s") { () throws(SystemError) in
            for s in strings { try append(s) }
        }
    }

    /// A value for an `a{sv}` dictionary.
    public enum Variant {
        case string(String)
        case byte(UInt8)
        case bool(Bool)
        case int32(Int32)
    }

    /// `a{sv}`
    public func append(variants: [(String, Variant)]) throws(SystemError) {
        try container(CChar(UInt8(ascii: "a")), "{sv}") { () throws(SystemError) in
            for (key, value) in variants {
                try container(CChar(UInt8(ascii: "e")), "sv") { () throws(SystemError) in
                    try append(key)
                    switch value {
                    case .string(let s): try container(CChar(UInt8(ascii: "v")), "s") { () throws(SystemError) in try append(s) }
                    case .byte(let b): try container(CChar(UInt8(ascii: "v")), "y") { () throws(SystemError) in try append(byte: b) }
                    case .bool(let b): try container(CChar(UInt8(ascii: "v")), "b") { () throws(SystemError) in try append(bool: b) }
                    case .int32(let i): try container(CChar(UInt8(ascii: "v")), "i") { () throws(SystemError) in try append(i) }
                    }
                }
            }
        }
    }

    private func container(_ type: CChar, _ contents: String, _ body: () throws(SystemError) -> Void) throws(SystemError) {
        try check(sd_bus_message_open_container(pointer, type, contents), "open container \(contents)")
        try body()
        try check(sd_bus_message_close_container(pointer), "close container \(contents)")
    }

    // MARK: - Reading

    public func readUInt32() throws(SystemError) -> UInt32 {
        var v: UInt32 = 0
        try check(sd_bus_message_read_basic(pointer, CChar(UInt8(ascii: "u")), &v), "read u")
        return v
    }

    public func readString() throws(SystemError) -> String {
        var p: UnsafePointer<CChar>?
        try check(sd_bus_message_read_basic(pointer, CChar(UInt8(ascii: "s")), &p), "read s")
        return p.map { String(cString: $0) } ?? ""
    }

    public func readBool() throws(SystemError) -> Bool {
        var v: Int32 = 0
        try check(sd_bus_message_read_basic(pointer, CChar(UInt8(ascii: "b")), &v), "read b")
        return v != 0
    }

    /// `as`
    public func readStrings() throws(SystemError) -> [String] {
        var list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        try check(sd_bus_message_read_strv(pointer, &list), "read as")
        defer {
            if let list {
                var i = 0
                while let s = list[i] { free(s); i += 1 }
                free(list)
            }
        }
        var out: [String] = []
        var i = 0
        while let s = list?[i] { out.append(String(cString: s)); i += 1 }
        return out
    }
}
