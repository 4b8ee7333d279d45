# A live migration with real traffic, driven by port events as libvirt and
# QEMU produce them: a client pings a VM 100 times a second, and keeps a
# TCP stream to it, while the VM's veth moves from hypervisor hv1 to
# hypervisor hv2 (each a namespace with
# its own ovs-vswitchd on the userspace datapath and its own roamd), and the
# VM announces itself with a gratuitous ARP.  The VM's hand-added rule
# follows it, and the ping keeps going.

source "$ROAM_SRCDIR/tests/agent/helpers.bash"

ACL="table=0,priority=100,tcp,nw_dst=10.0.0.1,tp_dst=23,actions=drop"

hv_flows_in() {
    as "$1" ovs-ofctl -O OpenFlow15 dump-flows br-int --no-stats \
        | sed 's/^ *//; s/reset_counts //' | grep -qF -- "$2"
}

test_ping_survives_migration() {
    need_root_netns
    local tag=m$$
    setup_dc
    local hv
    for hv in 1 2; do
        SIM_NETNS=${tag}h$hv sim_add hv$hv
        as hv$hv check ovs-vsctl add-br br-int -- set bridge br-int \
            datapath_type=netdev
    done
    # The uplink between the hypervisors.
    check ip link add "${tag}u1" type veth peer name "${tag}u2"
    check ip link set "${tag}u1" netns "${tag}h1"
    check ip link set "${tag}u2" netns "${tag}h2"
    for hv in 1 2; do
        check ip -n "${tag}h$hv" link set "${tag}u$hv" up
        as hv$hv check ovs-vsctl add-port br-int "${tag}u$hv" -- set \
            interface "${tag}u$hv" external_ids:roam-uplink=true
    done
    # The client, on hv1, and the VM, on hv1 for now.
    vm "${tag}c" "${tag}cp" 52:54:00:00:00:64 10.0.0.100 "${tag}h1"
    as hv1 check ovs-vsctl add-port br-int "${tag}cp"
    vm "${tag}v" "${tag}vp" 52:54:00:00:00:01 10.0.0.1 "${tag}h1"
    check ip netns exec "${tag}v" sysctl -qw net.ipv4.conf.eth0.arp_notify=1
    # The userspace datapath forwards what AF_PACKET hands it: a veth's
    # offloaded TCP checksum would arrive unfilled, so the endpoints
    # compute checksums themselves, as a VM's virtio device would.
    local ns
    for ns in "${tag}c" "${tag}v"; do
        check ip netns exec "$ns" ethtool -K eth0 tx off
    done
    for hv in 1 2; do
        SIM_NETNS=${tag}h$hv roamd_start hv$hv "$T/db/db.sock" hv$hv \
            --straggler-timeout=2000
    done
    as hv1 check ovs-vsctl add-port br-int "${tag}vp" -- set interface \
        "${tag}vp" external_ids:iface-id=if-vm1 \
        external_ids:attached-mac=52:54:00:00:00:01 \
        external_ids:vm-id=vm-uuid-1 external_ids:iface-status=active \
        external_ids:roam-ip=10.0.0.1
    as hv1 check ovs-ofctl add-flow br-int "$ACL"
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 state running
    WAIT_TIMEOUT=15 wait_until vm_rule_count_is if-vm1 1
    check ip netns exec "${tag}c" ping -c 3 -i 0.2 -W 2 10.0.0.1

    # A TCP stream (a line every 10 ms, echoed) and 100 pings a second, for
    # 8 seconds; the VM moves after about 2.
    ip netns exec "${tag}v" "$SYS_PYTHON" "$ROAM_SRCDIR/tests/netns/tcp-echo.py" \
        server 10.0.0.1 7777 > "$T/tcp-server.log" 2>&1 &
    wait_until grep -q listening "$T/tcp-server.log"
    ip netns exec "${tag}c" "$SYS_PYTHON" "$ROAM_SRCDIR/tests/netns/tcp-echo.py" \
        client 10.0.0.1 7777 8 > "$T/tcp-client.log" 2>&1 &
    local tcp=$!
    ip netns exec "${tag}c" ping -i 0.01 -c 800 -W 1 10.0.0.1 \
        > "$T/ping.log" 2>&1 &
    local ping=$!
    wait_until sh -c "grep -q 'icmp_seq=200 ' '$T/ping.log'"

    # The move: the VM's veth end goes to hv2, libvirt plugs it there, and
    # the VM announces itself (QEMU's announcement, here the kernel's
    # arp_notify on link up).
    check ip -n "${tag}h1" link set "${tag}vp" netns "${tag}h2"
    as hv2 check ovs-vsctl add-port br-int "${tag}vp" -- set interface \
        "${tag}vp" external_ids:iface-id=if-vm1 \
        external_ids:attached-mac=52:54:00:00:00:01 \
        external_ids:vm-id=vm-uuid-1 external_ids:iface-status=active \
        external_ids:roam-ip=10.0.0.1
    check ip -n "${tag}h2" link set "${tag}vp" up
    check ip netns exec "${tag}v" ip link set eth0 down
    check ip netns exec "${tag}v" ip link set eth0 up
    as hv1 check ovs-vsctl del-port br-int "${tag}vp"

    wait "$ping" || true
    # The TCP stream never broke and lost nothing.
    wait "$tcp" || { cat "$T/tcp-client.log"; fail "the TCP stream broke"; }
    check grep -q "^ok " "$T/tcp-client.log"
    local sent received
    sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$T/ping.log")
    received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T/ping.log")
    echo "migration: $sent sent, $received received, $((sent - received)) lost; TCP: $(cat "$T/tcp-client.log")" \
        | tee "$T/loss.txt"
    # The ping reached the VM at its new place to the end.
    check grep -q "icmp_seq=800 " "$T/ping.log"

    check_eq "hv2 1 running" \
        "$(vm_field if-vm1 host) $(vm_field if-vm1 seq) $(vm_field if-vm1 state)" \
        "location"
    WAIT_TIMEOUT=15 wait_until hv_flows_in hv2 "priority=100,tcp,nw_dst=10.0.0.1,tp_dst=23 actions=drop"
    # The move is on record, completed by the source even though its port
    # went away before it saw the claim.
    WAIT_TIMEOUT=15 wait_until sh -c "'$ROAM_BUILDDIR/agent/roamctl' migration list | grep -q ' complete '"
    WAIT_TIMEOUT=15 wait_until sh -c "! ovs-ofctl dump-flows unix:$T/hv1/br-int.mgmt | grep -q tp_dst=23"
}
