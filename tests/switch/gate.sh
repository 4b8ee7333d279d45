# Switch-level tests of roam_gate, the action that holds an arriving VM's
# frames in the datapath until the VM announces itself: text and wire
# forms, malformed input, trace, and exact frames through netdev-dummy.

VM_MAC=52:54:00:00:00:01
VM_IP=10.0.0.1
GW_MAC=aa:bb:cc:dd:ee:01

# setup_bridge's p1 (ofport 1) is the uplink, p2 (ofport 2) the VM's port.
source "$ROAM_SRCDIR/tests/switch/helpers.bash"

# to_vm N: a UDP frame for the VM whose source IP 10.9.0.N tells frames
# apart.
to_vm() {
    frame udp --mac $GW_MAC --ip "10.9.0.$1" --dst $VM_IP --dst-mac $VM_MAC
}

# The gate: frames for the VM wait for it; the VM's first frame opens it.
gate_flows() {
    local limit=${1:+,limit=$1}
    as hv1 check ovs-ofctl add-flow br0 "priority=100,dl_dst=$VM_MAC,actions=roam_gate(id=0x52$limit),output:2"
    as hv1 check ovs-ofctl add-flow br0 "priority=100,in_port=2,actions=roam_gate(id=0x52,open),output:1"
}

gate_show() {
    as hv1 ovs-appctl roam/gate-show
}

# The source IPs of the frames p2 sent, in order.
vm_got() {
    "$SYS_PYTHON" - "$T/hv1/p2.pcap" <<'PY'
import sys
from scapy.all import rdpcap, IP
print(" ".join(p[IP].src for p in rdpcap(sys.argv[1]) if IP in p))
PY
}

test_add_dump_roundtrip() {
    setup_bridge
    local proto
    for proto in OpenFlow10 OpenFlow13 OpenFlow15; do
        as hv1 check ovs-ofctl -O $proto del-flows br0
        as hv1 check ovs-ofctl -O $proto add-flow br0 "priority=10,dl_dst=$VM_MAC,actions=roam_gate(id=0x1234),output:2"
        as hv1 check ovs-ofctl -O $proto add-flow br0 "priority=20,in_port=2,actions=roam_gate(id=4660,open),NORMAL"
        as hv1 check ovs-ofctl -O $proto add-flow br0 "priority=30,ip,dl_dst=$VM_MAC,actions=roam_gate(id=0x1234,limit=7),output:2"
        check_eq "$(printf '%s\n' \
            "priority=10,dl_dst=$VM_MAC actions=roam_gate(id=0x1234),output:2" \
            "priority=20,in_port=2 actions=roam_gate(id=0x1234,open),NORMAL" \
            "priority=30,ip,dl_dst=$VM_MAC actions=roam_gate(id=0x1234,limit=7),output:2" | sort)" \
            "$(flows -O $proto)" "dump-flows in $proto"
    done
}

test_bad_syntax() {
    setup_bridge
    check_syntax_errors hv1 br0 <<EOF2
roam_gate()|missing id
roam_gate(id=0)|id must be nonzero
roam_gate(id=x)|id: "x" is not a number
roam_gate(id=1,limit=0)|limit: "0" is not a positive number
roam_gate(id=1,limit=70000)|limit is larger than 65536
roam_gate(id=1,open,limit=5)|limit applies only to a gate that holds
roam_gate(id=1,open=yes)|open takes no value
roam_gate(id=1,id=2)|id given twice
roam_gate(id=1,color=red)|unknown argument "color"
EOF2
    check sim_alive hv1
}

test_wire_roundtrip_and_errors() {
    # roam_gate: type=ffff len=24 vendor=ROAM subtype=3 flags limit id
    local hold="ff ff 00 18 52 4f 41 4d 00 03 00 00 00 00 00 05 00 00 00 00 00 00 00 52"
    local open="ff ff 00 18 52 4f 41 4d 00 03 00 01 00 00 00 00 00 00 00 00 00 00 00 52"
    local v out
    for v in OpenFlow10 OpenFlow13 OpenFlow15; do
        out=$(printf '%s\n' "$hold" | ovs-ofctl parse-actions $v 2>&1)
        check_contains "$out" "roam_gate(id=0x52,limit=5)"
        check_not_contains "$out" "bad"
        out=$(printf '%s\n' "$open" | ovs-ofctl parse-actions $v 2>&1)
        check_contains "$out" "roam_gate(id=0x52,open)"
        check_not_contains "$out" "bad"
    done

    check_wire_errors <<EOF2
ff ff 00 10 52 4f 41 4d 00 03 00 00 00 00 00 05|OFPBAC_BAD_LEN
ff ff 00 18 52 4f 41 4d 00 03 00 00 00 00 00 05 00 00 00 00 00 00 00 00|OFPBAC_BAD_ARGUMENT
ff ff 00 18 52 4f 41 4d 00 03 00 02 00 00 00 05 00 00 00 00 00 00 00 52|OFPBAC_BAD_ARGUMENT
ff ff 00 18 52 4f 41 4d 00 03 00 01 00 00 00 05 00 00 00 00 00 00 00 52|OFPBAC_BAD_ARGUMENT
ff ff 00 18 52 4f 41 4d 00 03 00 00 00 01 00 01 00 00 00 00 00 00 00 52|OFPBAC_BAD_ARGUMENT
EOF2

    # The same bad encodings in a flow_mod to a running ovs-vswitchd: each
    # gets an OpenFlow error and the daemon keeps running.
    setup_bridge
    out=$("$SYS_PYTHON" "$TOOLS/of-send" "$T/hv1/br0.mgmt" flow-mod \
          "ff ff 00 18 52 4f 41 4d 00 03 00 02 00 00 00 05 00 00 00 00 00 00 00 52" \
          "ff ff 00 10 52 4f 41 4d 00 03 00 00 00 00 00 05" \
          "$hold")
    check_eq "error OFPBAC_BAD_ARGUMENT
error OFPBAC_BAD_LEN
ok" "$out" "vswitchd replies"
    check sim_alive hv1
    check_contains "$(flows)" "actions=roam_gate(id=0x52,limit=5)"
}

test_trace() {
    setup_bridge
    gate_flows
    local out
    out=$(as hv1 ovs-appctl ofproto/trace br0 "in_port=1,udp,dl_src=$GW_MAC,dl_dst=$VM_MAC")
    check_contains "$out" "held until gate 0x52 opens"
    check_contains "$out" "Datapath actions: roam_gate(id=0x52,limit=1024,actions(2))"
    out=$(as hv1 ovs-appctl ofproto/trace br0 "in_port=2,arp,dl_src=$VM_MAC,dl_dst=ff:ff:ff:ff:ff:ff")
    check_contains "$out" "Datapath actions: roam_gate(id=0x52,open),1"
    # A trace holds nothing.
    check_eq "" "$(gate_show)" "gates after a trace"
}

# Frames for the VM are held in the datapath, in order, until its first
# frame opens the gate; then they reach it before anything else, and later
# frames pass straight through, with no new upcall.
test_hold_then_open() {
    setup_bridge
    gate_flows
    local i
    for i in 1 2 3; do
        receive hv1 p1 "$(to_vm $i)"
    done
    as hv1 wait_until sh -c "ovs-appctl roam/gate-show | grep -q 'closed, queued 3, held 3'"
    check_not_contains "$(as hv1 ovs-appctl dpctl/dump-flows)" "actions:2"
    check_contains "$(as hv1 ovs-appctl dpctl/dump-flows)" "roam_gate(id=0x52,limit=1024,actions(2))"
    check_eq "" "$(vm_got)" "frames at the VM before it announced itself"

    receive hv1 p2 "$(frame garp-request --mac $VM_MAC --ip $VM_IP)"
    wait_until pcap_has "$T/hv1/p2.pcap" 3
    check_eq "10.9.0.1 10.9.0.2 10.9.0.3" "$(vm_got)" "held frames, in order"
    check_contains "$(gate_show)" "gate 0x52: open, queued 0, held 3, released 3, passed 0, dropped 0"

    # The datapath flow that held frames now lets them through.
    receive hv1 p1 "$(to_vm 4)"
    wait_until pcap_has "$T/hv1/p2.pcap" 4
    check_eq "10.9.0.1 10.9.0.2 10.9.0.3 10.9.0.4" "$(vm_got)" "a frame after the gate opened"
    check_contains "$(gate_show)" "released 3, passed 1"
    check_contains "$(as hv1 ovs-appctl coverage/read-counter roam_gate_released)" "3"
}

# A full queue drops, and counts, what does not fit; what fits is kept.
test_limit() {
    setup_bridge
    gate_flows 2
    local i
    for i in 1 2 3 4; do
        receive hv1 p1 "$(to_vm $i)"
    done
    as hv1 wait_until sh -c "ovs-appctl roam/gate-show | grep -q 'held 4'"
    check_contains "$(gate_show)" "closed, queued 2, held 4, released 0, passed 0, dropped 2"
    receive hv1 p2 "$(frame garp-request --mac $VM_MAC --ip $VM_IP)"
    wait_until pcap_has "$T/hv1/p2.pcap" 2
    check_eq "10.9.0.1 10.9.0.2" "$(vm_got)" "the frames that fit"
    check_contains "$(as hv1 ovs-appctl coverage/read-counter roam_gate_dropped)" "2"
}

# Held frames go through the rest of the pipeline when released: here a
# rewrite of their destination and a resubmit to another table.
test_release_runs_pipeline() {
    setup_bridge
    as hv1 check ovs-ofctl add-flow br0 "priority=100,dl_dst=$VM_MAC,actions=roam_gate(id=9),mod_nw_tos:32,resubmit(,1)"
    as hv1 check ovs-ofctl add-flow br0 "table=1,actions=output:2"
    as hv1 check ovs-ofctl add-flow br0 "priority=100,in_port=2,actions=roam_gate(id=9,open)"
    receive hv1 p1 "$(to_vm 1)"
    as hv1 wait_until sh -c "ovs-appctl roam/gate-show | grep -q 'queued 1'"
    receive hv1 p2 "$(frame garp-request --mac $VM_MAC --ip $VM_IP)"
    wait_until pcap_has "$T/hv1/p2.pcap" 1
    check_eq "32" "$("$SYS_PYTHON" -c "
from scapy.all import rdpcap, IP
print(rdpcap('$T/hv1/p2.pcap')[0][IP].tos)")" "tos set after the gate"
}

# The datapath action's text form parses back to itself, and malformed
# ones are refused.
test_odp_text_roundtrip() {
    setup_bridge
    local dp=dummy@ovs-dummy
    as hv1 check ovs-appctl dpctl/add-flow $dp "in_port(1),eth(),eth_type(0x1234)" \
        "roam_gate(id=0x5,limit=3,actions(set(eth(src=00:00:00:00:00:07)),2))"
    as hv1 check ovs-appctl dpctl/add-flow $dp "in_port(2),eth(),eth_type(0x1235)" \
        "roam_gate(id=0x5,open),1"
    local out
    out=$(as hv1 ovs-appctl dpctl/dump-flows $dp)
    check_contains "$out" "actions:roam_gate(id=0x5,limit=3,actions(set(eth(src=00:00:00:00:00:07)),2))"
    check_contains "$out" "actions:roam_gate(id=0x5,open),1"
    local bad
    for bad in "roam_gate(id=0,open)" "roam_gate(id=0x5,limit=0,actions(2))" \
               "roam_gate(id=0x5,limit=3,actions(2)" "roam_gate(id=0x5)" \
               "roam_gate(id=0x5,limit=3,actions(bogus))"; do
        check_fails as hv1 ovs-appctl dpctl/add-flow $dp "in_port(1),eth(),eth_type(0x1236)" "$bad"
    done
    check sim_alive hv1
}
