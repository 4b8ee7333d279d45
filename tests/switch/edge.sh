# Switch-level tests of the client edge (seed features S4.1, S4.2, S4.4):
# the flip of an address's two entries from VPN 1 to VPN 2, by roamd's
# controller (roamd --role=client-edge) and by the learn recipe ("roamctl
# edge recipe"), on the dummy datapath with real frames injected.
#
# The edge bridge: c1 (ofport 1) and c2 (2) face clients; up1 (3) carries
# VLAN 1 to dc1's gateway, up2 (4) VLAN 2 to dc2's; tun (5) stands for a
# tunnel port in the VNI pair (VNI 5001 and 5002 on the same port).

GW=02:00:c0:a8:32:01          # the gateways' (anycast) MAC on the VPNs
C1_MAC=52:54:00:aa:00:01
C2_MAC=52:54:00:aa:00:02
VM=10.0.0.1
VM2=10.1.0.7
PAIR=vlan:1@up1/vlan:2@up2=10.0.0.0/24
PAIR2=vlan:11@up1/vlan:12@up2=10.1.0.0/24

edge_bridge() {
    sim_add e
    as e check ovs-vsctl add-br br-edge -- set bridge br-edge \
        datapath-type=dummy fail-mode=secure \
        -- add-port br-edge c1 -- set interface c1 type=dummy \
           ofport_request=1 options:tx_pcap="$T/e/c1.pcap" \
        -- add-port br-edge c2 -- set interface c2 type=dummy \
           ofport_request=2 options:tx_pcap="$T/e/c2.pcap" \
        -- add-port br-edge up1 -- set interface up1 type=dummy \
           ofport_request=3 options:tx_pcap="$T/e/up1.pcap" \
        -- add-port br-edge up2 -- set interface up2 type=dummy \
           ofport_request=4 options:tx_pcap="$T/e/up2.pcap"
}

# edge_roamd [OPTION...]: roamd --role=client-edge for br-edge.
edge_roamd() {
    as e check "$ROAM_BUILDDIR/roamd/roamd" --detach --no-chdir \
        --pidfile="$T/e/roamd.pid" --log-file="$T/e/roamd.log" \
        --unixctl="$T/e/roamd.ctl" --ovs-db=unix:"$T/e/db.sock" \
        --role=client-edge --edge-bridge=br-edge --edge-client=c1 \
        --edge-client=c2 --edge-pair=$PAIR --edge-pair=$PAIR2 \
        --edge-gateway-mac=$GW --edge-hold=4000 "$@"
    wait_until applied_pipeline
}

applied_pipeline() {
    as e ovs-ofctl dump-flows br-edge table=11 | grep -q priority=50
}

# edge_recipe: the learn recipe, installed as an operator would.
edge_recipe() {
    roamctl edge recipe --pair=$PAIR --pair=$PAIR2 --client=c1 --client=c2 \
        --gateway-mac=$GW --hold=4000 > "$T/recipe.txt"
    as e check ovs-ofctl -O OpenFlow15 add-flows br-edge "$T/recipe.txt"
}

# from_vpn PORT VLAN SRC [MAC]: a UDP packet from address SRC to client
# c1, arriving on PORT tagged VLAN, from MAC (the gateway by default).
from_vpn() {
    receive e "$1" "$(frame udp --vlan "$2" --ip "$3" --mac "${4:-$GW}" \
                      --dst 192.168.50.10 --dst-mac $C1_MAC)"
}

# from_client DST: a UDP packet from client c1 to DST.
from_client() {
    receive e c1 "$(frame udp --mac $C1_MAC --ip 192.168.50.10 --dst "$1" \
                    --dst-mac $GW)"
}

# vlans_are FILE EXPECTED: for wait_until.
vlans_are() {
    [ "$(pcap_vlans "$1")" = "$2" ]
}

# entry ADDR: "VPN ACCEPTED-FROM" for ADDR, from roamctl edge show.
entry() {
    roamctl --format=json edge show --switch=unix:"$T/e/br-edge.mgmt" \
        | "$SYS_PYTHON" -c '
import json, sys
t = json.load(sys.stdin)
cols = t["headings"]
for row in t["data"]:
    r = dict(zip(cols, row))
    if r["address"] == sys.argv[1]:
        print(r["vpn"], r["accepted from"])' "$1"
}

entry_is() {
    [ "$(entry "$1")" = "$2" ]
}

# pcap_vlans FILE: the VLAN IDs of FILE's packets, in order ("-" for
# untagged).
pcap_vlans() {
    "$SYS_PYTHON" - "$1" <<'PY'
import sys
import os
from scapy.all import rdpcap, Dot1Q
if not os.path.exists(sys.argv[1]) or not os.path.getsize(sys.argv[1]):
    print("")
else:
    print(" ".join(str(p[Dot1Q].vlan) if Dot1Q in p else "-"
                   for p in rdpcap(sys.argv[1])))
PY
}

# flipped_back: sends the VM's packet over VLAN 1 once more, and is true
# once it moved the VM's entries back (for wait_until: during the hold,
# each try is a late packet that changes nothing).
flipped_back() {
    from_vpn up1 1 $VM
    entry_is $VM "vlan:1@3 vlan:1@3"
}

# flip_case: learns VM on VLAN 1 from its first packet, then moves it to
# VLAN 2 by its first packet there, and checks every step.
flip_case() {
    from_vpn up1 1 $VM
    wait_until entry_is $VM "vlan:1@3 vlan:1@3"
    # The client's traffic for VM goes out VLAN 1.
    from_client $VM
    wait_until vlans_are "$T/e/up1.pcap" "1"
    # The fast packet, over VLAN 2 (S4.1): both entries flip (S4.2).
    from_vpn up2 2 $VM
    wait_until entry_is $VM "vlan:2@4 vlan:2@4"
    # It went on to the client, and the client's traffic now takes VLAN 2.
    wait_until pcap_has "$T/e/c1.pcap" 2
    from_client $VM
    wait_until vlans_are "$T/e/up2.pcap" "2"
    check_eq "$(pcap_vlans "$T/e/up1.pcap")" "1"
    # A late packet from VLAN 1 right after the flip does not flip back...
    from_vpn up1 1 $VM
    wait_until pcap_has "$T/e/c1.pcap" 3
    check_eq "$(entry $VM)" "vlan:2@4 vlan:2@4"
    # ...but once the hold (4 s here) is over, the VM moving back does:
    # dc2 -> dc1.
    WAIT_TIMEOUT=15 wait_until flipped_back
    from_client $VM
    wait_until vlans_are "$T/e/up1.pcap" "1 1"
}

test_controller_flip() {
    edge_bridge
    edge_roamd
    flip_case
    check_contains "$(roamd_ctl e edge/stats)" "flip: 2"
    check_contains "$(roamd_ctl e edge/stats)" "learn: 1"
    check_not_contains "$(roamd_ctl e edge/stats)" "too-soon: 0"
}

test_recipe_flip() {
    edge_bridge
    edge_recipe
    flip_case
    # The recipe's flip flows counted both flips.
    check_eq "$(as e ovs-ofctl dump-flows br-edge table=13 | grep -c 'cookie=0x524f414d45440005.*n_packets=1,')" 2
    check_eq "$(as e ovs-ofctl dump-flows br-edge table=13 | grep 'cookie=0x524f414d45440004' | grep -c 'n_packets=0,')" 0
}

# roamd in learn mode (roam.conf's ROAM_EDGE_MODE=learn): it installs the
# recipe, and the switch flips on its own, as with the recipe installed by
# hand; roamd keeps the entries the switch learned.  roamd asks for no flow
# monitor (it never reads the switch's flows again), so the switch reports
# none of the flows the flips write.
test_roamd_learn_flip() {
    edge_bridge
    edge_roamd --edge-mode=learn
    flip_case
    check_eq "$(as e ovs-ofctl dump-flows br-edge table=13 | grep -c 'cookie=0x524f414d45440005.*n_packets=1,')" 2
    check_contains "$(roamd_ctl e edge/stats)" "flip: 0"
    check_eq "$(roamd_ctl e coverage/read-counter flowctl_flow_update)" 0
}

# The client's traffic for an address nobody has learned takes its pair's
# home VPN; ARP goes to every VPN and every other client.
test_defaults() {
    edge_bridge
    edge_recipe
    from_client $VM
    from_client $VM2
    wait_until vlans_are "$T/e/up1.pcap" "1 11"
    receive e c1 "$(frame arp-request --mac $C1_MAC --ip 192.168.50.10 --dst 192.168.50.1)"
    wait_until vlans_are "$T/e/up1.pcap" "1 11 1 11"
    check_eq "$(pcap_vlans "$T/e/up2.pcap")" "2 12"
    check_eq "$(pcap_vlans "$T/e/c2.pcap")" "-"
}

# Two pairs: an address of the second pair flips between VLANs 11 and 12,
# and the first pair's address stays where it is.
test_two_pairs() {
    edge_bridge
    edge_roamd
    from_vpn up1 1 $VM
    from_vpn up1 11 $VM2
    wait_until entry_is $VM2 "vlan:11@3 vlan:11@3"
    from_vpn up2 12 $VM2
    wait_until entry_is $VM2 "vlan:12@4 vlan:12@4"
    check_eq "$(entry $VM)" "vlan:1@3 vlan:1@3"
    # VLAN 1 is not VLAN 12's partner: VM2 from VLAN 1 changes nothing.
    from_vpn up1 1 $VM2
    wait_until sh -c "ovs-appctl -t '$T/e/roamd.ctl' edge/stats | grep -q 'partial: 1'"
    check_eq "$(entry $VM2)" "vlan:12@4 vlan:12@4"
}

# A spoofed source on VLAN 2, from a MAC that is not the gateway's, for an
# address still on VLAN 1: nothing moves, in either mode.
spoof_case() {
    from_vpn up1 1 $VM
    wait_until entry_is $VM "vlan:1@3 vlan:1@3"
    from_vpn up2 2 $VM 52:54:00:66:66:66
    from_client $VM
    wait_until vlans_are "$T/e/up1.pcap" "1"
    check_eq "$(entry $VM)" "vlan:1@3 vlan:1@3"
    # The spoofed packet itself reached the client (ordinary delivery), and
    # the client's traffic never went out VLAN 2.
    check_eq "$(pcap_vlans "$T/e/up2.pcap")" ""
}

test_controller_spoof() {
    edge_bridge
    edge_roamd
    spoof_case
}

test_recipe_spoof() {
    edge_bridge
    edge_recipe
    spoof_case
}

# A restarted roamd keeps what the site learned.
test_controller_restart() {
    edge_bridge
    edge_roamd
    from_vpn up1 1 $VM
    wait_until entry_is $VM "vlan:1@3 vlan:1@3"
    as e check ovs-appctl -t "$T/e/roamd.ctl" exit
    edge_roamd
    wait_until sh -c "ovs-appctl -t '$T/e/roamd.ctl' edge/stats | grep -q 'addresses: 1'"
    from_vpn up2 2 $VM
    wait_until entry_is $VM "vlan:2@4 vlan:2@4"
}

# Bad configuration is refused with a clear message, before anything runs.
test_bad_options() {
    sim_add e
    local bad
    for bad in "--edge-pair=vlan:1@up1" "--edge-pair=vlan:5000@a/vlan:2@b" \
               "--edge-pair=vlan:1@a/vlan:1@a" "--edge-pair=vni:99@t/vlan:2@b=10.0.0.1/24" \
               "--edge-gateway-mac=ff:ff:ff:ff:ff:ff" "--edge-mode=magic"; do
        check_fails "$ROAM_BUILDDIR/roamd/roamd" --role=client-edge \
            --edge-client=c1 --edge-pair=vlan:7@x/vlan:8@y "$bad"
    done
    check_fails "$ROAM_BUILDDIR/roamd/roamd" --role=client-edge --edge-pair=vlan:7@x/vlan:8@y
    check_contains "$(cat "$T/check.out")" "at least one client port"
    check_fails roamctl edge recipe --pair=vlan:1@up1/vlan:2@up2
    check_contains "$(cat "$T/check.out")" "client port"
}

# A VNI pair (S4.4 with tunnel keys): both VPNs on one Geneve port, told
# apart by their keys.  ofproto/trace -generate runs the recipe's learn
# actions as a packet would.
test_recipe_vni() {
    sim_add e
    as e check ovs-vsctl add-br br-edge -- set bridge br-edge \
        datapath-type=dummy fail-mode=secure \
        -- add-port br-edge c1 -- set interface c1 type=dummy ofport_request=1 \
        -- add-port br-edge tun -- set interface tun type=geneve \
           ofport_request=5 options:remote_ip=flow options:key=flow
    roamctl edge recipe --pair=vni:5001@tun/vni:5002@tun --client=c1 \
        --gateway-mac=$GW > "$T/recipe.txt"
    as e check ovs-ofctl -O OpenFlow15 add-flows br-edge "$T/recipe.txt"
    local pkt="ip,dl_src=$GW,dl_dst=$C1_MAC,nw_src=$VM,nw_dst=192.168.50.10,nw_ttl=64"
    as e check ovs-appctl ofproto/trace br-edge "in_port=5,tun_id=5001,tun_src=192.0.2.1,tun_dst=192.0.2.2,$pkt" -generate
    wait_until entry_is $VM "vni:5001@5 vni:5001@5"
    as e check ovs-appctl ofproto/trace br-edge "in_port=5,tun_id=5002,tun_src=192.0.2.3,tun_dst=192.0.2.2,$pkt" -generate
    wait_until entry_is $VM "vni:5002@5 vni:5002@5"
    # The client's traffic for VM now leaves with key 5002.
    as e check ovs-appctl ofproto/trace br-edge "in_port=1,ip,dl_src=$C1_MAC,nw_src=192.168.50.10,nw_dst=$VM"
    check_contains "$(cat "$T/check.out")" "set_field:0x138a->tun_id"
}
