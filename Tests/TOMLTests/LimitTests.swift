import Foundation
import Testing
import TOML

/// What toml++ cannot survive (it recursed per key segment and nesting level) is refused
/// here quickly, with the line, by the limits.
@Suite struct LimitTests {
    static let many = 150_000

    /// Each input is refused with the line and the message, in well under a second in a
    /// debug build on an idle machine (the bound is loose for a busy one; a quadratic
    /// path took minutes).
    @Test(arguments: [
        ("a = 1\n" + Array(repeating: "x", count: many).joined(separator: ".") + " = 1\n", 2, "a key of more than 32 parts"),
        ("a = 1\n[" + Array(repeating: "a", count: many).joined(separator: ".") + "]\n", 2, "a key of more than 32 parts"),
        ("a = 1\n[[" + Array(repeating: "a", count: many).joined(separator: ".") + "]]\n", 2, "a key of more than 32 parts"),
        ("a = 1\n" + Array(repeating: "\"x\"", count: many).joined(separator: ".") + " = 1\n", 2, "a key of more than 32 parts"),
        ("a = 1\n['" + Array(repeating: "a", count: many).joined(separator: "'.'") + "']\n", 2, "a key of more than 32 parts"),
        ("t = { " + Array(repeating: "x", count: many).joined(separator: ".") + " = 1 }\n", 1, "a key of more than 32 parts"),
        ("\n\nx = " + String(repeating: "[", count: 100_000) + "\n", 3, "arrays and inline tables nested more than 32 deep"),
        ("x = " + String(repeating: "{a=", count: 100_000) + "\n", 1, "arrays and inline tables nested more than 32 deep"),
        ("x = " + String(repeating: "[{a=", count: 50_000) + "\n", 1, "arrays and inline tables nested more than 32 deep"),
        ("a = 1\ns = \"" + String(repeating: "x", count: 70_000) + "\"\n", 2, "a string longer than 65536 bytes"),
        ("s = '" + String(repeating: "x", count: 70_000) + "'\n", 1, "a string longer than 65536 bytes"),
        ("s = \"\"\"\n" + String(repeating: "x\n", count: 40_000) + "\"\"\"\n", 1, "a string longer than 65536 bytes"),
        ("s = '''" + String(repeating: "é", count: 40_000) + "'''\n", 1, "a string longer than 65536 bytes"),
        ("\"" + String(repeating: "k", count: 70_000) + "\" = 1\n", 1, "a string longer than 65536 bytes"),
        (String(repeating: "k", count: 70_000) + " = 1\n", 1, "a key longer than 65536 bytes"),
        ("a = [" + String(repeating: "1,", count: 100_001) + "]\n", 1, "more than 100000 values in the document"),
    ] as [(String, Int, String)])
    func refusedQuickly(text: String, line: Int, message: String) {
        let start = ContinuousClock.now
        let e = failure(text)
        let took = ContinuousClock.now - start
        #expect(e?.line == line && e?.message == message, "\(String(describing: e))")
        #expect(took < .seconds(5), "took \(took)")
    }

    /// A limit crossed in a value names the key; a key's own limit does not.
    @Test func limitsNameTheKey() {
        #expect(failure("[t]\na.b = [" + String(repeating: "[", count: 40) + "\n")?.key == "t.a.b")
        #expect(failure("s = '" + String(repeating: "x", count: 70_000) + "'\n")?.key == "s")
        #expect(failure(Array(repeating: "x", count: 40).joined(separator: ".") + " = 1\n")?.key == "")
    }

    @Test func fileSize() {
        let text = "# " + String(repeating: "x", count: 1 << 20) + "\n"
        #expect(failure(text) == TOMLError(line: 0, column: 0, message: "the file is larger than 1048576 bytes"))
        var limits = TOMLLimits()
        limits.maxBytes = 2 << 20
        #expect(failure(text, limits: limits) == nil)
    }

    /// Up to each limit is fine; the limits can be moved.
    @Test func atTheLimits() throws {
        #expect(failure(Array(repeating: "x", count: 32).joined(separator: ".") + " = 1\n") == nil)
        #expect(failure("x = " + String(repeating: "[", count: 32) + String(repeating: "]", count: 32) + "\n") == nil)
        #expect(failure("x = " + String(repeating: "[", count: 33) + String(repeating: "]", count: 33) + "\n") != nil)
        #expect(failure("s = \"" + String(repeating: "x", count: 65536) + "\"\n") == nil)
        var limits = TOMLLimits()
        limits.maxKeySegments = 2
        limits.maxDepth = 1
        #expect(failure("a.b.c = 1\n", limits: limits)?.message == "a key of more than 2 parts")
        #expect(failure("a = [[]]\n", limits: limits)?.message == "arrays and inline tables nested more than 1 deep")
        #expect(failure("a.b = [1]\n", limits: limits) == nil)
    }

    /// Deep nesting within the limits, in every combination, parses and converts without trouble.
    @Test func deepButAllowed() throws {
        let key = Array(repeating: "k", count: 32).joined(separator: ".")
        let text = "[\(key)]\n\(key) = " + String(repeating: "{ \(key) = ", count: 31) + "[1]" + String(repeating: " }", count: 31) + "\n"
        let t = try TOML.parse(text)
        #expect(t.count == 1)
    }
}

/// Every config fuzz input, and the TOML fuzz corpus, parses or gives a TOMLError.
@Suite struct FuzzInputTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fuzz")

    @Test(arguments: ["corpus/config", "regressions/config", "corpus/toml", "regressions/toml"])
    func neverCrashes(folder: String) throws {
        let dir = Self.fuzz.appendingPathComponent(folder)
        let files = (try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? []
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: file))
            do {
                _ = try TOML.parse(bytes: bytes)
            } catch {
                #expect(error.line >= 0 && !error.message.isEmpty, "\(file.lastPathComponent)")
            }
        }
    }

    /// The shipped config and the corpus's valid configs parse.
    @Test func validConfigsParse() throws {
        for path in ["corpus/config/default.toml", "corpus/config/dates.toml", "../config/pgtrack.toml"] {
            let bytes = [UInt8](try Data(contentsOf: Self.fuzz.appendingPathComponent(path)))
            #expect(throws: Never.self) { try TOML.parse(bytes: bytes) }
        }
    }
}

/// Long lines stay linear: a column is only worked out for an error.
@Suite struct LongLineTests {
    @Test(arguments: [
        "t = {" + (0..<30_000).map { "k\($0) = \($0)" }.joined(separator: ", ") + "}\n",
        "a = [" + String(repeating: "1.5, \"s\", 1979-05-27, true, ", count: 10_000) + "]\n",
    ])
    func parsesQuickly(text: String) throws {
        let start = ContinuousClock.now
        let t = try TOML.parse(text)
        #expect(t.count == 1)
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}
