# Frames held for an arriving VM reach it, on bridges that forward with
# NORMAL (the README's deployment), although the running guest's
# broadcasts taught the destination, before the migration, that the VM is
# behind the uplink.  Held under NORMAL alone, under an explicit delivery
# flow, and under the operator's own receive rules; and no late frame from
# the VM's old place moves its MAC back afterwards.

source "$ROAM_SRCDIR/tests/agent/helpers.bash"

MAC=52:54:00:00:00:01
CLIENT=52:54:00:00:00:09

normal_hv() {
    local hv=$1
    shift
    uplinked_hv "$hv" "$T/db/db.sock" --straggler-timeout=1000 \
        --activate-timeout=10000 "$@"
    as "$hv" check ovs-ofctl add-flow br-int "priority=0,actions=NORMAL"
}

plug() {
    as "$1" check ovs-vsctl add-port br-int "$2" -- set interface "$2" \
        type=dummy ofport_request="$3" external_ids:iface-id=if-vm1 \
        external_ids:attached-mac=$MAC external_ids:vm-id=vm-uuid-1 \
        external_ids:roam-ip=10.0.0.1 options:tx_pcap="$T/$1/$2.pcap"
}

# fdb_port SIM: the port NORMAL has the VM's MAC on, and "static" if it is
# pinned.
fdb_port() {
    as "$1" ovs-appctl fdb/show br-int | awk -v mac=$MAC \
        '$3 == mac { print $1, ($4 == "static" ? "static" : "learned") }'
}

fdb_port_is() {
    [ "$(fdb_port "$1")" = "$2" ]
}

# to_vm N: a UDP frame from the client for the VM, numbered N.
to_vm() {
    echo "eth(src=$CLIENT,dst=$MAC),eth_type(0x0800),ipv4(src=10.0.0.9,dst=10.0.0.1,proto=17,ttl=64,frag=no),udp(src=$1,dst=9)"
}

# vm_broadcast SIM PORT: a gratuitous ARP from the VM, as the running
# guest sends them (here: as it reaches hv2 from hv1 over the uplink).
vm_broadcast() {
    as "$1" check ovs-appctl netdev-dummy/receive "$2" \
        "eth(src=$MAC,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.1,op=1,sha=$MAC,tha=00:00:00:00:00:00)"
}

# udp_ports_at SIM PORT: the UDP source ports of what PORT sent, in order.
udp_ports_at() {
    "$SYS_PYTHON" - "$T/$1/$2.pcap" <<'PY'
import sys
from scapy.all import rdpcap, UDP
print(" ".join(str(p[UDP].sport) for p in rdpcap(sys.argv[1]) if UDP in p))
PY
}

udp_ports_at_are() {
    [ "$(udp_ports_at "$1" "$2")" = "$3" ]
}

# held_frames_reach_the_vm RULE...: VM 1 on hv1 with RULEs; it broadcasts,
# so hv2 learns its MAC on the uplink; it migrates to hv2, where frames
# that hv1 redirects during its pause are held, then delivered, in order,
# to its new port.
held_frames_reach_the_vm() {
    setup_dc
    normal_hv hv1
    normal_hv hv2
    plug hv1 vnet0 5
    local rule
    for rule; do
        as hv1 check ovs-ofctl add-flow br-int "$rule"
    done
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 state running
    WAIT_TIMEOUT=15 wait_until vm_rule_count_is if-vm1 $#

    # The guest broadcasts while it runs at hv1: hv2 learns it is behind
    # the uplink.
    vm_broadcast hv2 uplink
    WAIT_TIMEOUT=10 wait_until fdb_port_is hv2 "100 learned"

    # libvirt plugs its port at hv2: hv2 pins the VM's MAC there before
    # its gate holds anything.
    plug hv2 vnet3 8
    WAIT_TIMEOUT=10 wait_until sh -c "ovs-appctl -t '$T/hv2/roamd.ctl' \
        vm/rules | grep -q '^if-vm1 .* arriving '"
    check_eq "8 static" "$(fdb_port hv2)" "the VM's MAC at hv2"
    check_contains "$(roamd_ctl hv2 roamd/pins)" "applied"

    # The VM pauses at hv1, which redirects to hv2; hv2 holds.
    check roamctl --target="$T/hv1/roamd.ctl" vm paused if-vm1
    local i
    for i in 1 2 3; do
        as hv2 check ovs-appctl netdev-dummy/receive uplink "$(to_vm $i)"
    done
    as hv2 wait_until sh -c "ovs-appctl roam/gate-show | grep -q 'queued 3'"
    # A late broadcast of the VM from hv1 does not move it.
    vm_broadcast hv2 uplink
    check_eq "8 static" "$(fdb_port hv2)" "the VM's MAC at hv2, pinned"

    # It resumes at hv2: the held frames reach it, in order, and the gate
    # says it output them to the VM's port.
    vm_announce hv2 vnet3
    WAIT_TIMEOUT=10 wait_until udp_ports_at_are hv2 vnet3 "1 2 3"
    check_contains "$(as hv2 ovs-appctl roam/gate-show)" "held 3, delivered 3, released-other 0"
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 host hv2
    WAIT_TIMEOUT=15 wait_until sh -c "'$ROAM_BUILDDIR/ctl/roamctl' --format=json \
        migration list | grep -q '\"3\",\"3\",\"0\"'"

    # Late frames from its old place do not move it back either.
    vm_broadcast hv2 uplink
    check_eq "8 static" "$(fdb_port hv2)" "the VM's MAC at hv2 after the move"
    as hv2 check ovs-appctl netdev-dummy/receive uplink "$(to_vm 4)"
    WAIT_TIMEOUT=10 wait_until udp_ports_at_are hv2 vnet3 "1 2 3 4"

    # Once stragglers are over at both ends, learning takes over again.
    WAIT_TIMEOUT=15 wait_until sh -c "! ovs-appctl -t '$T/hv2/ovs-vswitchd.ctl' \
        fdb/show br-int 2>/dev/null | grep -q static && \
        ! OVS_RUNDIR='$T/hv2' ovs-appctl fdb/show br-int | grep -q static"
    WAIT_TIMEOUT=15 wait_until sh -c "! OVS_RUNDIR='$T/hv1' ovs-appctl fdb/show br-int | grep -q static"
}

test_held_under_normal() {
    held_frames_reach_the_vm
}

test_held_under_an_explicit_delivery_flow() {
    held_frames_reach_the_vm "table=0,priority=50,dl_dst=$MAC,actions=output:5"
}

test_held_under_the_operators_receive_rules() {
    held_frames_reach_the_vm \
        "table=0,priority=100,udp,nw_dst=10.0.0.1,actions=mod_nw_tos:32,resubmit(,1)" \
        "table=1,priority=100,ip,nw_dst=10.0.0.1,actions=output:5"
}

roamd_counter() {
    roamd_ctl "$1" coverage/read-counter "$2"
}

roamd_counter_is() {
    [ "$(roamd_counter "$1" "$2")" = "$3" ]
}

# The agent-activation baseline (roamd --activation=agent), which the
# switch-over benchmark measures roam against: roamd holds the frames and
# opens the gate, and the frames still reach the VM, in order.
test_held_by_the_agent_baseline() {
    setup_dc
    normal_hv hv1 --activation=agent
    normal_hv hv2 --activation=agent
    plug hv1 vnet0 5
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 state running
    vm_broadcast hv2 uplink
    plug hv2 vnet3 8
    WAIT_TIMEOUT=10 wait_until sh -c "ovs-appctl -t '$T/hv2/roamd.ctl' \
        vm/rules | grep -q '^if-vm1 .* arriving '"
    check roamctl --target="$T/hv1/roamd.ctl" vm paused if-vm1
    local i
    for i in 1 2 3; do
        as hv2 check ovs-appctl netdev-dummy/receive uplink "$(to_vm $i)"
    done
    # roamd holds them, not the datapath.
    WAIT_TIMEOUT=10 wait_until roamd_counter_is hv2 agent_activation_held 3
    check_eq "" "$(udp_ports_at hv2 vnet3)" "nothing delivered before the VM resumes"

    vm_announce hv2 vnet3
    WAIT_TIMEOUT=10 wait_until udp_ports_at_are hv2 vnet3 "1 2 3"
    check grep -q "VM if-vm1: first frame on port 8; gate open, delivering 3 held frames (0 dropped)" "$T/hv2/roamd.log"
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 host hv2
    as hv2 check ovs-appctl netdev-dummy/receive uplink "$(to_vm 4)"
    WAIT_TIMEOUT=10 wait_until udp_ports_at_are hv2 vnet3 "1 2 3 4"
}
