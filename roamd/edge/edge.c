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

#include "roamd/edge/edge.h"

#include <errno.h>
#include <string.h>

#include "coverage.h"
#include "dp-packet.h"
#include "flow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "roamd/core/context.h"
#include "roamd/core/flowctl.h"
#include "roamd/core/oflow.h"
#include "roamd/core/pinctrl.h"
#include "roamd/edge/edge-check.h"
#include "roamd/edge/edge-config.h"
#include "roamd/edge/edge-flows.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "uuid.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(edge);

COVERAGE_DEFINE(edge_learn);
COVERAGE_DEFINE(edge_flip);
COVERAGE_DEFINE(edge_partial);
COVERAGE_DEFINE(edge_too_soon);
COVERAGE_DEFINE(edge_refused);
COVERAGE_DEFINE(edge_adopted);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(10, 50);

/* A packet that waits for its flip or learning to be applied. */
struct edge_held {
    struct ovs_list node;       /* In struct edge's 'held'. */
    uint64_t gen;               /* flowctl generation to wait for. */
    ofp_port_t in_port;
    struct ofpbuf packet;
};

struct edge {
    struct edge_config config;
    struct edge_table table;
    struct flowctl *fc;                 /* The bridge's, or NULL. */
    char **ports;                       /* VPN ports, then client ports, as
                                         * OpenFlow numbers ("" if none). */
    struct uuid pipeline_owner;
    bool adopted;                       /* Entries on the switch read. */
    struct ovs_list held;               /* struct edge_held. */
    unsigned long long int n[EDGE_NOT_HOST + 1];  /* Per verdict. */
};

static pinctrl_handler edge_packet_in;
static unixctl_cb_func edge_unixctl_stats;

/* Returns a new client-edge role, taking ownership of 'config' (which
 * edge_config_check() accepted) and its packet-ins from 'pinctrl'. */
struct edge *
edge_create(struct edge_config *config, struct pinctrl *pinctrl)
{
    struct edge *e = xzalloc(sizeof *e);
    size_t n_ports = config->n_vpns + config->n_clients;

    e->config = *config;
    memset(config, 0, sizeof *config);
    edge_table_init(&e->table);
    e->ports = xcalloc(n_ports, sizeof *e->ports);
    for (size_t i = 0; i < n_ports; i++) {
        e->ports[i] = xstrdup("");
    }
    uuid_generate(&e->pipeline_owner);
    ovs_list_init(&e->held);
    pinctrl_register(pinctrl, EDGE_TAG_0, EDGE_TAG_1, edge_packet_in, e);
    unixctl_command_register("edge/stats", "", 0, 0, edge_unixctl_stats, e);
    VLOG_INFO("client edge on bridge %s, %s mode, %"PRIuSIZE" VPN pairs, "
              "%"PRIuSIZE" client ports", e->config.bridge,
              e->config.mode == EDGE_MODE_LEARN ? "learn" : "controller",
              e->config.n_vpns / 2, e->config.n_clients);
    return e;
}

static void
drop_held(struct edge *e)
{
    struct edge_held *h;

    LIST_FOR_EACH_POP (h, node, &e->held) {
        ofpbuf_uninit(&h->packet);
        free(h);
    }
}

void
edge_destroy(struct edge *e)
{
    if (e) {
        size_t n_ports = e->config.n_vpns + e->config.n_clients;

        drop_held(e);
        for (size_t i = 0; i < n_ports; i++) {
            free(e->ports[i]);
        }
        free(e->ports);
        edge_table_destroy(&e->table);
        edge_config_destroy(&e->config);
        free(e);
    }
}

/* Returns the OpenFlow port number of the interface named 'name' on
 * 'br', as a string ("" if it has none yet); the caller frees it. */
static char *
port_number(const struct ovsrec_bridge *br, const char *name)
{
    for (size_t i = 0; i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];

        for (size_t j = 0; j < port->n_interfaces; j++) {
            const struct ovsrec_interface *iface = port->interfaces[j];

            if (!strcmp(iface->name, name) && iface->n_ofport == 1
                && iface->ofport[0] > 0) {
                return xasprintf("%"PRId64, iface->ofport[0]);
            }
        }
    }
    return xstrdup("");
}

/* Finds the edge's ports on 'br'.  Returns true if they changed; sets
 * '*complete' to whether every one has a number. */
static bool
find_ports(struct edge *e, const struct ovsrec_bridge *br, bool *complete)
{
    const struct edge_config *c = &e->config;
    size_t n_ports = c->n_vpns + c->n_clients;
    bool changed = false;

    *complete = true;
    for (size_t i = 0; i < n_ports; i++) {
        const char *name = (i < c->n_vpns ? c->vpns[i].port
                            : c->clients[i - c->n_vpns]);
        char *number = port_number(br, name);

        if (!number[0]) {
            VLOG_WARN_RL(&rl, "bridge %s has no port %s yet", br->name,
                         name);
            *complete = false;
        }
        if (strcmp(number, e->ports[i])) {
            free(e->ports[i]);
            e->ports[i] = number;
            changed = true;
        } else {
            free(number);
        }
    }
    return changed;
}

/* Installs the pipeline for the ports as they are now. */
static void
program_pipeline(struct edge *e)
{
    const struct edge_config *c = &e->config;
    struct oflows flows = OFLOWS_INITIALIZER;
    struct ds s = DS_EMPTY_INITIALIZER;
    char *save_ptr = NULL;

    edge_flows_pipeline(c, (const char *const *) e->ports,
                        (const char *const *) e->ports + c->n_vpns, &s);
    for (char *line = strtok_r(ds_cstr(&s), "\n", &save_ptr); line;
         line = strtok_r(NULL, "\n", &save_ptr)) {
        char *error = NULL;

        if (oflows_add_text(&flows, line, &error)) {
            /* The pipeline is ours: a flow that does not parse is a bug. */
            VLOG_FATAL("edge pipeline flow \"%s\": %s", line, error);
        }
    }
    flowctl_replace_owner(e->fc, &e->pipeline_owner, &flows);
    oflows_destroy(&flows);
    ds_destroy(&s);
}

/* The owner of address 'ip''s entries in the flowctl. */
static struct uuid
entry_owner(ovs_be32 ip)
{
    return (struct uuid) { .parts = { 0x45444745, ntohl(ip), 0, 1 } };
}

/* Makes the flowctl's entries for 'ip' those of the table. */
static void
program_entries(struct edge *e, ovs_be32 ip)
{
    const struct edge_fwd *f = edge_table_find_fwd(&e->table, ip);
    struct uuid owner = entry_owner(ip);
    struct oflows flows = OFLOWS_INITIALIZER;

    if (f) {
        struct ds fwd = DS_EMPTY_INITIALIZER, rev = DS_EMPTY_INITIALIZER;
        char *error = NULL;

        edge_flows_entries(ip, f->vpn, &fwd, &rev);
        if (oflows_add_text(&flows, ds_cstr(&fwd), &error)
            || oflows_add_text(&flows, ds_cstr(&rev), &error)) {
            VLOG_FATAL("edge entry: %s", error);
        }
        ds_destroy(&fwd);
        ds_destroy(&rev);
    }
    flowctl_replace_owner(e->fc, &owner, &flows);
    oflows_destroy(&flows);
}

/* Reads back, once per connection, the entries a previous roamd (or the
 * recipe) left on the switch: an entry (1) and its entry (2) on the same
 * VPN make a learned address. */
static void
adopt_entries(struct edge *e)
{
    struct oflow *const *view;
    size_t n, n_adopted = 0;

    view = flowctl_view(e->fc, &n, NULL);
    for (size_t i = 0; i < n; i++) {
        const struct oflow *of = view[i];
        struct match m;

        if (e->config.mode != EDGE_MODE_CONTROLLER
            || of->cookie != htonll(EDGE_COOKIE_FWD)
            || of->table_id != EDGE_T_FWD) {
            continue;
        }
        minimatch_expand(&of->match, &m);

        size_t vpn = edge_flows_fwd_vpn(of->ofpacts, of->ofpacts_len);
        ovs_be32 ip = m.flow.nw_dst;
        if (vpn && vpn <= e->config.n_vpns
            && m.wc.masks.nw_dst == OVS_BE32_MAX) {
            edge_table_learn(&e->table, ip, vpn, time_msec());
            program_entries(e, ip);
            n_adopted++;
        }
    }
    /* What else of ours the switch holds is left over (a pipeline for
     * other ports, entries of no address): it goes.  The switch's own
     * learned flows stay: client MACs, and the recipe's entries. */
    for (size_t i = 0; i < n; i++) {
        uint64_t cookie = ntohll(view[i]->cookie);
        bool entry = (cookie == EDGE_COOKIE_FWD
                      || cookie == EDGE_COOKIE_REV);

        if ((cookie & ~0xffffULL) == EDGE_COOKIE
            && cookie != EDGE_COOKIE_MAC
            && !(entry && e->config.mode == EDGE_MODE_LEARN)) {
            flowctl_disown(e->fc, view[i]);
        }
    }
    COVERAGE_ADD(edge_adopted, n_adopted);
    VLOG_INFO("adopted %"PRIuSIZE" learned addresses from the switch",
              n_adopted);
}

/* Sends the held packets whose flips the switch has applied. */
static void
release_held(struct edge *e)
{
    uint64_t applied = flowctl_applied_gen(e->fc);
    struct edge_held *h;

    LIST_FOR_EACH_SAFE (h, node, &e->held) {
        if (h->gen > applied) {
            continue;
        }
        struct ofpact_resubmit resubmit;

        ofpact_init_RESUBMIT(&resubmit);
        resubmit.in_port = OFPP_IN_PORT;
        resubmit.table_id = EDGE_T_DELIVER;
        flowctl_send(e->fc, flowctl_packet_out(h->packet.data,
                                               h->packet.size, h->in_port,
                                               &resubmit.ofpact,
                                               sizeof resubmit));
        ovs_list_remove(&h->node);
        ofpbuf_uninit(&h->packet);
        free(h);
    }
}

void
edge_run(struct edge *e, const struct roamd_ctx *ctx)
{
    const struct ovsrec_bridge *br = NULL, *b;
    struct flowctl *fc;
    bool complete;

    OVSREC_BRIDGE_FOR_EACH (b, ctx->ovs_idl) {
        if (!strcmp(b->name, e->config.bridge)) {
            br = b;
        }
    }
    fc = br ? shash_find_data(ctx->flowctls, br->name) : NULL;
    if (!fc) {
        VLOG_WARN_RL(&rl, "no bridge %s yet", e->config.bridge);
        return;
    }
    bool changed = find_ports(e, br, &complete);
    if (fc != e->fc) {
        /* A new connection's switch: read it again. */
        drop_held(e);
        edge_table_clear(&e->table);
        e->fc = fc;
        e->adopted = false;
        changed = true;
    }
    if (!complete) {
        return;
    }
    if (changed) {
        program_pipeline(e);
    }
    if (!e->adopted) {
        if (!flowctl_view_seqno(fc)) {
            flowctl_request_view(fc);
        } else {
            adopt_entries(e);
            e->adopted = true;
        }
    }
    release_held(e);
}

/* Handles a packet from a VPN whose source has no entry (2) (S4.1): the
 * controller's check (S4.2, S4.4), then learning or the flip, in one
 * bundle, and the packet on to the clients once it is applied. */
static void
edge_packet_in(void *e_, const struct pinctrl_packet_in *pi)
{
    struct edge *e = e_;
    const struct ofputil_packet_in *pin = pi->pin;
    struct edge_packet p;
    struct dp_packet packet;
    struct flow flow;
    size_t from = 0;

    if (pi->flowctl != e->fc || !e->adopted) {
        return;
    }
    dp_packet_use_const(&packet, pin->packet, pin->packet_len);
    flow_extract(&packet, &flow);
    p.vpn = pin->flow_metadata.flow.regs[7];
    p.src_mac = flow.dl_src;
    p.src_ip = flow.dl_type == htons(ETH_TYPE_IP) ? flow.nw_src : 0;
    p.now = time_msec();

    enum edge_verdict v = edge_check(&e->config, &e->table, &p, &from);
    e->n[v]++;
    switch (v) {
    case EDGE_LEARN:
        COVERAGE_INC(edge_learn);
        VLOG_INFO_RL(&rl, "learned "IP_FMT" on VPN %"PRIuSIZE,
                     IP_ARGS(p.src_ip), p.vpn);
        edge_table_learn(&e->table, p.src_ip, p.vpn, time_msec());
        program_entries(e, p.src_ip);
        break;
    case EDGE_FLIP:
        COVERAGE_INC(edge_flip);
        VLOG_INFO_RL(&rl, IP_FMT" moved: VPN %"PRIuSIZE" -> %"PRIuSIZE,
                     IP_ARGS(p.src_ip), from, p.vpn);
        edge_table_flip(&e->table, p.src_ip, from, p.vpn, time_msec());
        program_entries(e, p.src_ip);
        break;
    case EDGE_TOO_SOON:
        COVERAGE_INC(edge_too_soon);
        VLOG_INFO_RL(&rl, IP_FMT" from VPN %"PRIuSIZE", which it just "
                     "left: a late packet, forwarded, nothing changed",
                     IP_ARGS(p.src_ip), p.vpn);
        break;
    case EDGE_PARTIAL:
        COVERAGE_INC(edge_partial);
        VLOG_INFO_RL(&rl, IP_FMT" from VPN %"PRIuSIZE": its entries are "
                     "not both on the partner VPN; forwarded, nothing "
                     "changed", IP_ARGS(p.src_ip), p.vpn);
        break;
    case EDGE_NOT_VPN:
    case EDGE_NOT_GATEWAY:
    case EDGE_NOT_HOST:
        COVERAGE_INC(edge_refused);
        VLOG_WARN_RL(&rl, "packet from "ETH_ADDR_FMT" ("IP_FMT") on VPN "
                     "%"PRIuSIZE" refused: %s", ETH_ADDR_ARGS(p.src_mac),
                     IP_ARGS(p.src_ip), p.vpn, edge_verdict_name(v));
        break;
    }

    /* The packet goes on to the clients by the ordinary rules, after the
     * flip or the learning is in force. */
    struct edge_held *h = xmalloc(sizeof *h);
    h->gen = flowctl_desired_gen(e->fc);
    h->in_port = pin->flow_metadata.flow.in_port.ofp_port;
    ofpbuf_init(&h->packet, pin->packet_len);
    ofpbuf_put(&h->packet, pin->packet, pin->packet_len);
    ovs_list_push_back(&e->held, &h->node);
}

static void
edge_unixctl_stats(struct unixctl_conn *conn, int argc OVS_UNUSED,
                   const char *argv[] OVS_UNUSED, void *e_)
{
    struct edge *e = e_;
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_format(&s, "mode: %s\naddresses: %"PRIuSIZE"\n",
                  e->config.mode == EDGE_MODE_LEARN ? "learn" : "controller",
                  hmap_count(&e->table.fwd));
    for (int v = 0; v <= EDGE_NOT_HOST; v++) {
        ds_put_format(&s, "%s: %llu\n", edge_verdict_name(v), e->n[v]);
    }
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}
