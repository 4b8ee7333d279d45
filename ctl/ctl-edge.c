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

/* roamctl's "edge" commands, which need no roam database:
 *
 *   edge recipe: the client edge's controller-less flow recipe (learn
 *       mode, roamd/edge/edge-flows.h), for ovs-ofctl add-flows;
 *   edge show: the addresses a client edge switch has learned, and the
 *       VPN each one is on, read from the switch's own flow table (entries
 *       look the same whether roamd or the recipe made them). */

#include <config.h>

#include <errno.h>
#include <string.h>

#include "ctl/ctl-private.h"
#include "dirs.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vconn.h"
#include "openflow/openflow.h"
#include "flow.h"
#include "packets.h"
#include "roamd/edge/edge-config.h"
#include "roamd/edge/edge-flows.h"
#include "socket-util.h"
#include "table.h"
#include "util.h"

/* Parses "--NAME=VALUE" arguments 'argv' into 'c' (and '*switch_', for
 * "--switch", when not NULL). */
static enum ctl_status
parse_edge_options(struct ctl_context *ctx, int argc, char *argv[],
                   struct edge_config *c, const char **switch_)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        char *error = NULL;

        if (!strncmp(a, "--pair=", 7)) {
            error = edge_config_add_pair(c, a + 7);
        } else if (!strncmp(a, "--client=", 9)) {
            error = edge_config_add_client(c, a + 9);
        } else if (!strncmp(a, "--gateway-mac=", 14)) {
            error = edge_config_set_gateway_mac(c, a + 14);
        } else if (!strncmp(a, "--mode=", 7)) {
            error = edge_config_set_mode(c, a + 7);
        } else if (!strncmp(a, "--hold=", 7)) {
            long long int ms;

            if (!ctl_parse_uint(a + 7, 3600 * 1000, &ms)) {
                return ctl_fail(ctx, CTL_USAGE, "--hold takes milliseconds, "
                                "up to an hour");
            }
            c->hold_ms = ms;
        } else if (!strncmp(a, "--bridge=", 9)) {
            free(c->bridge);
            c->bridge = xstrdup(a + 9);
        } else if (switch_ && !strncmp(a, "--switch=", 9)) {
            *switch_ = a + 9;
        } else {
            return ctl_fail(ctx, CTL_USAGE, "edge: unknown argument \"%s\"",
                            a);
        }
        if (error) {
            ctl_fail(ctx, CTL_USAGE, "%s", error);
            free(error);
            return CTL_USAGE;
        }
    }
    return CTL_OK;
}

/* "edge recipe --pair=VPN/VPN[=PREFIX]... --client=PORT...
 * [--gateway-mac=MAC] [--hold=MS]": the learn-mode pipeline, with port names, into
 * 'out'. */
static enum ctl_status
edge_recipe(struct ctl_context *ctx, int argc, char *argv[], struct ds *out)
{
    struct edge_config c;
    enum ctl_status status;

    edge_config_init(&c);
    c.mode = EDGE_MODE_LEARN;
    status = parse_edge_options(ctx, argc, argv, &c, NULL);
    if (status == CTL_OK) {
        char *error = edge_config_check(&c);

        if (error) {
            status = ctl_fail(ctx, CTL_USAGE, "%s", error);
            free(error);
        }
    }
    if (status == CTL_OK) {
        const char **vpn_ports = xmalloc(c.n_vpns * sizeof *vpn_ports);

        for (size_t i = 0; i < c.n_vpns; i++) {
            vpn_ports[i] = c.vpns[i].port;
        }
        ds_put_format(out, "# roam client edge, learn mode (roamctl edge "
                      "recipe): ovs-ofctl -O OpenFlow15 add-flows %s FILE\n",
                      c.bridge);
        edge_flows_pipeline(&c, vpn_ports, (const char *const *) c.clients,
                            out);
        free(vpn_ports);
    }
    edge_config_destroy(&c);
    return status;
}

/* Describes VPN number 'n' from the classify flows in 'fses'. */
static char *
vpn_name(const struct ofputil_flow_stats *fses, size_t n_fses, size_t n)
{
    for (size_t i = 0; i < n_fses; i++) {
        const struct ofputil_flow_stats *fs = &fses[i];

        if (ntohll(fs->cookie) == (EDGE_COOKIE_VPN | n)) {
            const struct flow *f = &fs->match.flow;
            uint16_t port = ofp_to_u16(f->in_port.ofp_port);

            if (fs->match.wc.masks.tunnel.tun_id) {
                return xasprintf("vni:%"PRIu64"@%"PRIu16,
                                 ntohll(f->tunnel.tun_id), port);
            }
            return xasprintf("vlan:%d@%"PRIu16,
                             vlan_tci_to_vid(f->vlans[0].tci), port);
        }
    }
    return xasprintf("%"PRIuSIZE, n);
}

/* "edge show [--bridge=BRIDGE] [--switch=TARGET]". */
static enum ctl_status
edge_show(struct ctl_context *ctx, int argc, char *argv[])
{
    struct ofputil_flow_stats_request fsr;
    struct ofputil_flow_stats *fses = NULL;
    const char *target = NULL;
    struct edge_config c;
    struct vconn *vconn;
    enum ctl_status status;
    size_t n_fses = 0;
    char *name;
    int error;

    edge_config_init(&c);
    status = parse_edge_options(ctx, argc, argv, &c, &target);
    if (status != CTL_OK) {
        edge_config_destroy(&c);
        return status;
    }
    name = (target ? xstrdup(target)
            : xasprintf("unix:%s/%s.mgmt", ovs_rundir(), c.bridge));
    error = vconn_open_block(name, 1u << OFP15_VERSION, DSCP_DEFAULT, -1,
                             &vconn);
    if (!error) {
        memset(&fsr, 0, sizeof fsr);
        match_init_catchall(&fsr.match);
        fsr.cookie = htonll(EDGE_COOKIE);
        fsr.cookie_mask = htonll(UINT64_C(0xffffffffffff0000));
        fsr.out_port = OFPP_ANY;
        fsr.out_group = OFPG_ANY;
        fsr.table_id = 0xff;
        error = vconn_dump_flows(vconn, &fsr, OFPUTIL_P_OF15_OXM, &fses,
                                 &n_fses);
        vconn_close(vconn);
    }
    if (error) {
        status = ctl_fail(ctx, CTL_UNAVAILABLE, "cannot read the client "
                          "edge switch at %s (%s)", name,
                          ovs_strerror(error));
        free(name);
        edge_config_destroy(&c);
        return status;
    }
    free(name);

    struct table *t = ctl_add_table(ctx);
    table_add_column(t, "address");
    table_add_column(t, "vpn");
    table_add_column(t, "accepted from");
    table_add_column(t, "sent");
    table_add_column(t, "received");
    table_add_column(t, "age");
    for (size_t i = 0; i < n_fses; i++) {
        const struct ofputil_flow_stats *fs = &fses[i];
        size_t vpn_n;

        if (ntohll(fs->cookie) != EDGE_COOKIE_FWD
            || fs->table_id != EDGE_T_FWD) {
            continue;
        }
        vpn_n = edge_flows_fwd_vpn(fs->ofpacts, fs->ofpacts_len);

        /* Its entries (2): the VPNs whose traffic from it is accepted. */
        struct ds from = DS_EMPTY_INITIALIZER;
        uint64_t received = 0;
        for (size_t j = 0; j < n_fses; j++) {
            const struct ofputil_flow_stats *r = &fses[j];

            if (ntohll(r->cookie) == EDGE_COOKIE_REV
                && r->table_id == EDGE_T_REV && r->ofpacts_len
                && r->match.flow.nw_src == fs->match.flow.nw_dst) {
                char *vpn = vpn_name(fses, n_fses, r->match.flow.regs[7]);

                ds_put_format(&from, "%s%s", from.length ? " " : "", vpn);
                free(vpn);
                received += r->packet_count;
            }
        }

        char *vpn = vpn_name(fses, n_fses, vpn_n);
        table_add_row(t);
        ctl_add_cellf(t, IP_FMT, IP_ARGS(fs->match.flow.nw_dst));
        ctl_add_cell(t, vpn);
        ctl_add_cell(t, from.length ? ds_cstr(&from) : "");
        ctl_add_cellf(t, "%"PRIu64, fs->packet_count);
        ctl_add_cellf(t, "%"PRIu64, received);
        ctl_add_cellf(t, "%"PRIu32, fs->hard_age >= 0
                      ? (uint32_t) fs->hard_age : fs->duration_sec);
        free(vpn);
        ds_destroy(&from);
    }
    for (size_t i = 0; i < n_fses; i++) {
        free(CONST_CAST(struct ofpact *, fses[i].ofpacts));
    }
    free(fses);
    edge_config_destroy(&c);
    return CTL_OK;
}

/* Runs "edge recipe" or "edge show" ('argv' after "edge"); the recipe goes
 * into 'out' as text, the rest into 'ctx''s tables. */
enum ctl_status
ctl_edge(struct ctl_context *ctx, int argc, char *argv[], struct ds *out)
{
    if (argc >= 1 && !strcmp(argv[0], "recipe")) {
        return edge_recipe(ctx, argc - 1, argv + 1, out);
    } else if (argc >= 1 && !strcmp(argv[0], "show")) {
        return edge_show(ctx, argc - 1, argv + 1);
    }
    return ctl_fail(ctx, CTL_USAGE, "edge takes \"recipe\" or \"show\"");
}
