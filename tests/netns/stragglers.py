#!/usr/bin/python3
"""Stragglers in one sender's capture, for tests/netns/datacenters.bash.

  stragglers.py PCAP OLD_MAC T0

PCAP holds the echo requests one sender sent to the VM that moved; OLD_MAC
is the address the sender used for it before the move; T0 (epoch seconds)
is when the VM resumed at its new place.  Prints how many requests the
sender addressed to OLD_MAC from T0 on (stragglers, which the network
redirects), and how long after T0 its last one was (when its traffic moved
off the redirect), or that it sent none.
"""
import sys

from scapy.all import Ether, rdpcap


def main():
    pcap, old, t0 = sys.argv[1], sys.argv[2].lower(), float(sys.argv[3])
    n, last = 0, None
    for p in rdpcap(pcap):
        if Ether in p and p[Ether].dst.lower() == old and float(p.time) >= t0:
            n += 1
            last = float(p.time)
    if n:
        print("stragglers: %d to %s, the last %.1f ms after the resume"
              % (n, old, (last - t0) * 1000))
    else:
        print("stragglers: 0 to %s" % old)
    return 0


if __name__ == "__main__":
    sys.exit(main())
