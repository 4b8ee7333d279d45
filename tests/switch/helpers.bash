# Helpers shared by the switch-level suites.

# setup_bridge: simulated hypervisor hv1 with bridge br0 on the dummy
# datapath and dummy ports p1 (ofport 1) and p2 (ofport 2), p2's
# transmitted packets captured in $T/hv1/p2.pcap.
setup_bridge() {
    sim_add hv1
    as hv1 check ovs-vsctl add-br br0 -- set bridge br0 datapath-type=dummy \
        fail-mode=secure \
        -- add-port br0 p1 -- set interface p1 type=dummy ofport_request=1 \
        -- add-port br0 p2 -- set interface p2 type=dummy ofport_request=2 \
           options:tx_pcap="$T/hv1/p2.pcap"
}

# flows [OPTION...]: br0's flows without the stats columns, sorted.
flows() {
    as hv1 ovs-ofctl "$@" dump-flows br0 --no-stats | sed 's/^ *//' | sort
}
