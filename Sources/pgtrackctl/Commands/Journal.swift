import ArgumentParser
import FoundationEssentials
import PGTrackAPI
import PGTrackCore
import PGTrackViews
import Varlink

struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Show the learning log: by week, each session's minutes planned and spent and its note; totals per stage.",
        discussion: "A session is a done slot; a slot with a note is shown too. --json is --format json.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, markdown, json
    }

    @OptionGroup var options: GlobalOptions

    @Option(name: .long, help: "Only plan week N.")
    var week: Int?

    @Option(name: .long, help: "Only the tasks of stage N.")
    var stage: Int?

    @Option(name: .long, help: "text, markdown or json.")
    var format: Format = .text

    func validate() throws {
        if week != nil, stage != nil { throw ValidationError("use one of --week and --stage") }
        if let week, week < 1 { throw ValidationError("--week must be 1 or more") }
        if let stage, stage < 1 { throw ValidationError("--stage must be 1 or more") }
    }

    func run() throws {
        let daemon = try Daemon.connect(options)
        let status = try daemon.status()
        if let stage, !status.stages.contains(where: { $0.number == stage }) {
            throw Daemon.fail("no stage \(stage): the plan has stages 1 to \(status.stages.count)", status: 1)
        }
        let slots = try week.map { try daemon.slots(week: $0) } ?? daemon.allSlots(weeks: status.weeks)
        let journal = Journal(slots: slots, stages: status.stages, start: LocalDate(status.start) ?? LocalDate(Date(), in: status.zone),
                              zone: status.zone, week: week, stage: stage)
        switch options.json ? .json : format {
        case .json: printJSON(journal.json)
        case .markdown: print(journal.markdown(), terminator: "")
        case .text: print(journal.text(style: .current), terminator: "")
        }
    }
}
