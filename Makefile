# pgtrack: `make run` and `make test` do all the set-up on a fresh Debian 12 machine.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

SWIFT ?= swift
# Extra flags for every swift build here (none by default). No C++ is built any more:
# the config is read by the TOML target, in Swift; toml++ (TOMLKit) is only the fuzz
# package's oracle.
SWIFTFLAGS :=
PREFIX ?= $(HOME)/.local
# The build folder; another one (make deb BUILD_DIR=.build-pkg) keeps a second checkout's
# builds apart from this one's.
BUILD_DIR ?= .build
SWIFTPM := --scratch-path $(BUILD_DIR)
RELEASE := $(BUILD_DIR)/release
VENV := .venv

# What the build needs, and what the tests need on top.
BUILD_PACKAGES := libsystemd-dev libical-dev libsqlite3-dev libmicrohttpd-dev pkg-config
TEST_PACKAGES := python3-venv python3-pip systemd khal calcurse vdirsyncer dunst xvfb dbus python3-dbus python3-gi libglib2.0-bin util-linux bsdutils man-db gcc strace binutils openssl evolution-data-server gir1.2-ecal-2.0 gir1.2-edataserver-1.2 chromium dpkg-dev debhelper lintian fakeroot
PYTHON_TEST_PACKAGES := pytest==9.0.3 icalendar==7.3.2 varlink==31.0.0 vobject==0.9.9 ics==0.7.3 recurring-ical-events==3.8.2 playwright==1.65.2 radicale==3.9.0 caldav==3.6.0

.PHONY: all run test build deps test-deps unit integration install install-files uninstall clean embed man bench fuzz leaks screenshot deb deb-deps tarball

all: build

deps:
	@scripts/apt-ensure $(BUILD_PACKAGES)

# Release binaries with the Swift runtime linked in: ~5 MB resident instead of ~17,
# and a CLI start of ~2.5 ms instead of ~12. Both are hardened as Debian builds are:
# position-independent (the toolchain's default) and full RELRO (BIND_NOW, so the GOT
# is read-only after start-up). No RUNPATH ($$ORIGIN, SwiftPM's default): nothing is
# loaded from beside the binaries, and with it the loader looked in ~20 folders there
# for every library at every start.
HARDENING := -Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now
build: deps
	$(SWIFT) build $(SWIFTPM) -c release --static-swift-stdlib --disable-local-rpath $(SWIFTFLAGS) $(HARDENING)

# Runs the daemon in the foreground on the built-in plan (Ctrl-C stops it). Builds only
# the two programs (not the benchmark tool or the plugins).
run: deps
	$(SWIFT) build $(SWIFTPM) -c release --static-swift-stdlib --disable-local-rpath $(SWIFTFLAGS) $(HARDENING) --product pgtrackd
	$(SWIFT) build $(SWIFTPM) -c release --static-swift-stdlib --disable-local-rpath $(SWIFTFLAGS) $(HARDENING) --product pgtrackctl
	@echo
	@echo "pgtrackctl is $(RELEASE)/pgtrackctl (make install puts both programs in $(PREFIX)/bin)."
	@echo "Starting pgtrackd in the foreground; in another terminal: $(RELEASE)/pgtrackctl status"
	@echo
	$(RELEASE)/pgtrackd

test-deps: deps
	@scripts/apt-ensure $(TEST_PACKAGES)
	@[ -x $(VENV)/bin/python ] || python3 -m venv $(VENV)
	@$(VENV)/bin/pip install -q --disable-pip-version-check $(PYTHON_TEST_PACKAGES)

# The project's own sources build with no warning: a fresh build's log (CI's) is checked
# for warnings in Sources/ (an incremental build recompiles, and so reports, only what
# changed).
unit: deps
	@mkdir -p $(BUILD_DIR)
	set -o pipefail; $(SWIFT) build $(SWIFTPM) --build-tests $(SWIFTFLAGS) 2>&1 | tee $(BUILD_DIR)/unit-build.log
	@if grep -E '^$(CURDIR)/Sources/.*: warning:' $(BUILD_DIR)/unit-build.log; then \
	  echo "make: warnings in Sources/ (above); the project's own code builds without one" >&2; exit 1; fi
	$(SWIFT) test $(SWIFTPM) $(SWIFTFLAGS)

integration: build test-deps man
	PGTRACK_BIN=$(CURDIR)/$(RELEASE) PGTRACK_MAN=$(CURDIR)/$(MANDIR_BUILD) PGTRACK_BUILD_DIR=$(BUILD_DIR) \
	  $(VENV)/bin/pytest -q Tests/integration

test: test-deps unit integration

# The man page, generated from the command definitions by swift-argument-parser's
# generate-manual tool (the tool behind its plugin, run directly: the plugin rebuilds
# everything in another configuration first, which takes minutes).
MANDIR_BUILD := $(BUILD_DIR)/man
man: build
	$(SWIFT) build $(SWIFTPM) --product generate-manual $(SWIFTFLAGS)
	mkdir -p $(MANDIR_BUILD)
	$(BUILD_DIR)/debug/generate-manual $(RELEASE)/pgtrackctl --output-directory $(MANDIR_BUILD) --authors pgtrack

# The README's screenshot of the progress page: taken by the Chromium test of a plan in
# its eighth week (.build/artifacts/progress.png), copied into docs/.
screenshot: build test-deps
	PGTRACK_BIN=$(CURDIR)/$(RELEASE) $(VENV)/bin/pytest -q Tests/integration/test_page.py -k loads_clean
	cp .build/artifacts/progress.png docs/progress.png

# Every benchmark, each beside its anchors in the same run; rewrites bench/RESULTS.md.
# The package section compares with an earlier build when PGTRACK_BEFORE_BIN names its
# release folder (bench/run.py package runs that section alone); the engine section
# needs one (the commit before issue 22's refactor) and is skipped, with a note, without.
BENCH_PACKAGES := remind calcurse redis-server redis-tools hyperfine strace wrk lighttpd binutils
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
ZSHDIR ?= $(PREFIX)/share/zsh/site-functions
# A staging root for packaging (make deb, make tarball): files go to $(DESTDIR)$(PREFIX)/…
# while the units name $(PREFIX)/bin.
DESTDIR ?=

install: build man install-files

# The copying part of install, for a tree that is already built.
install-files:
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(RELEASE)/pgtrackd $(RELEASE)/pgtrackctl $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 README.md config/pgtrack.toml $(DESTDIR)$(DOCDIR)/
	install -m 0644 $(MANDIR_BUILD)/pgtrackctl.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/pgtrack.toml.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 man/pgtrackd.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(ZSHDIR) \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	$(RELEASE)/pgtrackctl --generate-completion-script bash | sed '1{/^#!/d}' > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/pgtrackctl
	$(RELEASE)/pgtrackctl --generate-completion-script zsh > $(DESTDIR)$(ZSHDIR)/_pgtrackctl
	$(RELEASE)/pgtrackctl --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/pgtrackctl.fish
	for unit in pgtrackd.service pgtrackd.socket pgtrackd@.service pgtrackd@.socket; do \
	  sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@DOCDIR@|$(DOCDIR)|g' systemd/$$unit > $(DESTDIR)$(UNITDIR)/$$unit; \
	done
	@[ -n "$(DESTDIR)" ] || printf '%s\n' "" \
	  "Installed. To start pgtrack now and at every login:" \
	  "  systemctl --user daemon-reload" \
	  "  systemctl --user enable --now pgtrackd.socket pgtrackd.service" \
	  "A second plan, NAME (its config in ~/.config/pgtrack/NAME.toml):" \
	  "  systemctl --user enable --now pgtrackd@NAME.socket"

uninstall:
	-systemctl --user disable --now pgtrackd.socket pgtrackd.service 2>/dev/null
	rm -f $(PREFIX)/bin/pgtrackd $(PREFIX)/bin/pgtrackctl
	rm -f $(UNITDIR)/pgtrackd.service $(UNITDIR)/pgtrackd.socket $(UNITDIR)/pgtrackd@.service $(UNITDIR)/pgtrackd@.socket
	rm -f $(PREFIX)/share/man/man1/pgtrackctl.1 $(PREFIX)/share/man/man5/pgtrack.toml.5 $(PREFIX)/share/man/man8/pgtrackd.8
	rm -f $(PREFIX)/share/bash-completion/completions/pgtrackctl $(ZSHDIR)/_pgtrackctl
	rm -f $(PREFIX)/share/fish/vendor_completions.d/pgtrackctl.fish
	rm -rf $(DOCDIR)

# The Debian package: dist/pgtrack_VERSION_ARCH.deb (and its -dbgsym package), VERSION from
# git describe (scripts/version). debian/rules does the Swift build through `make build
# man`, installs with install-files, and lets debhelper strip, split the debug symbols,
# compute Depends (dpkg-shlibdeps) and write the user units' maintainer scripts.
DEB_PACKAGES := dpkg-dev debhelper lintian fakeroot
VERSION = $(shell scripts/version)
ARCH = $(shell dpkg --print-architecture)
DIST := dist
deb-deps:
	@scripts/apt-ensure $(DEB_PACKAGES)

deb: deps deb-deps
	scripts/debian-changelog "$(VERSION)" > debian/changelog
	debian/rules clean
	mkdir -p $(DIST)
	rm -f $(DIST)/pgtrack_*.deb $(DIST)/pgtrack-dbgsym_*.deb
	PGTRACK_BUILD_DIR=$(BUILD_DIR) PGTRACK_DIST=$(CURDIR)/$(DIST) debian/rules build
	PGTRACK_BUILD_DIR=$(BUILD_DIR) PGTRACK_DIST=$(CURDIR)/$(DIST) fakeroot debian/rules binary
	lintian --fail-on error $(DIST)/pgtrack_$(VERSION)_$(ARCH).deb

# For other glibc distributions: dist/pgtrack-VERSION-ARCH.tar.gz with the stripped
# binaries, the units (paths filled in by install.sh), man pages, completions and docs;
# the debug symbols in dist/pgtrack-VERSION-ARCH-debug.tar.gz (by build id).
TARBALL_ROOT = $(BUILD_DIR)/tarball/pgtrack-$(VERSION)
tarball: build man
	rm -rf $(BUILD_DIR)/tarball && mkdir -p $(TARBALL_ROOT) $(DIST)
	$(MAKE) --no-print-directory install-files DESTDIR=$(CURDIR)/$(TARBALL_ROOT) PREFIX= \
	  UNITDIR=/lib/systemd/user DOCDIR=/share/doc/pgtrack ZSHDIR=/share/zsh/site-functions
	install -m 0644 systemd/pgtrackd.service systemd/pgtrackd.socket systemd/pgtrackd@.service systemd/pgtrackd@.socket \
	  $(TARBALL_ROOT)/lib/systemd/user/
	install -m 0644 debian/copyright $(TARBALL_ROOT)/share/doc/pgtrack/copyright
	install -m 0755 scripts/install.sh $(TARBALL_ROOT)/install.sh
	for exe in pgtrackd pgtrackctl; do \
	  id=$$(readelf -n $(TARBALL_ROOT)/bin/$$exe | sed -n 's/.*Build ID: //p'); \
	  dbg=$(BUILD_DIR)/tarball/debug/usr/lib/debug/.build-id/$${id:0:2}/$${id:2}.debug; \
	  mkdir -p $$(dirname $$dbg); \
	  objcopy --only-keep-debug --compress-debug-sections $(TARBALL_ROOT)/bin/$$exe $$dbg; \
	  strip --strip-unneeded --remove-section=.comment --remove-section=.note $(TARBALL_ROOT)/bin/$$exe; \
	done
	tar -C $(BUILD_DIR)/tarball --owner=0 --group=0 -czf $(DIST)/pgtrack-$(VERSION)-$(ARCH).tar.gz pgtrack-$(VERSION)
	tar -C $(BUILD_DIR)/tarball/debug --owner=0 --group=0 -czf $(DIST)/pgtrack-$(VERSION)-$(ARCH)-debug.tar.gz usr
	@echo "$(DIST)/pgtrack-$(VERSION)-$(ARCH).tar.gz"

clean:
	[ ! -f debian/changelog ] || debian/rules clean
	rm -rf $(BUILD_DIR) $(VENV) dist debian/changelog
