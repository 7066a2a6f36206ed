import ArgumentParser
import FoundationEssentials
import Glibc
import PGTrackCore
import PGTrackPlatform
import Varlink

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the schedule as iCalendar, JSON, a Markdown checklist with the learning log, or the progress page (HTML).")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case ics, json, markdown, html
    }

    @OptionGroup var options: GlobalOptions

    @Option(name: .long, help: "ics, json, markdown or html.")
    var format: Format = .ics

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
    var output: String?

    func run() throws {
        let daemon = try Daemon.connect(options)
        let content = try daemon.send(.export(format: format.rawValue))["content"]?.string ?? ""
        if let output {
            do {
                // Like a shell redirection: the umask decides who may read it.
                let mask = umask(0o022)
                umask(mask)
                try Files.writeAtomically(Array(content.utf8), to: output, mode: 0o644 & ~mask)
            } catch {
                throw Daemon.fail("cannot write \(output): \(error)", status: 1)
            }
            if options.json { printJSON(["file": .string(output), "bytes": .int(Int64(content.utf8.count))]) }
        } else if options.json, format != .json {
            printJSON(["format": .string(format.rawValue), "content": .string(content)])
        } else {
            writeOut(content)
        }
    }
}
