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

#ifndef ROAM_RULES_H
#define ROAM_RULES_H 1

/* A VM's rules: which flows belong to a VM, and their logical form.
 *
 * Operators add a VM's security and QoS rules by hand, in any table, at any
 * priority, with any cookie.  rules_classify() decides from a flow's match
 * and actions whether it is one of the VM's *send* rules (traffic the VM
 * sends: the match selects in_port = the VM's port, or dl_src = its MAC, or
 * nw_src/arp_spa = its IP, each matched exactly), one of its *receive*
 * rules (traffic delivered to it: an output or enqueue to its port, or the
 * match selects dl_dst = its MAC or nw_dst/arp_tpa = its IP, exactly), or
 * neither.  A flow that is both, or that refers to the VM's port in a way
 * that cannot be rewritten (an output to a register), is *unclassified*:
 * it is reported, never moved silently or dropped.
 *
 * rules_to_logical() turns a VM's rule into its logical form (S2.1), with
 * the VM's port written as the port name "$vm_port" (quoted, as ovs-ofctl
 * quotes such names), so that rules_render() can render it for the VM's
 * port on any host (S1.5).  The port is replaced in parsed matches and
 * actions, never in text. */

#include "openvswitch/types.h"
#include "openvswitch/ofp-actions.h"

struct match;
struct oflow;

#define RULES_PORT_VAR "$vm_port"

struct rules_vm {
    ofp_port_t port;            /* The VM's OpenFlow port here. */
    struct eth_addr mac;        /* Its real MAC. */
    ovs_be32 ip;                /* Its real IPv4 address, or 0. */
    uint16_t vlan;              /* Its port's VLAN, or 0. */
    bool mac_shared;            /* Another VM here has the same MAC... */
    bool ip_shared;             /* ...or the same IPv4 address (tenants'
                                 * networks may overlap). */
};

enum rules_class {
    RULES_OTHER,                /* Not one of the VM's rules. */
    RULES_SEND,
    RULES_RECEIVE,
    RULES_UNCLASSIFIED,         /* The VM's, but neither or both. */
};

const char *rules_class_to_string(enum rules_class);

enum rules_class rules_classify(const struct match *,
                                const struct ofpact *, size_t ofpacts_len,
                                const struct rules_vm *, const char **why);

int rules_to_logical(const struct match *, const struct ofpact *,
                     size_t ofpacts_len, const struct rules_vm *,
                     char **match_out, char **actions_out);
int rules_render_flow(uint8_t table_id, uint16_t priority, uint64_t cookie,
                      const char *logical_match, const char *logical_actions,
                      ofp_port_t port, struct oflow **, char **errorp);
char *rules_render(uint8_t table_id, uint16_t priority, uint64_t cookie,
                   const char *logical_match, const char *logical_actions,
                   ofp_port_t port, char **errorp);

#endif /* rules.h */
