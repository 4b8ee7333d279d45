# Live migrations by a real libvirtd (tests/libvirt/helpers.bash): libvirt
# creates the guest's taps and plugs them into br-int with its own keys,
# and roamd takes the pause and resume notices from libvirt's domain
# events through libvirt's API (roamd --libvirt), with no hook and no
# roamctl call.

source "$ROAM_SRCDIR/tests/libvirt/helpers.bash"

# There and back, under traffic: the source's redirect is in force from
# libvirt's suspended-for-migration event on (redirect_us recorded), every
# frame held during the pause reaches the VM, nothing is duplicated, and
# the TCP stream survives without a timeout beyond the pause.
test_live_migration_by_libvirt() {
    trap libvirt_cleanup EXIT
    libvirt_hypervisors
    start_traffic 25
    local n line
    for n in 1 2; do
        local before
        before=$(tcp_timeouts)
        lv_migrate
        WAIT_TIMEOUT=15 wait_until vm_field_is $LV_IFACE host hv$guest_at
        WAIT_TIMEOUT=15 wait_until sh -c "'$ROAM_BUILDDIR/ctl/roamctl' \
            migration list | grep -q ' $n .*complete'"
        rto[$n]=$(( $(tcp_timeouts) - before ))
        check grep -q "libvirt: domain g1 ($VM_UUID) paused (migration)" \
            "$T/hv$((3 - guest_at))/roamd.log"
        check grep -q "libvirt: domain g1 ($VM_UUID) resumed (migration)" \
            "$T/hv$guest_at/roamd.log"
    done
    finish_traffic
    $ANALYZE "$T/client.pcap" $VM_MAC $VM_IP --no-ports \
        /dev/null /dev/null "$T/events1.jsonl" \
        /dev/null /dev/null "$T/events2.jsonl" > "$T/analyze.out" \
        || fail "analyze.py failed"
    n=0
    while read -r line; do
        n=$((n + 1))
        echo "libvirt migration $n: $line tcp_rto=${rto[$n]}" \
            | tee -a "$T/report.txt"
        check_contains "$line" " dups=0 "
        [ "${rto[$n]}" -le 1 ] || fail "TCP timeouts in migration $n"
    done < "$T/analyze.out"
    check_eq 2 "$n" "reports"
    check grep -q "^ok " "$T/tcp-client.log"
    local rows
    rows=$(roamctl --format=json migration list)
    "$SYS_PYTHON" - "$rows" <<'PY' || fail "a pause notice or held frame missing"
import json, sys
t = json.loads(sys.argv[1])
h = t["headings"]
bad = 0
for row in t["data"]:
    r = dict(zip(h, row))
    print("seq %s: held %s, delivered %s, redirect %s us after libvirt's event"
          % (r["seq"], r["packets_buffered"], r["packets_delivered"],
             r["redirect_us"]))
    if r["redirect_us"] == "-" or r["packets_delivered"] != r["packets_buffered"] \
       or r["packets_buffered"] == "0":
        bad += 1
sys.exit(bad)
PY
}

# libvirtd restarts: roamd subscribes again, and the next migration's
# pause notice still comes from libvirt's event.
test_libvirtd_restart() {
    trap libvirt_cleanup EXIT
    libvirt_hypervisors
    check kill "$(cat "$T/lv1/libvirtd.pid")"
    WAIT_TIMEOUT=15 wait_until grep -q "closed the connection" \
        "$T/hv1/roamd.log"
    libvirtd_start 1
    WAIT_TIMEOUT=30 wait_until sh -c "[ \$(grep -c 'subscribed to libvirt' \
        '$T/hv1/roamd.log') -ge 2 ]"
    lv_migrate
    WAIT_TIMEOUT=15 wait_until vm_field_is $LV_IFACE host hv2
    check grep -q "libvirt: domain g1 ($VM_UUID) paused (migration)" \
        "$T/hv1/roamd.log"
    WAIT_TIMEOUT=15 wait_until sh -c "'$ROAM_BUILDDIR/ctl/roamctl' \
        --format=json migration list | grep -q redirect_us"
}
