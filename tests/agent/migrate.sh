# The migration protocol's edges, on dummy datapaths: a destination that
# never activates, two destinations at once, the pause notice and its
# timeout, the migrate-in/migrate-out messages, and roamctl's refusals.

source "$ROAM_SRCDIR/tests/agent/helpers.bash"

SEND_RULE="table=0,priority=200,in_port=5,tcp,tp_dst=22,actions=drop"
RECV_RULE="table=1,priority=100,ip,nw_dst=10.0.0.1,actions=output:5"
MAC=52:54:00:00:00:01

mig_hv() {
    uplinked_hv "$1" "$T/db/db.sock" --straggler-timeout=1000 \
        --activate-timeout=2000
}

# plug HV PORT OFPORT [plain]: VM 1's port on HV, with libvirt's keys
# unless "plain".
plug() {
    if [ "${4:-}" = plain ]; then
        as "$1" check ovs-vsctl add-port br-int "$2" -- set interface "$2" \
            type=dummy ofport_request="$3"
    else
        as "$1" check ovs-vsctl add-port br-int "$2" -- set interface "$2" \
            type=dummy ofport_request="$3" external_ids:iface-id=if-vm1 \
            external_ids:attached-mac=$MAC external_ids:vm-id=vm-uuid-1 \
            external_ids:roam-ip=10.0.0.1
    fi
}

flows() {
    as "$1" ovs-ofctl -O OpenFlow15 dump-flows br-int --no-stats \
        | sed 's/^ *//; s/reset_counts //'
}

flows_have() {
    flows "$1" | grep -qF -- "$2"
}

flows_lack() {
    ! flows "$1" | grep -qF -- "$2"
}

arriving_at() {
    roamd_ctl "$1" vm/rules | grep -q "^if-vm1 .* arriving "
}

# migration_field DST COLUMN: a column of "migration list" for the move to
# DST (the latest one).
migration_field() {
    roamctl --format=json migration list | "$SYS_PYTHON" -c '
import json, sys
t = json.load(sys.stdin)
col = t["headings"].index(sys.argv[2])
rows = [r for r in t["data"] if r[t["headings"].index("dst")] == sys.argv[1]]
print(rows[-1][col] if rows else "none")' "$1" "$2"
}

migration_field_is() {
    [ "$(migration_field "$1" "$2")" = "$3" ]
}

pause_recorded() {
    [ "$(migration_field "$1" pause_ms)" != - ]
}

vm1_at_hv1() {
    setup_dc
    check roamctl host add hv3 dc1 0 3
    local hv
    for hv in "$@"; do
        mig_hv "$hv"
    done
    plug hv1 vnet0 5
    as hv1 check ovs-ofctl add-flow br-int "$SEND_RULE"
    as hv1 check ovs-ofctl add-flow br-int "$RECV_RULE"
    WAIT_TIMEOUT=15 wait_until vm_rule_count_is if-vm1 2
}

# hv2 prepares, but the VM never sends a frame there: after the activation
# timeout hv2 removes what it installed and records the rollback; the VM
# never left hv1, whose rules stay.
test_destination_never_activates() {
    vm1_at_hv1 hv1 hv2
    plug hv2 vnet3 8
    WAIT_TIMEOUT=10 wait_until arriving_at hv2
    check flows_have hv2 "priority=200,tcp,in_port=8,tp_dst=22 actions=drop"
    WAIT_TIMEOUT=10 wait_until migration_field_is hv2 phase rolled-back
    check_eq "the VM did not activate at the destination in time" \
        "$(migration_field hv2 error)" "why"
    WAIT_TIMEOUT=10 wait_until flows_lack hv2 "tp_dst=22"
    WAIT_TIMEOUT=10 wait_until flows_lack hv2 "cookie=0x524f414d"
    check_contains "$(roamd_ctl hv2 vm/rules)" "gave-up"
    check_eq "hv1 0" "$(vm_field if-vm1 host) $(vm_field if-vm1 seq)" \
        "the VM stays at hv1"
    check flows_have hv1 "priority=200,tcp,in_port=5,tp_dst=22 actions=drop"
    check flows_have hv1 "table=1, priority=100,ip,nw_dst=10.0.0.1 actions=output:5"

    # Asked again (migrate-in), hv2 prepares again, and this time the VM
    # comes.
    check roamctl migrate-in if-vm1 hv2
    WAIT_TIMEOUT=10 wait_until arriving_at hv2
    vm_announce hv2 vnet3
    WAIT_TIMEOUT=10 wait_until vm_field_is if-vm1 host hv2
    WAIT_TIMEOUT=10 wait_until flows_lack hv1 "tp_dst=22"
}

# Two destinations prepare at once (hv2 asked by roamctl, hv3 by a port
# libvirt plugged): the VM starts at hv3, which claims it; hv2 gives up.
# A second roamctl migration while one is pending is refused.
test_two_destinations_at_once() {
    vm1_at_hv1 hv1 hv2 hv3
    check roamctl migrate if-vm1 --to hv2 --no-wait
    local rc=0
    roamctl migrate if-vm1 --to hv3 --no-wait 2>"$T/err" || rc=$?
    check_eq 5 "$rc" "a second migration of the same VM"
    check grep -q "already migrating to hv2" "$T/err"
    plug hv2 vnet3 8
    plug hv3 vnet9 9
    WAIT_TIMEOUT=10 wait_until arriving_at hv2
    WAIT_TIMEOUT=10 wait_until arriving_at hv3
    vm_announce hv3 vnet9
    WAIT_TIMEOUT=10 wait_until vm_field_is if-vm1 host hv3
    WAIT_TIMEOUT=10 wait_until migration_field_is hv2 phase rolled-back
    check_eq "another host claimed the VM" "$(migration_field hv2 error)"
    WAIT_TIMEOUT=10 wait_until flows_lack hv2 "tp_dst=22"
    WAIT_TIMEOUT=10 wait_until flows_lack hv1 "tp_dst=22"
    check flows_have hv3 "priority=200,tcp,in_port=9,tp_dst=22 actions=drop"
    check_eq 1 "$(vm_field if-vm1 seq)" "one move"
}

# The pause notice redirects everything for the VM's MAC to the uplink;
# if the VM does not resume elsewhere in time, hv1 delivers its traffic
# again and records the rollback.
test_pause_notice_and_its_timeout() {
    vm1_at_hv1 hv1 hv2
    local rc=0
    roamctl --target="$T/hv1/roamd.ctl" vm paused no-such-vm 2>/dev/null || rc=$?
    check_eq 3 "$rc" "pause of a VM the host does not hold"
    rc=0
    roamctl --target="$T/no/such.ctl" vm paused if-vm1 2>/dev/null || rc=$?
    check_eq 4 "$rc" "pause with no roamd"
    rc=0
    roamctl --target="$T/hv1/roamd.ctl" vm paused 2>/dev/null || rc=$?
    check_eq 2 "$rc" "pause without a VM"

    plug hv2 vnet3 8
    WAIT_TIMEOUT=10 wait_until arriving_at hv2
    # hv2 prepares, so hv1 arms the VM's departure flow: frames for the VM
    # go on as before until a datapath gate opens.
    WAIT_TIMEOUT=10 wait_until flows_have hv1 "priority=65533,reg12=0/0x40000000,dl_dst=$MAC actions=set_field:0x40000000/0x40000000->reg12,roam_gate(id="
    check_contains "$(as hv1 ovs-ofctl dump-flows br-int)" ",divert=100),resubmit(,0)"
    # Frames for the VM from hv2 itself go back to it (in_port) then.
    check flows_have hv1 "priority=65534,reg12=0/0x40000000,in_port=100,dl_dst=$MAC actions=set_field:0x40000000/0x40000000->reg12,roam_gate(id="
    check flows_have hv1 ",divert=IN_PORT),resubmit(,0)"
    local out
    out=$(roamctl --target="$T/hv1/roamd.ctl" vm paused if-vm1)
    check_contains "$out" "redirecting"
    check flows_have hv1 "priority=65533,reg12=0/0x40000000,dl_dst=$MAC actions=output:100"
    check_eq 1 "$(as hv1 ovs-appctl coverage/read-counter roam_gate_diverted >/dev/null; roamd_ctl hv1 coverage/read-counter departure_pause_in_datapath)" \
        "pause notices put in force in the datapath"
    check_contains "$(roamd_ctl hv1 vm/rules)" "paused"
    WAIT_TIMEOUT=10 wait_until pause_recorded hv2
    # A frame for the VM at hv1 now goes out the uplink, toward hv2.
    as hv1 check ovs-vsctl add-port br-int cl -- set interface cl type=dummy
    local before
    before=$(as hv1 ovs-vsctl get interface uplink statistics:tx_packets)
    as hv1 check ovs-appctl netdev-dummy/receive cl \
        "eth(src=52:54:00:00:00:09,dst=$MAC),eth_type(0x0800),ipv4(src=10.0.0.9,dst=10.0.0.1,proto=17,ttl=64,frag=no),udp(src=9,dst=9)"
    WAIT_TIMEOUT=10 wait_until sh -c "[ \$(ovs-vsctl --db=unix:$T/hv1/db.sock get interface uplink statistics:tx_packets) -gt $before ]"
    # No resume anywhere: both sides give up.
    WAIT_TIMEOUT=10 wait_until flows_lack hv1 "reg12=0/0x40000000"
    WAIT_TIMEOUT=10 wait_until migration_field_is hv2 phase rolled-back
    check_eq "hv1 0" "$(vm_field if-vm1 host) $(vm_field if-vm1 seq)" \
        "the VM stays at hv1"
    check flows_have hv1 "priority=200,tcp,in_port=5,tp_dst=22 actions=drop"
}

# migrate-in names a port plugged without libvirt's keys, which hv2 adopts;
# migrate-out (the pause notice through the database) makes hv1 redirect.
test_migrate_in_and_out_messages() {
    vm1_at_hv1 hv1 hv2
    local rc=0
    roamctl migrate-out if-vm1 2>/dev/null || rc=$?
    check_eq 5 "$rc" "migrate-out with nothing pending"
    plug hv2 vnet3 8 plain
    check roamctl migrate-in if-vm1 hv2 --port vnet3
    WAIT_TIMEOUT=10 wait_until arriving_at hv2
    # Adopted with roam's own key: libvirt's keys are never written.
    check_eq if-vm1 "$(as hv2 ovs-vsctl get interface vnet3 external_ids:roam-iface-id | tr -d '"')" \
        "adopted port"
    check_fails as hv2 ovs-vsctl get interface vnet3 external_ids:iface-id
    check_fails as hv2 ovs-vsctl get interface vnet3 external_ids:attached-mac
    check roamctl migrate-out if-vm1
    WAIT_TIMEOUT=10 wait_until flows_have hv1 "priority=65533,reg12=0/0x40000000,dl_dst=$MAC actions=output:100"
    vm_announce hv2 vnet3
    WAIT_TIMEOUT=10 wait_until vm_field_is if-vm1 host hv2
    WAIT_TIMEOUT=10 wait_until migration_field_is hv2 phase complete
    check flows_lack hv1 "reg12=0/0x40000000"
}

# roamctl migrate blocks until the move completes and reports it, in JSON
# too; its refusals each have their exit code.
test_roamctl_migrate_report() {
    vm1_at_hv1 hv1 hv2
    local rc
    rc=0; roamctl migrate if-vm1 --to hv1 2>/dev/null || rc=$?
    check_eq 5 "$rc" "to its own host"
    rc=0; roamctl migrate if-vm1 --to hv3 2>/dev/null || rc=$?
    check_eq 4 "$rc" "to a host that is down"
    rc=0; roamctl migrate if-vm1 --to hv2 --wait=x 2>/dev/null || rc=$?
    check_eq 2 "$rc" "bad --wait"
    rc=0; roamctl migrate if-vm1 --bogus 2>/dev/null || rc=$?
    check_eq 2 "$rc" "unknown option"

    roamctl --format=json migrate if-vm1 --to hv2 --wait 20 > "$T/report.json" &
    local pid=$!
    WAIT_TIMEOUT=10 wait_until sh -c "'$ROAM_BUILDDIR/ctl/roamctl' migration list | grep -q ' prepare '"
    plug hv2 vnet3 8
    WAIT_TIMEOUT=10 wait_until arriving_at hv2
    vm_announce hv2 vnet3
    wait "$pid" || fail "roamctl migrate failed"
    check_eq "complete 2 phases:prepare,activate,migrate-out,complete" "$("$SYS_PYTHON" -c '
import json, sys
phases, summary = json.load(open(sys.argv[1]))
s = dict(zip(summary["headings"], summary["data"][0]))
print(s["result"], s["rules_moved"],
      "phases:" + ",".join(r[0] for r in phases["data"]))' "$T/report.json")" \
        "JSON report"
}

# The libvirt hook (debian/roam-libvirt-hook, installed as
# /etc/libvirt/hooks/qemu.d/roam): on "migrate begin" at the destination it
# sends migrate-in for each Open vSwitch port in the domain XML libvirt
# passes it; other operations do nothing; it never fails.
test_libvirt_hook_sends_migrate_in() {
    vm1_at_hv1 hv1 hv2
    cat > "$T/domain.xml" <<'XML'
<domain type='kvm'>
  <name>guest1</name>
  <devices>
    <interface type='bridge'>
      <mac address='52:54:00:00:00:01'/>
      <source bridge='br-int'/>
      <virtualport type='openvswitch'>
        <parameters interfaceid='if-vm1'/>
      </virtualport>
    </interface>
  </devices>
</domain>
XML
    local hook=$ROAM_SRCDIR/debian/roam-libvirt-hook
    PATH=$ROAM_BUILDDIR/ctl:$PATH ROAM_HOST=hv2 \
        check "$hook" guest1 started begin - < "$T/domain.xml"
    check_eq none "$(migration_field hv2 phase)" "nothing on started"
    PATH=$ROAM_BUILDDIR/ctl:$PATH ROAM_HOST=hv2 \
        check "$hook" guest1 migrate begin - < "$T/domain.xml"
    check_eq prepare "$(migration_field hv2 phase)" "migrate-in on migrate begin"
    # A second "migrate begin" (or any failure) still exits 0.
    PATH=$ROAM_BUILDDIR/ctl:$PATH ROAM_HOST=hv2 \
        check "$hook" guest1 migrate begin - < "$T/domain.xml"
}
