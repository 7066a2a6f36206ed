import ArgumentParser
import FoundationEssentials
import Glibc
import PGTrackAPI
import PGTrackViews
import PGTrackCore
import PGTrackPlatform
import SystemPackage
import Varlink

struct Plans: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plans",
        abstract: "List the plan instances: config files and live sockets, with their status line.")

    @Flag(name: .long, help: "Print one JSON document on stdout instead of text.")
    var json = false

    /// One instance: its name (nil for the default plan) and where its files are.
    struct Instance {
        var name: String?
        var paths: Paths
        var summary: String?
    }

    /// The instances whose config file or socket exists: `pgtrack.toml` and `control.sock`
    /// for the default plan, `NAME.toml` and `NAME.sock` for the others.
    static func find() -> [Instance] {
        let defaults = Daemon.paths(plan: nil)
        var names = Set<String?>()
        for (folder, suffix) in [(FilePath(defaults.configFile).removingLastComponent().string, ".toml"),
                                 (FilePath(defaults.controlSocket).removingLastComponent().string, ".sock")] {
            for file in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where file.hasSuffix(suffix) {
                let name = String(file.dropLast(suffix.count))
                if name == "pgtrack" || name == "control" { names.insert(nil) } else if Paths.planNameProblem(name) == nil { names.insert(name) }
            }
        }
        return names.sorted { ($0 ?? "") < ($1 ?? "") }.map { name in
            let paths = Daemon.paths(plan: name)
            var summary: String?
            // A short timeout: a wedged instance must not hold up the list.
            if let client = try? VarlinkClient(path: paths.controlSocket, timeout: 2), (try? client.peer())?.uid == geteuid(),
               let reply = try? client.call(.status), let status = try? API.Overview(wire: reply["status"] ?? .null) {
                summary = status.summary
            }
            return Instance(name: name, paths: paths, summary: summary)
        }
    }

    func run() throws {
        let instances = Self.find()
        if json {
            return printJSON(.array(instances.map { i in
                .object([("plan", i.name.map(JSON.string) ?? .null), ("config", .string(i.paths.configFile)),
                         ("socket", .string(i.paths.controlSocket)), ("running", .bool(i.summary != nil)),
                         ("summary", i.summary.map(JSON.string) ?? .null)])
            }))
        }
        var table = TextTable(header: ["PLAN", "STATE", "STATUS"])
        for i in instances {
            table.add([i.name ?? "(default)", i.summary == nil ? "stopped" : "running", printable(i.summary ?? "-")])
        }
        print(table.render(headerStyle: Style.current.bold), terminator: "")
    }
}
