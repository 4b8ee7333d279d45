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

#include "roamd/edge/edge-flows.h"

#include "openvswitch/dynamic-string.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "packets.h"
#include "roamd/edge/edge-config.h"
#include "util.h"

/* Each flow ends with a newline.  ovs-ofctl and oflow_parse() both take
 * the text. */

static void
put_cookie(struct ds *s, uint64_t cookie)
{
    ds_put_format(s, "cookie=%#"PRIx64",", cookie);
}

/* Adds to 's' the actions that send a frame out VPN 'vpn' with its tag,
 * from 'port'. */
static void
put_vpn_output(struct ds *s, const struct edge_vpn *vpn, const char *port)
{
    switch (vpn->kind) {
    case EDGE_VPN_VLAN:
        ds_put_format(s, "mod_vlan_vid:%"PRIu32",output:%s,strip_vlan",
                      vpn->id, port);
        break;
    case EDGE_VPN_VNI:
        ds_put_format(s, "set_field:%#"PRIx32"->tun_id,output:%s", vpn->id,
                      port);
        break;
    }
}

static void
classify_flows(const struct edge_config *c, const char *const *vpn_ports,
               const char *const *client_ports, struct ds *s)
{
    for (size_t i = 0; i < c->n_clients; i++) {
        ds_put_format(s, "table=%d,priority=100,", EDGE_T_CLASSIFY);
        put_cookie(s, EDGE_COOKIE);
        ds_put_format(s, "in_port=%s,actions=learn(table=%d,priority=100,"
                      "idle_timeout=300,cookie=%#"PRIx64","
                      "NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],"
                      "output:NXM_OF_IN_PORT[]),"
                      "load:0->NXM_NX_REG8[],resubmit(,%d),resubmit(,%d)\n",
                      client_ports[i], EDGE_T_DELIVER, EDGE_COOKIE_MAC,
                      EDGE_T_FWD, EDGE_T_TO_VPN);
    }
    for (size_t i = 0; i < c->n_vpns; i++) {
        const struct edge_vpn *vpn = &c->vpns[i];

        ds_put_format(s, "table=%d,priority=100,", EDGE_T_CLASSIFY);
        put_cookie(s, EDGE_COOKIE_VPN | (i + 1));
        if (vpn->kind == EDGE_VPN_VLAN) {
            ds_put_format(s, "in_port=%s,dl_vlan=%"PRIu32",actions="
                          "strip_vlan,", vpn_ports[i], vpn->id);
        } else {
            ds_put_format(s, "in_port=%s,tun_id=%#"PRIx32",actions=",
                          vpn_ports[i], vpn->id);
        }
        ds_put_format(s, "load:%"PRIuSIZE"->NXM_NX_REG7[],"
                      "load:0->NXM_NX_REG9[],resubmit(,%d)\n", i + 1,
                      EDGE_T_FROM_VPN);
    }
    ds_put_format(s, "table=%d,priority=0,", EDGE_T_CLASSIFY);
    put_cookie(s, EDGE_COOKIE);
    ds_put_cstr(s, "actions=drop\n");
}

/* Tables 1, 3 and 4: the clients' side. */
static void
client_flows(const struct edge_config *c, const char *const *vpn_ports,
             const char *const *client_ports, struct ds *s)
{
    for (size_t i = 0; i < c->n_vpns; i++) {
        const struct edge_vpn *vpn = &c->vpns[i];

        if (vpn->home) {
            ds_put_format(s, "table=%d,priority=100,", EDGE_T_FWD);
            put_cookie(s, EDGE_COOKIE);
            ds_put_format(s, "ip,nw_dst="IP_FMT"/"IP_FMT",actions="
                          "load:%"PRIuSIZE"->NXM_NX_REG8[]\n",
                          IP_ARGS(vpn->prefix), IP_ARGS(vpn->mask), i + 1);
        }
        ds_put_format(s, "table=%d,priority=100,", EDGE_T_TO_VPN);
        put_cookie(s, EDGE_COOKIE);
        ds_put_format(s, "ip,reg8=%"PRIuSIZE"/0xffff,actions=", i + 1);
        put_vpn_output(s, vpn, vpn_ports[i]);
        ds_put_char(s, '\n');
    }
    ds_put_format(s, "table=%d,priority=50,", EDGE_T_TO_VPN);
    put_cookie(s, EDGE_COOKIE);
    ds_put_cstr(s, "ip,actions=drop\n");

    /* ARP and the rest: everywhere. */
    ds_put_format(s, "table=%d,priority=10,", EDGE_T_TO_VPN);
    put_cookie(s, EDGE_COOKIE);
    ds_put_format(s, "actions=resubmit(,%d)", EDGE_T_DELIVER);
    for (size_t i = 0; i < c->n_vpns; i++) {
        ds_put_char(s, ',');
        put_vpn_output(s, &c->vpns[i], vpn_ports[i]);
    }
    ds_put_char(s, '\n');

    ds_put_format(s, "table=%d,priority=0,", EDGE_T_DELIVER);
    put_cookie(s, EDGE_COOKIE);
    ds_put_cstr(s, "actions=");
    for (size_t i = 0; i < c->n_clients; i++) {
        ds_put_format(s, "%soutput:%s", i ? "," : "", client_ports[i]);
    }
    ds_put_char(s, '\n');
}

/* The learn actions that give the packet's source both entries on the VPN
 * in reg7. */
static void
put_learn_entries(struct ds *s)
{
    ds_put_format(s, "learn(table=%d,priority=%d,cookie=%#"PRIx64","
                  "eth_type=0x800,NXM_OF_IP_DST[]=NXM_OF_IP_SRC[],"
                  "load:NXM_NX_REG7[0..15]->NXM_NX_REG8[0..15],"
                  "load:1->NXM_NX_REG8[16]),",
                  EDGE_T_FWD, EDGE_PRIO_ENTRY, EDGE_COOKIE_FWD);
    ds_put_format(s, "learn(table=%d,priority=%d,cookie=%#"PRIx64","
                  "NXM_NX_REG7[],eth_type=0x800,NXM_OF_IP_SRC[],"
                  "load:1->NXM_NX_REG9[1]),",
                  EDGE_T_REV, EDGE_PRIO_ENTRY, EDGE_COOKIE_REV);
}

/* Tables 11 to 13 in learn mode: the check, the flip and the learning in
 * the switch. */
static void
learn_flows(const struct edge_config *c, const char *gw_match, struct ds *s)
{
    for (size_t i = 0; i < c->n_vpns; i++) {
        size_t n = i + 1, p = c->vpns[i].partner + 1;

        ds_put_format(s, "table=%d,priority=100,", EDGE_T_DECIDE);
        put_cookie(s, EDGE_COOKIE);
        ds_put_format(s, "reg7=%"PRIuSIZE",ip%s,actions="
                      "load:%"PRIuSIZE"->NXM_NX_REG7[],resubmit(,%d),"
                      "push:NXM_OF_IP_DST[],"
                      "move:NXM_OF_IP_SRC[]->NXM_OF_IP_DST[],"
                      "load:0->NXM_NX_REG8[],resubmit(,%d),"
                      "pop:NXM_OF_IP_DST[],"
                      "load:%"PRIuSIZE"->NXM_NX_REG7[],"
                      "resubmit(,%d),resubmit(,%d),resubmit(,%d)\n",
                      n, gw_match, p, EDGE_T_REV, EDGE_T_FWD, n,
                      EDGE_T_PROBE, EDGE_T_HOLD, EDGE_T_ACT);

        ds_put_format(s, "table=%d,priority=100,", EDGE_T_PROBE);
        put_cookie(s, EDGE_COOKIE);
        ds_put_format(s, "reg7=%"PRIuSIZE",reg8=%#"PRIxSIZE",actions="
                      "load:1->NXM_NX_REG9[2]\n", n, (size_t) 0x10000 | p);

        /* Both found: flip. */
        ds_put_format(s, "table=%d,priority=200,", EDGE_T_ACT);
        put_cookie(s, EDGE_COOKIE_FLIP);
        ds_put_format(s, "reg7=%"PRIuSIZE",reg9=0x6/0x16,ip,actions=", n);
        put_learn_entries(s);
        ds_put_format(s, "learn(table=%d,priority=100,hard_timeout=%u,"
                      "cookie=%#"PRIx64",NXM_NX_REG7[]=%"PRIuSIZE","
                      "eth_type=0x800,NXM_OF_IP_SRC[],"
                      "load:1->NXM_NX_REG9[4]),",
                      EDGE_T_HOLD, MAX(1, (c->hold_ms + 999) / 1000),
                      EDGE_COOKIE_HOLD, p);
        ds_put_format(s, "learn(table=%d,priority=%d,cookie=%#"PRIx64","
                      "NXM_NX_REG7[]=%"PRIuSIZE",eth_type=0x800,"
                      "NXM_OF_IP_SRC[]),resubmit(,%d)\n",
                      EDGE_T_REV, EDGE_PRIO_ENTRY, EDGE_COOKIE_REV, p,
                      EDGE_T_DELIVER);
    }
    /* An entry (1) toward any VPN. */
    ds_put_format(s, "table=%d,priority=50,", EDGE_T_PROBE);
    put_cookie(s, EDGE_COOKIE);
    ds_put_cstr(s, "reg8=0x10000/0x10000,actions=load:1->NXM_NX_REG9[3]\n");

    /* No entry at all: learn. */
    ds_put_format(s, "table=%d,priority=100,", EDGE_T_ACT);
    put_cookie(s, EDGE_COOKIE);
    ds_put_cstr(s, "reg9=0/0xe,ip,actions=");
    put_learn_entries(s);
    ds_put_format(s, "resubmit(,%d)\n", EDGE_T_DELIVER);
    ds_put_format(s, "table=%d,priority=50,", EDGE_T_ACT);
    put_cookie(s, EDGE_COOKIE_PARTIAL);
    ds_put_format(s, "actions=resubmit(,%d)\n", EDGE_T_DELIVER);
}

/* Appends to 's' the whole pipeline for 'c', with 'vpn_ports[i]' the port
 * of VPN number i + 1 and 'client_ports' those of the clients (names, for
 * ovs-ofctl, or OpenFlow port numbers). */
void
edge_flows_pipeline(const struct edge_config *c,
                    const char *const *vpn_ports,
                    const char *const *client_ports, struct ds *s)
{
    char *gw_match = (c->has_gateway_mac
                      ? xasprintf(",dl_src="ETH_ADDR_FMT,
                                  ETH_ADDR_ARGS(c->gateway_mac))
                      : xstrdup(""));

    classify_flows(c, vpn_ports, client_ports, s);
    client_flows(c, vpn_ports, client_ports, s);

    ds_put_format(s, "table=%d,priority=100,", EDGE_T_FROM_VPN);
    put_cookie(s, EDGE_COOKIE);
    ds_put_format(s, "ip,actions=resubmit(,%d),resubmit(,%d)\n",
                  EDGE_T_REV, EDGE_T_DECIDE);
    ds_put_format(s, "table=%d,priority=10,", EDGE_T_FROM_VPN);
    put_cookie(s, EDGE_COOKIE);
    ds_put_format(s, "actions=resubmit(,%d)\n", EDGE_T_DELIVER);

    ds_put_format(s, "table=%d,priority=200,", EDGE_T_DECIDE);
    put_cookie(s, EDGE_COOKIE);
    ds_put_format(s, "reg9=0x2/0x2,actions=resubmit(,%d)\n",
                  EDGE_T_DELIVER);
    if (c->mode == EDGE_MODE_LEARN) {
        learn_flows(c, gw_match, s);
    } else {
        ds_put_format(s, "table=%d,priority=100,", EDGE_T_DECIDE);
        put_cookie(s, EDGE_COOKIE);
        ds_put_format(s, "ip%s,actions=controller(userdata=%02x.%02x,"
                      "max_len=65535)\n", gw_match, EDGE_TAG_0, EDGE_TAG_1);
    }
    ds_put_format(s, "table=%d,priority=50,", EDGE_T_DECIDE);
    put_cookie(s, EDGE_COOKIE);
    ds_put_format(s, "actions=resubmit(,%d)\n", EDGE_T_DELIVER);
    free(gw_match);
}

/* Appends to 'fwd' and 'rev' entries (1) and (2) for address 'ip' on VPN
 * number 'vpn', as the recipe's "learn" actions make them. */
void
edge_flows_entries(ovs_be32 ip, size_t vpn, struct ds *fwd, struct ds *rev)
{
    ds_put_format(fwd, "table=%d,priority=%d,", EDGE_T_FWD, EDGE_PRIO_ENTRY);
    put_cookie(fwd, EDGE_COOKIE_FWD);
    ds_put_format(fwd, "ip,nw_dst="IP_FMT",actions="
                  "load:%#"PRIxSIZE"->NXM_NX_REG8[0..15],"
                  "load:0x1->NXM_NX_REG8[16]", IP_ARGS(ip), vpn);
    ds_put_format(rev, "table=%d,priority=%d,", EDGE_T_REV, EDGE_PRIO_ENTRY);
    put_cookie(rev, EDGE_COOKIE_REV);
    ds_put_format(rev, "reg7=%"PRIuSIZE",ip,nw_src="IP_FMT",actions="
                  "load:0x1->NXM_NX_REG9[1]", vpn, IP_ARGS(ip));
}

/* Returns the VPN number that the actions 'ofpacts' of an entry (1) send
 * its address to (what they leave in reg8, as the recipe's "learn" or
 * roamd writes them), or 0 if they are not an entry's. */
size_t
edge_flows_fwd_vpn(const struct ofpact *ofpacts, size_t ofpacts_len)
{
    const struct ofpact *a;
    uint32_t reg8 = 0;

    OFPACT_FOR_EACH (a, ofpacts, ofpacts_len) {
        if (a->type == OFPACT_SET_FIELD) {
            const struct ofpact_set_field *sf = ofpact_get_SET_FIELD(a);

            if (sf->field->id == MFF_REG8) {
                uint32_t mask = ntohl(ofpact_set_field_mask(sf)->be32);

                reg8 = (reg8 & ~mask) | (ntohl(sf->value->be32) & mask);
            }
        }
    }
    return reg8 & 0x10000 ? reg8 & 0xffff : 0;
}
