import ArgumentParser
import FoundationEssentials
import Glibc
import PGTrackAPI
import PGTrackCore
import PGTrackViews
import Varlink

struct Agenda: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agenda",
        abstract: "List slots: the next 7 days by default.")

    @OptionGroup var options: GlobalOptions

    @Option(name: .long, help: "Show plan week N.")
    var week: Int?

    @Option(name: .long, help: "Show the next N days.")
    var days: Int?

    @Flag(name: .long, help: "Show every slot of the plan.")
    var all = false

    func validate() throws {
        if [week != nil, days != nil, all].filter({ $0 }).count > 1 { throw ValidationError("use one of --week, --days and --all") }
        if let week, week < 1 { throw ValidationError("--week must be 1 or more") }
        if let days, days < 1 { throw ValidationError("--days must be 1 or more") }
    }

    func run() throws {
        let daemon = try Daemon.connect(options)
        let slots: [API.Slot]
        let zone: Zone
        if let week {
            slots = try daemon.slots(week: week)
            zone = options.json ? .current : try daemon.status().zone
        } else if all {
            // A week at a time if they do not fit in one reply (long notes on many slots).
            let status = try daemon.status()
            slots = try daemon.allSlots(weeks: status.weeks)
            zone = options.json ? .current : status.zone
        } else {
            zone = try daemon.status().zone
            slots = try daemon.slots(on: LocalDate(Date(), in: zone), days: days ?? 7, zone: zone)
        }
        if options.json { return printJSON(.array(slots.map(\.wire))) }
        guard !slots.isEmpty else { return print(try emptyText(daemon)) }
        print(SlotText(zone: zone, style: .current).table(slots), terminator: "")
    }

    /// What an empty agenda says: that the plan is finished, or when it starts and its
    /// first slot, or the next slot after the days asked for.
    func emptyText(_ daemon: Daemon) throws -> String {
        let status = try daemon.status()
        let standing = status.standing
        if let finished = standing.finishedText { return "No slots. The plan is finished: \(finished)." }
        guard let next = status.next else { return "No slots." }
        let line = SlotText(zone: status.zone, style: .current).line(next)
        if standing.week == 0 { return "No slots yet: the plan \(standing.weekText(today: LocalDate(Date(), in: status.zone))). First: \(line)" }
        return "No slots. Next: \(line)"
    }
}
