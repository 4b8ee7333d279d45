# The client site follows the VM (seed 004, features S4.1-S4.4), with real
# traffic: the fabric's two datacenters (tests/netns/datacenters.bash),
# plus a client site whose edge switch reaches dc1 over VLAN 1 and dc2
# over VLAN 2.  VM v moves from dc1 to dc2 while the client pings it every
# millisecond (and, for an active VM, keeps a TCP stream to it).
#
#   - active VM: its first reply over VLAN 2 (the fast packet) flips the
#     client's entries;
#   - idle VM (it answers nothing): dc2's gateway turns its gratuitous ARP
#     into a dummy packet, which flips them;
#
# each by roamd's controller and by the learn recipe.  The client loses
# nothing.  The baseline, a site that does not learn, keeps sending
# through dc1 and the straggler tunnel.  A VM of dc2 that claims v's
# address while v is in dc1 changes nothing.

source "$ROAM_SRCDIR/tests/agent/helpers.bash"
source "$ROAM_SRCDIR/tests/netns/datacenters.bash"

# site_case MODE IDLE: the lab with the site in MODE, v moves with the
# client's traffic, and the report is checked: no loss, the flip done.
site_case() {
    local mode=$1 idle=$2
    two_datacenters
    dc_client_site "$mode"
    as e ovs-ofctl dump-flows br-edge table=1 | grep 10.0.0.1 || true
    dc_site_traffic 4 "$idle"
    dc_migrate
    wait_until dc_edge_entry_is 10.0.0.1 2
    dc_site_report "$idle"
    cat "$T/site.txt"
    as e ovs-ofctl dump-flows br-edge table=1 | grep 10.0.0.1
    check_contains "$(cat "$T/site.txt")" " 0 lost"
    check_not_contains "$(cat "$T/site.txt")" "flip: none"
    if [ "$idle" = idle ]; then
        check_contains "$(cat "$T/site.txt")" "after the dummy packet"
    else
        check_contains "$(cat "$T/site.txt")" "TCP: ok"
    fi
}

test_controller_active() {
    site_case controller ""
    check_contains "$(roamd_ctl e edge/stats)" "flip: 1"
}

test_controller_idle() {
    site_case controller idle
    check_contains "$(roamd_ctl e edge/stats)" "flip: 1"
}

test_learn_active() {
    site_case learn ""
}

test_learn_idle() {
    site_case learn idle
}

# The baseline: the site's entries stay on VLAN 1, so the client's traffic
# for v keeps crossing dc1 and the straggler tunnel (until the straggler
# timeout).  And before that, the spoof: s2, in dc2, sends the client a
# packet from v's address while v is still in dc1; dc2's gateway drops it
# and the site's entries stay on VLAN 1.
test_baseline_and_spoof() {
    two_datacenters
    dc_client_site controller
    local before
    before=$(as g2 ovs-ofctl dump-flows br-gw table=25 | grep 'nw_src=10.0.0.1' | sed 's/.*n_packets=\([0-9]*\).*/\1/')
    check ip netns exec "${tag}s2" "$SYS_PYTHON" -c "
from scapy.all import Ether, IP, UDP, sendp, get_if_hwaddr
sendp(Ether(src=get_if_hwaddr('eth0'), dst='$DC_RTR_MAC') / IP(src='10.0.0.1', dst='$DC_K') / UDP(sport=9, dport=9) / b'spoof', iface='eth0', count=3, verbose=False)"
    wait_until sh -c "OVS_RUNDIR='$T/g2' ovs-ofctl dump-flows br-gw table=25 | grep 'nw_src=10.0.0.1' | grep -q 'n_packets=[1-9]'"
    check_eq "$(dc_edge_entry 10.0.0.1)" "1 1" "v's entries after the spoof"
    check_eq "$(roamd_ctl e edge/stats | grep flip)" "flip: 0"
    : "$before"

    # Now the same site without learning.
    as e check ovs-appctl -t "$T/e/roamd.ctl" exit
    DC_EDGE_MODE=none
    as e check ovs-ofctl -O OpenFlow15 del-flows br-edge "table=11"
    as e check ovs-ofctl -O OpenFlow15 add-flow br-edge "table=11,priority=200,reg9=0x2/0x2,actions=resubmit(,3)"
    as e check ovs-ofctl -O OpenFlow15 add-flow br-edge "table=11,priority=0,actions=resubmit(,3)"
    dc_site_traffic 4 ""
    dc_migrate
    dc_site_report ""
    cat "$T/site.txt"
    check_eq "$(dc_edge_entry 10.0.0.1)" "1 1" "the baseline's entries"
    check_contains "$(cat "$T/site.txt")" "flip: none"
    check_not_contains "$(cat "$T/site.txt")" " 0 client packets through VLAN 1"
}
