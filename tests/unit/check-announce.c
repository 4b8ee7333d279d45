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

/* Unit tests for lib/announce.c: the GARP/RARP classifier on real frames
 * from tests/data (see tests/data/README.md), and the dummy IPv4/UDP packet
 * composer and parser.
 *
 * Frames are read from classic pcap files with a small reader below.  Every
 * frame is copied into a heap block of exactly its length, so that valgrind
 * or AddressSanitizer catch any read past its end. */

#include "announce.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TEST_DATA_DIR
#error "TEST_DATA_DIR must name the directory of the test frames"
#endif

#define ARRAY_SIZE(A) (sizeof (A) / sizeof (A)[0])

/* Addresses used by tools/gen-test-frames.sh. */
static const uint8_t vm_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t peer_mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
#define VM_IP 0xc000020a        /* 192.0.2.10, host byte order. */

/* A tiny reader for classic pcap files. */

#define PCAP_MAGIC_USEC 0xa1b2c3d4
#define PCAP_MAGIC_NSEC 0xa1b23c4d
#define PCAP_LINKTYPE_ETHERNET 1

static uint32_t
get_u32(const uint8_t *p, bool big_endian)
{
    return (big_endian
            ? (uint32_t) p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]
            : (uint32_t) p[3] << 24 | p[2] << 16 | p[1] << 8 | p[0]);
}

static uint16_t
get_u16(const uint8_t *p, bool big_endian)
{
    return big_endian ? p[0] << 8 | p[1] : p[1] << 8 | p[0];
}

/* Reads the only frame of pcap file 'name' in TEST_DATA_DIR into a block of
 * exactly its length, which the caller must free(), and stores its length in
 * '*lenp'.  If 'big_endianp' is nonnull, stores there whether the file was
 * written big-endian.  Fails the test if the file is not a classic Ethernet
 * pcap file that holds exactly one complete frame. */
static uint8_t *
load_frame(const char *name, size_t *lenp, bool *big_endianp)
{
    uint8_t gh[24], rh[16];
    uint32_t snaplen, caplen, origlen;
    bool be = false;
    char path[1024];
    uint8_t *frame;
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", TEST_DATA_DIR, name);
    f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));

    ck_assert_msg(fread(gh, 1, sizeof gh, f) == sizeof gh,
                  "%s: short global header", path);
    if (get_u32(gh, true) == PCAP_MAGIC_USEC
        || get_u32(gh, true) == PCAP_MAGIC_NSEC) {
        be = true;
    } else if (get_u32(gh, false) == PCAP_MAGIC_USEC
               || get_u32(gh, false) == PCAP_MAGIC_NSEC) {
        be = false;
    } else {
        ck_abort_msg("%s: not a classic pcap file", path);
    }
    ck_assert_uint_eq(get_u16(gh + 4, be), 2);      /* Major version. */
    ck_assert_uint_eq(get_u16(gh + 6, be), 4);      /* Minor version. */
    snaplen = get_u32(gh + 16, be);
    ck_assert_uint_eq(get_u32(gh + 20, be) & 0xffff, PCAP_LINKTYPE_ETHERNET);

    ck_assert_msg(fread(rh, 1, sizeof rh, f) == sizeof rh,
                  "%s: no record", path);
    caplen = get_u32(rh + 8, be);
    origlen = get_u32(rh + 12, be);
    ck_assert_msg(caplen == origlen, "%s: frame cut to %u of %u bytes",
                  path, caplen, origlen);
    ck_assert_uint_le(caplen, snaplen);
    ck_assert_uint_gt(caplen, 0);
    ck_assert_uint_le(caplen, 65535);

    frame = malloc(caplen);
    ck_assert_ptr_nonnull(frame);
    ck_assert_msg(fread(frame, 1, caplen, f) == caplen,
                  "%s: short record", path);
    ck_assert_msg(fgetc(f) == EOF, "%s: more than one frame", path);
    fclose(f);

    *lenp = caplen;
    if (big_endianp) {
        *big_endianp = be;
    }
    return frame;
}

/* Returns a copy of the first 'len' bytes of 'data' in a block of exactly
 * 'len' bytes (at least one byte is allocated, but only 'len' are used). */
static uint8_t *
exact_copy(const uint8_t *data, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);

    ck_assert_ptr_nonnull(p);
    if (len) {
        memcpy(p, data, len);
    }
    return p;
}

/* Independent Internet checksum code: bytes are added one at a time into a
 * 64-bit accumulator, even offsets as the high octet of a 16-bit word. */

static uint64_t
sum_bytes(uint64_t sum, const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        sum += (i % 2 == 0) ? (uint64_t) p[i] << 8 : p[i];
    }
    return sum;
}

static uint16_t
fold(uint64_t sum)
{
    while (sum > 0xffff) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

/* The checksum to store in the IPv4 header 'ip' (20 bytes, no options). */
static uint16_t
ref_ip_csum(const uint8_t *ip)
{
    uint8_t hdr[20];

    memcpy(hdr, ip, 20);
    hdr[10] = hdr[11] = 0;
    return ~fold(sum_bytes(0, hdr, 20)) & 0xffff;
}

/* The checksum to store in UDP datagram 'udp' of 'len' bytes inside IPv4
 * header 'ip', with the RFC 768 rule that a computed 0 is sent as 0xffff. */
static uint16_t
ref_udp_csum(const uint8_t *ip, const uint8_t *udp, size_t len)
{
    uint8_t pseudo[12];
    uint8_t *copy = exact_copy(udp, len);
    uint64_t sum;
    uint16_t csum;

    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 17;
    pseudo[10] = len >> 8;
    pseudo[11] = len;
    copy[6] = copy[7] = 0;
    sum = sum_bytes(sum_bytes(0, pseudo, sizeof pseudo), copy, len);
    free(copy);
    csum = ~fold(sum) & 0xffff;
    return csum ? csum : 0xffff;
}

/* Rewrites both checksums of the dummy packet whose IPv4 header is at
 * 'ip'. */
static void
fix_checksums(uint8_t *ip)
{
    uint8_t *udp = ip + 20;
    size_t ulen = udp[4] << 8 | udp[5];
    uint16_t c;

    c = ref_ip_csum(ip);
    ip[10] = c >> 8;
    ip[11] = c;
    c = ref_udp_csum(ip, udp, ulen);
    udp[6] = c >> 8;
    udp[7] = c;
}

/* The test frames and what the classifier must say about each. */

struct frame_case {
    const char *file;
    size_t len;                 /* Expected frame length. */
    enum announce_kind kind;
    enum announce_reject reject;

    /* For recognised announcements only. */
    uint32_t ip;                /* Host byte order. */
    unsigned int n_vlans;
    uint16_t tpid[ANNOUNCE_MAX_VLANS];  /* Host byte order. */
    uint16_t tci[ANNOUNCE_MAX_VLANS];   /* Host byte order. */
};

static const struct frame_case frames[] = {
    /* Captured from Linux. */
    { "garp-request-arping.pcap", 58, ANNOUNCE_GARP_REQUEST, ANNOUNCE_OK,
      VM_IP, 0, { 0 }, { 0 } },
    { "garp-reply-arping.pcap", 58, ANNOUNCE_GARP_REPLY, ANNOUNCE_OK,
      VM_IP, 0, { 0 }, { 0 } },
    { "garp-request-vlan-arping.pcap", 62, ANNOUNCE_GARP_REQUEST,
      ANNOUNCE_OK, VM_IP, 1, { 0x8100 }, { 0x0064 } },
    { "garp-request-arp-notify.pcap", 42, ANNOUNCE_GARP_REQUEST,
      ANNOUNCE_OK, VM_IP, 0, { 0 }, { 0 } },
    { "arp-request-ping.pcap", 42, ANNOUNCE_NONE,
      ANNOUNCE_REJECT_NOT_GRATUITOUS, 0, 0, { 0 }, { 0 } },
    { "arp-reply-kernel.pcap", 42, ANNOUNCE_NONE,
      ANNOUNCE_REJECT_NOT_GRATUITOUS, 0, 0, { 0 }, { 0 } },
    { "arp-probe-arping.pcap", 58, ANNOUNCE_NONE, ANNOUNCE_REJECT_PROBE,
      0, 0, { 0 }, { 0 } },

    /* Built with scapy. */
    { "rarp-request-qemu.pcap", 60, ANNOUNCE_RARP_REQUEST, ANNOUNCE_OK,
      0, 0, { 0 }, { 0 } },
    { "rarp-reply.pcap", 42, ANNOUNCE_NONE, ANNOUNCE_REJECT_BAD_OPCODE,
      0, 0, { 0 }, { 0 } },
    { "rarp-request-tha-mismatch.pcap", 42, ANNOUNCE_NONE,
      ANNOUNCE_REJECT_SHA_MISMATCH, 0, 0, { 0 }, { 0 } },
    { "garp-request-8021q.pcap", 46, ANNOUNCE_GARP_REQUEST, ANNOUNCE_OK,
      VM_IP, 1, { 0x8100 }, { 0x6064 } },
    /* DEI set on the wire (TCI 0x7064), cleared in what is kept. */
    { "garp-request-dei.pcap", 46, ANNOUNCE_GARP_REQUEST, ANNOUNCE_OK,
      VM_IP, 1, { 0x8100 }, { 0x6064 } },
    { "garp-spa-broadcast.pcap", 42, ANNOUNCE_NONE, ANNOUNCE_REJECT_BAD_SPA,
      0, 0, { 0 }, { 0 } },
    { "garp-spa-multicast.pcap", 42, ANNOUNCE_NONE, ANNOUNCE_REJECT_BAD_SPA,
      0, 0, { 0 }, { 0 } },
    { "garp-spa-loopback.pcap", 42, ANNOUNCE_NONE, ANNOUNCE_REJECT_BAD_SPA,
      0, 0, { 0 }, { 0 } },
    { "garp-spa-reserved.pcap", 42, ANNOUNCE_NONE, ANNOUNCE_REJECT_BAD_SPA,
      0, 0, { 0 }, { 0 } },
    { "garp-request-qinq.pcap", 50, ANNOUNCE_GARP_REQUEST, ANNOUNCE_OK,
      VM_IP, 2, { 0x88a8, 0x8100 }, { 0x000a, 0x0014 } },
    { "garp-request-3tags.pcap", 54, ANNOUNCE_NONE, ANNOUNCE_REJECT_NOT_ARP,
      0, 0, { 0 }, { 0 } },
    { "arp-bad-htype.pcap", 42, ANNOUNCE_NONE, ANNOUNCE_REJECT_BAD_HTYPE,
      0, 0, { 0 }, { 0 } },
    { "arp-bad-ptype.pcap", 42, ANNOUNCE_NONE, ANNOUNCE_REJECT_BAD_PTYPE,
      0, 0, { 0 }, { 0 } },
    { "arp-bad-hlen.pcap", 42, ANNOUNCE_NONE, ANNOUNCE_REJECT_BAD_HLEN,
      0, 0, { 0 }, { 0 } },
    { "arp-bad-plen.pcap", 42, ANNOUNCE_NONE, ANNOUNCE_REJECT_BAD_PLEN,
      0, 0, { 0 }, { 0 } },
    { "arp-bad-opcode.pcap", 42, ANNOUNCE_NONE, ANNOUNCE_REJECT_BAD_OPCODE,
      0, 0, { 0 }, { 0 } },
    { "arp-truncated-30.pcap", 30, ANNOUNCE_NONE, ANNOUNCE_REJECT_TRUNCATED,
      0, 0, { 0 }, { 0 } },
    { "garp-spoofed-sha.pcap", 42, ANNOUNCE_NONE,
      ANNOUNCE_REJECT_SHA_MISMATCH, 0, 0, { 0 }, { 0 } },
    { "garp-multicast-sha.pcap", 42, ANNOUNCE_NONE, ANNOUNCE_REJECT_BAD_SHA,
      0, 0, { 0 }, { 0 } },
    { "garp-zero-sha.pcap", 42, ANNOUNCE_NONE, ANNOUNCE_REJECT_BAD_SHA,
      0, 0, { 0 }, { 0 } },
    { "ipv4-udp.pcap", 46, ANNOUNCE_NONE, ANNOUNCE_REJECT_NOT_ARP,
      0, 0, { 0 }, { 0 } },
    { "garp-reply-bigendian.pcap", 42, ANNOUNCE_GARP_REPLY, ANNOUNCE_OK,
      VM_IP, 0, { 0 }, { 0 } },
};
#define N_FRAMES ((int) ARRAY_SIZE(frames))

/* Length of the headers the classifier needs for 'fc'. */
static size_t
min_len(const struct frame_case *fc)
{
    return 14 + 4 * fc->n_vlans + 28;
}

static void
check_info(const struct frame_case *fc, const struct announce_info *info)
{
    unsigned int i;

    ck_assert_int_eq(info->kind, fc->kind);
    ck_assert_mem_eq(info->mac, vm_mac, 6);
    ck_assert_uint_eq(ntohl(info->ip), fc->ip);
    ck_assert_uint_eq(info->n_vlans, fc->n_vlans);
    for (i = 0; i < fc->n_vlans; i++) {
        ck_assert_uint_eq(ntohs(info->vlan_tpid[i]), fc->tpid[i]);
        ck_assert_uint_eq(ntohs(info->vlan_tci[i]), fc->tci[i]);
    }
}

/* Classifier. */

START_TEST(test_classify_frame)
{
    const struct frame_case *fc = &frames[_i];
    enum announce_reject why = ANNOUNCE_N_REJECTS;
    struct announce_info info;
    enum announce_kind kind;
    uint8_t *frame;
    size_t len;

    frame = load_frame(fc->file, &len, NULL);
    ck_assert_uint_eq(len, fc->len);

    memset(&info, 0xa5, sizeof info);
    kind = announce_classify(frame, len, &info, &why);
    ck_assert_msg(kind == fc->kind, "%s: kind %s, expected %s", fc->file,
                  announce_kind_to_string(kind),
                  announce_kind_to_string(fc->kind));
    ck_assert_msg(why == fc->reject, "%s: reject \"%s\", expected \"%s\"",
                  fc->file, announce_reject_to_string(why),
                  announce_reject_to_string(fc->reject));
    if (kind != ANNOUNCE_NONE) {
        check_info(fc, &info);
    }

    /* 'reject' is optional. */
    ck_assert_int_eq(announce_classify(frame, len, &info, NULL), fc->kind);
    free(frame);
}
END_TEST

/* The test frames exercise every reason to reject, and every kind. */
START_TEST(test_classify_coverage)
{
    bool rejects[ANNOUNCE_N_REJECTS] = { false };
    bool kinds[ANNOUNCE_RARP_REQUEST + 1] = { false };
    int i;

    for (i = 0; i < N_FRAMES; i++) {
        rejects[frames[i].reject] = true;
        kinds[frames[i].kind] = true;
    }
    for (i = 0; i < ANNOUNCE_N_REJECTS; i++) {
        ck_assert_msg(rejects[i], "no test frame for reject \"%s\"",
                      announce_reject_to_string(i));
    }
    for (i = 0; i <= ANNOUNCE_RARP_REQUEST; i++) {
        ck_assert_msg(kinds[i], "no test frame for kind %s",
                      announce_kind_to_string(i));
    }
}
END_TEST

/* Cutting a frame anywhere before the end of its ARP header makes it
 * TRUNCATED; cutting only padding changes nothing.  Each prefix lives in a
 * block of exactly its length. */
START_TEST(test_classify_truncated)
{
    const struct frame_case *fc = &frames[_i];
    uint8_t *frame;
    size_t len, n;

    frame = load_frame(fc->file, &len, NULL);
    if (fc->kind == ANNOUNCE_NONE) {
        free(frame);
        return;
    }
    ck_assert_uint_ge(len, min_len(fc));
    for (n = 0; n <= len; n++) {
        uint8_t *cut = exact_copy(frame, n);
        enum announce_reject why = ANNOUNCE_N_REJECTS;
        struct announce_info info;
        enum announce_kind kind;

        kind = announce_classify(n ? cut : NULL, n, &info, &why);
        if (n < min_len(fc)) {
            ck_assert_msg(kind == ANNOUNCE_NONE
                          && why == ANNOUNCE_REJECT_TRUNCATED,
                          "%s cut to %zu bytes: %s, \"%s\"", fc->file, n,
                          announce_kind_to_string(kind),
                          announce_reject_to_string(why));
        } else {
            ck_assert_msg(kind == fc->kind && why == ANNOUNCE_OK,
                          "%s cut to %zu bytes: %s, \"%s\"", fc->file, n,
                          announce_kind_to_string(kind),
                          announce_reject_to_string(why));
            check_info(fc, &info);
        }
        free(cut);
    }
    free(frame);
}
END_TEST

/* The brief's case spelled out: the kernel's unpadded 42-byte GARP, cut at
 * every length from 0 to 41. */
START_TEST(test_classify_truncated_garp)
{
    uint8_t *frame;
    size_t len, n;

    frame = load_frame("garp-request-arp-notify.pcap", &len, NULL);
    ck_assert_uint_eq(len, 42);
    for (n = 0; n < len; n++) {
        uint8_t *cut = exact_copy(frame, n);
        enum announce_reject why = ANNOUNCE_OK;
        struct announce_info info;

        ck_assert_int_eq(announce_classify(cut, n, &info, &why),
                         ANNOUNCE_NONE);
        ck_assert_int_eq(why, ANNOUNCE_REJECT_TRUNCATED);
        free(cut);
    }
    free(frame);
}
END_TEST

/* Rejections that no test frame shows on its own. */
START_TEST(test_classify_edge_cases)
{
    struct announce_info info;
    enum announce_reject why;
    uint8_t *frame, *f;
    size_t len;

    frame = load_frame("garp-request-arp-notify.pcap", &len, NULL);

    /* A GARP whose target MAC is anything is still a GARP. */
    f = exact_copy(frame, len);
    memset(f + 32, 0xff, 6);
    ck_assert_int_eq(announce_classify(f, len, &info, &why),
                     ANNOUNCE_GARP_REQUEST);
    free(f);

    /* Opcodes 0 and 2 as RARP, 3 and 4 as ARP. */
    f = exact_copy(frame, len);
    f[12] = 0x80;
    f[13] = 0x35;
    f[21] = 1;
    ck_assert_int_eq(announce_classify(f, len, &info, &why), ANNOUNCE_NONE);
    ck_assert_int_eq(why, ANNOUNCE_REJECT_BAD_OPCODE);
    f[21] = 0;
    ck_assert_int_eq(announce_classify(f, len, &info, &why), ANNOUNCE_NONE);
    ck_assert_int_eq(why, ANNOUNCE_REJECT_BAD_OPCODE);
    f[12] = 0x08;
    f[13] = 0x06;
    f[21] = 4;
    ck_assert_int_eq(announce_classify(f, len, &info, &why), ANNOUNCE_NONE);
    ck_assert_int_eq(why, ANNOUNCE_REJECT_BAD_OPCODE);
    free(f);

    /* A RARP request's sender MAC must be the Ethernet source too. */
    f = exact_copy(frame, len);
    f[12] = 0x80;
    f[13] = 0x35;
    f[21] = 3;
    memcpy(f + 32, f + 22, 6);
    ck_assert_int_eq(announce_classify(f, len, &info, &why),
                     ANNOUNCE_RARP_REQUEST);
    f[11] ^= 1;
    ck_assert_int_eq(announce_classify(f, len, &info, &why), ANNOUNCE_NONE);
    ck_assert_int_eq(why, ANNOUNCE_REJECT_SHA_MISMATCH);
    free(f);

    /* Sender IP 0 is a probe even when the target is also 0. */
    f = exact_copy(frame, len);
    memset(f + 28, 0, 4);
    memset(f + 38, 0, 4);
    ck_assert_int_eq(announce_classify(f, len, &info, &why), ANNOUNCE_NONE);
    ck_assert_int_eq(why, ANNOUNCE_REJECT_PROBE);
    free(f);

    /* A sender MAC with only the group bit set is multicast. */
    f = exact_copy(frame, len);
    f[6] |= 1;
    f[22] |= 1;
    ck_assert_int_eq(announce_classify(f, len, &info, &why), ANNOUNCE_NONE);
    ck_assert_int_eq(why, ANNOUNCE_REJECT_BAD_SHA);
    free(f);

    /* A VLAN tag, cut right after its TPID or TCI. */
    {
        static const uint8_t tagged[18] = {
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
            0x81, 0x00, 0x00, 0x64, 0x08, 0x06,
        };
        size_t n;

        for (n = 14; n < sizeof tagged; n++) {
            f = exact_copy(tagged, n);
            ck_assert_int_eq(announce_classify(f, n, &info, &why),
                             ANNOUNCE_NONE);
            ck_assert_int_eq(why, ANNOUNCE_REJECT_TRUNCATED);
            free(f);
        }
        f = exact_copy(tagged, sizeof tagged);
        ck_assert_int_eq(announce_classify(f, sizeof tagged, &info, &why),
                         ANNOUNCE_NONE);
        ck_assert_int_eq(why, ANNOUNCE_REJECT_TRUNCATED);
        free(f);
    }
    free(frame);
}
END_TEST

START_TEST(test_strings)
{
    int i, j;

    ck_assert_str_eq(announce_kind_to_string(ANNOUNCE_NONE), "none");
    ck_assert_str_eq(announce_kind_to_string(ANNOUNCE_GARP_REQUEST),
                     "garp-request");
    ck_assert_str_eq(announce_kind_to_string(ANNOUNCE_GARP_REPLY),
                     "garp-reply");
    ck_assert_str_eq(announce_kind_to_string(ANNOUNCE_RARP_REQUEST),
                     "rarp-request");
    ck_assert_str_eq(announce_kind_to_string(99), "<invalid>");

    ck_assert_str_eq(announce_reject_to_string(ANNOUNCE_OK), "ok");
    for (i = 0; i < ANNOUNCE_N_REJECTS; i++) {
        const char *s = announce_reject_to_string(i);

        ck_assert_str_ne(s, "<invalid>");
        for (j = 0; j < i; j++) {
            ck_assert_str_ne(s, announce_reject_to_string(j));
        }
    }
    ck_assert_str_eq(announce_reject_to_string(ANNOUNCE_N_REJECTS),
                     "<invalid>");
}
END_TEST

/* Destinations. */

static uint32_t
ip_of(const char *s)
{
    struct in_addr addr;

    ck_assert_msg(inet_pton(AF_INET, s, &addr) == 1, "bad address %s", s);
    return addr.s_addr;
}

START_TEST(test_multicast_helpers)
{
    static const struct {
        const char *ip;
        bool multicast;
        uint8_t mac[6];
    } v[] = {
        { "239.129.2.3", true, { 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 } },
        { "224.0.0.1", true, { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } },
        { "224.255.255.255", true, { 0x01, 0x00, 0x5e, 0x7f, 0xff, 0xff } },
        { "225.128.0.1", true, { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } },
        { "239.255.255.250", true, { 0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa } },
        { "223.255.255.255", false, { 0 } },
        { "240.0.0.0", false, { 0 } },
        { "255.255.255.255", false, { 0 } },
        { "0.0.0.0", false, { 0 } },
        { "192.0.2.1", false, { 0 } },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(v); i++) {
        uint32_t ip = ip_of(v[i].ip);
        uint8_t mac[6];

        ck_assert_msg(!announce_ip_is_multicast(ip) == !v[i].multicast,
                      "%s", v[i].ip);
        if (v[i].multicast) {
            announce_multicast_mac(ip, mac);
            ck_assert_mem_eq(mac, v[i].mac, 6);
        }
    }
}
END_TEST

START_TEST(test_dst_init)
{
    static const uint8_t next_hop[6] = { 0x02, 0, 0, 0, 0, 0x01 };
    static const uint8_t group[6] = { 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 };
    static const uint8_t group_bit23[6] = { 0x01, 0x00, 0x5e,
                                            0x81, 0x02, 0x03 };
    static const uint8_t zero[6] = { 0 };
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    static const uint8_t mcast[6] = { 0x33, 0x33, 0, 0, 0, 1 };
    uint32_t mc = ip_of("239.129.2.3");
    uint32_t uc = ip_of("198.51.100.7");
    struct announce_dst dst;

    /* Unicast with a next hop. */
    ck_assert_int_eq(announce_dst_init(&dst, uc, next_hop, 7788), 0);
    ck_assert_uint_eq(dst.ip, uc);
    ck_assert_mem_eq(dst.mac, next_hop, 6);
    ck_assert_uint_eq(dst.port, 7788);

    /* Multicast derives the RFC 1112 group MAC... */
    memset(&dst, 0xa5, sizeof dst);
    ck_assert_int_eq(announce_dst_init(&dst, mc, NULL, ANNOUNCE_DEFAULT_PORT),
                     0);
    ck_assert_uint_eq(dst.ip, mc);
    ck_assert_mem_eq(dst.mac, group, 6);
    ck_assert_uint_eq(dst.port, ANNOUNCE_DEFAULT_PORT);

    /* ...accepts it given explicitly... */
    ck_assert_int_eq(announce_dst_init(&dst, mc, group, 1), 0);
    ck_assert_mem_eq(dst.mac, group, 6);
    ck_assert_uint_eq(dst.port, 1);

    /* ...and refuses any other MAC. */
    ck_assert_int_eq(announce_dst_init(&dst, mc, group_bit23, 7788), EINVAL);
    ck_assert_int_eq(announce_dst_init(&dst, mc, next_hop, 7788), EINVAL);
    ck_assert_int_eq(announce_dst_init(&dst, mc, bcast, 7788), EINVAL);

    /* Unicast needs a nonzero unicast MAC. */
    ck_assert_int_eq(announce_dst_init(&dst, uc, NULL, 7788), EINVAL);
    ck_assert_int_eq(announce_dst_init(&dst, uc, zero, 7788), EINVAL);
    ck_assert_int_eq(announce_dst_init(&dst, uc, group, 7788), EINVAL);
    ck_assert_int_eq(announce_dst_init(&dst, uc, bcast, 7788), EINVAL);
    ck_assert_int_eq(announce_dst_init(&dst, uc, mcast, 7788), EINVAL);

    /* Port and IP must be nonzero. */
    ck_assert_int_eq(announce_dst_init(&dst, uc, next_hop, 0), EINVAL);
    ck_assert_int_eq(announce_dst_init(&dst, mc, NULL, 0), EINVAL);
    ck_assert_int_eq(announce_dst_init(&dst, 0, next_hop, 7788), EINVAL);
    ck_assert_int_eq(announce_dst_init(&dst, 0, NULL, 7788), EINVAL);
}
END_TEST

/* Checksum. */

START_TEST(test_csum)
{
    /* RFC 1071, section 3: the sum is ddf2, the checksum its complement. */
    static const uint8_t rfc1071[8] = { 0x00, 0x01, 0xf2, 0x03,
                                        0xf4, 0xf5, 0xf6, 0xf7 };
    uint8_t data[101];
    uint32_t state = 2463534242u;
    size_t i, len;

    ck_assert_uint_eq(announce_csum(rfc1071, 8, 0), 0x220d);
    ck_assert_uint_eq(announce_csum(NULL, 0, 0), 0xffff);
    ck_assert_uint_eq(announce_csum(rfc1071, 1, 0), 0xffff);   /* 00 */
    ck_assert_uint_eq(announce_csum(rfc1071 + 2, 1, 0), 0x0dff);

    /* Against the reference, for every length and some partial sums. */
    for (i = 0; i < sizeof data; i++) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        data[i] = state;
    }
    for (len = 0; len <= sizeof data; len++) {
        uint32_t partials[3] = { 0, 0x1234, 0x3fffc };
        size_t j;

        for (j = 0; j < ARRAY_SIZE(partials); j++) {
            uint16_t ref = ~fold(sum_bytes(partials[j], data, len)) & 0xffff;

            ck_assert_uint_eq(announce_csum(data, len, partials[j]), ref);
        }
    }
}
END_TEST

/* Composer. */

/* Checks every byte of dummy packet 'pkt' ('len' bytes) for announcement
 * 'info' of a VM at 'vm_ip' sent to 'dst'. */
static void
check_dummy(const uint8_t *pkt, size_t len, const struct announce_info *info,
            uint32_t vm_ip, const struct announce_dst *dst)
{
    size_t l2 = 14 + 4 * info->n_vlans;
    const uint8_t *ip = pkt + l2;
    const uint8_t *udp = ip + 20;
    const uint8_t *pl = udp + 8;
    unsigned int i;

    ck_assert_uint_eq(len, l2 + 20 + 8 + ANNOUNCE_PAYLOAD_LEN);

    /* Ethernet: to the destination's MAC, from the VM, tags carried over. */
    ck_assert_mem_eq(pkt, dst->mac, 6);
    ck_assert_mem_eq(pkt + 6, info->mac, 6);
    for (i = 0; i < info->n_vlans; i++) {
        ck_assert_mem_eq(pkt + 12 + 4 * i, &info->vlan_tpid[i], 2);
        ck_assert_mem_eq(pkt + 14 + 4 * i, &info->vlan_tci[i], 2);
    }
    ck_assert_uint_eq(pkt[l2 - 2], 0x08);
    ck_assert_uint_eq(pkt[l2 - 1], 0x00);

    /* IPv4. */
    ck_assert_uint_eq(ip[0], 0x45);
    ck_assert_uint_eq(ip[1], 0);
    ck_assert_uint_eq(ip[2] << 8 | ip[3], 20 + 8 + ANNOUNCE_PAYLOAD_LEN);
    ck_assert_uint_eq(ip[4] << 8 | ip[5], 0);           /* ID. */
    ck_assert_uint_eq(ip[6] << 8 | ip[7], 0x4000);      /* DF. */
    ck_assert_uint_eq(ip[8], 64);
    ck_assert_uint_eq(ip[9], 17);
    ck_assert_mem_eq(ip + 12, &vm_ip, 4);
    ck_assert_mem_eq(ip + 16, &dst->ip, 4);
    ck_assert_uint_eq(ip[10] << 8 | ip[11], ref_ip_csum(ip));
    ck_assert_uint_eq(fold(sum_bytes(0, ip, 20)), 0xffff);

    /* UDP. */
    ck_assert_uint_eq(udp[0] << 8 | udp[1], dst->port);
    ck_assert_uint_eq(udp[2] << 8 | udp[3], dst->port);
    ck_assert_uint_eq(udp[4] << 8 | udp[5], 8 + ANNOUNCE_PAYLOAD_LEN);
    ck_assert_uint_eq(udp[6] << 8 | udp[7],
                      ref_udp_csum(ip, udp, 8 + ANNOUNCE_PAYLOAD_LEN));

    /* Payload: marker, version, kind, padding, MAC, padding. */
    ck_assert_mem_eq(pl, "ROAM", 4);
    ck_assert_uint_eq(pl[4], ANNOUNCE_PAYLOAD_VERSION);
    ck_assert_uint_eq(pl[5], info->kind);
    ck_assert_uint_eq(pl[6], 0);
    ck_assert_uint_eq(pl[7], 0);
    ck_assert_mem_eq(pl + 8, info->mac, 6);
    ck_assert_uint_eq(pl[14], 0);
    ck_assert_uint_eq(pl[15], 0);
}

/* Classifies test frame 'file', which must be an announcement. */
static void
classify_file(const char *file, struct announce_info *info)
{
    uint8_t *frame;
    size_t len;

    frame = load_frame(file, &len, NULL);
    ck_assert_msg(announce_classify(frame, len, info, NULL) != ANNOUNCE_NONE,
                  "%s is not an announcement", file);
    free(frame);
}

static void
unicast_dst(struct announce_dst *dst)
{
    static const uint8_t next_hop[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

    ck_assert_int_eq(announce_dst_init(dst, ip_of("198.51.100.1"), next_hop,
                                       ANNOUNCE_DEFAULT_PORT), 0);
}

static void
multicast_dst(struct announce_dst *dst)
{
    ck_assert_int_eq(announce_dst_init(dst, ip_of("239.129.2.3"), NULL,
                                       4321), 0);
}

/* Composes the dummy packet for every recognised test frame, into blocks of
 * exactly the right size, to unicast and multicast destinations. */
START_TEST(test_compose_frame)
{
    const struct frame_case *fc = &frames[_i];
    size_t expected = 14 + 4 * fc->n_vlans + 20 + 8 + ANNOUNCE_PAYLOAD_LEN;
    struct announce_info info;
    struct announce_dst dst;
    uint32_t vm_ip;
    int d;

    if (fc->kind == ANNOUNCE_NONE) {
        return;
    }
    classify_file(fc->file, &info);
    /* A RARP request carries no IP; the caller knows it from elsewhere. */
    vm_ip = info.ip ? info.ip : ip_of("192.0.2.99");

    for (d = 0; d < 2; d++) {
        struct announce_dummy dummy;
        uint8_t *buf = malloc(expected);

        if (d) {
            multicast_dst(&dst);
        } else {
            unicast_dst(&dst);
        }
        ck_assert_ptr_nonnull(buf);
        ck_assert_uint_eq(announce_compose(&info, vm_ip, &dst, buf, expected),
                          expected);
        check_dummy(buf, expected, &info, vm_ip, &dst);

        ck_assert_int_eq(announce_parse_dummy(buf, expected, &dummy), 0);
        ck_assert_int_eq(dummy.kind, fc->kind);
        ck_assert_mem_eq(dummy.vm_mac, vm_mac, 6);
        ck_assert_uint_eq(dummy.vm_ip, vm_ip);
        ck_assert_uint_eq(dummy.dst_ip, dst.ip);
        ck_assert_uint_eq(dummy.port, dst.port);
        free(buf);
    }
}
END_TEST

START_TEST(test_compose_lengths)
{
    static const struct {
        const char *file;
        size_t len;
    } v[] = {
        { "garp-request-arp-notify.pcap", 58 },
        { "garp-request-arping.pcap", 58 },
        { "rarp-request-qemu.pcap", 58 },
        { "garp-request-8021q.pcap", 62 },
        { "garp-request-vlan-arping.pcap", 62 },
        { "garp-request-qinq.pcap", 66 },
    };
    size_t i;

    ck_assert_uint_eq(ANNOUNCE_MAX_DUMMY_LEN, 66);
    for (i = 0; i < ARRAY_SIZE(v); i++) {
        uint8_t buf[ANNOUNCE_MAX_DUMMY_LEN + 16];
        struct announce_info info;
        struct announce_dst dst;
        size_t j, n;

        classify_file(v[i].file, &info);
        unicast_dst(&dst);
        memset(buf, 0xcc, sizeof buf);
        n = announce_compose(&info, htonl(VM_IP), &dst, buf, sizeof buf);
        ck_assert_uint_eq(n, v[i].len);

        /* Nothing written past the packet. */
        for (j = n; j < sizeof buf; j++) {
            ck_assert_uint_eq(buf[j], 0xcc);
        }
    }
}
END_TEST

/* Every buffer size short of the packet: compose returns 0 and writes
 * nothing. */
START_TEST(test_compose_too_small)
{
    struct announce_info info;
    struct announce_dst dst;
    size_t size, need;

    classify_file("garp-request-qinq.pcap", &info);
    unicast_dst(&dst);
    need = 66;
    for (size = 0; size < need; size++) {
        uint8_t *buf = malloc(size ? size : 1);
        size_t j;

        ck_assert_ptr_nonnull(buf);
        memset(buf, 0xcc, size ? size : 1);
        ck_assert_uint_eq(announce_compose(&info, htonl(VM_IP), &dst, buf,
                                           size), 0);
        for (j = 0; j < size; j++) {
            ck_assert_uint_eq(buf[j], 0xcc);
        }
        free(buf);
    }
}
END_TEST

START_TEST(test_compose_refuses)
{
    uint8_t buf[ANNOUNCE_MAX_DUMMY_LEN];
    struct announce_info info, bad;
    struct announce_dst dst;

    classify_file("garp-request-arp-notify.pcap", &info);
    unicast_dst(&dst);

    /* No VM IP. */
    ck_assert_uint_eq(announce_compose(&info, 0, &dst, buf, sizeof buf), 0);

    /* Not an announcement. */
    bad = info;
    bad.kind = ANNOUNCE_NONE;
    ck_assert_uint_eq(announce_compose(&bad, htonl(VM_IP), &dst, buf,
                                       sizeof buf), 0);

    /* More tags than the format allows. */
    bad = info;
    bad.n_vlans = ANNOUNCE_MAX_VLANS + 1;
    ck_assert_uint_eq(announce_compose(&bad, htonl(VM_IP), &dst, buf,
                                       sizeof buf), 0);

    /* The real one still composes. */
    ck_assert_uint_eq(announce_compose(&info, htonl(VM_IP), &dst, buf,
                                       sizeof buf), 58);
}
END_TEST

/* A UDP checksum that computes to 0 goes out as 0xffff (RFC 768), and the
 * parser accepts it. */
START_TEST(test_compose_zero_udp_csum)
{
    uint8_t buf[ANNOUNCE_MAX_DUMMY_LEN];
    struct announce_info info;
    struct announce_dummy dummy;
    struct announce_dst dst;
    uint32_t low;
    bool found = false;

    classify_file("garp-request-arp-notify.pcap", &info);
    unicast_dst(&dst);

    /* Find a VM address whose UDP checksum comes out as 0, by trying the
     * low 16 bits of 10.0.x.y. */
    for (low = 1; low < 0x10000 && !found; low++) {
        uint32_t vm_ip = htonl(0x0a000000 | low);
        uint8_t *ip = buf + 14;
        uint8_t pseudo[12];
        uint64_t sum;
        size_t n;

        n = announce_compose(&info, vm_ip, &dst, buf, sizeof buf);
        if (n != 58) {
            ck_abort_msg("composed %zu bytes", n);
        }
        memcpy(pseudo, ip + 12, 8);
        pseudo[8] = 0;
        pseudo[9] = 17;
        pseudo[10] = 0;
        pseudo[11] = 24;
        ip[20 + 6] = ip[20 + 7] = 0;
        sum = sum_bytes(sum_bytes(0, pseudo, 12), ip + 20, 24);
        if ((~fold(sum) & 0xffff) == 0) {
            found = true;
            n = announce_compose(&info, vm_ip, &dst, buf, sizeof buf);
            ck_assert_uint_eq(buf[14 + 20 + 6], 0xff);
            ck_assert_uint_eq(buf[14 + 20 + 7], 0xff);
            ck_assert_int_eq(announce_parse_dummy(buf, n, &dummy), 0);
            ck_assert_uint_eq(dummy.vm_ip, vm_ip);
        }
    }
    ck_assert_msg(found, "no VM address gives a zero UDP checksum");
}
END_TEST

/* Dummy packet parser. */

/* Composes the dummy packet for the GARP in 'file' into 'buf'. */
static size_t
compose_from(const char *file, uint8_t buf[ANNOUNCE_MAX_DUMMY_LEN],
             size_t *l2)
{
    struct announce_info info;
    struct announce_dst dst;
    size_t n;

    classify_file(file, &info);
    unicast_dst(&dst);
    n = announce_compose(&info, htonl(VM_IP), &dst, buf,
                         ANNOUNCE_MAX_DUMMY_LEN);
    ck_assert_uint_gt(n, 0);
    *l2 = 14 + 4 * info.n_vlans;
    return n;
}

static const char *const dummy_sources[] = {
    "garp-request-arp-notify.pcap",
    "garp-request-8021q.pcap",
    "garp-request-qinq.pcap",
};
#define N_DUMMY_SOURCES ((int) ARRAY_SIZE(dummy_sources))

/* Cutting a dummy packet anywhere makes it invalid; trailing padding (a
 * 58-byte packet is padded to 60 on the wire) does not. */
START_TEST(test_parse_truncated)
{
    uint8_t pkt[ANNOUNCE_MAX_DUMMY_LEN];
    struct announce_dummy dummy;
    size_t len, l2, n;
    uint8_t *padded;

    len = compose_from(dummy_sources[_i], pkt, &l2);
    for (n = 0; n < len; n++) {
        uint8_t *cut = exact_copy(pkt, n);

        ck_assert_msg(announce_parse_dummy(n ? cut : NULL, n, &dummy)
                      == EINVAL, "accepted when cut to %zu bytes", n);
        free(cut);
    }

    padded = calloc(1, len + 8);
    ck_assert_ptr_nonnull(padded);
    memcpy(padded, pkt, len);
    for (n = len; n <= len + 8; n++) {
        ck_assert_int_eq(announce_parse_dummy(padded, n, &dummy), 0);
    }
    free(padded);
}
END_TEST

/* Any single corrupted byte from the ethertype (or a tag's TPID) onwards is
 * caught, by the ethertype check, a checksum or the marker. */
START_TEST(test_parse_corrupted)
{
    uint8_t pkt[ANNOUNCE_MAX_DUMMY_LEN];
    struct announce_dummy dummy;
    size_t len, l2, i;

    len = compose_from(dummy_sources[_i], pkt, &l2);
    ck_assert_int_eq(announce_parse_dummy(pkt, len, &dummy), 0);
    for (i = 12; i < len; i++) {
        uint8_t *bad;

        if (i < l2 - 2 && (i - 12) % 4 >= 2) {
            continue;           /* A TCI: not covered by anything. */
        }
        if (i == l2 + 20 + 6 || i == l2 + 20 + 7) {
            /* Corrupting the UDP checksum to 0 would turn it off. */
            uint8_t other = pkt[i == l2 + 20 + 6 ? i + 1 : i - 1];

            if (other == 0 && (pkt[i] ^ 0x5a) == 0) {
                continue;
            }
        }
        bad = exact_copy(pkt, len);
        bad[i] ^= 0x5a;
        ck_assert_msg(announce_parse_dummy(bad, len, &dummy) == EINVAL,
                      "byte %zu corrupted, still accepted", i);
        free(bad);
    }
}
END_TEST

/* Bad fields with correct checksums. */
START_TEST(test_parse_bad_fields)
{
    uint8_t pkt[ANNOUNCE_MAX_DUMMY_LEN], bad[ANNOUNCE_MAX_DUMMY_LEN];
    struct announce_dummy dummy;
    size_t len, l2;
    uint8_t *ip, *udp, *pl;
    int k;

    len = compose_from("garp-request-8021q.pcap", pkt, &l2);
#define RESET()                                 \
    do {                                        \
        memcpy(bad, pkt, len);                  \
        ip = bad + l2;                          \
        udp = ip + 20;                          \
        pl = udp + 8;                           \
    } while (0)
#define EXPECT(ERROR)                                                   \
    do {                                                                \
        fix_checksums(ip);                                              \
        ck_assert_int_eq(announce_parse_dummy(bad, len, &dummy), ERROR); \
    } while (0)

    /* The fix-up itself is right: an unchanged packet still parses, and
     * one with another valid kind parses as that kind. */
    RESET();
    EXPECT(0);
    ck_assert_int_eq(dummy.kind, ANNOUNCE_GARP_REQUEST);
    RESET();
    pl[5] = ANNOUNCE_RARP_REQUEST;
    EXPECT(0);
    ck_assert_int_eq(dummy.kind, ANNOUNCE_RARP_REQUEST);

    /* Marker, version and kind. */
    RESET();
    pl[3] = 'X';
    EXPECT(EINVAL);
    RESET();
    memcpy(pl, "roam", 4);
    EXPECT(EINVAL);
    RESET();
    pl[4] = 0;
    EXPECT(EINVAL);
    RESET();
    pl[4] = ANNOUNCE_PAYLOAD_VERSION + 1;
    EXPECT(EINVAL);
    for (k = 0; k < 256; k++) {
        if (k >= ANNOUNCE_GARP_REQUEST && k <= ANNOUNCE_RARP_REQUEST) {
            continue;
        }
        RESET();
        pl[5] = k;
        EXPECT(EINVAL);
    }

    /* IPv4 header. */
    RESET();
    ip[0] = 0x46;               /* Options. */
    EXPECT(EINVAL);
    RESET();
    ip[0] = 0x65;               /* Version 6. */
    EXPECT(EINVAL);
    RESET();
    ip[9] = 6;                  /* TCP. */
    EXPECT(EINVAL);
    RESET();
    ip[3] += 1;                 /* Total length. */
    EXPECT(EINVAL);

    /* UDP length. */
    RESET();
    udp[5] -= 1;
    EXPECT(EINVAL);

    /* A UDP checksum of 0 means "none" and is accepted. */
    RESET();
    fix_checksums(ip);
    udp[6] = udp[7] = 0;
    ck_assert_int_eq(announce_parse_dummy(bad, len, &dummy), 0);
    pl[0] ^= 1;
    ck_assert_int_eq(announce_parse_dummy(bad, len, &dummy), EINVAL);
#undef RESET
#undef EXPECT
}
END_TEST

START_TEST(test_parse_not_dummy)
{
    struct announce_dummy dummy;
    size_t i;

    /* None of the test frames is a dummy packet, not even the IPv4/UDP
     * one. */
    for (i = 0; i < ARRAY_SIZE(frames); i++) {
        uint8_t *frame;
        size_t len;

        frame = load_frame(frames[i].file, &len, NULL);
        ck_assert_msg(announce_parse_dummy(frame, len, &dummy) == EINVAL,
                      "%s parsed as a dummy packet", frames[i].file);
        free(frame);
    }
}
END_TEST

/* The pcap reader reads both byte orders. */
START_TEST(test_pcap_byte_orders)
{
    uint8_t *a, *b;
    size_t alen, blen;
    bool a_be, b_be;

    a = load_frame("garp-reply-bigendian.pcap", &alen, &a_be);
    b = load_frame("garp-request-8021q.pcap", &blen, &b_be);
    ck_assert(a_be);
    ck_assert(!b_be);
    ck_assert_uint_eq(alen, 42);
    ck_assert_uint_eq(blen, 46);
    /* Same sender in both. */
    ck_assert_mem_eq(a + 6, b + 6, 6);
    ck_assert_mem_eq(a + 6, vm_mac, 6);
    free(a);
    free(b);

    /* The peer's reply really is from the peer. */
    a = load_frame("arp-reply-kernel.pcap", &alen, NULL);
    ck_assert_mem_eq(a + 6, peer_mac, 6);
    ck_assert_mem_eq(a, vm_mac, 6);
    free(a);
}
END_TEST

static Suite *
announce_suite(void)
{
    Suite *s = suite_create("announce");
    TCase *tc;

    tc = tcase_create("classify");
    tcase_add_test(tc, test_pcap_byte_orders);
    tcase_add_loop_test(tc, test_classify_frame, 0, N_FRAMES);
    tcase_add_test(tc, test_classify_coverage);
    tcase_add_loop_test(tc, test_classify_truncated, 0, N_FRAMES);
    tcase_add_test(tc, test_classify_truncated_garp);
    tcase_add_test(tc, test_classify_edge_cases);
    tcase_add_test(tc, test_strings);
    suite_add_tcase(s, tc);

    tc = tcase_create("dst");
    tcase_add_test(tc, test_multicast_helpers);
    tcase_add_test(tc, test_dst_init);
    suite_add_tcase(s, tc);

    tc = tcase_create("compose");
    tcase_add_test(tc, test_csum);
    tcase_add_loop_test(tc, test_compose_frame, 0, N_FRAMES);
    tcase_add_test(tc, test_compose_lengths);
    tcase_add_test(tc, test_compose_too_small);
    tcase_add_test(tc, test_compose_refuses);
    tcase_add_test(tc, test_compose_zero_udp_csum);
    suite_add_tcase(s, tc);

    tc = tcase_create("parse");
    tcase_add_loop_test(tc, test_parse_truncated, 0, N_DUMMY_SOURCES);
    tcase_add_loop_test(tc, test_parse_corrupted, 0, N_DUMMY_SOURCES);
    tcase_add_test(tc, test_parse_bad_fields);
    tcase_add_test(tc, test_parse_not_dummy);
    suite_add_tcase(s, tc);

    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(announce_suite());
    int n_failed;

    srunner_run_all(sr, CK_NORMAL);
    n_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return n_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
