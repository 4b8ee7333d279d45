# Releasing the old location is conditional.  OVN 23.03 has this race: the
# old chassis's release, computed from a stale view, erased the new
# chassis's claim.  Here hv1 (agent/vif.c run by tests/agent/test-release,
# so that the test decides when hv1's replica of the roam database catches
# up) releases a VM that hv2's roamd has meanwhile claimed: the release
# fails its verification, and the claim survives intact.

source "$ROAM_SRCDIR/tests/agent/helpers.bash"

test_stale_release_cannot_erase_a_claim() {
    setup_dc
    sim_add hv1
    sim_add hv2
    local hv
    for hv in hv1 hv2; do
        as $hv check ovs-vsctl add-br br-int -- set bridge br-int \
            datapath-type=dummy
    done
    roamd_start hv2 "$T/db/db.sock"
    libvirt_plug hv1 br-int vnet0 if-vm1 52:54:00:00:00:01 10.0.0.1

    mkfifo "$T/rel.in"
    "$ROAM_BUILDDIR/tests/agent/test-release" unix:"$T/db/db.sock" \
        unix:"$T/hv1/db.sock" hv1 < "$T/rel.in" > "$T/rel.out" \
        2> "$T/rel.err" &
    echo $! > "$T/hv1/test-release.pid"
    exec 4> "$T/rel.in"
    rel() {
        local before
        before=$(wc -l < "$T/rel.out")
        echo "$1" >&4
        WAIT_TIMEOUT=30 wait_until sh -c "[ \$(wc -l < '$T/rel.out') -gt $before ]"
        tail -1 "$T/rel.out"
    }

    check_eq "success" "$(rel sync)" "hv1 registers the VM"
    check_eq "hv1 0 running" \
        "$(vm_field if-vm1 host) $(vm_field if-vm1 seq) $(vm_field if-vm1 state)"

    # hv2 claims the VM; hv1 does not hear of it before its port goes.
    libvirt_plug hv2 br-int vnet3 if-vm1 52:54:00:00:00:01 10.0.0.1
    WAIT_TIMEOUT=10 wait_until vm_field_is if-vm1 host hv2
    as hv1 check ovs-vsctl del-port br-int vnet0

    # hv1 releases from its stale view: the database refuses.
    check_eq "try again" "$(rel stale)" "stale release"
    # Caught up, hv1 sees the claim and writes nothing.
    check_eq "unchanged" "$(rel sync)" "release after catching up"

    check_eq "hv2 1 running vnet3" \
        "$(vm_field if-vm1 host) $(vm_field if-vm1 seq) $(vm_field if-vm1 state) $(vm_field if-vm1 port)" \
        "the claim is intact"
}
