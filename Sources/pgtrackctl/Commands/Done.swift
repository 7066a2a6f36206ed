import ArgumentParser
import PGTrackAPI
import PGTrackCore
import PGTrackViews
import Varlink

struct Done: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "done",
        abstract: "Mark a slot's task done.",
        discussion: """
        Without SLOT: the running slot, else today's slot. The minutes spent are measured \
        from `pgtrackctl start` on the slot (at most four times its length) unless --minutes gives them.
        """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The slot (w03d2, today, next, current).", transform: parseSlot)
    var slot: SlotReference?

    @Option(name: .long, help: "What you learned (kept in the ledger, shown in the journal, the calendar and the page).")
    var note: String?

    @Option(name: .long, help: "The minutes you spent (0 to 1440).")
    var minutes: Int?

    func validate() throws {
        // The daemon's own rules, checked before anything is sent.
        if let note { do { _ = try ScheduleInput.studyNote(note) } catch { throw ValidationError(error.description) } }
        if let minutes { do { _ = try ScheduleInput.minutesSpent(minutes) } catch { throw ValidationError(error.description) } }
    }

    func run() throws {
        let daemon = try Daemon.connect(options)
        let status = try daemon.status()
        let id = try slot.map { try daemon.resolve($0, status: status, verb: "done") } ?? daemon.defaultSlot(status: status, fallback: .today, verb: "done")
        let slot = try daemon.change(.complete(id, note: note, minutes: minutes))
        if options.json { return printJSON(slot.wire) }
        var line = "Done: \(id) · \(slot.task?.id ?? "") \(printable(Markdown.plain(slot.task?.title ?? "")))"
        if let spent = slot.minutesSpent { line += " · \(spent) min" + (minutes == nil ? " since the start" : "") }
        print(line)
    }
}

struct Undone: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undone",
        abstract: "Mark a done slot's task open again.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The slot (w03d2, today, next, current).", transform: parseSlot)
    var slot: SlotReference

    func run() throws {
        let daemon = try Daemon.connect(options)
        let status = try daemon.status()
        let id = try daemon.resolve(slot, status: status)
        // The daemon's "w01d1 is not done" alone leaves a newcomer guessing: say what it is.
        let current = try daemon.slot(id)
        if current.state != .done {
            throw Daemon.fail("\(id) is not done: it is \(current.state.rawValue), \(SlotText(zone: status.zone, style: .plain).when(current)); "
                              + "nothing to reopen (`pgtrackctl done \(id)` marks it done)", status: 1)
        }
        let slot = try daemon.change(.reopen(id))
        if options.json { return printJSON(slot.wire) }
        print("Reopened \(id).")
    }
}
