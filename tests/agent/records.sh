# What roamd records of a migration, and how it reaches ovs-vswitchd: the
# gate's counts through an ovs-vswitchd control socket that is not where
# ovs-appctl looks by default, a phase whose database commit failed, and
# finished rows that expire.

source "$ROAM_SRCDIR/tests/agent/helpers.bash"

MAC=52:54:00:00:00:01

plug() {
    as "$1" check ovs-vsctl add-port br-int "$2" -- set interface "$2" \
        type=dummy ofport_request="$3" external_ids:iface-id=if-vm1 \
        external_ids:attached-mac=$MAC external_ids:vm-id=vm-uuid-1 \
        external_ids:roam-ip=10.0.0.1
}

arriving_at() {
    roamd_ctl "$1" vm/rules | grep -q "^if-vm1 .* arriving "
}

# migration_field COLUMN: a column of the latest "migration list" row.
migration_field() {
    roamctl --format=json migration list | "$SYS_PYTHON" -c '
import json, sys
t = json.load(sys.stdin)
print(t["data"][-1][t["headings"].index(sys.argv[1])] if t["data"] else "none")' "$1"
}

migration_field_is() {
    [ "$(migration_field "$1")" = "$2" ]
}

to_vm() {
    echo "eth(src=52:54:00:00:00:09,dst=$MAC),eth_type(0x0800),ipv4(src=10.0.0.9,dst=10.0.0.1,proto=17,ttl=64,frag=no),udp(src=$1,dst=9)"
}

# An ovs-vswitchd started with --unixctl=PATH, as some distributions and
# hypervisor managers run it: roamd --ovs-vswitchd=PATH reaches it there,
# pins the arriving VM's MAC and records what the gate held and delivered
# (before, roamd looked only where ovs-appctl looks by default, and
# recorded nothing).
test_counts_through_vswitchd_unixctl_path() {
    setup_dc
    uplinked_hv hv1 "$T/db/db.sock" --straggler-timeout=1000
    local ctl=$T/hv2/vswitchd-elsewhere.ctl
    SIM_VSWITCHD_ARGS="--unixctl=$ctl" SIM_VSWITCHD_CTL=$ctl \
        uplinked_hv hv2 "$T/db/db.sock" --straggler-timeout=1000 \
        --ovs-vswitchd="$ctl"
    check_fails as hv2 ovs-appctl version
    as hv1 check ovs-ofctl add-flow br-int "priority=0,actions=NORMAL"
    as hv2 check ovs-ofctl add-flow br-int "priority=0,actions=NORMAL"
    plug hv1 vnet0 5
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 state running
    plug hv2 vnet3 8
    WAIT_TIMEOUT=10 wait_until arriving_at hv2
    check_contains "$(roamd_ctl hv2 roamd/pins)" "applied"
    check_contains "$(ovs-appctl -t "$ctl" fdb/show br-int)" "$MAC  static"

    check roamctl --target="$T/hv1/roamd.ctl" vm paused if-vm1
    check ovs-appctl -t "$ctl" netdev-dummy/receive uplink "$(to_vm 1)"
    check ovs-appctl -t "$ctl" netdev-dummy/receive uplink "$(to_vm 2)"
    wait_until sh -c "ovs-appctl -t '$ctl' roam/gate-show | grep -q 'queued 2'"
    check ovs-appctl -t "$ctl" netdev-dummy/receive vnet3 \
        "eth(src=$MAC,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.1,op=1,sha=$MAC,tha=00:00:00:00:00:00)"
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 host hv2
    WAIT_TIMEOUT=10 wait_until migration_field_is packets_delivered 2
    check_eq "2 0" "$(migration_field packets_buffered) $(migration_field packets_dropped)" \
        "held and dropped"
}

# The pause notice comes while the roam database is frozen: roamd's commit
# of the "pause" phase hangs, then fails when the server dies.  Once the
# database is back, roamd writes it again (it was marked recorded before
# its commit succeeded, and lost).
test_pause_recorded_after_a_failed_commit() {
    setup_dc
    uplinked_hv hv1 "$T/db/db.sock" --activate-timeout=30000
    uplinked_hv hv2 "$T/db/db.sock" --activate-timeout=30000
    plug hv1 vnet0 5
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 state running
    plug hv2 vnet3 8
    WAIT_TIMEOUT=10 wait_until arriving_at hv2

    local db_pid
    db_pid=$(cat "$T/db/ovsdb-server.pid")
    check kill -STOP "$db_pid"
    check roamctl --target="$T/hv1/roamd.ctl" vm paused if-vm1
    # roamd's commit is in flight to a server that does not answer.
    check kill -9 "$db_pid"
    check ovsdb-server --detach --no-chdir \
        --pidfile="$T/db/ovsdb-server.pid" \
        --log-file="$T/db/ovsdb-server.log" \
        --unixctl="$T/db/ovsdb-server.ctl" \
        --remote=punix:"$T/db/db.sock" "$T/db/roam.db"
    WAIT_TIMEOUT=20 wait_until sh -c "! '$ROAM_BUILDDIR/ctl/roamctl' \
        migration list | awk 'NR > 2 { print \$7 }' | grep -q '^-\$'"
    check_eq prepare "$(migration_field phase)" "the migration goes on"
    # And it completes.
    as hv2 check ovs-appctl netdev-dummy/receive vnet3 \
        "eth(src=$MAC,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.1,op=1,sha=$MAC,tha=00:00:00:00:00:00)"
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 host hv2
}

# Finished migrations are deleted after roamd --migration-retention; one
# under way is not.
test_finished_migrations_expire() {
    setup_dc
    uplinked_hv hv1 "$T/db/db.sock" --straggler-timeout=300 \
        --migration-retention=500
    uplinked_hv hv2 "$T/db/db.sock" --straggler-timeout=300 \
        --migration-retention=500
    plug hv1 vnet0 5
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 state running
    plug hv2 vnet3 8
    WAIT_TIMEOUT=10 wait_until arriving_at hv2
    vm_announce hv2 vnet3
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 host hv2
    WAIT_TIMEOUT=10 wait_until migration_field_is phase complete
    WAIT_TIMEOUT=10 wait_until migration_field_is phase none

    # A migration back, prepared but never completed, stays.
    as hv1 check ovs-vsctl del-port br-int vnet0
    plug hv1 vnet5 6
    WAIT_TIMEOUT=10 wait_until arriving_at hv1
    check_eq prepare "$(migration_field phase)"
}
