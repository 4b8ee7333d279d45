#!/bin/bash
#
# Copyright (c) 2026 The roam authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# Regenerates the test frames in tests/data (see tests/data/README.md).
#
# Usage: tools/gen-test-frames.sh [OUTPUT-DIR]
#
# Part one captures real frames sent by Linux and by arping between two
# network namespaces joined by a veth pair, with tcpdump on the receiving
# end.  Part two builds the frames that Linux will not send (RARP, QinQ,
# malformed ARP) with scapy.  Each file holds exactly one frame.
#
# Needs root, ip (iproute2), tcpdump, arping (Thomas Habets' arping, the
# Debian "arping" package) and /usr/bin/python3 with python3-scapy.  Running
# it again overwrites the files; only the timestamps of the captured frames
# change.  The namespaces are removed on exit, whatever happens.

set -euo pipefail

case ${1:-} in
    -h|--help)
        echo "usage: $0 [OUTPUT-DIR]   (default: tests/data)"
        exit 0
        ;;
    -*)
        echo "$0: unknown option $1 (try --help)" >&2
        exit 1
        ;;
esac

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$TOP/tests/data}
PYTHON=/usr/bin/python3

# Addresses shared with tests/unit/check-announce.c.
VM_MAC=52:54:00:12:34:56
VM_IP=192.0.2.10
PEER_MAC=52:54:00:ab:cd:ef
PEER_IP=192.0.2.20
UNUSED_IP=192.0.2.30

NS_VM=roamgen-vm-$$
NS_PEER=roamgen-peer-$$
WORK=
TCPDUMP_PID=

cleanup() {
    if [ -n "$TCPDUMP_PID" ]; then
        kill "$TCPDUMP_PID" 2>/dev/null || true
        wait "$TCPDUMP_PID" 2>/dev/null || true
    fi
    ip netns del "$NS_VM" 2>/dev/null || true
    ip netns del "$NS_PEER" 2>/dev/null || true
    if [ -n "$WORK" ]; then
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

die() {
    echo "$0: $*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (network namespaces)"
for tool in ip tcpdump arping ping; do
    command -v "$tool" >/dev/null || die "$tool not found"
done
"$PYTHON" -c 'import scapy.all' 2>/dev/null \
    || die "$PYTHON cannot import scapy (apt-get install python3-scapy)"

mkdir -p -- "$OUT"
WORK=$(mktemp -d)

# Two namespaces: "vm" (va, the announcing VM) and "peer" (vb, its switch).
ip netns add "$NS_VM"
ip netns add "$NS_PEER"
ip link add va netns "$NS_VM" address "$VM_MAC" type veth \
    peer name vb netns "$NS_PEER" address "$PEER_MAC"
for ns in "$NS_VM" "$NS_PEER"; do
    # No IPv6 chatter (router solicitations, MLD) on the wire.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
done
ip -n "$NS_VM" addr add "$VM_IP/24" dev va
ip -n "$NS_PEER" addr add "$PEER_IP/24" dev vb
ip -n "$NS_VM" link set va up
ip -n "$NS_PEER" link set vb up

# capture NS DEV FILE FILTER COMMAND...
#
# Captures into OUT/FILE the first frame that DEV in namespace NS receives
# and that matches tcpdump FILTER, while COMMAND runs.  COMMAND's exit status
# does not matter (arping reports unanswered requests as failures); missing
# the frame does.
capture() {
    local ns=$1 dev=$2 file=$3 filter=$4
    local err=$WORK/tcpdump.err

    shift 4
    rm -f "$WORK/$file" "$err"
    ip netns exec "$ns" timeout 10 tcpdump -Z root -U -Q in -i "$dev" \
        -c 1 -w "$WORK/$file" "$filter" 2>"$err" &
    TCPDUMP_PID=$!
    for _ in $(seq 100); do
        if grep -q 'listening on' "$err" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    grep -q 'listening on' "$err" || die "tcpdump did not start: $(cat "$err")"
    sleep 0.2

    "$@" >/dev/null 2>&1 || true

    if ! wait "$TCPDUMP_PID"; then
        TCPDUMP_PID=
        die "no frame captured for $file: $(cat "$err")"
    fi
    TCPDUMP_PID=
    mv "$WORK/$file" "$OUT/$file"
    echo "captured $file"
}

in_vm() {
    ip netns exec "$NS_VM" "$@"
}

# Frames the peer receives from the VM.
capture "$NS_PEER" vb garp-request-arping.pcap 'arp' \
    in_vm arping -q -U -i va -S "$VM_IP" -c 1 -w 1 "$VM_IP"
capture "$NS_PEER" vb garp-reply-arping.pcap 'arp' \
    in_vm arping -q -U -P -i va -S "$VM_IP" -c 1 -w 1 "$VM_IP"
capture "$NS_PEER" vb garp-request-vlan-arping.pcap 'vlan' \
    in_vm arping -q -U -V 100 -i va -S "$VM_IP" -c 1 -w 1 "$VM_IP"
capture "$NS_PEER" vb arp-probe-arping.pcap 'arp' \
    in_vm arping -q -0 -i va -c 1 -w 1 "$PEER_IP"
capture "$NS_PEER" vb arp-request-ping.pcap 'arp' \
    in_vm ping -c 1 -W 1 "$UNUSED_IP"

# The peer's kernel answering an ordinary ARP request from the VM.
in_vm ip neigh flush dev va
capture "$NS_VM" va arp-reply-kernel.pcap 'arp' \
    in_vm ping -c 1 -W 1 "$PEER_IP"

# The VM kernel's own gratuitous ARP when the link comes up (arp_notify).
in_vm sysctl -qw net.ipv4.conf.va.arp_notify=1
capture "$NS_PEER" vb garp-request-arp-notify.pcap 'arp' \
    sh -c "ip -n $NS_VM link set va down && ip -n $NS_VM link set va up"

# Frames that Linux does not send, built with scapy.  Fixed timestamps keep
# these files byte-for-byte reproducible.
"$PYTHON" - "$OUT" "$VM_MAC" "$VM_IP" <<'EOF'
import os
import sys

from scapy.all import ARP, Dot1Q, Ether, IP, UDP, Raw
from scapy.utils import RawPcapWriter

out, vm_mac, vm_ip = sys.argv[1:4]
BCAST = "ff:ff:ff:ff:ff:ff"
TIME = 1767225600           # 2026-01-01 00:00:00 UTC.


def write(name, frame, endianness="<"):
    data = bytes(frame)
    w = RawPcapWriter(os.path.join(out, name), linktype=1,
                      endianness=endianness)
    w.write_header(data)
    w.write_packet(data, sec=TIME, usec=0)
    w.close()
    print("built %s (%d bytes)" % (name, len(data)))


def garp(op=1, src=vm_mac, sha=vm_mac, ip=vm_ip):
    return ARP(op=op, hwsrc=sha, psrc=ip, hwdst="00:00:00:00:00:00", pdst=ip)


def patched(frame, offset, value):
    data = bytearray(bytes(frame))
    data[offset:offset + len(value)] = value
    return bytes(data)


# QEMU's self-announcement after live migration (qemu_announce_self): RARP
# "request reverse", sha == tha == VM MAC, no IPs, zero-padded to 60 bytes.
rarp = ARP(op=3, hwsrc=vm_mac, psrc="0.0.0.0", hwdst=vm_mac, pdst="0.0.0.0")
eth_rarp = Ether(dst=BCAST, src=vm_mac, type=0x8035)
write("rarp-request-qemu.pcap", eth_rarp / rarp / Raw(b"\0" * 18))
write("rarp-reply.pcap",
      eth_rarp / ARP(op=4, hwsrc=vm_mac, psrc="0.0.0.0",
                     hwdst=vm_mac, pdst=vm_ip))
write("rarp-request-tha-mismatch.pcap",
      eth_rarp / ARP(op=3, hwsrc=vm_mac, psrc="0.0.0.0",
                     hwdst="52:54:00:99:99:99", pdst="0.0.0.0"))

# Tagged gratuitous ARP.
eth = Ether(dst=BCAST, src=vm_mac)
write("garp-request-8021q.pcap",
      eth / Dot1Q(prio=3, vlan=100) / garp())
write("garp-request-qinq.pcap",
      Ether(dst=BCAST, src=vm_mac, type=0x88a8)
      / Dot1Q(vlan=10, type=0x8100) / Dot1Q(vlan=20) / garp())
# The DEI bit is set: the classifier clears it, as Open vSwitch's flow
# (and so the slow path) cannot keep it.
write("garp-request-dei.pcap",
      eth / Dot1Q(prio=3, id=1, vlan=100) / garp())
write("garp-request-3tags.pcap",
      Ether(dst=BCAST, src=vm_mac, type=0x88a8)
      / Dot1Q(vlan=10, type=0x8100) / Dot1Q(vlan=20, type=0x8100)
      / Dot1Q(vlan=30) / garp())

# Malformed ARP: one header field wrong each.  The ARP header starts at
# byte 14: htype 14-15, ptype 16-17, hlen 18, plen 19, opcode 20-21.
good = eth / garp()
write("arp-bad-htype.pcap", patched(good, 14, b"\x00\x06"))
write("arp-bad-ptype.pcap", patched(good, 16, b"\x86\xdd"))
write("arp-bad-hlen.pcap", patched(good, 18, b"\x08"))
write("arp-bad-plen.pcap", patched(good, 19, b"\x10"))
write("arp-bad-opcode.pcap", patched(good, 20, b"\x00\x03"))
write("arp-truncated-30.pcap", bytes(good)[:30])

# Gratuitous ARP with a bad sender MAC.
write("garp-spoofed-sha.pcap", eth / garp(sha="52:54:00:66:66:66"))
write("garp-multicast-sha.pcap",
      Ether(dst=BCAST, src="01:00:5e:00:00:01")
      / garp(sha="01:00:5e:00:00:01"))
write("garp-zero-sha.pcap",
      Ether(dst=BCAST, src="00:00:00:00:00:00")
      / garp(sha="00:00:00:00:00:00"))

# Gratuitous ARPs whose sender IP is no host's: limited broadcast,
# multicast, loopback, reserved.
write("garp-spa-broadcast.pcap", eth / garp(ip="255.255.255.255"))
write("garp-spa-multicast.pcap", eth / garp(ip="224.0.0.1"))
write("garp-spa-loopback.pcap", eth / garp(ip="127.0.0.1"))
write("garp-spa-reserved.pcap", eth / garp(ip="240.0.0.1"))

# Not ARP at all.
write("ipv4-udp.pcap",
      eth / IP(src=vm_ip, dst="192.0.2.255") / UDP(sport=7788, dport=7788)
      / Raw(b"ROAM"))

# A gratuitous ARP reply in a big-endian pcap file, for the reader.
write("garp-reply-bigendian.pcap", eth / garp(op=2), endianness=">")
EOF

echo "frames written to $OUT"
