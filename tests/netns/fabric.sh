# The datacenter fabric with real traffic (seed features S0.1-S0.7, S2.2,
# S2.3): two datacenters, each with two hypervisors and a gateway on a
# MAC-learning rack switch, a routed WAN between the gateways, Geneve
# tunnels that roamd makes from the database, and a client site beyond the
# WAN (tests/netns/datacenters.bash draws it).
#
# VM v moves from dc1 to dc2 while three senders ping it every millisecond
# and keep a TCP stream to it: s1 in dc1 (on its real MAC), s2 in dc2 (on
# its pseudo MAC, which dc2's gateway gave out) and the client site
# (routed through dc1's gateway).  No ping is lost or duplicated, no stream
# breaks; each sender's stragglers reach v through the gateways' redirects
# and each sender is moved off them.

source "$ROAM_SRCDIR/tests/agent/helpers.bash"
source "$ROAM_SRCDIR/tests/netns/datacenters.bash"

test_cross_datacenter_migration() {
    two_datacenters
    local p1 p2
    p1=$(vm_field if-v pseudo_mac)
    dc_addresses > "$T/before.txt"
    cat "$T/before.txt"
    check_contains "$(grep s1 "$T/before.txt")" "$DC_V_MAC"
    check_contains "$(grep s2 "$T/before.txt")" "$p1"
    check_contains "$(grep client "$T/before.txt")" "$DC_V_MAC"

    dc_start_traffic 6
    dc_migrate
    dc_finish_traffic
    cat "$T/report.txt"
    p2=$(vm_field if-v pseudo_mac)
    check_eq "h21 1" "$(vm_field if-v host) $(vm_field if-v seq)" "v's place"
    check_contains "$p2" "0a:20:"
    dc_addresses > "$T/after.txt"
    cat "$T/after.txt"
    dc_gateway_counts | tee "$T/counts.txt"

    # No loss, no duplicates, no broken stream, for every sender.
    local name
    for name in s1 s2 client; do
        check_contains "$(grep "^$name " "$T/report.txt")" " 0 lost, 0 duplicated; TCP: ok "
    done
    # Each sender moved to the address v has now: s1 and the client to its
    # new pseudo MAC (told by dc1's gateway), s2 to its real MAC (its own
    # announcement, in dc2).
    check_contains "$(grep s1 "$T/after.txt")" "$p2"
    check_contains "$(grep client "$T/after.txt")" "$p2"
    check_contains "$(grep s2 "$T/after.txt")" "$DC_V_MAC"
    # dc1's gateway told the stale senders, and redirected their
    # stragglers, which the Migration row counts (roamctl shows them).
    check test "$(ovs-appctl -t "$T/g1/roamd.ctl" coverage/read-counter gateway_stale_notice)" -ge 2
    check test "$(ovs-appctl -t "$T/g1/roamd.ctl" coverage/read-counter gateway_straggler)" -ge 2
    WAIT_TIMEOUT=10 wait_until sh -c "'$ROAM_BUILDDIR/ctl/roamctl' migration list | grep -q ' g1=[1-9]'"
    roamctl migration list
    check_contains "$(roamctl --format=json migration list)" '"g1='
    # Forwarding: per other datacenter, one flow by prefix and two for
    # frames in transit and stragglers.
    check grep -q "g1: 3 forwarding flows" "$T/counts.txt"
    check grep -q "g2: 3 forwarding flows" "$T/counts.txt"
    check_not_contains "$(grep g1: "$T/counts.txt")" " 0 redirects"
}
