#!/usr/bin/python3
"""Builds test frames with scapy and prints them as hex, one per line.

roam's switch-level and real-traffic tests use these frames as input and as
the independent expectation for what roam's actions must emit: checksums in
an expected dummy packet are scapy's, not roam's.

Usage: frames.py KIND [--key value ...]; see build() for the kinds.
"""
import argparse
import sys

from scapy.all import ARP, Dot1Q, Ether, ICMP, IP, Raw, UDP  # noqa: E402

BCAST = "ff:ff:ff:ff:ff:ff"
KINDS = {"garp-request": 1, "garp-reply": 2, "rarp": 3}


DEI = False


def tagged(pkt_l2, vlan, rest):
    if vlan is not None:
        return pkt_l2 / Dot1Q(vlan=vlan, id=1 if DEI else 0) / rest
    return pkt_l2 / rest


def build(a):
    mac, ip = a.mac, a.ip
    if a.kind == "garp-request":
        return tagged(Ether(src=mac, dst=BCAST), a.vlan,
                      ARP(op=1, hwsrc=mac, psrc=ip, hwdst="00:00:00:00:00:00",
                          pdst=ip))
    if a.kind == "garp-reply":
        return tagged(Ether(src=mac, dst=BCAST), a.vlan,
                      ARP(op=2, hwsrc=mac, psrc=ip, hwdst=BCAST, pdst=ip))
    if a.kind == "rarp":
        e = Ether(src=mac, dst=BCAST, type=0x8035)
        return e / ARP(op=3, hwsrc=mac, psrc="0.0.0.0", hwdst=mac,
                       pdst="0.0.0.0")
    if a.kind == "probe":
        return Ether(src=mac, dst=BCAST) / ARP(
            op=1, hwsrc=mac, psrc="0.0.0.0", hwdst="00:00:00:00:00:00",
            pdst=ip)
    if a.kind == "arp-request":
        return Ether(src=mac, dst=BCAST) / ARP(
            op=1, hwsrc=mac, psrc=ip, hwdst="00:00:00:00:00:00", pdst=a.dst)
    if a.kind == "spoof":
        # A GARP for 'ip' whose Ethernet source and sha are another MAC.
        return Ether(src=a.other, dst=BCAST) / ARP(
            op=1, hwsrc=a.other, psrc=ip, hwdst="00:00:00:00:00:00", pdst=ip)
    if a.kind == "bad-hlen":
        return Ether(src=mac, dst=BCAST) / ARP(
            op=1, hwlen=8, hwsrc=mac, psrc=ip, pdst=ip)
    if a.kind == "bad-plen":
        return Ether(src=mac, dst=BCAST) / ARP(
            op=1, plen=5, hwsrc=mac, psrc=ip, pdst=ip)
    if a.kind == "truncated":
        full = bytes(Ether(src=mac, dst=BCAST) / ARP(
            op=1, hwsrc=mac, psrc=ip, pdst=ip))
        return Raw(full[:30])
    if a.kind == "dummy":
        vm_mac = a.payload_mac or mac
        payload = (b"ROAM" + bytes([1, KINDS[a.announce], 0, 0])
                   + bytes.fromhex(vm_mac.replace(":", "")) + b"\0\0")
        return tagged(Ether(src=mac, dst=a.dst_mac), a.vlan,
                      IP(src=ip, dst=a.dst, ttl=64, flags="DF", id=0)
                      / UDP(sport=a.port, dport=a.port) / Raw(payload))
    if a.kind == "udp":
        return tagged(Ether(src=mac, dst=a.dst_mac), a.vlan,
                      IP(src=ip, dst=a.dst, ttl=64)
                      / UDP(sport=1234, dport=5678)
                      / Raw(b"roam-test-payload"))
    if a.kind == "icmp":
        return Ether(src=mac, dst=a.dst_mac) / IP(src=ip, dst=a.dst, ttl=64) \
            / ICMP(id=7, seq=1) / Raw(b"roam")
    if a.kind == "arp-reply":
        return Ether(src=mac, dst=a.dst_mac) / ARP(
            op=2, hwsrc=mac, psrc=ip, hwdst=a.dst_mac, pdst=a.dst)
    sys.exit("frames.py: unknown kind %s" % a.kind)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kind")
    p.add_argument("--mac", default="52:54:00:00:00:01")
    p.add_argument("--ip", default="10.0.0.1")
    p.add_argument("--other", default="52:54:00:00:00:99")
    p.add_argument("--dst", default="10.9.0.1")
    p.add_argument("--dst-mac", default="aa:bb:cc:dd:ee:01")
    p.add_argument("--port", type=int, default=7788)
    p.add_argument("--vlan", type=int)
    p.add_argument("--dei", action="store_true",
                   help="set the VLAN tag's DEI bit")
    p.add_argument("--announce", default="garp-request")
    p.add_argument("--payload-mac", help="VM MAC in a dummy's payload "
                   "(default: --mac)")
    a = p.parse_args()
    global DEI
    DEI = a.dei
    print(bytes(build(a)).hex())


if __name__ == "__main__":
    main()
