import Testing
import TOML

/// The examples of the TOML 1.0.0 specification (toml.md at the 1.0.0 tag), section by
/// section, written as tables of our own: each document, a path in it, and its value.
@Suite struct SpecTests {
    @Test(arguments: [
        // Comments
        ("# This is a full-line comment\nkey = \"value\"  # This is a comment at the end of a line\nanother = \"# This is not a comment\"\n",
         ["another"], TOMLValue.string("# This is not a comment")),
        // Keys: bare, quoted, empty quoted, dotted, spaces around dots
        ("key = \"value\"\nbare_key = \"value\"\nbare-key = \"value\"\n1234 = \"value\"\n", ["1234"], .string("value")),
        ("\"127.0.0.1\" = \"value\"\n\"character encoding\" = \"value\"\n\"ʎǝʞ\" = \"value\"\n'key2' = \"value\"\n'quoted \"value\"' = \"value\"\n",
         ["ʎǝʞ"], .string("value")),
        ("\"127.0.0.1\" = \"value\"\n", ["127.0.0.1"], .string("value")),
        ("'quoted \"value\"' = \"value\"\n", ["quoted \"value\""], .string("value")),
        ("\"\" = \"blank\"\n", [""], .string("blank")),
        ("'' = 'blank'\n", [""], .string("blank")),
        ("name = \"Orange\"\nphysical.color = \"orange\"\nphysical.shape = \"round\"\nsite.\"google.com\" = true\n",
         ["site", "google.com"], .boolean(true)),
        ("fruit.name = \"banana\"\nfruit. color = \"yellow\"\nfruit . flavor = \"banana\"\n", ["fruit", "flavor"], .string("banana")),
        ("apple.type = \"fruit\"\norange.type = \"fruit\"\n\napple.skin = \"thin\"\norange.skin = \"thick\"\n", ["apple", "skin"], .string("thin")),
        ("3.14159 = \"pi\"\n", ["3", "14159"], .string("pi")),
        // Strings
        ("str = \"I'm a string. \\\"You can quote me\\\". Name\\tJos\\u00E9\\nLocation\\tSF.\"\n", ["str"],
         .string("I'm a string. \"You can quote me\". Name\tJos\u{E9}\nLocation\tSF.")),
        ("str1 = \"\"\"\nRoses are red\nViolets are blue\"\"\"\n", ["str1"], .string("Roses are red\nViolets are blue")),
        ("str2 = \"\"\"\nThe quick brown \\\n\n\n  fox jumps over \\\n    the lazy dog.\"\"\"\n", ["str2"],
         .string("The quick brown fox jumps over the lazy dog.")),
        ("str3 = \"\"\"\\\n       The quick brown \\\n       fox jumps over \\\n       the lazy dog.\\\n       \"\"\"\n", ["str3"],
         .string("The quick brown fox jumps over the lazy dog.")),
        ("str4 = \"\"\"Here are two quotation marks: \"\". Simple enough.\"\"\"\n", ["str4"],
         .string("Here are two quotation marks: \"\". Simple enough.")),
        ("str5 = \"\"\"Here are three quotation marks: \"\"\\\".\"\"\"\n", ["str5"], .string("Here are three quotation marks: \"\"\".")),
        ("str6 = \"\"\"Here are fifteen quotation marks: \"\"\\\"\"\"\\\"\"\"\\\"\"\"\\\"\"\"\\\".\"\"\"\n", ["str6"],
         .string("Here are fifteen quotation marks: " + String(repeating: "\"", count: 15) + ".")),
        ("str7 = \"\"\"\"This,\" she said, \"is just a pointless statement.\"\"\"\"\n", ["str7"],
         .string("\"This,\" she said, \"is just a pointless statement.\"")),
        ("winpath  = 'C:\\Users\\nodejs\\templates'\n", ["winpath"], .string("C:\\Users\\nodejs\\templates")),
        ("winpath2 = '\\\\ServerX\\admin$\\system32\\'\n", ["winpath2"], .string("\\\\ServerX\\admin$\\system32\\")),
        ("quoted   = 'Tom \"Dubs\" Preston-Werner'\n", ["quoted"], .string("Tom \"Dubs\" Preston-Werner")),
        ("regex    = '<\\i\\c*\\s*>'\n", ["regex"], .string("<\\i\\c*\\s*>")),
        ("regex2 = '''I [dw]on't need \\d{2} apples'''\n", ["regex2"], .string("I [dw]on't need \\d{2} apples")),
        ("lines  = '''\nThe first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n'''\n", ["lines"],
         .string("The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n")),
        ("quot15 = '''Here are fifteen quotation marks: \"\"\"\"\"\"\"\"\"\"\"\"\"\"\"'''\n", ["quot15"],
         .string("Here are fifteen quotation marks: " + String(repeating: "\"", count: 15))),
        ("apos15 = \"Here are fifteen apostrophes: '''''''''''''''\"\n", ["apos15"],
         .string("Here are fifteen apostrophes: " + String(repeating: "'", count: 15))),
        ("str = ''''That,' she said, 'is still pointless.''''\n", ["str"], .string("'That,' she said, 'is still pointless.'")),
        // Every escape, and CRLF inside a multi-line string read as LF
        ("s = \"\\b\\t\\n\\f\\r\\\"\\\\\\u00E9\\U0001F600\"\n", ["s"], .string("\u{8}\t\n\u{C}\r\"\\\u{E9}\u{1F600}")),
        ("s = \"\"\"\r\na\r\nb\"\"\"\r\n", ["s"], .string("a\nb")),
        ("s = \"\"\"a \\  \r\n  b\"\"\"\r\n", ["s"], .string("a b")),
        // Only space and tab are whitespace: a Unicode space after a line-ending
        // backslash stays (toml++ 3.4.0 trims it: fuzz-toml's second finding).
        ("s = \"\"\"a \\\n  \u{FEFF}b \\\n\u{3000}c\"\"\"\n", ["s"], .string("a \u{FEFF}b \u{3000}c")),
        // Integers
        ("int1 = +99\n", ["int1"], .integer(99)),
        ("int2 = 42\n", ["int2"], .integer(42)),
        ("int3 = 0\n", ["int3"], .integer(0)),
        ("int4 = -17\n", ["int4"], .integer(-17)),
        ("int5 = 1_000\n", ["int5"], .integer(1000)),
        ("int6 = 5_349_221\n", ["int6"], .integer(5_349_221)),
        ("int7 = 53_49_221\n", ["int7"], .integer(5_349_221)),
        ("int8 = 1_2_3_4_5\n", ["int8"], .integer(12345)),
        ("hex1 = 0xDEADBEEF\n", ["hex1"], .integer(0xDEADBEEF)),
        ("hex2 = 0xdeadbeef\n", ["hex2"], .integer(0xDEADBEEF)),
        ("hex3 = 0xdead_beef\n", ["hex3"], .integer(0xDEADBEEF)),
        ("oct1 = 0o01234567\n", ["oct1"], .integer(0o1234567)),
        ("oct2 = 0o755\n", ["oct2"], .integer(0o755)),
        ("bin1 = 0b11010110\n", ["bin1"], .integer(0b11010110)),
        ("max = 9_223_372_036_854_775_807\n", ["max"], .integer(.max)),
        ("min = -9223372036854775808\n", ["min"], .integer(.min)),
        ("h = 0x7FFFFFFFFFFFFFFF\n", ["h"], .integer(.max)),
        ("z = +0\n", ["z"], .integer(0)),
        ("z = -0\n", ["z"], .integer(0)),
        // Floats
        ("flt1 = +1.0\n", ["flt1"], .float(1)),
        ("flt2 = 3.1415\n", ["flt2"], .float(3.1415)),
        ("flt3 = -0.01\n", ["flt3"], .float(-0.01)),
        ("flt4 = 5e+22\n", ["flt4"], .float(5e22)),
        ("flt5 = 1e06\n", ["flt5"], .float(1e6)),
        ("flt6 = -2E-2\n", ["flt6"], .float(-2e-2)),
        ("flt7 = 6.626e-34\n", ["flt7"], .float(6.626e-34)),
        ("flt8 = 224_617.445_991_228\n", ["flt8"], .float(224_617.445_991_228)),
        ("big = 1.7976931348623157e308\n", ["big"], .float(.greatestFiniteMagnitude)),
        ("tiny = 5e-324\n", ["tiny"], .float(.leastNonzeroMagnitude)),
        ("sf1 = inf\n", ["sf1"], .float(.infinity)),
        ("sf2 = +inf\n", ["sf2"], .float(.infinity)),
        ("sf3 = -inf\n", ["sf3"], .float(-.infinity)),
        // Booleans
        ("bool1 = true\n", ["bool1"], .boolean(true)),
        ("bool2 = false\n", ["bool2"], .boolean(false)),
        // Date-times, dates, times
        ("odt1 = 1979-05-27T07:32:00Z\n", ["odt1"], .offsetDateTime(date(1979, 5, 27), time(7, 32, 0), offsetMinutes: 0)),
        ("odt2 = 1979-05-27T00:32:00-07:00\n", ["odt2"], .offsetDateTime(date(1979, 5, 27), time(0, 32, 0), offsetMinutes: -420)),
        ("odt3 = 1979-05-27T00:32:00.999999-07:00\n", ["odt3"],
         .offsetDateTime(date(1979, 5, 27), time(0, 32, 0, 999_999_000), offsetMinutes: -420)),
        ("odt4 = 1979-05-27 07:32:00Z\n", ["odt4"], .offsetDateTime(date(1979, 5, 27), time(7, 32, 0), offsetMinutes: 0)),
        ("o = 1979-05-27t07:32:00+05:30\n", ["o"], .offsetDateTime(date(1979, 5, 27), time(7, 32, 0), offsetMinutes: 330)),
        ("ldt1 = 1979-05-27T07:32:00\n", ["ldt1"], .localDateTime(date(1979, 5, 27), time(7, 32, 0))),
        ("ldt2 = 1979-05-27T00:32:00.999999\n", ["ldt2"], .localDateTime(date(1979, 5, 27), time(0, 32, 0, 999_999_000))),
        ("ld1 = 1979-05-27\n", ["ld1"], .localDate(date(1979, 5, 27))),
        ("leap = 2024-02-29\n", ["leap"], .localDate(date(2024, 2, 29))),
        ("lt1 = 07:32:00\n", ["lt1"], .localTime(time(7, 32, 0))),
        ("lt2 = 00:32:00.999999\n", ["lt2"], .localTime(time(0, 32, 0, 999_999_000))),
        ("lt3 = 00:32:00.1234567891\n", ["lt3"], .localTime(time(0, 32, 0, 123_456_789))),
        // Arrays
        ("integers = [ 1, 2, 3 ]\n", ["integers"], ints(1, 2, 3)),
        ("colors = [ \"red\", \"yellow\", \"green\" ]\n", ["colors"], strings("red", "yellow", "green")),
        ("nested_arrays_of_ints = [ [ 1, 2 ], [3, 4, 5] ]\n", ["nested_arrays_of_ints"], .array([ints(1, 2), ints(3, 4, 5)])),
        ("nested_mixed_array = [ [ 1, 2 ], [\"a\", \"b\", \"c\"] ]\n", ["nested_mixed_array"], .array([ints(1, 2), strings("a", "b", "c")])),
        ("string_array = [ \"all\", 'strings', \"\"\"are the same\"\"\", '''type''' ]\n", ["string_array"],
         strings("all", "strings", "are the same", "type")),
        ("numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]\n", ["numbers"],
         .array([.float(0.1), .float(0.2), .float(0.5), .integer(1), .integer(2), .integer(5)])),
        ("integers2 = [\n  1, 2, 3\n]\n", ["integers2"], ints(1, 2, 3)),
        ("integers3 = [\n  1,\n  2, # this is ok\n]\n", ["integers3"], ints(1, 2)),
        ("e = [ ]\n", ["e"], .array([])),
        // Tables
        ("[table-1]\nkey1 = \"some string\"\nkey2 = 123\n\n[table-2]\nkey1 = \"another string\"\nkey2 = 456\n", ["table-2", "key2"], .integer(456)),
        ("[dog.\"tater.man\"]\ntype.name = \"pug\"\n", ["dog", "tater.man", "type", "name"], .string("pug")),
        ("[a.b.c]\n[ d.e.f ]\n[ g .  h  . i ]\n[ j . \"ʞ\" . 'l' ]\nx = 1\n", ["j", "ʞ", "l", "x"], .integer(1)),
        ("[x.y.z.w]\n\n[x]\nk = 1\n", ["x", "k"], .integer(1)),
        ("[fruit.apple]\n[animal]\n[fruit.orange]\nk = 2\n", ["fruit", "orange", "k"], .integer(2)),
        ("name = \"Fido\"\nbreed = \"pug\"\n\n[owner]\nname = \"Regina Dogman\"\nmember_since = 1999-08-04\n", ["owner", "member_since"],
         .localDate(date(1999, 8, 4))),
        ("fruit.apple.color = \"red\"\nfruit.apple.taste.sweet = true\n", ["fruit", "apple", "taste", "sweet"], .boolean(true)),
        ("[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n\n[fruit.apple.texture]\nsmooth = true\n",
         ["fruit", "apple", "texture", "smooth"], .boolean(true)),
        // Inline tables
        ("name = { first = \"Tom\", last = \"Preston-Werner\" }\n", ["name", "last"], .string("Preston-Werner")),
        ("point = { x = 1, y = 2 }\n", ["point", "y"], .integer(2)),
        ("animal = { type.name = \"pug\" }\n", ["animal", "type", "name"], .string("pug")),
        ("[product]\ntype = { name = \"Nail\" }\n", ["product", "type", "name"], .string("Nail")),
        ("contributors = [\n  \"Foo Bar <foo@example.com>\",\n  { name = \"Baz Qux\", email = \"bazqux@example.com\" }\n]\n",
         ["contributors"], .array([.string("Foo Bar <foo@example.com>"), .table(try! TOML.parse("name = \"Baz Qux\"\nemail = \"bazqux@example.com\"\n"))])),
        // Arrays of tables
        ("[[products]]\nname = \"Hammer\"\nsku = 738594937\n\n[[products]]\n\n[[products]]\nname = \"Nail\"\nsku = 284758393\n\ncolor = \"gray\"\n",
         ["products"], .array([.table(try! TOML.parse("name = \"Hammer\"\nsku = 738594937\n")), .table(TOMLTable(line: 5)),
                               .table(try! TOML.parse("\n\n\n\n\n\n\nname = \"Nail\"\nsku = 284758393\n\ncolor = \"gray\"\n"))])),
    ] as [(String, [String], TOMLValue)])
    func specExample(text: String, path: [String], expected: TOMLValue) throws {
        let table = try TOML.parse(text)
        let got = try #require(value(table, path), "\(path) missing")
        if case .array = expected { #expect(shape(got) == shape(expected)) } else { #expect(got == expected) }
    }

    @Test func nanAndItsSigns() throws {
        let t = try TOML.parse("sf4 = nan\nsf5 = +nan\nsf6 = -nan\n")
        for key in ["sf4", "sf5", "sf6"] { #expect(t[key]?.float?.isNaN == true) }
    }

    /// The spec's nested arrays of tables, each element in place.
    @Test func nestedArraysOfTables() throws {
        let t = try TOML.parse("""
        [[fruits]]
        name = "apple"

        [fruits.physical]  # subtable
        color = "red"
        shape = "round"

        [[fruits.varieties]]  # nested array of tables
        name = "red delicious"

        [[fruits.varieties]]
        name = "granny smith"


        [[fruits]]
        name = "banana"

        [[fruits.varieties]]
        name = "plantain"

        """)
        let fruits = try #require(t["fruits"]?.array)
        #expect(fruits.count == 2)
        #expect(value(fruits[0].table!, ["physical", "shape"]) == .string("round"))
        #expect(fruits[0].table?["varieties"]?.array?.compactMap { $0.table?["name"] } == [.string("red delicious"), .string("granny smith")])
        #expect(fruits[1].table?["varieties"]?.array?.compactMap { $0.table?["name"] } == [.string("plantain")])
        #expect(fruits[1].table?.line == 15)
    }

    @Test func keysKeepTheirOrder() throws {
        let t = try TOML.parse("b = 1\na = 2\n[z]\n[c]\nd.y = 1\nd.x = 2\n")
        #expect(t.keys == ["b", "a", "z", "c"])
        #expect(t["c"]?.table?["d"]?.table?.keys == ["y", "x"])
    }

    /// Every entry has the line it was defined on; a table, the line of its header.
    @Test func linesOfEntries() throws {
        let t = try TOML.parse("""
        # comment
        a = 1
        s = \"\"\"
        two
        lines\"\"\"
        b = [
          1,
        ]

        [x.y]
        k = { p = 1 }
        [x]
        q.r = 2
        [[arr]]
        [[arr]]
        """)
        #expect(t.entry("a")?.line == 2)
        #expect(t.entry("s")?.line == 3)
        #expect(t.entry("b")?.line == 6)
        #expect(t.entry("x")?.line == 12)  // defined by [x], though implied on line 10
        let x = try #require(t["x"]?.table)
        #expect(x.line == 12)
        #expect(x.entry("y")?.line == 10)
        #expect(x["y"]?.table?.entry("k")?.line == 11)
        #expect(x.entry("q")?.line == 13)
        #expect(t.entry("arr")?.line == 14)
        #expect(t["arr"]?.array?.compactMap { $0.table?.line } == [14, 15])
    }

    /// A byte order mark, CRLF line ends, and a last line without a newline.
    @Test func encodingDetails() throws {
        let t = try TOML.parse("\u{FEFF}a = 1\r\n[t]\r\nb = 'x' # c\r\nc = 2")
        #expect(t["a"] == .integer(1))
        #expect(value(t, ["t", "c"]) == .integer(2))
        #expect(t["t"]?.table?.entry("c")?.line == 4)
        #expect(try TOML.parse("").isEmpty)
        #expect(try TOML.parse("\n\n# only a comment").isEmpty)
        #expect(try TOML.parse(bytes: Array("k = \"é\"".utf8))["k"] == .string("é"))
        #expect(try TOML.parse("s = \"tab\there\"\n# tab\tin comment\n")["s"] == .string("tab\there"))
    }
}
