# roamctl, the command line: a thin main (roamctl.c) and its commands.

noinst_LTLIBRARIES += ctl/libroamctl.la
ctl_libroamctl_la_SOURCES = \
	ctl/ctl-edge.c \
	ctl/ctl-migrate.c \
	ctl/ctl-notice.c \
	ctl/ctl-private.h \
	ctl/ctl-topology.c \
	ctl/ctl-vm.c \
	ctl/ctl.c \
	ctl/ctl.h \
	roamd/edge/edge-config.c \
	roamd/edge/edge-flows.c
ctl_libroamctl_la_CPPFLAGS = $(ROAM_CPPFLAGS)
ctl_libroamctl_la_CFLAGS = $(AM_CFLAGS) -Wno-missing-field-initializers

bin_PROGRAMS += ctl/roamctl
ctl_roamctl_SOURCES = ctl/roamctl.c
ctl_roamctl_CPPFLAGS = $(ROAM_CPPFLAGS)
ctl_roamctl_LDADD = ctl/libroamctl.la db/libroamdb.la lib/libroam.la \
	$(OVS_LIBS)
man_MANS += ctl/roamctl.8
EXTRA_DIST += ctl/roamctl.8
