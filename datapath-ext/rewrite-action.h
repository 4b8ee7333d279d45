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

#ifndef ROAM_REWRITE_ACTION_H
#define ROAM_REWRITE_ACTION_H 1

/* The roam_rewrite OpenFlow action: location-dependent pseudo-identifier
 * rewriting (seed features S0.1, S0.4, S0.6).
 *
 * One action replaces one identity (a MAC and an IPv4 address) by another,
 * real -> pseudo or pseudo -> real, wherever it appears on the chosen side of
 * the packet: Ethernet source/destination, IPv4 source/destination (with the
 * IPv4 and L4 checksums fixed by the datapath) and ARP sha/spa or tha/tpa.
 * A field that does not hold the "from" value is left alone.
 *
 * Translation only edits the flow and its wildcards; the datapath then runs
 * ordinary set/set_masked actions, so every packet after the first stays in
 * the fast path.  ARP fields stay there too wherever the datapath supports
 * set(arp), which ofproto-dpif probes ("arp_set_action").
 *
 * This file is compiled into libopenvswitch by roam's OVS patch series; the
 * thin static wrappers that Open vSwitch's action table expects live in
 * lib/ofp-actions.c and call the functions below.  The wire format is in
 * docs/design.md. */

#include "openvswitch/types.h"

struct flow;
struct flow_wildcards;
struct ofpact_roam_rewrite;
struct ofpact_format_params;
struct ofpact_parse_params;
struct ofpbuf;

/* roam's OpenFlow experimenter ID: the ASCII bytes "ROAM". */
#define ROAM_VENDOR_ID 0x524f414d

/* Experimenter action subtypes under ROAM_VENDOR_ID. */
enum roam_action_subtype {
    ROAMAST_REWRITE = 1,
    ROAMAST_ANNOUNCE = 2,
    ROAMAST_GATE = 3,
};

/* Wire format of roam_rewrite (32 bytes). */
struct roam_action_rewrite {
    ovs_be16 type;              /* OFPAT_VENDOR. */
    ovs_be16 len;               /* 32. */
    ovs_be32 vendor;            /* ROAM_VENDOR_ID. */
    ovs_be16 subtype;           /* ROAMAST_REWRITE. */
    uint8_t sides;              /* ROAM_REWRITE_SRC | ROAM_REWRITE_DST. */
    uint8_t pad;                /* Must be zero. */
    struct eth_addr from_mac;   /* Identity looked for... */
    struct eth_addr to_mac;     /* ...and what replaces it. */
    ovs_be32 from_ip;
    ovs_be32 to_ip;
};
BUILD_ASSERT_DECL(sizeof(struct roam_action_rewrite) == 32);

int roam_rewrite_decode(const struct roam_action_rewrite *,
                        struct ofpbuf *ofpacts);
void roam_rewrite_encode(const struct ofpact_roam_rewrite *,
                         struct roam_action_rewrite *);
char *roam_rewrite_parse(char *arg, const struct ofpact_parse_params *)
    OVS_WARN_UNUSED_RESULT;
void roam_rewrite_format(const struct ofpact_roam_rewrite *,
                         const struct ofpact_format_params *);
bool roam_rewrite_xlate(const struct ofpact_roam_rewrite *, struct flow *,
                        struct flow_wildcards *);

#endif /* rewrite-action.h */
