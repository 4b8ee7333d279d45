#!/usr/bin/python3
"""Turns "virsh event --all --loop --timestamp" logs of a migration into
the JSON lines tests/qemu/analyze.py reads.

  virsh-events.py SRC_LOG DST_LOG START DONE

SRC_LOG and DST_LOG are virsh's logs at the source and the destination;
START and DONE the wall-clock times the migration command began and
ended.  libvirt's "Suspended Migrated" at the source stands for QEMU's
STOP, "Resumed Migrated" at the destination for its RESUME.
"""
import datetime
import json
import re
import sys

LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\+0000: "
                  r"event '([^']*)' for domain '?([^':]*)'?: (.*)$")


def events(path):
    for line in open(path, errors="replace"):
        m = LINE.match(line.strip())
        if not m:
            continue
        when = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f")
        t = when.replace(tzinfo=datetime.timezone.utc).timestamp()
        yield t, m.group(2), m.group(4)


def main():
    src, dst, start, done = sys.argv[1:5]
    print(json.dumps({"what": "migrate-start", "now": float(start)}))
    for t, kind, detail in events(src):
        if kind == "lifecycle" and detail.startswith("Suspended"):
            print(json.dumps({"what": "event", "where": "src",
                              "event": "STOP", "t": t, "detail": detail}))
    for t, kind, detail in events(dst):
        if kind == "lifecycle" and detail.startswith("Resumed"):
            print(json.dumps({"what": "event", "where": "dst",
                              "event": "RESUME", "t": t, "detail": detail}))
    print(json.dumps({"what": "migrate-done", "now": float(done)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
