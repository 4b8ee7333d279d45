# Real traffic through the userspace (netdev) datapath: two "VMs" in network
# namespaces, each behind its own bridge, the bridges joined by a veth "core
# link".  Each edge bridge rewrites real identities to pseudo ones on the way
# into the core and back on the way out (S0.4, S0.6), so the core link
# carries only pseudo addresses and the VMs only ever see real ones.

MAC1=52:54:00:00:01:01 IP1=10.0.0.1
MAC2=52:54:00:00:02:02 IP2=10.0.0.2
PMAC1=0a:00:00:40:00:41 PIP1=100.64.1.1
PMAC2=0a:10:00:40:00:41 PIP2=100.68.1.1

rw() {
    echo "roam_rewrite(side=$1,from_mac=$2,from_ip=$3,to_mac=$4,to_ip=$5)"
}

# edge BRIDGE VM_PORT CORE_PORT LOCAL(mac ip pmac pip) REMOTE(mac ip pmac pip)
edge() {
    local br=$1 vmport=$2 core=$3
    local lmac=$4 lip=$5 lpmac=$6 lpip=$7 rmac=$8 rip=$9 rpmac=${10} rpip=${11}
    as hv1 check ovs-vsctl add-br "$br" -- set bridge "$br" \
        datapath_type=netdev fail-mode=secure \
        -- add-port "$br" "$vmport" -- set interface "$vmport" ofport_request=1 \
        -- add-port "$br" "$core" -- set interface "$core" ofport_request=2
    as hv1 check ovs-ofctl add-flow "$br" "in_port=1,actions=$(rw src "$lmac" "$lip" "$lpmac" "$lpip"),$(rw dst "$rmac" "$rip" "$rpmac" "$rpip"),output:2"
    as hv1 check ovs-ofctl add-flow "$br" "in_port=2,actions=$(rw dst "$lpmac" "$lpip" "$lmac" "$lip"),$(rw src "$rpmac" "$rpip" "$rmac" "$rip"),output:1"
}

# capture NAME NS IFACE: starts tcpdump and waits until it listens.
capture() {
    local name=$1 ns=$2 ifc=$3
    local exec=()
    [ -n "$ns" ] && exec=(ip netns exec "$ns")
    "${exec[@]}" tcpdump -n -U --immediate-mode -i "$ifc" -w "$T/$name.pcap" \
        >"$T/$name.tcpdump.log" 2>&1 &
    echo $! > "$T/$name.tcpdump.pid"
    wait_until grep -q "listening on" "$T/$name.tcpdump.log"
}

stop_capture() {
    local pid
    pid=$(cat "$T/$1.tcpdump.pid")
    kill -INT "$pid"
    wait "$pid" 2>/dev/null || true
    tcpdump -n -e -r "$T/$1.pcap" 2>/dev/null > "$T/$1.txt"
}

test_ping_across_pseudo_rewrite() {
    need_root_netns
    local tag=r$$
    local hvns=${tag}h
    SIM_NETNS=$hvns sim_add hv1
    vm "${tag}a" "${tag}v1" "$MAC1" "$IP1" "$hvns"
    vm "${tag}b" "${tag}v2" "$MAC2" "$IP2" "$hvns"
    check ip -n "$hvns" link add "${tag}ca" type veth peer name "${tag}cb"
    check ip -n "$hvns" link set "${tag}ca" up
    check ip -n "$hvns" link set "${tag}cb" up
    edge "${tag}-a" "${tag}v1" "${tag}ca" $MAC1 $IP1 $PMAC1 $PIP1 $MAC2 $IP2 $PMAC2 $PIP2
    edge "${tag}-b" "${tag}v2" "${tag}cb" $MAC2 $IP2 $PMAC2 $PIP2 $MAC1 $IP1 $PMAC1 $PIP1

    capture vm1 "${tag}a" eth0
    capture vm2 "${tag}b" eth0
    capture core "$hvns" "${tag}ca"
    check ip netns exec "${tag}a" ping -c 5 -i 0.2 -W 2 "$IP2"
    check ip netns exec "${tag}b" ping -c 3 -i 0.2 -W 2 "$IP1"
    local dp_a dp_b
    dp_a=$(as hv1 ovs-appctl dpctl/dump-flows)
    stop_capture vm1
    stop_capture vm2
    stop_capture core

    # The VMs saw ARP and ICMP in both directions, all with real addresses.
    for f in vm1 vm2; do
        check grep -q "ICMP echo request" "$T/$f.txt"
        check grep -q "ARP" "$T/$f.txt"
        if grep -E "0a:00:00:40:00:41|0a:10:00:40:00:41|100\.64\.|100\.68\." "$T/$f.txt"; then
            fail "$f saw a pseudo address"
        fi
    done
    check grep -q "$IP1 > $IP2: ICMP" "$T/vm2.txt"
    # The core link carried only pseudo identities.
    check grep -q "$PIP1 > $PIP2: ICMP echo request" "$T/core.txt"
    check grep -q "$PIP2 > $PIP1: ICMP echo reply" "$T/core.txt"
    check grep -q "Request who-has $PIP2 tell $PIP1" "$T/core.txt"
    if grep -E "52:54:00|10\.0\.0\." "$T/core.txt"; then
        fail "the core link carried a real address"
    fi
    # Pseudo-rewritten IPv4 and ARP stayed in the fast path.
    check_contains "$dp_a" "set(arp("
    check_contains "$dp_a" "set(ipv4("
    check_not_contains "$dp_a" "userspace("
}
