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

/* Unit tests of roamd/core/dpgate.c: reading a gate's counters from the output
 * of "ovs-appctl roam/gate-show --json".  tests/switch/gate.sh checks that
 * output against a running ovs-vswitchd. */

#include <config.h>

#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "roamd/core/dpgate.h"

static const char *reply =
    "{\"bytes_held\":120,\"gates\":["
    "{\"age_ms\":15,\"delivered\":0,\"diverted\":0,\"dropped_cap\":1,"
    "\"dropped_expired\":0,\"dropped_full\":2,\"held\":4,\"id\":\"0x52\","
    "\"passed\":0,\"queued\":2,\"released_other\":0,\"state\":\"closed\"},"
    "{\"age_ms\":812,\"delivered\":3,\"diverted\":0,\"dropped_cap\":0,"
    "\"dropped_expired\":0,\"dropped_full\":0,\"held\":5,"
    "\"id\":\"0xabcd00000001\",\"opened_after_ms\":640,\"passed\":9,"
    "\"queued\":0,\"released_other\":2,\"state\":\"open\"}],"
    "\"max_bytes\":67108864}";

START_TEST(test_finds_each_gate)
{
    struct dpgate_stats s;

    ck_assert_int_eq(dpgate_parse(reply, 0x52, &s), 0);
    ck_assert(!s.open);
    ck_assert_uint_eq(s.queued, 2);
    ck_assert_uint_eq(s.held, 4);
    ck_assert_uint_eq(s.dropped, 3);

    ck_assert_int_eq(dpgate_parse(reply, 0xabcd00000001ULL, &s), 0);
    ck_assert(s.open);
    ck_assert_uint_eq(s.held, 5);
    ck_assert_uint_eq(s.delivered, 3);
    ck_assert_uint_eq(s.released_other, 2);
    ck_assert_uint_eq(s.passed, 9);
}
END_TEST

START_TEST(test_missing_and_malformed)
{
    struct dpgate_stats s;

    /* 0x5 is not 0x52. */
    ck_assert_int_eq(dpgate_parse(reply, 0x5, &s), ENOENT);
    ck_assert_int_eq(dpgate_parse("{\"gates\":[]}", 0x52, &s), ENOENT);
    /* Not JSON, not an object, no gates, a gate without its id, a count
     * that is not a number, a negative count, an unknown state. */
    ck_assert_int_eq(dpgate_parse("gate 0x52: closed", 0x52, &s), EPROTO);
    ck_assert_int_eq(dpgate_parse("[1]", 0x52, &s), EPROTO);
    ck_assert_int_eq(dpgate_parse("{\"gate\":[]}", 0x52, &s), EPROTO);
    ck_assert_int_eq(dpgate_parse("{\"gates\":[{\"held\":1}]}", 0x52, &s),
                     EPROTO);
    ck_assert_int_eq(dpgate_parse(
        "{\"gates\":[{\"id\":\"0x52\",\"state\":\"open\",\"queued\":\"x\"}]}",
        0x52, &s), EPROTO);
    ck_assert_int_eq(dpgate_parse(
        "{\"gates\":[{\"id\":\"0x52\",\"state\":\"open\",\"queued\":-1,"
        "\"held\":0,\"delivered\":0,\"released_other\":0,\"passed\":0,"
        "\"diverted\":0,\"dropped_full\":0,\"dropped_cap\":0,"
        "\"dropped_expired\":0}]}", 0x52, &s), EPROTO);
    ck_assert_int_eq(dpgate_parse(
        "{\"gates\":[{\"id\":\"0x52\",\"state\":\"ajar\",\"queued\":0,"
        "\"held\":0,\"delivered\":0,\"released_other\":0,\"passed\":0,"
        "\"diverted\":0,\"dropped_full\":0,\"dropped_cap\":0,"
        "\"dropped_expired\":0}]}", 0x52, &s), EPROTO);
}
END_TEST

static Suite *
dpgate_suite(void)
{
    Suite *s = suite_create("dpgate");
    TCase *tc = tcase_create("parse");

    tcase_add_test(tc, test_finds_each_gate);
    tcase_add_test(tc, test_missing_and_malformed);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(dpgate_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
