import FoundationEssentials
import Glibc
import Logging
import PGTrackAPI
import PGTrackViews
import PGTrackCore
import Varlink
import VarlinkServer

/// `io.pgtrack.Tracker` on the control socket, a source and an output: each call is read
/// as a typed `Request` by the API; a change is submitted through the door and answered
/// with its outcome, every other call is answered by the API's `TrackerService`; and the
/// `Monitor` streams follow the outcomes.
final class Control: Output {
    private unowned let door: Door
    private let service: TrackerService
    private var monitors: [ObjectIdentifier: ReplyChannel] = [:]

    init(door: Door, service: TrackerService) {
        self.door = door
        self.service = service
    }

    func handle(_ call: Call, _ channel: ReplyChannel) {
        let now = Date()
        do {
            switch try Request(method: call.name, parameters: call.parameters) {
            case .change(let change):
                // Recorded, then answered, then the files, timers and monitors follow.
                door.submit(.change(change, origin: .control), now: now) { [service] outcome in
                    if let event = outcome.event {
                        channel.reply(service.reply(to: change, event: event, now: now))
                    } else {
                        channel.fail(API.error(outcome.refused ?? StorageError("not recorded")))
                    }
                }
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
            channel.fail(API.error(error))
        }
    }

    /// Tells every monitor what changed.
    func follow(_ outcome: Outcome) {
        guard let (kind, slot) = outcome.monitor, !monitors.isEmpty else { return }
        let event = service.event(kind: kind, slot: slot, now: outcome.now).wire
        for channel in monitors.values { channel.reply(event, continues: true) }
    }
}
