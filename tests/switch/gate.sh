# Switch-level tests of roam_gate, the action that holds an arriving VM's
# frames in the datapath until the VM announces itself, and diverts a
# departing VM's frames once it pauses: text and wire forms, malformed
# input, trace, exact frames through netdev-dummy, counters, release order
# across PMD threads, and flows built to break it.

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
    as hv1 check ovs-ofctl add-flow br0 "priority=100,dl_dst=$VM_MAC,actions=roam_gate(id=0x52$limit,port=2),output:2"
    as hv1 check ovs-ofctl add-flow br0 "priority=100,in_port=2,actions=roam_gate(id=0x52,open),output:1"
}

gate_show() {
    as hv1 ovs-appctl roam/gate-show
}

# gate_field ID FIELD: one counter of gate ID, from roam/gate-show --json.
gate_field() {
    as hv1 ovs-appctl roam/gate-show --json "$1" | "$SYS_PYTHON" -c "
import json, sys
gates = json.load(sys.stdin)['gates']
print(gates[0]['$2'] if gates else 'none')"
}

# gate_field_is ID FIELD VALUE: for wait_until.
gate_field_is() {
    [ "$(gate_field "$1" "$2")" = "$3" ]
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
        as hv1 check ovs-ofctl -O $proto add-flow br0 "priority=30,ip,dl_dst=$VM_MAC,actions=roam_gate(id=0x1234,limit=7,port=p2),output:2"
        as hv1 check ovs-ofctl -O $proto add-flow br0 "priority=40,arp,dl_dst=$VM_MAC,actions=roam_gate(id=0x99,divert=1),output:2"
        check_eq "$(printf '%s\n' \
            "priority=10,dl_dst=$VM_MAC actions=roam_gate(id=0x1234),output:2" \
            "priority=20,in_port=2 actions=roam_gate(id=0x1234,open),NORMAL" \
            "priority=30,ip,dl_dst=$VM_MAC actions=roam_gate(id=0x1234,limit=7,port=2),output:2" \
            "priority=40,arp,dl_dst=$VM_MAC actions=roam_gate(id=0x99,divert=1),output:2" | sort)" \
            "$(flows -O $proto)" "dump-flows in $proto"
        check_contains "$(flows -O $proto --names)" "roam_gate(id=0x1234,limit=7,port=p2)"
        check_contains "$(flows -O $proto --names)" "roam_gate(id=0x99,divert=p1)"
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
roam_gate(id=1,open,port=2)|port applies only to a gate that holds
roam_gate(id=1,divert=2,limit=5)|limit applies only to a gate that holds
roam_gate(id=1,open,divert=2)|open and divert exclude each other
roam_gate(id=1,port=2,divert=2)|port or divert given twice
roam_gate(id=1,divert=nosuch)|divert: "nosuch" is not a port
roam_gate(id=1,port=LOCAL)|port must be a switch port number
EOF2
    check sim_alive hv1
}

test_wire_roundtrip_and_errors() {
    # roam_gate: type=ffff len=32 vendor=ROAM subtype=3 flags limit id
    # port (OpenFlow 1.1 numbering) pad
    local head="ff ff 00 20 52 4f 41 4d 00 03"
    local id="00 00 00 00 00 00 00 52" none="ff ff ff ff" pad="00 00 00 00"
    local hold="$head 00 00 00 00 00 05 $id $none $pad"
    local held_for="$head 00 00 00 00 00 05 $id 00 00 00 02 $pad"
    local open="$head 00 01 00 00 00 00 $id $none $pad"
    local divert="$head 00 02 00 00 00 00 $id 00 00 00 01 $pad"
    local v out
    for v in OpenFlow10 OpenFlow13 OpenFlow15; do
        out=$(printf '%s\n' "$hold" "$held_for" "$open" "$divert" \
              | ovs-ofctl parse-actions $v 2>&1)
        check_contains "$out" "roam_gate(id=0x52,limit=5)"
        check_contains "$out" "roam_gate(id=0x52,limit=5,port=2)"
        check_contains "$out" "roam_gate(id=0x52,open)"
        check_contains "$out" "roam_gate(id=0x52,divert=1)"
        check_not_contains "$out" "bad"
    done

    # Wrong length; zero id; unknown flag; open with a limit; open and
    # divert; nonzero padding; a divert without a port; a port with open.
    check_wire_errors <<EOF2
ff ff 00 18 52 4f 41 4d 00 03 00 00 00 00 00 05 $id|OFPBAC_BAD_LEN
$head 00 00 00 00 00 05 00 00 00 00 00 00 00 00 $none $pad|OFPBAC_BAD_ARGUMENT
$head 00 04 00 00 00 05 $id $none $pad|OFPBAC_BAD_ARGUMENT
$head 00 01 00 00 00 05 $id $none $pad|OFPBAC_BAD_ARGUMENT
$head 00 03 00 00 00 00 $id 00 00 00 01 $pad|OFPBAC_BAD_ARGUMENT
$head 00 00 00 00 00 05 $id $none 00 00 00 01|OFPBAC_BAD_ARGUMENT
$head 00 02 00 00 00 00 $id $none $pad|OFPBAC_BAD_ARGUMENT
$head 00 01 00 00 00 00 $id 00 00 00 02 $pad|OFPBAC_BAD_ARGUMENT
EOF2

    # The same bad encodings in a flow_mod to a running ovs-vswitchd: each
    # gets an OpenFlow error and the daemon keeps running.
    setup_bridge
    out=$("$SYS_PYTHON" "$TOOLS/of-send" "$T/hv1/br0.mgmt" flow-mod \
          "$head 00 04 00 00 00 05 $id $none $pad" \
          "ff ff 00 18 52 4f 41 4d 00 03 00 00 00 00 00 05 $id" \
          "$held_for")
    check_eq "error OFPBAC_BAD_ARGUMENT
error OFPBAC_BAD_LEN
ok" "$out" "vswitchd replies"
    check sim_alive hv1
    check_contains "$(flows)" "actions=roam_gate(id=0x52,limit=5,port=2)"
}

test_trace() {
    setup_bridge
    gate_flows
    local out
    out=$(as hv1 ovs-appctl ofproto/trace br0 "in_port=1,udp,dl_src=$GW_MAC,dl_dst=$VM_MAC")
    check_contains "$out" "held until gate 0x52 opens"
    check_contains "$out" "Datapath actions: roam_gate(id=0x52,limit=1024,port=2,actions(2))"
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
    check_contains "$(as hv1 ovs-appctl dpctl/dump-flows)" "roam_gate(id=0x52,limit=1024,port=2,actions(2))"
    check_eq "" "$(vm_got)" "frames at the VM before it announced itself"

    receive hv1 p2 "$(frame garp-request --mac $VM_MAC --ip $VM_IP)"
    wait_until pcap_has "$T/hv1/p2.pcap" 3
    check_eq "10.9.0.1 10.9.0.2 10.9.0.3" "$(vm_got)" "held frames, in order"
    check_contains "$(gate_show)" "gate 0x52: open, queued 0, held 3, delivered 3, released-other 0, passed 0, diverted 0, dropped 0"

    # The datapath flow that held frames now lets them through.
    receive hv1 p1 "$(to_vm 4)"
    wait_until pcap_has "$T/hv1/p2.pcap" 4
    check_eq "10.9.0.1 10.9.0.2 10.9.0.3 10.9.0.4" "$(vm_got)" "a frame after the gate opened"
    check_contains "$(gate_show)" "delivered 3, released-other 0, passed 1"
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
    as hv1 wait_until gate_field_is 0x52 dropped_full 2
    check_contains "$(gate_show)" "closed, queued 2, held 2, delivered 0, released-other 0, passed 0, diverted 0, dropped 2 (full 2, cap 0, expired 0)"
    receive hv1 p2 "$(frame garp-request --mac $VM_MAC --ip $VM_IP)"
    wait_until pcap_has "$T/hv1/p2.pcap" 2
    check_eq "10.9.0.1 10.9.0.2" "$(vm_got)" "the frames that fit"
    check_contains "$(as hv1 ovs-appctl coverage/read-counter roam_gate_dropped)" "2"
    check_eq 2 "$(gate_field 0x52 delivered)" "delivered"
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
    as hv1 check ovs-appctl dpctl/add-flow $dp "in_port(1),eth(),eth_type(0x1237)" \
        "roam_gate(id=0x6,limit=9,port=2,actions(2))"
    as hv1 check ovs-appctl dpctl/add-flow $dp "in_port(1),eth(),eth_type(0x1238)" \
        "roam_gate(id=0x7,divert(1),actions(set(eth(src=00:00:00:00:00:07)),2))"
    out=$(as hv1 ovs-appctl dpctl/dump-flows $dp)
    check_contains "$out" "actions:roam_gate(id=0x6,limit=9,port=2,actions(2))"
    check_contains "$out" "actions:roam_gate(id=0x7,divert(1),actions(set(eth(src=00:00:00:00:00:07)),2))"

    # An empty nested list is written "actions()", which parses back (it
    # was written "drop", which did not).
    as hv1 check ovs-appctl dpctl/add-flow $dp "in_port(1),eth(),eth_type(0x123a)" \
        "roam_gate(id=0x8,limit=2,actions())"
    out=$(as hv1 ovs-appctl dpctl/dump-flows $dp | grep 0x123a)
    check_contains "$out" "actions:roam_gate(id=0x8,limit=2,actions())"
    as hv1 check ovs-appctl dpctl/del-flow $dp "in_port(1),eth(),eth_type(0x123a)"
    as hv1 check ovs-appctl dpctl/add-flow $dp "in_port(1),eth(),eth_type(0x123a)" \
        "${out##*actions:}"

    # Nesting deeper than the datapath parser allows (MAX_ODP_NESTED) is
    # refused, not followed.
    local deep="2" i
    for i in $(seq 40); do
        deep="roam_gate(id=$i,limit=1,actions($deep))"
    done
    check_fails as hv1 ovs-appctl dpctl/add-flow $dp "in_port(1),eth(),eth_type(0x1239)" "$deep"
    local bad
    for bad in "roam_gate(id=0,open)" "roam_gate(id=0x5,limit=0,actions(2))" \
               "roam_gate(id=0x5,limit=3,actions(2)" "roam_gate(id=0x5)" \
               "roam_gate(id=0x5,limit=3,actions(bogus))" \
               "roam_gate(id=0x5,divert(1))" "roam_gate(id=0x5,open,port=2)" \
               "roam_gate(id=0x5,divert(1),limit=3,actions(2))"; do
        check_fails as hv1 ovs-appctl dpctl/add-flow $dp "in_port(1),eth(),eth_type(0x1236)" "$bad"
    done
    check sim_alive hv1
}

# What MAC learning decided when a frame was held is what runs when it is
# released.  A real guest's broadcasts cross the uplink before it migrates,
# so the destination's NORMAL learns the VM's MAC there; frames held then
# would be released into "drop".  The counters say so (released-other, not
# delivered), and a static FDB entry for the VM's new port, added before
# the hold (roamd pins it so), makes them reach the VM; later frames from
# the VM's old place do not move it back.
test_normal_and_pinned_mac() {
    setup_bridge
    as hv1 check ovs-ofctl add-flow br0 "priority=0,actions=NORMAL"
    local bcast
    bcast=$(frame garp-request --mac $VM_MAC --ip $VM_IP)
    receive hv1 p1 "$bcast"
    as hv1 wait_until sh -c "ovs-appctl fdb/show br0 | grep -q '$VM_MAC'"
    check_contains "$(as hv1 ovs-appctl fdb/show br0)" "    1     0  $VM_MAC"
    as hv1 check ovs-ofctl add-flow br0 "priority=100,dl_dst=$VM_MAC,actions=roam_gate(id=0x61,port=2),NORMAL"
    as hv1 check ovs-ofctl add-flow br0 "priority=100,in_port=2,actions=roam_gate(id=0x61,open),NORMAL"
    local out
    out=$(as hv1 ovs-appctl ofproto/trace br0 "in_port=1,udp,dl_src=$GW_MAC,dl_dst=$VM_MAC")
    check_contains "$out" "roam_gate(id=0x61,limit=1024,port=2,actions())"
    receive hv1 p1 "$(to_vm 1)"
    receive hv1 p1 "$(to_vm 2)"
    as hv1 wait_until gate_field_is 0x61 queued 2
    receive hv1 p2 "$(frame garp-request --mac $VM_MAC --ip $VM_IP)"
    as hv1 wait_until gate_field_is 0x61 state open
    check_eq "0 2" "$(gate_field 0x61 delivered) $(gate_field 0x61 released_other)" \
        "delivered and released-other, MAC learned on the uplink"
    check_eq "" "$(vm_got)" "frames at the VM"

    # Pinned: the same, with the VM's MAC on its new port for good.
    as hv1 check ovs-ofctl del-flows br0 "dl_dst=$VM_MAC"
    as hv1 check ovs-ofctl add-flow br0 "priority=100,dl_dst=$VM_MAC,actions=roam_gate(id=0x62,port=2),NORMAL"
    as hv1 check ovs-ofctl add-flow br0 "priority=100,in_port=2,actions=roam_gate(id=0x62,open),NORMAL"
    as hv1 check ovs-appctl fdb/add br0 p2 0 $VM_MAC
    receive hv1 p1 "$bcast"
    check_contains "$(as hv1 ovs-appctl fdb/show br0)" "    2     0  $VM_MAC  static"
    out=$(as hv1 ovs-appctl ofproto/trace br0 "in_port=1,udp,dl_src=$GW_MAC,dl_dst=$VM_MAC")
    check_contains "$out" "roam_gate(id=0x62,limit=1024,port=2,actions(2))"
    receive hv1 p1 "$(to_vm 3)"
    receive hv1 p1 "$(to_vm 4)"
    as hv1 wait_until gate_field_is 0x62 queued 2
    # The VM's old place still broadcasts: the entry stays.
    receive hv1 p1 "$bcast"
    check_contains "$(as hv1 ovs-appctl fdb/show br0)" "    2     0  $VM_MAC  static"
    receive hv1 p2 "$(frame garp-request --mac $VM_MAC --ip $VM_IP)"
    wait_until pcap_has "$T/hv1/p2.pcap" 2
    check_eq "10.9.0.3 10.9.0.4" "$(vm_got)" "held frames, in order"
    check_eq "2 0" "$(gate_field 0x62 delivered) $(gate_field 0x62 released_other)" \
        "delivered and released-other, MAC pinned"
}

# A divert: while its gate is closed, frames for the VM go on as usual;
# one packet-out opens it, and from the next frame on they go out the
# uplink, through the same datapath flow (no revalidation is needed).
test_divert() {
    setup_bridge
    as hv1 check ovs-vsctl add-port br0 p3 -- set interface p3 type=dummy \
        ofport_request=3 -- set interface p1 options:tx_pcap="$T/hv1/p1.pcap"
    as hv1 check ovs-ofctl add-flow br0 "priority=100,dl_dst=$VM_MAC,actions=roam_gate(id=0x77,divert=1),output:2"
    local out
    out=$(as hv1 ovs-appctl ofproto/trace br0 "in_port=3,udp,dl_src=$GW_MAC,dl_dst=$VM_MAC")
    check_contains "$out" "Datapath actions: roam_gate(id=0x77,divert(1),actions(2))"
    receive hv1 p3 "$(to_vm 1)"
    wait_until pcap_has "$T/hv1/p2.pcap" 1
    local flows_before
    flows_before=$(as hv1 ovs-appctl dpctl/dump-flows | sed 's/, *packets.*actions/ actions/')
    as hv1 check ovs-ofctl packet-out br0 \
        "in_port=controller packet=$(to_vm 0) actions=roam_gate(id=0x77,open)"
    check_eq open "$(gate_field 0x77 state)" "the gate after the packet-out"
    receive hv1 p3 "$(to_vm 2)"
    receive hv1 p3 "$(to_vm 3)"
    wait_until pcap_has "$T/hv1/p1.pcap" 2
    check_eq "10.9.0.1" "$(vm_got)" "frames at the VM"
    check_eq 2 "$(gate_field 0x77 diverted)" "diverted"
    check_eq "$flows_before" \
        "$(as hv1 ovs-appctl dpctl/dump-flows | sed 's/, *packets.*actions/ actions/')" \
        "datapath flows"
}

# Two PMD threads: the gate's frames arrive on one, the VM's first frame on
# the other.  Frames that arrive while the release is under way queue
# behind the held ones, so the VM gets them in arrival order.
test_release_order_with_two_pmd_threads() {
    SIM_VSWITCHD_ARGS="--dummy-numa 0,0" sim_add hv1
    as hv1 check ovs-vsctl set open_vswitch . other_config:pmd-cpu-mask=3
    as hv1 check ovs-vsctl add-br br0 -- set bridge br0 datapath-type=dummy \
        fail-mode=secure \
        -- add-port br0 p1 -- set interface p1 type=dummy-pmd ofport_request=1 \
           other_config:pmd-rxq-affinity=0:0 \
        -- add-port br0 p2 -- set interface p2 type=dummy-pmd ofport_request=2 \
           other_config:pmd-rxq-affinity=0:1 options:tx_pcap="$T/hv1/p2.pcap"
    as hv1 wait_until sh -c "ovs-appctl dpif-netdev/pmd-rxq-show | grep -q 'port: p2'"
    check_contains "$(as hv1 ovs-appctl dpif-netdev/pmd-rxq-show)" "core_id 0"
    check_contains "$(as hv1 ovs-appctl dpif-netdev/pmd-rxq-show)" "core_id 1"
    gate_flows
    local i
    for i in 1 2 3 4 5; do
        receive hv1 p1 "$(to_vm $i)"
    done
    as hv1 wait_until gate_field_is 0x52 queued 5
    # Each released frame waits 200 ms, so that frame 6 arrives, on p1's
    # thread, while p2's thread is still releasing.
    as hv1 check ovs-appctl roam/gate-set-release-delay 200000
    # (A PMD thread sends its output at the end of its batch, so the
    # capture shows nothing until the release is done.)
    receive hv1 p2 "$(frame garp-request --mac $VM_MAC --ip $VM_IP)"
    as hv1 wait_until gate_field_is 0x52 state releasing
    receive hv1 p1 "$(to_vm 6)"
    WAIT_TIMEOUT=20 wait_until pcap_has "$T/hv1/p2.pcap" 6
    check_eq "10.9.0.1 10.9.0.2 10.9.0.3 10.9.0.4 10.9.0.5 10.9.0.6" \
        "$(vm_got)" "release order"
    check_eq "6 0" "$(gate_field 0x52 delivered) $(gate_field 0x52 passed)" \
        "delivered and passed"
}

# A hold reached through resubmit: what the actions behind the gate change
# stays inside the gate; the resubmitting flow goes on with the packet as
# it was.
test_state_restored_after_gate() {
    setup_bridge
    as hv1 check ovs-ofctl add-flow br0 "in_port=1,actions=resubmit(,1),resubmit(,2)"
    as hv1 check ovs-ofctl add-flow br0 "table=1,actions=roam_gate(id=5),mod_dl_src:00:00:00:00:00:07,output:2"
    as hv1 check ovs-ofctl add-flow br0 "table=2,priority=10,dl_src=00:00:00:00:00:07,actions=output:2"
    as hv1 check ovs-ofctl add-flow br0 "table=2,priority=0,actions=drop"
    local out
    out=$(as hv1 ovs-appctl ofproto/trace br0 "in_port=1,udp,dl_src=$GW_MAC,dl_dst=$VM_MAC")
    check_contains "$out" "Datapath actions: roam_gate(id=0x5,limit=1024,actions(set(eth(src=00:00:00:00:00:07)),2))"
    check_not_contains "$out" "2)),2"
}

# Flows built to abort or crash ovs-vswitchd: actions behind a gate too
# large for a datapath action, thousands of gates in one flow, a chain of
# 4000 gates each opening the next.  Each packet is dropped or released,
# with an error where it is dropped, and ovs-vswitchd keeps running.
test_oversized_and_deep_gates() {
    setup_bridge
    local outputs
    outputs=$(printf 'output:2,%.0s' $(seq 3000))
    echo "table=1,actions=${outputs%,}" > "$T/outputs.txt"
    as hv1 check ovs-ofctl add-flows br0 "$T/outputs.txt"
    as hv1 check ovs-ofctl add-flow br0 "in_port=1,actions=roam_gate(id=1),resubmit(,1),resubmit(,1),resubmit(,1)"
    local out
    out=$(as hv1 ovs-appctl ofproto/trace br0 "in_port=1,udp")
    check_contains "$out" "too large for the datapath: dropped"
    receive hv1 p1 "$(to_vm 1)"
    check sim_alive hv1

    # 1900 consecutive holds in one flow, about as many as an OpenFlow
    # message holds.  (Not through check, which would print them all.)
    local holds
    holds=$(for i in $(seq 1900); do printf 'roam_gate(id=%d),' "$i"; done)
    echo "priority=10,in_port=2,actions=${holds}output:1" > "$T/holds.txt"
    as hv1 ovs-ofctl add-flows br0 "$T/holds.txt" > "$T/add.log" 2>&1 \
        || { tail -c 300 "$T/add.log"; fail "adding 1900 holds"; }
    out=$(as hv1 ovs-appctl ofproto/trace br0 "in_port=2,udp")
    check_contains "$out" "gates nested in one another: dropped"
    receive hv1 p2 "$(to_vm 2)"
    check sim_alive hv1
}

test_chain_of_gates() {
    SIM_VLOG=-vfile:info setup_bridge
    local n=4000 i
    for i in $(seq $n); do
        echo "table=0,priority=10,udp,tp_dst=$i,actions=roam_gate(id=$i),roam_gate(id=$((i + 1)),open),output:2"
    done > "$T/flows.txt"
    as hv1 check ovs-ofctl add-flows br0 "$T/flows.txt"
    # One frame held at each gate.
    "$SYS_PYTHON" - "$T/frames.txt" $n <<'PY'
import sys
from scapy.all import Ether, IP, UDP
with open(sys.argv[1], "w") as f:
    for i in range(1, int(sys.argv[2]) + 1):
        p = Ether(src="aa:bb:cc:dd:ee:01", dst="52:54:00:00:00:01") / \
            IP(src="10.9.0.1", dst="10.0.0.1") / UDP(sport=1, dport=i)
        f.write(bytes(p).hex() + "\n")
PY
    # netdev-dummy queues at most 100 frames per port: 50 at a time.
    split -l 50 "$T/frames.txt" "$T/batch."
    local b sent=0
    for b in "$T"/batch.*; do
        # shellcheck disable=SC2046
        as hv1 ovs-appctl netdev-dummy/receive p1 $(cat "$b") > /dev/null \
            || fail "receive $b"
        sent=$((sent + $(wc -l < "$b")))
        WAIT_TIMEOUT=30 as hv1 wait_until sh -c "[ \$(ovs-appctl roam/gate-show | grep -c 'closed, queued 1,') = $sent ]"
    done
    as hv1 wait_until sh -c "[ \$(ovs-appctl roam/gate-show | grep -c 'closed, queued 1') = $n ]"
    as hv1 check ovs-ofctl packet-out br0 \
        "in_port=controller packet=$(to_vm 0) actions=roam_gate(id=1,open)"
    check sim_alive hv1
    WAIT_TIMEOUT=30 wait_until pcap_has "$T/hv1/p2.pcap" $n
    check_eq 0 "$(as hv1 ovs-appctl roam/gate-show | grep -c 'closed')" "gates still closed"
    check_contains "$(as hv1 ovs-appctl coverage/read-counter roam_gate_deferred_release)" "$n"
}

# Held frames expire on a timer, even when no packet names their gate any
# more; and all gates together hold at most roam-gate-max-bytes.
test_expiry_and_byte_cap() {
    setup_bridge
    gate_flows
    receive hv1 p1 "$(to_vm 1)"
    as hv1 wait_until gate_field_is 0x52 queued 1
    as hv1 check ovs-ofctl del-flows br0
    as hv1 check ovs-appctl time/warp 61000 1000
    as hv1 wait_until sh -c "[ -z \"\$(ovs-appctl roam/gate-show)\" ]"
    check_contains "$(as hv1 ovs-appctl coverage/read-counter roam_gate_expired)" "1"

    # A frame of to_vm is 60 bytes: 150 bytes hold two.
    as hv1 check ovs-vsctl set open_vswitch . other_config:roam-gate-max-bytes=150
    gate_flows
    local i
    for i in 1 2 3 4; do
        receive hv1 p1 "$(to_vm $i)"
    done
    as hv1 wait_until gate_field_is 0x52 dropped_cap 2
    check_eq 2 "$(gate_field 0x52 queued)" "queued under the cap"
    check_contains "$(as hv1 ovs-appctl roam/gate-show --json)" '"max_bytes":150'
}
