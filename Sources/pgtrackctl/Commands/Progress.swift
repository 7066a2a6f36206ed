import ArgumentParser
import PGTrackCore
import Varlink

struct Progress: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "progress",
        abstract: "Show progress per stage and a week-by-day grid of every slot.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let daemon = try Daemon.connect(options)
        let status = try daemon.status()
        let slots = try daemon.call("ListSlots")["slots"]?.array ?? []
        if options.json { return printJSON(.obj([("stages", status["stages"] ?? []), ("slots", .array(slots))])) }
        let style = Style.current
        let stages = status["stages"]?.array ?? []
        let width = stages.compactMap { $0["title"]?.string.map { Stage(number: 0, title: $0).plainTitle.count } }.max() ?? 0
        for stage in stages {
            let title = Stage(number: 0, title: stage["title"]?.string ?? "").plainTitle
            let done = Int(stage["done"]?.int ?? 0), total = max(1, Int(stage["total"]?.int ?? 1))
            let filled = done * 20 / total
            let bar = style.green(String(repeating: "█", count: filled)) + style.dim(String(repeating: "░", count: 20 - filled))
            print(title + String(repeating: " ", count: width - title.count + 2) + bar + " \(done)/\(total)")
        }
        print()
        // One row a week, one column a study day.
        let days = max(1, slots.compactMap { $0["day"]?.int }.max().map(Int.init) ?? 5)
        let weeks = slots.compactMap { $0["week"]?.int }.max().map(Int.init) ?? 0
        var cells: [String: String] = [:]
        for slot in slots {
            guard let w = slot["week"]?.int, let d = slot["day"]?.int else { continue }
            cells["\(w).\(d)"] = slot["state"]?.string
        }
        print("Week" + (1...days).map { "  d\($0)" }.joined())
        guard weeks > 0 else { return }
        for w in 1...weeks {
            var line = String(repeating: " ", count: max(0, 4 - String(w).count)) + "\(w)"
            for d in 1...days {
                let symbol: String
                switch cells["\(w).\(d)"] {
                case "done": symbol = style.green("✔")
                case "skipped": symbol = style.dim("✗")
                case "missed": symbol = style.red("!")
                case "catch-up": symbol = style.yellow("○")
                case "scheduled": symbol = "·"
                default: symbol = " "
                }
                line += "   " + symbol
            }
            print(String(line.reversed().drop(while: \.isWhitespace).reversed()))
        }
        print()
        print("✔ done  ✗ skipped  ! missed  · upcoming  ○ catch-up")
    }
}
