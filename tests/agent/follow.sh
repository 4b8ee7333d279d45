# A VM's hand-added rules follow it from hv1 to hv2 (S1.1-S1.5): saved in
# logical form while hv1 holds the VM, rendered for the new port at hv2 when
# the VM's port appears there, and, at hv1, send rules deleted and receive
# rules pointed at the uplink until the straggler timeout.

source "$ROAM_SRCDIR/tests/agent/helpers.bash"

SEND_RULE="table=0,priority=200,in_port=5,tcp,tp_dst=22,actions=drop"
RECV_RULE="table=0,priority=100,ip,nw_dst=10.0.0.1,actions=output:5"
OTHER_RULE="table=0,priority=300,in_port=7,actions=drop"

# hv_setup HV: HV with its roamd; $ACTIVATION (switch, the default, or
# agent) says who opens arrival gates.
hv_setup() {
    uplinked_hv "$1" "$T/db/db.sock" --straggler-timeout=3000 \
        --activate-timeout=15000 --activation="${ACTIVATION:-switch}"
}

# plug_vm1 HV PORT OFPORT: VM 1's port, as libvirt plugs it, on HV.
plug_vm1() {
    as "$1" check ovs-vsctl add-port br-int "$2" -- set interface "$2" \
        type=dummy ofport_request="$3" external_ids:iface-id=if-vm1 \
        external_ids:attached-mac=52:54:00:00:00:01 \
        external_ids:vm-id=vm-uuid-1 external_ids:iface-status=active \
        external_ids:roam-ip=10.0.0.1 options:tx_pcap="$T/$1/$2.pcap"
}

hv_flows() {
    as "$1" ovs-ofctl -O OpenFlow15 dump-flows br-int --no-stats \
        | sed 's/^ *//; s/reset_counts //' | sort
}

hv_flows_contain() {
    hv_flows "$1" | grep -qF -- "$2"
}

hv_flows_lack() {
    ! hv_flows "$1" | grep -qF -- "$2"
}


# vm1_on_hv1_with_rules: hv1 and hv2 up, VM 1 on hv1 with the operator's
# hand-added rules, in any table with any cookie, saved by roamd.
vm1_on_hv1_with_rules() {
    setup_dc
    hv_setup hv1
    hv_setup hv2
    plug_vm1 hv1 vnet0 5
    as hv1 check ovs-ofctl add-flow br-int "$SEND_RULE"
    as hv1 check ovs-ofctl add-flow br-int "$RECV_RULE"
    as hv1 check ovs-ofctl add-flow br-int "$OTHER_RULE"
    WAIT_TIMEOUT=15 wait_until vm_rule_count_is if-vm1 2
}

test_rules_follow_the_vm() {
    rules_follow_the_vm
}

# The same, with the agent baseline holding frames in roamd and opening
# the gate itself.
test_rules_follow_the_vm_agent_baseline() {
    ACTIVATION=agent rules_follow_the_vm
}

rules_follow_the_vm() {
    # Saved in logical form (write-ahead of any move).
    vm1_on_hv1_with_rules
    local out
    out=$(roamctl vm show if-vm1)
    check_contains "$out" "send      0     200      0      tcp,in_port=\"\$vm_port\",tp_dst=22 drop"
    check_contains "$out" "receive   0     100      0      ip,nw_dst=10.0.0.1               output:\"\$vm_port\""

    # libvirt plugs the destination port on hv2 (another OpenFlow port
    # number) while the VM still runs at hv1: hv2 prepares, installing the
    # VM's rules for port 8 behind a gate that holds the VM's traffic.
    plug_vm1 hv2 vnet3 8
    WAIT_TIMEOUT=15 wait_until hv_flows_contain hv2 "priority=200,tcp,in_port=8,tp_dst=22 actions=drop"
    WAIT_TIMEOUT=15 wait_until hv_flows_contain hv2 "priority=100,ip,nw_dst=10.0.0.1 actions=output:8"
    check hv_flows_lack hv2 "in_port=7"
    # Only what comes from the uplink waits at the gate; frames for the VM
    # from hv2's own ports still go to the VM where it runs, at hv1.
    WAIT_TIMEOUT=15 wait_until hv_flows_contain hv2 "priority=65535,reg12=0/0x80000000,in_port=100,dl_dst=52:54:00:00:00:01"
    check hv_flows_contain hv2 "priority=65534,reg12=0/0x80000000,dl_dst=52:54:00:00:00:01 actions=output:100"
    if [ "${ACTIVATION:-switch}" = switch ]; then
        check hv_flows_contain hv2 "priority=65535,reg12=0/0x80000000,in_port=100,dl_dst=52:54:00:00:00:01 actions=set_field:0x80000000/0x80000000->reg12,roam_gate(id="
        check hv_flows_contain hv2 "table=253, priority=150,in_port=8 actions=roam_gate(id="
    else
        check hv_flows_contain hv2 "table=253, priority=100,dl_dst=52:54:00:00:00:01 actions=controller(userdata=52.47.01"
    fi
    check_contains "$(roamd_ctl hv2 vm/rules)" "arriving"
    check_eq "hv1 0" "$(vm_field if-vm1 host) $(vm_field if-vm1 seq)" \
        "the VM still runs at hv1"
    check hv_flows_contain hv1 "tp_dst=22"
    check_contains "$(roamctl migration list)" " prepare "

    # A frame for the VM reaching hv2 now is held, not lost: in the
    # datapath, or, for the baseline, in roamd.
    as hv2 check ovs-appctl netdev-dummy/receive uplink \
        "eth(src=52:54:00:00:00:09,dst=52:54:00:00:00:01),eth_type(0x0800),ipv4(src=10.0.0.9,dst=10.0.0.1,proto=17,ttl=64,frag=no),udp(src=9,dst=9)"
    if [ "${ACTIVATION:-switch}" = switch ]; then
        as hv2 wait_until sh -c "ovs-appctl roam/gate-show | grep -q 'closed, queued 1, held 1'"
    else
        WAIT_TIMEOUT=10 wait_until sh -c "ovs-appctl -t '$T/hv2/roamd.ctl' vm/rules | grep -q 'arriving .* 1\$'"
    fi
    check_eq "" "$(pcap_hex "$T/hv2/vnet3.pcap")" "frames at the VM's new port before it resumed"

    # The VM resumes at hv2 and announces itself: its first frame opens the
    # gate in the switch, hv2 delivers the held frame and claims the VM.
    vm_announce hv2 vnet3
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 host hv2
    # The gate goes; while hv1 may still send stragglers back, frames for
    # the VM from the uplink pass without teaching MAC learning anything.
    WAIT_TIMEOUT=15 wait_until hv_flows_lack hv2 "resubmit(,253)"
    check hv_flows_lack hv2 "roam_gate"
    check hv_flows_contain hv2 "priority=65535,reg12=0/0x80000000,in_port=100,dl_dst=52:54:00:00:00:01 actions=set_field:0x80000000/0x80000000->reg12,set_field:ANY->in_port,resubmit(,0)"

    # hv1: the send rule is gone, the receive rule points at the uplink,
    # the unrelated flow is untouched.
    WAIT_TIMEOUT=15 wait_until hv_flows_lack hv1 "tp_dst=22"
    WAIT_TIMEOUT=15 wait_until hv_flows_contain hv1 "priority=100,ip,nw_dst=10.0.0.1 actions=output:100"
    check hv_flows_contain hv1 "priority=300,in_port=7 actions=drop"
    check_contains "$(roamd_ctl hv1 vm/rules)" "leaving"
    check_contains "$(roamd_ctl hv2 vm/rules)" "held"
    # The held frame reached the VM, and is counted.
    wait_until pcap_has "$T/hv2/vnet3.pcap" 1
    check_contains "$(pcap_hex "$T/hv2/vnet3.pcap")" "525400000001525400000009"
    check_eq 1 "$(roamd_ctl hv2 vm/rules | awk '$1 == "if-vm1" { print $NF }')" \
        "held frames reported"

    # After the straggler timeout the redirect goes too.
    WAIT_TIMEOUT=20 wait_until hv_flows_lack hv1 "nw_dst=10.0.0.1"
    check hv_flows_contain hv1 "priority=300,in_port=7 actions=drop"

    # Still exactly the two rules, now saved from hv2, and installed there.
    check vm_rule_count_is if-vm1 2
    out=$(roamctl rules if-vm1)
    check_contains "$out" "receive   0     100      0      ip,nw_dst=10.0.0.1               output:\"\$vm_port\" hv2:vnet3"
    local rc=0
    roamctl rules no-such-vm 2>/dev/null || rc=$?
    check_eq 3 "$rc" "rules of an unknown VM"
    check_eq "hv2 1" "$(vm_field if-vm1 host) $(vm_field if-vm1 seq)" "location"

    # The move is on record, every phase stamped, in order.
    WAIT_TIMEOUT=10 wait_until sh -c "'$ROAM_BUILDDIR/ctl/roamctl' migration list | grep -q ' complete '"
    check_eq "if-vm1 hv1 hv2 1 complete 2 ordered" "$(roamctl --format=json migration list | "$SYS_PYTHON" -c '
import json, sys
t = json.load(sys.stdin)
r = dict(zip(t["headings"], t["data"][0]))
a, o, c = (int(r[k]) for k in ("activate_ms", "migrate_out_ms", "complete_ms"))
print(r["vm"], r["src"], r["dst"], r["seq"], r["phase"], r["rules_moved"],
      "ordered" if 0 <= a and 0 <= o <= c else "unordered")')" "migration record"
}

# The VM's first frame at its new port opens the gate in the switch, and
# only that frame tells roamd: a second frame, handled in the same batch
# right after the first, already passes the opened gate.
test_gate_opens_once() {
    vm1_on_hv1_with_rules
    plug_vm1 hv2 vnet3 8
    WAIT_TIMEOUT=15 wait_until sh -c "ovs-appctl -t '$T/hv2/roamd.ctl' vm/rules | grep -q arriving"
    local mac=52:54:00:00:00:01
    as hv2 check ovs-appctl netdev-dummy/receive vnet3 \
        "eth(src=$mac,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.1,op=1,sha=$mac,tha=00:00:00:00:00:00)" \
        "eth(src=$mac,dst=52:54:00:00:00:09),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.9,proto=17,ttl=64,frag=no),udp(src=9,dst=9)"
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 host hv2
    # (Coverage counters reach coverage/show within a second or so.)
    WAIT_TIMEOUT=15 wait_until sh -c "ovs-appctl -t '$T/hv2/roamd.ctl' coverage/show | grep -q '^gate_activated '"
    check_eq "total: 1" \
        "$(roamd_ctl hv2 coverage/show | sed -n 's/^gate_activated .*\(total: [0-9]*\)$/\1/p')" \
        "activation packet-ins"
    # The gate and what it learned go once the claim is in.
    WAIT_TIMEOUT=15 wait_until hv_flows_lack hv2 "cookie=0x524f414d"
}

# A rule that is both send and receive cannot be moved: it is reported and
# left where it is, never dropped silently.
test_unclassified_rule_reported() {
    setup_dc
    hv_setup hv1
    plug_vm1 hv1 vnet0 5
    as hv1 check ovs-ofctl add-flow br-int "$SEND_RULE"
    as hv1 check ovs-ofctl add-flow br-int "table=0,priority=50,in_port=5,actions=output:5"
    WAIT_TIMEOUT=15 wait_until vm_rule_count_is if-vm1 1
    WAIT_TIMEOUT=15 wait_until grep -q "not moved: it matches traffic from the VM and delivers to it" "$T/hv1/roamd.log"
    check_contains "$(roamd_ctl hv1 vm/rules)" "if-vm1"
    check hv_flows_contain hv1 "priority=50,in_port=5 actions=output:5"
}

# The destination dies after activating the VM, and the VM (whose port is
# still on hv1, as it is when a live migration fails) keeps running at the
# source: hv1 takes it back with the next sequence number, marks the
# migration rolled back, and restores the VM's rules for its port there.
test_rollback_when_destination_dies() {
    vm1_on_hv1_with_rules

    plug_vm1 hv2 vnet3 8
    WAIT_TIMEOUT=15 wait_until hv_flows_contain hv2 "priority=65535,reg12"
    vm_announce hv2 vnet3
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 host hv2
    WAIT_TIMEOUT=15 wait_until hv_flows_lack hv1 "tp_dst=22"
    check kill -9 "$(cat "$T/hv2/roamd.pid")"

    # hv2 stops refreshing its liveness; hv1 takes the VM back.
    WAIT_TIMEOUT=20 wait_until vm_field_is if-vm1 host hv1
    check_eq "2 running vnet0" \
        "$(vm_field if-vm1 seq) $(vm_field if-vm1 state) $(vm_field if-vm1 port)" \
        "after the rollback"
    check_contains "$(roamctl migration list)" "rolled-back"
    check_contains "$(roamctl migration list)" "the destination is down"
    WAIT_TIMEOUT=15 wait_until hv_flows_contain hv1 "priority=200,tcp,in_port=5,tp_dst=22 actions=drop"
    WAIT_TIMEOUT=15 wait_until hv_flows_contain hv1 "priority=100,ip,nw_dst=10.0.0.1 actions=output:5"
    check vm_rule_count_is if-vm1 2
}

# hv1's roamd is killed while it holds the VM, hv2 claims the VM, and hv1's
# roamd comes back: the rules the dead process owned on hv1 for the VM's
# port are removed; a rule that only names the VM's address stays, since
# it may be an operator's rule for traffic toward the VM.
test_restart_cleans_up_leftovers() {
    vm1_on_hv1_with_rules

    check kill -9 "$(cat "$T/hv1/roamd.pid")"
    plug_vm1 hv2 vnet3 8
    WAIT_TIMEOUT=15 wait_until hv_flows_contain hv2 "priority=200,tcp,in_port=8,tp_dst=22 actions=drop"
    vm_announce hv2 vnet3
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 host hv2
    WAIT_TIMEOUT=15 wait_until hv_flows_contain hv2 "priority=200,tcp,in_port=8,tp_dst=22 actions=drop"
    # An operator's rule on hv1 toward the VM's address, no port in it.
    as hv1 check ovs-ofctl add-flow br-int "table=0,priority=150,tcp,nw_dst=10.0.0.1,tp_dst=25,actions=drop"

    roamd_start hv1 "$T/db/db.sock" hv1 --straggler-timeout=3000
    WAIT_TIMEOUT=15 wait_until hv_flows_lack hv1 "tp_dst=22"
    WAIT_TIMEOUT=15 wait_until hv_flows_lack hv1 "output:5"
    check hv_flows_contain hv1 "priority=150,tcp,nw_dst=10.0.0.1,tp_dst=25 actions=drop"
    check hv_flows_contain hv1 "priority=300,in_port=7 actions=drop"
    check grep -q "rules left over from before a restart" "$T/hv1/roamd.log"
    # hv1 did not take the VM back: hv2 is up and active.
    check_eq "hv2 1" "$(vm_field if-vm1 host) $(vm_field if-vm1 seq)" "location"
}
