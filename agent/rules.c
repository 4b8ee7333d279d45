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

#include "agent/rules.h"

#include <errno.h>

#include "flow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

/* While formatting a logical rule, the VM's port stands as this port number,
 * which no real port uses, and is then replaced by RULES_PORT_VAR. */
#define PLACEHOLDER_PORT 65278
#define PLACEHOLDER_TEXT "65278"

const char *
rules_class_to_string(enum rules_class c)
{
    switch (c) {
    case RULES_OTHER:
        return "other";
    case RULES_SEND:
        return "send";
    case RULES_RECEIVE:
        return "receive";
    case RULES_UNCLASSIFIED:
        return "unclassified";
    }
    return "<invalid>";
}

static bool
exact_mac(const struct eth_addr *value, const struct eth_addr *mask,
          const struct eth_addr *mac)
{
    return eth_addr_equals(*mask, eth_addr_exact)
           && eth_addr_equals(*value, *mac);
}

static bool
exact_ip(ovs_be32 value, ovs_be32 mask, ovs_be32 ip)
{
    return ip && mask == OVS_BE32_MAX && value == ip;
}

/* Classifies the flow with 'match' and 'ofpacts' for 'vm' (see rules.h).
 * If 'why' is nonnull, stores there a static explanation of an
 * RULES_UNCLASSIFIED verdict. */
enum rules_class
rules_classify(const struct match *match, const struct ofpact *ofpacts,
               size_t ofpacts_len, const struct rules_vm *vm,
               const char **why)
{
    const struct flow *f = &match->flow;
    const struct flow *m = &match->wc.masks;
    bool l3 = f->dl_type == htons(ETH_TYPE_IP)
              || f->dl_type == htons(ETH_TYPE_ARP);
    bool send, receive = false, indirect = false;
    const struct ofpact *a;

    send = ((m->in_port.ofp_port == u16_to_ofp(UINT16_MAX)
             && f->in_port.ofp_port == vm->port)
            || exact_mac(&f->dl_src, &m->dl_src, &vm->mac)
            || (l3 && exact_ip(f->nw_src, m->nw_src, vm->ip)));
    if (exact_mac(&f->dl_dst, &m->dl_dst, &vm->mac)
        || (l3 && exact_ip(f->nw_dst, m->nw_dst, vm->ip))) {
        receive = true;
    }
    OFPACT_FOR_EACH_FLATTENED (a, ofpacts, ofpacts_len) {
        if ((a->type == OFPACT_OUTPUT
             && ofpact_get_OUTPUT(a)->port == vm->port)
            || (a->type == OFPACT_ENQUEUE
                && ofpact_get_ENQUEUE(a)->port == vm->port)) {
            receive = true;
        } else if (a->type == OFPACT_OUTPUT_REG
                   || (a->type == OFPACT_OUTPUT
                       && ofpact_get_OUTPUT(a)->port
                          == u16_to_ofp(PLACEHOLDER_PORT))) {
            indirect = true;
        }
    }

    if (why) {
        *why = NULL;
    }
    if (send && receive) {
        if (why) {
            *why = "matches traffic from the VM and delivers to it";
        }
        return RULES_UNCLASSIFIED;
    }
    if ((send || receive) && indirect) {
        if (why) {
            *why = "outputs through a register or reserved port number";
        }
        return RULES_UNCLASSIFIED;
    }
    return send ? RULES_SEND : receive ? RULES_RECEIVE : RULES_OTHER;
}

/* Replaces every "output"/"enqueue" of 'vm''s port in a copy of 'ofpacts'
 * and formats it.  Returns the formatted string. */
static char *
format_logical_actions(const struct ofpact *ofpacts, size_t ofpacts_len,
                       const struct rules_vm *vm)
{
    struct ofpact *copy = xmemdup(ofpacts, ofpacts_len);
    struct ofpact_format_params fp;
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ds out = DS_EMPTY_INITIALIZER;
    struct ofpact *a;
    const char *p;

    OFPACT_FOR_EACH_FLATTENED (a, copy, ofpacts_len) {
        if (a->type == OFPACT_OUTPUT
            && ofpact_get_OUTPUT(a)->port == vm->port) {
            ofpact_get_OUTPUT(a)->port = u16_to_ofp(PLACEHOLDER_PORT);
        } else if (a->type == OFPACT_ENQUEUE
                   && ofpact_get_ENQUEUE(a)->port == vm->port) {
            ofpact_get_ENQUEUE(a)->port = u16_to_ofp(PLACEHOLDER_PORT);
        }
    }
    memset(&fp, 0, sizeof fp);
    fp.s = &s;
    ofpacts_format(copy, ofpacts_len, &fp);
    free(copy);

    for (p = ds_cstr(&s); *p;) {
        const char *hit = strstr(p, PLACEHOLDER_TEXT);

        if (!hit) {
            ds_put_cstr(&out, p);
            break;
        }
        ds_put_buffer(&out, p, hit - p);
        ds_put_cstr(&out, RULES_PORT_VAR);
        p = hit + strlen(PLACEHOLDER_TEXT);
    }
    ds_destroy(&s);
    return ds_steal_cstr(&out);
}

/* Stores in '*match_out' and '*actions_out' (malloc()'d, owned by the
 * caller) the logical form of one of 'vm''s rules: the match and actions
 * in ovs-ofctl syntax, with the VM's port written RULES_PORT_VAR.  Returns
 * 0, or EINVAL for a flow rules_classify() does not call a send or receive
 * rule. */
int
rules_to_logical(const struct match *match, const struct ofpact *ofpacts,
                 size_t ofpacts_len, const struct rules_vm *vm,
                 char **match_out, char **actions_out)
{
    enum rules_class c = rules_classify(match, ofpacts, ofpacts_len, vm,
                                        NULL);
    struct ds s = DS_EMPTY_INITIALIZER;
    struct match m = *match;
    bool port = false;

    *match_out = *actions_out = NULL;
    if (c != RULES_SEND && c != RULES_RECEIVE) {
        return EINVAL;
    }
    if (m.wc.masks.in_port.ofp_port == u16_to_ofp(UINT16_MAX)
        && m.flow.in_port.ofp_port == vm->port) {
        m.wc.masks.in_port.ofp_port = 0;
        m.flow.in_port.ofp_port = 0;
        port = true;
    }
    if (port) {
        ds_put_cstr(&s, "in_port=" RULES_PORT_VAR);
    }
    char *rest = match_to_string(&m, NULL, OFP_DEFAULT_PRIORITY);
    if (rest[0]) {
        if (port) {
            ds_put_char(&s, ',');
        }
        ds_put_cstr(&s, rest);
    }
    free(rest);
    *match_out = ds_steal_cstr(&s);
    *actions_out = format_logical_actions(ofpacts, ofpacts_len, vm);
    return 0;
}

static void
put_substituted(struct ds *s, const char *text, ofp_port_t port)
{
    const char *p = text;

    for (;;) {
        const char *hit = strstr(p, RULES_PORT_VAR);

        if (!hit) {
            ds_put_cstr(s, p);
            return;
        }
        ds_put_buffer(s, p, hit - p);
        ds_put_format(s, "%"PRIu32, ofp_to_u16(port));
        p = hit + strlen(RULES_PORT_VAR);
    }
}

/* Renders a logical rule for the VM's port 'port' as a flow in ovs-ofctl
 * syntax, which the caller owns and may hand to flowctl_add_flow(). */
char *
rules_render(uint8_t table_id, uint16_t priority, uint64_t cookie,
             const char *logical_match, const char *logical_actions,
             ofp_port_t port)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_format(&s, "table=%"PRIu8",priority=%"PRIu16",cookie=%#"PRIx64,
                  table_id, priority, cookie);
    if (logical_match[0]) {
        ds_put_char(&s, ',');
        put_substituted(&s, logical_match, port);
    }
    ds_put_cstr(&s, ",actions=");
    put_substituted(&s, logical_actions, port);
    return ds_steal_cstr(&s);
}
