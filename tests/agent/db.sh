# The roam database and roamctl's database commands, against real
# ovsdb-servers: standalone and a 3-member Raft cluster.

test_dc_and_host_registration() {
    roamdb_start db
    export ROAM_DB=unix:$T/db/db.sock
    check roamctl dc add dc1 1
    check roamctl dc add dc2 2 --layout=ip=100.64.0.0/10,mac=0a,dc=4,pod=6,host=6,vm=6
    check roamctl host add hv1 dc1 0 1 --uplink-ip=192.0.2.1
    check roamctl host add gw1 dc1 0 2 --role=gateway
    check roamctl host add hv2 dc2 3 4 --uplink-ip=192.0.2.2

    local out
    out=$(roamctl host list)
    check_contains "$out" "hv1  dc1        0   1     hypervisor 192.0.2.1 down"
    check_contains "$out" "gw1  dc1        0   2     gateway    -         down"
    check_contains "$out" "hv2  dc2        3   4     hypervisor 192.0.2.2 down"

    # JSON: OVS's table format, stable for scripts.
    out=$(roamctl --format=json host list)
    check_eq '["datacenter","index","name","pod","role","state","uplink_ip"] 3 ["dc2","4","hv2","3","hypervisor","down","192.0.2.2"]' \
        "$("$SYS_PYTHON" -c '
import json, sys
t = json.loads(sys.argv[1])
rows = [dict(zip(t["headings"], r)) for r in t["data"]]
hv2 = [r for r in rows if r["name"] == "hv2"][0]
print(json.dumps(sorted(t["headings"]), separators=(",", ":")), len(rows),
      json.dumps([hv2[k] for k in sorted(hv2)], separators=(",", ":")))' "$out")" \
        "host list JSON"
    out=$(roamctl dc list)
    check_contains "$out" "dc2  2      ip=100.64.0.0/10,mac=0a,dc=4,pod=6,host=6,vm=6"
}

# Bad arguments, unknown names and conflicts each get a clear message and
# their own exit code; nothing is written.
test_errors_and_exit_codes() {
    roamdb_start db
    export ROAM_DB=unix:$T/db/db.sock
    check roamctl dc add dc1 1
    check roamctl host add hv1 dc1 0 1
    local cmd code msg rc
    while IFS='|' read -r cmd code msg; do
        rc=0
        # shellcheck disable=SC2086
        roamctl $cmd >"$T/out" 2>"$T/err" || rc=$?
        check_eq "$code" "$rc" "exit code of roamctl $cmd"
        check_contains "$(cat "$T/err")" "$msg"
    done <<EOF2
dc add dc1 3|5|datacenter dc1 already exists
dc add dc9 1|5|datacenter dc1 already has number 1
dc add dc9 16|2|does not fit the layout's 4-bit datacenter field
dc add dc9 -1|2|is not an integer from 0 to 65535
dc add dc9 2 --layout=ip=1.2.3.4/10|2|invalid pseudo-identifier layout
dc add dc9|2|usage: dc add NAME NUMBER
dc add dc9 2 --colour=red|2|unknown option --colour=red
host add hv9 dcX 0 2|3|no datacenter dcX
host add hv1 dc1 0 2|5|host hv1 already exists
host add hv9 dc1 0 1|5|already has position pod 0 index 1 in dc1
host add hv9 dc1 64 0|2|do not fit datacenter dc1's 6-bit pod and 6-bit host fields
host add hv9 dc1 0 2 --uplink-ip=300.1.1.1|2|is not a unicast IPv4 address
host add hv9 dc1 0 2 --role=router|2|role must be hypervisor, gateway or client-edge
host add hv9 dc1 zero 2|2|POD and INDEX must be nonnegative integers
vm show no-such-vm|3|no VM no-such-vm
vm frobnicate|2|unknown command "vm frobnicate"
host|2|"host" needs a subcommand
nosuch|2|unknown command "nosuch"
nosuch list|2|unknown command "nosuch"
EOF2
    check_eq "hv1" "$(roamctl --format=json host list | "$SYS_PYTHON" -c '
import json, sys
print(" ".join(r[0] for r in json.load(sys.stdin)["data"]))')" "hosts after errors"

    rc=0; roamctl --db=unix:$T/nowhere.sock --timeout=1 host list 2>"$T/err" || rc=$?
    check_eq 4 "$rc" "unreachable database"
    check_contains "$(cat "$T/err")" "cannot reach the roam database"
    rc=0; roamctl --timeout=soon host list 2>/dev/null || rc=$?
    check_eq 2 "$rc" "bad --timeout"
    rc=0; roamctl --format=xml host list 2>/dev/null || rc=$?
    check_eq 2 "$rc" "bad --format"
    rc=0; roamctl 2>/dev/null || rc=$?
    check_eq 2 "$rc" "no command"
    # An unknown command is named at once, without a database to ask.
    rc=0; roamctl --db=unix:$T/nowhere.sock --timeout=30 nosuch 2>"$T/err" || rc=$?
    check_eq 2 "$rc" "unknown command, no database"
    check_contains "$(cat "$T/err")" 'unknown command "nosuch"'
}

# VMs as roamd will write them, including rows a person wrote by hand that
# point nowhere; and rows the schema itself refuses.
test_vm_rows_and_bad_rows() {
    roamdb_start db
    export ROAM_DB=unix:$T/db/db.sock
    check roamctl dc add dc1 1
    check roamctl host add hv1 dc1 0 1
    local hv1
    hv1=$(ovsdb-client --format=csv --no-headings dump unix:$T/db/db.sock \
          roam Host _uuid name | sed -n 's/^\([-0-9a-f]*\),"\{0,1\}hv1"\{0,1\}$/\1/p')
    [ -n "$hv1" ] || fail "no uuid for hv1"
    check ovsdb-client transact unix:$T/db/db.sock "[\"roam\",
        {\"op\":\"insert\",\"table\":\"Rule\",\"uuid-name\":\"r1\",
         \"row\":{\"direction\":\"send\",\"table_id\":0,\"priority\":100,
                  \"cookie\":7,\"match\":\"in_port=\$vm_port,tcp,tp_dst=22\",
                  \"actions\":\"drop\"}},
        {\"op\":\"insert\",\"table\":\"VM\",
         \"row\":{\"name\":\"vm1\",\"iface_id\":\"if-vm1\",
                  \"real_mac\":\"52:54:00:00:00:01\",\"real_ip\":\"10.0.0.1\",
                  \"host\":[\"uuid\",\"$hv1\"],\"port\":\"tap-vm1\",
                  \"seq\":3,\"state\":\"running\",
                  \"rules\":[\"named-uuid\",\"r1\"]}},
        {\"op\":\"insert\",\"table\":\"VM\",
         \"row\":{\"name\":\"vm2\",\"iface_id\":\"if-vm2\",
                  \"real_mac\":\"52:54:00:00:00:02\",\"real_ip\":\"10.0.0.2\",
                  \"seq\":0,\"state\":\"stopped\"}},
        {\"op\":\"insert\",\"table\":\"VM\",
         \"row\":{\"name\":\"vm3\",\"iface_id\":\"if-vm3\",
                  \"real_mac\":\"52:54:00:00:00:03\",\"real_ip\":\"10.0.0.3\",
                  \"seq\":1,\"state\":\"stopped\",
                  \"saved_rules\":[\"set\",[
                    \"receive table=1,priority=10,cookie=0x9,ip,nw_dst=10.0.0.3,actions=output:\\\"\$vm_port\\\"\",
                    \"send priority=20,in_port=\\\"\$vm_port\\\",actions=drop\",
                    \"sideways priority=1,actions=drop\",
                    \"send table=300,priority=1,actions=drop\",
                    \"send priority=1,in_port=1\"]]}}]"

    local out
    out=$(roamctl vm list)
    check_contains "$out" "vm1  if-vm1   52:54:00:00:00:01 10.0.0.1 -          -         hv1  tap-vm1 3   running 1"
    check_contains "$out" "vm2  if-vm2   52:54:00:00:00:02 10.0.0.2 -          -         -    -       0   stopped 0"
    out=$(roamctl vm show if-vm1)
    check_contains "$out" "send      0     100      0x7    in_port=\$vm_port,tcp,tp_dst=22 drop"
    # Rules saved one string each (schema 1.3); bad strings are shown as
    # such, with why, and counted: nothing is lost.
    out=$(roamctl vm show vm3 | tr -s ' ')
    check_contains "$out" "receive 1 10 0x9 ip,nw_dst=10.0.0.3 output:\"\$vm_port\""
    check_contains "$out" "send 0 20 0 in_port=\"\$vm_port\" drop"
    check_contains "$out" 'must begin with "send" or "receive"'
    check_contains "$out" "table or priority out of range"
    check_contains "$out" 'no "actions="'
    check_contains "$(roamctl vm list)" "vm3  if-vm3   52:54:00:00:00:03 10.0.0.3 -          -         -    -       1   stopped 5"
    out=$(roamctl --format=json vm show vm1)
    check_eq "2 vm1 drop" "$("$SYS_PYTHON" -c '
import json, sys
t = json.loads(sys.argv[1])
print(len(t), t[0]["data"][0][0], t[1]["data"][0][5])' "$out")" "vm show JSON"

    # The schema refuses impossible rows outright (ovsdb-client reports the
    # failed transaction in its output, not its exit status).
    out=$(ovsdb-client transact unix:$T/db/db.sock '["roam",
        {"op":"insert","table":"Host","row":{"name":"bad","pod":-1,
         "role":"hypervisor"}}]')
    check_contains "$out" "constraint violation"
    out=$(ovsdb-client transact unix:$T/db/db.sock '["roam",
        {"op":"insert","table":"VM","row":{"name":"bad","state":"flying"}}]')
    check_contains "$out" "constraint violation"
    check_not_contains "$(roamctl host list)" "bad"
    # A datacenter row whose layout is garbage is reported, not trusted.
    check ovsdb-client transact unix:$T/db/db.sock '["roam",
        {"op":"insert","table":"Datacenter","row":{"name":"dcbad",
         "number":9,"pseudo_layout":"dc=99"}}]'
    local rc=0
    roamctl host add hv9 dcbad 0 0 2>"$T/err" || rc=$?
    check_eq 1 "$rc" "host add in a datacenter with a bad layout"
    check_contains "$(cat "$T/err")" "datacenter dcbad has an invalid pseudo_layout"
}

# A 3-member Raft cluster: roamctl works through any member, and keeps
# working when the member it used is killed.
test_raft_cluster() {
    roamdb_cluster_start 3
    local all=unix:$T/s1/db.sock,unix:$T/s2/db.sock,unix:$T/s3/db.sock
    check roamctl --db=$all dc add dc1 1
    check roamctl --db=$all host add hv1 dc1 0 1
    local i
    for i in 1 2 3; do
        WAIT_TIMEOUT=10 wait_until sh -c "'$ROAM_BUILDDIR/ctl/roamctl' --db=unix:$T/s$i/db.sock host list | grep -q hv1"
    done
    # Kill the leader; the other two still form a majority.
    local leader
    leader=$(cluster_leader 3) || fail "no leader"
    kill "$(cat "$T/s$leader/ovsdb-server.pid")"
    # During the election an attempt may time out, and then still commit.
    WAIT_TIMEOUT=30 wait_until sh -c "'$ROAM_BUILDDIR/ctl/roamctl' \
        --db=$all --timeout=5 host add hv2 dc1 0 2 \
        || '$ROAM_BUILDDIR/ctl/roamctl' --db=$all host list | grep -q hv2"
    for i in 1 2 3; do
        [ "$i" = "$leader" ] && continue
        WAIT_TIMEOUT=10 wait_until sh -c "'$ROAM_BUILDDIR/ctl/roamctl' --db=unix:$T/s$i/db.sock host list | grep -q hv2"
    done
}
