# Two datacenters, a routed WAN and a client site, in network namespaces,
# for tests/netns/fabric.sh and the lab demo (tools/demo).
#
#   dc1: hypervisors h11 and h12 and gateway g1 on a top-of-rack switch t1
#        (a Linux bridge, MAC learning and all);
#   dc2: the same, h21, h22, g2 on t2;
#   the WAN: a router w, with g1 (198.51.100.1/24), g2 (203.0.113.1/24)
#        and the client site (192.0.2.0/24) on three subnets;
#   the client site: a client c, 192.0.2.10.
#
# Every node is a namespace with its own ovsdb-server, patched ovs-vswitchd
# (userspace datapath) and roamd, on one roam database.  A gateway has two
# bridges: br-gw, which roamd programs (fabric port to its rack switch, a
# router port, and the Geneve tunnels roamd makes from the database), and
# br-phy, which holds its WAN link and its underlay address, as Open
# vSwitch's userspace tunnelling has it.  Its kernel routes between the WAN
# and the VMs' subnet 10.0.0.0/24 through the router port, 10.0.0.254 with
# the same MAC in both datacenters; the WAN router routes 10.0.0.0/24 to
# dc1's gateway.
#
# The VMs, on the one stretched subnet: v (10.0.0.1, on h11, the one that
# moves; its destination port is on h21), s1 (10.0.0.2, on h12) and s2
# (10.0.0.3, on h22).

DC_V_MAC=52:54:00:00:00:01
DC_S1_MAC=52:54:00:00:00:02
DC_S2_MAC=52:54:00:00:00:03
DC_RTR_MAC=02:00:0a:00:00:fe
DC_CLIENT=192.0.2.10
# The roam database's directory under $T.
DC_DB=${DC_DB:-db}

# dc_link NS1 IF1 NS2 IF2: a veth pair between two namespaces, up.
dc_link() {
    check ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
    check ip -n "$1" link set "$2" up
    check ip -n "$3" link set "$4" up
}

# dc_node SIM: starts SIM's daemons in namespace ${tag}SIM, each pinned to
# one of the two cores.
dc_node() {
    SIM_CPU=$2 SIM_VLOG=-vfile:info SIM_NETNS=${tag}$1 sim_add "$1"
}

# dc_hypervisor SIM DC CPU: hypervisor SIM with its uplink to rack DC.
dc_hypervisor() {
    local sim=$1 dc=$2
    dc_node "$sim" "$3"
    dc_link "${tag}$sim" "${tag}u$sim" "${tag}t$dc" "${tag}p$sim"
    check ip -n "${tag}t$dc" link set "${tag}p$sim" master tor
    as "$sim" check ovs-vsctl add-br br-int -- set bridge br-int \
        datapath_type=netdev -- add-port br-int "${tag}u$sim" -- set \
        interface "${tag}u$sim" external_ids:roam-uplink=true
}

# dc_gateway SIM DC CPU ADDR PEER_NET PEER_ADDR: gateway SIM of datacenter
# DC, its underlay address ADDR/24 on the WAN, the other gateway's subnet
# PEER_NET (/24) and address PEER_ADDR.
dc_gateway() {
    local sim=$1 dc=$2 addr=$4 ns=${tag}$1
    local wan=${addr%.*}.254
    dc_node "$sim" "$3"
    dc_link "$ns" "${tag}u$sim" "${tag}t$dc" "${tag}p$sim"
    check ip -n "${tag}t$dc" link set "${tag}p$sim" master tor
    as "$sim" check ovs-vsctl add-br br-gw -- set bridge br-gw \
        datapath_type=netdev fail-mode=secure \
        external_ids:roam-gateway=true \
        -- add-port br-gw "${tag}u$sim" -- set interface "${tag}u$sim" \
           external_ids:roam-fabric=true \
        -- add-port br-gw rtr -- set interface rtr type=internal \
           mac="\"$DC_RTR_MAC\"" external_ids:roam-router=true
    wait_until ip -n "$ns" link show rtr
    check ip -n "$ns" addr add 10.0.0.254/24 dev rtr
    check ip -n "$ns" link set rtr up

    # The WAN link, on br-phy, whose own port holds the underlay address.
    dc_link "$ns" "${tag}w$sim" "${tag}w" "${tag}r$sim"
    check ip -n "${tag}w" addr add "$wan/24" dev "${tag}r$sim"
    # Room for the tunnel's header: the VMs' frames keep 1500 bytes.
    check ip -n "$ns" link set "${tag}w$sim" mtu 9000
    check ip -n "${tag}w" link set "${tag}r$sim" mtu 9000
    as "$sim" check ovs-vsctl add-br br-phy -- set bridge br-phy \
        datapath_type=netdev -- add-port br-phy "${tag}w$sim"
    wait_until ip -n "$ns" link show br-phy
    check ip -n "$ns" link set br-phy mtu 9000
    check ip -n "$ns" addr add "$addr/24" dev br-phy
    check ip -n "$ns" link set br-phy up
    check ip -n "$ns" route add default via "$wan"
    check ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
    # The underlay route and next hop, for the userspace datapath's tunnel
    # (ovs-vswitchd runs with --disable-system-route).
    as "$sim" check ovs-appctl ovs/route/add "$addr/24" br-phy
    as "$sim" check ovs-appctl ovs/route/add "$5/24" br-phy "$wan"
    local wan_mac
    wan_mac=$(ip -n "${tag}w" -br link show "${tag}r$sim" | awk '{print $3}')
    as "$sim" check ovs-appctl tnl/neigh/set br-phy "$wan" "$wan_mac"
}

# dc_vm NAME SIM MAC IP: VM NAME (namespace ${tag}NAME) on SIM's br-int,
# plugged as libvirt plugs it, with its default route through the
# gateway's router.
dc_vm() {
    local name=$1 sim=$2 mac=$3 ip=$4
    vm "${tag}$name" "${tag}$name" "$mac" "$ip" "${tag}$sim"
    check ip -n "${tag}$name" route add default via 10.0.0.254
    # The userspace datapath forwards what AF_PACKET hands it: the VM
    # computes its checksums itself, as a virtio device would.
    check ip netns exec "${tag}$name" ethtool -K eth0 tx off
    as "$sim" check ovs-vsctl add-port br-int "${tag}$name" -- set \
        interface "${tag}$name" external_ids:iface-id="if-$name" \
        external_ids:attached-mac="$mac" external_ids:vm-id="vm-$name" \
        external_ids:iface-status=active external_ids:roam-ip="$ip"
}

dc_has_pseudo_id() {
    [ -n "$(vm_field "$1" pseudo_mac)" ]
}

# two_datacenters: the whole lab, up, with every VM running and mapped, and
# every path tried once.
two_datacenters() {
    need_root_netns
    tag=${tag:-f$$}
    roamdb_start "$DC_DB"
    export ROAM_DB=unix:$T/$DC_DB/db.sock
    check roamctl dc add dc1 1
    check roamctl dc add dc2 2
    check roamctl host add h11 dc1 0 1
    check roamctl host add h12 dc1 0 2
    check roamctl host add g1 dc1 0 63 --role=gateway --uplink-ip=198.51.100.1
    check roamctl host add h21 dc2 0 1
    check roamctl host add h22 dc2 0 2
    check roamctl host add g2 dc2 0 63 --role=gateway --uplink-ip=203.0.113.1

    local ns
    for ns in t1 t2 w c; do
        check ip netns add "${tag}$ns"
        NETNS="${NETNS:-} ${tag}$ns"
        check ip -n "${tag}$ns" link set lo up
    done
    for ns in t1 t2; do
        check ip -n "${tag}$ns" link add tor type bridge
        check ip -n "${tag}$ns" link set tor up
    done
    check ip netns exec "${tag}w" sysctl -qw net.ipv4.ip_forward=1

    dc_hypervisor h11 1 0
    dc_hypervisor h12 1 1
    dc_gateway g1 1 0 198.51.100.1 203.0.113.0 
    dc_hypervisor h21 2 1
    dc_hypervisor h22 2 0
    dc_gateway g2 2 1 203.0.113.1 198.51.100.0
    # Routes go one way and come back another (in through dc1's gateway,
    # out through the VM's own): no reverse-path filter.
    for ns in w g1 g2; do
        check ip netns exec "${tag}$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0
        check ip netns exec "${tag}$ns" sysctl -qw net.ipv4.conf.default.rp_filter=0
    done
    check ip -n "${tag}w" route add 10.0.0.0/24 via 198.51.100.1

    # The client site.
    dc_link "${tag}c" eth0 "${tag}w" "${tag}rc"
    check ip -n "${tag}w" addr add 192.0.2.1/24 dev "${tag}rc"
    check ip -n "${tag}c" addr add "$DC_CLIENT/24" dev eth0
    check ip -n "${tag}c" route add default via 192.0.2.1
    check ip netns exec "${tag}c" ethtool -K eth0 tx off

    local sim
    for sim in h11 h12 g1 h21 h22 g2; do
        SIM_NETNS=${tag}$sim roamd_start "$sim" "$T/$DC_DB/db.sock" "$sim" \
            --straggler-timeout=30000
    done
    WAIT_TIMEOUT=20 wait_until sh -c "OVS_RUNDIR='$T/g1' ovs-vsctl list-ports br-gw | grep -q roam-dc2"
    WAIT_TIMEOUT=20 wait_until sh -c "OVS_RUNDIR='$T/g2' ovs-vsctl list-ports br-gw | grep -q roam-dc1"

    dc_vm v h11 $DC_V_MAC 10.0.0.1
    dc_vm s1 h12 $DC_S1_MAC 10.0.0.2
    dc_vm s2 h22 $DC_S2_MAC 10.0.0.3
    for vm in v s1 s2; do
        WAIT_TIMEOUT=20 wait_until vm_field_is "if-$vm" state running
        WAIT_TIMEOUT=20 wait_until dc_has_pseudo_id "if-$vm"
    done
    for sim in g1 g2; do
        WAIT_TIMEOUT=20 wait_until sh -c "ovs-appctl -t '$T/$sim/roamd.ctl' gateway/mappings | grep -c '^if-' | grep -qx 3"
    done

    # Every path once: in dc1, across the WAN between datacenters, and
    # from the client site through dc1's gateway.
    # (The first frames wait for the gateways' flows and for ARP at each
    # hop.)
    for ns in s1 s2 c; do
        WAIT_TIMEOUT=20 wait_until ip netns exec "${tag}$ns" ping -c 1 -W 1 10.0.0.1
    done

    # v's end of its destination port, on h21: silent until switch-over.
    check ip netns exec "${tag}v" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    check ip link add "${tag}vq" netns "${tag}h21" type veth peer name eth1 \
        netns "${tag}v"
    check ip netns exec "${tag}v" sysctl -qw net.ipv4.conf.eth1.arp_ignore=1
    check ip -n "${tag}v" link set eth1 address $DC_V_MAC
    check ip netns exec "${tag}v" ethtool -K eth1 tx off
    check ip -n "${tag}v" link set eth1 up
    check ip -n "${tag}h21" link set "${tag}vq" up
}

# dc_addresses: what each sender has for 10.0.0.1 now (its ARP cache; the
# client's is g1's router's), one line each.
dc_addresses() {
    local who ns dev
    for who in s1:s1:eth0 s2:s2:eth0 client:g1:rtr; do
        IFS=: read -r name ns dev <<< "$who"
        printf '%-7s %s\n' "$name" "$(ip -n "${tag}$ns" neigh show 10.0.0.1 dev "$dev" | awk '{print $3}')"
    done
}

# dc_start_traffic SECONDS: from s1 (dc1), s2 (dc2) and the client site, a
# ping every millisecond and a TCP stream to v, each with a capture of
# what it sends to v.
dc_start_traffic() {
    local secs=$1 n=$(($1 * 1000)) port=7770 who ns dev
    for who in s1:s1:eth0 s2:s2:eth0 client:g1:rtr; do
        IFS=: read -r name ns dev <<< "$who"
        port=$((port + 1))
        ip netns exec "${tag}$ns" tcpdump -i "$dev" -n -U -w "$T/$name.pcap" \
            "icmp[icmptype] == icmp-echo and dst host 10.0.0.1" \
            2> "$T/tcpdump-$name.log" &
        DC_TCPDUMPS="${DC_TCPDUMPS:-} $!"
        wait_until grep -q "listening on" "$T/tcpdump-$name.log"
        ip netns exec "${tag}v" "$SYS_PYTHON" "$ROAM_SRCDIR/tests/netns/tcp-echo.py" \
            server 0.0.0.0 $port > "$T/tcp-server-$name.log" 2>&1 &
        wait_until grep -q listening "$T/tcp-server-$name.log"
        local from=${tag}$name
        [ "$name" != client ] || from=${tag}c
        ip netns exec "$from" "$SYS_PYTHON" "$ROAM_SRCDIR/tests/netns/tcp-echo.py" \
            client 10.0.0.1 $port "$secs" > "$T/tcp-$name.log" 2>&1 &
        DC_TCP="${DC_TCP:-} $name:$!"
        ip netns exec "$from" ping -i 0.001 -c $n -W 2 10.0.0.1 \
            > "$T/ping-$name.log" 2>&1 &
        DC_PINGS="${DC_PINGS:-} $name:$!"
    done
    for name in s1 s2 client; do
        wait_until sh -c "grep -q 'icmp_seq=500 ' '$T/ping-$name.log'"
    done
}

# dc_transit_ready: both gateways know that v is on its way to dc2 (its
# destination prepared) and have the flows that take its frames there.
dc_transit_ready() {
    local p1
    p1=$(cat "$T/v-old-pseudo")
    ovs-appctl -t "$T/g1/roamd.ctl" gateway/mappings | grep -q '^if-v .*transit-to-dc2' \
        && ovs-appctl -t "$T/g2/roamd.ctl" gateway/mappings | grep -q '^if-v .*transit-to-dc2' \
        && as g1 ovs-ofctl dump-flows br-gw table=20 | grep "dl_dst=$p1" | grep -qi reg0 \
        && as g2 ovs-ofctl dump-flows br-gw table=30 | grep -q "dl_dst=$p1"
}

# dc_migrate: v moves from h11 (dc1) to h21 (dc2), as libvirt and QEMU do
# it: the destination port is plugged, the VM pauses at h11, resumes at
# h21 and announces itself.  Sets DC_RESUMED (epoch seconds).
dc_migrate() {
    vm_field if-v pseudo_mac > "$T/v-old-pseudo"
    as h21 check ovs-vsctl add-port br-int "${tag}vq" -- set interface \
        "${tag}vq" external_ids:iface-id=if-v \
        external_ids:attached-mac=$DC_V_MAC external_ids:vm-id=vm-v \
        external_ids:iface-status=active external_ids:roam-ip=10.0.0.1
    WAIT_TIMEOUT=15 wait_until sh -c "ovs-appctl -t '$T/h21/roamd.ctl' vm/rules | grep -q arriving"
    WAIT_TIMEOUT=15 wait_until dc_transit_ready
    check roamctl --target="$T/h11/roamd.ctl" vm paused if-v
    check ip -n "${tag}v" addr del 10.0.0.1/24 dev eth0
    check ip -n "${tag}v" addr add 10.0.0.1/24 dev eth1
    check ip -n "${tag}v" route add default via 10.0.0.254 dev eth1
    DC_RESUMED=$(date +%s.%N)
    ip netns exec "${tag}v" arping -q -U -c 1 -I eth1 10.0.0.1 &
    wait $! || true
    WAIT_TIMEOUT=15 wait_until vm_field_is if-v host h21
    check ip -n "${tag}v" link del eth0
    as h11 check ovs-vsctl del-port br-int "${tag}v"
}

# dc_finish_traffic: waits for the traffic, and writes the report to
# $T/report.txt: per sender, pings sent, lost and duplicated, the TCP
# stream, stragglers (frames sent to v's old address after it resumed in
# dc2) and when the sender moved off them.
dc_finish_traffic() {
    local p name pid
    for p in $DC_PINGS; do
        wait "${p#*:}" || true
    done
    for p in $DC_TCP; do
        name=${p%%:*}
        wait "${p#*:}" || echo "broke: $(cat "$T/tcp-$name.log")" > "$T/tcp-$name.log"
    done
    for pid in $DC_TCPDUMPS; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null || true
    done
    local p1 old
    p1=$(cat "$T/v-old-pseudo")
    : > "$T/report.txt"
    for name in s1 s2 client; do
        local sent received dups
        sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$T/ping-$name.log")
        received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T/ping-$name.log")
        dups=$(grep -c "DUP!" "$T/ping-$name.log" || true)
        old=$DC_V_MAC
        [ "$name" != s2 ] || old=$p1
        printf '%-7s ping: %s sent, %s lost, %s duplicated; TCP: %s; %s\n' \
            "$name" "$sent" "$((sent - received))" "$dups" \
            "$(cat "$T/tcp-$name.log")" \
            "$("$SYS_PYTHON" "$ROAM_SRCDIR/tests/netns/stragglers.py" \
               "$T/$name.pcap" "$old" "$DC_RESUMED")" >> "$T/report.txt"
    done
}

# dc_gateway_counts: each gateway's flows: forwarding, per-VM, redirects,
# and the packets its redirects took.
dc_gateway_counts() {
    local sim
    for sim in g1 g2; do
        as "$sim" ovs-ofctl dump-flows br-gw | "$SYS_PYTHON" -c '
import re, sys
fwd = vm = redirects = pkts = 0
for line in sys.stdin:
    m = re.search(r"table=(\d+).*n_packets=(\d+).*priority=(\d+)", line)
    if not m or "cookie=0x524f414d4757000" not in line:
        continue
    table, n, prio = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if table == 22 and prio > 1:
        fwd += 1
    elif "cookie=0x524f414d47570001" in line:
        # A redirect of the old identity of a VM that moved.
        redirects += 1
        pkts += n
    elif prio >= 100 and table in (10, 20, 21, 30, 31):
        vm += 1
print("%s: %d forwarding flows, %d per-VM flows, %d redirects, which "
      "took %d packets" % (sys.argv[1], fwd, vm, redirects, pkts))
' "$sim"
    done
}

# The client site of seed 004 (tests/netns/edge.sh, the lab demo): a
# client k (192.168.50.10) behind a client edge switch e (its own
# ovs-vswitchd, bridge br-edge) whose two uplinks carry VLAN 1 to g1 and
# VLAN 2 to g2.  Each gateway routes the site's subnet over its VLAN (port
# vpn, an access port of bridge br-vpn whose trunk is the link to the site:
# 192.168.50.1, with the same MAC on both) and sends dummy packets to the
# client (its router port's roam-announce-to).
DC_SITE_GW_MAC=02:00:c0:a8:32:01
DC_K=192.168.50.10
DC_K_MAC=52:54:00:aa:00:10

# dc_client_site MODE: the site, with the edge in MODE: "controller"
# (roamd --role=client-edge), "learn" (the recipe, no roamd) or "none"
# (the baseline: entries installed by hand on VLAN 1, no learning).
dc_client_site() {
    local mode=$1 dc ns
    DC_EDGE_MODE=$mode
    check ip netns add "${tag}k"
    NETNS="${NETNS:-} ${tag}k"
    dc_node e 0
    for dc in 1 2; do
        ns=${tag}g$dc
        dc_link "${tag}e" "${tag}e$dc" "$ns" ce
        # The VLAN: an access port of an Open vSwitch bridge whose trunk
        # is the link to the site.
        as "g$dc" check ovs-vsctl add-br br-vpn -- set bridge br-vpn \
            datapath_type=netdev -- add-port br-vpn ce \
            -- add-port br-vpn vpn -- set interface vpn type=internal \
               mac="\"$DC_SITE_GW_MAC\"" -- set port vpn tag=$dc
        wait_until ip -n "$ns" link show vpn
        check ip -n "$ns" addr add 192.168.50.1/24 dev vpn
        check ip -n "$ns" link set vpn up
        check ip -n "$ns" link set br-vpn up
        check ip netns exec "$ns" sysctl -qw net.ipv4.conf.vpn.rp_filter=0
        as "g$dc" check ovs-vsctl set interface rtr \
            external_ids:roam-announce-to=$DC_K
    done
    dc_link "${tag}e" "${tag}ek" "${tag}k" eth0
    check ip -n "${tag}k" link set eth0 address $DC_K_MAC
    check ip -n "${tag}k" addr add $DC_K/24 dev eth0
    check ip -n "${tag}k" route add 10.0.0.0/24 via 192.168.50.1
    check ip netns exec "${tag}k" ethtool -K eth0 tx off
    as e check ovs-vsctl add-br br-edge -- set bridge br-edge \
        datapath_type=netdev fail-mode=secure \
        -- add-port br-edge "${tag}ek" -- add-port br-edge "${tag}e1" \
        -- add-port br-edge "${tag}e2"
    local pair="vlan:1@${tag}e1/vlan:2@${tag}e2=10.0.0.0/24"
    case $mode in
        controller)
            SIM_NETNS=${tag}e as e check nice -n -10 \
                "$ROAM_BUILDDIR/roamd/roamd" --detach --no-chdir \
                --pidfile="$T/e/roamd.pid" --log-file="$T/e/roamd.log" \
                --unixctl="$T/e/roamd.ctl" --ovs-db=unix:"$T/e/db.sock" \
                --role=client-edge --edge-bridge=br-edge \
                --edge-pair="$pair" --edge-client="${tag}ek" \
                --edge-gateway-mac=$DC_SITE_GW_MAC
            ;;
        learn|none)
            roamctl edge recipe --pair="$pair" --client="${tag}ek" \
                --gateway-mac=$DC_SITE_GW_MAC > "$T/recipe.txt"
            as e check ovs-ofctl -O OpenFlow15 add-flows br-edge "$T/recipe.txt"
            ;;
    esac
    WAIT_TIMEOUT=20 wait_until sh -c "OVS_RUNDIR='$T/e' ovs-ofctl dump-flows br-edge table=11 | grep -q priority=50"
    if [ "$mode" = none ]; then
        # The baseline: v's entries on VLAN 1, made by hand, and nothing
        # that learns or flips (a packet from an unknown source is only
        # delivered).
        as e check ovs-ofctl -O OpenFlow15 del-flows br-edge "table=13"
        as e check ovs-ofctl -O OpenFlow15 add-flow br-edge "table=13,priority=0,actions=resubmit(,3)"
        as e check ovs-ofctl -O OpenFlow15 add-flow br-edge "table=1,priority=200,cookie=0x524f414d45440001,ip,nw_dst=10.0.0.1,actions=load:1->NXM_NX_REG8[0..15],load:1->NXM_NX_REG8[16]"
        as e check ovs-ofctl -O OpenFlow15 add-flow br-edge "table=10,priority=200,cookie=0x524f414d45440002,reg7=1,ip,nw_src=10.0.0.1,actions=load:1->NXM_NX_REG9[1]"
    fi
    # Each gateway knows the client (as a VPN's gateway knows the site's
    # router), and the site has learned v on VLAN 1 from its traffic.
    for dc in 1 2; do
        ip netns exec "${tag}g$dc" arping -q -c 1 -w 2 -I vpn $DC_K || true
    done
    WAIT_TIMEOUT=20 wait_until ip netns exec "${tag}k" ping -c 1 -W 1 10.0.0.1
    WAIT_TIMEOUT=20 wait_until dc_edge_entry_is 10.0.0.1 1
}

# dc_edge_entry ADDR: the VLAN that the client edge's entry (1) for ADDR
# sends to, and the VLANs its entries (2) accept, as "1 1"; empty if none.
dc_edge_entry() {
    roamctl --format=json edge show --switch=unix:"$T/e/br-edge.mgmt" \
        | "$SYS_PYTHON" -c '
import json, re, sys
t = json.load(sys.stdin)
for row in t["data"]:
    r = dict(zip(t["headings"], row))
    if r["address"] == sys.argv[1]:
        vlan = lambda s: " ".join(re.findall(r"vlan:(\d+)@", s))
        print(vlan(r["vpn"]), vlan(r["accepted from"]))' "$1"
}

# dc_edge_entry_is ADDR VLAN: both entries of ADDR on VLAN.
dc_edge_entry_is() {
    [ "$(dc_edge_entry "$1")" = "$2 $2" ]
}

# dc_site_traffic SECONDS IDLE: from the client k, a ping to v every
# millisecond and a TCP stream; or, with IDLE, a one-way numbered UDP
# stream, one datagram a millisecond, to a v that answers nothing (its only
# frames after it resumes are its announcements), captured on v's ports.
# Captures on the edge's uplinks in both cases.
dc_site_traffic() {
    local secs=$1 idle=$2 dc
    for dc in 1 2; do
        ip netns exec "${tag}e" tcpdump --immediate-mode -B 16384 -i "${tag}e$dc" -n -U -w "$T/up$dc.pcap" \
            "(vlan and ip) or ip" 2> "$T/tcpdump-up$dc.log" &
        DC_TCPDUMPS="${DC_TCPDUMPS:-} $!"
        wait_until grep -q "listening on" "$T/tcpdump-up$dc.log"
    done
    if [ "$idle" = idle ]; then
        local dev
        for dev in eth0 eth1; do
            ip netns exec "${tag}v" tcpdump --immediate-mode -B 16384 -i $dev -n -U -w "$T/v-$dev.pcap" \
                "udp dst port 7791" 2> "$T/tcpdump-v-$dev.log" &
            DC_TCPDUMPS="${DC_TCPDUMPS:-} $!"
            wait_until grep -q "listening on" "$T/tcpdump-v-$dev.log"
        done
        ip netns exec "${tag}k" "$SYS_PYTHON" "$ROAM_SRCDIR/tests/netns/udp-stream.py" \
            10.0.0.1 7791 $((secs * 1000)) > "$T/udp-k.log" 2>&1 &
        DC_PINGS="k:$!"
        # (300 datagrams captured: 50 bytes each, and the file's header.)
        wait_until sh -c "[ \$(stat -c %s '$T/v-eth0.pcap') -ge 15000 ]"
        return
    fi
    ip netns exec "${tag}v" "$SYS_PYTHON" "$ROAM_SRCDIR/tests/netns/tcp-echo.py" \
        server 0.0.0.0 7790 > "$T/tcp-server-k.log" 2>&1 &
    wait_until grep -q listening "$T/tcp-server-k.log"
    ip netns exec "${tag}k" "$SYS_PYTHON" "$ROAM_SRCDIR/tests/netns/tcp-echo.py" \
        client 10.0.0.1 7790 "$secs" > "$T/tcp-k.log" 2>&1 &
    DC_TCP="k:$!"
    ip netns exec "${tag}k" ping -i 0.001 -c $((secs * 1000)) -W 2 10.0.0.1 \
        > "$T/ping-k.log" 2>&1 &
    DC_PINGS="k:$!"
    wait_until sh -c "grep -q 'icmp_seq=500 ' '$T/ping-k.log'"
}

# dc_captures_settled FILE...: for wait_until, which polls it: true once
# none of FILEs has grown for 200 ms (the sizes, and when they last
# changed, are kept in $T/settled between polls).
dc_captures_settled() {
    local now sizes last since
    now=$(date +%s%3N)
    sizes=$(stat -c %s "$@" | tr '\n' ' ')
    read -r last since < <(cat "$T/settled" 2>/dev/null || echo "- 0")
    if [ "$sizes" != "${last//,/ }" ]; then
        echo "${sizes// /,} $now" > "$T/settled"
        return 1
    fi
    [ $((now - since)) -ge 200 ]
}

# dc_site_report IDLE: waits for the client's traffic and writes
# $T/site.txt: pings sent, lost after v resumed (for an idle v, counted at
# v), the TCP stream, the flip time (from the fast or dummy packet's
# arrival at the edge on VLAN 2 to the client's first packet sent on VLAN
# 2), and the client's packets that still went out VLAN 1 after v resumed
# (through dc1 and the straggler tunnel).
dc_site_report() {
    local idle=$1 p pid
    for p in ${DC_PINGS:-}; do
        wait "${p#*:}" || true
    done
    for p in ${DC_TCP:-}; do
        wait "${p#*:}" || echo "broke: $(cat "$T/tcp-k.log")" > "$T/tcp-k.log"
    done
    # What is still on its way is captured before the captures stop: the
    # files stop growing.
    if [ "$idle" = idle ]; then
        rm -f "$T/settled"
        wait_until dc_captures_settled "$T/v-eth1.pcap" "$T/up2.pcap"
    fi
    for pid in $DC_TCPDUMPS; do
        # (v's old port, and its capture, are gone.)
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    DC_TCPDUMPS=
    "$SYS_PYTHON" "$ROAM_SRCDIR/tests/netns/site-report.py" \
        --resumed "$DC_RESUMED" \
        --ping-log "$T/$( [ "$idle" = idle ] && echo udp || echo ping)-k.log" \
        --up1 "$T/up1.pcap" --up2 "$T/up2.pcap" --client-mac $DC_K_MAC \
        --gateway-mac $DC_SITE_GW_MAC --vm 10.0.0.1 \
        ${idle:+--idle "$T/v-eth0.pcap" "$T/v-eth1.pcap"} \
        --capture-logs "$T"/tcpdump-up*.log ${idle:+"$T"/tcpdump-v-*.log} \
        --tcp "$( [ "$idle" = idle ] || cat "$T/tcp-k.log")" > "$T/site.txt"
}
