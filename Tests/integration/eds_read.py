"""Reads the pgtrack calendar the way GNOME Calendar and Evolution do: through Evolution
Data Server's source registry and calendar factory (ECal.Client, GObject introspection).
Run with Debian's python3 (python3-gi). Prints one JSON line per event."""
import json
import sys
import time

import gi
gi.require_version("EDataServer", "1.2")
gi.require_version("ECal", "2.0")
gi.require_version("ICalGLib", "3.0")
from gi.repository import ECal, EDataServer  # noqa: E402

uid, want, refresh = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "refresh"
registry = EDataServer.SourceRegistry.new_sync(None)
deadline = time.time() + 30
source = None
while time.time() < deadline and source is None:
    source = registry.ref_source(uid)  # the source file is picked up while the registry runs
    if source is None:
        from gi.repository import GLib
        GLib.MainContext.default().iteration(False)
        time.sleep(0.1)
if source is None:
    sys.exit(f"the registry has no source {uid!r}")
client = ECal.Client.connect_sync(source, ECal.ClientSourceType.EVENTS, 30, None)
comps = []
deadline = time.time() + 30
while time.time() < deadline:
    if refresh:
        client.refresh_sync(None)
    ok, comps = client.get_object_list_as_comps_sync("#t", None)
    print(f"{len(comps)} events, online {client.is_online()}", file=sys.stderr)
    if ok and len(comps) >= want:
        break
    time.sleep(0.5)
for c in comps:
    start = c.get_dtstart()
    value = start.get_value()
    status = c.get_status()
    print(json.dumps({"uid": c.get_uid(), "start": value.as_ical_string(), "tzid": start.get_tzid(),
                      "status": status.value_nick if hasattr(status, "value_nick") else str(status),
                      "summary": c.get_summary().get_value() if c.get_summary() else ""}))
