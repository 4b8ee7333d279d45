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

#include "pseudo-id.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD_MAX_BITS 16

void
pseudo_id_layout_default(struct pseudo_id_layout *l)
{
    memset(l, 0, sizeof *l);
    l->ip_prefix = htonl(0x64400000);    /* 100.64.0.0 */
    l->ip_prefix_len = 10;
    l->mac_prefix = 0x0a;
    l->dc_bits = 4;
    l->pod_bits = 6;
    l->host_bits = 6;
    l->vm_bits = 6;
}

static unsigned int
field_bits(const struct pseudo_id_layout *l)
{
    return l->dc_bits + l->pod_bits + l->host_bits + l->vm_bits;
}

static uint32_t
prefix_mask(unsigned int len)
{
    return len ? ~0u << (32 - len) : 0;
}

/* Returns 0 if 'l' is a usable layout, otherwise EINVAL. */
int
pseudo_id_layout_check(const struct pseudo_id_layout *l)
{
    if (l->ip_prefix_len < 1 || l->ip_prefix_len > 24
        || ntohl(l->ip_prefix) & ~prefix_mask(l->ip_prefix_len)) {
        return EINVAL;
    }
    if (!(l->mac_prefix & 0x02) || (l->mac_prefix & 0x01)) {
        return EINVAL;
    }
    if (l->dc_bits < 1 || l->dc_bits > FIELD_MAX_BITS
        || l->pod_bits < 1 || l->pod_bits > FIELD_MAX_BITS
        || l->host_bits < 1 || l->host_bits > FIELD_MAX_BITS
        || l->vm_bits < 2 || l->vm_bits > FIELD_MAX_BITS) {
        return EINVAL;
    }
    if (field_bits(l) > 32 - l->ip_prefix_len
        || field_bits(l) > PSEUDO_ID_MAC_FIELD_BITS) {
        return EINVAL;
    }
    return 0;
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *value)
{
    char *end;

    /* Decimal digits only: no sign, no space, no octal or hex prefix. */
    if (!isdigit((unsigned char) *s)) {
        return EINVAL;
    }
    errno = 0;
    *value = strtoul(s, &end, 10);
    return errno || *end || *value > max ? EINVAL : 0;
}

/* Parses 's', in the form pseudo_id_layout_format() writes,
 *   "ip=100.64.0.0/10,mac=0a,dc=4,pod=6,host=6,vm=6",
 * into '*l'.  Keys may come in any order; a missing key keeps the default.
 * Returns 0, or EINVAL for an unknown key, a bad value or a layout that
 * pseudo_id_layout_check() rejects. */
int
pseudo_id_layout_parse(struct pseudo_id_layout *l, const char *s)
{
    size_t len = strlen(s);
    char buf[256];
    char *save = NULL;
    char *tok;

    pseudo_id_layout_default(l);
    if (len >= sizeof buf) {
        return EINVAL;
    }
    memcpy(buf, s, len + 1);
    for (tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *value = strchr(tok, '=');
        unsigned long n;

        if (!value) {
            return EINVAL;
        }
        *value++ = '\0';
        if (!strcmp(tok, "ip")) {
            char *slash = strchr(value, '/');
            struct in_addr addr;

            if (!slash) {
                return EINVAL;
            }
            *slash = '\0';
            if (inet_pton(AF_INET, value, &addr) != 1
                || parse_uint(slash + 1, 32, &n)) {
                return EINVAL;
            }
            l->ip_prefix = addr.s_addr;
            l->ip_prefix_len = n;
        } else if (!strcmp(tok, "mac")) {
            if (strlen(value) != 2 || !isxdigit((unsigned char) value[0])
                || !isxdigit((unsigned char) value[1])) {
                return EINVAL;
            }
            n = strtoul(value, NULL, 16);
            l->mac_prefix = n;
        } else {
            unsigned int *field = (!strcmp(tok, "dc") ? &l->dc_bits
                                   : !strcmp(tok, "pod") ? &l->pod_bits
                                   : !strcmp(tok, "host") ? &l->host_bits
                                   : !strcmp(tok, "vm") ? &l->vm_bits
                                   : NULL);
            if (!field || parse_uint(value, 32, &n)) {
                return EINVAL;
            }
            *field = n;
        }
    }
    return pseudo_id_layout_check(l);
}

/* Writes 'l' into 'buf' as "ip=A.B.C.D/N,mac=XX,dc=N,pod=N,host=N,vm=N".
 * Returns what snprintf() returns. */
size_t
pseudo_id_layout_format(const struct pseudo_id_layout *l, char *buf,
                        size_t size)
{
    char ip[INET_ADDRSTRLEN];

    inet_ntop(AF_INET, &l->ip_prefix, ip, sizeof ip);
    return snprintf(buf, size, "ip=%s/%u,mac=%02x,dc=%u,pod=%u,host=%u,vm=%u",
                    ip, l->ip_prefix_len, l->mac_prefix, l->dc_bits,
                    l->pod_bits, l->host_bits, l->vm_bits);
}

/* Returns 0 if every field of 'id' fits 'l', EINVAL for a bad layout and
 * ERANGE for a field out of range (including a reserved VM index). */
int
pseudo_id_check(const struct pseudo_id_layout *l, const struct pseudo_id *id)
{
    uint32_t vm_max;

    if (pseudo_id_layout_check(l)) {
        return EINVAL;
    }
    vm_max = (1u << l->vm_bits) - 1;
    if (id->dc >> l->dc_bits || id->pod >> l->pod_bits
        || id->host >> l->host_bits || !id->vm || id->vm >= vm_max) {
        return ERANGE;
    }
    return 0;
}

/* The fields of 'id' packed as a (field_bits(l))-bit number. */
static uint64_t
pack(const struct pseudo_id_layout *l, const struct pseudo_id *id)
{
    uint64_t v = id->dc;

    v = (v << l->pod_bits) | id->pod;
    v = (v << l->host_bits) | id->host;
    v = (v << l->vm_bits) | id->vm;
    return v;
}

static void
unpack(const struct pseudo_id_layout *l, uint64_t v, struct pseudo_id *id)
{
    id->vm = v & ((1u << l->vm_bits) - 1);
    v >>= l->vm_bits;
    id->host = v & ((1u << l->host_bits) - 1);
    v >>= l->host_bits;
    id->pod = v & ((1u << l->pod_bits) - 1);
    v >>= l->pod_bits;
    id->dc = v;
}

/* Encodes 'id' under layout 'l' into a pseudo MAC, stored in 'mac' if it is
 * nonnull, and a pseudo IPv4 address in network byte order, stored in '*ip'
 * if 'ip' is nonnull.  Returns 0, or an error from pseudo_id_check(), in
 * which case nothing is stored. */
int
pseudo_id_encode(const struct pseudo_id_layout *l, const struct pseudo_id *id,
                 uint8_t mac[6], uint32_t *ip)
{
    int error = pseudo_id_check(l, id);
    uint64_t v;
    int i;

    if (error) {
        return error;
    }
    v = pack(l, id);
    if (ip) {
        *ip = htonl(ntohl(l->ip_prefix) | (uint32_t) v);
    }
    if (mac) {
        uint64_t m = v << (PSEUDO_ID_MAC_FIELD_BITS - field_bits(l));

        mac[0] = l->mac_prefix;
        for (i = 5; i >= 1; i--) {
            mac[i] = m & 0xff;
            m >>= 8;
        }
    }
    return 0;
}

/* Decodes pseudo IPv4 address 'ip' (network byte order).  Returns 0, EINVAL
 * for a bad layout or an address outside the layout's prefix or with nonzero
 * slack bits, or ERANGE for a reserved VM index. */
int
pseudo_id_decode_ip(const struct pseudo_id_layout *l, uint32_t ip,
                    struct pseudo_id *id)
{
    uint32_t h = ntohl(ip);
    unsigned int bits = field_bits(l);

    memset(id, 0, sizeof *id);
    if (pseudo_id_layout_check(l)
        || (h & prefix_mask(l->ip_prefix_len)) != ntohl(l->ip_prefix)
        || (bits < 32 && (h & ~prefix_mask(l->ip_prefix_len)) >> bits)) {
        return EINVAL;
    }
    unpack(l, bits < 32 ? h & ((1u << bits) - 1) : h, id);
    return pseudo_id_check(l, id);
}

/* Decodes pseudo MAC 'mac'.  Errors as for pseudo_id_decode_ip(); a MAC with
 * the wrong prefix octet or nonzero trailing bits is EINVAL. */
int
pseudo_id_decode_mac(const struct pseudo_id_layout *l, const uint8_t mac[6],
                     struct pseudo_id *id)
{
    unsigned int shift = PSEUDO_ID_MAC_FIELD_BITS - field_bits(l);
    uint64_t m = 0;
    int i;

    memset(id, 0, sizeof *id);
    if (pseudo_id_layout_check(l) || mac[0] != l->mac_prefix) {
        return EINVAL;
    }
    for (i = 1; i < 6; i++) {
        m = (m << 8) | mac[i];
    }
    if (m & ((UINT64_C(1) << shift) - 1)) {
        return EINVAL;
    }
    unpack(l, m >> shift, id);
    return pseudo_id_check(l, id);
}

/* Computes the prefix that selects every pseudo address in the datacenter,
 * pod or host (per 'scope') of 'id'; 'id->vm' is ignored, and so are the
 * fields after the scope.  Stores the IPv4 prefix and mask (network byte
 * order) and the MAC prefix and mask in whichever outputs are nonnull.
 * Returns 0, EINVAL for a bad layout or ERANGE for a field out of range. */
int
pseudo_id_prefix(const struct pseudo_id_layout *l, const struct pseudo_id *id,
                 enum pseudo_id_scope scope, uint32_t *ip, uint32_t *ip_mask,
                 uint8_t mac[6], uint8_t mac_mask[6])
{
    struct pseudo_id probe = *id;
    unsigned int keep;           /* Field bits covered by the prefix. */
    unsigned int bits = field_bits(l);
    uint64_t v, vmask;
    int error;
    int i;

    probe.vm = 1;
    if (scope != PSEUDO_ID_SCOPE_HOST) {
        probe.host = 0;
    }
    if (scope == PSEUDO_ID_SCOPE_DC) {
        probe.pod = 0;
    }
    error = pseudo_id_check(l, &probe);
    if (error) {
        return error;
    }
    keep = l->dc_bits + (scope >= PSEUDO_ID_SCOPE_POD ? l->pod_bits : 0)
           + (scope >= PSEUDO_ID_SCOPE_HOST ? l->host_bits : 0);
    vmask = ((UINT64_C(1) << keep) - 1) << (bits - keep);
    v = pack(l, &probe) & vmask;

    if (ip) {
        *ip = htonl(ntohl(l->ip_prefix) | (uint32_t) v);
    }
    if (ip_mask) {
        /* The prefix, the slack bits (always zero) and the covered fields. */
        *ip_mask = htonl(prefix_mask(32 - bits + keep));
    }
    if (mac || mac_mask) {
        unsigned int shift = PSEUDO_ID_MAC_FIELD_BITS - bits;
        uint64_t m = v << shift;
        uint64_t mm = vmask << shift;

        for (i = 5; i >= 1; i--) {
            if (mac) {
                mac[i] = m & 0xff;
            }
            if (mac_mask) {
                mac_mask[i] = mm & 0xff;
            }
            m >>= 8;
            mm >>= 8;
        }
        if (mac) {
            mac[0] = l->mac_prefix;
        }
        if (mac_mask) {
            mac_mask[0] = 0xff;
        }
    }
    return 0;
}
