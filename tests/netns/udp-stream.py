#!/usr/bin/python3
"""A one-way numbered UDP stream, for an idle VM that answers nothing
(tests/netns/edge.sh).

  udp-stream.py ADDR PORT COUNT   send COUNT datagrams, one a millisecond,
                                  each carrying its number ("%08d"), and
                                  print "sent COUNT"

Where they arrive is counted from a capture (tests/netns/site-report.py).
"""
import socket
import sys
import time


def main():
    addr, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    start = time.monotonic()
    for n in range(count):
        # On schedule, not drifting: the n-th leaves at start + n ms.
        delay = start + n / 1000.0 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        s.sendto(b"%08d" % n, (addr, port))
    print("sent %d" % count, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
