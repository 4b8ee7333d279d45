# roamd, the agent.  roamd/core holds what every role shares (the
# OpenFlow connection per bridge, ovs-vswitchd's control socket, link and
# libvirt events); each role's modules sit in a directory of their own
# (roamd/hypervisor today).  All of it goes into one library that roamd,
# the unit tests and the test drivers link.

noinst_LTLIBRARIES += roamd/libroamd.la
roamd_libroamd_la_SOURCES = \
	roamd/core/appctl.c \
	roamd/core/appctl.h \
	roamd/core/bridges.c \
	roamd/core/bridges.h \
	roamd/core/context.h \
	roamd/core/dpgate.c \
	roamd/core/dpgate.h \
	roamd/core/fdbpin.c \
	roamd/core/fdbpin.h \
	roamd/core/heap.c \
	roamd/core/heap.h \
	roamd/core/flowctl.c \
	roamd/core/flowctl-desired.c \
	roamd/core/flowctl-desired.h \
	roamd/core/flowctl-installed.c \
	roamd/core/flowctl-installed.h \
	roamd/core/flowctl-view.c \
	roamd/core/flowctl-view.h \
	roamd/core/flowctl.h \
	roamd/core/keys.h \
	roamd/core/libvirt-monitor.h \
	roamd/core/link-monitor.h \
	roamd/core/oflow.c \
	roamd/core/oflow.h \
	roamd/core/pinctrl.c \
	roamd/core/pinctrl.h \
	roamd/edge/edge.c \
	roamd/edge/edge.h \
	roamd/edge/edge-check.c \
	roamd/edge/edge-check.h \
	roamd/edge/edge-config.c \
	roamd/edge/edge-config.h \
	roamd/edge/edge-flows.c \
	roamd/edge/edge-flows.h \
	roamd/gateway/gateway.c \
	roamd/gateway/gateway.h \
	roamd/gateway/gateway-flows.c \
	roamd/gateway/gateway-flows.h \
	roamd/gateway/mapping.c \
	roamd/gateway/mapping.h \
	roamd/gateway/tunnels.c \
	roamd/gateway/tunnels.h \
	roamd/hypervisor/agent-activation.c \
	roamd/hypervisor/agent-activation.h \
	roamd/hypervisor/arrival.c \
	roamd/hypervisor/arrival.h \
	roamd/hypervisor/departure.c \
	roamd/hypervisor/departure.h \
	roamd/hypervisor/follow.c \
	roamd/hypervisor/follow.h \
	roamd/hypervisor/followed-vm.c \
	roamd/hypervisor/followed-vm.h \
	roamd/hypervisor/gate.c \
	roamd/hypervisor/gate.h \
	roamd/hypervisor/hypervisor.c \
	roamd/hypervisor/hypervisor.h \
	roamd/hypervisor/rule-sync.c \
	roamd/hypervisor/rule-sync.h \
	roamd/hypervisor/rules.c \
	roamd/hypervisor/rules.h \
	roamd/hypervisor/vif.c \
	roamd/hypervisor/vif.h
if HAVE_LIBNL
roamd_libroamd_la_SOURCES += roamd/core/link-monitor-netlink.c
else
roamd_libroamd_la_SOURCES += roamd/core/link-monitor-stub.c
endif
EXTRA_DIST += roamd/core/link-monitor-netlink.c roamd/core/link-monitor-stub.c
if HAVE_LIBVIRT
roamd_libroamd_la_SOURCES += roamd/core/libvirt-monitor.c
else
roamd_libroamd_la_SOURCES += roamd/core/libvirt-monitor-stub.c
endif
EXTRA_DIST += roamd/core/libvirt-monitor.c roamd/core/libvirt-monitor-stub.c
roamd_libroamd_la_CPPFLAGS = $(ROAM_CPPFLAGS) $(LIBNL_CFLAGS) \
	$(LIBVIRT_CFLAGS)
roamd_libroamd_la_CFLAGS = $(AM_CFLAGS) -Wno-missing-field-initializers

# What links roamd's modules.
ROAMD_LIBS = roamd/libroamd.la db/libroamdb.la lib/libroam.la $(OVS_LIBS) \
	$(LIBNL_LIBS) $(LIBVIRT_LIBS)

sbin_PROGRAMS += roamd/roamd
roamd_roamd_SOURCES = roamd/roamd.c
roamd_roamd_CPPFLAGS = $(roamd_libroamd_la_CPPFLAGS)
roamd_roamd_LDADD = $(ROAMD_LIBS)
man_MANS += roamd/roamd.8
EXTRA_DIST += roamd/roamd.8
