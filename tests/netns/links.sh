# roamd follows kernel link events (libnl-3) for VM ports that are kernel
# devices, as in setups without libvirt: a VM's veth losing carrier or
# disappearing means the VM is no longer on this host's port.

source "$ROAM_SRCDIR/tests/agent/helpers.bash"

test_vm_port_follows_link_state() {
    need_root_netns
    local tag=k$$
    local hvns=${tag}h
    setup_dc
    SIM_NETNS=$hvns sim_add hv1
    as hv1 check ovs-vsctl add-br "${tag}br" -- set bridge "${tag}br" \
        datapath_type=netdev fail-mode=secure
    vm "${tag}a" "${tag}v1" 52:54:00:00:00:01 10.0.0.1 "$hvns"
    as hv1 check ovs-vsctl add-port "${tag}br" "${tag}v1" -- set interface \
        "${tag}v1" external_ids:iface-id=if-vm1 \
        external_ids:attached-mac=52:54:00:00:00:01 \
        external_ids:roam-ip=10.0.0.1
    # roamd follows link events in the hypervisor's namespace.
    SIM_NETNS=$hvns roamd_start hv1 "$T/db/db.sock"
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 state running
    check_eq "${tag}v1" "$(vm_field if-vm1 port)" "port"

    # The VM's side goes down: its peer loses carrier.
    check ip netns exec "${tag}a" ip link set eth0 down
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 state stopped
    check ip netns exec "${tag}a" ip link set eth0 up
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 state running

    # The device disappears altogether (the VM moved away, or is gone).
    check ip -n "$hvns" link del "${tag}v1"
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 state stopped
    check_eq "0" "$(vm_field if-vm1 seq)" "no claim was made"
    check grep -q "VM if-vm1: port ${tag}v1 is gone" "$T/hv1/roamd.log"
}
