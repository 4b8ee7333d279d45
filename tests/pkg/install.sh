# The Debian packages, installed the way an operator installs them: built
# with dpkg-buildpackage from a copy of this tree, installed with apt into a
# clean Debian 12 root made by debootstrap (dependencies resolved from
# Debian's mirror), their services started there, used through the
# installed binaries, upgraded to a newer version, and purged.
#
# The root runs in a network namespace of its own; its daemons are started
# with the commands their systemd units run (there is no systemd inside a
# chroot).  Skipped without root, or when Debian's mirror is unreachable.
#
# ROAM_PKG_MIRROR overrides the mirror; /var/cache/roam/debootstrap keeps
# the downloaded base system between runs.

MIRROR=${ROAM_PKG_MIRROR:-http://deb.debian.org/debian}
CACHE=/var/cache/roam/debootstrap

# in_root CMD...: runs CMD inside the installed root.
in_root() {
    ip netns exec "$PKG_NS" chroot "$ROOT" env -i \
        PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive "$@"
}

pkg_cleanup() {
    local pid
    set +e
    if [ -n "${ROOT:-}" ] && [ -d "$ROOT" ]; then
        # Every daemon started in the root.
        for pid in $(ls /proc | grep -E '^[0-9]+$'); do
            [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$ROOT" ] \
                && kill -9 "$pid" 2>/dev/null
        done
        umount -l "$ROOT/proc" "$ROOT/dev/pts" "$ROOT/dev" 2>/dev/null
        rm -rf --one-file-system "$ROOT"
    fi
    [ -z "${PKG_NS:-}" ] || ip netns del "$PKG_NS" 2>/dev/null
}

# build_debs DIR VERSION: builds the packages from a copy of this tree in
# DIR, at VERSION; leaves the .debs in DIR.
build_debs() {
    local dir=$1 version=$2
    mkdir -p "$dir/src"
    (cd "$ROAM_SRCDIR" && git ls-files -co --exclude-standard -z \
         | grep -zv '^tests/logs/' | xargs -0 tar cf -) | tar xf - -C "$dir/src"
    if [ "$version" != "$(dpkg-parsechangelog -l "$dir/src/debian/changelog" -S Version)" ]; then
        (cd "$dir/src" && DEBFULLNAME="roam tests" DEBEMAIL=roam-dev@roam-project.org \
            dch -v "$version" -D bookworm "Test upgrade." >/dev/null 2>&1)
    fi
    (cd "$dir/src" && dpkg-buildpackage -us -uc -b) > "$dir/build.log" 2>&1 \
        || { tail -30 "$dir/build.log"; fail "dpkg-buildpackage failed"; }
    ls "$dir"/roam_"$version"_*.deb "$dir"/roam-openvswitch_"$version"_*.deb >/dev/null
}

test_install_upgrade_purge() {
    [ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
    for tool in debootstrap dpkg-buildpackage dch; do
        command -v $tool >/dev/null \
            || { echo "SKIP: needs $tool (tools/install-deps)"; exit 77; }
    done
    mkdir -p "$CACHE"
    if [ ! -f "$CACHE/bookworm-minbase.tgz" ]; then
        if ! debootstrap --variant=minbase --make-tarball="$CACHE/bookworm-minbase.tgz.tmp" \
                bookworm "$T/dbs" "$MIRROR" > "$T/debootstrap.log" 2>&1; then
            echo "SKIP: cannot fetch Debian 12 from $MIRROR"
            exit 77
        fi
        mv "$CACHE/bookworm-minbase.tgz.tmp" "$CACHE/bookworm-minbase.tgz"
    fi
    ROOT=$(mktemp -d /var/tmp/roam-pkg-root.XXXXXX)
    PKG_NS=roampkg$$
    trap 'pkg_cleanup; sim_cleanup' EXIT
    check ip netns add "$PKG_NS"
    ip -n "$PKG_NS" link set lo up

    # Build 0.1.0 (the current version) and a later one for the upgrade.
    local v1 v2
    v1=$(dpkg-parsechangelog -l "$ROAM_SRCDIR/debian/changelog" -S Version)
    v2=$v1+upgrade1
    build_debs "$T/v1" "$v1"
    build_debs "$T/v2" "$v2"

    # A clean Debian 12 root.
    check debootstrap --variant=minbase --unpack-tarball="$CACHE/bookworm-minbase.tgz" \
        bookworm "$ROOT" "$MIRROR"
    check mount -t proc proc "$ROOT/proc"
    check mount --bind /dev "$ROOT/dev"
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    printf 'deb %s bookworm main\n' "$MIRROR" > "$ROOT/etc/apt/sources.list"
    # Nothing starts services at install time in a chroot.
    printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"
    chmod +x "$ROOT/usr/sbin/policy-rc.d"
    # apt runs in the host's network namespace to reach the mirror.
    chroot "$ROOT" apt-get update -qq > "$T/apt.log" 2>&1 \
        || { cat "$T/apt.log"; fail "apt-get update in the root"; }

    # Install, with dependencies from Debian.
    mkdir -p "$ROOT/tmp/v1" "$ROOT/tmp/v2"
    cp "$T"/v1/*.deb "$ROOT/tmp/v1/"
    cp "$T"/v2/*.deb "$ROOT/tmp/v2/"
    chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        "/tmp/v1/roam_${v1}_amd64.deb" "/tmp/v1/roam-openvswitch_${v1}_amd64.deb" \
        >> "$T/apt.log" 2>&1 || { tail -30 "$T/apt.log"; fail "install"; }
    # One owner per binary; stock OVS cannot come back on upgrade.
    check_eq "roam-openvswitch: /usr/sbin/ovs-vswitchd" \
        "$(chroot "$ROOT" dpkg -S /usr/sbin/ovs-vswitchd)" "owner of ovs-vswitchd"
    check_eq "roam-openvswitch: /usr/bin/ovs-ofctl" \
        "$(chroot "$ROOT" dpkg -S /usr/bin/ovs-ofctl)" "owner of ovs-ofctl"
    chroot "$ROOT" apt-get -s upgrade > "$T/upgrade.log" 2>&1
    check_fails grep -q "^Inst openvswitch" "$T/upgrade.log"

    # The units are valid and name commands that exist in the root.
    if command -v systemd-analyze >/dev/null; then
        check systemd-analyze verify --man=no --root="$ROOT" roamd.service \
            roam-db.service ovsdb-server.service ovs-vswitchd.service \
            openvswitch-switch.service
    fi

    # Start the services as their units do: Open vSwitch, the roam
    # database, roamd (registering this host from /etc/roam/roam.conf).
    cat >> "$ROOT/etc/roam/roam.conf" <<'EOF'
ROAM_HOST=hv1
ROAM_DATACENTER=dc1
ROAM_DATACENTER_NUMBER=1
ROAM_POD=0
ROAM_INDEX=1
EOF
    # ovsdb-server.service's command; ovs-vswitchd.service's would first
    # load the openvswitch kernel module, which this machine lacks, so
    # ovs-vswitchd starts as ovs-ctl would start it after that step.
    check in_root /usr/share/openvswitch/scripts/ovs-ctl --no-ovs-vswitchd \
        --system-id=random --no-monitor start
    check in_root ovs-vswitchd --pidfile --detach --no-chdir \
        --log-file=/var/log/openvswitch/ovs-vswitchd.log -vconsole:off
    in_root /usr/share/roam/scripts/roam-db-start > "$T/roam-db.out" 2>&1 &
    WAIT_TIMEOUT=20 wait_until in_root test -S /var/run/roam/db.sock
    check in_root /usr/share/roam/scripts/roam-register
    in_root /usr/share/roam/scripts/roamd-start > "$T/roamd.out" 2>&1 &
    WAIT_TIMEOUT=20 wait_until sh -c "ip netns exec $PKG_NS chroot '$ROOT' roamctl host list | grep -q '^hv1 .* up\$'"
    in_root roamctl host list | tee "$T/hosts.txt"

    # Both actions, through the installed ovs-ofctl, and the Python parser.
    check in_root ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
    check in_root ovs-ofctl add-flow br0 "in_port=1,actions=roam_rewrite(side=src,from_mac=52:54:00:00:00:01,from_ip=10.0.0.1,to_mac=0a:00:00:40:00:41,to_ip=100.64.1.1),output:2"
    check in_root ovs-ofctl add-flow br0 "priority=40000,arp,in_port=1,actions=clone(roam_announce(dst=239.1.1.1),output:2),NORMAL"
    local flows
    flows=$(in_root ovs-ofctl dump-flows br0)
    check_contains "$flows" "roam_rewrite(side=src,from_mac=52:54:00:00:00:01"
    check_contains "$flows" "roam_announce(dst=239.1.1.1)"
    check in_root python3 -c '
import sys
from ovs.flow.ofp import OFPFlow
f = OFPFlow("in_port=1 actions=roam_rewrite(side=src,from_mac=52:54:00:00:00:01,from_ip=10.0.0.1,to_mac=0a:00:00:40:00:41,to_ip=100.64.1.1),output:2")
assert f.actions[0]["roam_rewrite"]["side"] == "src", f.actions'

    # A VM with a hand-added rule, saved by roamd in the roam database.
    check in_root ovs-vsctl add-port br0 vnet0 -- set interface vnet0 \
        type=internal ofport_request=5 external_ids:iface-id=if-vm1 \
        external_ids:attached-mac=52:54:00:00:00:01 external_ids:roam-ip=10.0.0.1
    check in_root ovs-ofctl add-flow br0 "priority=200,in_port=5,tcp,tp_dst=22,actions=drop"
    WAIT_TIMEOUT=20 wait_until sh -c "ip netns exec $PKG_NS chroot '$ROOT' roamctl rules if-vm1 | grep -q 'tp_dst=22'"

    # Upgrade: the database and the saved rule survive.
    chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        "/tmp/v2/roam_${v2}_amd64.deb" "/tmp/v2/roam-openvswitch_${v2}_amd64.deb" \
        >> "$T/apt.log" 2>&1 || { tail -30 "$T/apt.log"; fail "upgrade"; }
    check_eq "$v2" "$(chroot "$ROOT" dpkg-query -W -f='${Version}' roam)" "upgraded"
    check_contains "$(in_root roamctl rules if-vm1)" "tp_dst=22"
    # Restarted on the new version, the database still holds them.
    in_root ovs-appctl -t roamd exit >/dev/null 2>&1 || true
    in_root ovs-appctl -t /var/run/roam/roam-db.ctl exit >/dev/null 2>&1 || true
    WAIT_TIMEOUT=10 wait_until sh -c "! test -S '$ROOT/run/roam/roam-db.ctl'"
    in_root /usr/share/roam/scripts/roam-db-start >> "$T/roam-db.out" 2>&1 &
    WAIT_TIMEOUT=20 wait_until sh -c "ip netns exec $PKG_NS chroot '$ROOT' roamctl rules if-vm1 | grep -q 'tp_dst=22'"
    in_root /usr/share/roam/scripts/roamd-start >> "$T/roamd.out" 2>&1 &
    WAIT_TIMEOUT=20 wait_until sh -c "ip netns exec $PKG_NS chroot '$ROOT' roamctl host list | grep -q '^hv1 .* up\$'"

    # Purge: nothing of roam is left; Open vSwitch's database stays.
    pkg_stop_daemons
    local confdb_before
    confdb_before=$(md5sum < "$ROOT/etc/openvswitch/conf.db")
    chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq \
        roam roam-openvswitch >> "$T/apt.log" 2>&1 || { tail -30 "$T/apt.log"; fail "purge"; }
    check_fails chroot "$ROOT" dpkg -s roam
    check_fails chroot "$ROOT" dpkg -s roam-openvswitch
    local left
    left=$(cd "$ROOT" && ls -d etc/roam var/lib/roam var/log/roam usr/sbin/roamd \
               usr/bin/roamctl usr/share/roam etc/libvirt/hooks/qemu.d/roam \
               etc/logrotate.d/roam lib/systemd/system/roamd.service 2>/dev/null || true)
    check_eq "" "$left" "files left after purge"
    check_eq "$confdb_before" "$(md5sum < "$ROOT/etc/openvswitch/conf.db")" \
        "Open vSwitch's configuration database"
}

# pkg_stop_daemons: stops what runs in the root, as "systemctl stop" would.
pkg_stop_daemons() {
    in_root ovs-appctl -t roamd exit >/dev/null 2>&1 || true
    in_root ovs-appctl -t /var/run/roam/roam-db.ctl exit >/dev/null 2>&1 || true
    in_root /usr/share/openvswitch/scripts/ovs-ctl stop >/dev/null 2>&1 || true
    in_root ovs-appctl -t ovs-vswitchd exit >/dev/null 2>&1 || true
}
