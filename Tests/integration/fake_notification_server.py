#!/usr/bin/python3
"""A small org.freedesktop.Notifications server for the tests (Debian's python3-dbus).

Records every Notify and CloseNotification call as a JSON line in the file named by
argv[1]; the test makes it emit ActionInvoked through org.pgtrack.Test.Invoke(id, key).
"""
import itertools
import json
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

LOG = sys.argv[1]
CAPABILITIES = sys.argv[2].split(",") if len(sys.argv) > 2 else ["actions", "body", "persistence"]


def record(**entry):
    with open(LOG, "a") as f:
        f.write(json.dumps(entry) + "\n")


class Server(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, "/org/freedesktop/Notifications")
        self.ids = itertools.count(1)

    @dbus.service.method("org.freedesktop.Notifications", in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app, replaces, icon, summary, body, actions, hints, timeout):
        nid = int(replaces) or next(self.ids)
        record(call="Notify", id=nid, app=str(app), replaces=int(replaces), summary=str(summary), body=str(body),
               actions=[str(a) for a in actions], urgency=int(hints.get("urgency", -1)),
               category=str(hints.get("category", "")), resident=bool(hints.get("resident", False)))
        return nid

    @dbus.service.method("org.freedesktop.Notifications", in_signature="u", out_signature="")
    def CloseNotification(self, nid):
        record(call="CloseNotification", id=int(nid))
        self.NotificationClosed(nid, 3)

    @dbus.service.method("org.freedesktop.Notifications", in_signature="", out_signature="as")
    def GetCapabilities(self):
        return CAPABILITIES

    @dbus.service.method("org.freedesktop.Notifications", in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("fake", "pgtrack-tests", "1", "1.2")

    @dbus.service.signal("org.freedesktop.Notifications", signature="us")
    def ActionInvoked(self, nid, key):
        pass

    @dbus.service.signal("org.freedesktop.Notifications", signature="uu")
    def NotificationClosed(self, nid, reason):
        pass

    @dbus.service.method("org.pgtrack.Test", in_signature="us", out_signature="")
    def Invoke(self, nid, key):
        self.ActionInvoked(nid, key)


DBusGMainLoop(set_as_default=True)
bus = dbus.SessionBus()
server = Server(bus)
name = dbus.service.BusName("org.freedesktop.Notifications", bus)
record(call="ready")
GLib.MainLoop().run()
