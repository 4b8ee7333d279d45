# Unit tests (check), linked against libroam directly.
check_PROGRAMS += \
	tests/unit/check-announce \
	tests/unit/check-dpgate \
	tests/unit/check-edge \
	tests/unit/check-pseudo-id \
	tests/unit/check-rules

TEST_CPPFLAGS = $(AM_CPPFLAGS) $(CHECK_CFLAGS) \
	-DTEST_DATA_DIR=\"$(abs_top_srcdir)/tests/data\"

tests_unit_check_announce_SOURCES = tests/unit/check-announce.c
tests_unit_check_announce_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_check_announce_LDADD = lib/libroam.la $(CHECK_LIBS)

tests_unit_check_dpgate_SOURCES = tests/unit/check-dpgate.c
tests_unit_check_dpgate_CPPFLAGS = $(TEST_CPPFLAGS) $(ROAM_CPPFLAGS)
tests_unit_check_dpgate_LDADD = $(ROAMD_LIBS) $(CHECK_LIBS)

tests_unit_check_edge_SOURCES = tests/unit/check-edge.c
tests_unit_check_edge_CPPFLAGS = $(TEST_CPPFLAGS) $(ROAM_CPPFLAGS)
tests_unit_check_edge_LDADD = $(ROAMD_LIBS) $(CHECK_LIBS)

tests_unit_check_pseudo_id_SOURCES = tests/unit/check-pseudo-id.c
tests_unit_check_pseudo_id_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_check_pseudo_id_LDADD = lib/libroam.la $(CHECK_LIBS)

tests_unit_check_rules_SOURCES = tests/unit/check-rules.c
tests_unit_check_rules_CPPFLAGS = $(TEST_CPPFLAGS) $(ROAM_CPPFLAGS)
tests_unit_check_rules_CFLAGS = $(AM_CFLAGS) -Wno-missing-field-initializers
tests_unit_check_rules_LDADD = $(ROAMD_LIBS) $(CHECK_LIBS)

EXTRA_DIST += \
	tests/run-all \
	tests/lib.sh \
	tests/frames.py \
	tests/netns/site-report.py \
	tests/netns/tcp-echo.py \
	tests/netns/udp-stream.py

# Drivers that run agent modules against real daemons for tests/agent.
check_PROGRAMS += tests/agent/test-flowctl
tests_agent_test_flowctl_SOURCES = tests/agent/test-flowctl.c
tests_agent_test_flowctl_CPPFLAGS = $(ROAM_CPPFLAGS)
tests_agent_test_flowctl_LDADD = $(ROAMD_LIBS)

check_PROGRAMS += tests/agent/test-release
tests_agent_test_release_SOURCES = tests/agent/test-release.c
tests_agent_test_release_CPPFLAGS = $(tests_agent_test_flowctl_CPPFLAGS) \
	$(LIBNL_CFLAGS)
tests_agent_test_release_LDADD = $(tests_agent_test_flowctl_LDADD)
