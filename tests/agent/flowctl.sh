# agent/flowctl.c against a real ovs-vswitchd (dummy datapath): desired vs
# installed flows, atomic bundles, the applied generation, hand-added flows
# left alone, and healing after ovs-vswitchd restarts.

RW="roam_rewrite(side=src,from_mac=52:54:00:00:00:01,from_ip=10.0.0.1,to_mac=0a:00:00:40:00:41,to_ip=100.64.1.1)"

fc_setup() {
    sim_add hv1
    as hv1 check ovs-vsctl add-br br0 -- set bridge br0 datapath-type=dummy \
        fail-mode=secure \
        -- add-port br0 p1 -- set interface p1 type=dummy ofport_request=1 \
        -- add-port br0 p2 -- set interface p2 type=dummy ofport_request=2
    # A flow an operator added by hand: flowctl must never touch it.
    as hv1 check ovs-ofctl add-flow br0 "table=0,priority=5,in_port=9,actions=drop"
    mkfifo "$T/fc.in"
    "$ROAM_BUILDDIR/tests/agent/test-flowctl" br0 "unix:$T/hv1/br0.mgmt" \
        < "$T/fc.in" > "$T/fc.out" 2> "$T/fc.err" &
    echo $! > "$T/hv1/test-flowctl.pid"
    exec 3> "$T/fc.in"
}

fc_replies_beyond() {
    [ "$(wc -l < "$T/fc.out")" -gt "$1" ]
}

# fc COMMAND: sends COMMAND to the driver and prints its reply.
fc() {
    local before
    before=$(wc -l < "$T/fc.out")
    echo "$*" >&3
    WAIT_TIMEOUT=30 wait_until fc_replies_beyond "$before"
    tail -1 "$T/fc.out"
}

flows() {
    as hv1 ovs-ofctl -O OpenFlow15 dump-flows br0 --no-stats \
        | sed 's/^ *//; s/reset_counts //' | sort
}

flows_are() {
    [ "$(flows)" = "$1" ]
}

test_bundle_and_generation() {
    fc_setup
    check_eq "ok 1" "$(fc add table=0,priority=100,in_port=1,actions=output:2)"
    check_eq "ok 2" "$(fc add table=0,priority=100,in_port=2,actions=output:1)"
    check_eq "ok 3" "$(fc add table=1,priority=10,cookie=0x7,ip,actions=$RW,output:2)"
    local gen
    gen=$(fc sync)
    check_contains "$gen" "applied "
    check_eq "cookie=0x7, table=1, priority=10,ip actions=$RW,output:2
priority=100,in_port=1 actions=output:2
priority=100,in_port=2 actions=output:1
priority=5,in_port=9 actions=drop" "$(flows)" "flows after the first sync"
    # The changes went as one ordered, atomic bundle.
    check grep -q "type=OPEN_REQUEST flags=atomic ordered" "$T/hv1/ovs-vswitchd.log"
    check grep -q "type=COMMIT_REQUEST flags=atomic ordered" "$T/hv1/ovs-vswitchd.log"

    # Modify one, delete one, add one: only the difference is sent.
    check_eq "ok 3" "$(fc add table=0,priority=100,in_port=1,actions=output:1)"
    check_eq "ok 2" "$(fc del table=0,priority=100,in_port=2)"
    check_eq "ok 3" "$(fc add table=0,priority=50,arp,actions=drop)"
    local gen2
    gen2=$(fc sync)
    [ "${gen2#applied }" -gt "${gen#applied }" ] || fail "generation did not advance: $gen -> $gen2"
    check_eq "cookie=0x7, table=1, priority=10,ip actions=$RW,output:2
priority=100,in_port=1 actions=output:1
priority=5,in_port=9 actions=drop
priority=50,arp actions=drop" "$(flows)" "flows after the second sync"
    # Nothing changed: no bundle, same generation.
    local n_bundles
    n_bundles=$(grep -c "type=COMMIT_REQUEST" "$T/hv1/ovs-vswitchd.log")
    check_eq "$gen2" "$(fc sync)" "idle sync"
    check_eq "$n_bundles" "$(grep -c "type=COMMIT_REQUEST" "$T/hv1/ovs-vswitchd.log")" "bundles"

    # The view holds every flow, the hand-added one too, as of gen2.
    check_eq "view ${gen2#applied } 4" "$(fc view)" "view of the switch"

    check_eq "ok 0" "$(fc clear)"
    check_contains "$(fc sync)" "applied"
    check_eq "priority=5,in_port=9 actions=drop" "$(flows)" "after clear: only the hand-added flow"
}

# A bundle the switch refuses takes effect not at all, and the generation
# does not advance; bad input is refused before it gets that far.
test_atomic_failure_and_bad_input() {
    fc_setup
    check_eq "ok 1" "$(fc add table=0,priority=100,in_port=1,actions=output:2)"
    check_contains "$(fc sync)" "applied"
    # One batch, hence one bundle: a good flow and one the switch refuses.
    check_eq "ok 3" "$(fc "add table=0,priority=100,in_port=2,actions=output:1 ;; add table=0,priority=90,actions=group:99")"
    local out
    out=$(fc sync)
    check_contains "$out" "failed"
    check_contains "$out" "OFPBAC_BAD_OUT_GROUP"
    check_eq "priority=100,in_port=1 actions=output:2
priority=5,in_port=9 actions=drop" "$(flows)" "nothing of the failed bundle"
    check_eq "ok 2" "$(fc del table=0,priority=90)"
    check_contains "$(fc sync)" "applied"
    check_eq "priority=100,in_port=1 actions=output:2
priority=100,in_port=2 actions=output:1
priority=5,in_port=9 actions=drop" "$(flows)" "after dropping the bad flow"

    check_contains "$(fc add table=0,priority=1,actions=frobnicate)" "error: unknown action frobnicate"
    check_contains "$(fc 'add table=0,priority=1,in_port=1,actions=roam_rewrite(side=up)')" "error: roam_rewrite: side must be src, dst or both"
    check_contains "$(fc del table=0,priority=77,in_port=7)" "error: "
    check sim_alive hv1
}

# ovs-vswitchd restarts with no flows: flowctl reconnects, reconciles, and
# puts back exactly its own flows, without disturbing the hand-added one.
test_heal_after_vswitchd_restart() {
    fc_setup
    check_eq "ok 1" "$(fc add table=0,priority=100,in_port=1,actions=$RW,output:2)"
    check_eq "ok 2" "$(fc add table=3,priority=7,udp,actions=drop)"
    check_contains "$(fc sync)" "applied"
    local before
    before=$(flows)

    as hv1 check ovs-appctl -t ovs-vswitchd exit
    as hv1 check ovs-vswitchd --enable-dummy --disable-system \
        --disable-system-route --detach --no-chdir --pidfile --log-file \
        -vvconn -vofproto_dpif -vunixctl
    # The operator re-adds the hand flow, as a controller or script would.
    WAIT_TIMEOUT=20 wait_until as hv1 ovs-ofctl add-flow br0 "table=0,priority=5,in_port=9,actions=drop"
    WAIT_TIMEOUT=30 wait_until flows_are "$before"
    check_contains "$(fc sync)" "applied"
    check_eq "$before" "$(flows)" "flows after the restart"
}

# Flows belong to owners: an owner's flows go in one call; a flow that two
# owners claim stays until both have let it go, and the second claim's
# actions take over when the first goes.
test_owners() {
    fc_setup
    check_eq "ok 1" "$(fc own vm1 table=0,priority=100,in_port=1,actions=output:2)"
    check_eq "ok 2" "$(fc own vm1 table=0,priority=100,in_port=2,actions=output:1)"
    check_eq "ok 2" "$(fc own vm2 table=0,priority=100,in_port=2,actions=drop)"
    check_eq "ok 3" "$(fc own vm2 table=0,priority=50,arp,actions=drop)"
    check_contains "$(fc sync)" "applied"
    check_eq "priority=100,in_port=1 actions=output:2
priority=100,in_port=2 actions=output:1
priority=5,in_port=9 actions=drop
priority=50,arp actions=drop" "$(flows)" "first claims win"

    # vm1 goes: its own flow goes, the shared one passes to vm2.
    check_eq "ok 2" "$(fc drop vm1)"
    check_contains "$(fc sync)" "applied"
    check_eq "priority=100,in_port=2 actions=drop
priority=5,in_port=9 actions=drop
priority=50,arp actions=drop" "$(flows)" "vm2's claim took over"

    # An unknown owner and an owner twice: nothing changes.
    local gen
    gen=$(fc sync)
    check_eq "ok 2" "$(fc drop nosuch)"
    check_eq "ok 2" "$(fc own vm2 table=0,priority=50,arp,actions=drop)"
    check_eq "$gen" "$(fc sync)" "no change, no new generation"
    check_contains "$(fc own vm3)" "error: "
    check_eq "ok 0" "$(fc drop vm2)"
    check_contains "$(fc sync)" "applied"
    check_eq "priority=5,in_port=9 actions=drop" "$(flows)" "only the hand-added flow"
}
