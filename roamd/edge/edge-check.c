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

#include <config.h>

#include "roamd/edge/edge-check.h"

#include "hash.h"
#include "packets.h"
#include "roamd/edge/edge-config.h"
#include "util.h"

void
edge_table_init(struct edge_table *t)
{
    hmap_init(&t->fwd);
    hmap_init(&t->rev);
}

/* Removes every entry from 't'. */
void
edge_table_clear(struct edge_table *t)
{
    struct edge_fwd *f;
    struct edge_rev *r;

    HMAP_FOR_EACH_POP (f, node, &t->fwd) {
        free(f);
    }
    HMAP_FOR_EACH_POP (r, node, &t->rev) {
        free(r);
    }
}

/* Frees what 't' holds.  Accepts NULL. */
void
edge_table_destroy(struct edge_table *t)
{
    if (t) {
        edge_table_clear(t);
        hmap_destroy(&t->fwd);
        hmap_destroy(&t->rev);
    }
}

static uint32_t
hash_rev(size_t vpn, ovs_be32 ip)
{
    return hash_2words(vpn, (OVS_FORCE uint32_t) ip);
}

/* Returns the entry (1) for 'ip', or NULL. */
struct edge_fwd *
edge_table_find_fwd(const struct edge_table *t, ovs_be32 ip)
{
    struct edge_fwd *f;

    HMAP_FOR_EACH_WITH_HASH (f, node, hash_int((OVS_FORCE uint32_t) ip, 0),
                             &t->fwd) {
        if (f->ip == ip) {
            return f;
        }
    }
    return NULL;
}

/* Returns the entry (2) for 'ip' from VPN number 'vpn', or NULL. */
struct edge_rev *
edge_table_find_rev(const struct edge_table *t, size_t vpn, ovs_be32 ip)
{
    struct edge_rev *r;

    HMAP_FOR_EACH_WITH_HASH (r, node, hash_rev(vpn, ip), &t->rev) {
        if (r->ip == ip && r->vpn == vpn) {
            return r;
        }
    }
    return NULL;
}

static void
add_rev(struct edge_table *t, ovs_be32 ip, size_t vpn)
{
    if (!edge_table_find_rev(t, vpn, ip)) {
        struct edge_rev *r = xmalloc(sizeof *r);

        r->ip = ip;
        r->vpn = vpn;
        hmap_insert(&t->rev, &r->node, hash_rev(vpn, ip));
    }
}

static void
remove_rev(struct edge_table *t, ovs_be32 ip, size_t vpn)
{
    struct edge_rev *r = edge_table_find_rev(t, vpn, ip);

    if (r) {
        hmap_remove(&t->rev, &r->node);
        free(r);
    }
}

/* Gives 'ip' both entries on VPN number 'vpn' (EDGE_LEARN). */
void
edge_table_learn(struct edge_table *t, ovs_be32 ip, size_t vpn,
                 long long int now)
{
    struct edge_fwd *f = edge_table_find_fwd(t, ip);

    if (!f) {
        f = xzalloc(sizeof *f);
        f->ip = ip;
        hmap_insert(&t->fwd, &f->node, hash_int((OVS_FORCE uint32_t) ip,
                                                 0));
    } else if (f->vpn != vpn) {
        remove_rev(t, ip, f->vpn);
    }
    f->vpn = vpn;
    f->since = now;
    add_rev(t, ip, vpn);
}

/* Moves both of 'ip''s entries from VPN number 'from' to 'to'
 * (EDGE_FLIP): (1) now sends to 'to', (2) now matches 'to'. */
void
edge_table_flip(struct edge_table *t, ovs_be32 ip, size_t from, size_t to,
                long long int now)
{
    struct edge_fwd *f = edge_table_find_fwd(t, ip);

    ovs_assert(f && f->vpn == from);
    f->prev_vpn = from;
    f->vpn = to;
    f->since = now;
    f->n_flips++;
    remove_rev(t, ip, from);
    add_rev(t, ip, to);
}

/* Removes every entry of 'ip'. */
void
edge_table_forget(struct edge_table *t, ovs_be32 ip)
{
    struct edge_fwd *f = edge_table_find_fwd(t, ip);

    if (f) {
        remove_rev(t, ip, f->vpn);
        hmap_remove(&t->fwd, &f->node);
        free(f);
    }
}

/* Checks packet 'p', which came from a VPN and matched no entry (2),
 * against 't' under 'c' (see edge-check.h).  For EDGE_FLIP, stores in
 * '*from' the VPN number the address moves from. */
enum edge_verdict
edge_check(const struct edge_config *c, const struct edge_table *t,
           const struct edge_packet *p, size_t *from)
{
    if (!p->vpn || p->vpn > c->n_vpns) {
        return EDGE_NOT_VPN;
    }
    if (c->has_gateway_mac && !eth_addr_equals(p->src_mac, c->gateway_mac)) {
        return EDGE_NOT_GATEWAY;
    }
    if (!p->src_ip
        || ip_is_multicast(p->src_ip) || p->src_ip == htonl(0xffffffff)
        || (ntohl(p->src_ip) >> 24) == 127 || (ntohl(p->src_ip) >> 24) == 0) {
        return EDGE_NOT_HOST;
    }

    /* S4.4: the packet's flow information with its VPN replaced by its
     * partner's, looked up as entries (1) and (2). */
    size_t partner = c->vpns[p->vpn - 1].partner + 1;
    const struct edge_fwd *fwd = edge_table_find_fwd(t, p->src_ip);
    const struct edge_rev *rev = edge_table_find_rev(t, partner, p->src_ip);

    bool fwd_to_partner = fwd && fwd->vpn == partner;

    if (fwd_to_partner && rev) {
        if (fwd->prev_vpn == p->vpn && p->now - fwd->since < c->hold_ms) {
            return EDGE_TOO_SOON;
        }
        *from = partner;
        return EDGE_FLIP;
    }
    return fwd || rev ? EDGE_PARTIAL : EDGE_LEARN;
}

const char *
edge_verdict_name(enum edge_verdict v)
{
    switch (v) {
    case EDGE_LEARN:
        return "learn";
    case EDGE_FLIP:
        return "flip";
    case EDGE_PARTIAL:
        return "partial";
    case EDGE_TOO_SOON:
        return "too-soon";
    case EDGE_NOT_VPN:
        return "not-vpn";
    case EDGE_NOT_GATEWAY:
        return "not-gateway";
    case EDGE_NOT_HOST:
        return "not-host";
    }
    OVS_NOT_REACHED();
}
