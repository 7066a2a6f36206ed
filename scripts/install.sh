#!/bin/sh
# install.sh [PREFIX]: installs pgtrack from this unpacked tarball.
#
#   sudo ./install.sh                 # /usr/local (units in /usr/local/lib/systemd/user)
#   ./install.sh ~/.local             # one user (units in ~/.config/systemd/user)
#
# DESTDIR=/stage puts the files under a staging root. UNITDIR= overrides where the user
# units go. Needs glibc 2.36 or later (Debian 12, Ubuntu 24.04, Fedora 37) on x86_64, and
# libsystemd, libical 3, SQLite 3 and libmicrohttpd 12 (Debian: libsystemd0 libical3
# libsqlite3-0 libmicrohttpd12). Nothing of Swift is needed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
PREFIX=${1:-${PREFIX:-/usr/local}}
PREFIX=${PREFIX%/}
DESTDIR=${DESTDIR:-}
case "$PREFIX" in
  /*) ;;
  *) echo "install.sh: PREFIX must be an absolute path, not $PREFIX" >&2; exit 2 ;;
esac
# systemd looks for user units in ~/.config/systemd/user and /usr/local/lib/systemd/user,
# not in ~/.local/lib/systemd/user.
case "$PREFIX/" in
  "$HOME"/*) UNITDIR=${UNITDIR:-${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user} ;;
  *) UNITDIR=${UNITDIR:-$PREFIX/lib/systemd/user} ;;
esac
ZSHDIR=$PREFIX/share/zsh/site-functions
DOCDIR=$PREFIX/share/doc/pgtrack

# The C library: the binaries were linked against glibc 2.36's symbols at the newest (arc4random).
glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | sed -n 's/^glibc //p')
if [ -z "$glibc" ]; then
  echo "install.sh: this system's C library is not glibc; pgtrack needs glibc 2.36 or later" >&2; exit 1
fi
if [ "$(printf '%s\n2.36\n' "$glibc" | sort -V | head -n1)" != 2.36 ]; then
  echo "install.sh: glibc $glibc is older than 2.36, which pgtrack needs" >&2; exit 1
fi
missing=$(ldd "$here/bin/pgtrackd" "$here/bin/pgtrackctl" 2>/dev/null | sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p' | sort -u)
if [ -n "$missing" ]; then
  echo "install.sh: missing libraries:" $missing >&2
  echo "  (Debian/Ubuntu: libsystemd0 libical3 libsqlite3-0 libmicrohttpd12;" >&2
  echo "   Fedora: systemd-libs libical sqlite-libs libmicrohttpd)" >&2
  exit 1
fi

install -d "$DESTDIR$PREFIX/bin" "$DESTDIR$UNITDIR" "$DESTDIR$DOCDIR" "$DESTDIR$PREFIX/share/man/man1" \
  "$DESTDIR$PREFIX/share/man/man5" "$DESTDIR$PREFIX/share/man/man8" \
  "$DESTDIR$PREFIX/share/bash-completion/completions" "$DESTDIR$ZSHDIR" "$DESTDIR$PREFIX/share/fish/vendor_completions.d"
install -m 0755 "$here/bin/pgtrackd" "$here/bin/pgtrackctl" "$DESTDIR$PREFIX/bin/"
install -m 0644 "$here"/share/doc/pgtrack/* "$DESTDIR$DOCDIR/"
install -m 0644 "$here/share/man/man1/pgtrackctl.1" "$DESTDIR$PREFIX/share/man/man1/"
install -m 0644 "$here/share/man/man5/pgtrack.toml.5" "$DESTDIR$PREFIX/share/man/man5/"
install -m 0644 "$here/share/man/man8/pgtrackd.8" "$DESTDIR$PREFIX/share/man/man8/"
install -m 0644 "$here/share/bash-completion/completions/pgtrackctl" "$DESTDIR$PREFIX/share/bash-completion/completions/"
install -m 0644 "$here/share/zsh/site-functions/_pgtrackctl" "$DESTDIR$ZSHDIR/"
install -m 0644 "$here/share/fish/vendor_completions.d/pgtrackctl.fish" "$DESTDIR$PREFIX/share/fish/vendor_completions.d/"
for unit in pgtrackd.service pgtrackd.socket pgtrackd@.service pgtrackd@.socket; do
  sed -e "s|@BINDIR@|$PREFIX/bin|g" -e "s|@DOCDIR@|$DOCDIR|g" "$here/lib/systemd/user/$unit" > "$DESTDIR$UNITDIR/$unit"
  chmod 0644 "$DESTDIR$UNITDIR/$unit"
done

cat <<END
Installed pgtrack in $PREFIX (user units in $UNITDIR).
To start it now and at every login (as the user who studies):
  systemctl --user daemon-reload
  systemctl --user enable --now pgtrackd.socket pgtrackd.service
END
