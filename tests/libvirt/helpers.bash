# A libvirt lab: two hypervisors, each a network namespace with its own
# ovs-vswitchd (userspace datapath), its own roamd following libvirt's
# domain events (roamd --libvirt), and its own real libvirtd, which runs
# the guest under QEMU's TCG and live-migrates it to the other.
#
# Each libvirtd runs in a mount namespace of its own, so that the two do
# not share libvirt's state directories: /run/libvirt, /var/lib/libvirt,
# /var/cache/libvirt, /var/log/libvirt and /etc/libvirt are private
# directories under $T/lvN, with a host UUID of their own (libvirt refuses
# to migrate a guest to "the same host").  /run/openvswitch is the
# hypervisor's Open vSwitch rundir, so that libvirt's own ovs-vsctl plugs
# the guest's tap into that hypervisor's br-int with libvirt's
# external_ids (<virtualport type='openvswitch'>).  The libvirtds' sockets
# are in $T/lvN/sock, reachable from outside.  QEMU's migration stream
# goes over a veth pair between the two namespaces (10.99.0.1, 10.99.0.2).

source "$ROAM_SRCDIR/tests/qemu/helpers.bash"

VM_UUID=5a1e0000-0000-4000-8000-000000000001
# libvirt takes only a UUID for interfaceid (OVS's iface-id); roam names
# the VM after it.
LV_IFACE=5a1e0001-0000-4000-8000-000000000001

# need_libvirtd: skips the test (exit 77) without libvirtd.
need_libvirtd() {
    need_qemu
    if ! command -v libvirtd >/dev/null || ! command -v virsh >/dev/null; then
        echo "SKIP: needs libvirt-daemon and libvirt-clients (tools/install-deps)"
        exit 77
    fi
    if ! command -v unshare >/dev/null; then
        echo "SKIP: needs unshare (util-linux)"
        exit 77
    fi
}

lv_uri() {
    echo "qemu+unix:///system?socket=$T/lv$1/sock/libvirt-sock"
}

lv_uri_ro() {
    echo "qemu+unix:///system?socket=$T/lv$1/sock/libvirt-sock-ro"
}

lv() {
    local hv=$1
    shift
    virsh -q -c "$(lv_uri $hv)" "$@"
}

# libvirtd_start N: hypervisor N's libvirtd.
libvirtd_start() {
    local hv=$1 dir=$T/lv$1 d
    for d in run lib cache log etc sock; do
        mkdir -p "$dir/$d"
    done
    cat > "$dir/etc/libvirtd.conf" <<EOF
unix_sock_dir = "$dir/sock"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
host_uuid = "00000000-0000-4000-8000-00000000000$hv"
log_outputs = "3:file:$dir/libvirtd.log"
keepalive_interval = -1
EOF
    cat > "$dir/etc/qemu.conf" <<EOF
stdio_handler = "file"
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
EOF
    mkdir -p /run/libvirt /var/lib/libvirt /var/cache/libvirt \
        /var/log/libvirt /etc/libvirt /run/openvswitch
    LIBVIRTDS="${LIBVIRTDS:-} $dir/libvirtd.pid"
    check ip netns exec "$(hv_ns $hv)" unshare -m --propagation private \
        sh -c "mount --bind '$dir/run' /run/libvirt &&
               mount --bind '$dir/lib' /var/lib/libvirt &&
               mount --bind '$dir/cache' /var/cache/libvirt &&
               mount --bind '$dir/log' /var/log/libvirt &&
               mount --bind '$dir/etc' /etc/libvirt &&
               mount --bind '$T/hv$hv' /run/openvswitch &&
               PATH='$OVS_BUILDDIR/utilities:$PATH' exec libvirtd -d \
                   -f /etc/libvirt/libvirtd.conf -p '$dir/libvirtd.pid'"
    WAIT_TIMEOUT=20 wait_until lv $hv version
}

# libvirt_hypervisors: hv1 and hv2 with their libvirtds and, unless
# QEMU_MODE=plain, their roamds (--libvirt); the client on hv1; the
# migration link; the guest started by hv1's libvirtd.
libvirt_hypervisors() {
    need_libvirtd
    tag=l$$
    QEMU_MODE=${QEMU_MODE:-roam}
    [ "$QEMU_MODE" = plain ] || setup_dc
    local hv
    for hv in 1 2; do
        SIM_CPU=$((hv - 1)) SIM_VLOG=-vfile:info SIM_NETNS=$(hv_ns $hv) \
            sim_add hv$hv
        as hv$hv check ovs-vsctl add-br br-int -- set bridge br-int \
            datapath_type=netdev
    done
    check ip link add "${tag}u1" type veth peer name "${tag}u2"
    check ip link add "${tag}m1" type veth peer name "${tag}m2"
    for hv in 1 2; do
        check ip link set "${tag}u$hv" netns "$(hv_ns $hv)"
        check ip link set "${tag}m$hv" netns "$(hv_ns $hv)"
        check ip -n "$(hv_ns $hv)" link set "${tag}u$hv" up
        check ip -n "$(hv_ns $hv)" addr add 10.99.0.$hv/24 dev "${tag}m$hv"
        check ip -n "$(hv_ns $hv)" link set "${tag}m$hv" up
        check ip -n "$(hv_ns $hv)" link set lo up
        as hv$hv check ovs-vsctl add-port br-int "${tag}u$hv" -- set \
            interface "${tag}u$hv" external_ids:roam-uplink=true
    done
    vm "${tag}c" "${tag}cp" 52:54:00:00:00:64 $CLIENT_IP "$(hv_ns 1)"
    as hv1 check ovs-vsctl add-port br-int "${tag}cp"
    check ip netns exec "${tag}c" ethtool -K eth0 tx off
    for hv in 1 2; do
        libvirtd_start $hv
    done
    if [ "$QEMU_MODE" != plain ]; then
        for hv in 1 2; do
            SIM_CPU=$((hv - 1)) SIM_NETNS=$(hv_ns $hv) roamd_start hv$hv \
                "$T/db/db.sock" hv$hv --straggler-timeout=3000 \
                --activate-timeout=30000 --libvirt="$(lv_uri_ro $hv)" \
                ${ROAMD_OPTS:-}
        done
        for hv in 1 2; do
            WAIT_TIMEOUT=15 wait_until grep -q "subscribed to libvirt" \
                "$T/hv$hv/roamd.log"
        done
    fi
    domain_xml > "$T/g1.xml"
    check lv 1 create "$T/g1.xml"
    WAIT_TIMEOUT=60 wait_until grep -q "roam-guest: ready" "$T/g1.console"
    WAIT_TIMEOUT=30 wait_until ip netns exec "${tag}c" ping -c 1 -W 1 $VM_IP
    guest_at=1
    # libvirt plugged the guest's tap with its own keys.
    check_contains "$(as hv1 ovs-vsctl --columns=external_ids find \
        interface external_ids:iface-id=$LV_IFACE)" "vm-id=\"$VM_UUID\""
    if [ "$QEMU_MODE" != plain ]; then
        WAIT_TIMEOUT=15 wait_until vm_field_is $LV_IFACE state running
    fi
}

# domain_xml: the guest, as a libvirt domain: direct kernel boot, one
# virtio NIC on br-int through <virtualport type='openvswitch'>, its
# offloads off (the userspace datapath takes whole frames), its console
# in a file.
domain_xml() {
    cat <<EOF
<domain type='qemu'>
  <name>g1</name>
  <uuid>$VM_UUID</uuid>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>$GUEST/vmlinuz</kernel>
    <initrd>$GUEST/initrd.img</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 roam.ip=$VM_IP/24</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <devices>
    <interface type='bridge'>
      <mac address='$VM_MAC'/>
      <source bridge='br-int'/>
      <virtualport type='openvswitch'>
        <parameters interfaceid='$LV_IFACE'/>
      </virtualport>
      <model type='virtio'/>
      <driver name='qemu'>
        <host csum='off' gso='off' tso4='off' tso6='off' ecn='off' ufo='off'/>
        <guest csum='off' tso4='off' tso6='off' ecn='off' ufo='off'/>
      </driver>
    </interface>
    <serial type='file'>
      <source path='$T/g1.console' append='on'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
}

# libvirt_cleanup: destroys the guests and stops the libvirtds.
libvirt_cleanup() {
    local rc=$? pidfile hv
    set +e
    for hv in 1 2; do
        virsh -q -c "$(lv_uri $hv)" destroy g1 >/dev/null 2>&1
    done
    for pidfile in ${LIBVIRTDS:-}; do
        [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
    done
    (exit $rc)
    qemu_cleanup
}

# lv_tap N: the guest's tap at hypervisor N, as libvirt named it.
lv_tap() {
    as hv$1 ovs-vsctl --bare --columns=name find interface \
        external_ids:iface-id=$LV_IFACE
}

# lv_migrate: live-migrates the guest to the other hypervisor with
# "virsh migrate --live", libvirt's own way; libvirt plugs the
# destination's port, and its events are the pause and resume notices.
# Records libvirt's events at both ends, with virsh's timestamps, as
# analyze.py reads them, in $T/events$N.jsonl.
lv_migrate() {
    local from=$guest_at to=$((3 - guest_at)) n=${lv_n:-1}
    local ev
    for ev in $from $to; do
        virsh -q -c "$(lv_uri_ro $ev)" event --all --loop --timestamp \
            > "$T/virsh-events$n-$ev.log" 2>&1 &
        eval "evpid_$ev=$!"
    done
    # virsh prints nothing until an event: give it time to register.
    WAIT_TIMEOUT=5 wait_until sh -c "[ -d /proc/\$evpid_$from ]"
    local start
    start=$("$SYS_PYTHON" -c 'import time; print(time.time())')
    check lv $from migrate --live g1 "$(lv_uri $to)" \
        --migrateuri tcp://10.99.0.$to --listen-address 10.99.0.$to
    local done_at
    done_at=$("$SYS_PYTHON" -c 'import time; print(time.time())')
    WAIT_TIMEOUT=15 wait_until sh -c "grep -q Resumed '$T/virsh-events$n-$to.log'"
    eval "kill \$evpid_$from \$evpid_$to"
    "$SYS_PYTHON" "$ROAM_SRCDIR/tests/libvirt/virsh-events.py" \
        "$T/virsh-events$n-$from.log" "$T/virsh-events$n-$to.log" \
        "$start" "$done_at" > "$T/events$n.jsonl"
    guest_at=$to
    lv_n=$((n + 1))
}
