import ArgumentParser
import FoundationEssentials
import Glibc
import PGTrackCore
import Varlink

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the current stage and week, progress, the next slot, and the projected finish.")

    @OptionGroup var options: GlobalOptions

    func run() throws { try Status.show(json: options.json, socket: options.socket) }

    /// What `status` prints; also run directly by `main` for the argument lists a status
    /// bar or prompt polls with (see `PGTrackCtl.main`).
    static func show(json: Bool, socket: String?) throws {
        let daemon = try Daemon.connect(socket: socket)
        let status = try daemon.status()
        if json { return printJSON(status) }
        let style = Style.current
        let zone = daemon.zone(status)
        let text = SlotText(zone: zone, style: style)
        let done = status["done"]?.int ?? 0, total = max(1, status["total"]?.int ?? 1)
        var rows: [(String, String)] = [
            ("Stage", status["stage"]?.string ?? ""),
            ("Week", "\(status["week"]?.int ?? 1) · started \(status["start"]?.string ?? "?")"),
            ("Progress", "\(done)/\(total) tasks (\(done * 100 / total)%)"),
        ]
        if let current = status["current"], !current.isNull { rows.append(("Now", text.line(current))) }
        if let next = status["next"], !next.isNull { rows.append(("Next", text.line(next))) }
        let behind = status["behind"]?.int ?? 0
        rows.append(("Behind", behind == 0 ? "on track" : style.yellow("\(behind) slot\(behind == 1 ? "" : "s") behind the original plan")))
        if let finish = status["finish"]?.string.flatMap({ Date(rfc3339: $0) }) {
            let day = LocalDate(finish, in: zone)
            rows.append(("Finish", "\(day.weekday.shortName.capitalized) \(day) (projected)"))
        }
        rows.append(("Reminders", status["notifications"]?.string ?? "?"))
        rows.append(("Time zone", zone.identifier))
        print("\(style.green("●")) \(style.bold(status["plan"]?.string ?? "pgtrack"))")
        let width = rows.map(\.0.count).max() ?? 0
        for (label, value) in rows {
            print(String(repeating: " ", count: width - label.count + 4) + "\(label): \(value)")
        }
    }
}
