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

#include "roam/rewrite-action.h"

#include "colors.h"
#include "coverage.h"
#include "flow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-parse.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(roam_rewrite);

COVERAGE_DEFINE(roam_rewrite_xlate);

static const char *
sides_to_string(uint8_t sides)
{
    return (sides == (ROAM_REWRITE_SRC | ROAM_REWRITE_DST) ? "both"
            : sides == ROAM_REWRITE_SRC ? "src"
            : "dst");
}

/* Returns NULL if 'rw''s addresses make a usable rewrite, else a static
 * explanation.  The text parser and the wire decoder both apply it, so a
 * flow either is refused both ways or is accepted both ways: a flow that
 * the switch took but ovs-ofctl could not add again would be lost when
 * roamd moves it to another host. */
static const char *
check_identities(const struct ofpact_roam_rewrite *rw, const char **which)
{
    static const char *names[] = { "from_mac", "to_mac", "from_ip",
                                   "to_ip" };
    const struct eth_addr *macs[] = { &rw->from_mac, &rw->to_mac };
    const ovs_be32 ips[] = { rw->from_ip, rw->to_ip };
    int i;

    for (i = 0; i < 2; i++) {
        if (eth_addr_is_multicast(*macs[i]) || eth_addr_is_zero(*macs[i])) {
            *which = names[i];
            return "is not a unicast MAC address";
        }
    }
    for (i = 0; i < 2; i++) {
        if (!ips[i] || ip_is_multicast(ips[i])
            || ips[i] == htonl(INADDR_BROADCAST)) {
            *which = names[2 + i];
            return "is not a unicast IPv4 address";
        }
    }
    *which = NULL;
    if (eth_addr_equals(rw->from_mac, rw->to_mac)
        && rw->from_ip == rw->to_ip) {
        return "from and to identities are the same";
    }
    return NULL;
}

/* Decodes wire action 'rar', whose length Open vSwitch has already checked,
 * into a new OFPACT_ROAM_REWRITE appended to 'ofpacts'.  Returns 0 or an
 * OpenFlow error code; on error appends nothing. */
int
roam_rewrite_decode(const struct roam_action_rewrite *rar,
                    struct ofpbuf *ofpacts)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    struct ofpact_roam_rewrite *rw;

    if (!rar->sides || rar->sides & ~(ROAM_REWRITE_SRC | ROAM_REWRITE_DST)) {
        VLOG_WARN_RL(&rl, "roam_rewrite: bad sides 0x%"PRIx8, rar->sides);
        return OFPERR_OFPBAC_BAD_ARGUMENT;
    }
    if (rar->pad) {
        VLOG_WARN_RL(&rl, "roam_rewrite: reserved byte is nonzero");
        return OFPERR_OFPBAC_BAD_ARGUMENT;
    }

    struct ofpact_roam_rewrite tmp = {
        .sides = rar->sides,
        .from_mac = rar->from_mac, .to_mac = rar->to_mac,
        .from_ip = rar->from_ip, .to_ip = rar->to_ip,
    };
    const char *which, *problem = check_identities(&tmp, &which);
    if (problem) {
        VLOG_WARN_RL(&rl, "roam_rewrite: %s%s%s", which ? which : "",
                     which ? " " : "", problem);
        return OFPERR_OFPBAC_BAD_ARGUMENT;
    }

    rw = ofpact_put_ROAM_REWRITE(ofpacts);
    rw->ofpact.raw = ROAMAST_REWRITE;
    rw->sides = rar->sides;
    rw->from_mac = rar->from_mac;
    rw->to_mac = rar->to_mac;
    rw->from_ip = rar->from_ip;
    rw->to_ip = rar->to_ip;
    return 0;
}

/* Fills in the body of 'rar', whose header Open vSwitch has already
 * written, from 'rw'. */
void
roam_rewrite_encode(const struct ofpact_roam_rewrite *rw,
                    struct roam_action_rewrite *rar)
{
    rar->sides = rw->sides;
    rar->pad = 0;
    rar->from_mac = rw->from_mac;
    rar->to_mac = rw->to_mac;
    rar->from_ip = rw->from_ip;
    rar->to_ip = rw->to_ip;
}

/* Parses 'arg', "side=SIDE,from_mac=MAC,from_ip=IP,to_mac=MAC,to_ip=IP" in
 * any order, into an OFPACT_ROAM_REWRITE appended to 'pp->ofpacts'.  Every
 * key is required exactly once.  Returns NULL or a malloc()'d error message
 * that names the problem. */
char *
roam_rewrite_parse(char *arg, const struct ofpact_parse_params *pp)
{
    struct ofpact_roam_rewrite rw;
    unsigned int seen = 0;
    char *key, *value;

    memset(&rw, 0, sizeof rw);
    while (ofputil_parse_key_value(&arg, &key, &value)) {
        unsigned int bit;

        if (!strcmp(key, "side")) {
            bit = 1;
            rw.sides = (!strcmp(value, "src") ? ROAM_REWRITE_SRC
                        : !strcmp(value, "dst") ? ROAM_REWRITE_DST
                        : !strcmp(value, "both")
                          ? ROAM_REWRITE_SRC | ROAM_REWRITE_DST
                        : 0);
            if (!rw.sides) {
                return xasprintf("roam_rewrite: side must be src, dst or "
                                 "both, not \"%s\"", value);
            }
        } else if (!strcmp(key, "from_mac") || !strcmp(key, "to_mac")) {
            struct eth_addr *mac = key[0] == 'f' ? &rw.from_mac : &rw.to_mac;

            bit = key[0] == 'f' ? 2 : 4;
            if (!eth_addr_from_string(value, mac)) {
                return xasprintf("roam_rewrite: %s: invalid MAC address "
                                 "\"%s\"", key, value);
            }
            if (eth_addr_is_multicast(*mac) || eth_addr_is_zero(*mac)) {
                return xasprintf("roam_rewrite: %s: %s is not a unicast "
                                 "MAC address", key, value);
            }
        } else if (!strcmp(key, "from_ip") || !strcmp(key, "to_ip")) {
            ovs_be32 *ip = key[0] == 'f' ? &rw.from_ip : &rw.to_ip;

            bit = key[0] == 'f' ? 8 : 16;
            if (!ip_parse(value, ip)) {
                return xasprintf("roam_rewrite: %s: invalid IPv4 address "
                                 "\"%s\"", key, value);
            }
            if (!*ip || ip_is_multicast(*ip)
                || *ip == htonl(INADDR_BROADCAST)) {
                return xasprintf("roam_rewrite: %s: %s is not a unicast "
                                 "IPv4 address", key, value);
            }
        } else {
            return xasprintf("roam_rewrite: unknown argument \"%s\" (expected "
                             "side, from_mac, from_ip, to_mac or to_ip)",
                             key);
        }
        if (seen & bit) {
            return xasprintf("roam_rewrite: %s given twice", key);
        }
        seen |= bit;
    }

    if (seen != 31) {
        static const char *names[] = { "side", "from_mac", "to_mac",
                                       "from_ip", "to_ip" };
        int i;

        for (i = 0; i < ARRAY_SIZE(names); i++) {
            if (!(seen & (1u << i))) {
                return xasprintf("roam_rewrite: missing %s", names[i]);
            }
        }
    }
    const char *which, *problem = check_identities(&rw, &which);
    if (problem) {
        /* (Each address was checked as it was parsed, with its text.) */
        return xasprintf("roam_rewrite: %s%s%s", which ? which : "",
                         which ? " " : "", problem);
    }

    struct ofpact_roam_rewrite *out = ofpact_put_ROAM_REWRITE(pp->ofpacts);
    out->sides = rw.sides;
    out->from_mac = rw.from_mac;
    out->to_mac = rw.to_mac;
    out->from_ip = rw.from_ip;
    out->to_ip = rw.to_ip;
    return NULL;
}

/* Appends 'rw' to 'fp->s' in exactly the syntax roam_rewrite_parse()
 * takes, keys in a fixed order. */
void
roam_rewrite_format(const struct ofpact_roam_rewrite *rw,
                    const struct ofpact_format_params *fp)
{
    ds_put_format(fp->s, "%sroam_rewrite(%s", colors.paren, colors.end);
    ds_put_format(fp->s, "%sside=%s%s,", colors.param, colors.end,
                  sides_to_string(rw->sides));
    ds_put_format(fp->s, "%sfrom_mac=%s"ETH_ADDR_FMT",",
                  colors.param, colors.end, ETH_ADDR_ARGS(rw->from_mac));
    ds_put_format(fp->s, "%sfrom_ip=%s"IP_FMT",",
                  colors.param, colors.end, IP_ARGS(rw->from_ip));
    ds_put_format(fp->s, "%sto_mac=%s"ETH_ADDR_FMT",",
                  colors.param, colors.end, ETH_ADDR_ARGS(rw->to_mac));
    ds_put_format(fp->s, "%sto_ip=%s"IP_FMT,
                  colors.param, colors.end, IP_ARGS(rw->to_ip));
    ds_put_format(fp->s, "%s)%s", colors.paren, colors.end);
}

static bool
rewrite_mac(struct eth_addr *field, struct eth_addr *mask,
            const struct ofpact_roam_rewrite *rw)
{
    *mask = eth_addr_exact;
    if (eth_addr_equals(*field, rw->from_mac)) {
        *field = rw->to_mac;
        return true;
    }
    return false;
}

static bool
rewrite_ip(ovs_be32 *field, ovs_be32 *mask,
           const struct ofpact_roam_rewrite *rw)
{
    *mask = OVS_BE32_MAX;
    if (*field == rw->from_ip) {
        *field = rw->to_ip;
        return true;
    }
    return false;
}

/* Applies 'rw' to 'flow', un-wildcarding in 'wc' every field it looks at, so
 * that the resulting megaflow is exact on what the decision depended on.
 * Returns true if any field changed.  The caller commits the change to
 * datapath actions as usual. */
bool
roam_rewrite_xlate(const struct ofpact_roam_rewrite *rw, struct flow *flow,
                   struct flow_wildcards *wc)
{
    bool ip = flow->dl_type == htons(ETH_TYPE_IP);
    bool arp = flow->dl_type == htons(ETH_TYPE_ARP);
    bool changed = false;

    COVERAGE_INC(roam_rewrite_xlate);
    wc->masks.dl_type = OVS_BE16_MAX;
    if (rw->sides & ROAM_REWRITE_SRC) {
        changed |= rewrite_mac(&flow->dl_src, &wc->masks.dl_src, rw);
        if (ip || arp) {
            changed |= rewrite_ip(&flow->nw_src, &wc->masks.nw_src, rw);
        }
        if (arp) {
            changed |= rewrite_mac(&flow->arp_sha, &wc->masks.arp_sha, rw);
        }
    }
    if (rw->sides & ROAM_REWRITE_DST) {
        changed |= rewrite_mac(&flow->dl_dst, &wc->masks.dl_dst, rw);
        if (ip || arp) {
            changed |= rewrite_ip(&flow->nw_dst, &wc->masks.nw_dst, rw);
        }
        if (arp) {
            changed |= rewrite_mac(&flow->arp_tha, &wc->masks.arp_tha, rw);
        }
    }
    return changed;
}
