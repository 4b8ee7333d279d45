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

#include "roamd/hypervisor/rules.h"

#include <errno.h>

#include "flow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-port.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "roamd/core/oflow.h"
#include "util.h"

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
    bool send = false, receive = false, indirect = false;
    bool ambiguous = false, other_output = false;
    const struct ofpact *a;

    /* Where the flow says which port or network it is about. */
    bool in_port = m->in_port.ofp_port == u16_to_ofp(UINT16_MAX);
    bool vlan = ((m->vlans[0].tci & htons(VLAN_VID_MASK | VLAN_CFI))
                 == htons(VLAN_VID_MASK | VLAN_CFI)
                 && (f->vlans[0].tci & htons(VLAN_CFI)));
    uint16_t vid = vlan ? vlan_tci_to_vid(f->vlans[0].tci) : 0;
    bool elsewhere = ((in_port && f->in_port.ofp_port != vm->port)
                      || (vlan && vm->vlan && vid != vm->vlan));
    bool pinned = ((in_port && f->in_port.ofp_port == vm->port)
                   || (vlan && vm->vlan && vid == vm->vlan));

    bool src_mac = exact_mac(&f->dl_src, &m->dl_src, &vm->mac);
    bool dst_mac = exact_mac(&f->dl_dst, &m->dl_dst, &vm->mac);
    bool src_ip = l3 && exact_ip(f->nw_src, m->nw_src, vm->ip);
    bool dst_ip = l3 && exact_ip(f->nw_dst, m->nw_dst, vm->ip);

    if (in_port && f->in_port.ofp_port == vm->port) {
        send = true;
    }
    if (!elsewhere) {
        /* An address alone names the VM only if no other VM here has it. */
        bool by_src = ((src_mac && (!vm->mac_shared || pinned))
                       || (src_ip && (!vm->ip_shared || pinned)));
        bool by_dst = ((dst_mac && (!vm->mac_shared || pinned))
                       || (dst_ip && (!vm->ip_shared || pinned)));

        send |= by_src;
        receive |= by_dst;
        ambiguous = (!by_src && !by_dst
                     && ((src_mac || dst_mac) && vm->mac_shared
                         ? true
                         : (src_ip || dst_ip) && vm->ip_shared));
    }
    OFPACT_FOR_EACH_FLATTENED (a, ofpacts, ofpacts_len) {
        if ((a->type == OFPACT_OUTPUT
             && ofpact_get_OUTPUT(a)->port == vm->port)
            || (a->type == OFPACT_ENQUEUE
                && ofpact_get_ENQUEUE(a)->port == vm->port)) {
            receive = true;
        } else if (a->type == OFPACT_OUTPUT_REG) {
            indirect = true;
        } else if (a->type == OFPACT_OUTPUT
                   && ofp_to_u16(ofpact_get_OUTPUT(a)->port)
                      < ofp_to_u16(OFPP_MAX)) {
            other_output = true;
        }
    }
    if (other_output && !receive) {
        ambiguous = false;      /* Another port's delivery: not the VM's. */
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
            *why = "outputs through a register";
        }
        return RULES_UNCLASSIFIED;
    }
    if (!send && !receive && ambiguous) {
        if (why) {
            *why = "matches an address that another VM here shares, "
                   "without the VM's port or VLAN";
        }
        return RULES_UNCLASSIFIED;
    }
    return send ? RULES_SEND : receive ? RULES_RECEIVE : RULES_OTHER;
}

/* The port map of a logical rule: 'port' is called RULES_PORT_VAR.  Only
 * the VM's port is in it, so every other port stays a number. */
static void
logical_port_map(struct ofputil_port_map *map, ofp_port_t port)
{
    ofputil_port_map_init(map);
    ofputil_port_map_put(map, port, RULES_PORT_VAR);
}

/* Stores in '*match_out' and '*actions_out' (malloc()'d, owned by the
 * caller) the logical form of one of 'vm''s rules: the match and actions
 * in ovs-ofctl syntax, formatted with the VM's port named RULES_PORT_VAR
 * (the port is replaced in the parsed match and actions, never in text, so
 * a number that merely equals it, such as "mod_tp_dst:5", stays).  Returns
 * 0, or EINVAL for a flow rules_classify() does not call a send or receive
 * rule. */
int
rules_to_logical(const struct match *match, const struct ofpact *ofpacts,
                 size_t ofpacts_len, const struct rules_vm *vm,
                 char **match_out, char **actions_out)
{
    enum rules_class c = rules_classify(match, ofpacts, ofpacts_len, vm,
                                        NULL);
    struct ofpact_format_params fp;
    struct ofputil_port_map map;
    struct ds s = DS_EMPTY_INITIALIZER;

    *match_out = *actions_out = NULL;
    if (c != RULES_SEND && c != RULES_RECEIVE) {
        return EINVAL;
    }
    logical_port_map(&map, vm->port);
    match_format(match, &map, &s, OFP_DEFAULT_PRIORITY);
    *match_out = ds_steal_cstr(&s);

    memset(&fp, 0, sizeof fp);
    fp.port_map = &map;
    fp.s = &s;
    ofpacts_format(ofpacts, ofpacts_len, &fp);
    *actions_out = ds_steal_cstr(&s);
    ofputil_port_map_destroy(&map);
    return 0;
}

/* Renders a logical rule for the VM's port 'port': parses it with
 * RULES_PORT_VAR standing for 'port'.  On success, stores the flow in
 * '*fp' (the caller owns it and may hand it to flowctl) and returns 0.
 * Otherwise (the rule does not parse: a bad database row) returns EINVAL
 * and stores a malloc()'d message in '*errorp' (if nonnull). */
int
rules_render_flow(uint8_t table_id, uint16_t priority, uint64_t cookie,
                  const char *logical_match, const char *logical_actions,
                  ofp_port_t port, struct oflow **fp, char **errorp)
{
    struct ofputil_port_map map;
    char *text;
    int error;

    text = xasprintf("table=%"PRIu8",priority=%"PRIu16",cookie=%#"PRIx64
                     "%s%s,actions=%s", table_id, priority, cookie,
                     logical_match[0] ? "," : "", logical_match,
                     logical_actions);
    logical_port_map(&map, port);
    error = oflow_parse(text, &map, fp, errorp);
    ofputil_port_map_destroy(&map);
    free(text);
    if (!error && errorp) {
        *errorp = NULL;
    }
    return error;
}

/* Like rules_render_flow(), but returns the flow in ovs-ofctl syntax, which
 * the caller owns, or NULL on error. */
char *
rules_render(uint8_t table_id, uint16_t priority, uint64_t cookie,
             const char *logical_match, const char *logical_actions,
             ofp_port_t port, char **errorp)
{
    struct oflow *f;
    char *s;

    if (rules_render_flow(table_id, priority, cookie, logical_match,
                          logical_actions, port, &f, errorp)) {
        return NULL;
    }
    s = oflow_to_string(f);
    oflow_unref(f);
    return s;
}
