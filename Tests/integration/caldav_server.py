"""A Radicale CalDAV server and a vdirsyncer pairing for it, for the CalDAV tests and
the sync benchmark (bench/run.py imports this file)."""
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

PASSWORD = "correct horse"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Radicale:
    """Radicale 3 on a free port, user `phone`, storage in a temporary folder."""

    def __init__(self, tmp: Path, port=None):
        self.tmp = tmp
        self.port = port or free_port()
        (tmp / "users").write_text(f"phone:{PASSWORD}\n")
        self.conf = tmp / "radicale.conf"
        self.conf.write_text(f"[server]\nhosts = 127.0.0.1:{self.port}\n[auth]\ntype = htpasswd\n"
                             f"htpasswd_filename = {tmp}/users\nhtpasswd_encryption = plain\n"
                             f"[storage]\nfilesystem_folder = {tmp}/collections\n[rights]\ntype = owner_only\n"
                             "[logging]\nlevel = warning\n")
        self.url = f"http://127.0.0.1:{self.port}/"
        self.start()

    def start(self):
        self.log = (self.tmp / "radicale.log").open("a")
        self.process = subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(self.conf)],
                                        stdout=self.log, stderr=subprocess.STDOUT)

        def up():
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return True
            except OSError:
                return False
        deadline = time.time() + 15
        while not up():
            if time.time() > deadline:
                raise AssertionError("Radicale did not start: " + (self.tmp / "radicale.log").read_text())
            time.sleep(0.05)

    def stop(self):
        self.process.terminate()
        self.process.wait()
        self.log.close()

    def calendar(self):
        """The phone's view of the plan's collection (made on first use)."""
        import caldav
        principal = caldav.DAVClient(url=self.url, username="phone", password=PASSWORD).principal()
        for c in principal.calendars():
            if c.url.path.rstrip("/").endswith("/pgtrack"):
                return c
        return principal.make_calendar(name="Study", cal_id="pgtrack")

    def events(self):
        """UID → the VEVENT (icalendar) of every event on the server."""
        out = {}
        for e in self.calendar().events():
            for comp in e.icalendar_instance.walk("VEVENT"):
                out[str(comp["UID"])] = comp
        return out

    def edit(self, uid, change):
        """Changes one event as a phone would: fetch, edit, PUT back."""
        event = self.calendar().event_by_uid(uid)
        cal = event.icalendar_instance
        comp = cal.walk("VEVENT")[0]
        change(comp)
        if "SEQUENCE" in comp:
            comp["SEQUENCE"] = int(comp["SEQUENCE"]) + 1
        event.icalendar_instance = cal
        event.save()

    def delete(self, uid):
        self.calendar().event_by_uid(uid).delete()


def vdirsyncer_setup(tmp: Path, vdir: Path, radicale: Radicale, password=PASSWORD):
    """config/vdirsyncer.example made concrete; `vdirsyncer discover` run once."""
    vdirsyncer = shutil.which("vdirsyncer")
    assert vdirsyncer, "vdirsyncer is not installed (make test installs it)"
    vdir.mkdir(mode=0o700, parents=True, exist_ok=True)
    conf = tmp / "vdirsyncer.conf"
    example = (Path(__file__).parents[2] / "config" / "vdirsyncer.example").read_text()
    text = (example.replace("~/.local/state/vdirsyncer/", f"{tmp}/vdirsyncer-status/")
            .replace("~/.local/share/pgtrack/vdir/", f"{vdir}/")
            .replace("https://caldav.example.com/dav/calendars/you/study/", f"{radicale.url}phone/pgtrack/")
            .replace('username = "you"', 'username = "phone"')
            .replace('password.fetch = ["command", "secret-tool", "lookup", "service", "caldav"]', f'password = "{password}"'))
    assert f"{radicale.url}phone/pgtrack/" in text and f'password = "{password}"' in text
    conf.write_text(text)
    r = subprocess.run([vdirsyncer, "-c", str(conf), "discover", "pgtrack"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    return conf


