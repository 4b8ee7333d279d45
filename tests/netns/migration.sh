# Live migrations with real traffic.  A client pings a VM 100 times a second
# and keeps a TCP stream to it while the VM moves from hypervisor hv1 to
# hypervisor hv2: each hypervisor is a network namespace with its own
# ovs-vswitchd on the userspace datapath and its own roamd, and a veth pair
# between them is the uplink.
#
# The VM is a namespace.  As with libvirt and QEMU, the destination's port
# exists, plugged into hv2's bridge, for the whole migration: it is a second
# veth pair whose VM end is the VM's eth1 (same MAC, no address yet, so the
# VM sends nothing on it).  The hypervisor's last step, the switch-over, is
# what the test does: it gives the pause notice at hv1, moves the VM's
# address from eth0 to eth1, announces the VM there with a gratuitous ARP
# (QEMU's announcement after resuming), and then removes the source port.
#
# The VM's hand-added rule follows it, and no packet is lost.

source "$ROAM_SRCDIR/tests/agent/helpers.bash"

ACL="table=0,priority=100,tcp,nw_dst=10.0.0.1,tp_dst=23,actions=drop"
VM_MAC=52:54:00:00:00:01

hv_flows_in() {
    as "$1" ovs-ofctl -O OpenFlow15 dump-flows br-int --no-stats \
        | sed 's/^ *//; s/reset_counts //' | grep -qF -- "$2"
}

# two_hypervisors: hv1 and hv2 with an uplink between them, a client on
# hv1, and VM 1 on hv1 with a hand-added rule, its destination port at hv2
# plugged with libvirt's keys ("libvirt") or without ("plain").
two_hypervisors() {
    need_root_netns
    tag=m$$
    setup_dc
    local hv
    # Each hypervisor's daemons run on a core of their own, as on separate
    # hosts (two hypervisors sharing two cores would otherwise preempt each
    # other's switch at the moment being timed).
    for hv in 1 2; do
        # No per-message debug logging: the switch-over is timed.
        SIM_CPU=$((hv - 1)) SIM_VLOG=-vfile:info SIM_NETNS=${tag}h$hv \
            sim_add hv$hv
        as hv$hv check ovs-vsctl add-br br-int -- set bridge br-int \
            datapath_type=netdev
    done
    check ip link add "${tag}u1" type veth peer name "${tag}u2"
    check ip link set "${tag}u1" netns "${tag}h1"
    check ip link set "${tag}u2" netns "${tag}h2"
    for hv in 1 2; do
        check ip -n "${tag}h$hv" link set "${tag}u$hv" up
        as hv$hv check ovs-vsctl add-port br-int "${tag}u$hv" -- set \
            interface "${tag}u$hv" external_ids:roam-uplink=true
    done
    vm "${tag}c" "${tag}cp" 52:54:00:00:00:64 10.0.0.100 "${tag}h1"
    as hv1 check ovs-vsctl add-port br-int "${tag}cp"
    vm "${tag}v" "${tag}vp" $VM_MAC 10.0.0.1 "${tag}h1"
    # The userspace datapath forwards what AF_PACKET hands it: a veth's
    # offloaded TCP checksum would arrive unfilled, so the endpoints
    # compute checksums themselves, as a VM's virtio device would.
    local ns
    for ns in "${tag}c" "${tag}v"; do
        check ip netns exec "$ns" ethtool -K eth0 tx off
    done
    for hv in 1 2; do
        SIM_CPU=$((hv - 1)) SIM_NETNS=${tag}h$hv roamd_start hv$hv \
            "$T/db/db.sock" hv$hv --straggler-timeout=2000 ${ROAMD_OPTS:-}
    done
    as hv1 check ovs-vsctl add-port br-int "${tag}vp" -- set interface \
        "${tag}vp" external_ids:iface-id=if-vm1 \
        external_ids:attached-mac=$VM_MAC \
        external_ids:vm-id=vm-uuid-1 external_ids:iface-status=active \
        external_ids:roam-ip=10.0.0.1
    as hv1 check ovs-ofctl add-flow br-int "$ACL"
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 state running
    WAIT_TIMEOUT=15 wait_until vm_rule_count_is if-vm1 1
    check ip netns exec "${tag}c" ping -c 3 -i 0.2 -W 2 10.0.0.1

    # The VM's end of its destination port: eth1, silent until switch-over
    # (no address; it answers ARP only for addresses it has).
    check ip netns exec "${tag}v" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    check ip link add "${tag}vq" netns "${tag}h2" type veth peer name eth1 \
        netns "${tag}v"
    check ip netns exec "${tag}v" sysctl -qw net.ipv4.conf.eth1.arp_ignore=1
    check ip -n "${tag}v" link set eth1 address $VM_MAC
    check ip netns exec "${tag}v" ethtool -K eth1 tx off
    check ip -n "${tag}v" link set eth1 up
    check ip -n "${tag}h2" link set "${tag}vq" up
}

plug_destination() {
    if [ "$1" = libvirt ]; then
        as hv2 check ovs-vsctl add-port br-int "${tag}vq" -- set interface \
            "${tag}vq" external_ids:iface-id=if-vm1 \
            external_ids:attached-mac=$VM_MAC \
            external_ids:vm-id=vm-uuid-1 external_ids:iface-status=active \
            external_ids:roam-ip=10.0.0.1
    else
        as hv2 check ovs-vsctl add-port br-int "${tag}vq"
    fi
}

# start_traffic: a TCP stream (a line every 10 ms, echoed) and 100 pings a
# second, for 8 seconds, and a capture of what reaches the VM's eth1.
start_traffic() {
    ip netns exec "${tag}v" tcpdump -i eth1 -n -U -w "$T/eth1.pcap" \
        2> "$T/tcpdump.log" &
    tcpdump_pid=$!
    wait_until grep -q "listening on" "$T/tcpdump.log"
    ip netns exec "${tag}v" "$SYS_PYTHON" "$ROAM_SRCDIR/tests/netns/tcp-echo.py" \
        server 0.0.0.0 7777 > "$T/tcp-server.log" 2>&1 &
    wait_until grep -q listening "$T/tcp-server.log"
    ip netns exec "${tag}c" "$SYS_PYTHON" "$ROAM_SRCDIR/tests/netns/tcp-echo.py" \
        client 10.0.0.1 7777 8 > "$T/tcp-client.log" 2>&1 &
    tcp_pid=$!
    ip netns exec "${tag}c" ping -i 0.01 -c 800 -W 1 10.0.0.1 \
        > "$T/ping.log" 2>&1 &
    ping_pid=$!
    # And a probe 1000 times a second, to time the switch-over.  It runs at
    # a real-time priority: on two busy cores a normal process can be
    # starved for milliseconds at just the moment being timed.
    ip netns exec "${tag}c" chrt -f 50 "$SYS_PYTHON" \
        "$ROAM_SRCDIR/tests/netns/probe.py" send 10.0.0.1 9999 1000 8 \
        > "$T/probe.log" 2>&1 &
    probe_pid=$!
    wait_until sh -c "grep -q 'icmp_seq=200 ' '$T/ping.log'"
}

# switch_over: the hypervisor's last step of the live migration.
switch_over() {
    # QEMU pauses the VM at hv1; libvirt's hook gives the pause notice.
    check roamctl --target="$T/hv1/roamd.ctl" vm paused if-vm1
    # QEMU resumes it at hv2 (the VM's address moves to eth1) and
    # announces it.
    check ip -n "${tag}v" addr del 10.0.0.1/24 dev eth0
    check ip -n "${tag}v" addr add 10.0.0.1/24 dev eth1
    # (arping waits a second for replies that never come to an
    # unsolicited ARP; the frame is out at once.)
    ip netns exec "${tag}v" arping -q -U -c 1 -I eth1 10.0.0.1 &
    # The switch-over is timed: the test polls nothing (each poll forks
    # roamctl and a Python interpreter) until arping is done.
    wait $! || true
    # The source QEMU exits and libvirt unplugs its port.
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 host hv2
    check ip -n "${tag}v" link del eth0
    as hv1 check ovs-vsctl del-port br-int "${tag}vp"
}

# finish_traffic: waits for the traffic and reports what was lost, and how
# long after the VM's announcement the first probe sent after it reached
# the VM.
finish_traffic() {
    wait "$ping_pid" || true
    wait "$tcp_pid" || { cat "$T/tcp-client.log"; fail "the TCP stream broke"; }
    check grep -q "^ok " "$T/tcp-client.log"
    kill "$tcpdump_pid"
    wait "$tcpdump_pid" || true
    local sent received
    sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$T/ping.log")
    received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T/ping.log")
    lost=$((sent - received))
    wait "$probe_pid" || true
    first=$("$SYS_PYTHON" "$ROAM_SRCDIR/tests/netns/probe.py" first \
        "$T/eth1.pcap" $VM_MAC 9999)
    held=$(ovs-appctl -t "$T/hv2/roamd.ctl" vm/rules | awk '$1 == "if-vm1" {print $NF}')
    echo "migration: $sent pings sent, $received received, $lost lost;" \
         "$held frames held at hv2 until the VM's announcement;" \
         "the first probe sent after it reached the VM ${first} us later;" \
         "TCP: $(cat "$T/tcp-client.log")" | tee "$T/loss.txt"
    check grep -q "icmp_seq=800 " "$T/ping.log"
}

# check_moved: the VM is at hv2 with its rule, and nothing is left at hv1.
check_moved() {
    check_eq "hv2 1 running" \
        "$(vm_field if-vm1 host) $(vm_field if-vm1 seq) $(vm_field if-vm1 state)" \
        "location"
    WAIT_TIMEOUT=15 wait_until hv_flows_in hv2 "priority=100,tcp,nw_dst=10.0.0.1,tp_dst=23 actions=drop"
    WAIT_TIMEOUT=15 wait_until sh -c "'$ROAM_BUILDDIR/ctl/roamctl' migration list | grep -q ' complete '"
    WAIT_TIMEOUT=15 wait_until sh -c "! ovs-ofctl dump-flows unix:$T/hv1/br-int.mgmt | grep -q 'tp_dst=23\|cookie=0x524f414d'"
    check_fails hv_flows_in hv2 "cookie=0x524f414d"
}

# libvirt plugs the destination port with its keys: roam prepares, and the
# rest follows from the pause notice and the VM's announcement.
test_live_migration_from_port_events() {
    two_hypervisors
    start_traffic
    plug_destination libvirt
    WAIT_TIMEOUT=15 wait_until sh -c "ovs-appctl -t '$T/hv2/roamd.ctl' vm/rules | grep -q arriving"
    check_contains "$(roamctl migration list)" " prepare "
    switch_over
    finish_traffic
    check_moved
    check_eq 0 "$lost" "pings lost"
}

# "roamctl migrate if-vm1 --to hv2 --port PORT": the operator names the
# destination port (plugged without libvirt's keys), and roamctl blocks,
# showing each phase, until the move completes, then reports.
test_live_migration_by_roamctl() {
    two_hypervisors
    start_traffic
    plug_destination plain
    roamctl --timeout=5 migrate if-vm1 --to hv2 --port "${tag}vq" --wait 30 \
        > "$T/migrate.out" 2>&1 &
    local migrate=$!
    WAIT_TIMEOUT=15 wait_until sh -c "ovs-appctl -t '$T/hv2/roamd.ctl' vm/rules | grep -q arriving"
    switch_over
    finish_traffic
    wait "$migrate" || { cat "$T/migrate.out"; fail "roamctl migrate failed"; }
    cat "$T/migrate.out"
    local out
    out=$(cat "$T/migrate.out")
    check_contains "$out" "prepare"
    check_contains "$out" "pause"
    check_contains "$out" "activate"
    check_contains "$out" "migrate-out"
    check_contains "$out" "complete"
    check_contains "$out" "if-vm1 hv1 hv2 1   complete"
    check_moved
    check_eq 0 "$lost" "pings lost"

    # A second migration of the VM to where it already is, of an unknown
    # VM, to an unknown host: each refused with its own exit code.
    local rc
    rc=0; roamctl migrate if-vm1 --to hv2 2>/dev/null || rc=$?
    check_eq 5 "$rc" "migration to the VM's own host"
    rc=0; roamctl migrate no-such-vm --to hv1 2>/dev/null || rc=$?
    check_eq 3 "$rc" "unknown VM"
    rc=0; roamctl migrate if-vm1 --to no-such-host 2>/dev/null || rc=$?
    check_eq 3 "$rc" "unknown host"
    rc=0; roamctl migrate if-vm1 2>/dev/null || rc=$?
    check_eq 2 "$rc" "missing --to"
}
