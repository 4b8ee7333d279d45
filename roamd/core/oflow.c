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

#include "roamd/core/oflow.h"

#include <errno.h>

#include "byte-order.h"
#include "flow.h"
#include "hash.h"
#include "packets.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-protocol.h"
#include "tun-metadata.h"
#include "util.h"

uint32_t
oflow_key_hash(uint8_t table_id, uint16_t priority,
               const struct minimatch *match)
{
    return minimatch_hash(match, hash_2words(table_id, priority));
}

/* Allocates a flow whose match has 'n_values' values in its flow and in
 * its mask, with room for 'ofpacts_len' bytes of actions, and fills in
 * everything but the match's contents. */
static struct oflow *
oflow_alloc(uint8_t table_id, uint16_t priority, ovs_be64 cookie,
            size_t n_values, const struct ofpact *ofpacts,
            size_t ofpacts_len)
{
    size_t head = ROUND_UP(sizeof(struct oflow), 8);
    size_t mf = sizeof(struct miniflow) + MINIFLOW_VALUES_SIZE(n_values);
    struct oflow *f;
    char *p;

    ovs_assert(ofpacts_len <= UINT32_MAX);
    f = xmalloc(head + 2 * mf + ofpacts_len);
    p = (char *) f + head;
    f->ref_cnt = 1;
    f->table_id = table_id;
    f->priority = priority;
    f->cookie = cookie;
    f->match.flow = (struct miniflow *) p;
    f->match.mask = (struct minimask *) (p + mf);
    f->match.tun_md = NULL;
    f->ofpacts = (struct ofpact *) (p + 2 * mf);
    memcpy(f->ofpacts, ofpacts, ofpacts_len);
    f->ofpacts_len = ofpacts_len;
    return f;
}

/* Returns a new flow with one reference, which the caller owns.  Copies
 * 'match' and 'ofpacts'. */
struct oflow *
oflow_create(uint8_t table_id, uint16_t priority, ovs_be64 cookie,
             const struct minimatch *match, const struct ofpact *ofpacts,
             size_t ofpacts_len)
{
    size_t n = miniflow_n_values(&match->mask->masks);
    struct oflow *f = oflow_alloc(table_id, priority, cookie, n, ofpacts,
                                  ofpacts_len);

    miniflow_clone(f->match.flow, match->flow, n);
    miniflow_clone(&f->match.mask->masks, &match->mask->masks, n);
    f->match.tun_md = tun_metadata_allocation_clone(match->tun_md);
    f->hash = oflow_key_hash(table_id, priority, &f->match);
    return f;
}

/* Like oflow_create(), from an expanded match.  A match on any Ethernet or
 * higher-layer field also gets the packet type that OpenFlow implies
 * (Ethernet), as Open vSwitch adds it when it decodes a flow, so that the
 * flow compares equal to the same flow read back from the switch. */
struct oflow *
oflow_create_from_match(uint8_t table_id, uint16_t priority, ovs_be64 cookie,
                        const struct match *match_,
                        const struct ofpact *ofpacts, size_t ofpacts_len)
{
    struct match normalized = *match_;
    const struct match *match = &normalized;
    struct miniflow map;
    struct oflow *f;

    if (!eth_addr_is_zero(normalized.wc.masks.dl_src)
        || !eth_addr_is_zero(normalized.wc.masks.dl_dst)
        || normalized.wc.masks.dl_type) {
        match_set_default_packet_type(&normalized);
    }

    miniflow_map_init(&map, &match->wc.masks);
    f = oflow_alloc(table_id, priority, cookie, miniflow_n_values(&map),
                    ofpacts, ofpacts_len);
    f->match.flow->map = map.map;
    f->match.mask->masks.map = map.map;
    miniflow_init(f->match.flow, &match->flow);
    minimask_init(f->match.mask, &match->wc);
    f->match.tun_md = tun_metadata_allocation_clone(&match->tun_md);
    f->hash = oflow_key_hash(table_id, priority, &f->match);
    return f;
}

/* Parses 's', a flow in ovs-ofctl syntax ("table=T,priority=P,cookie=C,
 * MATCH,actions=ACTIONS"; table, priority and cookie optional), with port
 * names from 'port_map' (may be NULL).  On success stores a new flow in
 * '*fp' (the caller owns it) and returns 0.  Otherwise returns EINVAL and
 * stores a malloc()'d message in '*errorp' (if nonnull). */
int
oflow_parse(const char *s, const struct ofputil_port_map *port_map,
            struct oflow **fp, char **errorp)
{
    enum ofputil_protocol usable;
    struct ofputil_flow_mod fm;
    char *error;

    *fp = NULL;
    error = parse_ofp_str(&fm, OFPFC_ADD, s, port_map, NULL, &usable);
    if (!error && !(usable & OFPUTIL_P_OF15_OXM)) {
        minimatch_destroy(&fm.match);
        free(fm.ofpacts);
        error = xasprintf("%s: not expressible in OpenFlow 1.5", s);
    }
    if (error) {
        if (errorp) {
            *errorp = error;
        } else {
            free(error);
        }
        return EINVAL;
    }
    *fp = oflow_create(fm.table_id == 0xff ? 0 : fm.table_id, fm.priority,
                       fm.new_cookie, &fm.match, fm.ofpacts, fm.ofpacts_len);
    minimatch_destroy(&fm.match);
    free(fm.ofpacts);
    return 0;
}

/* Returns another reference to 'f', which the caller owns.  A flow's
 * contents never change, so sharing it is safe. */
struct oflow *
oflow_ref(const struct oflow *f_)
{
    struct oflow *f = CONST_CAST(struct oflow *, f_);

    if (f) {
        f->ref_cnt++;
    }
    return f;
}

/* Drops the caller's reference to 'f' (may be NULL). */
void
oflow_unref(struct oflow *f)
{
    if (f && !--f->ref_cnt) {
        free(f->match.tun_md);
        free(f);
    }
}

/* Whether 'a' and 'b' have the same table, priority and match: on a switch
 * one would replace the other. */
bool
oflow_same_key(const struct oflow *a, const struct oflow *b)
{
    return a == b || (a->hash == b->hash && a->table_id == b->table_id
                      && a->priority == b->priority
                      && minimatch_equal(&a->match, &b->match));
}

/* Whether 'a' and 'b', with the same key, also have the same cookie and
 * actions. */
bool
oflow_same_contents(const struct oflow *a, const struct oflow *b)
{
    return a == b || (a->cookie == b->cookie
                      && ofpacts_equal(a->ofpacts, a->ofpacts_len,
                                       b->ofpacts, b->ofpacts_len));
}

/* Returns 'f' in ovs-ofctl syntax, malloc()'d, for logs and tests. */
char *
oflow_to_string(const struct oflow *f)
{
    struct ofpact_format_params fp = { .s = NULL };
    struct ds s = DS_EMPTY_INITIALIZER;
    size_t len;

    ds_put_format(&s, "table=%"PRIu8",priority=%"PRIu16",cookie=%#"PRIx64,
                  f->table_id, f->priority, ntohll(f->cookie));
    len = s.length;
    ds_put_char(&s, ',');
    minimatch_format(&f->match, NULL, NULL, &s, OFP_DEFAULT_PRIORITY);
    if (s.length == len + 1) {
        ds_truncate(&s, len);
    }
    ds_put_cstr(&s, ",actions=");
    fp.s = &s;
    ofpacts_format(f->ofpacts, f->ofpacts_len, &fp);
    return ds_steal_cstr(&s);
}

void
oflows_init(struct oflows *fs)
{
    fs->flows = NULL;
    fs->n = fs->allocated = 0;
}

/* Drops every flow of 'fs', which stays initialized and empty. */
void
oflows_clear(struct oflows *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        oflow_unref(fs->flows[i]);
    }
    fs->n = 0;
}

void
oflows_destroy(struct oflows *fs)
{
    if (fs) {
        oflows_clear(fs);
        free(fs->flows);
        fs->flows = NULL;
        fs->allocated = 0;
    }
}

/* Adds 'f' to 'fs', taking over the caller's reference. */
void
oflows_add(struct oflows *fs, struct oflow *f)
{
    if (fs->n >= fs->allocated) {
        fs->flows = x2nrealloc(fs->flows, &fs->allocated, sizeof *fs->flows);
    }
    fs->flows[fs->n++] = f;
}

/* Parses 's' (oflow_parse()) and adds it to 'fs'.  Returns 0, or EINVAL
 * with a malloc()'d message in '*errorp' (if nonnull). */
int
oflows_add_text(struct oflows *fs, const char *s, char **errorp)
{
    struct oflow *f;
    int error = oflow_parse(s, NULL, &f, errorp);

    if (!error) {
        oflows_add(fs, f);
    }
    return error;
}
