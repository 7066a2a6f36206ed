import ArgumentParser
import FoundationEssentials
import Glibc
import PGTrackCore
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
        var parameters: JSON = [:]
        var zone = Zone.current
        if let week {
            parameters = ["week": .int(Int64(week))]
        } else if !all {
            let status = try daemon.status()
            zone = daemon.zone(status)
            let today = LocalDate(Date(), in: zone)
            let from = zone.instant(today, TimeOfDay(hour: 0, minute: 0))
            let to = zone.instant(today.adding(days: days ?? 7), TimeOfDay(hour: 0, minute: 0))
            parameters = ["from": .string(from.rfc3339(in: zone)), "to": .string(to.rfc3339(in: zone))]
        }
        let slots = try daemon.call("ListSlots", parameters)["slots"]?.array ?? []
        if options.json { return printJSON(.array(slots)) }
        if week != nil || all { zone = daemon.zone(try daemon.status()) }
        guard !slots.isEmpty else { return print("No slots.") }
        print(SlotText(zone: zone, style: .current).table(slots))
    }
}
