import ArgumentParser
import FoundationEssentials
import Glibc
import PGTrackAPI
import PGTrackCore
import PGTrackPlatform
import PGTrackViews
import Varlink

struct Feed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed",
        abstract: "Show where the calendar is and how to subscribe to it.",
        discussion: """
        --add-to-evolution writes an Evolution Data Server source for the HTTP feed (or, with \
        --file, the feed file), which GNOME Calendar and Evolution pick up at once; \
        --remove-from-evolution removes it.
        """)

    @OptionGroup var options: GlobalOptions

    @Flag(name: .long, help: "Replace the secret token in the feed's URL; the old URL stops working.")
    var rotateToken = false

    @Flag(name: .long, help: "Add the calendar to GNOME Calendar and Evolution.")
    var addToEvolution = false

    @Flag(name: .long, help: "Remove the calendar from GNOME Calendar and Evolution.")
    var removeFromEvolution = false

    @Flag(name: .long, help: "With --add-to-evolution: the feed file instead of its HTTP URL.")
    var file = false

    func validate() throws {
        if addToEvolution && removeFromEvolution { throw ValidationError("use one of --add-to-evolution and --remove-from-evolution") }
        if file && !addToEvolution { throw ValidationError("--file goes with --add-to-evolution") }
    }

    func run() throws {
        if removeFromEvolution {
            let path = EvolutionSource.path
            if unlink(path) != 0 && errno != ENOENT { throw Daemon.fail("cannot remove \(path): \(String(cString: strerror(errno)))", status: 1) }
            if options.json { return printJSON(["removed": .string(path)]) }
            return print("Removed \(path).")
        }
        let daemon = try Daemon.connect(options)
        let feed = try daemon.decode(API.FeedInfo.self, try daemon.send(.feed(rotateToken: rotateToken)))
        if addToEvolution {
            let status = try daemon.status()
            let text: String
            if file {
                guard let path = feed.file else { throw Daemon.fail("the feed file is off (calendar.file = \"none\")", status: 1) }
                text = EvolutionSource.file(path: path, name: status.plan)
            } else {
                guard let url = feed.url, let source = EvolutionSource.web(url: url, name: status.plan) else {
                    throw Daemon.fail("the HTTP feed is off (http.enabled = false); use --file for the feed file", status: 1)
                }
                text = source
            }
            do {
                try Files.makeFolders(EvolutionSource.folder, mode: 0o700)
                try Files.writeAtomically(Array(text.utf8), to: EvolutionSource.path, mode: 0o600)
            } catch {
                throw Daemon.fail("cannot write \(EvolutionSource.path): \(error)", status: 1)
            }
            if options.json { return printJSON(["source": .string(EvolutionSource.path)]) }
            return print("Added to GNOME Calendar and Evolution: \(EvolutionSource.path)")
        }
        if options.json { return printJSON(feed.wire) }
        print(Feed.text(feed), terminator: "")
    }

    /// Where the calendar is, and one line per client on how to subscribe.
    static func text(_ feed: API.FeedInfo) -> String {
        var out = ""
        if let file = feed.file { out += "Feed file: \(file)\n" }
        if let url = feed.url { out += "Feed URL:  \(url)\n" }
        if let page = feed.page { out += "Progress:  \(page)\n" }
        if let vdir = feed.vdir { out += "vdir:      \(vdir)\n" }
        out += "\nSubscribe:\n"
        if let url = feed.url {
            out += "  GNOME Calendar, Evolution  pgtrackctl feed --add-to-evolution\n"
            out += "  Thunderbird                New Calendar → On the Network → \(url)\n"
            out += "  KOrganizer                 Add Calendar → iCal Calendar File → \(url)\n"
            out += "  khal, vdirsyncer           storage type \"http\", url = \"\(url)\"\n"
            out += "  ICSx5 (a phone)            needs http.listen on the LAN with TLS: see ical/README.md\n"
        } else if let file = feed.file {
            out += "  GNOME Calendar, Evolution  pgtrackctl feed --add-to-evolution --file\n"
            out += "  Thunderbird                New Calendar → On the Network → file://\(file)\n"
            out += "  khal, vdirsyncer           storage type \"singlefile\", path = \"\(file)\"\n"
        }
        if let vdir = feed.vdir { out += "  khal (vdir)                [[pgtrack]] path = \(vdir)\n" }
        return out
    }
}

/// An Evolution Data Server source: a key file in `$XDG_CONFIG_HOME/evolution/sources/`,
/// which evolution-source-registry watches; GNOME Calendar and Evolution show it at once.
enum EvolutionSource {
    static var folder: String {
        let config = environment("XDG_CONFIG_HOME").flatMap { $0.hasPrefix("/") ? $0 : nil } ?? ((environment("HOME") ?? "/") + "/.config")
        return config + "/evolution/sources"
    }

    static var path: String { folder + "/pgtrack.source" }

    /// A read-only webcal calendar at `url` (`http://127.0.0.1:8787/<token>/pgtrack.ics`).
    static func web(url: String, name: String) -> String? {
        let https = url.hasPrefix("https://")
        let rest = url.dropFirst(https ? 8 : 7)
        guard let slash = rest.firstIndex(of: "/"), let colon = rest[..<slash].lastIndex(of: ":"),
              let port = Int(rest[rest.index(after: colon)..<slash]) else { return nil }
        var host = String(rest[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return keyFile(name: name, parent: "webcal-stub", backend: "webcal", rest: """
            [Authentication]
            Host=\(host)
            Method=none
            Port=\(port)
            User=

            [Security]
            Method=\(https ? "tls" : "none")

            [WebDAV Backend]
            ResourcePath=\(rest[slash...])
            ResourceQuery=

            [Offline]
            StaySynchronized=true

            [Refresh]
            Enabled=true
            IntervalMinutes=30

            """)
    }

    /// A read-only local calendar on the feed file.
    static func file(path: String, name: String) -> String {
        let uri = "file://" + path.split(separator: "/", omittingEmptySubsequences: false).map { percentEncoded(String($0)) }.joined(separator: "/")
        return keyFile(name: name, parent: "local-stub", backend: "local", rest: """
            [Local Backend]
            CustomFile=\(uri)
            Writable=false

            """)
    }

    /// The groups every source has, then `rest`.
    static func keyFile(name: String, parent: String, backend: String, rest: String) -> String {
        """
        [Data Source]
        DisplayName=\(keyValue(name))
        Enabled=true
        Parent=\(parent)

        [Calendar]
        BackendName=\(backend)
        Color=#336791
        Selected=true


        """ + rest
    }

    /// A GKeyFile value: control characters replaced, backslashes escaped.
    static func keyValue(_ s: String) -> String {
        printable(s).replacing("\\", with: "\\\\")
    }

    static func percentEncoded(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            let c = Character(Unicode.Scalar(b))
            if b < 0x80, c.isLetter || c.isNumber || "-._~".contains(c) { out.append(c) } else {
                out += "%" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
