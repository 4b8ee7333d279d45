# Crash trials: a VM moves back and forth between hv1 and hv2 while roamd
# is killed with SIGKILL, at the source or the destination, at each point
# of the move, and restarted.  After every trial the VM's location is the
# host that has its port, and its rule set is complete at exactly that
# host: nothing lost, nothing duplicated.

source "$ROAM_SRCDIR/tests/agent/helpers.bash"

SEND="table=0,priority=200,in_port=%d,tcp,tp_dst=22,actions=drop"
RECV="table=1,priority=100,ip,nw_dst=10.0.0.1,actions=output:%d"

# crash_hv HV DB: a hypervisor with an uplink and a roamd on roam database
# DB (a socket or a remote).
crash_hv() {
    uplinked_hv "$1" "$2" --straggler-timeout=500
}

crash_setup() {
    setup_dc
    crash_hv hv1 "$T/db/db.sock"
    crash_hv hv2 "$T/db/db.sock"
}

port_of() {
    [ "$1" = hv1 ] && echo 5 || echo 8
}

plug() {
    as "$1" check ovs-vsctl add-port br-int "vm-$1" -- set interface \
        "vm-$1" type=dummy ofport_request="$(port_of "$1")" \
        external_ids:iface-id=if-vm1 \
        external_ids:attached-mac=52:54:00:00:00:01 \
        external_ids:vm-id=vm-uuid-1 external_ids:roam-ip=10.0.0.1
}

unplug() {
    as "$1" check ovs-vsctl --if-exists del-port br-int "vm-$1"
}

restart_roamd() {
    check kill -9 "$(cat "$T/$1/roamd.pid")"
    roamd_start "$1" "$T/db/db.sock" "$1" --straggler-timeout=500
}

# announce_at HV: once HV has prepared for the VM (or the VM runs nowhere
# else), the VM resumes there and sends its first frame; HV claims it.
announce_at() {
    WAIT_TIMEOUT=15 wait_until sh -c "ovs-appctl -t '$T/$1/roamd.ctl' vm/rules | grep -q arriving || '$ROAM_BUILDDIR/ctl/roamctl' vm list | grep -q 'if-vm1 .* $1 .*'"
    vm_announce "$1" "vm-$1"
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 host "$1"
}

# rules_at HV: the VM's two rules as installed at HV, if they are.
rules_at() {
    as "$1" ovs-ofctl -O OpenFlow15 dump-flows br-int --no-stats \
        | grep -E 'tp_dst=22|nw_dst=10.0.0.1' | sed 's/^ *//' | sort
}

expected_rules() {
    local p
    p=$(port_of "$1")
    printf '%s\n' "priority=200,tcp,in_port=$p,tp_dst=22 actions=drop" \
        "table=1, priority=100,ip,nw_dst=10.0.0.1 actions=output:$p" | sort
}

rules_active_at() {
    [ "$(rules_at "$1")" = "$(expected_rules "$1")" ]
}

# Converged: the VM is at HV, running, with its rules exactly there.
converged_at() {
    local hv=$1 other
    [ "$hv" = hv1 ] && other=hv2 || other=hv1
    vm_field_is if-vm1 host "$hv" && vm_field_is if-vm1 state running \
        && [ "$(rules_at "$hv")" = "$(expected_rules "$hv")" ] \
        && [ -z "$(rules_at "$other")" ] && vm_rule_count_is if-vm1 2
}

test_kill_roamd_at_every_point_of_a_move() {
    crash_setup
    plug hv1
    as hv1 check ovs-ofctl add-flow br-int "$(printf "$SEND" 5)"
    as hv1 check ovs-ofctl add-flow br-int "$(printf "$RECV" 5)"
    WAIT_TIMEOUT=15 wait_until converged_at hv1

    # Points of a move at which to kill, each a condition to wait for:
    # the destination port plugged (the destination prepares), the VM's
    # first frame there (it claims), its rules active there, the source's
    # port gone.
    local points=(plugged announced active unplugged)
    local trial=0 src=hv1 dst=hv2 point victim seq
    for round in 1 2 3; do
        for point in "${points[@]}"; do
            for victim in src dst; do
                [ $trial -lt 20 ] || break 3
                trial=$((trial + 1))
                seq=$(vm_field if-vm1 seq)
                echo "trial $trial: $src -> $dst, kill the $victim's roamd when $point"
                plug $dst
                if [ $point != plugged ]; then
                    announce_at $dst
                fi
                case $point in
                    active|unplugged)
                        WAIT_TIMEOUT=15 wait_until rules_active_at $dst ;;
                esac
                if [ $point = unplugged ]; then
                    unplug $src
                fi
                if [ $victim = src ]; then
                    restart_roamd $src
                else
                    restart_roamd $dst
                fi
                if [ $point = plugged ]; then
                    announce_at $dst
                fi
                unplug $src
                WAIT_TIMEOUT=30 wait_until converged_at $dst
                [ "$(vm_field if-vm1 seq)" -gt "$seq" ] \
                    || fail "trial $trial: sequence number did not advance"
                local tmp=$src
                src=$dst
                dst=$tmp
            done
        done
    done
    check_eq 20 "$trial" "trials run"
}

# The roam database is a 3-member Raft cluster and every client talks to
# all members.  The leader is killed while the VM moves to hv2, and the
# move completes; the VM then moves back on the two members left.
cluster_member_killed_during_migration() {
    local dst_dc=${1:-dc1}
    roamdb_cluster_start 3
    local all=$ROAM_CLUSTER_REMOTES
    export ROAM_DB=$all
    check roamctl dc add dc1 1
    [ "$dst_dc" = dc1 ] || check roamctl dc add "$dst_dc" 2
    check roamctl host add hv1 dc1 0 1
    check roamctl host add hv2 "$dst_dc" 0 2
    crash_hv hv1 "$all"
    crash_hv hv2 "$all"
    plug hv1
    as hv1 check ovs-ofctl add-flow br-int "$(printf "$SEND" 5)"
    as hv1 check ovs-ofctl add-flow br-int "$(printf "$RECV" 5)"
    WAIT_TIMEOUT=30 wait_until converged_at hv1

    local leader
    leader=$(cluster_leader 3) || fail "no leader"
    plug hv2
    check kill "$(cat "$T/s$leader/ovsdb-server.pid")"
    WAIT_TIMEOUT=60 announce_at hv2
    unplug hv1
    WAIT_TIMEOUT=60 wait_until converged_at hv2

    plug hv1
    announce_at hv1
    unplug hv2
    WAIT_TIMEOUT=60 wait_until converged_at hv1
    check_eq 2 "$(vm_field if-vm1 seq)" "two moves"
}

test_cluster_member_killed_during_migration() {
    cluster_member_killed_during_migration
}

# The same over SSL, as between datacenters, for a VM that moves from dc1
# to dc2 and back: the members' Raft traffic and every client connection
# (roamctl, roamd) use certificates made with ovs-pki (issue 12).
test_cluster_member_killed_during_migration_over_ssl() {
    ROAM_DB_SSL=1 cluster_member_killed_during_migration dc2
    check_eq "dc2" "$(roamctl host list | awk '$1 == "hv2" {print $2}')" \
        "hv2's datacenter"
    check_contains "$ROAM_CLUSTER_REMOTES" "ssl:127.0.0.1:"
    check grep -q "ssl:127.0.0.1" "$T/s2/ovsdb-server.log"
    # Without a certificate, the database is out of reach.
    local rc=0
    "$ROAM_BUILDDIR/ctl/roamctl" --db="$ROAM_CLUSTER_REMOTES" --timeout=3 \
        host list >/dev/null 2>&1 || rc=$?
    check_eq 4 "$rc" "roamctl without SSL options"
    check_contains "$(roamctl host list)" "hv2"
}
