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

/* Unit tests of the client edge's configuration and of the controller's
 * check (roamd/edge/edge-config.c, edge-check.c; seed features S4.2 and
 * S4.4). */

#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "packets.h"
#include "roamd/edge/edge-check.h"
#include "roamd/edge/edge-config.h"
#include "util.h"

static struct edge_config cfg;
static struct edge_table table;
static const struct eth_addr gw = ETH_ADDR_C(02, 00, c0, a8, 32, 01);
static long long int now;       /* When check_packet()'s packets arrive. */

/* VPN numbers in 'cfg': 1 VLAN 1, 2 VLAN 2 (the first pair); 3 VLAN 11,
 * 4 VLAN 12; 5 VNI 5001, 6 VNI 5002. */
static void
setup(void)
{
    edge_config_init(&cfg);
    ck_assert_ptr_null(edge_config_add_pair(&cfg,
                                            "vlan:1@up1/vlan:2@up2"
                                            "=10.0.0.0/24"));
    ck_assert_ptr_null(edge_config_add_pair(&cfg,
                                            "vlan:11@up1/12@up2"
                                            "=10.1.0.0/24"));
    ck_assert_ptr_null(edge_config_add_pair(&cfg,
                                            "vni:5001@tun/vni:5002@tun"
                                            "=10.2.0.0/16"));
    ck_assert_ptr_null(edge_config_add_client(&cfg, "c1"));
    ck_assert_ptr_null(edge_config_set_gateway_mac(&cfg,
                                                   "02:00:c0:a8:32:01"));
    ck_assert_ptr_null(edge_config_check(&cfg));
    edge_table_init(&table);
    now = 100000;
}

static void
teardown(void)
{
    edge_table_destroy(&table);
    edge_config_destroy(&cfg);
}

static enum edge_verdict
check_packet(size_t vpn, const char *ip, struct eth_addr mac, size_t *from)
{
    struct edge_packet p = { .vpn = vpn, .src_mac = mac, .now = now };

    ck_assert(ip_parse(ip, &p.src_ip));
    *from = 0;
    return edge_check(&cfg, &table, &p, from);
}

static ovs_be32
ip(const char *s)
{
    ovs_be32 a;

    ck_assert(ip_parse(s, &a));
    return a;
}

START_TEST(test_config)
{
    ck_assert_uint_eq(cfg.n_vpns, 6);
    ck_assert_int_eq(cfg.vpns[0].kind, EDGE_VPN_VLAN);
    ck_assert_uint_eq(cfg.vpns[3].id, 12);
    ck_assert_int_eq(cfg.vpns[4].kind, EDGE_VPN_VNI);
    ck_assert_uint_eq(cfg.vpns[5].id, 5002);
    ck_assert_uint_eq(cfg.vpns[0].partner, 1);
    ck_assert_uint_eq(cfg.vpns[1].partner, 0);
    ck_assert_uint_eq(cfg.vpns[5].partner, 4);
    ck_assert(cfg.vpns[2].home && !cfg.vpns[3].home);
    ck_assert(cfg.vpns[2].prefix == ip("10.1.0.0"));

    char *s = edge_vpn_to_string(&cfg.vpns[5]);
    ck_assert_str_eq(s, "vni:5002@tun");
    free(s);
}
END_TEST

START_TEST(test_config_errors)
{
    static const char *bad[] = {
        "vlan:1@up1",                   /* not a pair */
        "vlan:0@a/vlan:2@b",            /* VLAN 0 */
        "vlan:4095@a/vlan:2@b",         /* VLAN 4095 */
        "vni:16777216@t/vni:1@t",       /* VNI too big */
        "vlan:1@/vlan:2@b",             /* no port */
        "vlan:x@a/vlan:2@b",            /* not a number */
        "vlan:7@a/vlan:7@a",            /* itself */
        "vlan:1@up1/vlan:9@b",          /* VLAN 1 on up1 is in a pair */
        "vlan:7@a/vlan:8@b=10.0.0.1/24",/* host bits */
        "vlan:7@a/vlan:8@b=bogus",
        "vlan:-1@a/vlan:8@b",
    };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *error = edge_config_add_pair(&cfg, bad[i]);

        ck_assert_msg(error != NULL, "%s accepted", bad[i]);
        free(error);
    }
    ck_assert_uint_eq(cfg.n_vpns, 6);

    char *error = edge_config_add_client(&cfg, "c1");
    ck_assert_ptr_nonnull(error);
    free(error);
    error = edge_config_set_gateway_mac(&cfg, "01:00:5e:00:00:01");
    ck_assert_ptr_nonnull(error);
    free(error);
    error = edge_config_set_mode(&cfg, "both");
    ck_assert_ptr_nonnull(error);
    free(error);

    /* A client port that is also a VPN's port; a pair without prefix
     * twice. */
    struct edge_config c;
    edge_config_init(&c);
    error = edge_config_check(&c);
    ck_assert_ptr_nonnull(error);
    free(error);
    ck_assert_ptr_null(edge_config_add_pair(&c, "vlan:1@a/vlan:2@b"));
    ck_assert_ptr_null(edge_config_add_client(&c, "a"));
    error = edge_config_check(&c);
    ck_assert_ptr_nonnull(error);
    free(error);
    ck_assert_ptr_null(edge_config_add_pair(&c, "vlan:3@a/vlan:4@b"));
    edge_config_destroy(&c);
}
END_TEST

/* Nothing learned: the VM's first traffic teaches both entries. */
START_TEST(test_learn)
{
    size_t from;

    ck_assert_int_eq(check_packet(1, "10.0.0.1", gw, &from), EDGE_LEARN);
    edge_table_learn(&table, ip("10.0.0.1"), 1, 0);
    ck_assert_ptr_nonnull(edge_table_find_fwd(&table, ip("10.0.0.1")));
    ck_assert_ptr_nonnull(edge_table_find_rev(&table, 1, ip("10.0.0.1")));
    ck_assert_ptr_null(edge_table_find_rev(&table, 2, ip("10.0.0.1")));
}
END_TEST

/* Both entries on VLAN 1, a packet from VLAN 2: flip (S4.2). */
START_TEST(test_both_present)
{
    size_t from;

    edge_table_learn(&table, ip("10.0.0.1"), 1, 0);
    ck_assert_int_eq(check_packet(2, "10.0.0.1", gw, &from), EDGE_FLIP);
    ck_assert_uint_eq(from, 1);
    edge_table_flip(&table, ip("10.0.0.1"), 1, 2, 5);

    const struct edge_fwd *f = edge_table_find_fwd(&table, ip("10.0.0.1"));
    ck_assert_uint_eq(f->vpn, 2);
    ck_assert_uint_eq(f->n_flips, 1);
    ck_assert_ptr_null(edge_table_find_rev(&table, 1, ip("10.0.0.1")));
    ck_assert_ptr_nonnull(edge_table_find_rev(&table, 2, ip("10.0.0.1")));

    /* A late packet from dc1, right after: no flip back. */
    now = 5 + 1999;
    ck_assert_int_eq(check_packet(1, "10.0.0.1", gw, &from), EDGE_TOO_SOON);
    ck_assert_uint_eq(edge_table_find_fwd(&table, ip("10.0.0.1"))->vpn, 2);

    /* And back, dc2 -> dc1, once the hold is over. */
    now = 5 + 2000;
    ck_assert_int_eq(check_packet(1, "10.0.0.1", gw, &from), EDGE_FLIP);
    ck_assert_uint_eq(from, 2);
}
END_TEST

/* One of the two entries only: nothing changes. */
START_TEST(test_one_missing)
{
    size_t from;

    edge_table_learn(&table, ip("10.0.0.1"), 1, 0);
    struct edge_rev *r = edge_table_find_rev(&table, 1, ip("10.0.0.1"));
    hmap_remove(&table.rev, &r->node);
    free(r);
    ck_assert_int_eq(check_packet(2, "10.0.0.1", gw, &from), EDGE_PARTIAL);

    /* Entry (2) without entry (1). */
    edge_table_forget(&table, ip("10.0.0.1"));
    edge_table_learn(&table, ip("10.0.0.9"), 1, 0);
    struct edge_fwd *f = edge_table_find_fwd(&table, ip("10.0.0.9"));
    hmap_remove(&table.fwd, &f->node);
    free(f);
    ck_assert_int_eq(check_packet(2, "10.0.0.9", gw, &from), EDGE_PARTIAL);
}
END_TEST

/* The wrong VLAN: a packet from no configured VPN, or from a VPN that is
 * not the partner of the one the address is on. */
START_TEST(test_wrong_vlan)
{
    size_t from;

    edge_table_learn(&table, ip("10.0.0.1"), 1, 0);
    ck_assert_int_eq(check_packet(0, "10.0.0.1", gw, &from), EDGE_NOT_VPN);
    ck_assert_int_eq(check_packet(7, "10.0.0.1", gw, &from), EDGE_NOT_VPN);
    ck_assert_int_eq(check_packet(4, "10.0.0.1", gw, &from), EDGE_PARTIAL);
    ck_assert_int_eq(check_packet(3, "10.0.0.1", gw, &from), EDGE_PARTIAL);
    ck_assert_uint_eq(edge_table_find_fwd(&table, ip("10.0.0.1"))->vpn, 1);
}
END_TEST

/* A spoofed source: from a MAC that is not the gateway's, or not a host
 * address. */
START_TEST(test_spoofed_source)
{
    const struct eth_addr other = ETH_ADDR_C(52, 54, 00, 66, 66, 66);
    size_t from;

    edge_table_learn(&table, ip("10.0.0.1"), 1, 0);
    ck_assert_int_eq(check_packet(2, "10.0.0.1", other, &from),
                     EDGE_NOT_GATEWAY);
    ck_assert_int_eq(check_packet(2, "0.0.0.0", gw, &from), EDGE_NOT_HOST);
    ck_assert_int_eq(check_packet(2, "224.0.0.1", gw, &from),
                     EDGE_NOT_HOST);
    ck_assert_int_eq(check_packet(2, "255.255.255.255", gw, &from),
                     EDGE_NOT_HOST);
    ck_assert_int_eq(check_packet(2, "127.0.0.1", gw, &from),
                     EDGE_NOT_HOST);
    ck_assert_uint_eq(edge_table_find_fwd(&table, ip("10.0.0.1"))->vpn, 1);

    /* Without a configured gateway MAC, any source may. */
    cfg.has_gateway_mac = false;
    ck_assert_int_eq(check_packet(2, "10.0.0.1", other, &from), EDGE_FLIP);
}
END_TEST

/* Several pairs: each address flips within its own pair. */
START_TEST(test_several_pairs)
{
    size_t from;

    edge_table_learn(&table, ip("10.0.0.1"), 1, 0);
    edge_table_learn(&table, ip("10.1.0.7"), 3, 0);
    ck_assert_int_eq(check_packet(4, "10.1.0.7", gw, &from), EDGE_FLIP);
    ck_assert_uint_eq(from, 3);
    edge_table_flip(&table, ip("10.1.0.7"), 3, 4, now);
    ck_assert_int_eq(check_packet(2, "10.1.0.7", gw, &from), EDGE_PARTIAL);
    ck_assert_int_eq(check_packet(2, "10.0.0.1", gw, &from), EDGE_FLIP);
    ck_assert_uint_eq(from, 1);
}
END_TEST

/* S4.4 with tunnel keys: VNI 5002 replaced by VNI 5001. */
START_TEST(test_vni_substitution)
{
    size_t from;

    edge_table_learn(&table, ip("10.2.3.4"), 5, 0);
    ck_assert_int_eq(check_packet(6, "10.2.3.4", gw, &from), EDGE_FLIP);
    ck_assert_uint_eq(from, 5);
    ck_assert_int_eq(check_packet(2, "10.2.3.4", gw, &from), EDGE_PARTIAL);
}
END_TEST

/* Ten thousand addresses: each one still found, and only its own. */
START_TEST(test_many)
{
    size_t from;

    for (uint32_t i = 1; i <= 10000; i++) {
        edge_table_learn(&table, htonl(0x0a000000 | i), 1 + (i & 1) * 2, 0);
    }
    ck_assert_uint_eq(hmap_count(&table.fwd), 10000);
    ck_assert_uint_eq(hmap_count(&table.rev), 10000);
    struct edge_packet p = { .vpn = 2, .src_mac = gw,
                             .src_ip = htonl(0x0a000000 | 4242) };
    ck_assert_int_eq(edge_check(&cfg, &table, &p, &from), EDGE_FLIP);
    p.src_ip = htonl(0x0a000000 | 4243);
    ck_assert_int_eq(edge_check(&cfg, &table, &p, &from), EDGE_PARTIAL);
}
END_TEST

static Suite *
edge_suite(void)
{
    Suite *s = suite_create("edge");
    TCase *tc = tcase_create("edge");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_config);
    tcase_add_test(tc, test_config_errors);
    tcase_add_test(tc, test_learn);
    tcase_add_test(tc, test_both_present);
    tcase_add_test(tc, test_one_missing);
    tcase_add_test(tc, test_wrong_vlan);
    tcase_add_test(tc, test_spoofed_source);
    tcase_add_test(tc, test_several_pairs);
    tcase_add_test(tc, test_vni_substitution);
    tcase_add_test(tc, test_many);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(edge_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
