# Live migrations of a real QEMU guest (Debian's kernel, a busybox
# initramfs, TCG) between two hypervisors, each with its own ovs-vswitchd
# on the userspace datapath and its own roamd, driven as libvirt drives
# them (tests/qemu/helpers.bash).  The client pings the guest 1000 times a
# second and keeps a TCP stream to it throughout.
#
# The guest broadcasts while it runs at the source, so the destination's
# MAC learning puts the VM behind the uplink before the migration starts:
# the frames the destination holds during the pause must still reach the
# VM at its new port.  Timings are reported, not asserted (bench/ has the
# figures); what is asserted is what must hold in every run.

source "$ROAM_SRCDIR/tests/qemu/helpers.bash"

QEMU_MIGRATIONS=${QEMU_MIGRATIONS:-10}

# Ten migrations, there and back, under traffic: nothing the client sends
# while the VM runs is lost, nothing is duplicated, the TCP stream
# survives without a retransmission timeout beyond the pause, the frames
# held during each pause are delivered to the VM (the gate's own count of
# frames output to its port), and the VM's hand-added rule follows it.
test_live_migrations_under_traffic() {
    trap qemu_cleanup EXIT
    qemu_hypervisors
    # Before any migration, the guest's broadcasts have reached hv2, whose
    # NORMAL has learned the VM's MAC on the uplink.
    WAIT_TIMEOUT=15 as hv2 wait_until sh -c \
        "ovs-appctl fdb/show br-int | grep -q '  100  .*$VM_MAC\|$VM_MAC'"
    check_contains "$(as hv2 ovs-appctl fdb/show br-int)" "$VM_MAC"

    start_traffic $((QEMU_MIGRATIONS * 6 + 5))
    local n
    # One after the other, each as soon as the last has landed: the VM
    # comes back to a host while that host still sends it stragglers.
    for n in $(seq "$QEMU_MIGRATIONS"); do
        migrate_guest
    done
    finish_traffic
    WAIT_TIMEOUT=30 wait_until sh -c "[ \$('$ROAM_BUILDDIR/ctl/roamctl' \
        migration list | grep -c ' complete ') = $QEMU_MIGRATIONS ]"

    report_all "$QEMU_MIGRATIONS" | sed 's/^/migration /' > "$T/report.txt"
    cat "$T/report.txt"
    check_eq "$QEMU_MIGRATIONS" "$(grep -c . "$T/report.txt")" "reports"
    local line
    while read -r line; do
        check_contains "$line" " network_lost=0 "
        check_contains "$line" " dups=0 "
        # A timeout may happen inside the pause (none did here), never
        # beyond it: the client's retransmission timer is at least 200 ms.
        case $line in
            *" tcp_rto=0"|*" tcp_rto=1") ;;
            *) fail "TCP timeouts beyond the pause: $line" ;;
        esac
    done < "$T/report.txt"
    check grep -q "^ok " "$T/tcp-client.log"

    # Each pause's frames were held at the destination and delivered to
    # the VM's new port, as ovs-vswitchd counted them.
    local rows
    rows=$(roamctl --format=json migration list)
    "$SYS_PYTHON" - "$rows" <<'PY' || fail "held frames not delivered"
import json, sys
t = json.loads(sys.argv[1])
h = t["headings"]
bad = 0
for row in t["data"]:
    r = dict(zip(h, row))
    held = int(r["packets_buffered"])
    delivered = int(r["packets_delivered"]) if r["packets_delivered"] != "-" else -1
    print("seq %s: held %d, delivered %d, dropped %s, redirect %s us"
          % (r["seq"], held, delivered, r["packets_dropped"], r["redirect_us"]))
    if held == 0 or delivered != held:
        bad += 1
sys.exit(bad)
PY
    # The hand-added rule is where the VM is, and only there.
    check as hv$guest_at ovs-ofctl dump-flows br-int "tcp,nw_dst=$VM_IP,tp_dst=23"
    check_contains "$(cat "$T/check.out")" "actions=drop"
    as hv$((3 - guest_at)) ovs-ofctl dump-flows br-int "tcp,nw_dst=$VM_IP,tp_dst=23" \
        > "$T/other.txt"
    check_not_contains "$(cat "$T/other.txt")" "actions=drop"
}
