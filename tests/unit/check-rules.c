/*
 * Copyright (c) 2026 The roam authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* Unit tests of roamd/hypervisor/rules.c: which flows are a VM's send or receive
 * rules, their logical form, and rendering it back for any port. */

#include <config.h>

#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "roamd/hypervisor/rules.h"
#include "flow.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-protocol.h"
#include "packets.h"
#include "util.h"

static struct rules_vm vm;

static void
setup(void)
{
    vm.port = u16_to_ofp(5);
    vm.mac = (struct eth_addr) ETH_ADDR_C(52, 54, 00, 00, 00, 01);
    vm.ip = htonl(0x0a000001);
}

/* Parses 'flow' into 'fm'; fails the test on a parse error. */
static void
parse(const char *flow, struct ofputil_flow_mod *fm)
{
    enum ofputil_protocol usable;
    char *error = parse_ofp_str(fm, OFPFC_ADD, flow, NULL, NULL, &usable);

    ck_assert_msg(!error, "%s: %s", flow, error ? error : "");
}

static void
fm_destroy(struct ofputil_flow_mod *fm)
{
    minimatch_destroy(&fm->match);
    free(fm->ofpacts);
}

static enum rules_class
classify(const char *flow)
{
    struct ofputil_flow_mod fm;
    struct match match;
    enum rules_class c;

    parse(flow, &fm);
    minimatch_expand(&fm.match, &match);
    c = rules_classify(&match, fm.ofpacts, fm.ofpacts_len, &vm, NULL);
    fm_destroy(&fm);
    return c;
}

START_TEST(test_send_rules)
{
    ck_assert_int_eq(classify("in_port=5,tcp,tp_dst=22,actions=drop"),
                     RULES_SEND);
    ck_assert_int_eq(classify("ip,nw_src=10.0.0.1,actions=set_queue:1,"
                              "output:2"), RULES_SEND);
    ck_assert_int_eq(classify("dl_src=52:54:00:00:00:01,actions=NORMAL"),
                     RULES_SEND);
    ck_assert_int_eq(classify("arp,arp_spa=10.0.0.1,actions=NORMAL"),
                     RULES_SEND);
    ck_assert_int_eq(classify("table=7,priority=3,in_port=5,udp,"
                              "actions=resubmit(,8)"), RULES_SEND);
}
END_TEST

START_TEST(test_receive_rules)
{
    ck_assert_int_eq(classify("tcp,nw_dst=10.0.0.1,tp_dst=80,"
                              "actions=output:5"), RULES_RECEIVE);
    ck_assert_int_eq(classify("in_port=2,actions=output:5"), RULES_RECEIVE);
    ck_assert_int_eq(classify("in_port=2,actions=enqueue:5:3"),
                     RULES_RECEIVE);
    ck_assert_int_eq(classify("dl_dst=52:54:00:00:00:01,"
                              "actions=clone(output:5)"), RULES_RECEIVE);
    ck_assert_int_eq(classify("arp,arp_tpa=10.0.0.1,actions=NORMAL"),
                     RULES_RECEIVE);
}
END_TEST

START_TEST(test_other_and_unclassified)
{
    const char *why;
    struct ofputil_flow_mod fm;
    struct match match;

    /* Not the VM's: other ports, masked addresses, look-alike numbers. */
    ck_assert_int_eq(classify("in_port=7,actions=output:8"), RULES_OTHER);
    ck_assert_int_eq(classify("ip,nw_src=10.0.0.0/24,actions=drop"),
                     RULES_OTHER);
    ck_assert_int_eq(classify("in_port=15,actions=output:55"), RULES_OTHER);
    ck_assert_int_eq(classify("dl_src=52:54:00:00:00:00/ff:ff:ff:00:00:00,"
                              "actions=drop"), RULES_OTHER);

    /* The VM's, but neither send nor receive alone, or not rewritable. */
    ck_assert_int_eq(classify("in_port=5,actions=output:5"),
                     RULES_UNCLASSIFIED);
    ck_assert_int_eq(classify("in_port=5,actions=output:NXM_NX_REG0[]"),
                     RULES_UNCLASSIFIED);
    /* Port 65278 is a port like any other. */
    ck_assert_int_eq(classify("ip,nw_dst=10.0.0.1,actions=output:65278"),
                     RULES_RECEIVE);

    parse("in_port=5,actions=output:5", &fm);
    minimatch_expand(&fm.match, &match);
    ck_assert_int_eq(rules_classify(&match, fm.ofpacts, fm.ofpacts_len, &vm,
                                    &why), RULES_UNCLASSIFIED);
    ck_assert_str_eq(why, "matches traffic from the VM and delivers to it");
    fm_destroy(&fm);

    ck_assert_str_eq(rules_class_to_string(RULES_SEND), "send");
    ck_assert_str_eq(rules_class_to_string(RULES_UNCLASSIFIED),
                     "unclassified");
}
END_TEST

/* Two VMs on different tenant networks may share a MAC and an IP: an
 * address alone does not say whose a rule is; a port or VLAN does. */
START_TEST(test_shared_addresses)
{
    ck_assert_int_eq(classify("in_port=6,dl_src=52:54:00:00:00:01,"
                              "actions=drop"), RULES_OTHER);
    vm.mac_shared = vm.ip_shared = true;
    ck_assert_int_eq(classify("dl_dst=52:54:00:00:00:01,tcp,tp_dst=23,"
                              "actions=drop"), RULES_UNCLASSIFIED);
    ck_assert_int_eq(classify("ip,nw_dst=10.0.0.1,actions=drop"),
                     RULES_UNCLASSIFIED);
    ck_assert_int_eq(classify("dl_dst=52:54:00:00:00:01,actions=output:6"),
                     RULES_OTHER);
    ck_assert_int_eq(classify("dl_dst=52:54:00:00:00:01,actions=output:5"),
                     RULES_RECEIVE);
    ck_assert_int_eq(classify("in_port=5,dl_src=52:54:00:00:00:01,"
                              "actions=drop"), RULES_SEND);
    ck_assert_int_eq(classify("in_port=6,dl_src=52:54:00:00:00:01,"
                              "actions=drop"), RULES_OTHER);
    vm.vlan = 100;
    ck_assert_int_eq(classify("dl_vlan=100,dl_dst=52:54:00:00:00:01,"
                              "actions=drop"), RULES_RECEIVE);
    ck_assert_int_eq(classify("dl_vlan=200,dl_dst=52:54:00:00:00:01,"
                              "actions=drop"), RULES_OTHER);
    ck_assert_int_eq(classify("dl_vlan=100,dl_src=52:54:00:00:00:01,"
                              "actions=NORMAL"), RULES_SEND);
    vm.mac_shared = vm.ip_shared = false;
    vm.vlan = 0;
}
END_TEST

/* Logical form of 'flow', as "MATCH|ACTIONS", or "EINVAL". */
static char *
logical(const char *flow)
{
    struct ofputil_flow_mod fm;
    char *m, *a, *result;
    struct match match;
    int error;

    parse(flow, &fm);
    minimatch_expand(&fm.match, &match);
    error = rules_to_logical(&match, fm.ofpacts, fm.ofpacts_len, &vm,
                             &m, &a);
    result = error ? xstrdup("EINVAL") : xasprintf("%s|%s", m, a);
    free(m);
    free(a);
    fm_destroy(&fm);
    return result;
}

#define ck_logical(FLOW, EXPECTED)                  \
    do {                                            \
        char *l_ = logical(FLOW);                   \
        ck_assert_str_eq(l_, EXPECTED);             \
        free(l_);                                   \
    } while (0)

START_TEST(test_logical_form)
{
    ck_logical("in_port=5,tcp,tp_dst=22,actions=drop",
               "tcp,in_port=\"$vm_port\",tp_dst=22|drop");
    ck_logical("in_port=2,actions=output:5",
               "in_port=2|output:\"$vm_port\"");
    ck_logical("in_port=2,actions=enqueue:5:3",
               "in_port=2|enqueue:\"$vm_port\":3");
    ck_logical("dl_dst=52:54:00:00:00:01,actions=clone(output:5)",
               "dl_dst=52:54:00:00:00:01|clone(output:\"$vm_port\")");
    /* Numbers that merely equal the port, or the old placeholder, stay. */
    ck_logical("in_port=2,tcp,actions=mod_tp_dst:65278,output:5",
               "tcp,in_port=2|mod_tp_dst:65278,output:\"$vm_port\"");
    ck_logical("in_port=2,tcp,actions=mod_tp_dst:5,output:5",
               "tcp,in_port=2|mod_tp_dst:5,output:\"$vm_port\"");
    ck_logical("ip,nw_src=10.0.0.1,actions=mod_nw_tos:16,output:2",
               "ip,nw_src=10.0.0.1|mod_nw_tos:16,output:2");
    ck_logical("in_port=5,actions=output:5", "EINVAL");
    ck_logical("in_port=7,actions=output:8", "EINVAL");
}
END_TEST

/* Rendering a rule's logical form for the VM's own port gives back the
 * same flow; for another port, the same flow on that port. */
static void
check_round_trip(const char *flow, uint16_t other_port, const char *expect)
{
    struct ofputil_flow_mod fm, back;
    struct match match, back_match;
    char *m, *a, *rendered;

    parse(flow, &fm);
    minimatch_expand(&fm.match, &match);
    ck_assert_int_eq(rules_to_logical(&match, fm.ofpacts, fm.ofpacts_len,
                                      &vm, &m, &a), 0);

    rendered = rules_render(fm.table_id == 0xff ? 0 : fm.table_id,
                            fm.priority, ntohll(fm.new_cookie), m, a,
                            vm.port, NULL);
    parse(rendered, &back);
    minimatch_expand(&back.match, &back_match);
    ck_assert_msg(match_equal(&match, &back_match), "%s -> %s", flow,
                  rendered);
    ck_assert(ofpacts_equal(fm.ofpacts, fm.ofpacts_len,
                            back.ofpacts, back.ofpacts_len));
    ck_assert_int_eq(back.priority, fm.priority);
    ck_assert(back.new_cookie == fm.new_cookie);
    free(rendered);
    fm_destroy(&back);

    rendered = rules_render(2, 100, 0x5, m, a, u16_to_ofp(other_port),
                            NULL);
    ck_assert_str_eq(rendered, expect);
    free(rendered);
    free(m);
    free(a);
    fm_destroy(&fm);
}

START_TEST(test_render_round_trip)
{
    check_round_trip("table=3,priority=200,cookie=0x77,in_port=5,tcp,"
                     "tp_dst=22,actions=drop", 9,
                     "table=2,priority=100,cookie=0x5,tcp,in_port=9,"
                     "tp_dst=22,actions=drop");
    check_round_trip("in_port=2,actions=output:5", 12,
                     "table=2,priority=100,cookie=0x5,in_port=2,"
                     "actions=output:12");
    check_round_trip("dl_dst=52:54:00:00:00:01,actions=clone(output:5),"
                     "enqueue:5:1", 7,
                     "table=2,priority=100,cookie=0x5,"
                     "dl_dst=52:54:00:00:00:01,actions=clone(output:7),"
                     "enqueue:7:1");
    check_round_trip("ip,nw_dst=10.0.0.1,actions=roam_rewrite(side=dst,"
                     "from_mac=0a:00:00:40:00:41,from_ip=100.64.1.1,"
                     "to_mac=52:54:00:00:00:01,to_ip=10.0.0.1),output:5",
                     3,
                     "table=2,priority=100,cookie=0x5,ip,nw_dst=10.0.0.1,"
                     "actions=roam_rewrite(side=dst,"
                     "from_mac=0a:00:00:40:00:41,from_ip=100.64.1.1,"
                     "to_mac=52:54:00:00:00:01,to_ip=10.0.0.1),output:3");
    /* The defect this guards against: a number equal to the old text
     * placeholder, 65278, became the new port. */
    check_round_trip("in_port=2,tcp,actions=mod_tp_dst:65278,output:5", 8,
                     "table=2,priority=100,cookie=0x5,tcp,in_port=2,"
                     "actions=mod_tp_dst:65278,output:8");
}
END_TEST

/* Rules saved by an earlier roamd (the port unquoted) still render; a bad
 * database row renders to nothing, with the parser's message. */
START_TEST(test_render_old_and_bad_rows)
{
    char *error, *r;

    r = rules_render(0, 10, 0, "in_port=$vm_port", "output:2",
                     u16_to_ofp(4), &error);
    ck_assert_str_eq(r, "table=0,priority=10,cookie=0,in_port=4,"
                     "actions=output:2");
    free(r);
    r = rules_render(0, 10, 0, "in_port=$vm_port", "frobnicate",
                     u16_to_ofp(4), &error);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(error);
    free(error);
    r = rules_render(0, 10, 0, "no_such_field=1", "drop", u16_to_ofp(4),
                     &error);
    ck_assert_ptr_null(r);
    free(error);
}
END_TEST

static Suite *
rules_suite(void)
{
    Suite *s = suite_create("rules");
    TCase *tc = tcase_create("rules");

    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_send_rules);
    tcase_add_test(tc, test_receive_rules);
    tcase_add_test(tc, test_other_and_unclassified);
    tcase_add_test(tc, test_shared_addresses);
    tcase_add_test(tc, test_logical_form);
    tcase_add_test(tc, test_render_round_trip);
    tcase_add_test(tc, test_render_old_and_bad_rows);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(rules_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
