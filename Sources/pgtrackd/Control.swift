import FoundationEssentials
import Glibc
import PGTrackAPI
import PGTrackCore
import Varlink
import VarlinkServer

/// `io.pgtrack.Tracker` on the control socket: reads each call, answers it through the
/// API layer (`TrackerService`), and keeps the `Monitor` streams.
final class Control {
    unowned let manager: Manager
    var service: TrackerService { manager.service }
    private var monitors: [ObjectIdentifier: ReplyChannel] = [:]

    init(manager: Manager) {
        self.manager = manager
    }

    func handle(_ call: Call, _ channel: ReplyChannel) {
        let now = Date()
        do {
            switch try Request(method: call.name, parameters: call.parameters) {
            case .change(let change):
                // Recorded, then answered, then the files, timers and monitors follow.
                let changed = try service.apply(change, now: now)
                channel.reply(changed.reply)
                manager.changed(changed.event)
            case .sync:
                channel.answerLater()
                service.sync { result in
                    switch result {
                    case .success(let reply): channel.reply(reply)
                    case .failure(let error): channel.fail(error)
                    }
                }
            case .monitor:
                guard call.more else { throw VarlinkError("org.varlink.service.ExpectedMore") }
                let key = ObjectIdentifier(channel)
                monitors[key] = channel
                channel.onClose = { [weak self] in self?.monitors[key] = nil }
                channel.reply(service.event(kind: "subscribed", slot: nil, now: now).wire, continues: true)
            case let request:
                channel.reply(try service.answer(request, now: now))
            }
        } catch {
            if let storage = error as? StorageError { manager.log.error("cannot record a change: \(storage)") }
            channel.fail(API.error(error))
        }
    }

    /// Tells every monitor about a change.
    func broadcast(kind: String, slot: SlotID?, now: Date) {
        guard !monitors.isEmpty else { return }
        let event = service.event(kind: kind, slot: slot, now: now).wire
        for channel in monitors.values { channel.reply(event, continues: true) }
    }
}
