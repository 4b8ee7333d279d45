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

/* The OpenFlow side of roam_gate (see gate-action.h): wire format, text
 * form, checks, and the pieces translation builds the datapath action
 * from.  gate-datapath.c executes it. */

#include <config.h>

#include "roam/gate-action.h"

#include <errno.h>

#include "byte-order.h"
#include "colors.h"
#include "flow.h"
#include "odp-netlink.h"
#include "netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-parse.h"
#include "openvswitch/ofp-port.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "roam/rewrite-action.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(roam_gate);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

/* OpenFlow side. */

static const char *
check_args(uint64_t id, bool open, bool divert, uint32_t limit,
           ofp_port_t port)
{
    if (!id) {
        return "id must be nonzero";
    }
    if (open && divert) {
        return "open and divert exclude each other";
    }
    if ((open || divert) && limit) {
        return "limit applies only to a gate that holds";
    }
    if (limit > ROAM_GATE_MAX_LIMIT) {
        return "limit is larger than 65536";
    }
    if (open && port != OFPP_NONE) {
        return "port applies only to a gate that holds";
    }
    if (divert && port == OFPP_NONE) {
        return "divert needs a port";
    }
    if (port != OFPP_NONE && ofp_to_u16(port) >= ofp_to_u16(OFPP_MAX)
        && !(divert && port == OFPP_IN_PORT)) {
        return "port must be a switch port number";
    }
    return NULL;
}

static void
put_ofpact(struct ofpbuf *ofpacts, uint64_t id, bool open, bool divert,
           uint32_t limit, ofp_port_t port)
{
    struct ofpact_roam_gate *rg = ofpact_put_ROAM_GATE(ofpacts);

    rg->id = id;
    rg->open = open;
    rg->divert = divert;
    rg->port = port;
    rg->limit = (open || divert ? 0
                 : limit ? limit : ROAM_GATE_DEFAULT_LIMIT);
}

/* Decodes wire action 'rag', whose length Open vSwitch has already checked,
 * into a new OFPACT_ROAM_GATE appended to 'ofpacts'.  Returns 0 or an
 * OpenFlow error code; on error appends nothing. */
int
roam_gate_decode(const struct roam_action_gate *rag, struct ofpbuf *ofpacts)
{
    uint16_t flags = ntohs(rag->flags);
    const char *problem;
    ofp_port_t port;

    if (flags & ~(ROAM_GATE_F_OPEN | ROAM_GATE_F_DIVERT)) {
        VLOG_WARN_RL(&rl, "roam_gate: unknown flags %#"PRIx16, flags);
        return OFPERR_OFPBAC_BAD_ARGUMENT;
    }
    if (!is_all_zeros(rag->pad, sizeof rag->pad)) {
        VLOG_WARN_RL(&rl, "roam_gate: nonzero padding");
        return OFPERR_OFPBAC_BAD_ARGUMENT;
    }
    if (ofputil_port_from_ofp11(rag->port, &port)) {
        VLOG_WARN_RL(&rl, "roam_gate: bad port %#"PRIx32, ntohl(rag->port));
        return OFPERR_OFPBAC_BAD_OUT_PORT;
    }
    problem = check_args(ntohll(rag->id), flags & ROAM_GATE_F_OPEN,
                         flags & ROAM_GATE_F_DIVERT, ntohl(rag->limit),
                         port);
    if (problem) {
        VLOG_WARN_RL(&rl, "roam_gate: %s", problem);
        return OFPERR_OFPBAC_BAD_ARGUMENT;
    }
    put_ofpact(ofpacts, ntohll(rag->id), flags & ROAM_GATE_F_OPEN,
               flags & ROAM_GATE_F_DIVERT, ntohl(rag->limit), port);
    return 0;
}

/* Fills in the body of 'rag', whose header Open vSwitch has already
 * written, from 'rg'. */
void
roam_gate_encode(const struct ofpact_roam_gate *rg,
                 struct roam_action_gate *rag)
{
    rag->flags = htons((rg->open ? ROAM_GATE_F_OPEN : 0)
                       | (rg->divert ? ROAM_GATE_F_DIVERT : 0));
    rag->limit = htonl(rg->open || rg->divert ? 0 : rg->limit);
    rag->id = htonll(rg->id);
    rag->port = ofputil_port_to_ofp11(rg->port);
    memset(rag->pad, 0, sizeof rag->pad);
}

/* Parses 'arg', "id=N[,limit=N][,port=P]", "id=N,open" or
 * "id=N,divert=P", into an OFPACT_ROAM_GATE appended to 'pp->ofpacts'.
 * Ports may be given by name.  Returns NULL or a malloc()'d error message
 * that names the problem. */
char *
roam_gate_parse(char *arg, const struct ofpact_parse_params *pp)
{
    ofp_port_t port = OFPP_NONE;
    uint64_t id = 0;
    uint32_t limit = 0;
    bool open = false, divert = false;
    unsigned int seen = 0;
    const char *problem;
    char *key, *value;

    while (ofputil_parse_key_value(&arg, &key, &value)) {
        unsigned int bit;
        char *error;

        if (!strcmp(key, "id")) {
            bit = 1;
            error = str_to_u64(value, &id);
            if (error) {
                free(error);
                return xasprintf("roam_gate: id: \"%s\" is not a number",
                                 value);
            }
        } else if (!strcmp(key, "limit")) {
            bit = 2;
            error = str_to_u32(value, &limit);
            if (error || !limit) {
                free(error);
                return xasprintf("roam_gate: limit: \"%s\" is not a "
                                 "positive number", value);
            }
        } else if (!strcmp(key, "open")) {
            bit = 4;
            if (value[0]) {
                return xstrdup("roam_gate: open takes no value");
            }
            open = true;
        } else if (!strcmp(key, "port") || !strcmp(key, "divert")) {
            bit = 8;
            if (!ofputil_port_from_string(value, pp->port_map, &port)
                || port == OFPP_NONE) {
                return xasprintf("roam_gate: %s: \"%s\" is not a port",
                                 key, value);
            }
            divert = !strcmp(key, "divert");
        } else {
            return xasprintf("roam_gate: unknown argument \"%s\" "
                             "(expected id, limit, port, open or divert)",
                             key);
        }
        if (seen & bit) {
            return xasprintf("roam_gate: %s given twice",
                             bit == 8 ? "port or divert" : key);
        }
        seen |= bit;
    }
    if (!(seen & 1)) {
        return xstrdup("roam_gate: missing id");
    }
    problem = check_args(id, open, divert, limit, port);
    if (problem) {
        return xasprintf("roam_gate: %s", problem);
    }
    put_ofpact(pp->ofpacts, id, open, divert, limit, port);
    return NULL;
}

/* Appends 'rg' to 'fp->s' in the syntax roam_gate_parse() takes; the
 * default limit is not printed. */
void
roam_gate_format(const struct ofpact_roam_gate *rg,
                 const struct ofpact_format_params *fp)
{
    ds_put_format(fp->s, "%sroam_gate(%s%sid=%s%#"PRIx64,
                  colors.paren, colors.end, colors.param, colors.end,
                  rg->id);
    if (rg->open) {
        ds_put_format(fp->s, ",%sopen%s", colors.param, colors.end);
    } else if (rg->divert) {
        ds_put_format(fp->s, ",%sdivert=%s", colors.param, colors.end);
        ofputil_format_port(rg->port, fp->port_map, fp->s);
    } else {
        if (rg->limit != ROAM_GATE_DEFAULT_LIMIT) {
            ds_put_format(fp->s, ",%slimit=%s%"PRIu32,
                          colors.param, colors.end, rg->limit);
        }
        if (rg->port != OFPP_NONE) {
            ds_put_format(fp->s, ",%sport=%s", colors.param, colors.end);
            ofputil_format_port(rg->port, fp->port_map, fp->s);
        }
    }
    ds_put_format(fp->s, "%s)%s", colors.paren, colors.end);
}

/* Checks 'rg' against the switch's port range.  Returns 0 or an OpenFlow
 * error code. */
int
roam_gate_check(const struct ofpact_roam_gate *rg,
                const struct ofpact_check_params *cp)
{
    if (rg->port == OFPP_NONE || rg->port == OFPP_IN_PORT) {
        return 0;
    }
    return ofpact_check_output_port(rg->port, cp->max_ports);
}

/* Whether 'rg' may output to 'port': a divert to it. */
bool
roam_gate_outputs_to_port(const struct ofpact_roam_gate *rg, ofp_port_t port)
{
    return rg->divert && rg->port == port;
}

/* Translation. */

/* Appends the start of datapath action OVS_ACTION_ATTR_ROAM_GATE for 'rg'
 * to 'odp_actions', with 'odp_port' (or ODPP_NONE) for a hold's port.
 * Returns the offset to give roam_gate_end_odp(). */
size_t
roam_gate_start_odp(const struct ofpact_roam_gate *rg, uint32_t odp_port,
                    struct ofpbuf *odp_actions)
{
    size_t ofs = nl_msg_start_nested(odp_actions, OVS_ACTION_ATTR_ROAM_GATE);

    nl_msg_put_u64(odp_actions, ROAM_GATE_ATTR_ID, rg->id);
    if (rg->open) {
        nl_msg_put_flag(odp_actions, ROAM_GATE_ATTR_OPEN);
    } else if (!rg->divert) {
        nl_msg_put_u32(odp_actions, ROAM_GATE_ATTR_LIMIT, rg->limit);
        if (odp_port != UINT32_MAX) {
            nl_msg_put_u32(odp_actions, ROAM_GATE_ATTR_PORT, odp_port);
        }
    }
    return ofs;
}

size_t
roam_gate_start_nested(struct ofpbuf *odp_actions, enum roam_gate_attr type)
{
    return nl_msg_start_nested(odp_actions, type);
}

/* Ends the nested attribute at 'ofs' in 'odp_actions'.  If it grew too
 * large for a Netlink attribute, removes it and returns false. */
bool
roam_gate_end_nested(struct ofpbuf *odp_actions, size_t ofs)
{
    if (nl_attr_oversized(odp_actions->size - ofs - NLA_HDRLEN)) {
        nl_msg_cancel_nested(odp_actions, ofs);
        return false;
    }
    nl_msg_end_nested(odp_actions, ofs);
    return true;
}

bool
roam_gate_end_odp(struct ofpbuf *odp_actions, size_t ofs)
{
    return roam_gate_end_nested(odp_actions, ofs);
}

void
roam_gate_cancel_odp(struct ofpbuf *odp_actions, size_t ofs)
{
    nl_msg_cancel_nested(odp_actions, ofs);
}
