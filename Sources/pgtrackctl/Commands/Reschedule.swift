import ArgumentParser
import FoundationEssentials
import Glibc
import PGTrackAPI
import PGTrackViews
import PGTrackCore
import Varlink

struct Reschedule: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reschedule",
        abstract: "Move a slot (and its task) to another time.",
        discussion: """
        WHEN is '2026-12-02 19:00', 'today 18:30', 'tomorrow 18:30', 'fri 07:00' (the next Friday), \
        or an offset from the slot's current start such as '+1d', '+90m' or '-1h', in the plan's time zone.
        """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The slot (w03d2, today, next, current).", transform: parseSlot)
    var slot: SlotReference

    @Argument(parsing: .remaining, help: "The new start.")
    var when: [String]

    func validate() throws {
        guard !when.isEmpty else { throw ValidationError("missing WHEN, e.g. 'tomorrow 18:30' or '+1d'") }
        // Checked again against the slot's start once the daemon is asked; this catches typos first.
        do {
            _ = try TimeExpression.resolve(when.joined(separator: " "), now: Date(), zone: .current, relativeTo: Date())
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let daemon = try Daemon.connect(options)
        let status = try daemon.status()
        let zone = status.zone
        let id = try daemon.resolve(slot, status: status, verb: "reschedule")
        let base = try daemon.slot(id).startDate
        let start = try TimeExpression.resolve(when.joined(separator: " "), now: Date(), zone: zone, relativeTo: base)
        let moved = try daemon.change(.reschedule(id, to: start))
        if options.json { return printJSON(moved.wire) }
        print("Moved \(SlotText(zone: zone, style: .current).line(moved))")
    }
}
