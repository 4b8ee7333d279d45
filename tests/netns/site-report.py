#!/usr/bin/python3
"""Reports what the client site saw while VM v moved (tests/netns/edge.sh).

From the client edge's captures on its two uplinks (VLAN 1 to dc1's
gateway, VLAN 2 to dc2's) and the client's log: pings sent and lost (for
an idle VM, which answers nothing, a one-way UDP stream, counted where it
received it),
the TCP stream, the flip time (from the first packet from v that reached
the edge over VLAN 2, a fast packet or the gateway's dummy packet, to the
client's first packet sent over VLAN 2) and the client's packets that
still went out over VLAN 1 after v resumed (through dc1's gateway and the
straggler tunnel).
"""
import argparse
import re

from scapy.all import IP, UDP, Ether, PcapReader


def packets(path):
    try:
        with PcapReader(path) as r:
            for p in r:
                yield p
    except FileNotFoundError:
        return


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--resumed", type=float, required=True)
    a.add_argument("--ping-log", required=True)
    a.add_argument("--up1", required=True)
    a.add_argument("--up2", required=True)
    a.add_argument("--client-mac", required=True)
    a.add_argument("--gateway-mac", required=True)
    a.add_argument("--vm", required=True)
    a.add_argument("--idle", nargs=2)
    a.add_argument("--tcp", default="")
    a.add_argument("--capture-logs", nargs="*", default=[])
    o = a.parse_args()
    client, gw = o.client_mac.lower(), o.gateway_mac.lower()

    log = open(o.ping_log).read()
    m = re.search(r"(\d+) packets transmitted, (\d+) received", log)
    sent, received = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    what = "ping"
    if o.idle:
        # The one-way stream: "sent N", counted where v received it.
        what = "UDP"
        m = re.search(r"sent (\d+)", log)
        sent = int(m.group(1)) if m else 0
        seqs = set()
        for path in o.idle:
            for p in packets(path):
                if UDP in p and p[UDP].dport == 7791:
                    seqs.add(bytes(p[UDP].payload)[:8])
        received = len(seqs)

    first_in = first_out = None
    kind = "none"
    for p in packets(o.up2):
        if IP not in p or Ether not in p:
            continue
        t = float(p.time)
        if (first_in is None and p[Ether].src.lower() == gw
                and p[IP].src == o.vm):
            first_in = t
            kind = ("dummy" if UDP in p and p[UDP].dport == 7788
                    else "fast")
        if (first_in is not None and first_out is None
                and p[Ether].src.lower() == client and p[IP].dst == o.vm):
            first_out = t
    via1 = 0
    for p in packets(o.up1):
        if (IP in p and Ether in p and float(p.time) > o.resumed
                and p[Ether].src.lower() == client and p[IP].dst == o.vm):
            via1 += 1

    flip = ("%.3f ms" % ((first_out - first_in) * 1000)
            if first_in is not None and first_out is not None else "none")
    # A capture that dropped frames would count them as lost: say so.
    for path in o.capture_logs:
        m = re.search(r"(\d+) packets dropped by kernel", open(path).read())
        if m and int(m.group(1)):
            print("capture %s dropped %s frames: the counts below are "
                  "wrong" % (path, m.group(1)))
    print("client: %s: %d sent, %d lost; TCP: %s; flip: %s after the %s "
          "packet; %d client packets through VLAN 1 after v resumed"
          % (what, sent, sent - received, o.tcp or "-", flip, kind, via1))


if __name__ == "__main__":
    main()
