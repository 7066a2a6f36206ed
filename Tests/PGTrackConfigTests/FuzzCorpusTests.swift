import Foundation
import Testing
@testable import PGTrackConfig
import PGTrackCore

/// The fuzz corpus and every crash input fuzzing found run through the config loader on
/// every `make test`: each must give a config or a ConfigError, never a crash.
@Suite struct FuzzCorpusTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fuzz")

    static func inputs(_ name: String) -> [URL] {
        ["corpus", "regressions"].flatMap { dir in
            let folder = fuzz.appendingPathComponent(dir).appendingPathComponent(name)
            return ((try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [])
        }.sorted { $0.path < $1.path }
    }

    @Test func configInputsNeverCrash() throws {
        let files = Self.inputs("config")
        #expect(files.count >= 3)
        var parsed = 0
        for file in files {
            let text = String(decoding: try Data(contentsOf: file), as: UTF8.self)
            do {
                _ = try ConfigLoader.parse(text, file: file.lastPathComponent)
                parsed += 1
            } catch {
                #expect(error.file == file.lastPathComponent)
            }
        }
        #expect(parsed >= 2) // the corpus's valid configs stay valid
    }

    /// Each crash input fuzzing found is now a ConfigError naming a line.
    @Test func crashInputsAreConfigErrors() throws {
        let folder = Self.fuzz.appendingPathComponent("regressions/config")
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        #expect(files.count >= 3)
        for file in files {
            let text = String(decoding: try Data(contentsOf: file), as: UTF8.self)
            #expect(throws: ConfigError.self) { try ConfigLoader.parse(text, file: "f") }
        }
    }
}
