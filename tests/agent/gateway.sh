# The gateway role (roamd/gateway/, seed features S0.2-S0.6) on a dummy
# datapath: the pseudo <-> real mapping fed from the roam database, ARP
# requests for another datacenter's VM answered with its pseudo MAC in the
# datapath, the core rewrite on the way out and the egress rewrite on the
# way in, forwarding by datacenter prefix, and the sequence-number guard.
# A dummy port stands in for the tunnel to dc2's gateway.

source "$ROAM_SRCDIR/tests/agent/helpers.bash"

VM1_MAC=52:54:00:00:01:01
VM1_IP=10.0.0.11
VM2_MAC=52:54:00:00:02:01
VM2_IP=10.0.0.21

# gw_setup [ARG...]: dc1 (hv1, gateway gw1) and dc2 (hv2); VM 1 runs on hv1
# and VM 2 on hv2, each registered with its pseudo identity by its host's
# roamd.  ARGs go to gw1's roamd.
gw_setup() {
    roamdb_start db
    export ROAM_DB=unix:$T/db/db.sock
    check roamctl dc add dc1 1
    check roamctl dc add dc2 2
    check roamctl host add hv1 dc1 0 1
    check roamctl host add hv2 dc2 0 1
    check roamctl host add gw1 dc1 0 63 --role=gateway
    uplinked_hv hv1 "$T/db/db.sock"
    uplinked_hv hv2 "$T/db/db.sock"
    libvirt_plug hv1 br-int vnet1 if-vm1 $VM1_MAC $VM1_IP
    libvirt_plug hv2 br-int vnet2 if-vm2 $VM2_MAC $VM2_IP
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm1 state running
    WAIT_TIMEOUT=15 wait_until vm_field_is if-vm2 state running
    WAIT_TIMEOUT=15 wait_until vm_has_pseudo_id if-vm1
    WAIT_TIMEOUT=15 wait_until vm_has_pseudo_id if-vm2
    P1_MAC=$(vm_field if-vm1 pseudo_mac)
    P1_IP=$(vm_field if-vm1 pseudo_ip)
    P2_MAC=$(vm_field if-vm2 pseudo_mac)
    P2_IP=$(vm_field if-vm2 pseudo_ip)

    sim_add gw1
    as gw1 check ovs-vsctl add-br br-gw -- set bridge br-gw \
        datapath-type=dummy fail-mode=secure external_ids:roam-gateway=true \
        -- add-port br-gw fabric -- set interface fabric type=dummy \
           ofport_request=1 external_ids:roam-fabric=true \
           options:tx_pcap="$T/gw1/fabric.pcap" \
        -- add-port br-gw to-dc2 -- set interface to-dc2 type=dummy \
           ofport_request=2 external_ids:roam-remote-dc=2 \
           options:tx_pcap="$T/gw1/to-dc2.pcap"
    roamd_start gw1 "$T/db/db.sock" gw1 "$@"
    WAIT_TIMEOUT=15 wait_until sh -c "ovs-appctl -t '$T/gw1/roamd.ctl' \
        gateway/mappings | grep -q '^if-vm2 .* remote'"
    WAIT_TIMEOUT=15 wait_until as gw1 ovs-vsctl get bridge br-gw \
        external_ids:roam-applied-gen
    WAIT_TIMEOUT=15 wait_until gw_flow_count_is 23
}

vm_has_pseudo_id() {
    [ -n "$(vm_field "$1" pseudo_mac)" ]
}

# gw_flow_count_is N: gw1's bridge holds N flows.
gw_flow_count_is() {
    [ "$(gw_flow_count)" = "$1" ]
}

gw_flow_count() {
    as gw1 ovs-ofctl dump-flows br-gw --no-stats | grep -c priority
}

# frames_at SIM PORT: what PORT sent, one line per frame, as scapy shows
# the fields that matter here.
frames_at() {
    "$SYS_PYTHON" - "$T/$1/$2.pcap" <<'PY'
import sys
from scapy.all import rdpcap, ARP, IP, Ether
for p in rdpcap(sys.argv[1]):
    if ARP in p:
        a = p[ARP]
        print("arp op=%d %s>%s sha=%s spa=%s tha=%s tpa=%s"
              % (a.op, p[Ether].src, p[Ether].dst, a.hwsrc, a.psrc,
                 a.hwdst, a.pdst))
    elif IP in p:
        print("ip %s>%s %s>%s" % (p[Ether].src, p[Ether].dst, p[IP].src,
                                  p[IP].dst))
    else:
        print("other %s>%s type=%#x" % (p[Ether].src, p[Ether].dst,
                                        p[Ether].type))
PY
}

# frame_count_is SIM PORT TEXT N: N frames PORT sent show TEXT.
frame_count_is() {
    [ "$(frames_at "$1" "$2" | grep -cF "$3")" = "$4" ]
}

frames_at_include() {
    frames_at "$1" "$2" | grep -qF "$3"
}

test_mapping_and_arp_answer() {
    gw_setup
    local out
    out=$(roamd_ctl gw1 gateway/mappings)
    check_contains "$out" "if-vm1"
    check_contains "$out" "$P1_MAC $P1_IP"
    check_contains "$(echo "$out" | grep if-vm1)" "local"
    check_contains "$(echo "$out" | grep if-vm2)" "remote"
    check grep -q "gateway of datacenter 1 on bridge br-gw: fabric port 1, 1 tunnels" "$T/gw1/roamd.log"

    # roamctl shows the gateways and the mapping, in tables and in JSON.
    check_contains "$(roamctl gateway list | tr -s ' ')" "gw1 dc1 1"
    out=$(roamctl mapping list dc1 | tr -s ' ')
    check_contains "$out" "if-vm1 0 dc1 hv1 $VM1_MAC $VM1_IP $P1_MAC $P1_IP local"
    check_contains "$out" "if-vm2 0 dc2 hv2 $VM2_MAC $VM2_IP $P2_MAC $P2_IP remote"
    check_eq "2 remote" "$(roamctl --format=json mapping list dc1 | "$SYS_PYTHON" -c '
import json, sys
t = json.load(sys.stdin)
print(len(t["data"]), [r for r in t["data"] if r[0] == "if-vm2"][0][8])')" "mapping list JSON"
    local rc=0
    roamctl mapping list nosuch 2>"$T/err" || rc=$?
    check_eq 3 "$rc" "mapping list of an unknown datacenter"
    check_contains "$(cat "$T/err")" "no datacenter nosuch"

    # VM 1 asks for VM 2's real address: the gateway answers with VM 2's
    # pseudo MAC, from the datapath (no packet-in, no slow path).
    as gw1 check ovs-appctl netdev-dummy/receive fabric \
        "eth(src=$VM1_MAC,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),arp(sip=$VM1_IP,tip=$VM2_IP,op=1,sha=$VM1_MAC,tha=00:00:00:00:00:00)"
    WAIT_TIMEOUT=10 wait_until frames_at_include gw1 fabric \
        "arp op=2 $P2_MAC>$VM1_MAC sha=$P2_MAC spa=$VM2_IP tha=$VM1_MAC tpa=$VM1_IP"
    out=$(as gw1 ovs-appctl dpctl/dump-flows)
    check_contains "$out" "arp"
    check_not_contains "$out" "userspace("
    check_not_contains "$(as gw1 ovs-appctl ofproto/trace br-gw \
        "in_port=1,arp,arp_op=1,dl_src=$VM1_MAC,arp_spa=$VM1_IP,arp_tpa=$VM2_IP")" "controller"

    # A GARP from another datacenter, spoofed as VM 1, goes nowhere and
    # changes no mapping.
    as gw1 check ovs-appctl netdev-dummy/receive to-dc2 \
        "eth(src=52:54:00:66:66:66,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),arp(sip=$VM1_IP,tip=$VM1_IP,op=1,sha=52:54:00:66:66:66,tha=00:00:00:00:00:00)"
    as gw1 check ovs-appctl netdev-dummy/receive to-dc2 \
        "eth(src=52:54:00:66:66:66,dst=ff:ff:ff:ff:ff:ff),eth_type(0x8035)"
    # A frame after them that does reach the fabric shows they were seen.
    as gw1 check ovs-appctl netdev-dummy/receive to-dc2 \
        "eth(src=$P2_MAC,dst=$P1_MAC),eth_type(0x0800),ipv4(src=$P2_IP,dst=$P1_IP,proto=17,ttl=64,frag=no),udp(src=7,dst=7)"
    WAIT_TIMEOUT=10 wait_until frames_at_include gw1 fabric \
        "ip $P2_MAC>$VM1_MAC"
    check_not_contains "$(frames_at gw1 fabric)" "52:54:00:66:66:66"
    check_contains "$(roamd_ctl gw1 gateway/mappings | grep if-vm1)" "$VM1_MAC"

    # A request for a dc1 VM is not the gateway's to answer.
    as gw1 check ovs-appctl netdev-dummy/receive fabric \
        "eth(src=$VM2_MAC,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),arp(sip=10.0.0.99,tip=$VM1_IP,op=1,sha=$VM2_MAC,tha=00:00:00:00:00:00)"
    check_eq 1 "$(frames_at gw1 fabric | grep -c 'arp op=2')" "ARP answers"
}

test_core_and_egress_rewrites() {
    gw_setup
    # Out: VM 1 to VM 2 (at its pseudo MAC, from the ARP answer) leaves
    # dc1 on pseudo identities, toward dc2 by prefix.
    as gw1 check ovs-appctl netdev-dummy/receive fabric \
        "eth(src=$VM1_MAC,dst=$P2_MAC),eth_type(0x0800),ipv4(src=$VM1_IP,dst=$VM2_IP,proto=17,ttl=64,frag=no),udp(src=1000,dst=9)"
    WAIT_TIMEOUT=10 wait_until frames_at_include gw1 to-dc2 \
        "ip $P1_MAC>$P2_MAC $P1_IP>$P2_IP"

    # In: VM 2's answer reaches VM 1 at its real identity, from VM 2's
    # real IPv4 address and the pseudo MAC that VM 1 has for it.
    as gw1 check ovs-appctl netdev-dummy/receive to-dc2 \
        "eth(src=$P2_MAC,dst=$P1_MAC),eth_type(0x0800),ipv4(src=$P2_IP,dst=$P1_IP,proto=17,ttl=64,frag=no),udp(src=9,dst=1000)"
    WAIT_TIMEOUT=10 wait_until frames_at_include gw1 fabric \
        "ip $P2_MAC>$VM1_MAC $VM2_IP>$VM1_IP"

    # Forwarding is one flow per datacenter, not per VM.
    check_eq 1 "$(as gw1 ovs-ofctl dump-flows br-gw table=22 --no-stats | grep -c priority=100)" "forwarding flows"
    check_not_contains "$(as gw1 ovs-appctl dpctl/dump-flows)" "userspace("

    # A VM of dc1 that still addresses VM 1 by its pseudo MAC (as a VM
    # that arrived from another datacenter would): turned back to the
    # fabric at VM 1's real MAC, from the gateway's own MAC, and told.
    as gw1 check ovs-appctl netdev-dummy/receive fabric \
        "eth(src=52:54:00:00:09:09,dst=$P1_MAC),eth_type(0x0800),ipv4(src=10.0.0.99,dst=$VM1_IP,proto=17,ttl=64,frag=no),udp(src=5,dst=5)"
    WAIT_TIMEOUT=10 wait_until frames_at_include gw1 fabric \
        ">$VM1_MAC 10.0.0.99>$VM1_IP"
    check_not_contains "$(frames_at gw1 fabric | grep '10.0.0.99>')" "52:54:00:00:09:09>"
    WAIT_TIMEOUT=10 wait_until frames_at_include gw1 fabric \
        "arp op=2 $VM1_MAC>52:54:00:00:09:09 sha=$VM1_MAC spa=$VM1_IP"
}

# ovsdb_set_vm VM SETTINGS: writes VM's row by hand, as a lagging replica
# or a person might.
ovsdb_set_vm() {
    check ovsdb-client transact unix:$T/db/db.sock "[\"roam\",
        {\"op\":\"update\",\"table\":\"VM\",\"where\":[[\"name\",\"==\",\"$1\"]],
         \"row\":{$2}}]"
}

test_older_sequence_number_is_ignored() {
    gw_setup
    # VM 2's host goes quiet, so that only hand-written rows change it.
    roamd_ctl hv2 exit
    local seq
    seq=$(( $(vm_field if-vm2 seq) + 2 ))
    ovsdb_set_vm if-vm2 "\"seq\":$seq"
    WAIT_TIMEOUT=10 wait_until sh -c "ovs-appctl -t '$T/gw1/roamd.ctl' \
        gateway/mappings | grep -q '^if-vm2 *$seq '"

    # An older location never overwrites the newer one.
    ovsdb_set_vm if-vm2 "\"seq\":$((seq - 1)),\"pseudo_mac\":\"0a:20:00:00:00:05\""
    WAIT_TIMEOUT=10 wait_until sh -c "[ \"\$(ovs-appctl -t '$T/gw1/roamd.ctl' coverage/read-counter gateway_mapping_stale)\" -ge 1 ]"
    check_contains "$(roamd_ctl gw1 gateway/mappings | grep if-vm2)" "$P2_MAC"

    # A newer one does.
    ovsdb_set_vm if-vm2 "\"seq\":$((seq + 1)),\"pseudo_mac\":\"0a:20:00:00:00:05\""
    WAIT_TIMEOUT=10 wait_until sh -c "ovs-appctl -t '$T/gw1/roamd.ctl' \
        gateway/mappings | grep if-vm2 | grep -q 0a:20:00:00:00:05"
    as gw1 check ovs-appctl netdev-dummy/receive fabric \
        "eth(src=$VM1_MAC,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),arp(sip=$VM1_IP,tip=$VM2_IP,op=1,sha=$VM1_MAC,tha=00:00:00:00:00:00)"
    WAIT_TIMEOUT=10 wait_until frames_at_include gw1 fabric \
        "arp op=2 0a:20:00:00:00:05>$VM1_MAC"

    # A VM that leaves the database leaves the gateway's tables.
    check roamctl vm list
    check ovsdb-client transact unix:$T/db/db.sock '["roam",
        {"op":"delete","table":"VM","where":[["name","==","if-vm2"]]}]'
    WAIT_TIMEOUT=10 wait_until gw_flow_count_is 20
}

# A gateway reads its VM rows again only when a table the mapping comes
# from changed: with 100 000 VMs each reading parses 400 000 addresses.
# Heartbeats (Host rows) and unixctl calls wake roamd but read nothing.
test_idle_gateway_reads_no_rows() {
    gw_setup
    roamd_ctl hv2 exit
    local scans i seq
    scans=$(roamd_ctl gw1 coverage/read-counter gateway_mapping_scan)
    for i in 1 2 3 4 5; do
        check ovsdb-client transact unix:$T/db/db.sock "[\"roam\",
            {\"op\":\"update\",\"table\":\"Host\",
             \"where\":[[\"name\",\"==\",\"hv1\"]],
             \"row\":{\"external_ids\":[\"map\",[[\"wake\",\"$i\"]]]}}]"
        check roamd_ctl gw1 gateway/mappings > /dev/null
    done
    # Then a VM row changes: once gw1 shows it, it has seen the Host
    # updates before it, and read the rows once more for this one.
    seq=$(( $(vm_field if-vm2 seq) + 1 ))
    ovsdb_set_vm if-vm2 "\"seq\":$seq"
    WAIT_TIMEOUT=10 wait_until sh -c "ovs-appctl -t '$T/gw1/roamd.ctl' \
        gateway/mappings | grep -q '^if-vm2 *$seq '"
    local now
    now=$(roamd_ctl gw1 coverage/read-counter gateway_mapping_scan)
    echo "mapping scans: $scans before, $now after"
    [ "$now" -ge $((scans + 1)) ] && [ "$now" -le $((scans + 2)) ] \
        || fail "gw1 read its VM rows $((now - scans)) times, not once or twice"
    check_contains "$(roamd_ctl gw1 gateway/mappings | grep if-vm1)" "$P1_MAC"
}

iface_option_is() {
    [ "$(as gw1 ovs-vsctl --if-exists get interface "$1" "$2" 2>/dev/null | tr -d '"')" = "$3" ]
}

forwarding_flows_are() {
    [ "$(as gw1 ovs-ofctl dump-flows br-gw table=22 --no-stats | grep priority=100 | sed 's/.*actions=//' | sort | tr '\n' ' ')" = "$1" ]
}

# Tunnels to the other datacenters' gateways come from the database (S2.2):
# one Geneve port per datacenter, following the gateways' uplink addresses,
# gone with the gateway; a port the operator made for a datacenter wins.
test_tunnels_from_the_database() {
    roamdb_start db
    export ROAM_DB=unix:$T/db/db.sock
    local dc
    for dc in 1 2 3; do
        check roamctl dc add dc$dc $dc
    done
    check roamctl host add gw1 dc1 0 63 --role=gateway --uplink-ip=192.0.2.1
    check roamctl host add gw2 dc2 0 63 --role=gateway --uplink-ip=192.0.2.2
    check roamctl host add gw3 dc3 0 63 --role=gateway --uplink-ip=192.0.2.3
    check roamctl host add hv3 dc3 0 1 --uplink-ip=192.0.2.99
    sim_add gw1
    as gw1 check ovs-vsctl add-br br-gw -- set bridge br-gw \
        datapath-type=dummy fail-mode=secure external_ids:roam-gateway=true \
        -- add-port br-gw fabric -- set interface fabric type=dummy \
           ofport_request=1 external_ids:roam-fabric=true
    roamd_start gw1 "$T/db/db.sock"

    WAIT_TIMEOUT=15 wait_until iface_option_is roam-dc2 options:remote_ip 192.0.2.2
    WAIT_TIMEOUT=15 wait_until iface_option_is roam-dc3 options:remote_ip 192.0.2.3
    check_eq geneve "$(as gw1 ovs-vsctl get interface roam-dc2 type)" "tunnel type"
    check_eq 2 "$(as gw1 ovs-vsctl get interface roam-dc2 external_ids:roam-remote-dc | tr -d '"')" "its datacenter"
    check_eq "" "$(as gw1 ovs-vsctl --if-exists get interface roam-dc1 type)" "no tunnel to itself"
    local p2 p3
    p2=$(as gw1 ovs-vsctl get interface roam-dc2 ofport)
    p3=$(as gw1 ovs-vsctl get interface roam-dc3 ofport)
    WAIT_TIMEOUT=15 wait_until forwarding_flows_are "output:$p2 output:$p3 "

    # dc3's gateway moves to another address: the tunnel follows.
    check ovsdb-client transact unix:$T/db/db.sock '["roam",
        {"op":"update","table":"Host","where":[["name","==","gw3"]],
         "row":{"uplink_ip":"192.0.2.33"}}]'
    WAIT_TIMEOUT=15 wait_until iface_option_is roam-dc3 options:remote_ip 192.0.2.33

    # dc2's gateway goes: so do its tunnel and its forwarding flow.
    check ovsdb-client transact unix:$T/db/db.sock '["roam",
        {"op":"delete","table":"Host","where":[["name","==","gw2"]]}]'
    WAIT_TIMEOUT=15 wait_until sh -c "! OVS_RUNDIR='$T/gw1' ovs-vsctl list-ports br-gw | grep -q roam-dc2"
    WAIT_TIMEOUT=15 wait_until forwarding_flows_are "output:$p3 "

    # The operator's own tunnel to dc3 replaces roamd's.
    as gw1 check ovs-vsctl add-port br-gw wan-dc3 -- set interface wan-dc3 \
        type=dummy ofport_request=7 external_ids:roam-remote-dc=3
    WAIT_TIMEOUT=15 wait_until sh -c "! OVS_RUNDIR='$T/gw1' ovs-vsctl list-ports br-gw | grep -q roam-dc3"
    WAIT_TIMEOUT=15 wait_until forwarding_flows_are "output:7 "
}

# VM 1 moves from dc1 to dc2 (the database as a cross-datacenter migration
# leaves it): at dc1's gateway, frames still addressed to its real MAC (dc1's
# senders) or to its old pseudo identity (other datacenters') go on to dc2's
# gateway, addressed to its old pseudo identity, which dc2's gateway takes
# back to its real one (S0.7); each stale sender gets one unicast gratuitous
# ARP with the new pseudo MAC a second (S2.3); after the straggler timeout
# the redirects go.
test_vm_moves_to_another_datacenter() {
    # Long enough for every check below, under load.
    gw_setup --straggler-timeout=15000
    check roamctl dc add dc3 3
    as gw1 check ovs-vsctl add-port br-gw to-dc3 -- set interface to-dc3 \
        type=dummy ofport_request=3 external_ids:roam-remote-dc=3
    WAIT_TIMEOUT=15 wait_until gw_flow_count_is 30
    move_vm1_to_dc2
    WAIT_TIMEOUT=10 wait_until grep -q "VM if-vm1: moved from datacenter 1 to 2" "$T/gw1/roamd.log"
    WAIT_TIMEOUT=10 wait_until gw_flow_count_is 34

    # A dc1 sender that still has VM 1's real MAC: on to dc2, and told.
    local S_MAC=52:54:00:00:03:01 S_IP=10.0.0.31
    as gw1 check ovs-appctl netdev-dummy/receive fabric \
        "eth(src=$S_MAC,dst=$VM1_MAC),eth_type(0x0800),ipv4(src=$S_IP,dst=$VM1_IP,proto=17,ttl=64,frag=no),udp(src=2000,dst=9)"
    as gw1 check ovs-appctl netdev-dummy/receive fabric \
        "eth(src=$S_MAC,dst=$VM1_MAC),eth_type(0x0800),ipv4(src=$S_IP,dst=$VM1_IP,proto=17,ttl=64,frag=no),udp(src=2001,dst=9)"
    WAIT_TIMEOUT=10 wait_until frames_at_include gw1 to-dc2 \
        "ip $S_MAC>$P1_MAC $S_IP>$P1_IP"
    WAIT_TIMEOUT=10 wait_until frames_at_include gw1 fabric \
        "arp op=2 $N1_MAC>$S_MAC sha=$N1_MAC spa=$VM1_IP tha=$N1_MAC tpa=$VM1_IP"
    WAIT_TIMEOUT=10 wait_until sh -c "[ \$(ovs-appctl -t '$T/gw1/roamd.ctl' coverage/read-counter gateway_stale_notice) -ge 1 ]"
    WAIT_TIMEOUT=10 wait_until frame_count_is gw1 to-dc2 "$S_MAC>$P1_MAC" 2
    check_eq 1 "$(frames_at gw1 fabric | grep -c "arp op=2 $N1_MAC>$S_MAC")" "one notice for the two frames"

    # A dc3 sender that still has VM 1's old pseudo identity: through the
    # tunnel to dc2, on the new one.
    as gw1 check ovs-appctl netdev-dummy/receive to-dc3 \
        "eth(src=0a:30:01:04:00:00,dst=$P1_MAC),eth_type(0x0800),ipv4(src=100.76.0.65,dst=$P1_IP,proto=17,ttl=64,frag=no),udp(src=3000,dst=9)"
    WAIT_TIMEOUT=10 wait_until frames_at_include gw1 to-dc2 \
        "ip 0a:30:01:04:00:00>$P1_MAC"

    # The straggler time ends: the redirects go.
    WAIT_TIMEOUT=30 wait_until grep -q "VM if-vm1: its old identity in datacenter 1 is no longer redirected" "$T/gw1/roamd.log"
    WAIT_TIMEOUT=10 wait_until gw_flow_count_is 31
}

# move_vm1_to_dc2: the database as VM 1's move from hv1 (dc1) to hv2 (dc2)
# leaves it, with both hosts' roamd stopped so that nothing else writes.
# Sets N1_MAC and N1_IP, its new pseudo identity.
move_vm1_to_dc2() {
    roamd_ctl hv1 exit
    roamd_ctl hv2 exit
    # dc2, pod 0, host 1, VM 2 in the default layout.
    N1_MAC=0a:20:01:08:00:00
    N1_IP=100.72.0.66
    local hv2 seq
    hv2=$(ovsdb-client --format=csv --no-headings dump unix:$T/db/db.sock \
          roam Host _uuid name | sed -n 's/^\([-0-9a-f]*\),"\{0,1\}hv2"\{0,1\}$/\1/p')
    seq=$(vm_field if-vm1 seq)
    ovsdb_set_vm if-vm1 "\"host\":[\"uuid\",\"$hv2\"],\"seq\":$((seq + 1)),\"pseudo_mac\":\"$N1_MAC\",\"pseudo_ip\":\"$N1_IP\""
}

# Killed (-9) in the middle of a VM's move, the gateway's flows go on
# forwarding, stragglers included; restarted, it takes back the moved VM's
# old identity from them, and removes only its own leftovers.
test_gateway_killed_mid_move() {
    gw_setup --straggler-timeout=60000
    move_vm1_to_dc2
    WAIT_TIMEOUT=10 wait_until gw_flow_count_is 27
    # A leftover of roamd's (its cookie) and a flow of the operator's.
    as gw1 check ovs-ofctl add-flow br-gw "cookie=0x524f414d47570000,table=21,priority=100,ip,dl_dst=0a:30:3f:fc:00:00,actions=drop"
    as gw1 check ovs-ofctl add-flow br-gw "cookie=0x77,table=21,priority=90,ip,dl_dst=0a:30:3f:fc:00:00,actions=drop"

    check kill -9 "$(cat "$T/gw1/roamd.pid")"
    as gw1 check ovs-appctl netdev-dummy/receive fabric \
        "eth(src=$VM2_MAC,dst=$VM1_MAC),eth_type(0x0800),ipv4(src=10.0.0.41,dst=$VM1_IP,proto=17,ttl=64,frag=no),udp(src=4000,dst=9)"
    WAIT_TIMEOUT=10 wait_until frames_at_include gw1 to-dc2 \
        "ip $VM2_MAC>$P1_MAC 10.0.0.41>$P1_IP"
    check_eq 29 "$(gw_flow_count)" "flows while roamd is down"

    roamd_start gw1 "$T/db/db.sock" gw1 --straggler-timeout=60000
    WAIT_TIMEOUT=15 wait_until grep -q "reconciled with the switch: 1 moved VMs' old identities taken back, 1 flows left over removed" "$T/gw1/roamd.log"
    WAIT_TIMEOUT=10 wait_until gw_flow_count_is 28
    check_contains "$(as gw1 ovs-ofctl dump-flows br-gw table=21)" "cookie=0x77"
    # Stragglers still go on to dc2.
    as gw1 check ovs-appctl netdev-dummy/receive fabric \
        "eth(src=$VM2_MAC,dst=$VM1_MAC),eth_type(0x0800),ipv4(src=10.0.0.42,dst=$VM1_IP,proto=17,ttl=64,frag=no),udp(src=4001,dst=9)"
    WAIT_TIMEOUT=10 wait_until frames_at_include gw1 to-dc2 \
        "ip $VM2_MAC>$P1_MAC 10.0.0.42>$P1_IP"
}
