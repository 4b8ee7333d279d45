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
#ifndef ROAM_EDGE_CHECK_H
#define ROAM_EDGE_CHECK_H 1

/* The client edge controller's check (seed features S4.2 and S4.4), on
 * its table of learned entries.
 *
 * For each address A that the site has learned, the edge holds two
 * entries, as the seed's flow table does: (1) "from a client port,
 * destination A -> VPN v" and (2) "from VPN v, source A".  A packet from
 * VPN w whose source A matches no entry (2) comes to the check, which
 * takes its flow information, replaces w by w's partner p (S4.4; for a
 * VLAN pair, S4.2's "VLAN 2 -> VLAN 1") and looks both entries up:
 *
 *   - (1) sends A to p and (2) accepts A from p: A has moved behind w;
 *     flip both to w (EDGE_FLIP);
 *   - A has no entry at all: learn both on w, as the VM's first traffic
 *     teaches any switch (EDGE_LEARN);
 *   - anything else (one of the two only, or entries on a VPN that is not
 *     w's partner): change nothing, forward by the ordinary rules, and
 *     count (EDGE_PARTIAL).
 *
 * For 'hold_ms' after a flip from p to w, a packet from p does not flip
 * the address back (EDGE_TOO_SOON): it is one that left the old place
 * before the VM moved, late (a live migration back takes far longer).
 *
 * Before any of that, the packet must have come from a configured VPN
 * (EDGE_NOT_VPN), from the VPNs' gateway where its MAC is configured
 * (EDGE_NOT_GATEWAY: a spoofed source on the VPN's link), and carry a host
 * address as source (EDGE_NOT_HOST).
 *
 * The table is keyed as the switch's is: entries (1) by A, entries (2) by
 * (VPN, A), both hashed, so a check costs the same at 1 or 10 000
 * addresses.  Pure logic: the caller turns verdicts into flows. */

#include <stdbool.h>
#include <stddef.h>

#include "openvswitch/hmap.h"
#include "openvswitch/types.h"

struct edge_config;

/* An entry (1): the clients' traffic for 'ip' goes to VPN 'vpn'. */
struct edge_fwd {
    struct hmap_node node;      /* In edge_table's 'fwd', by 'ip'. */
    ovs_be32 ip;
    size_t vpn;                 /* VPN number (edge-config.h). */
    size_t prev_vpn;            /* Where the last flip came from, or 0. */
    long long int since;        /* When learned or last flipped. */
    unsigned int n_flips;
};

/* An entry (2): traffic from 'ip' is accepted from VPN 'vpn'. */
struct edge_rev {
    struct hmap_node node;      /* In edge_table's 'rev', by both. */
    ovs_be32 ip;
    size_t vpn;
};

struct edge_table {
    struct hmap fwd;            /* struct edge_fwd. */
    struct hmap rev;            /* struct edge_rev. */
};

/* A packet that came from a VPN and matched no entry (2). */
struct edge_packet {
    size_t vpn;                 /* VPN number it came from, 0 if none. */
    struct eth_addr src_mac;
    ovs_be32 src_ip;
    long long int now;          /* When it arrived (ms). */
};

enum edge_verdict {
    EDGE_LEARN,
    EDGE_FLIP,
    EDGE_PARTIAL,
    EDGE_TOO_SOON,
    EDGE_NOT_VPN,
    EDGE_NOT_GATEWAY,
    EDGE_NOT_HOST,
};

void edge_table_init(struct edge_table *);
void edge_table_destroy(struct edge_table *);
void edge_table_clear(struct edge_table *);

struct edge_fwd *edge_table_find_fwd(const struct edge_table *, ovs_be32 ip);
struct edge_rev *edge_table_find_rev(const struct edge_table *, size_t vpn,
                                     ovs_be32 ip);
void edge_table_learn(struct edge_table *, ovs_be32 ip, size_t vpn,
                      long long int now);
void edge_table_flip(struct edge_table *, ovs_be32 ip, size_t from,
                     size_t to, long long int now);
void edge_table_forget(struct edge_table *, ovs_be32 ip);

enum edge_verdict edge_check(const struct edge_config *,
                             const struct edge_table *,
                             const struct edge_packet *, size_t *from);
const char *edge_verdict_name(enum edge_verdict);

#endif /* edge/edge-check.h */
