import FoundationEssentials
import Glibc
import Logging
import PGTrackCore
import Systemd
import SystemPackage

/// Desktop reminders over the user's session bus: sends what the reminder policy says
/// is due, records each one in the ledger once the server took it, and turns the
/// bubbles' actions into changes.
///
/// With no bus or no notification server the daemon keeps running: it says so once,
/// waits (for the server's NameOwnerChanged, or retries the bus with a backoff), and
/// then delivers what is still relevant; nothing is sent twice.
final class ReminderService: Output {
    /// Shown reminders and the bubbles' buttons are inputs; the engine's settings and
    /// events say what is due.
    private unowned let door: Door
    private let loop: EventLoop
    private let log: Logger
    private var bus: Bus?
    private var notifications: DesktopNotifications?
    private var watches: [BusSlot] = []
    private var systemBus: Bus?
    private var sleepWatch: BusSlot?
    private var reconnect: TimerSource?
    private var reconnectDelay = 2.0
    /// Watches for the session bus socket to appear, so that waiting costs no wake-ups.
    private var busWatch: EventSource?
    private var inFlight: Set<String> = []
    /// One bubble per slot, updated in place through replaces_id.
    private var bubbleOfSlot: [SlotID: UInt32] = [:]
    private var slotOfBubble: [UInt32: SlotID] = [:]
    private var digestBubble: UInt32 = 0
    /// What `status` shows: whether reminders reach a server.
    private(set) var state = "starting"
    private var reported = ""

    init(door: Door, loop: EventLoop, log: Logger) {
        self.door = door
        self.loop = loop
        self.log = log
    }

    private var config: Config { door.engine.config }

    /// A slot done or skipped closes its bubble; then what is due now is sent.
    func follow(_ outcome: Outcome) {
        if let event = outcome.event, let slot = event.slot, event.kind == .done || event.kind == .skip { closeBubble(of: slot) }
        deliver(outcome.schedule, now: outcome.now)
    }

    func start() throws {
        reconnect = try loop.addTimer(.monotonic, at: .infinity, accuracy: .seconds(1), description: "bus-reconnect") {
            [unowned self] _ in self.connect()
        }
        connect()
        watchSleep()
    }

    /// Logs a change of state once, not once per reminder.
    private func setState(_ new: String, level: Logger.Level = .info) {
        state = new
        guard new != reported else { return }
        reported = new
        log.log(level: level, "reminders: \(new)")
    }

    // MARK: - Connections

    /// Follows `reminders.enabled` after a reload: switched on, connects and delivers
    /// what is due; switched off, withdraws the bubbles on screen and leaves the bus.
    func configure() {
        let enabled = config.reminders.enabled
        if enabled, bus == nil, busWatch == nil { return connect() }
        if !enabled, bus != nil || busWatch != nil || reconnect?.isEnabled == true { disconnect() }
        if !enabled { setState("disabled in the config") }
    }

    /// Closes every bubble pgtrack has on screen and drops the bus connection.
    private func disconnect() {
        for id in slotOfBubble.keys { notifications?.close(id) }
        if digestBubble != 0 { notifications?.close(digestBubble) }
        bubbleOfSlot = [:]
        slotOfBubble = [:]
        digestBubble = 0
        watches = []
        notifications = nil
        bus = nil
        busWatch = nil
        inFlight = []
        reconnect?.isEnabled = false
        reconnectDelay = 2
    }

    private func connect() {
        guard config.reminders.enabled else { return setState("disabled in the config") }
        do {
            let bus = try Bus(.user, loop: loop)
            let n = DesktopNotifications(bus: bus)
            n.onOwnerChanged = { [unowned self] owner in self.serverChanged(owner) }
            n.onAction = { [unowned self] id, action in self.action(id, action) }
            n.onClosed = { [unowned self] id, _ in
                if let slot = self.slotOfBubble.removeValue(forKey: id) { self.bubbleOfSlot[slot] = nil }
            }
            try n.start()
            watches = [try bus.addMatch(
                "type='signal',sender='org.freedesktop.DBus.Local',interface='org.freedesktop.DBus.Local',member='Disconnected'"
            ) { [unowned self] _ in self.disconnected() }]
            self.bus = bus
            notifications = n
            reconnectDelay = 2
            setState("connected to the session bus, looking for a notification server")
        } catch {
            setState("no session bus (\(error)), waiting for one", level: .warning)
            scheduleReconnect()
        }
    }

    /// Where the session bus socket will appear: `unix:path=` in the address, else the
    /// default `$XDG_RUNTIME_DIR/bus`. Nil for other transports.
    static func busSocketPath(_ env: [String: String]) -> String? {
        if let address = env["DBUS_SESSION_BUS_ADDRESS"] {
            guard address.hasPrefix("unix:path=") else { return nil }
            return address.dropFirst("unix:path=".count).split(separator: ",").first.map(String.init)
        }
        return env["XDG_RUNTIME_DIR"].map { $0 + "/bus" }
    }

    /// Connects again when the bus can be there: when its socket file appears (an
    /// inotify watch, no wake-ups meanwhile), else after a backoff from 2 s to 5 min.
    private func scheduleReconnect() {
        if busWatch == nil, let path = Self.busSocketPath(ProcessInfo.processInfo.environment) {
            let folder = FilePath(path).removingLastComponent().string, name = FilePath(path).lastComponent?.string ?? ""
            busWatch = try? loop.addInotify(path: folder, mask: UInt32(IN_CREATE | IN_MOVED_TO), description: "bus-socket") {
                [unowned self] _, created in
                guard created == name else { return }
                self.busWatch = nil
                self.connect()
            }
            if busWatch != nil { return }
        }
        try? reconnect?.arm(at: Clock.monotonic.now + .seconds(reconnectDelay))
        reconnectDelay = min(reconnectDelay * 2, 300)
    }

    private func disconnected() {
        // Not inside the dying bus's own callback: drop it on the next loop iteration.
        _ = try? loop.addDefer(description: "bus-drop") { [unowned self] in
            self.watches = []
            self.notifications = nil
            self.bus = nil
            self.inFlight = []
            self.setState("the session bus went away, will reconnect", level: .warning)
            self.scheduleReconnect()
        }
    }

    private func serverChanged(_ owner: String?) {
        // Bubble ids belong to the server that gave them out: a new one (or a name that
        // changed hands) must not have its ids taken for ours.
        bubbleOfSlot = [:]
        slotOfBubble = [:]
        digestBubble = 0
        guard let owner else {
            return setState("no notification server on the session bus; reminders wait for one", level: .warning)
        }
        let actions = notifications?.capabilities.contains("actions") == true ? "with actions" : "without actions"
        setState("delivering to the notification server \(owner) (\(actions))")
        door.submit(.tick(reason: "notification server appeared"))
    }

    /// logind's PrepareForSleep(false) on the system bus says the machine resumed.
    private func watchSleep() {
        do {
            let system = try Bus(.system, loop: loop)
            // Believed only from logind's unique name: any peer can send the signal.
            let logind = try BusNameWatch(bus: system, name: "org.freedesktop.login1") { _ in }
            sleepWatch = try system.addMatch(
                "type='signal',sender='org.freedesktop.login1',interface='org.freedesktop.login1.Manager',member='PrepareForSleep',path='/org/freedesktop/login1'"
            ) { [unowned self, logind] m in
                if logind.isOwner(m), (try? m.readBool()) == false { self.door.submit(.tick(reason: "resume")) }
            }
            systemBus = system
        } catch {
            log.debug("no system bus for logind's PrepareForSleep (\(error)), ignoring; the wall-clock timer still fires on resume")
        }
    }

    // MARK: - Delivery

    /// Sends what is due at `now`.
    func deliver(_ schedule: Schedule, now: Date) {
        let config = config
        guard config.reminders.enabled, let n = notifications, n.owner != nil else { return }
        let batch = Reminders.due(schedule, offsets: config.reminders.at, lateLimit: config.reminders.lateLimit,
                                  fired: Reminders.fired(door.engine.events), now: now)
        let zone = door.engine.zone
        for r in batch.send where !inFlight.contains(r.key) {
            send([r], schedule.reminderText(r, zone: zone), slot: r.slot, via: n)
        }
        for r in batch.late where !inFlight.contains(r.key) {
            send([r], schedule.reminderText(r, zone: zone, late: true), slot: r.slot, via: n)
        }
        let digest = batch.digest.filter { !inFlight.contains($0.key) }
        if !digest.isEmpty { send(digest, schedule.digestText(digest, zone: zone), slot: nil, via: n) }
    }

    /// Sends one bubble at normal urgency (a study reminder is never critical).
    private func send(_ reminders: [Reminder], _ text: (summary: String, body: String), slot: SlotID?, via n: DesktopNotifications) {
        var hints: [(String, BusMessage.Variant)] = [("urgency", .byte(1)), ("category", .string("x-pgtrack.reminder")),
                                                     ("desktop-entry", .string("pgtrack"))]
        if n.capabilities.contains("persistence") { hints.append(("resident", .bool(true))) }
        let replaces = slot.flatMap { bubbleOfSlot[$0] } ?? (slot == nil ? digestBubble : 0)
        let actions = slot == nil ? [] : [("start", "Start"), ("done", "Done"), ("skip", "Skip"), ("snooze", "Snooze 10 min"), ("default", "Details")]
        let notification = DesktopNotifications.Notification(appName: "pgtrack", replacesID: replaces, summary: text.summary,
                                                             body: text.body, actions: actions, hints: hints)
        let keys = reminders.map(\.key)
        inFlight.formUnion(keys)
        do {
            try n.notify(notification) { [unowned self] result in
                self.inFlight.subtract(keys)
                switch result {
                case .success(let id):
                    if let slot {
                        self.bubbleOfSlot[slot] = id
                        self.slotOfBubble[id] = slot
                    } else {
                        self.digestBubble = id
                    }
                    self.recordFired(reminders)
                case .failure(let error):
                    if error.isServiceUnknown {
                        self.setState("no notification server on the session bus; reminders wait for one", level: .warning)
                    } else {
                        self.setState("the notification server refused a reminder (\(error)), will retry", level: .warning)
                    }
                }
            }
        } catch {
            inFlight.subtract(keys)
            setState("cannot send reminders (\(error)), will retry", level: .warning)
        }
    }

    private func recordFired(_ reminders: [Reminder]) {
        let now = Date()
        for r in reminders {
            if let error = door.submit(.reminderShown(r.slot, key: r.key), now: now).refused {
                log.error("cannot record reminder \(r.key): \(error)")
            } else {
                var l = log
                l[metadataKey: "slot"] = "\(r.slot)"
                l.info("reminder \(r.key) delivered")
            }
        }
    }

    /// A one-off notice (a failing sync, a calendar edit the plan refused): no actions,
    /// normal urgency, and only if a notification server is there; otherwise the log
    /// line that goes with it is all.
    func notice(summary: String, body: String, category: String) {
        guard let n = notifications, n.owner != nil else { return }
        let hints: [(String, BusMessage.Variant)] = [("urgency", .byte(1)), ("category", .string(category)),
                                                     ("desktop-entry", .string("pgtrack"))]
        let notification = DesktopNotifications.Notification(appName: "pgtrack", replacesID: 0, summary: summary, body: body,
                                                             actions: [], hints: hints)
        do {
            try n.notify(notification) { [unowned self] result in
                if case .failure(let error) = result { self.log.warning("notice ‘\(summary)’ not shown: \(error)") }
            }
        } catch {
            log.warning("notice ‘\(summary)’ not shown: \(error)")
        }
    }

    /// A slot was done or skipped elsewhere: its bubble has nothing more to say.
    func closeBubble(of slot: SlotID) {
        guard let id = bubbleOfSlot.removeValue(forKey: slot) else { return }
        slotOfBubble[id] = nil
        notifications?.close(id)
    }

    // MARK: - Actions

    private func action(_ id: UInt32, _ key: String) {
        guard let slot = slotOfBubble[id] else { return }
        let change: Change
        switch key {
        case "start": change = .start(slot)
        case "done": change = .complete(slot)
        case "skip": change = .skip(slot, reason: "skipped from a reminder")
        case "snooze": change = .snooze(slot, until: Date().addingTimeInterval(600))
        default:
            log.info("reminder for \(slot) opened")
            return
        }
        if let error = door.submit(.change(change, origin: .reminder)).refused {
            log.warning("reminder action \(key) on \(slot) refused: \(error)")
        }
    }
}
