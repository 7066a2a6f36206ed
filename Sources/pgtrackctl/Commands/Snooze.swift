import ArgumentParser
import FoundationEssentials
import Glibc
import PGTrackAPI
import PGTrackViews
import PGTrackCore
import Varlink

struct Snooze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snooze",
        abstract: "Delay the current slot's next reminder.",
        discussion: "Applies to the running slot, else the next one if it starts within the hour.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "How long, such as 10m or 1h.", transform: { text in
        guard let span = Span(text), span.seconds > 0 else { throw ValidationError("'\(text)' is not a duration such as 10m or 1h") }
        return span
    })
    var duration: Span = .minutes(10)

    func run() throws {
        let daemon = try Daemon.connect(options)
        let status = try daemon.status()
        let zone = status.zone
        let now = Date()
        let text = SlotText(zone: zone, style: .plain)
        // Only a slot that is running or starts within the hour: a reminder snoozed for a
        // slot days away would be a surprise ("Snoozed w01d2 until 11:20" four days early).
        guard let target = status.current ?? status.next.flatMap({ $0.startDate.timeIntervalSince(now) <= 3600 ? $0 : nil }) else {
            let next = status.next.map { "; the next is \($0.id) on \(text.when($0))" } ?? ""
            throw Daemon.fail("nothing to snooze: no slot is running or starts within the hour\(next)", status: 1)
        }
        let until = now.addingTimeInterval(duration.timeInterval)
        guard let id = target.slotID else { throw daemon.unexpectedReply("slot id '\(printable(target.id))'") }
        let slot = try daemon.change(.snooze(id, until: until))
        if options.json { return printJSON(slot.wire) }
        print("Snoozed \(target.id) (\(text.when(target))): no reminder before \(until.time(in: zone)).")
    }
}
