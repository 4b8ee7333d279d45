# tests/lib.sh: helpers shared by roam's shell test suites.
#
# A suite is a bash file defining functions named test_*.  tests/run-all
# sources lib.sh and the suite, then runs each test in a subshell with its own
# scratch directory $T, so a failing test cannot leak state into the next.
# Sandboxes follow OVN's testsuite: sim_add NAME gives a simulated hypervisor
# its own rundir, ovsdb-server and ovs-vswitchd; "as NAME cmd" runs cmd
# against it.

: "${OVS_BUILDDIR:?OVS_BUILDDIR must point at the patched OVS build}"
export PATH="$OVS_BUILDDIR/utilities:$OVS_BUILDDIR/vswitchd:$OVS_BUILDDIR/ovsdb:$PATH"
SYS_PYTHON=/usr/bin/python3
TOOLS="$ROAM_SRCDIR/tools"

fail() {
    echo "  FAILED: $*" >&2
    exit 1
}

# check CMD...: runs CMD, failing the test if it exits nonzero.
check() {
    "$@" >"$T/check.out" 2>&1 || {
        cat "$T/check.out" >&2
        fail "command failed: $*"
    }
}

# check_fails CMD...: runs CMD, failing the test if it exits zero.
check_fails() {
    if "$@" >"$T/check.out" 2>&1; then
        cat "$T/check.out" >&2
        fail "command unexpectedly succeeded: $*"
    fi
}

# check_eq EXPECTED ACTUAL [WHAT]
check_eq() {
    if [ "$1" != "$2" ]; then
        printf '  expected: %s\n  actual:   %s\n' "$1" "$2" >&2
        fail "${3:-values differ}"
    fi
}

# check_contains HAYSTACK NEEDLE
check_contains() {
    case "$1" in
        *"$2"*) ;;
        *) printf '  in: %s\n' "$1" >&2; fail "missing \"$2\"" ;;
    esac
}

check_not_contains() {
    case "$1" in
        *"$2"*) printf '  in: %s\n' "$1" >&2; fail "unexpected \"$2\"" ;;
        *) ;;
    esac
}

# wait_until CMD...: polls CMD until it succeeds, for at most
# $WAIT_TIMEOUT seconds (default 10).  Never a fixed sleep: it returns as
# soon as the condition holds.
wait_until() {
    local deadline=$((SECONDS + ${WAIT_TIMEOUT:-10}))
    until "$@" >/dev/null 2>&1; do
        if [ $SECONDS -ge $deadline ]; then
            fail "timed out waiting for: $*"
        fi
        sleep 0.02
    done
}

# sim_add NAME: starts ovsdb-server and ovs-vswitchd --enable-dummy for a
# simulated hypervisor whose state lives in $T/NAME.  With SIM_NETNS set,
# ovs-vswitchd runs inside that network namespace (created if needed), as a
# real hypervisor's would: the userspace datapath creates tap devices, which
# must not meet another hypervisor's.  With SIM_CPU set (a taskset CPU
# list), its daemons, and roamd_start's, run on those CPUs only.
# ovs-vswitchd runs at nice -10, as ovs-ctl starts it.  SIM_VSWITCHD_ARGS
# adds options to its command line (for example "--dummy-numa 0,0").
sim_add() {
    local name=$1 dir=$T/$1
    local exec=()
    # With tools/asan-check, ovs-vswitchd's AddressSanitizer reports go to
    # files in the test's directory (leaks at exit are not reports: the
    # daemons are killed).
    [ -z "${ROAM_ASAN:-}" ] \
        || export ASAN_OPTIONS="log_path=$T/asan:detect_leaks=0"
    mkdir -p "$dir"
    SIMS="${SIMS:-} $name"
    if [ -n "${SIM_NETNS:-}" ]; then
        if ! ip netns list | grep -qw "$SIM_NETNS"; then
            check ip netns add "$SIM_NETNS"
            NETNS="${NETNS:-} $SIM_NETNS"
        fi
        echo "$SIM_NETNS" > "$dir/netns"
        exec=(ip netns exec "$SIM_NETNS")
    fi
    check ovsdb-tool create "$dir/conf.db" \
        "$OVS_BUILDDIR/vswitchd/vswitch.ovsschema"
    local cpus=()
    [ -z "${SIM_CPU:-}" ] || cpus=(taskset -c "$SIM_CPU")
    as "$name" check "${cpus[@]}" ovsdb-server --detach --no-chdir \
        --pidfile --log-file --remote=punix:"$dir/db.sock" "$dir/conf.db"
    as "$name" check ovs-vsctl --no-wait init
    # SIM_VLOG overrides the debug logging tests want (benchmarks do).
    # shellcheck disable=SC2086
    as "$name" check "${exec[@]}" "${cpus[@]}" nice -n -10 ovs-vswitchd \
        --enable-dummy --disable-system --disable-system-route --detach \
        --no-chdir --pidfile --log-file \
        ${SIM_VLOG:--vvconn -vofproto_dpif -vunixctl} ${SIM_VSWITCHD_ARGS:-}
    # (SIM_VSWITCHD_CTL: the control socket, for an ovs-vswitchd started
    # with --unixctl=PATH in SIM_VSWITCHD_ARGS.)
    as "$name" wait_until ovs-appctl -t "${SIM_VSWITCHD_CTL:-ovs-vswitchd}" \
        version
}

# as NAME CMD...: runs CMD with NAME's rundir.
as() {
    local dir=$T/$1
    shift
    OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir OVS_SYSCONFDIR=$dir \
        OVS_PKGDATADIR=$OVS_BUILDDIR DB_SOCK=$dir/db.sock \
        OVS_DB_SOCK=$dir/db.sock "$@"
}

# sim_alive NAME: true if NAME's ovs-vswitchd still answers.
sim_alive() {
    as "$1" ovs-appctl -t ovs-vswitchd version >/dev/null 2>&1
}

# Stops every daemon a test started.  Registered as the test's EXIT trap.
sim_cleanup() {
    local rc=$? name pidfile br
    set +e
    for name in ${SIMS:-}; do
        # Deleting bridges first removes the taps the netdev datapath made.
        for br in $(as "$name" ovs-vsctl --timeout=5 list-br 2>/dev/null); do
            as "$name" ovs-vsctl --timeout=5 del-br "$br" >/dev/null 2>&1
        done
        for pidfile in "$T/$name"/*.pid; do
            [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
        done
    done
    for name in ${NETNS:-}; do
        ip netns del "$name" 2>/dev/null
    done
    for link in ${LINKS:-}; do
        ip link del "$link" 2>/dev/null
    done
    exit $rc
}

# pcap_hex FILE: prints each packet of a pcap file as one line of hex.
pcap_hex() {
    "$SYS_PYTHON" "$TOOLS/pcap-hex" "$1"
}

# pcap_has FILE N: true if FILE holds at least N packets.  For wait_until,
# which re-runs it, unlike an argument expanded once.
pcap_has() {
    [ "$(pcap_hex "$1" | wc -l)" -ge "$2" ]
}

# frame NAME [ARGS]: prints a test frame as hex (see tests/frames.py).
frame() {
    "$SYS_PYTHON" "$ROAM_SRCDIR/tests/frames.py" "$@"
}

# receive SIM PORT HEX: injects a frame into a dummy port.
receive() {
    as "$1" check ovs-appctl netdev-dummy/receive "$2" "$3"
}

# check_syntax_errors SIM BRIDGE: each line of stdin, "ACTIONS|MESSAGE",
# must make "ovs-ofctl add-flow" on SIM's BRIDGE fail, saying MESSAGE.
check_syntax_errors() {
    local sim=$1 br=$2 bad msg
    while IFS='|' read -r bad msg; do
        check_fails as "$sim" ovs-ofctl add-flow "$br" "in_port=1,actions=$bad"
        check_contains "$(cat "$T/check.out")" "$msg"
    done
}

# check_wire_errors: each line of stdin, "HEX|ERROR", is an encoded action
# that "ovs-ofctl parse-actions" must refuse with OpenFlow error ERROR.
check_wire_errors() {
    local bad expect
    while IFS='|' read -r bad expect; do
        check_contains "$(printf '%s\n' "$bad" | ovs-ofctl parse-actions OpenFlow13 2>&1)" \
            "$expect"
    done
}

# roamctl ARGS...: the roamctl under test.
roamctl() {
    "$ROAM_BUILDDIR/ctl/roamctl" ${ROAM_SSL_ARGS:-} "$@"
}

# roamdb_start NAME: a standalone roam database served by ovsdb-server at
# unix:$T/NAME/db.sock.
roamdb_start() {
    local dir=$T/$1
    mkdir -p "$dir"
    SIMS="${SIMS:-} $1"
    check ovsdb-tool create "$dir/roam.db" "$ROAM_SRCDIR/db/roam.ovsschema"
    check ovsdb-server --detach --no-chdir --pidfile="$dir/ovsdb-server.pid" \
        --log-file="$dir/ovsdb-server.log" --unixctl="$dir/ovsdb-server.ctl" \
        --remote=punix:"$dir/db.sock" "$dir/roam.db"
    wait_until test -S "$dir/db.sock"
}

# roam_pki NAME...: a PKI made with ovs-pki in $T/pki, with a key and a
# certificate for each NAME ($T/pki/NAME-privkey.pem, NAME-cert.pem),
# signed by its switch CA ($T/pki/switchca/cacert.pem).
roam_pki() {
    local name
    check ovs-pki --dir="$T/pki" --log="$T/pki.log" init
    for name; do
        (cd "$T/pki" && check ovs-pki --dir="$T/pki" --log="$T/pki.log" \
             req+sign "$name" switch)
    done
}

# ssl_args NAME: the SSL options of NAME's key and certificate.
ssl_args() {
    echo "--private-key=$T/pki/$1-privkey.pem --certificate=$T/pki/$1-cert.pem --ca-cert=$T/pki/switchca/cacert.pem"
}

# roamdb_cluster_start N: a Raft cluster of N members; member i serves
# unix:$T/sI/db.sock.  Prints nothing; waits until every member has joined.
# Sets ROAM_CLUSTER_REMOTES to the members' client remotes, in order.
# With ROAM_DB_SSL=1 the members talk to each other and to their clients
# over SSL with certificates from roam_pki, on ports of 127.0.0.1, and
# ROAM_SSL_ARGS holds a client's SSL options (roamctl and roamd_start use
# them).
roamdb_cluster_start() {
    local n=$1 i dir raft remote base
    base=$(( 20000 + ($$ * 7) % 20000 ))
    ROAM_CLUSTER_REMOTES=
    if [ "${ROAM_DB_SSL:-0}" = 1 ]; then
        roam_pki client $(seq -f 's%g' "$n")
        export ROAM_SSL_ARGS
        ROAM_SSL_ARGS=$(ssl_args client)
    fi
    for i in $(seq "$n"); do
        dir=$T/s$i
        mkdir -p "$dir"
        SIMS="${SIMS:-} s$i"
        local server_ssl=()
        if [ "${ROAM_DB_SSL:-0}" = 1 ]; then
            raft=ssl:127.0.0.1:$((base + 2 * i))
            remote=ssl:127.0.0.1:$((base + 2 * i + 1))
            read -ra server_ssl <<< "$(ssl_args s$i)"
            server_ssl+=("--remote=pssl:$((base + 2 * i + 1)):127.0.0.1")
        else
            raft=unix:$dir/raft.sock
            remote=unix:$dir/db.sock
        fi
        ROAM_CLUSTER_REMOTES=${ROAM_CLUSTER_REMOTES:+$ROAM_CLUSTER_REMOTES,}$remote
        if [ "$i" = 1 ]; then
            check ovsdb-tool create-cluster "$dir/roam.db" \
                "$ROAM_SRCDIR/db/roam.ovsschema" "$raft"
            first_raft=$raft
        else
            check ovsdb-tool join-cluster "$dir/roam.db" roam "$raft" \
                "$first_raft"
        fi
        check ovsdb-server --detach --no-chdir \
            --pidfile="$dir/ovsdb-server.pid" \
            --log-file="$dir/ovsdb-server.log" \
            --unixctl="$dir/ovsdb-server.ctl" \
            --remote=punix:"$dir/db.sock" "${server_ssl[@]}" "$dir/roam.db"
    done
    for i in $(seq "$n"); do
        WAIT_TIMEOUT=30 wait_until sh -c "ovs-appctl -t '$T/s$i/ovsdb-server.ctl' \
            cluster/status roam | grep -q 'Status: cluster member'"
    done
}

# roamd_start SIM DB [HOST [OPTION...]]: runs roamd for simulated
# hypervisor SIM (host name HOST, default SIM) against the roam database at
# DB: a socket path, or a remote such as a list of cluster members.
roamd_start() {
    local sim=$1 db=$2 host=${3:-$1}
    case $db in
        *:*) ;;
        *) db=unix:$db ;;
    esac
    shift $(( $# < 3 ? $# : 3 ))
    # ROAM_WRAPPER, e.g. "valgrind --trace-children=yes --log-file=...",
    # runs roamd under a checker.
    local exec=()
    [ -z "${SIM_NETNS:-}" ] || exec=(ip netns exec "$SIM_NETNS")
    [ -z "${SIM_CPU:-}" ] || exec+=(taskset -c "$SIM_CPU")
    # roamd is on the path of the pause notice, as ovs-vswitchd is on the
    # path of every frame: it runs at the priority ovs-ctl gives
    # ovs-vswitchd (roamd.service does the same).
    exec+=(nice -n -10)
    as "$sim" check "${exec[@]}" ${ROAM_WRAPPER:-} "$ROAM_BUILDDIR/roamd/roamd" \
        --detach --no-chdir \
        --pidfile="$T/$sim/roamd.pid" --log-file="$T/$sim/roamd.log" \
        --unixctl="$T/$sim/roamd.ctl" --db="$db" ${ROAM_SSL_ARGS:-} \
        --ovs-db=unix:"$T/$sim/db.sock" --host="$host" "$@"
}

# roamd_ctl SIM COMMAND...: a unixctl command to SIM's roamd.
roamd_ctl() {
    local sim=$1
    shift
    ovs-appctl -t "$T/$sim/roamd.ctl" "$@"
}

# cluster_leader N: prints which of members s1..sN leads the roam cluster.
cluster_leader() {
    local i
    for i in $(seq "$1"); do
        if ovs-appctl -t "$T/s$i/ovsdb-server.ctl" cluster/status roam \
           | grep -q "Role: leader"; then
            echo "$i"
            return 0
        fi
    done
    return 1
}

# need_root_netns: skips the test (exit 77) unless it can make namespaces.
need_root_netns() {
    if [ "$(id -u)" != 0 ] || ! ip netns add "roam-probe-$$" 2>/dev/null; then
        echo "SKIP: needs root and network namespaces"
        exit 77
    fi
    ip netns del "roam-probe-$$"
}

# vm NS PEER MAC IP [PEER_NS]: a namespace whose eth0 is one end of a veth
# pair; the other end, PEER, goes to namespace PEER_NS (a hypervisor's;
# default: the root namespace) for a bridge.
vm() {
    local ns=$1 peer=$2 mac=$3 ip=$4 peer_ns=${5:-}
    check ip netns add "$ns"
    NETNS="${NETNS:-} $ns"
    check ip link add "$peer" type veth peer name eth0 netns "$ns"
    LINKS="${LINKS:-} $peer"
    if [ -n "$peer_ns" ]; then
        check ip link set "$peer" netns "$peer_ns"
    fi
    check ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    check ip netns exec "$ns" ip link set eth0 address "$mac"
    check ip netns exec "$ns" ip addr add "$ip/24" dev eth0
    check ip netns exec "$ns" ip link set eth0 up
    check ip netns exec "$ns" ip link set lo up
    if [ -n "$peer_ns" ]; then
        check ip netns exec "$peer_ns" ip link set "$peer" up
    else
        check ip link set "$peer" up
    fi
}

