# The roam database, shared by every role of roamd and by roamctl: the
# schema, its documentation (roam(5)), its C bindings, and the code that
# connects to it and keeps its records (Migration rows, Host liveness).

EXTRA_DIST += \
	db/roam.ovsschema \
	db/roam.xml \
	db/roam-idl.ann

RUN_OVS_PY = PYTHONPATH=$(OVS_BUILDDIR)/python $(PYTHON3)
OVSDB_IDLC = $(RUN_OVS_PY) $(OVS_BUILDDIR)/ovsdb/ovsdb-idlc.in

db/roam-idl.ovsidl: db/roam.ovsschema db/roam-idl.ann ovs-build.stamp
	$(AM_V_GEN)$(MKDIR_P) db && $(OVSDB_IDLC) annotate \
	  $(srcdir)/db/roam.ovsschema $(srcdir)/db/roam-idl.ann \
	  > $@.tmp && mv $@.tmp $@
db/roam-idl.c: db/roam-idl.ovsidl
	$(AM_V_GEN)$(OVSDB_IDLC) c-idl-source $< > $@.tmp && mv $@.tmp $@
db/roam-idl.h: db/roam-idl.ovsidl
	$(AM_V_GEN)$(OVSDB_IDLC) c-idl-header $< > $@.tmp && mv $@.tmp $@
BUILT_SOURCES += db/roam-idl.c db/roam-idl.h
CLEANFILES += db/roam-idl.ovsidl db/roam-idl.c db/roam-idl.h

# The schema's checksum must match its contents.
all-local: db/roam.ovsschema.stamp
db/roam.ovsschema.stamp: db/roam.ovsschema ovs-build.stamp
	$(AM_V_GEN)$(OVS_BUILDDIR)/build-aux/cksum-schema-check \
	  $(srcdir)/db/roam.ovsschema $@
CLEANFILES += db/roam.ovsschema.stamp

# roam(5), from the schema and its documentation.
man_MANS += db/roam.5
db/roam.5: db/roam.xml db/roam.ovsschema ovs-build.stamp
	$(AM_V_GEN)$(RUN_OVS_PY) $(OVS_BUILDDIR)/ovsdb/ovsdb-doc \
	  --version=$(VERSION) \
	  $(srcdir)/db/roam.ovsschema $(srcdir)/db/roam.xml \
	  > $@.tmp && mv $@.tmp $@
CLEANFILES += db/roam.5

# The schema, for creating the database (roam-db.service).
roamdatadir = $(datadir)/roam
roamdata_DATA = db/roam.ovsschema

# Include paths of code built against the patched OVS and the roam IDL.
ROAM_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir) -I$(top_builddir) \
	$(OVS_CPPFLAGS)

noinst_LTLIBRARIES += db/libroamdb.la
db_libroamdb_la_SOURCES = \
	db/chassis.c \
	db/chassis.h \
	db/migration.c \
	db/migration.h \
	db/roamdb.c \
	db/roamdb.h \
	db/saved-rules.c \
	db/saved-rules.h
nodist_db_libroamdb_la_SOURCES = \
	db/roam-idl.c \
	db/roam-idl.h
db_libroamdb_la_CPPFLAGS = $(ROAM_CPPFLAGS)
db_libroamdb_la_CFLAGS = $(AM_CFLAGS) -Wno-missing-field-initializers
