import ArgumentParser
import FoundationEssentials
import PGTrackAPI
import PGTrackViews
import PGTrackCore
import Varlink

struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Record that you start studying a slot now; done then measures the minutes spent.",
        discussion: "Without SLOT: the running slot if it is open, else today's next open slot, else the next one.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The slot (w03d2, today, next, current).", transform: parseSlot)
    var slot: SlotReference?

    func run() throws {
        let daemon = try Daemon.connect(options)
        let status = try daemon.status()
        let id = try slot.map { try daemon.resolve($0, status: status, verb: "start") } ?? defaultSlot(daemon, status: status)
        let slot = try daemon.change(.start(id))
        if options.json { return printJSON(slot.wire) }
        let zone = status.zone
        let at = slot.startedAt.flatMap { Date(rfc3339: $0) }.map { $0.time(in: zone).description } ?? ""
        print("Started \(id) at \(at) (\(SlotText(zone: zone, style: .plain).when(slot))) · "
              + "\(slot.task?.id ?? "") \(printable(Markdown.plain(slot.task?.title ?? "")))")
        print("`pgtrackctl done` records the minutes from now.")
    }

    /// The slot being studied now, as `done` would take it, but open: the running slot
    /// unless it is done (or spare), else the first open slot of today, else the next.
    func defaultSlot(_ daemon: Daemon, status: API.Overview) throws -> SlotID {
        func open(_ s: API.Slot) -> Bool { s.task != nil && (s.state == .scheduled || s.state == .missed) }
        if let current = status.current, open(current), let id = current.slotID { return id }
        let zone = status.zone
        let now = Date()
        if let today = try daemon.slots(on: LocalDate(now, in: zone), zone: zone).first(where: { open($0) && $0.endDate > now }),
           let id = today.slotID {
            return id
        }
        guard let id = status.next?.slotID else { throw Daemon.fail("no open slot to start, today or to come", status: 1) }
        return id
    }
}
