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

#ifndef ROAM_PSEUDO_ID_H
#define ROAM_PSEUDO_ID_H 1

/* Location-dependent pseudo identifiers (seed feature S0.1).
 *
 * A VM keeps its real MAC and IPv4 address for life.  On top of them the
 * network hands out a pseudo MAC and a pseudo IPv4 address that encode where
 * the VM is: its datacenter, its topology position (pod and host) and a
 * per-host VM index.  Fields are packed most significant first, datacenter
 * leftmost, so a prefix of a pseudo address selects a datacenter, a pod or a
 * host, and a core switch forwards on a handful of prefix flows instead of
 * one flow per VM.
 *
 *   pseudo IPv4:  [ ip prefix | slack=0 | dc | pod | host | vm ]  (32 bits)
 *   pseudo MAC:   [ mac prefix octet | dc | pod | host | vm | 0 ]  (48 bits)
 *
 * The MAC prefix octet must be locally administered and unicast.  The field
 * widths are configurable; pseudo_id_layout_check() enforces the limits.
 * VM index 0 and the all-ones VM index are reserved, so no pseudo IPv4
 * address is ever a host part of all zeros or all ones.
 *
 * Pure C, no allocation, no state: encode and decode are exact inverses, and
 * out-of-range input is an error, never a silently truncated field. */

#include <stddef.h>
#include <stdint.h>

#define PSEUDO_ID_MAC_FIELD_BITS 40   /* MAC bits after the prefix octet. */

struct pseudo_id_layout {
    uint32_t ip_prefix;          /* Network byte order. */
    unsigned int ip_prefix_len;  /* 1..24. */
    uint8_t mac_prefix;          /* First MAC octet: LA bit set, unicast. */
    unsigned int dc_bits;        /* Each field 1..16 bits wide... */
    unsigned int pod_bits;
    unsigned int host_bits;
    unsigned int vm_bits;        /* ...and VM index at least 2 bits. */
};

struct pseudo_id {
    uint32_t dc;                 /* Datacenter number. */
    uint32_t pod;                /* Pod or rack within the datacenter. */
    uint32_t host;               /* Host within the pod. */
    uint32_t vm;                 /* VM index on the host, 1..2^vm_bits-2. */
};

/* Default: 100.64.0.0/10 (RFC 6598 shared space), MAC 0a:..., 4-bit DC,
 * 6-bit pod, 6-bit host, 6-bit VM: 16 datacenters of 64 pods of 64 hosts of
 * 62 VMs. */
void pseudo_id_layout_default(struct pseudo_id_layout *);
int pseudo_id_layout_check(const struct pseudo_id_layout *);
int pseudo_id_layout_parse(struct pseudo_id_layout *, const char *s);
size_t pseudo_id_layout_format(const struct pseudo_id_layout *,
                               char *buf, size_t size);

int pseudo_id_check(const struct pseudo_id_layout *,
                    const struct pseudo_id *);
int pseudo_id_encode(const struct pseudo_id_layout *, const struct pseudo_id *,
                     uint8_t mac[6], uint32_t *ip);
int pseudo_id_decode_ip(const struct pseudo_id_layout *, uint32_t ip,
                        struct pseudo_id *);
int pseudo_id_decode_mac(const struct pseudo_id_layout *, const uint8_t mac[6],
                         struct pseudo_id *);

/* Which leading fields a prefix covers. */
enum pseudo_id_scope {
    PSEUDO_ID_SCOPE_DC,          /* dc. */
    PSEUDO_ID_SCOPE_POD,         /* dc + pod. */
    PSEUDO_ID_SCOPE_HOST,        /* dc + pod + host. */
};

int pseudo_id_prefix(const struct pseudo_id_layout *,
                     const struct pseudo_id *, enum pseudo_id_scope,
                     uint32_t *ip, uint32_t *ip_mask,
                     uint8_t mac[6], uint8_t mac_mask[6]);

#endif /* pseudo-id.h */
