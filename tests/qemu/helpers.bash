# Helpers for live migrations of a real QEMU guest between two simulated
# hypervisors (sourced by tests/qemu/*.sh and bench/run-bench-qemu).
#
# Each hypervisor is a network namespace with its own ovs-vswitchd on the
# userspace datapath, a br-int that forwards with NORMAL (the README's
# deployment: no hand-added delivery flow), and, unless QEMU_MODE=plain,
# its own roamd.  A veth pair between the two bridges is the uplink.  The
# client is a namespace on hv1.  The guest is Debian's kernel with a
# busybox initramfs (tools/guest-build) under QEMU's TCG: it broadcasts a
# gratuitous ARP every second and sends IPv6 router solicitations and MLD
# reports, as real guests do, and answers ping and a TCP echo service.
#
# A migration is driven as libvirt drives one: at "migrate begin" the
# destination's tap is created and plugged into its bridge with libvirt's
# external_ids, and QEMU waits there with -incoming; the source's STOP (the
# final pass) is the pause notice and the destination's RESUME the resume
# notice, each delivered to roamd's control socket on a connection opened
# beforehand (what roamd's libvirt event path does inside roamd); when
# the migration has completed, the source QEMU quits and its port is
# unplugged.

source "$ROAM_SRCDIR/tests/agent/helpers.bash"

VM_MAC=52:54:00:00:00:01
VM_IP=10.0.0.1
CLIENT_IP=10.0.0.100
QEMU_PY="$SYS_PYTHON $ROAM_SRCDIR/tests/qemu/qemu.py"
ANALYZE="$SYS_PYTHON $ROAM_SRCDIR/tests/qemu/analyze.py"

# need_qemu: skips the test (exit 77) without QEMU or the guest.
need_qemu() {
    need_root_netns
    if ! command -v qemu-system-x86_64 >/dev/null; then
        echo "SKIP: needs qemu-system-x86 (tools/install-deps)"
        exit 77
    fi
    GUEST=$("$ROAM_SRCDIR/tools/guest-build") || fail "tools/guest-build"
}

# hv_ns N: hypervisor N's network namespace.
hv_ns() {
    echo "${tag}h$1"
}

# plug_tap N TAP: a tap at hypervisor N, plugged into br-int with libvirt's
# keys (and the orchestrator's roam-ip).  The tap has no carrier until a
# QEMU attaches to it.
plug_tap() {
    local hv=$1 tap=$2
    check ip -n "$(hv_ns "$hv")" tuntap add dev "$tap" mode tap
    check ip -n "$(hv_ns "$hv")" link set "$tap" up
    as hv$hv check ovs-vsctl add-port br-int "$tap" -- set interface \
        "$tap" external_ids:iface-id=if-vm1 external_ids:attached-mac=$VM_MAC \
        external_ids:vm-id=5a1e0000-0000-4000-8000-000000000001 \
        external_ids:iface-status=active external_ids:roam-ip=$VM_IP
}

unplug_tap() {
    local hv=$1 tap=$2
    as hv$hv check ovs-vsctl --if-exists del-port br-int "$tap"
    ip -n "$(hv_ns "$hv")" link del "$tap" 2>/dev/null || true
}

# qemu_hypervisors: hv1 and hv2, the client, and the guest running at hv1
# on tap vt1.  QEMU_MODE=plain runs no roamd (stock Open vSwitch, the
# baseline).
qemu_hypervisors() {
    need_qemu
    tag=q$$
    QEMU_MODE=${QEMU_MODE:-roam}
    [ "$QEMU_MODE" = plain ] || setup_dc
    local hv
    for hv in 1 2; do
        SIM_CPU=$((hv - 1)) SIM_VLOG=-vfile:info SIM_NETNS=$(hv_ns $hv) \
            sim_add hv$hv
        as hv$hv check ovs-vsctl add-br br-int -- set bridge br-int \
            datapath_type=netdev
    done
    check ip link add "${tag}u1" type veth peer name "${tag}u2"
    check ip link set "${tag}u1" netns "$(hv_ns 1)"
    check ip link set "${tag}u2" netns "$(hv_ns 2)"
    for hv in 1 2; do
        check ip -n "$(hv_ns $hv)" link set "${tag}u$hv" up
        as hv$hv check ovs-vsctl add-port br-int "${tag}u$hv" -- set \
            interface "${tag}u$hv" external_ids:roam-uplink=true
    done
    vm "${tag}c" "${tag}cp" 52:54:00:00:00:64 $CLIENT_IP "$(hv_ns 1)"
    as hv1 check ovs-vsctl add-port br-int "${tag}cp"
    check ip netns exec "${tag}c" ethtool -K eth0 tx off
    if [ "$QEMU_MODE" != plain ]; then
        for hv in 1 2; do
            SIM_CPU=$((hv - 1)) SIM_NETNS=$(hv_ns $hv) roamd_start hv$hv \
                "$T/db/db.sock" hv$hv --straggler-timeout=3000 \
                --activate-timeout=30000 ${ROAMD_OPTS:-}
        done
    fi
    plug_tap 1 vt1
    QEMUS="${QEMUS:-} $T/g1.pid"
    check $QEMU_PY start g1 "$(hv_ns 1)" vt1 $VM_MAC $VM_IP "$T" "$GUEST"
    capture_tap 1 vt1
    WAIT_TIMEOUT=30 wait_until ip netns exec "${tag}c" ping -c 1 -W 1 $VM_IP
    if [ "$QEMU_MODE" != plain ]; then
        WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 state running
        # The VM's own rule, added by hand: telnet to it is dropped.
        as hv1 check ovs-ofctl add-flow br-int \
            "table=0,priority=100,tcp,nw_dst=$VM_IP,tp_dst=23,actions=drop"
        WAIT_TIMEOUT=15 wait_until vm_rule_count_is if-vm1 1
    fi
    guest_at=1
    guest_n=1
}

# capture_tap N TAP: captures what hypervisor N's TAP carries, to and from
# the guest, into $T/TAP.pcap, from now until its port goes: whatever the
# network delivered to the VM's port is there, consumed by the guest or
# not.  (Started once QEMU holds the tap.)
capture_tap() {
    local hv=$1 tap=$2
    ip netns exec "$(hv_ns "$hv")" tcpdump -i "$tap" -n -U --immediate-mode -s 96 \
        -w "$T/$tap.pcap" 2> "$T/$tap-tcpdump.log" &
    eval "capture_$tap=$!"
    traffic_pids="${traffic_pids:-} $!"
    wait_until grep -q "listening on" "$T/$tap-tcpdump.log"
}

stop_capture() {
    local pid
    eval "pid=\${capture_$1:-}"
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
}

# qemu_cleanup: stops the QEMUs (registered before sim_cleanup).
qemu_cleanup() {
    local rc=$? pidfile
    set +e
    for pidfile in ${QEMUS:-}; do
        [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
    done
    [ -z "${traffic_pids:-}" ] || kill $traffic_pids 2>/dev/null
    (exit $rc)
    sim_cleanup
}

# start_traffic SECONDS: the client pings the VM 1000 times a second and
# keeps a TCP stream to its echo service, for SECONDS; its NIC is captured.
start_traffic() {
    local seconds=$1
    ip netns exec "${tag}c" tcpdump -i eth0 -n -U --immediate-mode -s 128 \
        -w "$T/client.pcap" "icmp or tcp port 7777" 2> "$T/client-tcpdump.log" &
    traffic_pids="$!"
    wait_until grep -q "listening on" "$T/client-tcpdump.log"
    ip netns exec "${tag}c" nstat -n
    ip netns exec "${tag}c" "$SYS_PYTHON" \
        "$ROAM_SRCDIR/tests/netns/tcp-echo.py" client $VM_IP 7777 "$seconds" \
        > "$T/tcp-client.log" 2>&1 &
    tcp_pid=$!
    ip netns exec "${tag}c" ping -q -i 0.001 -W 1 -w "$seconds" $VM_IP \
        > "$T/ping.log" 2>&1 &
    ping_pid=$!
    traffic_pids="$traffic_pids $tcp_pid $ping_pid"
}

# tcp_timeouts: the client's TCP retransmission timeouts since
# start_traffic.
tcp_timeouts() {
    ip netns exec "${tag}c" nstat -az TcpExtTCPTimeouts \
        | awk '$1 == "TcpExtTCPTimeouts" {print $2}'
}

# finish_traffic: waits for the traffic; fails if the TCP stream broke.
finish_traffic() {
    wait "$ping_pid" || true
    wait "$tcp_pid" || { cat "$T/tcp-client.log"; fail "the TCP stream broke"; }
    local pid
    for pid in $traffic_pids; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    traffic_pids=
}

# migrate_guest: live-migrates the guest to the other hypervisor, as
# libvirt would, and prints what it cost (analyze.py) on one line.
migrate_guest() {
    local from=$guest_at to=$((3 - guest_at))
    local src_tap=vt$guest_n dst_tap=vt$((guest_n + 1))
    local n=$guest_n
    # libvirt's "migrate begin": the destination's port, with its keys,
    # and QEMU waiting for the migration.
    plug_tap $to $dst_tap
    QEMUS="$QEMUS $T/g$((n + 1)).pid"
    check $QEMU_PY start g$((n + 1)) "$(hv_ns $to)" $dst_tap $VM_MAC $VM_IP \
        "$T" "$GUEST" --incoming "$T/mig$n.sock"
    capture_tap $to $dst_tap
    local notices=()
    if [ "$QEMU_MODE" != plain ]; then
        WAIT_TIMEOUT=15 wait_until sh -c "ovs-appctl -t '$T/hv$to/roamd.ctl' \
            vm/rules | grep -q '^if-vm1 .* arriving '"
        notices=(--pause-to "$T/hv$from/roamd.ctl" if-vm1
                 --resume-to "$T/hv$to/roamd.ctl" if-vm1)
    fi
    local before
    before=$(tcp_timeouts)
    check $QEMU_PY migrate "$T/g$n.qmp" "$T/g$((n + 1)).qmp" \
        "$T/mig$n.sock" "$T/events$n.jsonl" "${notices[@]}"
    # libvirt unplugs the source's port once its QEMU has gone.
    WAIT_TIMEOUT=15 wait_until sh -c "! kill -0 \$(cat '$T/g$n.pid') 2>/dev/null"
    unplug_tap $from $src_tap
    stop_capture $src_tap
    if [ "$QEMU_MODE" != plain ]; then
        WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 host hv$to
    fi
    # Let the last requests of the pause window be answered.
    WAIT_TIMEOUT=15 wait_until ip netns exec "${tag}c" ping -c 1 -W 1 $VM_IP
    guest_at=$to
    guest_n=$((n + 1))
    rto[$n]=$(( $(tcp_timeouts) - before ))
}

# report_all N: analyze.py's line for each of migrations 1..N, with the
# client's TCP timeouts, as "N: LINE".  Call it once the captures have
# stopped (finish_traffic).
report_all() {
    local n args=()
    for n in $(seq "$1"); do
        args+=("$T/vt$n.pcap" "$T/vt$((n + 1)).pcap" "$T/events$n.jsonl")
    done
    $ANALYZE "$T/client.pcap" $VM_MAC $VM_IP "${args[@]}" > "$T/analyze.out" \
        || fail "analyze.py failed"
    n=0
    while read -r line; do
        n=$((n + 1))
        echo "$n: $line tcp_rto=${rto[$n]}"
    done < "$T/analyze.out"
}
