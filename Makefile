# pgtrack: `make run` and `make test` do all the set-up on a fresh Debian 12 machine.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

SWIFT ?= swift
# Extra flags for every swift build here (none by default). No C++ is built any more:
# the config is read by the TOML target, in Swift; toml++ (TOMLKit) is only the fuzz
# package's oracle.
SWIFTFLAGS :=
PREFIX ?= $(HOME)/.local
RELEASE := .build/release
VENV := .venv

# What the build needs, and what the tests need on top.
BUILD_PACKAGES := libsystemd-dev libical-dev libsqlite3-dev libmicrohttpd-dev pkg-config
TEST_PACKAGES := python3-venv python3-pip systemd khal calcurse vdirsyncer dunst xvfb dbus python3-dbus python3-gi libglib2.0-bin util-linux bsdutils man-db gcc strace binutils openssl evolution-data-server gir1.2-ecal-2.0 gir1.2-edataserver-1.2 chromium
PYTHON_TEST_PACKAGES := pytest==9.0.3 icalendar==7.3.2 varlink==31.0.0 vobject==0.9.9 ics==0.7.3 recurring-ical-events==3.8.2 playwright==1.65.2 radicale==3.9.0 caldav==3.6.0

.PHONY: all run test build deps test-deps unit integration install install-files uninstall clean embed man bench fuzz leaks screenshot

all: build

deps:
	@scripts/apt-ensure $(BUILD_PACKAGES)

# Release binaries with the Swift runtime linked in: ~5 MB resident instead of ~17,
# and a CLI start of ~2.5 ms instead of ~12. Both are hardened as Debian builds are:
# position-independent (the toolchain's default) and full RELRO (BIND_NOW, so the GOT
# is read-only after start-up).
HARDENING := -Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now
build: deps
	$(SWIFT) build -c release --static-swift-stdlib $(SWIFTFLAGS) $(HARDENING)

# Runs the daemon in the foreground on the built-in plan (Ctrl-C stops it).
run: build
	$(RELEASE)/pgtrackd

test-deps: deps
	@scripts/apt-ensure $(TEST_PACKAGES)
	@[ -x $(VENV)/bin/python ] || python3 -m venv $(VENV)
	@$(VENV)/bin/pip install -q --disable-pip-version-check $(PYTHON_TEST_PACKAGES)

unit: deps
	$(SWIFT) build --build-tests $(SWIFTFLAGS)
	$(SWIFT) test $(SWIFTFLAGS)

integration: build test-deps man
	PGTRACK_BIN=$(CURDIR)/$(RELEASE) PGTRACK_MAN=$(CURDIR)/$(MANDIR_BUILD) $(VENV)/bin/pytest -q Tests/integration

test: test-deps unit integration

# The man page, generated from the command definitions by swift-argument-parser's
# generate-manual tool (the tool behind its plugin, run directly: the plugin rebuilds
# everything in another configuration first, which takes minutes).
MANDIR_BUILD := .build/man
man: build
	$(SWIFT) build --product generate-manual $(SWIFTFLAGS)
	mkdir -p $(MANDIR_BUILD)
	.build/debug/generate-manual $(RELEASE)/pgtrackctl --output-directory $(MANDIR_BUILD) --authors pgtrack

# The README's screenshot of the progress page: taken by the Chromium test of a plan in
# its eighth week (.build/artifacts/progress.png), copied into docs/.
screenshot: build test-deps
	PGTRACK_BIN=$(CURDIR)/$(RELEASE) $(VENV)/bin/pytest -q Tests/integration/test_page.py -k loads_clean
	cp .build/artifacts/progress.png docs/progress.png

# Every benchmark, each beside its anchors in the same run; rewrites bench/RESULTS.md.
BENCH_PACKAGES := remind calcurse redis-server redis-tools hyperfine strace wrk lighttpd
bench: build test-deps
	@scripts/apt-ensure $(BENCH_PACKAGES)
	PGTRACK_BIN=$(CURDIR)/$(RELEASE) $(VENV)/bin/python bench/run.py

# pgtrackd under valgrind through every API call and a few reminders; fails on a
# definite leak allocated by pgtrack's own code.
leaks: build test-deps
	@scripts/apt-ensure valgrind binutils
	PGTRACK_BIN=$(CURDIR)/$(RELEASE) $(VENV)/bin/python bench/leaks.py

# libFuzzer on the Varlink decoder, the plan and config parsers, the TOML parser
# against toml++ (fuzz-toml: differential, toml++ through TOMLKit as the oracle), the
# CLI's time expressions and the busy-calendar reader, FUZZ_SECONDS each. Crash inputs
# land in fuzz/crashes/; copy them to fuzz/regressions/NAME/ where the unit tests replay
# them. Leak detection is on for config (its loader no longer uses TOMLKit) and off for
# toml: TOMLKit 0.6.0, the oracle there, leaks on every parse, valid input included
# (TOMLTable(string:), keys, and value accessors; seen with detect_leaks=1). Our parser
# is leak-checked by fuzz-config.
FUZZ_SECONDS ?= 60
FUZZ_COVERAGE := -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table
fuzz: deps
	cd fuzz && $(SWIFT) build --sanitize fuzzer --sanitize address $(FUZZ_COVERAGE) $(SWIFTFLAGS)
	mkdir -p fuzz/crashes
	for t in varlink plan config toml time busy; do \
	  mkdir -p fuzz/.work/$$t; \
	  leaks=1; [ $$t = toml ] && leaks=0; \
	  ASAN_OPTIONS=detect_leaks=$$leaks fuzz/.build/debug/fuzz-$$t fuzz/.work/$$t fuzz/corpus/$$t \
	    -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=fuzz/crashes/$$t- -detect_leaks=$$leaks || exit 1; \
	done

# Regenerates the embedded copies of the built-in plan and the Varlink interface.
embed:
	scripts/embed Sources/PGTrackCore/Plan/Resources/postgresql-20-weeks.md Sources/PGTrackCore/Plan/DefaultPlan.swift DefaultPlan "<built-in>/postgresql-20-weeks.md"
	scripts/embed interfaces/io.pgtrack.Tracker.varlink Sources/PGTrackAPI/TrackerInterface.swift TrackerInterface io.pgtrack.Tracker

UNITDIR ?= $(HOME)/.config/systemd/user
DOCDIR ?= $(PREFIX)/share/doc/pgtrack

install: build man install-files

# The copying part of install, for a tree that is already built.
install-files:
	install -d $(PREFIX)/bin $(UNITDIR) $(DOCDIR) $(PREFIX)/share/man/man1
	install -m 0755 $(RELEASE)/pgtrackd $(RELEASE)/pgtrackctl $(PREFIX)/bin/
	install -m 0644 README.md config/pgtrack.toml $(DOCDIR)/
	install -m 0644 $(MANDIR_BUILD)/pgtrackctl.1 $(PREFIX)/share/man/man1/
	install -d $(PREFIX)/share/bash-completion/completions $(PREFIX)/share/zsh/site-functions $(PREFIX)/share/fish/vendor_completions.d
	$(RELEASE)/pgtrackctl --generate-completion-script bash > $(PREFIX)/share/bash-completion/completions/pgtrackctl
	$(RELEASE)/pgtrackctl --generate-completion-script zsh > $(PREFIX)/share/zsh/site-functions/_pgtrackctl
	$(RELEASE)/pgtrackctl --generate-completion-script fish > $(PREFIX)/share/fish/vendor_completions.d/pgtrackctl.fish
	for unit in pgtrackd.service pgtrackd.socket pgtrackd@.service pgtrackd@.socket; do \
	  sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@DOCDIR@|$(DOCDIR)|g' systemd/$$unit > $(UNITDIR)/$$unit; \
	done
	@echo
	@echo "Installed. To start pgtrack now and at every login:"
	@echo "  systemctl --user daemon-reload"
	@echo "  systemctl --user enable --now pgtrackd.socket pgtrackd.service"
	@echo "A second plan, NAME (its config in ~/.config/pgtrack/NAME.toml):"
	@echo "  systemctl --user enable --now pgtrackd@NAME.socket"

uninstall:
	-systemctl --user disable --now pgtrackd.socket pgtrackd.service 2>/dev/null
	rm -f $(PREFIX)/bin/pgtrackd $(PREFIX)/bin/pgtrackctl
	rm -f $(UNITDIR)/pgtrackd.service $(UNITDIR)/pgtrackd.socket $(UNITDIR)/pgtrackd@.service $(UNITDIR)/pgtrackd@.socket
	rm -f $(PREFIX)/share/man/man1/pgtrackctl.1
	rm -f $(PREFIX)/share/bash-completion/completions/pgtrackctl $(PREFIX)/share/zsh/site-functions/_pgtrackctl
	rm -f $(PREFIX)/share/fish/vendor_completions.d/pgtrackctl.fish
	rm -rf $(DOCDIR)

clean:
	rm -rf .build $(VENV)
