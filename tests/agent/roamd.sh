# roamd on simulated hypervisors: host liveness and VM ports discovered
# exactly as libvirt plugs them, against a real roam database.

source "$ROAM_SRCDIR/tests/agent/helpers.bash"

test_host_liveness() {
    setup_dc
    sim_add hv1
    check host_state_is hv1 down
    roamd_start hv1 "$T/db/db.sock"
    WAIT_TIMEOUT=10 wait_until host_state_is hv1 up
    check host_state_is hv2 down
    check_contains "$(roamd_ctl hv1 roamd/status)" "registered: yes"
    # Stopped, the host goes down once its alive_until passes.
    check roamd_ctl hv1 exit
    WAIT_TIMEOUT=15 wait_until host_state_is hv1 down
}

test_unregistered_host() {
    setup_dc
    sim_add hv9
    roamd_start hv9 "$T/db/db.sock"
    WAIT_TIMEOUT=10 wait_until grep -q "host hv9 is not registered" "$T/hv9/roamd.log"
    check_contains "$(roamd_ctl hv9 roamd/status)" "registered: no"
    check sim_alive hv9
}

test_vm_ports_from_libvirt_external_ids() {
    setup_dc
    sim_add hv1
    as hv1 check ovs-vsctl add-br br-int -- set bridge br-int datapath-type=dummy
    roamd_start hv1 "$T/db/db.sock"
    libvirt_plug hv1 br-int vnet0 if-vm1 52:54:00:00:00:01 10.0.0.1
    libvirt_plug hv1 br-int vnet1 if-vm2 52:54:00:00:00:02 10.0.0.2
    # An interface without iface-id is not a VM port; nor is one with a bad
    # attached-mac.
    as hv1 check ovs-vsctl add-port br-int plain -- set interface plain type=dummy
    as hv1 check ovs-vsctl add-port br-int bad -- set interface bad type=dummy \
        external_ids:iface-id=if-bad external_ids:attached-mac=nonsense
    WAIT_TIMEOUT=10 wait_until vm_field_is if-vm2 state running

    check_eq "hv1 vnet0 10.0.0.1 52:54:00:00:00:01 0a:10:01:04:00:00 100.68.0.65 0" \
        "$(for c in host port real_ip real_mac pseudo_mac pseudo_ip seq; do vm_field if-vm1 $c; done | tr '\n' ' ' | sed 's/ $//')" \
        "VM 1"
    check_eq "0a:10:01:08:00:00 100.68.0.66" \
        "$(vm_field if-vm2 pseudo_mac) $(vm_field if-vm2 pseudo_ip)" "VM 2's pseudo identity"
    check_eq "" "$(vm_field if-bad name)" "port with a bad attached-mac"
    check grep -q "ignoring bad attached-mac \"nonsense\"" "$T/hv1/roamd.log"
    check_contains "$(roamd_ctl hv1 vm/list)" "if-vm1"

    # Unplugged: the VM is stopped here; plugged again, running again with
    # the same identity.
    as hv1 check ovs-vsctl del-port br-int vnet1
    WAIT_TIMEOUT=10 wait_until vm_field_is if-vm2 state stopped
    check_eq "-" "$(vm_field if-vm2 port)" "port of a stopped VM"
    libvirt_plug hv1 br-int vnet7 if-vm2 52:54:00:00:00:02 10.0.0.2
    WAIT_TIMEOUT=10 wait_until vm_field_is if-vm2 state running
    check_eq "vnet7 100.68.0.66 0" \
        "$(vm_field if-vm2 port) $(vm_field if-vm2 pseudo_ip) $(vm_field if-vm2 seq)" \
        "VM 2 plugged again"
}

# A second interface with a VM's iface-id does not take the VM over; two
# hosts registered at one position hand out no pseudo identities.
test_duplicate_ports_and_positions() {
    setup_dc
    sim_add hv1
    as hv1 check ovs-vsctl add-br br-int -- set bridge br-int datapath-type=dummy
    roamd_start hv1 "$T/db/db.sock"
    libvirt_plug hv1 br-int vnet0 if-vm1 52:54:00:00:00:01 10.0.0.1
    WAIT_TIMEOUT=10 wait_until vm_field_is if-vm1 state running
    libvirt_plug hv1 br-int avnet9 if-vm1 52:54:00:00:00:01 10.0.0.1
    WAIT_TIMEOUT=10 wait_until grep -q "interface avnet9: iface-id if-vm1 is already the port of interface vnet0" \
        "$T/hv1/roamd.log"
    check_eq "vnet0 0" "$(vm_field if-vm1 port) $(vm_field if-vm1 seq)" \
        "the VM stays on its port"

    # The schema refuses a position that does not fit; a second host at
    # hv1's position (written by hand: roamctl refuses it) makes hv1 stop
    # handing out pseudo identities.
    local out
    out=$(ovsdb-client transact unix:$T/db/db.sock '["roam",
        {"op":"insert","table":"Host","row":{"name":"huge","pod":4294967296,
         "index":0,"role":"hypervisor"}}]')
    check_contains "$out" "constraint violation"
    local dc
    dc=$(ovsdb-client --format=csv --no-headings dump unix:$T/db/db.sock \
         roam Datacenter _uuid | grep -m1 -E "^[0-9a-f]{8}-")
    out=$(ovsdb-client transact unix:$T/db/db.sock "[\"roam\",
        {\"op\":\"insert\",\"table\":\"Host\",\"row\":{\"name\":\"twin\",
         \"datacenter\":[\"uuid\",\"$dc\"],\"pod\":0,\"index\":1,
         \"role\":\"hypervisor\"}}]")
    check_not_contains "$out" "error"
    check_contains "$(roamctl host list)" "twin"
    libvirt_plug hv1 br-int vnet2 if-vm2 52:54:00:00:00:02 10.0.0.2
    WAIT_TIMEOUT=10 wait_until vm_field_is if-vm2 state running
    WAIT_TIMEOUT=10 wait_until grep -q "hosts hv1 and twin share pod 0 index 1" \
        "$T/hv1/roamd.log"
    check_eq "-" "$(vm_field if-vm2 pseudo_ip)" "pseudo identity at a shared position"
}

# The VM's port appears on another host, and the VM's first frame there:
# that host claims the VM with the next sequence number and a pseudo
# identity of its own, and the old host does not fight back.
test_port_moves_to_another_host() {
    setup_dc
    sim_add hv1
    sim_add hv2
    as hv1 check ovs-vsctl add-br br-int -- set bridge br-int datapath-type=dummy
    as hv2 check ovs-vsctl add-br br-int -- set bridge br-int datapath-type=dummy
    roamd_start hv1 "$T/db/db.sock"
    roamd_start hv2 "$T/db/db.sock"
    libvirt_plug hv1 br-int vnet0 if-vm1 52:54:00:00:00:01 10.0.0.1
    WAIT_TIMEOUT=10 wait_until vm_field_is if-vm1 host hv1
    libvirt_plug hv2 br-int vnet3 if-vm1 52:54:00:00:00:01 10.0.0.1
    WAIT_TIMEOUT=10 wait_until sh -c "ovs-appctl -t '$T/hv2/roamd.ctl' vm/rules | grep -q arriving"
    check_eq "hv1 0" "$(vm_field if-vm1 host) $(vm_field if-vm1 seq)" \
        "prepared at hv2, still at hv1"
    vm_announce hv2 vnet3
    WAIT_TIMEOUT=10 wait_until vm_field_is if-vm1 host hv2
    check_eq "1 vnet3 100.68.0.129" \
        "$(vm_field if-vm1 seq) $(vm_field if-vm1 port) $(vm_field if-vm1 pseudo_ip)" \
        "VM 1 at hv2"
    # hv1 still has the port until libvirt removes it, but sees the higher
    # sequence number elsewhere and leaves the VM alone.
    check_contains "$(roamd_ctl hv1 vm/list)" "elsewhere"
    # Killed and restarted, hv1 still remembers that its port held the VM
    # at a lower sequence number (external_ids:roam-seq).
    check kill -9 "$(cat "$T/hv1/roamd.pid")"
    roamd_start hv1 "$T/db/db.sock"
    WAIT_TIMEOUT=10 wait_until sh -c "ovs-appctl -t '$T/hv1/roamd.ctl' vm/list | grep -q elsewhere"
    check_eq "hv2 1" "$(vm_field if-vm1 host) $(vm_field if-vm1 seq)" \
        "after hv1's roamd restarted"
    check_fails grep -q "claiming" "$T/hv1/roamd.log"
    as hv1 check ovs-vsctl del-port br-int vnet0
    WAIT_TIMEOUT=5 wait_until sh -c "'$ROAM_BUILDDIR/ctl/roamctl' vm list | grep -q if-vm1"
    check_eq "hv2 running 1" \
        "$(vm_field if-vm1 host) $(vm_field if-vm1 state) $(vm_field if-vm1 seq)" \
        "after hv1 unplugged"
}

# Bad options stop roamd before it starts, each with a message that names
# the option and what it takes.
test_bad_options() {
    local arg out
    for arg in --rescan-budget=0 --rescan-budget=101 --rescan-budget=five \
               --activation=controller --buffer-packets=-1 \
               --buffer-packets=1000001 --straggler-timeout=soon \
               --activate-timeout=0 --migration-retention=-5; do
        out=$("$ROAM_BUILDDIR/roamd/roamd" "$arg" 2>&1) \
            && fail "roamd accepted $arg"
        check_contains "$out" "${arg%%=*} takes"
    done
    out=$("$ROAM_BUILDDIR/roamd/roamd" extra 2>&1) \
        && fail "roamd accepted an argument"
    check_contains "$out" "no arguments expected"
}
