# Helpers shared by the tests/agent suites (sourced, not a suite itself).

# vm_field VM COLUMN: one column of "roamctl vm list" for VM.
vm_field() {
    roamctl --format=json vm list | "$SYS_PYTHON" -c '
import json, sys
t = json.load(sys.stdin)
col = t["headings"].index(sys.argv[2])
for row in t["data"]:
    if row[0] == sys.argv[1]:
        print(row[col])' "$1" "$2"
}

vm_field_is() {
    [ "$(vm_field "$1" "$2")" = "$3" ]
}

host_state_is() {
    roamctl host list | grep -q "^$1 .* $2\$"
}

# libvirt_plug SIM BRIDGE PORT IFACE_ID MAC IP: a VM port as libvirt adds it
# for <virtualport type='openvswitch'> (plus the orchestrator's roam-ip).
libvirt_plug() {
    as "$1" check ovs-vsctl add-port "$2" "$3" -- set interface "$3" \
        type=dummy external_ids:iface-id="$4" external_ids:attached-mac="$5" \
        external_ids:vm-id="vm-uuid-$4" external_ids:iface-status=active \
        external_ids:roam-ip="$6"
}

setup_dc() {
    roamdb_start db
    export ROAM_DB=unix:$T/db/db.sock
    check roamctl dc add dc1 1
    check roamctl host add hv1 dc1 0 1
    check roamctl host add hv2 dc1 0 2
}


# vm_rule_count_is VM N: true if the database holds N rules for VM.
vm_rule_count_is() {
    [ "$(roamctl --format=json vm show "$1" | "$SYS_PYTHON" -c '
import json, sys
print(len(json.load(sys.stdin)[1]["data"]))')" = "$2" ]
}

# vm_announce SIM PORT [MAC [IP]]: the VM's first frame on PORT (a dummy
# interface) after it resumes there: a gratuitous ARP, as the guest kernel
# sends it on link up.
vm_announce() {
    local mac=${3:-52:54:00:00:00:01} ip=${4:-10.0.0.1}
    as "$1" check ovs-appctl netdev-dummy/receive "$2" \
        "eth(src=$mac,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),arp(sip=$ip,tip=$ip,op=1,sha=$mac,tha=00:00:00:00:00:00)"
}

# uplinked_hv SIM DB [ROAMD_OPTION...]: a simulated hypervisor whose br-int
# (dummy datapath, fail-mode secure) has an uplink port (OpenFlow port 100,
# external_ids:roam-uplink=true), with its roamd on roam database DB (a
# socket or a remote), started and connected to the bridge.
uplinked_hv() {
    local sim=$1 db=$2
    shift 2
    sim_add "$sim"
    as "$sim" check ovs-vsctl add-br br-int -- set bridge br-int \
        datapath-type=dummy fail-mode=secure \
        -- add-port br-int uplink -- set interface uplink type=dummy \
           ofport_request=100 external_ids:roam-uplink=true
    roamd_start "$sim" "$db" "$sim" "$@"
    WAIT_TIMEOUT=10 wait_until as "$sim" ovs-vsctl get bridge br-int \
        external_ids:roam-applied-gen
}
