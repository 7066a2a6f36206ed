"""A checker for values against a Varlink interface definition's types, so that tests
can hold the daemon's replies and pgtrackctl's --json output to the interface file
(interfaces/io.pgtrack.Tracker.varlink) rather than to their own idea of it."""
import re

TOKEN = re.compile(r"\s*(?:#[^\n]*\n\s*)*(->|\?|\[\]|\[string\]|[(),:]|[A-Za-z_][A-Za-z0-9_.]*)")


class Interface:
    def __init__(self, text):
        self.types, self.methods, self.errors = {}, {}, {}
        self.tokens = []
        pos = 0
        text = re.sub(r"#[^\n]*", "", text)
        while pos < len(text):
            if text[pos].isspace():
                pos += 1
                continue
            m = TOKEN.match(text, pos)
            if not m:
                raise ValueError(f"cannot read the interface at {text[pos:pos + 20]!r}")
            self.tokens.append(m.group(1))
            pos = m.end()
        self.i = 0
        assert self.next() == "interface"
        self.name = self.next()
        while self.i < len(self.tokens):
            kind, name = self.next(), self.next()
            if kind == "type":
                self.types[name] = self.type()
            elif kind == "method":
                inp = self.struct()
                assert self.next() == "->"
                self.methods[name] = (inp, self.struct())
            elif kind == "error":
                self.errors[name] = self.struct()
            else:
                raise ValueError(f"unexpected {kind!r}")

    def next(self):
        t = self.tokens[self.i]
        self.i += 1
        return t

    def peek(self):
        return self.tokens[self.i]

    def struct(self):
        assert self.next() == "("
        fields = {}
        if self.peek() == ")":
            self.next()
            return ("struct", fields)
        names = []
        while True:
            name = self.next()
            if self.peek() == ":":
                self.next()
                fields[name] = self.type()
            else:
                names.append(name)
            sep = self.next()
            if sep == ")":
                break
            assert sep == ","
        return ("enum", names) if names else ("struct", fields)

    def type(self):
        t = self.peek()
        if t == "?":
            self.next()
            return ("maybe", self.type())
        if t == "[]":
            self.next()
            return ("array", self.type())
        if t == "[string]":
            self.next()
            return ("map", self.type())
        if t == "(":
            return self.struct()
        self.next()
        return (t,) if t in ("bool", "int", "float", "string", "object") else ("named", t)

    def check(self, value, typ, path="value"):
        """Raises AssertionError naming the first field that does not fit `typ`."""
        if isinstance(typ, str):
            typ = ("named", typ)
        kind = typ[0]
        if kind == "maybe":
            if value is not None:
                self.check(value, typ[1], path)
        elif kind == "named":
            self.check(value, self.types[typ[1]], path)
        elif kind == "struct":
            assert isinstance(value, dict), f"{path}: expected an object, found {value!r}"
            unknown = set(value) - set(typ[1])
            assert not unknown, f"{path}: fields not in the interface: {sorted(unknown)}"
            for name, t in typ[1].items():
                v = value.get(name)
                assert v is not None or t[0] == "maybe", f"{path}.{name}: missing"
                self.check(v, t, f"{path}.{name}")
        elif kind == "enum":
            assert value in typ[1], f"{path}: {value!r} is not one of {typ[1]}"
        elif kind == "array":
            assert isinstance(value, list), f"{path}: expected an array"
            for i, v in enumerate(value):
                self.check(v, typ[1], f"{path}[{i}]")
        elif kind == "map":
            assert isinstance(value, dict), f"{path}: expected an object"
            for k, v in value.items():
                self.check(v, typ[1], f"{path}[{k}]")
        elif kind == "bool":
            assert isinstance(value, bool), f"{path}: expected a bool"
        elif kind == "int":
            assert isinstance(value, int) and not isinstance(value, bool), f"{path}: expected an int, found {value!r}"
        elif kind == "float":
            assert isinstance(value, (int, float)) and not isinstance(value, bool), f"{path}: expected a float"
        elif kind == "string":
            assert isinstance(value, str), f"{path}: expected a string, found {value!r}"
        elif kind == "object":
            assert isinstance(value, dict), f"{path}: expected an object"

    def check_reply(self, method, parameters):
        self.check(parameters, self.methods[method][1], method)

    def check_error(self, name, parameters):
        short = name.rsplit(".", 1)[-1]
        assert name == f"{self.name}.{short}" and short in self.errors, f"{name} is not an error of {self.name}"
        self.check(parameters, self.errors[short], name)
