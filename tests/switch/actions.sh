# Switch-level tests of roam's two OpenFlow actions, in a sandbox with the
# dummy datapath: text and wire round trips, malformed input, trace, and
# exact packets in and out through netdev-dummy.

VM_MAC=52:54:00:00:00:01
VM_IP=10.0.0.1
PSEUDO_MAC=0a:00:00:40:00:41
PSEUDO_IP=100.64.1.1
GW_MAC=aa:bb:cc:dd:ee:01
CLIENT_IP=10.9.0.1

REWRITE="roam_rewrite(side=src,from_mac=$VM_MAC,from_ip=$VM_IP,to_mac=$PSEUDO_MAC,to_ip=$PSEUDO_IP)"

# setup_bridge's p1 (ofport 1) is the VM's port, p2 (ofport 2) the uplink.
source "$ROAM_SRCDIR/tests/switch/helpers.bash"

test_add_dump_roundtrip() {
    setup_bridge
    local announce="roam_announce(dst=$CLIENT_IP,dst_mac=$GW_MAC,port=9999,rarp_ip=$VM_IP)"
    local mcast="roam_announce(dst=239.1.2.3)"
    local proto
    for proto in OpenFlow10 OpenFlow13 OpenFlow15; do
        as hv1 check ovs-ofctl -O $proto del-flows br0
        as hv1 check ovs-ofctl -O $proto add-flow br0 "priority=10,in_port=1,actions=$REWRITE,output:2"
        as hv1 check ovs-ofctl -O $proto add-flow br0 "priority=20,arp,in_port=1,actions=clone($announce),clone($mcast),NORMAL"
        check_eq "$(printf '%s\n' \
            "priority=10,in_port=1 actions=$REWRITE,output:2" \
            "priority=20,arp,in_port=1 actions=clone($announce),clone($mcast),NORMAL" | sort)" \
            "$(flows -O $proto)" "dump-flows in $proto"
    done
}

test_bad_syntax() {
    setup_bridge
    check_syntax_errors hv1 br0 <<EOF2
roam_rewrite(side=up,from_mac=$VM_MAC,from_ip=$VM_IP,to_mac=$PSEUDO_MAC,to_ip=$PSEUDO_IP)|side must be src, dst or both
roam_rewrite(side=src,from_mac=$VM_MAC,to_mac=$PSEUDO_MAC,to_ip=$PSEUDO_IP)|missing from_ip
roam_rewrite(side=src,from_mac=52:54:00:00:01,from_ip=$VM_IP,to_mac=$PSEUDO_MAC,to_ip=$PSEUDO_IP)|from_mac: invalid MAC address
roam_rewrite(side=src,from_mac=$VM_MAC,from_ip=10.0.0.256,to_mac=$PSEUDO_MAC,to_ip=$PSEUDO_IP)|from_ip: invalid IPv4 address
roam_rewrite(side=src,from_mac=01:00:5e:00:00:01,from_ip=$VM_IP,to_mac=$PSEUDO_MAC,to_ip=$PSEUDO_IP)|not a unicast MAC
roam_rewrite(side=src,side=dst,from_mac=$VM_MAC,from_ip=$VM_IP,to_mac=$PSEUDO_MAC,to_ip=$PSEUDO_IP)|side given twice
roam_rewrite(side=src,from_mac=$VM_MAC,from_ip=$VM_IP,to_mac=$VM_MAC,to_ip=$VM_IP)|are the same
roam_rewrite(side=src,color=red)|unknown argument "color"
roam_announce(dst_mac=$GW_MAC)|missing dst
roam_announce(dst=$CLIENT_IP)|a unicast dst needs a unicast dst_mac
roam_announce(dst=239.1.2.3,dst_mac=01:00:5e:00:00:09)|RFC 1112 group MAC
roam_announce(dst=$CLIENT_IP,dst_mac=$GW_MAC,port=0)|port must be nonzero
roam_announce(dst=$CLIENT_IP,dst_mac=$GW_MAC,port=70000)|is not a UDP port number
roam_announce(dst=$CLIENT_IP,dst_mac=$GW_MAC,ttl=3)|unknown argument "ttl"
EOF2
    # Neither action belongs in an OpenFlow 1.1+ action set: vswitchd
    # answers with an error (action_set_classify() knows them) and runs on.
    check_fails as hv1 ovs-ofctl -O OpenFlow13 add-flow br0 "in_port=1,actions=write_actions($REWRITE)"
    check_contains "$(cat "$T/check.out")" "OFPBAC_BAD_TYPE"
    check sim_alive hv1
}

# Wire encodings: a good action decodes and re-encodes to the same bytes in
# every OpenFlow version; a bad one is an OpenFlow error, never an abort.
test_wire_roundtrip_and_errors() {
    # roam_rewrite: type=ffff len=32 vendor=ROAM subtype=1 sides=1 pad=0 ...
    local rw="ff ff 00 20 52 4f 41 4d 00 01 01 00 52 54 00 00 00 01 0a 00 00 40 00 41 0a 00 00 01 64 40 01 01"
    # roam_announce: subtype=2 port=7788 dst=10.9.0.1 mac flags=0 rarp_ip=10.0.0.1
    local an="ff ff 00 20 52 4f 41 4d 00 02 1e 6c 0a 09 00 01 aa bb cc dd ee 01 00 00 0a 00 00 01 00 00 00 00"
    local v out
    for v in OpenFlow10 OpenFlow13 OpenFlow15; do
        out=$(printf '%s\n' "$rw" | ovs-ofctl parse-actions $v 2>&1)
        check_contains "$out" "$REWRITE"
        check_not_contains "$out" "bad"
        out=$(printf '%s\n' "$an" | ovs-ofctl parse-actions $v 2>&1)
        check_contains "$out" "roam_announce(dst=$CLIENT_IP,dst_mac=$GW_MAC,rarp_ip=$VM_IP)"
        check_not_contains "$out" "bad"
    done

    check_wire_errors <<EOF2
ff ff 00 18 52 4f 41 4d 00 01 01 00 52 54 00 00 00 01 0a 00 00 40 00 41|OFPBAC_BAD_LEN
ff ff 00 28 52 4f 41 4d 00 01 01 00 52 54 00 00 00 01 0a 00 00 40 00 41 0a 00 00 01 64 40 01 01 00 00 00 00 00 00 00 00|OFPBAC_BAD_LEN
ff ff 00 20 52 4f 41 4d 00 01 04 00 52 54 00 00 00 01 0a 00 00 40 00 41 0a 00 00 01 64 40 01 01|OFPBAC_BAD_ARGUMENT
ff ff 00 20 52 4f 41 4d 00 01 00 00 52 54 00 00 00 01 0a 00 00 40 00 41 0a 00 00 01 64 40 01 01|OFPBAC_BAD_ARGUMENT
ff ff 00 20 52 4f 41 4d 00 01 01 07 52 54 00 00 00 01 0a 00 00 40 00 41 0a 00 00 01 64 40 01 01|OFPBAC_BAD_ARGUMENT
ff ff 00 20 52 4f 41 4d 00 02 1e 6c 0a 09 00 01 aa bb cc dd ee 01 00 01 0a 00 00 01 00 00 00 00|OFPBAC_BAD_ARGUMENT
ff ff 00 20 52 4f 41 4d 00 02 1e 6c 0a 09 00 01 aa bb cc dd ee 01 00 00 0a 00 00 01 00 00 00 ff|OFPBAC_BAD_ARGUMENT
ff ff 00 20 52 4f 41 4d 00 02 1e 6c 0a 09 00 01 00 00 00 00 00 00 00 00 0a 00 00 01 00 00 00 00|OFPBAC_BAD_ARGUMENT
ff ff 00 20 52 4f 41 4d 00 09 1e 6c 0a 09 00 01 aa bb cc dd ee 01 00 00 0a 00 00 01 00 00 00 00|OFPBAC_BAD_VENDOR_TYPE
ff ff 00 10 52 4f 41 4d 00 01 01 00 00 00 00 00|OFPBAC_BAD_LEN
ff ff 00 20 52 4f 41 4d 00 01 01 00 00 00 00 00 00 00 0a 00 00 40 00 41 0a 00 00 01 64 40 01 01|OFPBAC_BAD_ARGUMENT
ff ff 00 20 52 4f 41 4d 00 01 01 00 52 54 00 00 00 01 ff ff ff ff ff ff 0a 00 00 01 64 40 01 01|OFPBAC_BAD_ARGUMENT
ff ff 00 20 52 4f 41 4d 00 01 01 00 52 54 00 00 00 01 01 00 5e 00 00 01 0a 00 00 01 64 40 01 01|OFPBAC_BAD_ARGUMENT
ff ff 00 20 52 4f 41 4d 00 01 01 00 52 54 00 00 00 01 0a 00 00 40 00 41 ff ff ff ff 64 40 01 01|OFPBAC_BAD_ARGUMENT
ff ff 00 20 52 4f 41 4d 00 01 01 00 52 54 00 00 00 01 0a 00 00 40 00 41 0a 00 00 01 00 00 00 00|OFPBAC_BAD_ARGUMENT
ff ff 00 20 52 4f 41 4d 00 01 01 00 52 54 00 00 00 01 0a 00 00 40 00 41 0a 00 00 01 e0 00 00 01|OFPBAC_BAD_ARGUMENT
ff ff 00 20 52 4f 41 4d 00 01 01 00 52 54 00 00 00 01 52 54 00 00 00 01 0a 00 00 01 0a 00 00 01|OFPBAC_BAD_ARGUMENT
EOF2

    # The same bad encodings sent to a running ovs-vswitchd in a flow_mod:
    # each gets an OpenFlow error and the daemon keeps running.
    setup_bridge
    local sock=$T/hv1/br0.mgmt
    out=$("$SYS_PYTHON" "$TOOLS/of-send" "$sock" flow-mod \
          "ff ff 00 20 52 4f 41 4d 00 01 04 00 52 54 00 00 00 01 0a 00 00 40 00 41 0a 00 00 01 64 40 01 01" \
          "ff ff 00 18 52 4f 41 4d 00 01 01 00 52 54 00 00 00 01 0a 00 00 40 00 41" \
          "ff ff 00 20 52 4f 41 4d 00 02 1e 6c 0a 09 00 01 aa bb cc dd ee 01 00 01 0a 00 00 01 00 00 00 00" \
          "$rw")
    check_eq "error OFPBAC_BAD_ARGUMENT
error OFPBAC_BAD_LEN
error OFPBAC_BAD_ARGUMENT
ok" "$out" "vswitchd replies"
    check sim_alive hv1
    check_contains "$(flows)" "actions=$REWRITE"
}

test_trace() {
    setup_bridge
    as hv1 check ovs-ofctl add-flow br0 "in_port=1,actions=$REWRITE,output:2"
    as hv1 check ovs-ofctl add-flow br0 "priority=40000,arp,in_port=1,actions=clone(roam_announce(dst=$CLIENT_IP,dst_mac=$GW_MAC),output:2)"
    local out
    out=$(as hv1 ovs-appctl ofproto/trace br0 "in_port=1,icmp,dl_src=$VM_MAC,dl_dst=$GW_MAC,nw_src=$VM_IP,nw_dst=$CLIENT_IP")
    check_contains "$out" "roam_rewrite changed the flow"
    check_contains "$out" "set(eth(src=$PSEUDO_MAC))"
    check_contains "$out" "set(ipv4(src=$PSEUDO_IP))"
    out=$(as hv1 ovs-appctl ofproto/trace br0 "in_port=1,arp,dl_src=$VM_MAC,dl_dst=ff:ff:ff:ff:ff:ff,arp_spa=$VM_IP,arp_tpa=$VM_IP,arp_op=1,arp_sha=$VM_MAC")
    check_contains "$out" "roam_announce(dst=$CLIENT_IP,dst_mac=$GW_MAC,port=7788,rarp_ip=0.0.0.0)"
    # An ARP probe is not an announcement: the clone drops it.
    out=$(as hv1 ovs-appctl ofproto/trace br0 "in_port=1,arp,dl_src=$VM_MAC,arp_spa=0.0.0.0,arp_tpa=$VM_IP,arp_op=1,arp_sha=$VM_MAC")
    check_contains "$out" "not an announcement: dropped"
    check_contains "$out" "Datapath actions: drop"
}

# Installs the recommended announcement flows: GARPs of the VM (matched on
# dl_src and arp_spa, the spoof guard) and RARPs of the VM's MAC.
announce_flows() {
    as hv1 check ovs-ofctl add-flow br0 "priority=20,arp,in_port=1,dl_src=$VM_MAC,arp_spa=$VM_IP,actions=clone(roam_announce(dst=$CLIENT_IP,dst_mac=$GW_MAC),output:2)"
    as hv1 check ovs-ofctl add-flow br0 "priority=20,rarp,in_port=1,dl_src=$VM_MAC,actions=clone(roam_announce(dst=$CLIENT_IP,dst_mac=$GW_MAC,rarp_ip=$VM_IP),output:2)"
    as hv1 check ovs-ofctl add-flow br0 "priority=10,arp,in_port=1,actions=drop"
}

# Injects COUNT copies of HEX into p1, about 1 ms apart.
inject() {
    local hex=$1 count=$2 i
    for i in $(seq "$count"); do
        receive hv1 p1 "$hex"
        sleep 0.001
    done
}

# Waits until p2 has sent COUNT packets, then checks they all equal HEX.
expect_tx() {
    local count=$1 hex=$2
    WAIT_TIMEOUT=10 wait_until pcap_has "$T/hv1/p2.pcap" "$count"
    local got
    got=$(pcap_hex "$T/hv1/p2.pcap")
    check_eq "$count" "$(echo "$got" | grep -c .)" "packet count on p2"
    check_eq "$hex" "$(echo "$got" | sort -u)" "dummy packet bytes"
}

announce_burst_test() {
    setup_bridge
    announce_flows
    inject "$(frame garp-request)" 5
    expect_tx 5 "$(frame dummy --dst "$CLIENT_IP" --dst-mac "$GW_MAC")"
    : > "$T/hv1/expected"
    inject "$(frame rarp)" 5
    WAIT_TIMEOUT=10 wait_until pcap_has "$T/hv1/p2.pcap" 10
    check_eq 5 "$(pcap_hex "$T/hv1/p2.pcap" | grep -c "$(frame dummy --dst "$CLIENT_IP" --dst-mac "$GW_MAC" --announce rarp)")" "RARP dummies"
    inject "$(frame garp-reply)" 5
    WAIT_TIMEOUT=10 wait_until pcap_has "$T/hv1/p2.pcap" 15
    check_eq 5 "$(pcap_hex "$T/hv1/p2.pcap" | grep -c "$(frame dummy --dst "$CLIENT_IP" --dst-mac "$GW_MAC" --announce garp-reply)")" "GARP reply dummies"
}

test_announce_burst_fast_path() {
    announce_burst_test
    # Fast path: the datapath converts packets itself.
    local dp
    dp=$(as hv1 ovs-appctl dpctl/dump-flows)
    check_contains "$dp" "roam_announce(dst=$CLIENT_IP"
    check_not_contains "$dp" "userspace("
    check_contains "$(as hv1 ovs-appctl dpif/show-dp-features br0)" "roam announce action: Yes"
}

test_announce_burst_slow_path() {
    setup_bridge
    as hv1 check ovs-appctl dpif/set-dp-features br0 roam_announce false
    announce_flows
    inject "$(frame garp-request)" 5
    expect_tx 5 "$(frame dummy --dst "$CLIENT_IP" --dst-mac "$GW_MAC")"
    inject "$(frame rarp)" 5
    WAIT_TIMEOUT=10 wait_until pcap_has "$T/hv1/p2.pcap" 10
    check_eq 5 "$(pcap_hex "$T/hv1/p2.pcap" | grep -c "$(frame dummy --dst "$CLIENT_IP" --dst-mac "$GW_MAC" --announce rarp)")" "RARP dummies"
    local dp
    dp=$(as hv1 ovs-appctl dpctl/dump-flows)
    check_not_contains "$dp" "roam_announce("
    check_contains "$dp" "userspace("
}

# Frames that are not announcements give nothing.  The only flow applies the
# action to everything, so it is the action itself that rejects them.
# Optional argument: "slow" to run on the slow-path fallback.
rejects_non_announcements() {
    setup_bridge
    if [ "${1:-}" = slow ]; then
        as hv1 check ovs-appctl dpif/set-dp-features br0 roam_announce false
    fi
    as hv1 check ovs-ofctl add-flow br0 "in_port=1,actions=clone(roam_announce(dst=$CLIENT_IP,dst_mac=$GW_MAC),output:2)"
    local kind
    for kind in probe arp-request bad-hlen bad-plen truncated udp; do
        inject "$(frame $kind)" 1
    done
    # A "GARP" whose sender IP is no host's: limited broadcast, multicast,
    # loopback, reserved.
    local ip
    for ip in 255.255.255.255 224.0.0.1 127.0.0.1 240.0.0.1; do
        inject "$(frame garp-request --ip $ip)" 1
    done
    # Then one real GARP, so we know everything before it was processed.
    inject "$(frame garp-request)" 1
    expect_tx 1 "$(frame dummy --dst "$CLIENT_IP" --dst-mac "$GW_MAC")"
    check sim_alive hv1
}

test_announce_rejects_non_announcements() {
    rejects_non_announcements
}

test_announce_rejects_non_announcements_slow_path() {
    rejects_non_announcements slow
}

# The recommended flows match the VM's dl_src and arp_spa: a GARP for the
# VM's IP from another MAC produces nothing, the VM's own GARP one dummy.
test_announce_spoof_guard() {
    setup_bridge
    announce_flows
    inject "$(frame spoof)" 3
    inject "$(frame garp-request)" 1
    expect_tx 1 "$(frame dummy --dst "$CLIENT_IP" --dst-mac "$GW_MAC")"
}

test_announce_vlan_and_multicast() {
    setup_bridge
    as hv1 check ovs-ofctl add-flow br0 "in_port=1,actions=clone(roam_announce(dst=239.1.2.3),output:2)"
    inject "$(frame garp-request --vlan 5)" 1
    expect_tx 1 "$(frame dummy --vlan 5 --dst 239.1.2.3 --dst-mac 01:00:5e:01:02:03)"
}

# A tag's DEI bit: Open vSwitch's flow cannot hold it, so the slow path
# cannot keep it; the fast path does not keep it either.  Both paths make
# the same dummy packet.
announce_dei() {
    setup_bridge
    if [ "${1:-}" = slow ]; then
        as hv1 check ovs-appctl dpif/set-dp-features br0 roam_announce false
    fi
    as hv1 check ovs-ofctl add-flow br0 "in_port=1,actions=clone(roam_announce(dst=239.1.2.3),output:2)"
    inject "$(frame garp-request --vlan 5 --dei)" 1
    expect_tx 1 "$(frame dummy --vlan 5 --dst 239.1.2.3 --dst-mac 01:00:5e:01:02:03)"
}

test_announce_dei_fast_path() {
    announce_dei
}

test_announce_dei_slow_path() {
    announce_dei slow
}

# Actions after roam_announce see the dummy packet's headers: a rewrite of
# the VM's identity turns the dummy's source into the pseudo identity.
test_announce_then_rewrite() {
    setup_bridge
    as hv1 check ovs-ofctl add-flow br0 "in_port=1,actions=clone(roam_announce(dst=239.1.2.3),$REWRITE,output:2)"
    inject "$(frame garp-request)" 1
    expect_tx 1 "$(frame dummy --mac $PSEUDO_MAC --ip $PSEUDO_IP --payload-mac $VM_MAC --dst 239.1.2.3 --dst-mac 01:00:5e:01:02:03)"
}

test_rewrite_ipv4_and_arp() {
    setup_bridge
    as hv1 check ovs-ofctl add-flow br0 "in_port=1,actions=$REWRITE,output:2"
    receive hv1 p1 "$(frame icmp --dst "$CLIENT_IP")"
    receive hv1 p1 "$(frame arp-reply --dst "$CLIENT_IP")"
    receive hv1 p1 "$(frame udp --dst "$CLIENT_IP")"
    WAIT_TIMEOUT=10 wait_until pcap_has "$T/hv1/p2.pcap" 3
    check_eq "$(frame icmp --mac $PSEUDO_MAC --ip $PSEUDO_IP --dst "$CLIENT_IP")
$(frame arp-reply --mac $PSEUDO_MAC --ip $PSEUDO_IP --dst "$CLIENT_IP")
$(frame udp --mac $PSEUDO_MAC --ip $PSEUDO_IP --dst "$CLIENT_IP")" \
        "$(pcap_hex "$T/hv1/p2.pcap")" "rewritten packets"
    local dp
    dp=$(as hv1 ovs-appctl dpctl/dump-flows)
    check_not_contains "$dp" "userspace("
    check_contains "$dp" "arp("
}

# The Python flow parsers in the OVS tree understand both actions.
test_python_flow_parser() {
    setup_bridge
    as hv1 check ovs-ofctl add-flow br0 "in_port=1,actions=clone(roam_announce(dst=$CLIENT_IP,dst_mac=$GW_MAC,rarp_ip=$VM_IP),output:2),$REWRITE"
    flows > "$T/flows.txt"
    local out
    out=$(PYTHONPATH=$OVS_BUILDDIR/python "$SYS_PYTHON" - "$T/flows.txt" <<'EOF2'
import sys
from ovs.flow.ofp import OFPFlow
for line in open(sys.argv[1]):
    f = OFPFlow(line.strip())
    for a in f.actions_kv:
        if a.key == "roam_rewrite":
            print("rewrite", a.value["side"], a.value["to_ip"])
        elif a.key == "clone":
            for inner in a.value:
                if "roam_announce" in inner:
                    print("announce", inner["roam_announce"]["dst"],
                          inner["roam_announce"]["rarp_ip"])
EOF2
)
    check_eq "announce 10.9.0.1/32 10.0.0.1/32
rewrite src 100.64.1.1/32" "$out" "python parser"

    # The datapath flow parser understands the datapath action.
    as hv1 check ovs-appctl netdev-dummy/receive p1 "$(frame garp-request)"
    WAIT_TIMEOUT=10 wait_until pcap_has "$T/hv1/p2.pcap" 1
    as hv1 ovs-appctl dpctl/dump-flows | grep roam_announce > "$T/dp.txt"
    out=$(PYTHONPATH=$OVS_BUILDDIR/python "$SYS_PYTHON" - "$T/dp.txt" <<'EOF2'
import sys
from ovs.flow.odp import ODPFlow
for line in open(sys.argv[1]):
    f = ODPFlow(line.strip())
    for a in f.actions_kv:
        if a.key == "roam_announce":
            print(a.value["dst"], a.value["dst_mac"], a.value["port"],
                  a.value["rarp_ip"])
EOF2
)
    check_eq "10.9.0.1/32 aa:bb:cc:dd:ee:1 7788 10.0.0.1/32" "$out" \
        "python datapath parser"
}

# Random action bodies under roam's experimenter header, both subtypes and
# assorted lengths: every one is decoded or refused with an OpenFlow error,
# by ovs-ofctl and by a running ovs-vswitchd, and nothing aborts.
test_wire_fuzz() {
    setup_bridge
    "$SYS_PYTHON" - "$T/fuzz.txt" <<'EOF2'
import random
import sys
rng = random.Random(20261123)
with open(sys.argv[1], "w") as f:
    for i in range(300):
        subtype = rng.choice([1, 2, 3, 0, 0xffff])
        length = rng.choice([16, 24, 32, 32, 32, 40, 48])
        body = bytes(rng.getrandbits(8) for _ in range(length - 10))
        declared = length if rng.random() > 0.1 else rng.choice([0, 8, 64])
        hdr = bytes([0xff, 0xff, declared >> 8, declared & 0xff]) + b"ROAM" \
            + bytes([subtype >> 8, subtype & 0xff])
        f.write((hdr + body).hex() + "\n")
EOF2
    local line out rc n=0
    while read -r line; do
        out=$(echo "$line" | ovs-ofctl parse-actions OpenFlow13 2>&1) && rc=0 || rc=$?
        if [ "$rc" -ge 128 ]; then
            fail "ovs-ofctl died on $line"
        fi
    done < "$T/fuzz.txt"
    # The first 60 go to ovs-vswitchd as flow_mods.
    out=$("$SYS_PYTHON" "$TOOLS/of-send" "$T/hv1/br0.mgmt" flow-mod \
          $(head -60 "$T/fuzz.txt" | sed 's/.*/"&"/' | tr -d '"'))
    n=$(echo "$out" | grep -c . || true)
    check_eq 60 "$n" "replies from ovs-vswitchd"
    check sim_alive hv1
}
