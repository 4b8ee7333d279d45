# The roam database: schema, documentation (roam(5)) and C bindings, and
# roamctl.

EXTRA_DIST += \
	agent/roam.ovsschema \
	agent/roam.xml \
	agent/roam-idl.ann

RUN_OVS_PY = PYTHONPATH=$(OVS_BUILDDIR)/python $(PYTHON3)
OVSDB_IDLC = $(RUN_OVS_PY) $(OVS_BUILDDIR)/ovsdb/ovsdb-idlc.in

agent/roam-idl.ovsidl: agent/roam.ovsschema agent/roam-idl.ann ovs-build.stamp
	$(AM_V_GEN)$(MKDIR_P) agent && $(OVSDB_IDLC) annotate \
	  $(srcdir)/agent/roam.ovsschema $(srcdir)/agent/roam-idl.ann \
	  > $@.tmp && mv $@.tmp $@
agent/roam-idl.c: agent/roam-idl.ovsidl
	$(AM_V_GEN)$(OVSDB_IDLC) c-idl-source $< > $@.tmp && mv $@.tmp $@
agent/roam-idl.h: agent/roam-idl.ovsidl
	$(AM_V_GEN)$(OVSDB_IDLC) c-idl-header $< > $@.tmp && mv $@.tmp $@
BUILT_SOURCES += agent/roam-idl.c agent/roam-idl.h
CLEANFILES += agent/roam-idl.ovsidl agent/roam-idl.c agent/roam-idl.h

# The schema's checksum must match its contents.
all-local: agent/roam.ovsschema.stamp
agent/roam.ovsschema.stamp: agent/roam.ovsschema ovs-build.stamp
	$(AM_V_GEN)$(OVS_BUILDDIR)/build-aux/cksum-schema-check \
	  $(srcdir)/agent/roam.ovsschema $@
CLEANFILES += agent/roam.ovsschema.stamp

# roam(5), from the schema and its documentation.
man_MANS += agent/roam.5
agent/roam.5: agent/roam.xml agent/roam.ovsschema ovs-build.stamp
	$(AM_V_GEN)$(RUN_OVS_PY) $(OVS_BUILDDIR)/ovsdb/ovsdb-doc \
	  --version=$(VERSION) \
	  $(srcdir)/agent/roam.ovsschema $(srcdir)/agent/roam.xml \
	  > $@.tmp && mv $@.tmp $@
CLEANFILES += agent/roam.5

# Agent modules, linked by roamctl (and unit tests) directly.
noinst_LTLIBRARIES += agent/libroamagent.la
agent_libroamagent_la_SOURCES = \
	agent/appctl.c \
	agent/appctl.h \
	agent/bridges.c \
	agent/bridges.h \
	agent/chassis.c \
	agent/chassis.h \
	agent/ctl.c \
	agent/ctl.h \
	agent/dpgate.c \
	agent/dpgate.h \
	agent/fdbpin.c \
	agent/fdbpin.h \
	agent/flowctl.c \
	agent/flowctl.h \
	agent/follow.c \
	agent/follow.h \
	agent/gate.c \
	agent/gate.h \
	agent/keys.h \
	agent/link-monitor.h \
	agent/migration.c \
	agent/migration.h \
	agent/roamdb.c \
	agent/roamdb.h \
	agent/rules.c \
	agent/rules.h \
	agent/vif.c \
	agent/vif.h
nodist_agent_libroamagent_la_SOURCES = \
	agent/roam-idl.c \
	agent/roam-idl.h
if HAVE_LIBNL
agent_libroamagent_la_SOURCES += agent/link-monitor-netlink.c
else
agent_libroamagent_la_SOURCES += agent/link-monitor-stub.c
endif
EXTRA_DIST += agent/link-monitor-netlink.c agent/link-monitor-stub.c
agent_libroamagent_la_SOURCES += agent/libvirt-monitor.h
if HAVE_LIBVIRT
agent_libroamagent_la_SOURCES += agent/libvirt-monitor.c
else
agent_libroamagent_la_SOURCES += agent/libvirt-monitor-stub.c
endif
EXTRA_DIST += agent/libvirt-monitor.c agent/libvirt-monitor-stub.c
agent_libroamagent_la_CPPFLAGS = $(AM_CPPFLAGS) $(OVS_CPPFLAGS) \
	-I$(top_builddir) $(LIBNL_CFLAGS) $(LIBVIRT_CFLAGS)
agent_libroamagent_la_CFLAGS = $(AM_CFLAGS) -Wno-missing-field-initializers

bin_PROGRAMS += agent/roamctl
agent_roamctl_SOURCES = agent/roamctl.c
agent_roamctl_CPPFLAGS = $(agent_libroamagent_la_CPPFLAGS)
agent_roamctl_LDADD = agent/libroamagent.la lib/libroam.la $(OVS_LIBS) \
	$(LIBNL_LIBS) $(LIBVIRT_LIBS)

man_MANS += agent/roamctl.8
EXTRA_DIST += agent/roamctl.8

sbin_PROGRAMS += agent/roamd
agent_roamd_SOURCES = agent/roamd.c
agent_roamd_CPPFLAGS = $(agent_libroamagent_la_CPPFLAGS)
agent_roamd_LDADD = agent/libroamagent.la lib/libroam.la $(OVS_LIBS) \
	$(LIBNL_LIBS) $(LIBVIRT_LIBS)
man_MANS += agent/roamd.8
EXTRA_DIST += agent/roamd.8

# The schema, for creating the database (roam-db.service).
roamdatadir = $(datadir)/roam
roamdata_DATA = agent/roam.ovsschema
