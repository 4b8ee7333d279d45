#!/usr/bin/python3
"""A UDP probe for tests/netns/migration.sh.

  probe.py send ADDR PORT RATE SECONDS
      send RATE datagrams a second to ADDR:PORT for SECONDS, each carrying
      its send time (CLOCK_REALTIME, the clock packet captures use)
  probe.py first PCAP MAC PORT
      print, in microseconds, how long after the VM (MAC) announced itself
      in PCAP the first probe (UDP to PORT) or ping sent after the
      announcement reached it

Namespaces share the host's clock, so a probe's send time and its capture
time compare directly: the first probe sent after the announcement shows
when the VM's new location began forwarding to it.
"""
import socket
import struct
import sys
import time

MAGIC = b"roam-probe"


def send(addr, port, rate, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    interval = 1.0 / rate
    start = time.monotonic()
    n = 0
    while True:
        now = time.monotonic()
        if now - start >= seconds:
            break
        s.sendto(MAGIC + struct.pack("!d", time.time()), (addr, port))
        n += 1
        delay = start + n * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print("sent %d" % n)


def sent_time(p, port):
    """The send time a probe or a ping carries, or None."""
    from scapy.all import UDP, ICMP, Raw
    if Raw not in p:
        return None
    data = bytes(p[Raw].load)
    if UDP in p and p[UDP].dport == port and data.startswith(MAGIC):
        return struct.unpack("!d", data[len(MAGIC):len(MAGIC) + 8])[0]
    if ICMP in p and p[ICMP].type == 8 and len(data) >= 16:
        # ping's payload starts with its send time, a struct timeval.
        sec, usec = struct.unpack("<qq", data[:16])
        return sec + usec / 1e6
    return None


def first(pcap, mac, port):
    from scapy.all import rdpcap, ARP, Ether
    pkts = rdpcap(pcap)
    announce = next(float(p.time) for p in pkts
                    if ARP in p and p[Ether].src == mac)
    for p in pkts:
        if p[Ether].dst != mac:
            continue
        sent = sent_time(p, port)
        if sent is not None and sent >= announce:
            print("%d" % round((float(p.time) - announce) * 1e6))
            return
    sys.exit("no probe sent after the announcement reached the VM")


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]),
             float(sys.argv[5]))
    elif sys.argv[1] == "first":
        first(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(__doc__)
