#!/usr/bin/python3
"""One part of bench/run-bench-edge's trials, run inside a namespace.

  edge-trial.py learn IFACE VLAN GW_MAC FIRST N
      send, tagged VLAN, one IPv4/UDP frame from each of N addresses
      (FIRST, FIRST + 1, ...) from GW_MAC: the site learns them.
  edge-trial.py trigger IFACE VLAN GW_MAC SRC
      the fast packet: one frame from SRC over VLAN; then it sleeps half
      a second, so that neither it nor the next helper (the measurement,
      a Python start) runs while the switch flips.
  edge-trial.py measure PCAP GW_MAC CLIENT_MAC ADDR
      from a capture of the VLAN 2 uplink: microseconds from the trigger
      (from ADDR, from GW_MAC) to the client's first frame to ADDR.
"""
import ipaddress
import socket
import sys
import time

from scapy.all import Dot1Q, Ether, IP, UDP, PcapReader, raw


def frame(src_mac, dst_mac, src, dst, vlan=None):
    e = Ether(src=src_mac, dst=dst_mac)
    if vlan is not None:
        e = e / Dot1Q(vlan=vlan)
    return raw(e / IP(src=src, dst=dst, ttl=64) / UDP(sport=7000, dport=7000)
               / (b"roam-edge-bench" + b"\0" * 17))


def sock(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    return s


def main():
    cmd = sys.argv[1]
    if cmd == "learn":
        iface, vlan, gw, first, n = sys.argv[2:7]
        s = sock(iface)
        base = int(ipaddress.IPv4Address(first))
        for i in range(int(n)):
            src = str(ipaddress.IPv4Address(base + i))
            s.send(frame(gw, "52:54:00:aa:00:10", src, "192.168.50.10",
                         int(vlan)))
            if i % 200 == 199:
                time.sleep(0.01)   # the site learns; nothing is dropped
    elif cmd == "trigger":
        iface, vlan, gw, src = sys.argv[2:6]
        f = frame(gw, "52:54:00:aa:00:10", src, "192.168.50.10", int(vlan))
        sock(iface).send(f)
        time.sleep(0.5)
    elif cmd == "measure":
        path, gw, client, addr = sys.argv[2:6]
        gw, client = gw.lower(), client.lower()
        t_in = None
        with PcapReader(path) as r:
            for p in r:
                if IP not in p:
                    continue
                if t_in is None and p[Ether].src.lower() == gw \
                        and p[IP].src == addr:
                    t_in = float(p.time)
                elif t_in is not None and p[Ether].src.lower() == client \
                        and p[IP].dst == addr:
                    print("%.0f" % ((float(p.time) - t_in) * 1e6))
                    return 0
        print("none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
