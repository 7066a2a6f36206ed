import ArgumentParser
import FoundationEssentials
import PGTrackAPI
import PGTrackViews
import PGTrackCore
import Varlink

struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause the plan for a date range: no study on those days; the tasks slide on.",
        discussion: """
        FROM and TO are dates (YYYY-MM-DD, today, tomorrow), inclusive; TO defaults to FROM. \
        --week N pauses plan week N. Done slots stay done. 'undo' reverts a pause, 'resume' \
        ends one from today.
        """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The first day.")
    var from: String?

    @Argument(help: "The last day (default: FROM).")
    var to: String?

    @Option(name: .long, help: "Pause plan week N instead of a date range.")
    var week: Int?

    @Option(name: .long, help: "Why (kept in the ledger and shown in the calendar).")
    var reason: String?

    func validate() throws {
        if week != nil, from != nil { throw ValidationError("give either FROM [TO] or --week") }
        if week == nil, from == nil { throw ValidationError("give FROM [TO] or --week N") }
        if let week, week < 1 { throw ValidationError("--week starts at 1") }
        if let reason { do { _ = try ScheduleInput.skipReason(reason) } catch { throw ValidationError(error.description) } }
    }

    /// `YYYY-MM-DD`, `today` or `tomorrow`, in the plan's zone.
    static func day(_ text: String, zone: Zone) throws -> LocalDate {
        let today = LocalDate(Date(), in: zone)
        switch text.lowercased() {
        case "today": return today
        case "tomorrow": return today.adding(days: 1)
        default:
            guard let d = LocalDate(text) else { throw ValidationError("'\(text)' is not a date such as 2027-03-01, today or tomorrow") }
            return d
        }
    }

    func run() throws {
        let daemon = try Daemon.connect(options)
        let status = try daemon.status()
        let first: LocalDate, last: LocalDate
        if let week {
            guard let start = LocalDate(status.start) else { throw Daemon.fail("unexpected start date '\(status.start)'", status: 1) }
            first = start.adding(days: 7 * (week - 1))
            last = first.adding(days: 6)
        } else {
            first = try Self.day(from ?? "", zone: status.zone)
            last = try to.map { try Self.day($0, zone: status.zone) } ?? first
        }
        let reply = try daemon.send(.change(.pause(from: first, to: last, reason: reason)))
        let slots = try daemon.slots(in: reply)
        if options.json { return printJSON(["slots": .array(slots.map(\.wire))]) }
        let paused = slots.filter { $0.state == .paused }.map(\.id)
        print("Paused \(first == last ? first.description : "\(first) to \(last)")"
              + (paused.isEmpty ? " (no study slot on those days)." : ": \(paused.joined(separator: ", ")). Their tasks moved on."))
    }
}

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "End the pause in effect from today on.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let daemon = try Daemon.connect(options)
        let reply = try daemon.send(.change(.resume))
        let slots = try daemon.slots(in: reply)
        if options.json { return printJSON(["slots": .array(slots.map(\.wire))]) }
        print("Resumed" + (slots.isEmpty ? "." : ": \(slots.map(\.id).joined(separator: ", ")) are study slots again."))
    }
}
