import Testing
import TOML

@Test func smoke() throws {
    let t = try TOML.parse("a = 1\n")
    #expect(t["a"] == .integer(1))
}
