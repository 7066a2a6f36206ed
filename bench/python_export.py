"""The anchor for the export benchmark: Python icalendar building the same events
(summary, description, categories, status, alarm, zoned times) and serialising them."""
import json
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar


def build(count):
    berlin = ZoneInfo("Europe/Berlin")
    cal = icalendar.Calendar()
    cal.add("prodid", "-//bench//bench//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Bench plan")
    day, i = date(2027, 1, 4), 0
    stamp = datetime(2027, 1, 4, tzinfo=ZoneInfo("UTC"))
    while i < count:
        if day.weekday() < 5:
            start = datetime(day.year, day.month, day.day, 18, 0, tzinfo=berlin)
            week, task = i // 5 % 52 + 1, i % 5 + 1
            e = icalendar.Event()
            e.add("uid", f"w{week:02d}d{task}-{i}@pgtrack")
            e.add("dtstamp", stamp)
            e.add("last-modified", stamp)
            e.add("sequence", 0)
            e.add("dtstart", start)
            e.add("dtend", start + timedelta(minutes=30))
            e.add("summary", f"Bench · W{week} · Task {task} of week {week}: read, practise, write it up")
            e.add("description", f"Stage\nWeek {week} · task {week}.{task} · scheduled\nSlot w{week:02d}d{task}")
            e.add("categories", ["Study"])
            e.add("status", "CONFIRMED")
            e.add("transp", "OPAQUE")
            a = icalendar.Alarm()
            a.add("action", "DISPLAY")
            a.add("description", "reminder")
            a.add("trigger", timedelta(minutes=-10))
            e.add_component(a)
            cal.add_component(e)
            i += 1
        day += timedelta(days=1)
    cal.add_missing_timezones()
    return cal.to_ical()


def main():
    count, runs = int(sys.argv[1]), int(sys.argv[2])
    times, size = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        size = len(build(count))
        times.append(time.perf_counter() - t)
    times.sort()
    print(json.dumps({"slots": count, "runs": runs, "bytes": size, "median_ms": times[len(times) // 2] * 1000,
                      "min_ms": times[0] * 1000}))


main()
