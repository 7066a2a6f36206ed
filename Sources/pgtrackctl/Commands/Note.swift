import ArgumentParser
import FoundationEssentials
import Glibc
import PGTrackAPI
import PGTrackViews
import PGTrackCore
import SystemPackage
import Varlink

struct Note: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "note",
        abstract: "Add, replace or remove a slot's study note.",
        discussion: """
        The note is plain text, line breaks kept, at most 4096 bytes. TEXT `-` reads it from \
        standard input. --edit opens $VISUAL or $EDITOR (else vi) on the current note: an empty \
        file, or an editor that fails, changes nothing.
        """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The slot (w03d2, today, next, current).", transform: parseSlot)
    var slot: SlotReference

    @Argument(help: "The note; - reads it from standard input.")
    var text: String?

    @Flag(name: .long, help: "Edit the current note in your editor.")
    var edit = false

    @Flag(name: .long, help: "Remove the note.")
    var clear = false

    func validate() throws {
        if [text != nil, edit, clear].filter({ $0 }).count != 1 { throw ValidationError("give TEXT, --edit or --clear (one of them)") }
        if let text, text != "-" { _ = try Self.clean(text) }
    }

    /// The daemon's own rule, checked before anything is sent; an empty note is refused.
    static func clean(_ text: String) throws -> String {
        let note: String
        do { note = try ScheduleInput.studyNote(text) } catch { throw ValidationError(error.description) }
        if note.isEmpty { throw ValidationError("the note is empty (--clear removes a note)") }
        return note
    }

    func run() throws {
        let daemon = try Daemon.connect(options)
        let status = try daemon.status()
        let id = try daemon.resolve(slot, status: status, verb: "note")
        let before = try daemon.slot(id).studyNote
        let note: String
        if clear {
            guard before != nil else { throw Daemon.fail("\(id) has no note; nothing to remove", status: 1) }
            note = ""
        } else if edit {
            let edited = try Editor.edit(before ?? "", name: "note-\(id)")
            // As git commit: an empty message aborts. An unchanged one changes nothing either.
            let cleaned: String
            do { cleaned = try ScheduleInput.studyNote(edited) } catch { throw Daemon.fail("\(error); nothing changed", status: 1) }
            if cleaned.isEmpty { throw Daemon.fail("the note is empty; nothing changed (--clear removes a note)", status: 1) }
            if cleaned == before {
                if options.json { return printJSON(try daemon.slot(id).wire) }
                return print("The note of \(id) is unchanged.")
            }
            note = cleaned
        } else if text == "-" {
            note = try readStandardInput()
        } else {
            note = text ?? ""
        }
        // After an editor the connection may have idled out: ask on a fresh one.
        let after = try (edit ? Daemon.connect(options) : daemon).change(.note(id, text: note))
        if options.json { return printJSON(after.wire) }
        print(clear ? "Removed the note of \(id)." : before == nil ? "Noted \(id)." : "Replaced the note of \(id).")
    }

    /// Standard input, at most 1 MiB (the daemon takes 4 KiB of it).
    func readStandardInput() throws -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try FileDescriptor.standardInput.read(into: $0, retryOnInterrupt: true) }
            if n == 0 { break }
            bytes += buffer[..<n]
            if bytes.count > 1 << 20 { throw Daemon.fail("the note on standard input is longer than 1 MiB", status: 64) }
        }
        // Not decoded with replacements: a note in another encoding would be sent mangled.
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Daemon.fail("the note on standard input is not UTF-8 text; nothing changed", status: 64)
        }
        return try Self.clean(text)
    }
}
