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

/* Unit tests for lib/pseudo-id.c: the location-dependent pseudo MAC and
 * pseudo IPv4 codec. */

#include "pseudo-id.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(A) (sizeof (A) / sizeof (A)[0])

/* ck_assert_*() records the location of every check that passes, which is
 * slow in the hot loops below, most of all under valgrind.  These report
 * only failures, with both values. */
#define FAST_INT_EQ(A, B)                                               \
    do {                                                                \
        intmax_t a_ = (A), b_ = (B);                                    \
                                                                        \
        if (a_ != b_) {                                                 \
            ck_abort_msg("Assertion '%s == %s' failed: %jd != %jd",     \
                         #A, #B, a_, b_);                               \
        }                                                               \
    } while (0)
#define FAST_UINT_EQ(A, B)                                              \
    do {                                                                \
        uintmax_t a_ = (A), b_ = (B);                                   \
                                                                        \
        if (a_ != b_) {                                                 \
            ck_abort_msg("Assertion '%s == %s' failed: %ju != %ju",     \
                         #A, #B, a_, b_);                               \
        }                                                               \
    } while (0)
#define FAST_ASSERT(EXPR)                                               \
    do {                                                                \
        if (!(EXPR)) {                                                  \
            ck_abort_msg("Assertion '%s' failed", #EXPR);               \
        }                                                               \
    } while (0)

/* Helpers. */

/* Returns the IPv4 address 's' in network byte order. */
static uint32_t
ip_of(const char *s)
{
    struct in_addr addr;

    ck_assert_msg(inet_pton(AF_INET, s, &addr) == 1, "bad address %s", s);
    return addr.s_addr;
}

static struct pseudo_id_layout
make_layout(const char *prefix, unsigned int prefix_len, uint8_t mac_prefix,
            unsigned int dc, unsigned int pod, unsigned int host,
            unsigned int vm)
{
    struct pseudo_id_layout l;

    memset(&l, 0, sizeof l);
    l.ip_prefix = ip_of(prefix);
    l.ip_prefix_len = prefix_len;
    l.mac_prefix = mac_prefix;
    l.dc_bits = dc;
    l.pod_bits = pod;
    l.host_bits = host;
    l.vm_bits = vm;
    return l;
}

static struct pseudo_id
make_id(uint32_t dc, uint32_t pod, uint32_t host, uint32_t vm)
{
    struct pseudo_id id;

    id.dc = dc;
    id.pod = pod;
    id.host = host;
    id.vm = vm;
    return id;
}

static unsigned int
total_bits(const struct pseudo_id_layout *l)
{
    return l->dc_bits + l->pod_bits + l->host_bits + l->vm_bits;
}

static uint32_t
field_max(unsigned int bits)
{
    return (UINT32_C(1) << bits) - 1;
}

static void
format_mac(const uint8_t mac[6], char s[18])
{
    snprintf(s, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
             mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static void
format_ip(uint32_t ip, char s[INET_ADDRSTRLEN])
{
    inet_ntop(AF_INET, &ip, s, INET_ADDRSTRLEN);
}

static void
assert_id_eq(const struct pseudo_id *a, const struct pseudo_id *b)
{
    FAST_UINT_EQ(a->dc, b->dc);
    FAST_UINT_EQ(a->pod, b->pod);
    FAST_UINT_EQ(a->host, b->host);
    FAST_UINT_EQ(a->vm, b->vm);
}

/* A reference encoder written independently of the library: it places each
 * field at its bit offset in the IPv4 address, and builds the MAC one bit at
 * a time, most significant field bit first, right after the prefix octet. */
static void
ref_encode(const struct pseudo_id_layout *l, const struct pseudo_id *id,
           uint8_t mac[6], uint32_t *ip)
{
    const uint32_t values[4] = { id->dc, id->pod, id->host, id->vm };
    const unsigned int widths[4] = { l->dc_bits, l->pod_bits, l->host_bits,
                                     l->vm_bits };
    unsigned int vm_pos = 0;
    unsigned int host_pos = vm_pos + l->vm_bits;
    unsigned int pod_pos = host_pos + l->host_bits;
    unsigned int dc_pos = pod_pos + l->pod_bits;
    unsigned int macbit = 8;
    int f, b;

    *ip = htonl(ntohl(l->ip_prefix) | id->dc << dc_pos | id->pod << pod_pos
                | id->host << host_pos | id->vm << vm_pos);

    memset(mac, 0, 6);
    mac[0] = l->mac_prefix;
    for (f = 0; f < 4; f++) {
        for (b = widths[f] - 1; b >= 0; b--, macbit++) {
            if (values[f] & (UINT32_C(1) << b)) {
                mac[macbit / 8] |= 0x80 >> (macbit % 8);
            }
        }
    }
}

/* Encodes 'id', checks the result against ref_encode(), decodes both the IP
 * and the MAC and checks that they give 'id' back. */
static void
check_round_trip(const struct pseudo_id_layout *l, const struct pseudo_id *id)
{
    uint8_t mac[6], ref_mac[6];
    uint32_t ip, ref_ip;
    struct pseudo_id back;
    char s1[32], s2[32];

    FAST_INT_EQ(pseudo_id_encode(l, id, mac, &ip), 0);
    ref_encode(l, id, ref_mac, &ref_ip);
    if (ip != ref_ip) {
        format_ip(ip, s1);
        format_ip(ref_ip, s2);
        ck_abort_msg("dc=%u pod=%u host=%u vm=%u: ip %s != %s",
                     id->dc, id->pod, id->host, id->vm, s1, s2);
    }
    if (memcmp(mac, ref_mac, 6)) {
        format_mac(mac, s1);
        format_mac(ref_mac, s2);
        ck_abort_msg("dc=%u pod=%u host=%u vm=%u: mac %s != %s",
                     id->dc, id->pod, id->host, id->vm, s1, s2);
    }

    memset(&back, 0xa5, sizeof back);
    FAST_INT_EQ(pseudo_id_decode_ip(l, ip, &back), 0);
    assert_id_eq(&back, id);
    memset(&back, 0xa5, sizeof back);
    FAST_INT_EQ(pseudo_id_decode_mac(l, mac, &back), 0);
    assert_id_eq(&back, id);
}

/* Layouts that pseudo_id_layout_check() must accept. */
static struct pseudo_id_layout
good_layout(int i)
{
    switch (i) {
    case 0:                     /* The default, spelled out. */
        return make_layout("100.64.0.0", 10, 0x0a, 4, 6, 6, 6);
    case 1:                     /* Smallest fields, wide slack. */
        return make_layout("10.0.0.0", 8, 0x02, 1, 1, 1, 2);
    case 2:                     /* Fields fill all 24 bits: no slack. */
        return make_layout("10.0.0.0", 8, 0xfe, 8, 6, 4, 6);
    case 3:                     /* /24, tiny fields, one slack bit. */
        return make_layout("192.168.7.0", 24, 0x06, 1, 1, 2, 3);
    case 4:                     /* /24, fields exactly 8 bits. */
        return make_layout("192.168.7.0", 24, 0x06, 2, 2, 2, 2);
    case 5:                     /* The widest: 31 bits after a /1. */
        return make_layout("128.0.0.0", 1, 0xfe, 16, 1, 1, 13);
    case 6:                     /* 16-bit VM index. */
        return make_layout("10.0.0.0", 8, 0x0e, 1, 1, 1, 16);
    case 7:                     /* 16-bit DC, exactly 20 bits after /12. */
        return make_layout("172.16.0.0", 12, 0x2a, 16, 1, 1, 2);
    case 8:                     /* All-zero prefix. */
        return make_layout("0.0.0.0", 2, 0x02, 3, 3, 3, 3);
    case 9:                     /* 16-bit pod, 31 bits. */
        return make_layout("128.0.0.0", 1, 0x42, 1, 16, 12, 2);
    case 10:                    /* 16-bit host, 31 bits. */
        return make_layout("0.0.0.0", 1, 0xfa, 2, 2, 16, 11);
    }
    ck_abort_msg("no layout %d", i);
    return make_layout("0.0.0.0", 0, 0, 0, 0, 0, 0);
}
#define N_GOOD_LAYOUTS 11

/* Tests. */

START_TEST(test_default_layout)
{
    struct pseudo_id_layout l, ref = good_layout(0);
    char buf[128];

    memset(&l, 0xa5, sizeof l);
    pseudo_id_layout_default(&l);
    ck_assert_uint_eq(l.ip_prefix, ref.ip_prefix);
    ck_assert_uint_eq(l.ip_prefix_len, 10);
    ck_assert_uint_eq(l.mac_prefix, 0x0a);
    ck_assert_uint_eq(l.dc_bits, 4);
    ck_assert_uint_eq(l.pod_bits, 6);
    ck_assert_uint_eq(l.host_bits, 6);
    ck_assert_uint_eq(l.vm_bits, 6);
    ck_assert_int_eq(pseudo_id_layout_check(&l), 0);

    ck_assert_uint_eq(pseudo_id_layout_format(&l, buf, sizeof buf), 46);
    ck_assert_str_eq(buf, "ip=100.64.0.0/10,mac=0a,dc=4,pod=6,host=6,vm=6");
}
END_TEST

/* Vectors computed by hand (and with a separate script), not by the code
 * under test. */
START_TEST(test_known_vectors)
{
    static const struct {
        int layout;
        uint32_t dc, pod, host, vm;
        const char *ip;
        uint8_t mac[6];
    } v[] = {
        { 0, 1, 2, 3, 4, "100.68.32.196",
          { 0x0a, 0x10, 0x83, 0x10, 0x00, 0x00 } },
        { 0, 15, 63, 63, 62, "100.127.255.254",
          { 0x0a, 0xff, 0xff, 0xf8, 0x00, 0x00 } },
        { 0, 0, 0, 0, 1, "100.64.0.1",
          { 0x0a, 0x00, 0x00, 0x04, 0x00, 0x00 } },
        { 1, 1, 0, 1, 2, "10.0.0.22",
          { 0x02, 0xb0, 0x00, 0x00, 0x00, 0x00 } },
        { 5, 0xabcd, 1, 0, 0x1234, "213.230.210.52",
          { 0xfe, 0xab, 0xcd, 0xa4, 0x68, 0x00 } },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(v); i++) {
        struct pseudo_id_layout l = good_layout(v[i].layout);
        struct pseudo_id id = make_id(v[i].dc, v[i].pod, v[i].host, v[i].vm);
        struct pseudo_id back;
        uint8_t mac[6];
        uint32_t ip;
        char s[32];

        ck_assert_int_eq(pseudo_id_encode(&l, &id, mac, &ip), 0);
        format_ip(ip, s);
        ck_assert_str_eq(s, v[i].ip);
        ck_assert_mem_eq(mac, v[i].mac, 6);

        ck_assert_int_eq(pseudo_id_decode_ip(&l, ip_of(v[i].ip), &back), 0);
        assert_id_eq(&back, &id);
        ck_assert_int_eq(pseudo_id_decode_mac(&l, v[i].mac, &back), 0);
        assert_id_eq(&back, &id);
    }
}
END_TEST

/* Round trips, for every good layout, of every combination of interesting
 * values of each field. */
START_TEST(test_round_trip_layouts)
{
    struct pseudo_id_layout l = good_layout(_i);
    uint32_t dcs[4], pods[4], hosts[4], vms[4];
    int a, b, c, d;

    ck_assert_int_eq(pseudo_id_layout_check(&l), 0);

    dcs[0] = 0;
    dcs[1] = 1;
    dcs[2] = field_max(l.dc_bits) / 2;
    dcs[3] = field_max(l.dc_bits);
    pods[0] = 0;
    pods[1] = 1;
    pods[2] = field_max(l.pod_bits) / 2;
    pods[3] = field_max(l.pod_bits);
    hosts[0] = 0;
    hosts[1] = 1;
    hosts[2] = field_max(l.host_bits) / 2;
    hosts[3] = field_max(l.host_bits);
    vms[0] = 1;
    vms[1] = 2 <= field_max(l.vm_bits) - 1 ? 2 : 1;
    vms[2] = field_max(l.vm_bits) / 2;
    vms[3] = field_max(l.vm_bits) - 1;

    for (a = 0; a < 4; a++) {
        for (b = 0; b < 4; b++) {
            for (c = 0; c < 4; c++) {
                for (d = 0; d < 4; d++) {
                    struct pseudo_id id = make_id(dcs[a], pods[b], hosts[c],
                                                  vms[d]);

                    check_round_trip(&l, &id);
                }
            }
        }
    }
}
END_TEST

/* The addresses land where the header's picture says. */
START_TEST(test_encode_shape)
{
    struct pseudo_id_layout l = good_layout(_i);
    struct pseudo_id id = make_id(field_max(l.dc_bits), field_max(l.pod_bits),
                                  field_max(l.host_bits),
                                  field_max(l.vm_bits) - 1);
    unsigned int bits = total_bits(&l);
    uint32_t mask = l.ip_prefix_len ? ~UINT32_C(0) << (32 - l.ip_prefix_len)
                                    : 0;
    uint64_t m = 0;
    uint8_t mac[6];
    uint32_t ip;
    int i;

    ck_assert_int_eq(pseudo_id_encode(&l, &id, mac, &ip), 0);

    /* IP: the prefix, then zero slack, then the fields. */
    ck_assert_uint_eq(ntohl(ip) & mask, ntohl(l.ip_prefix));
    ck_assert_uint_eq((ntohl(ip) & ~mask) >> bits, 0);
    ck_assert_uint_eq(ntohl(ip) & 1, 0);   /* The VM index is max - 1. */

    /* MAC: the prefix octet, then all-ones fields (but the VM LSB), then
     * zeros. */
    ck_assert_uint_eq(mac[0], l.mac_prefix);
    for (i = 1; i < 6; i++) {
        m = (m << 8) | mac[i];
    }
    ck_assert_uint_eq(m >> (40 - bits),
                      ((UINT64_C(1) << bits) - 1) & ~UINT64_C(1));
    ck_assert_uint_eq(m & ((UINT64_C(1) << (40 - bits)) - 1), 0);

    /* Either output may be omitted. */
    memset(mac, 0, sizeof mac);
    ck_assert_int_eq(pseudo_id_encode(&l, &id, mac, NULL), 0);
    ck_assert_uint_eq(mac[0], l.mac_prefix);
    ip = 0;
    ck_assert_int_eq(pseudo_id_encode(&l, &id, NULL, &ip), 0);
    ck_assert_uint_ne(ip, 0);
    ck_assert_int_eq(pseudo_id_encode(&l, &id, NULL, NULL), 0);
}
END_TEST

/* Asserts that 'id' is out of range for 'l' everywhere: check and encode
 * report ERANGE, and encode stores nothing. */
static void
assert_erange(const struct pseudo_id_layout *l, struct pseudo_id id)
{
    uint8_t mac[6];
    uint32_t ip = 0x12345678;
    int i;

    memset(mac, 0x5a, sizeof mac);
    ck_assert_msg(pseudo_id_check(l, &id) == ERANGE,
                  "dc=%u pod=%u host=%u vm=%u accepted",
                  id.dc, id.pod, id.host, id.vm);
    ck_assert_int_eq(pseudo_id_encode(l, &id, mac, &ip), ERANGE);
    ck_assert_uint_eq(ip, 0x12345678);
    for (i = 0; i < 6; i++) {
        ck_assert_uint_eq(mac[i], 0x5a);
    }
}

START_TEST(test_field_edges)
{
    struct pseudo_id_layout l = good_layout(_i);
    uint32_t dmax = field_max(l.dc_bits);
    uint32_t pmax = field_max(l.pod_bits);
    uint32_t hmax = field_max(l.host_bits);
    uint32_t vmax = field_max(l.vm_bits);
    struct pseudo_id id;

    /* Each field at 0 and at its maximum is fine. */
    id = make_id(0, 0, 0, 1);
    check_round_trip(&l, &id);
    id = make_id(dmax, 0, 0, 1);
    check_round_trip(&l, &id);
    id = make_id(0, pmax, 0, 1);
    check_round_trip(&l, &id);
    id = make_id(0, 0, hmax, 1);
    check_round_trip(&l, &id);
    id = make_id(0, 0, 0, vmax - 1);
    check_round_trip(&l, &id);
    id = make_id(dmax, pmax, hmax, vmax - 1);
    check_round_trip(&l, &id);

    /* One more than the maximum, or far more, is ERANGE. */
    assert_erange(&l, make_id(dmax + 1, 0, 0, 1));
    assert_erange(&l, make_id(UINT32_MAX, 0, 0, 1));
    assert_erange(&l, make_id(0, pmax + 1, 0, 1));
    assert_erange(&l, make_id(0, UINT32_MAX, 0, 1));
    assert_erange(&l, make_id(0, 0, hmax + 1, 1));
    assert_erange(&l, make_id(0, 0, UINT32_MAX, 1));
    assert_erange(&l, make_id(0, 0, 0, vmax + 1));
    assert_erange(&l, make_id(0, 0, 0, UINT32_MAX));

    /* VM index 0 and all-ones are reserved. */
    assert_erange(&l, make_id(0, 0, 0, 0));
    assert_erange(&l, make_id(1, 0, 0, vmax));
    assert_erange(&l, make_id(dmax, pmax, hmax, vmax));
}
END_TEST

/* Decoding an address whose VM index is reserved is ERANGE. */
START_TEST(test_decode_reserved_vm)
{
    struct pseudo_id_layout l = good_layout(_i);
    struct pseudo_id id = make_id(1, 1, 1, 1);
    struct pseudo_id back;
    uint8_t mac[6];
    uint32_t ip;
    unsigned int shift = 40 - total_bits(&l);
    uint64_t m = 0;
    uint64_t vm_mask;
    int i;

    ck_assert_int_eq(pseudo_id_encode(&l, &id, mac, &ip), 0);

    /* VM index 0. */
    ck_assert_int_eq(pseudo_id_decode_ip(&l, ip & ~htonl(1), &back), ERANGE);
    /* VM index all-ones. */
    ck_assert_int_eq(pseudo_id_decode_ip(&l, ip | htonl(field_max(l.vm_bits)),
                                         &back), ERANGE);

    for (i = 1; i < 6; i++) {
        m = (m << 8) | mac[i];
    }
    vm_mask = (uint64_t) field_max(l.vm_bits) << shift;
    for (i = 0; i < 2; i++) {
        uint64_t x = i ? m | vm_mask : m & ~vm_mask;
        uint8_t bad[6];
        int j;

        bad[0] = mac[0];
        for (j = 5; j >= 1; j--) {
            bad[j] = x & 0xff;
            x >>= 8;
        }
        ck_assert_int_eq(pseudo_id_decode_mac(&l, bad, &back), ERANGE);
    }
}
END_TEST

/* Layouts that must be rejected. */
START_TEST(test_bad_layouts)
{
    struct pseudo_id_layout bad[32];
    struct pseudo_id id = make_id(0, 0, 0, 1);
    struct pseudo_id back;
    uint8_t mac[6] = { 0x0a, 0, 0, 0x04, 0, 0 };
    uint8_t mask6[6];
    uint32_t ip, mask;
    size_t n = 0;
    size_t i;

    /* Prefix length. */
    bad[n] = good_layout(0);
    bad[n++].ip_prefix_len = 0;
    bad[n] = good_layout(0);
    bad[n++].ip_prefix_len = 25;
    bad[n] = good_layout(0);
    bad[n++].ip_prefix_len = 32;
    bad[n] = good_layout(0);
    bad[n++].ip_prefix_len = 33;

    /* Prefix with host bits set. */
    bad[n++] = make_layout("100.65.0.0", 10, 0x0a, 4, 6, 6, 6);
    bad[n++] = make_layout("100.64.0.1", 10, 0x0a, 4, 6, 6, 6);
    bad[n++] = make_layout("192.168.7.128", 24, 0x06, 1, 1, 2, 3);

    /* MAC prefix: multicast, or not locally administered. */
    bad[n++] = make_layout("100.64.0.0", 10, 0x0b, 4, 6, 6, 6);
    bad[n++] = make_layout("100.64.0.0", 10, 0x03, 4, 6, 6, 6);
    bad[n++] = make_layout("100.64.0.0", 10, 0x08, 4, 6, 6, 6);
    bad[n++] = make_layout("100.64.0.0", 10, 0x00, 4, 6, 6, 6);
    bad[n++] = make_layout("100.64.0.0", 10, 0xff, 4, 6, 6, 6);
    bad[n++] = make_layout("100.64.0.0", 10, 0x01, 4, 6, 6, 6);

    /* Field widths: 0 or 17 bits, VM index 1 bit. */
    bad[n++] = make_layout("10.0.0.0", 8, 0x02, 0, 6, 6, 6);
    bad[n++] = make_layout("10.0.0.0", 8, 0x02, 4, 0, 6, 6);
    bad[n++] = make_layout("10.0.0.0", 8, 0x02, 4, 6, 0, 6);
    bad[n++] = make_layout("10.0.0.0", 8, 0x02, 4, 6, 6, 0);
    bad[n++] = make_layout("10.0.0.0", 8, 0x02, 4, 6, 6, 1);
    bad[n++] = make_layout("128.0.0.0", 1, 0x02, 17, 1, 1, 2);
    bad[n++] = make_layout("128.0.0.0", 1, 0x02, 1, 17, 1, 2);
    bad[n++] = make_layout("128.0.0.0", 1, 0x02, 1, 1, 17, 2);
    bad[n++] = make_layout("128.0.0.0", 1, 0x02, 1, 1, 1, 17);

    /* Absurd widths, which must not lead to undefined shifts. */
    bad[n++] = make_layout("128.0.0.0", 1, 0x02, 1, 1, 1, 32);
    bad[n++] = make_layout("128.0.0.0", 1, 0x02, 1, 1, 1, 40);
    bad[n++] = make_layout("128.0.0.0", 1, 0x02, 64, 1, 1, 2);

    /* Sum too wide for the IPv4 host part. */
    bad[n++] = make_layout("100.64.0.0", 10, 0x0a, 5, 6, 6, 6);
    bad[n++] = make_layout("192.168.7.0", 24, 0x06, 2, 2, 2, 3);
    bad[n++] = make_layout("128.0.0.0", 1, 0xfe, 16, 1, 1, 14);
    bad[n++] = make_layout("128.0.0.0", 1, 0xfe, 16, 16, 16, 16);
    ck_assert_uint_le(n, ARRAY_SIZE(bad));

    for (i = 0; i < n; i++) {
        const struct pseudo_id_layout *l = &bad[i];

        ck_assert_msg(pseudo_id_layout_check(l) == EINVAL,
                      "bad layout %zu accepted", i);
        ck_assert_int_eq(pseudo_id_check(l, &id), EINVAL);
        ck_assert_int_eq(pseudo_id_encode(l, &id, mac, &ip), EINVAL);
        ck_assert_int_eq(pseudo_id_decode_ip(l, ip_of("100.64.0.1"), &back),
                         EINVAL);
        ck_assert_int_eq(pseudo_id_decode_mac(l, mac, &back), EINVAL);
        ck_assert_int_eq(pseudo_id_prefix(l, &id, PSEUDO_ID_SCOPE_DC,
                                          &ip, &mask, mac, mask6), EINVAL);
    }
}
END_TEST

/* Decoding addresses that are not pseudo addresses of the layout. */
START_TEST(test_decode_invalid)
{
    struct pseudo_id_layout l = good_layout(_i);
    struct pseudo_id id = make_id(1, 0, field_max(l.host_bits), 1);
    unsigned int bits = total_bits(&l);
    unsigned int slack = 32 - l.ip_prefix_len - bits;
    struct pseudo_id back;
    uint8_t mac[6], bad[6];
    uint32_t ip, h;
    unsigned int i;

    ck_assert_int_eq(pseudo_id_encode(&l, &id, mac, &ip), 0);
    h = ntohl(ip);

    /* Outside the prefix: flip each prefix bit in turn. */
    for (i = 0; i < l.ip_prefix_len; i++) {
        uint32_t x = h ^ (UINT32_C(1) << (31 - i));

        ck_assert_msg(pseudo_id_decode_ip(&l, htonl(x), &back) == EINVAL,
                      "prefix bit %u flipped accepted", i);
    }

    /* Nonzero slack bits. */
    for (i = 0; i < slack; i++) {
        uint32_t x = h | (UINT32_C(1) << (bits + i));

        ck_assert_msg(pseudo_id_decode_ip(&l, htonl(x), &back) == EINVAL,
                      "slack bit %u set accepted", i);
    }

    /* Wrong MAC prefix octet, even a valid-looking one. */
    memcpy(bad, mac, 6);
    bad[0] ^= 0x04;
    ck_assert_int_eq(pseudo_id_decode_mac(&l, bad, &back), EINVAL);
    bad[0] = 0x00;
    ck_assert_int_eq(pseudo_id_decode_mac(&l, bad, &back), EINVAL);

    /* Nonzero trailing MAC bits, each in turn. */
    for (i = 0; i < 40 - bits; i++) {
        memcpy(bad, mac, 6);
        bad[5 - i / 8] |= 1u << (i % 8);
        ck_assert_msg(pseudo_id_decode_mac(&l, bad, &back) == EINVAL,
                      "trailing MAC bit %u set accepted", i);
    }

    /* The untouched addresses still decode. */
    ck_assert_int_eq(pseudo_id_decode_ip(&l, ip, &back), 0);
    assert_id_eq(&back, &id);
    ck_assert_int_eq(pseudo_id_decode_mac(&l, mac, &back), 0);
    assert_id_eq(&back, &id);
}
END_TEST

/* Every id of a /24 layout with tiny fields, and every address of its
 * prefix: encode is injective, decode inverts it, and nothing else in the
 * prefix decodes. */
START_TEST(test_exhaustive_small)
{
    struct pseudo_id_layout l = good_layout(3);   /* 1+1+2+3 bits in /24. */
    uint32_t base = ntohl(l.ip_prefix);
    bool ip_seen[256] = { false };
    bool mac_seen[256] = { false };
    unsigned int n_valid = 0, n_decoded = 0;
    uint32_t dc, pod, host, vm;
    unsigned int x;

    for (dc = 0; dc < 2; dc++) {
        for (pod = 0; pod < 2; pod++) {
            for (host = 0; host < 4; host++) {
                for (vm = 0; vm < 8; vm++) {
                    struct pseudo_id id = make_id(dc, pod, host, vm);
                    uint8_t mac[6];
                    uint32_t ip;
                    int error = pseudo_id_encode(&l, &id, mac, &ip);

                    if (vm == 0 || vm == 7) {
                        FAST_INT_EQ(error, ERANGE);
                        continue;
                    }
                    FAST_INT_EQ(error, 0);
                    n_valid++;
                    FAST_UINT_EQ(ntohl(ip) & ~0xffu, base);
                    ck_assert_msg(!ip_seen[ntohl(ip) & 0xff],
                                  "IP collision at %u", ntohl(ip) & 0xff);
                    ip_seen[ntohl(ip) & 0xff] = true;
                    FAST_UINT_EQ(mac[0], l.mac_prefix);
                    FAST_UINT_EQ(mac[2] | mac[3] | mac[4] | mac[5], 0);
                    ck_assert_msg(!mac_seen[mac[1]],
                                  "MAC collision at %02x", mac[1]);
                    mac_seen[mac[1]] = true;
                    check_round_trip(&l, &id);
                }
            }
        }
    }
    FAST_UINT_EQ(n_valid, 2 * 2 * 4 * 6);

    /* Every address of the /24. */
    for (x = 0; x < 256; x++) {
        struct pseudo_id back;
        int error = pseudo_id_decode_ip(&l, htonl(base | x), &back);

        if (x & 0x80) {
            FAST_INT_EQ(error, EINVAL);     /* Slack bit. */
        } else if ((x & 7) == 0 || (x & 7) == 7) {
            FAST_INT_EQ(error, ERANGE);     /* Reserved VM index. */
        } else {
            uint32_t ip;

            FAST_INT_EQ(error, 0);
            ck_assert_msg(ip_seen[x], "%u decodes but is never encoded", x);
            FAST_INT_EQ(pseudo_id_encode(&l, &back, NULL, &ip), 0);
            FAST_UINT_EQ(ntohl(ip), base | x);
            n_decoded++;
        }
    }
    FAST_UINT_EQ(n_decoded, n_valid);

    /* Every value of the MAC octet that holds the fields. */
    n_decoded = 0;
    for (x = 0; x < 256; x++) {
        uint8_t mac[6] = { l.mac_prefix, x, 0, 0, 0, 0 };
        struct pseudo_id back;
        int error = pseudo_id_decode_mac(&l, mac, &back);

        if (x & 1) {
            FAST_INT_EQ(error, EINVAL);     /* Trailing bit. */
        } else if (((x >> 1) & 7) == 0 || ((x >> 1) & 7) == 7) {
            FAST_INT_EQ(error, ERANGE);
        } else {
            FAST_INT_EQ(error, 0);
            FAST_ASSERT(mac_seen[x]);
            n_decoded++;
        }
    }
    FAST_UINT_EQ(n_decoded, n_valid);

    /* Neighbouring /24s are outside the prefix. */
    for (x = 0; x < 256; x++) {
        struct pseudo_id back;

        FAST_INT_EQ(pseudo_id_decode_ip(&l, htonl(base - 256 + x),
                                             &back), EINVAL);
        FAST_INT_EQ(pseudo_id_decode_ip(&l, htonl(base + 256 + x),
                                             &back), EINVAL);
    }
}
END_TEST

/* The same over a bigger layout: 10.0.0.0/16 with 2+3+4+5 bits (two slack
 * bits), every id and every one of the 2^16 addresses of the prefix. */
START_TEST(test_exhaustive_medium)
{
    struct pseudo_id_layout l = make_layout("10.0.0.0", 16, 0x02, 2, 3, 4, 5);
    uint32_t base = ntohl(l.ip_prefix);
    unsigned int n_valid = 0, n_decoded = 0;
    uint8_t *seen = calloc(1u << 14, 1);
    uint32_t dc, pod, host, vm, x;

    ck_assert_ptr_nonnull(seen);
    FAST_INT_EQ(pseudo_id_layout_check(&l), 0);
    for (dc = 0; dc < 4; dc++) {
        for (pod = 0; pod < 8; pod++) {
            for (host = 0; host < 16; host++) {
                for (vm = 1; vm < 31; vm++) {
                    struct pseudo_id id = make_id(dc, pod, host, vm);
                    struct pseudo_id back;
                    uint8_t mac[6];
                    uint32_t ip, low;

                    FAST_INT_EQ(pseudo_id_encode(&l, &id, mac, &ip), 0);
                    low = ntohl(ip) - base;
                    FAST_ASSERT(low < 1u << 14);
                    if (seen[low]) {
                        ck_abort_msg("IP collision at %u", low);
                    }
                    seen[low] = 1;
                    FAST_INT_EQ(pseudo_id_decode_ip(&l, ip, &back), 0);
                    assert_id_eq(&back, &id);
                    FAST_INT_EQ(pseudo_id_decode_mac(&l, mac, &back), 0);
                    assert_id_eq(&back, &id);
                    n_valid++;
                }
            }
        }
    }
    FAST_UINT_EQ(n_valid, 4 * 8 * 16 * 30);

    for (x = 0; x < (1u << 16); x++) {
        struct pseudo_id back;
        int error = pseudo_id_decode_ip(&l, htonl(base | x), &back);

        if (x >> 14) {
            FAST_INT_EQ(error, EINVAL);
        } else if ((x & 31) == 0 || (x & 31) == 31) {
            FAST_INT_EQ(error, ERANGE);
        } else {
            FAST_INT_EQ(error, 0);
            FAST_ASSERT(seen[x]);
            n_decoded++;
        }
    }
    FAST_UINT_EQ(n_decoded, n_valid);
    free(seen);
}
END_TEST

/* Two encodings of distinct ids never collide, on random ids of every good
 * layout (a deterministic generator keeps failures reproducible). */
static uint32_t
next_random(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

static struct pseudo_id
random_id(const struct pseudo_id_layout *l, uint32_t *state)
{
    struct pseudo_id id;

    id.dc = next_random(state) & field_max(l->dc_bits);
    id.pod = next_random(state) & field_max(l->pod_bits);
    id.host = next_random(state) & field_max(l->host_bits);
    id.vm = 1 + next_random(state) % (field_max(l->vm_bits) - 1);
    return id;
}

START_TEST(test_random_round_trip)
{
    struct pseudo_id_layout l = good_layout(_i);
    uint32_t state = 0x9e3779b9u + _i;
    int i;

    for (i = 0; i < 2000; i++) {
        struct pseudo_id a = random_id(&l, &state);
        struct pseudo_id b = random_id(&l, &state);
        uint8_t mac_a[6], mac_b[6];
        uint32_t ip_a, ip_b;

        check_round_trip(&l, &a);
        FAST_INT_EQ(pseudo_id_encode(&l, &a, mac_a, &ip_a), 0);
        FAST_INT_EQ(pseudo_id_encode(&l, &b, mac_b, &ip_b), 0);
        if (memcmp(&a, &b, sizeof a)) {
            FAST_ASSERT(ip_a != ip_b);
            FAST_ASSERT(memcmp(mac_a, mac_b, 6) != 0);
        } else {
            FAST_UINT_EQ(ip_a, ip_b);
        }
    }
}
END_TEST

/* Layout parsing and formatting. */

static void
assert_layout_eq(const struct pseudo_id_layout *a,
                 const struct pseudo_id_layout *b)
{
    ck_assert_uint_eq(a->ip_prefix, b->ip_prefix);
    ck_assert_uint_eq(a->ip_prefix_len, b->ip_prefix_len);
    ck_assert_uint_eq(a->mac_prefix, b->mac_prefix);
    ck_assert_uint_eq(a->dc_bits, b->dc_bits);
    ck_assert_uint_eq(a->pod_bits, b->pod_bits);
    ck_assert_uint_eq(a->host_bits, b->host_bits);
    ck_assert_uint_eq(a->vm_bits, b->vm_bits);
}

START_TEST(test_layout_format_parse)
{
    struct pseudo_id_layout l = good_layout(_i);
    struct pseudo_id_layout back;
    char buf[128];
    size_t n;

    n = pseudo_id_layout_format(&l, buf, sizeof buf);
    ck_assert_uint_eq(n, strlen(buf));
    memset(&back, 0xa5, sizeof back);
    ck_assert_msg(pseudo_id_layout_parse(&back, buf) == 0,
                  "\"%s\" rejected", buf);
    assert_layout_eq(&back, &l);
}
END_TEST

START_TEST(test_layout_format_exact)
{
    struct pseudo_id_layout l = good_layout(5);
    char buf[128], small[10];
    size_t n;

    n = pseudo_id_layout_format(&l, buf, sizeof buf);
    ck_assert_str_eq(buf, "ip=128.0.0.0/1,mac=fe,dc=16,pod=1,host=1,vm=13");
    ck_assert_uint_eq(n, strlen(buf));

    /* A short buffer gets a terminated prefix; the return value still
     * tells the full length, as snprintf() does. */
    memset(small, 'x', sizeof small);
    ck_assert_uint_eq(pseudo_id_layout_format(&l, small, sizeof small), n);
    ck_assert_str_eq(small, "ip=128.0.");
    ck_assert_uint_eq(pseudo_id_layout_format(&l, NULL, 0), n);
}
END_TEST

START_TEST(test_layout_parse_good)
{
    struct pseudo_id_layout l, def;

    pseudo_id_layout_default(&def);

    /* Nothing given: the default. */
    ck_assert_int_eq(pseudo_id_layout_parse(&l, ""), 0);
    assert_layout_eq(&l, &def);

    /* Keys in any order; missing keys keep the default. */
    ck_assert_int_eq(pseudo_id_layout_parse(&l, "vm=5,dc=5"), 0);
    ck_assert_uint_eq(l.dc_bits, 5);
    ck_assert_uint_eq(l.vm_bits, 5);
    ck_assert_uint_eq(l.pod_bits, 6);
    ck_assert_uint_eq(l.host_bits, 6);
    ck_assert_uint_eq(l.ip_prefix, def.ip_prefix);
    ck_assert_uint_eq(l.ip_prefix_len, 10);
    ck_assert_uint_eq(l.mac_prefix, 0x0a);

    ck_assert_int_eq(pseudo_id_layout_parse(
                         &l, "host=2,vm=3,pod=1,dc=1,mac=06,"
                         "ip=192.168.7.0/24"), 0);
    assert_layout_eq(&l, &(struct pseudo_id_layout) {
        .ip_prefix = ip_of("192.168.7.0"), .ip_prefix_len = 24,
        .mac_prefix = 0x06, .dc_bits = 1, .pod_bits = 1, .host_bits = 2,
        .vm_bits = 3 });

    /* MAC prefix in either case. */
    ck_assert_int_eq(pseudo_id_layout_parse(&l, "mac=FE"), 0);
    ck_assert_uint_eq(l.mac_prefix, 0xfe);
    ck_assert_int_eq(pseudo_id_layout_parse(&l, "mac=2a"), 0);
    ck_assert_uint_eq(l.mac_prefix, 0x2a);

    /* Numbers are decimal: a leading zero does not make them octal. */
    ck_assert_int_eq(pseudo_id_layout_parse(&l, "ip=10.0.0.0/010"), 0);
    ck_assert_uint_eq(l.ip_prefix_len, 10);
    ck_assert_int_eq(pseudo_id_layout_parse(&l, "dc=03,pod=010,host=02"), 0);
    ck_assert_uint_eq(l.dc_bits, 3);
    ck_assert_uint_eq(l.pod_bits, 10);
    ck_assert_uint_eq(l.host_bits, 2);
}
END_TEST

START_TEST(test_layout_parse_bad)
{
    static const char *const bad[] = {
        /* Unknown keys, missing '='. */
        "foo=1", "DC=4", "dc", "dc4", "dc=4,pod", "=4", "ip",
        "dc=4;pod=6",
        /* Bad numbers. */
        "dc=", "dc=x", "dc=4x", "dc=-1", "dc=-0", "dc=+4", "dc= 4",
        "dc=4 ", "dc=0x4", "dc=4294967300", "dc=99999999999999999999999",
        "dc=1.5",
        /* Bad MAC prefix. */
        "mac=0g", "mac=123", "mac=", "mac=a", "mac=-a", "mac=+a", "mac= a",
        "mac=a ", "mac=0x", "mac=0b", "mac=08", "mac=00", "mac=ff",
        /* Bad IPv4 prefix. */
        "ip=100.64.0.0", "ip=100.64.0.0/", "ip=100.64.0.0/-1",
        "ip=100.64.0.0/+10", "ip=100.64.0.0/33", "ip=100.64.0.0/25",
        "ip=100.64.0.0/0", "ip=100.64.0.1/10", "ip=300.0.0.0/8",
        "ip=100.64.0/10", "ip=::1/10", "ip=/10", "ip=100.64.0.0/10/1",
        "ip=100.64.0.0/1x",
        /* Valid syntax, bad layout. */
        "dc=0", "dc=17", "vm=1", "vm=32", "dc=5",
        "ip=192.168.7.0/24,dc=1,pod=1,host=2,vm=5",
    };
    char longer[300];
    size_t i;

    for (i = 0; i < ARRAY_SIZE(bad); i++) {
        struct pseudo_id_layout l;

        ck_assert_msg(pseudo_id_layout_parse(&l, bad[i]) == EINVAL,
                      "\"%s\" accepted", bad[i]);
    }

    /* Too long to be a layout. */
    memset(longer, 0, sizeof longer);
    strcpy(longer, "dc=4");
    while (strlen(longer) + 5 < sizeof longer - 1) {
        strcat(longer, ",dc=4");
    }
    {
        struct pseudo_id_layout l;

        ck_assert_int_eq(pseudo_id_layout_parse(&l, longer), EINVAL);
    }
}
END_TEST

/* Prefixes. */

static bool
ip_matches(uint32_t ip, uint32_t prefix, uint32_t mask)
{
    return (ip & mask) == prefix;
}

static bool
mac_matches(const uint8_t mac[6], const uint8_t prefix[6],
            const uint8_t mask[6])
{
    int i;

    for (i = 0; i < 6; i++) {
        if ((mac[i] & mask[i]) != prefix[i]) {
            return false;
        }
    }
    return true;
}

static unsigned int
keep_bits(const struct pseudo_id_layout *l, enum pseudo_id_scope scope)
{
    switch (scope) {
    case PSEUDO_ID_SCOPE_DC:
        return l->dc_bits;
    case PSEUDO_ID_SCOPE_POD:
        return l->dc_bits + l->pod_bits;
    case PSEUDO_ID_SCOPE_HOST:
        return l->dc_bits + l->pod_bits + l->host_bits;
    }
    ck_abort();
    return 0;
}

/* Checks the masks of a prefix: contiguous, of the right length, and with
 * the prefix itself inside them. */
static void
check_prefix_shape(const struct pseudo_id_layout *l,
                   enum pseudo_id_scope scope, uint32_t ip, uint32_t ip_mask,
                   const uint8_t mac[6], const uint8_t mac_mask[6])
{
    unsigned int ip_len = 32 - total_bits(l) + keep_bits(l, scope);
    unsigned int mac_len = 8 + keep_bits(l, scope);
    uint64_t m = 0, mm = 0;
    int i;

    ck_assert_uint_eq(ntohl(ip_mask),
                      (uint32_t) (~UINT64_C(0) << (32 - ip_len)));
    ck_assert_uint_eq(ip & ~ip_mask, 0);
    for (i = 0; i < 6; i++) {
        m = (m << 8) | mac[i];
        mm = (mm << 8) | mac_mask[i];
    }
    ck_assert_uint_eq(mm, (~UINT64_C(0) << (48 - mac_len))
                          & ((UINT64_C(1) << 48) - 1));
    ck_assert_uint_eq(m & ~mm, 0);
    ck_assert_uint_eq(mac[0], l->mac_prefix);
}

START_TEST(test_prefix_vectors)
{
    static const struct {
        enum pseudo_id_scope scope;
        uint32_t dc, pod, host;
        const char *ip, *mask;
        uint8_t mac[6], mac_mask[6];
    } v[] = {
        { PSEUDO_ID_SCOPE_DC, 5, 0, 0, "100.84.0.0", "255.252.0.0",
          { 0x0a, 0x50, 0, 0, 0, 0 }, { 0xff, 0xf0, 0, 0, 0, 0 } },
        { PSEUDO_ID_SCOPE_POD, 5, 63, 0, "100.87.240.0", "255.255.240.0",
          { 0x0a, 0x5f, 0xc0, 0, 0, 0 }, { 0xff, 0xff, 0xc0, 0, 0, 0 } },
        { PSEUDO_ID_SCOPE_HOST, 15, 0, 1, "100.124.0.64", "255.255.255.192",
          { 0x0a, 0xf0, 0x01, 0, 0, 0 }, { 0xff, 0xff, 0xff, 0, 0, 0 } },
    };
    struct pseudo_id_layout l = good_layout(0);
    size_t i;

    for (i = 0; i < ARRAY_SIZE(v); i++) {
        /* The VM index is ignored, even a reserved one. */
        struct pseudo_id id = make_id(v[i].dc, v[i].pod, v[i].host, 0);
        uint8_t mac[6], mac_mask[6];
        uint32_t ip, mask;
        char s[32];

        ck_assert_int_eq(pseudo_id_prefix(&l, &id, v[i].scope, &ip, &mask,
                                          mac, mac_mask), 0);
        format_ip(ip, s);
        ck_assert_str_eq(s, v[i].ip);
        format_ip(mask, s);
        ck_assert_str_eq(s, v[i].mask);
        ck_assert_mem_eq(mac, v[i].mac, 6);
        ck_assert_mem_eq(mac_mask, v[i].mac_mask, 6);
    }

    /* Tail fields are ignored: at DC scope an out-of-range pod and host do
     * not matter, and the result equals that of the zero fields. */
    {
        struct pseudo_id id = make_id(5, 1000, 1000, 1000);
        uint8_t mac[6], mac_mask[6];
        uint32_t ip, mask;

        ck_assert_int_eq(pseudo_id_prefix(&l, &id, PSEUDO_ID_SCOPE_DC, &ip,
                                          &mask, mac, mac_mask), 0);
        ck_assert_uint_eq(ip, ip_of("100.84.0.0"));
        ck_assert_uint_eq(mask, ip_of("255.252.0.0"));

        id = make_id(5, 7, 1000, 0);
        ck_assert_int_eq(pseudo_id_prefix(&l, &id, PSEUDO_ID_SCOPE_POD, &ip,
                                          &mask, mac, mac_mask), 0);
        ck_assert_uint_eq(ip, htonl(0x64400000 | 5 << 18 | 7 << 12));
    }

    /* A covered field out of range is ERANGE. */
    {
        struct pseudo_id id = make_id(16, 0, 0, 1);
        uint32_t ip;

        ck_assert_int_eq(pseudo_id_prefix(&l, &id, PSEUDO_ID_SCOPE_DC, &ip,
                                          NULL, NULL, NULL), ERANGE);
        id = make_id(1, 64, 0, 1);
        ck_assert_int_eq(pseudo_id_prefix(&l, &id, PSEUDO_ID_SCOPE_POD, &ip,
                                          NULL, NULL, NULL), ERANGE);
        id = make_id(1, 1, 64, 1);
        ck_assert_int_eq(pseudo_id_prefix(&l, &id, PSEUDO_ID_SCOPE_HOST, &ip,
                                          NULL, NULL, NULL), ERANGE);
    }

    /* All outputs are optional, each on its own. */
    {
        struct pseudo_id id = make_id(5, 63, 0, 0);
        uint8_t mac[6], mac_mask[6];
        uint32_t ip, mask;

        ck_assert_int_eq(pseudo_id_prefix(&l, &id, PSEUDO_ID_SCOPE_POD, NULL,
                                          NULL, NULL, NULL), 0);
        ck_assert_int_eq(pseudo_id_prefix(&l, &id, PSEUDO_ID_SCOPE_POD, NULL,
                                          &mask, NULL, NULL), 0);
        ck_assert_uint_eq(mask, ip_of("255.255.240.0"));
        ck_assert_int_eq(pseudo_id_prefix(&l, &id, PSEUDO_ID_SCOPE_POD, &ip,
                                          NULL, NULL, NULL), 0);
        ck_assert_uint_eq(ip, ip_of("100.87.240.0"));
        ck_assert_int_eq(pseudo_id_prefix(&l, &id, PSEUDO_ID_SCOPE_POD, NULL,
                                          NULL, mac, NULL), 0);
        ck_assert_mem_eq(mac, v[1].mac, 6);
        ck_assert_int_eq(pseudo_id_prefix(&l, &id, PSEUDO_ID_SCOPE_POD, NULL,
                                          NULL, NULL, mac_mask), 0);
        ck_assert_mem_eq(mac_mask, v[1].mac_mask, 6);
    }
}
END_TEST

/* For every good layout, scope and a set of ids: every address of the same
 * DC/pod/host matches the prefix, and addresses that differ in a covered
 * field do not. */
START_TEST(test_prefix_matches)
{
    static const enum pseudo_id_scope scopes[] = {
        PSEUDO_ID_SCOPE_DC, PSEUDO_ID_SCOPE_POD, PSEUDO_ID_SCOPE_HOST,
    };
    struct pseudo_id_layout l = good_layout(_i);
    uint32_t state = 12345 + _i;
    size_t s;
    int i, j;

    for (s = 0; s < ARRAY_SIZE(scopes); s++) {
        for (i = 0; i < 50; i++) {
            struct pseudo_id id = random_id(&l, &state);
            uint8_t pmac[6], pmask[6];
            uint32_t pip, pipmask;

            FAST_INT_EQ(pseudo_id_prefix(&l, &id, scopes[s], &pip,
                                              &pipmask, pmac, pmask), 0);
            check_prefix_shape(&l, scopes[s], pip, pipmask, pmac, pmask);

            for (j = 0; j < 40; j++) {
                struct pseudo_id other = random_id(&l, &state);
                uint8_t mac[6];
                uint32_t ip;
                bool same;

                /* Half the time, put 'other' in the same DC/pod/host. */
                if (j % 2) {
                    other.dc = id.dc;
                    if (scopes[s] >= PSEUDO_ID_SCOPE_POD) {
                        other.pod = id.pod;
                    }
                    if (scopes[s] >= PSEUDO_ID_SCOPE_HOST) {
                        other.host = id.host;
                    }
                }
                /* Every tenth time, only change the DC. */
                if (j % 10 == 0) {
                    other = id;
                    other.dc ^= 1;
                }
                same = (other.dc == id.dc
                        && (scopes[s] < PSEUDO_ID_SCOPE_POD
                            || other.pod == id.pod)
                        && (scopes[s] < PSEUDO_ID_SCOPE_HOST
                            || other.host == id.host));
                FAST_INT_EQ(pseudo_id_encode(&l, &other, mac, &ip), 0);
                FAST_INT_EQ(ip_matches(ip, pip, pipmask), same);
                FAST_INT_EQ(mac_matches(mac, pmac, pmask), same);
            }
        }
    }
}
END_TEST

/* Exhaustively on the small /24 layout: an address matches a prefix if and
 * only if its covered fields equal the prefix's. */
START_TEST(test_prefix_exhaustive)
{
    static const enum pseudo_id_scope scopes[] = {
        PSEUDO_ID_SCOPE_DC, PSEUDO_ID_SCOPE_POD, PSEUDO_ID_SCOPE_HOST,
    };
    struct pseudo_id_layout l = good_layout(3);
    size_t s;
    unsigned int p, q;

    for (s = 0; s < ARRAY_SIZE(scopes); s++) {
        for (p = 0; p < 16; p++) {
            struct pseudo_id pid = make_id(p >> 3, (p >> 2) & 1, p & 3, 0);
            uint8_t pmac[6], pmask[6];
            uint32_t pip, pipmask;
            unsigned int n_match = 0;

            FAST_INT_EQ(pseudo_id_prefix(&l, &pid, scopes[s], &pip,
                                              &pipmask, pmac, pmask), 0);
            check_prefix_shape(&l, scopes[s], pip, pipmask, pmac, pmask);
            for (q = 0; q < 16 * 8; q++) {
                struct pseudo_id id = make_id(q >> 6, (q >> 5) & 1,
                                              (q >> 3) & 3, q & 7);
                uint8_t mac[6];
                uint32_t ip;
                bool same;

                if (id.vm == 0 || id.vm == 7) {
                    continue;
                }
                same = (id.dc == pid.dc
                        && (scopes[s] < PSEUDO_ID_SCOPE_POD
                            || id.pod == pid.pod)
                        && (scopes[s] < PSEUDO_ID_SCOPE_HOST
                            || id.host == pid.host));
                FAST_INT_EQ(pseudo_id_encode(&l, &id, mac, &ip), 0);
                FAST_INT_EQ(ip_matches(ip, pip, pipmask), same);
                FAST_INT_EQ(mac_matches(mac, pmac, pmask), same);
                n_match += same;
            }
            /* 6 VMs per host, 4 hosts per pod, 2 pods per DC. */
            FAST_UINT_EQ(n_match,
                              scopes[s] == PSEUDO_ID_SCOPE_DC ? 48
                              : scopes[s] == PSEUDO_ID_SCOPE_POD ? 24 : 6);
        }
    }
}
END_TEST

static Suite *
pseudo_id_suite(void)
{
    Suite *s = suite_create("pseudo-id");
    TCase *tc;

    tc = tcase_create("codec");
    tcase_add_test(tc, test_default_layout);
    tcase_add_test(tc, test_known_vectors);
    tcase_add_loop_test(tc, test_round_trip_layouts, 0, N_GOOD_LAYOUTS);
    tcase_add_loop_test(tc, test_encode_shape, 0, N_GOOD_LAYOUTS);
    tcase_add_loop_test(tc, test_field_edges, 0, N_GOOD_LAYOUTS);
    tcase_add_loop_test(tc, test_decode_reserved_vm, 0, N_GOOD_LAYOUTS);
    tcase_add_test(tc, test_bad_layouts);
    tcase_add_loop_test(tc, test_decode_invalid, 0, N_GOOD_LAYOUTS);
    tcase_add_loop_test(tc, test_random_round_trip, 0, N_GOOD_LAYOUTS);
    suite_add_tcase(s, tc);

    tc = tcase_create("exhaustive");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_exhaustive_small);
    tcase_add_test(tc, test_exhaustive_medium);
    tcase_add_test(tc, test_prefix_exhaustive);
    suite_add_tcase(s, tc);

    tc = tcase_create("layout-text");
    tcase_add_loop_test(tc, test_layout_format_parse, 0, N_GOOD_LAYOUTS);
    tcase_add_test(tc, test_layout_format_exact);
    tcase_add_test(tc, test_layout_parse_good);
    tcase_add_test(tc, test_layout_parse_bad);
    suite_add_tcase(s, tc);

    tc = tcase_create("prefix");
    tcase_add_test(tc, test_prefix_vectors);
    tcase_add_loop_test(tc, test_prefix_matches, 0, N_GOOD_LAYOUTS);
    suite_add_tcase(s, tc);

    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(pseudo_id_suite());
    int n_failed;

    srunner_run_all(sr, CK_NORMAL);
    n_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return n_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
