import Testing
@testable import Varlink
import VarlinkServer

@Suite struct FramerTests {
    @Test func framingAcrossPartialReads() {
        var f = Framer()
        let bytes = Framer.frame(["method": "a.b.C"])
        var out: [Framer.Output] = []
        for b in bytes { out += f.feed([b]) }
        #expect(out == [.message(Array(#"{"method":"a.b.C"}"#.utf8))])
        #expect(f.pending == 0)
    }

    @Test func severalMessagesInOneRead() {
        var f = Framer()
        let out = f.feed(Array("{\"a\":1}\0{\"b\":2}\0{\"c\"".utf8))
        #expect(out == [.message(Array("{\"a\":1}".utf8)), .message(Array("{\"b\":2}".utf8))])
        #expect(f.pending == 4)
        #expect(f.feed(Array(":3}\0".utf8)) == [.message(Array("{\"c\":3}".utf8))])
    }

    @Test func nulInsideAJSONStringIsEscapedOnTheWire() throws {
        // A NUL can only be sent escaped (\u0000); it round-trips without splitting frames.
        let json: JSON = ["s": .string("a\u{0}b")]
        let frame = Framer.frame(json)
        #expect(frame.filter { $0 == 0 }.count == 1)
        var f = Framer()
        guard case .message(let m)? = f.feed(frame).first else { Issue.record("no message"); return }
        #expect(try JSON.parse(m) == json)
    }

    @Test func oversizeIsReportedWithOrWithoutATerminator() {
        var f = Framer(maxMessage: 10)
        #expect(f.feed(Array(repeating: UInt8(ascii: "x"), count: 11)) == [.oversize])
        var g = Framer(maxMessage: 10)
        #expect(g.feed(Array(repeating: UInt8(ascii: "x"), count: 12) + [0]) == [.oversize])
        var h = Framer(maxMessage: 10)
        #expect(h.feed(Array("0123456789".utf8) + [0]) == [.message(Array("0123456789".utf8))])
    }
}

@Suite struct JSONTests {
    @Test(arguments: [
        (#"{"a":[1,2.5,"x",true,false,null]}"#, true),
        (#"  {"a" : { "b" : [] } }  "#, true),
        (#""\ud83d\udc18""#, true),
        (#"{"a":1,}"#, false),
        (#"[1 2]"#, false),
        (#""\ud83d""#, false),
        ("\"tab\tinside\"", false),
        (#"01"#, false),
        (#"-01"#, false),
        (#"0.5"#, true),
        (#"[0,10]"#, true),
        (#"-"#, false),
        (#"1e999"#, false),
        (#"{"a":1} x"#, false),
        (#"tru"#, false),
        ("", false),
    ])
    func parse(text: String, valid: Bool) {
        let parsed = try? JSON.parse(text)
        #expect((parsed != nil) == valid, "\(text)")
    }

    @Test func invalidUTF8IsRefused() {
        #expect(throws: JSONError.self) { try JSON.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func deepNestingIsRefusedNotRecursed() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONError.self) { try JSON.parse(deep) }
        let ok = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect((try? JSON.parse(ok)) != nil)
    }

    @Test(arguments: ["a\"b\\c\n\t\r", "\u{1}\u{1F}", "🐘 café", ""])
    func stringsRoundTrip(s: String) throws {
        let json: JSON = ["s": .string(s)]
        #expect(try JSON.parse(json.text) == json)
    }

    @Test func writtenBytesAreExact() {
        // Escapes as RFC 8259 writes them; everything else, multi-byte UTF-8 included, as is.
        #expect(JSON.string("a\"b\\c\n\t\r\u{1}\u{1F}\u{7F}").text == #""a\"b\\c\n\t\r\u0001\u001f"# + "\u{7F}\"")
        #expect(JSON.string("🐘 café").bytes == Array("\"🐘 café\"".utf8))
        #expect(JSON.object([("k\"", .array([.null, true, false, .int(-9223372036854775807 - 1), .double(1e300)]))]).text
                == #"{"k\"":[null,true,false,-9223372036854775808,1e+300]}"#)
        #expect(JSON.double(.nan).text == "null")
        #expect(JSON.double(-3).text == "-3")
    }

    @Test func numbers() throws {
        #expect(try JSON.parse("9007199254740993") == .int(9007199254740993))
        #expect(try JSON.parse("-2.5e3").double == -2500)
        #expect(JSON.int(3).text == "3")
        #expect(JSON.double(2.5).text == "2.5")
    }
}

@Suite struct MessageTests {
    @Test func callsAreReadStrictly() throws {
        let call = try Call(json: try JSON.parse(#"{"method":"io.pgtrack.Tracker.Skip","parameters":{"slot":"w01d1"},"more":true}"#))
        #expect(call.interface == "io.pgtrack.Tracker")
        #expect(call.name == "Skip")
        #expect(call.more && !call.oneway)
        for bad in [#"{"parameters":{}}"#, #"{"method":3}"#, #"{"method":"a.B","parameters":[]}"#, #"{"method":"a.B","x":1}"#,
                    #"{"method":"a.B","oneway":"yes"}"#, #"[1]"#] {
            #expect(throws: VarlinkError.self) { try Call(json: try JSON.parse(bad)) }
        }
    }

    @Test func replyShape() {
        #expect(Reply(parameters: ["a": 1], continues: true).json.text == #"{"parameters":{"a":1},"continues":true}"#)
        #expect(Reply(error: "x.Y").json.text == #"{"parameters":{},"error":"x.Y"}"#)
    }
}

@Suite struct InterfaceTests {
    static let text = """
    # A test interface.
    interface org.example.Test

    type Item (id: string, tags: []string, extra: ?object, kind: (one, two), map: [string]int)

    method Get(id: string, limit: ?int) -> (item: Item)
    method Ping() -> ()
    error NotFound (id: string)
    """

    @Test func parsesMembers() throws {
        let i = try Interface(Self.text)
        #expect(i.name == "org.example.Test")
        #expect(i.methods.keys.sorted() == ["Get", "Ping"])
        #expect(i.errors["NotFound"]?.map(\.name) == ["id"])
        #expect(i.description == Self.text)
    }

    @Test(arguments: [
        (#"{"id":"a"}"#, nil),
        (#"{"id":"a","limit":null}"#, nil),
        (#"{"id":"a","limit":5}"#, nil),
        (#"{}"#, "id"),
        (#"{"id":1}"#, "id"),
        (#"{"id":"a","limit":"5"}"#, "limit"),
        (#"{"id":"a","other":1}"#, "other"),
    ] as [(String, String?)])
    func validatesParameters(params: String, badParameter: String?) throws {
        let i = try Interface(Self.text)
        if let badParameter {
            #expect(throws: VarlinkError.invalidParameter(badParameter)) { try i.validate(parameters: try JSON.parse(params), of: "Get") }
        } else {
            try i.validate(parameters: try JSON.parse(params), of: "Get")
        }
        #expect(throws: VarlinkError.methodNotFound("org.example.Test.Nope")) { try i.validate(parameters: [:], of: "Nope") }
    }

    @Test(arguments: [
        ("interface x\n", 1),
        ("interface a.b\nmethod lower() -> ()\n", 2),
        ("interface a.b\nmethod A() -> ()\nmethod A() -> ()\n", 3),
        ("interface a.b\ntype T (a: Missing)\n", 0),
        ("interface a.b\nmethod A(x: ) -> ()\n", 2),
    ])
    func refusesBrokenDefinitions(text: String, line: Int) {
        #expect { try Interface(text) } throws: { ($0 as? InterfaceError)?.line == line }
    }

    @Test func theServiceInterfaceParses() throws {
        let i = try Interface(VarlinkServer.serviceInterface)
        #expect(i.methods.keys.sorted() == ["GetInfo", "GetInterfaceDescription"])
    }
}
