import Testing
import TOML

/// What TOML 1.0 forbids, each refused with the line (and column) of the problem.
@Suite struct InvalidTests {
    /// Every example the specification marks invalid, and the rules its text states.
    @Test(arguments: [
        ("key = # INVALID\n", 1, 7, "expected a value, found '#'"),
        ("first = \"Tom\" last = \"Preston-Werner\" # INVALID\n", 1, 15, "expected the end of the line after a value, found 'l'"),
        ("= \"no key name\"  # INVALID\n", 1, 1, "expected a key, found '='"),
        ("name = \"Tom\"\nname = \"Pradyun\"\n", 2, 1, "defined twice (first on line 1)"),
        ("spelling = \"favorite\"\n\"spelling\" = \"favourite\"\n", 2, 1, "defined twice (first on line 1)"),
        ("fruit.apple = 1\nfruit.apple.smooth = true\n", 2, 1, "already an integer (line 1), not a table"),
        ("str5 = \"\"\"Here are three quotation marks: \"\"\".\"\"\"\n", 1, 46, "expected the end of the line after a value, found '.'"),
        ("apos15 = '''Here are fifteen apostrophes: ''''''''''''''''''\n", 1, 46,
         "three apostrophes in a row cannot appear inside a multi-line literal string"),
        ("invalid_float_1 = .7\n", 1, 19, "expected a value (a string, number, boolean, date, array or inline table), found '.7'"),
        ("invalid_float_2 = 7.\n", 1, 19, "expected a value (a string, number, boolean, date, array or inline table), found '7.'"),
        ("invalid_float_3 = 3.e+20\n", 1, 19, "expected a value (a string, number, boolean, date, array or inline table), found '3.e+20'"),
        ("[fruit]\napple = \"red\"\n\n[fruit]\norange = \"orange\"\n", 4, 1, "the table is defined twice (first on line 1)"),
        ("[fruit]\napple = \"red\"\n\n[fruit.apple]\ntexture = \"smooth\"\n", 4, 1, "already a string (line 2), not a table"),
        ("[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple]\n", 4, 1,
         "the table is defined already by dotted keys (line 2)"),
        ("[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple.taste]\n", 4, 1,
         "the table is defined already by dotted keys (line 3)"),
        ("[product]\ntype = { name = \"Nail\" }\ntype.edible = false\n", 3, 1, "an inline table (line 2) cannot be extended"),
        ("[product]\ntype.name = \"Nail\"\ntype = { edible = false }\n", 3, 1, "defined twice (first on line 2)"),
        ("[fruit.physical]\ncolor = \"red\"\n[[fruit]]\n", 3, 1, "defined already (line 1), not as an array of tables"),
        ("fruits = []\n\n[[fruits]]\n", 3, 1, "defined already (line 1), not as an array of tables"),
        ("[[fruits]]\nname = \"apple\"\n[[fruits.varieties]]\nname = \"red delicious\"\n[fruits.varieties]\n", 5, 1,
         "defined already (line 3) as an array of tables, not as a table"),
        ("[[fruits]]\n[fruits.physical]\ncolor = \"red\"\n[[fruits.physical]]\n", 4, 1,
         "defined already (line 2), not as an array of tables"),
        // Inline tables: one line, no trailing comma, closed once read
        ("t = { a = 1,\n b = 2 }\n", 1, 13, "expected a key in the inline table, found the end of the line"),
        ("t = {\n}\n", 1, 6, "expected a key or '}' in the inline table, found the end of the line"),
        ("t = { a = 1, }\n", 1, 14, "expected a key after ',' in the inline table (TOML allows no trailing comma there), found '}'"),
        ("t = { a = 1 b = 2 }\n", 1, 13, "expected ',' or '}' after a value in the inline table, found 'b'"),
        ("t = { a.b = 1, a = 2 }\n", 1, 16, "defined twice (first on line 1)"),
        ("t = { a = {}, a.b = 1 }\n", 1, 15, "an inline table (line 1) cannot be extended"),
        ("a = { b = 1 }\n[a.c]\n", 2, 1, "an inline table (line 1) cannot be extended"),
        ("a = { b = 1 }\n[a]\n", 2, 1, "an inline table (line 1) cannot be extended"),
        ("a = [{ b = 1 }]\n[[a]]\n", 2, 1, "defined already (line 1), not as an array of tables"),
        ("a = [{ b = 1 }]\n[a.c]\n", 2, 1, "already an array (line 1), not a table"),
        ("a.b = 1\n[a]\n", 2, 1, "the table is defined already by dotted keys (line 1)"),
        ("[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n", 4, 1, "the table has its own header (line 1); its keys go there"),
        ("[a]\nb = 1\n[a.b]\n", 3, 1, "already an integer (line 2), not a table"),
        // Arrays
        ("a = [1,,2]\n", 1, 8, "expected a value or ']' in the array, found ','"),
        ("a = [,]\n", 1, 6, "expected a value or ']' in the array, found ','"),
        ("a = [1 2]\n", 1, 8, "expected ',' or ']' after a value in the array, found '2'"),
        ("a = [1\n", 2, 1, "expected ',' or ']' after a value in the array, found the end of the file"),
        ("a = [}]\n", 1, 6, "expected a value or ']' in the array, found '}'"),
        // Headers
        ("[a\n", 1, 3, "expected a table header such as [schedule], found '[a'"),
        ("[]\n", 1, 2, "expected a table header such as [schedule], found '[]'"),
        ("[a.]\n", 1, 4, "expected a table header such as [schedule], found '[a.]'"),
        ("[[a]\n", 1, 5, "expected a table header such as [schedule], found '[[a]'"),
        ("[ [a]]\n", 1, 3, "expected a table header such as [schedule], found '[ [a]]'"),
        ("[a] b = 1\n", 1, 5, "expected a table header such as [schedule], found '[a] b = 1'"),
        ("[\"a\nb\"]\n", 1, 2, "expected a table header such as [schedule], found '[\"a'"),
        // Keys
        ("a b = 1\n", 1, 3, "expected '=' after the key, found 'b'"),
        ("a. = 1\n", 1, 4, "expected a key, found '='"),
        ("\"\"\"a\"\"\" = 1\n", 1, 1, "expected a key, found a multi-line string"),
        ("é = 1\n", 1, 1, "expected a key, found 'é'"),
        ("a = 1 = 2\n", 1, 7, "expected the end of the line after a value, found '='"),
        ("a = 1\n= 2\n", 2, 1, "expected a key, found '='"),
        // Strings
        ("s = \"abc\n", 1, 5, "a string is not closed on its line (expected '\"')"),
        ("s = 'abc\n", 1, 5, "a string is not closed on its line (expected \"'\")"),
        ("s = \"\\x41\"\n", 1, 6, "expected an escape such as \\n, \\\" or \\u00E9 in a string, found '\\x'"),
        ("s = \"\\e\"\n", 1, 6, "expected an escape such as \\n, \\\" or \\u00E9 in a string, found '\\e'"),
        ("s = \"\\ \"\n", 1, 6, "expected an escape such as \\n, \\\" or \\u00E9 in a string, found '\\ '"),
        ("s = \"\\u00\"\n", 1, 6, "expected 4 hex digits after '\\u' in a string"),
        ("s = \"\\uD800\"\n", 1, 6, "'\\uD800' is not a Unicode scalar value"),
        ("s = \"\\U00110000\"\n", 1, 6, "'\\U110000' is not a Unicode scalar value"),
        ("s = \"\"\"\nabc\n", 3, 1, "a multi-line string opened on line 1 is not closed (expected '\"\"\"')"),
        ("s = '''\nabc''''''\n", 2, 7, "three apostrophes in a row cannot appear inside a multi-line literal string"),
        ("s = \"\"\"a\"\"\"\"\"\"\n", 1, 12, "three quotes in a row inside a multi-line string must be escaped"),
        ("s = \"a\u{7F}\"\n", 1, 7, "control character U+007F is not allowed in TOML"),
        ("s = \"\"\"a\u{0}\"\"\"\n", 1, 9, "control character U+0000 is not allowed in TOML"),
        ("s = '''a\rb'''\n", 1, 9, "control character U+000D is not allowed in TOML"),
        ("# a\u{1}\n", 1, 4, "control character U+0001 is not allowed in TOML"),
        ("a = 1\r", 1, 6, "control character U+000D is not allowed in TOML"),
        ("a = 1\rb = 2\n", 1, 6, "control character U+000D is not allowed in TOML"),
        // Integers
        ("i = 0123\n", 1, 5, "expected no leading zeros in a number, found '0123'"),
        ("i = 1__0\n", 1, 5, "expected a value (a string, number, boolean, date, array or inline table), found '1__0'"),
        ("i = _1\n", 1, 5, "expected a value (a string, number, boolean, date, array or inline table), found '_1'"),
        ("i = 1_\n", 1, 5, "expected a value (a string, number, boolean, date, array or inline table), found '1_'"),
        ("i = +0x10\n", 1, 5, "expected no sign before a hexadecimal, octal or binary integer, found '+0x10'"),
        ("i = 0X10\n", 1, 5, "expected a value (a string, number, boolean, date, array or inline table), found '0X10'"),
        ("i = 0o8\n", 1, 5, "expected a value (a string, number, boolean, date, array or inline table), found '0o8'"),
        ("i = 0x_1\n", 1, 5, "expected a value (a string, number, boolean, date, array or inline table), found '0x_1'"),
        ("i = 9223372036854775808\n", 1, 5, "the integer '9223372036854775808' does not fit in 64 bits"),
        ("i = -9223372036854775809\n", 1, 5, "the integer '-9223372036854775809' does not fit in 64 bits"),
        ("i = 0x8000000000000000\n", 1, 5, "the integer '0x8000000000000000' does not fit in 64 bits"),
        ("i = 1 000\n", 1, 7, "expected the end of the line after a value, found '0'"),
        // Floats
        ("f = 1e\n", 1, 5, "expected a value (a string, number, boolean, date, array or inline table), found '1e'"),
        ("f = 1.5e_3\n", 1, 5, "expected a value (a string, number, boolean, date, array or inline table), found '1.5e_3'"),
        ("f = 01.5\n", 1, 5, "expected no leading zeros in a number, found '01.5'"),
        ("f = 1._5\n", 1, 5, "expected a value (a string, number, boolean, date, array or inline table), found '1._5'"),
        ("f = 1e400\n", 1, 5, "the float '1e400' does not fit in 64 bits"),
        ("f = -2e922337203685477\n", 1, 5, "the float '-2e922337203685477' does not fit in 64 bits"),  // fuzz-toml
        ("f = 1_7976931348623159e292\n", 1, 5, "the float '1_7976931348623159e292' does not fit in 64 bits"),
        ("f = infinity\n", 1, 5, "expected a value (a string, number, boolean, date, array or inline table), found 'infinity'"),
        ("f = NaN\n", 1, 5, "expected a value (a string, number, boolean, date, array or inline table), found 'NaN'"),
        ("b = True\n", 1, 5, "expected a value (a string, number, boolean, date, array or inline table), found 'True'"),
        // Dates and times
        ("d = 2026-02-30\n", 1, 5, "expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS), found '2026-02-30'"),
        ("d = 2023-02-29\n", 1, 5, "expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS), found '2023-02-29'"),
        ("d = 2026-13-01\n", 1, 5, "expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS), found '2026-13-01'"),
        ("d = 2026-1-01\n", 1, 5, "expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS), found '2026-1-01'"),
        ("d = 2027-01-04 1\n", 1, 5, "expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS), found '2027-01-04 1'"),
        ("d = 2027-01-04T\n", 1, 5, "expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS), found '2027-01-04T'"),
        ("d = 1979-05-27 07:32\n", 1, 5, "expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS), found '1979-05-27 07:32'"),
        ("d = 1979-05-27T07:32:00+7:00\n", 1, 5,
         "expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS), found '1979-05-27T07:32:00+7:00'"),
        ("d = 1979-05-27T24:00:00\n", 1, 5, "expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS), found '1979-05-27T24:00:00'"),
        ("d = 1979-05-27T07:32:00.\n", 1, 5, "expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS), found '1979-05-27T07:32:00.'"),
        ("t = 07:32\n", 1, 5, "expected a time (HH:MM:SS), found '07:32'"),
        ("t = 07:60:00\n", 1, 5, "expected a time (HH:MM:SS), found '07:60:00'"),
        // Whitespace and encoding
        ("a =\u{3000}1\n", 1, 4, "U+3000 is not allowed outside strings and comments in TOML; use spaces"),
        ("a = [\u{85}]\n", 1, 6, "U+0085 is not allowed outside strings and comments in TOML; use spaces"),
        ("a = 1\n\u{FEFF}b = 2\n", 2, 1, "U+FEFF is not allowed outside strings and comments in TOML; use spaces"),
    ] as [(String, Int, Int, String)])
    func refused(text: String, line: Int, column: Int, message: String) {
        let e = failure(text)
        #expect(e?.line == line && e?.column == column && e?.message == message, "\(String(describing: e))")
    }

    /// A key or table defined twice names the dotted key in the error's `key`.
    @Test(arguments: [
        ("a = 1\na = 2\n", "a"),
        ("[a.\"b.c\"]\n[a.\"b.c\"]\n", "a.\"b.c\""),
        ("[t]\nx.y = 1\nx.y = 2\n", "t.x.y"),
        ("[[t]]\nk = { a = 1, a = 2 }\n", "t.k.a"),
    ])
    func redefinitionsNameTheKey(text: String, key: String) {
        #expect(failure(text)?.key == key)
    }

    /// Invalid UTF-8 anywhere, even in a comment or string, is refused with its place.
    @Test(arguments: [
        ([0x61, 0x20, 0x3D, 0x20, 0x22, 0xFF, 0x22, 0x0A], 1, 6),              // a stray byte
        ([0x23, 0x20, 0xC3, 0x0A], 1, 3),                                     // cut in a comment
        ([0x0A, 0x73, 0x3D, 0x22, 0xED, 0xA0, 0x80, 0x22], 2, 4),             // a UTF-16 surrogate
        ([0x73, 0x3D, 0x22, 0xC0, 0xAF, 0x22], 1, 4),                         // overlong
        ([0x73, 0x3D, 0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1, 4),             // past U+10FFFF
    ] as [([UInt8], Int, Int)])
    func invalidUTF8(bytes: [UInt8], line: Int, column: Int) {
        do {
            _ = try TOML.parse(bytes: bytes)
            Issue.record("parsed")
        } catch {
            #expect(error.line == line && error.column == column && error.message.hasPrefix("the file is not valid UTF-8"), "\(error)")
        }
    }

    /// Valid corners the rules above must not catch.
    @Test(arguments: [
        "[a.b.c]\n[a]\nb.d = 1\n",         // dotted keys may extend a table a header only implied
        "[a]\nb.c = 1\n[a.b.d]\n",          // headers may add sub-tables to a dotted key's table
        "[[a]]\nb.c = 1\n[[a]]\nb.c = 2\n", // each element its own tables
        "[[a.b]]\n[a]\nc = 1\n",            // [a] defines what [[a.b]] implied
        "t = { a.b = 1, a.c = 2 }\n",
        "a = [[], [[]], {}, { b = [] }]\n",
        "a = [\n# comment\n1 # one\n,\n2\n,]\n",
        "\"a.b\" = 1\na.b = 2\n",
        "a = \"\"\"\"\"\"\n",
        "a = ''''''\n",
        "a = \"\"\"\\\n\n\"\"\"\n",
        "a = 1979-05-27 # a date, then a comment\n",
        "a = 1979-05-27 07:32:00.5\n",
        "x = 1\t# tabs\t\n",
    ])
    func accepted(text: String) {
        #expect(failure(text) == nil, "\(String(describing: failure(text)))")
    }
}
