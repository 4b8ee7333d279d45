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

#include "roamd/gateway/gateway.h"

#include "coverage.h"
#include "db/migration.h"
#include "db/roam-idl.h"
#include "dp-packet.h"
#include "flow.h"
#include "hash.h"
#include "lib/pseudo-id.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "roamd/core/context.h"
#include "roamd/core/flowctl.h"
#include "roamd/core/keys.h"
#include "roamd/core/oflow.h"
#include "timeval.h"
#include "roamd/core/pinctrl.h"
#include "roamd/gateway/gateway-flows.h"
#include "roamd/gateway/mapping.h"
#include "roamd/gateway/tunnels.h"
#include "packets.h"
#include "smap.h"
#include "unixctl.h"
#include "util.h"
#include "uuid.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(gateway);

COVERAGE_DEFINE(gateway_vm_flows);
COVERAGE_DEFINE(gateway_fabric_flows);
COVERAGE_DEFINE(gateway_stale_notice);
COVERAGE_DEFINE(gateway_straggler);
COVERAGE_DEFINE(gateway_notice_deferred);
COVERAGE_DEFINE(gateway_notice_unknown);
COVERAGE_DEFINE(gateway_moved_announce);

static struct vlog_rate_limit notice_rl = VLOG_RATE_LIMIT_INIT(10, 50);

/* Where the gateway stands: what its fabric flows were built from. */
struct gateway_place {
    const struct flowctl *fc;
    uint32_t dc;
    struct pseudo_id_layout layout;
    ofp_port_t fabric;
    ofp_port_t router;                  /* OFPP_NONE if none. */
    struct eth_addr router_mac;
    struct eth_addr gw_mac;             /* The router's, or the gateway's
                                         * position's pseudo MAC. */
    ovs_be32 announce_to;               /* The router port's
                                         * roam-announce-to, or 0. */
    struct gateway_tunnel *tunnels;
    size_t n_tunnels;
};

/* A sender told, for a second. */
struct notice {
    struct hmap_node node;      /* In 'struct gateway''s 'notices'. */
    ofp_port_t port;
    struct eth_addr sender, to;
    long long int until;        /* time_msec(). */
};

struct gateway {
    struct mapping mapping;
    struct hmap notices;                /* struct notice. */
    struct gateway_place place;         /* As last programmed. */
    struct uuid fabric_owner;
    long long int straggler_ms;         /* --straggler-timeout. */
    const struct flowctl *swept;        /* The flowctl whose switch's
                                         * leftovers are dealt with. */
    size_t n_announce;                  /* VMs with 'announce_gen'. */
    bool stragglers_dirty;              /* Some 'stragglers' unwritten. */
    size_t n_ready;                     /* VMs with 'ready_gen'. */
    long long int next_stats;           /* When to read the redirects'
                                         * statistics again (time_msec()). */
};

static unixctl_cb_func gateway_unixctl_mappings;

static pinctrl_handler gateway_packet_in;
static void program_vms(struct gateway *, struct flowctl *, bool all);

/* Returns a new gateway role, which redirects a moved VM's old identity for
 * 'straggler_ms' and takes its packet-ins from 'pinctrl'. */
struct gateway *
gateway_create(long long int straggler_ms, struct pinctrl *pinctrl)
{
    struct gateway *gw = xzalloc(sizeof *gw);

    mapping_init(&gw->mapping);
    hmap_init(&gw->notices);
    uuid_generate(&gw->fabric_owner);
    gw->straggler_ms = straggler_ms;
    gw->next_stats = LLONG_MAX;
    pinctrl_register(pinctrl, GW_TAG_0, GW_TAG_1, gateway_packet_in, gw);
    unixctl_command_register("gateway/mappings", "", 0, 0,
                             gateway_unixctl_mappings, gw);
    return gw;
}

void
gateway_destroy(struct gateway *gw)
{
    if (gw) {
        struct notice *n;

        HMAP_FOR_EACH_POP (n, node, &gw->notices) {
            free(n);
        }
        hmap_destroy(&gw->notices);
        mapping_destroy(&gw->mapping);
        free(gw->place.tunnels);
        free(gw);
    }
}

/* Returns the gateway bridge in 'ovs_idl' (external_ids:roam-gateway=true),
 * or NULL. */
static const struct ovsrec_bridge *
find_bridge(struct ovsdb_idl *ovs_idl)
{
    const struct ovsrec_bridge *br;

    OVSREC_BRIDGE_FOR_EACH (br, ovs_idl) {
        if (smap_get_bool(&br->external_ids, ROAM_KEY_GATEWAY, false)) {
            return br;
        }
    }
    return NULL;
}

/* Finds on 'br' the fabric port, the router port (if any) and the tunnel
 * ports, into 'p' (whose 'tunnels' the caller frees).  Returns false if
 * there is no fabric port. */
static bool
find_ports(const struct ovsrec_bridge *br, struct gateway_place *p)
{
    size_t allocated = 0;

    p->fabric = OFPP_NONE;
    p->router = OFPP_NONE;
    p->router_mac = eth_addr_zero;
    p->tunnels = NULL;
    p->n_tunnels = 0;
    for (size_t i = 0; i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];

        for (size_t j = 0; j < port->n_interfaces; j++) {
            const struct ovsrec_interface *iface = port->interfaces[j];
            int dc = smap_get_int(&iface->external_ids, ROAM_KEY_REMOTE_DC,
                                  -1);

            if (iface->n_ofport != 1 || iface->ofport[0] <= 0) {
                continue;
            }
            if (smap_get_bool(&iface->external_ids, ROAM_KEY_FABRIC,
                              false)) {
                p->fabric = u16_to_ofp(iface->ofport[0]);
            } else if (smap_get_bool(&iface->external_ids, ROAM_KEY_ROUTER,
                                     false)) {
                const char *to = smap_get(&iface->external_ids,
                                          ROAM_KEY_ANNOUNCE_TO);

                if (iface->mac_in_use
                    && eth_addr_from_string(iface->mac_in_use,
                                            &p->router_mac)) {
                    p->router = u16_to_ofp(iface->ofport[0]);
                }
                p->announce_to = 0;
                if (to && !ip_parse(to, &p->announce_to)) {
                    VLOG_WARN_RL(&notice_rl, "%s: %s=%s is not an IPv4 "
                                 "address; no dummy packets", iface->name,
                                 ROAM_KEY_ANNOUNCE_TO, to);
                }
            } else if (dc >= 0) {
                if (p->n_tunnels >= allocated) {
                    p->tunnels = x2nrealloc(p->tunnels, &allocated,
                                            sizeof *p->tunnels);
                }
                p->tunnels[p->n_tunnels++] = (struct gateway_tunnel) {
                    .dc = dc,
                    .ofport = u16_to_ofp(iface->ofport[0]),
                };
            }
        }
    }
    return p->fabric != OFPP_NONE;
}

static bool
place_equals(const struct gateway_place *a, const struct gateway_place *b)
{
    return (a->fc == b->fc && a->dc == b->dc && a->fabric == b->fabric
            && a->router == b->router && a->announce_to == b->announce_to
            && eth_addr_equals(a->router_mac, b->router_mac)
            && eth_addr_equals(a->gw_mac, b->gw_mac)
            && !memcmp(&a->layout, &b->layout, sizeof a->layout)
            && a->n_tunnels == b->n_tunnels
            && !memcmp(a->tunnels, b->tunnels,
                       a->n_tunnels * sizeof *a->tunnels));
}

/* Returns the roam_rewrite action of 'f', or NULL. */
static const struct ofpact_roam_rewrite *
find_rewrite(const struct oflow *f)
{
    const struct ofpact *a;

    OFPACT_FOR_EACH (a, f->ofpacts, f->ofpacts_len) {
        if (a->type == OFPACT_ROAM_REWRITE) {
            return ofpact_get_ROAM_REWRITE(a);
        }
    }
    return NULL;
}

/* After a restart: takes back, from the redirects a previous roamd left in
 * the switch's view 'fc', the old identities of VMs that moved, each for
 * a full straggler timeout from now, so that no straggler is lost to the
 * restart; then marks the gateway's flows that nothing wants any more (its
 * cookie, not desired) for deletion.  The operator's flows stay. */
static void
gateway_reconcile(struct gateway *gw, struct flowctl *fc)
{
    struct oflow *const *view;
    size_t n, n_adopted = 0, n_swept = 0;

    view = flowctl_view(fc, &n, NULL);
    for (size_t i = 0; i < n; i++) {
        const struct ofpact_roam_rewrite *rw = find_rewrite(view[i]);
        struct eth_addr real, pseudo;
        struct mapping_entry *e;
        ovs_be32 pseudo_ip;
        struct pseudo_id old;

        /* Every redirect rewrites between a moved VM's real identity and
         * its old pseudo one, in one direction or the other. */
        if (view[i]->cookie != htonll(GW_STRAGGLER_COOKIE) || !rw) {
            continue;
        }
        if (!pseudo_id_decode_mac(&gw->place.layout, rw->to_mac.ea, &old)) {
            real = rw->from_mac;
            pseudo = rw->to_mac;
            pseudo_ip = rw->to_ip;
        } else if (!pseudo_id_decode_mac(&gw->place.layout, rw->from_mac.ea,
                                         &old)) {
            real = rw->to_mac;
            pseudo = rw->from_mac;
            pseudo_ip = rw->from_ip;
        } else {
            continue;
        }
        e = CONST_CAST(struct mapping_entry *,
                       mapping_find_by_mac(&gw->mapping, real));
        if (e && eth_addr_equals(e->real_mac, real)
            && !eth_addr_equals(pseudo, e->pseudo_mac)
            && old.dc != e->dc && !e->moved) {
            e->old_dc = old.dc;
            e->old_pseudo_mac = pseudo;
            e->old_pseudo_ip = pseudo_ip;
            e->old_until = time_msec() + gw->straggler_ms;
            mapping_mark_moved(&gw->mapping, e);
            mapping_mark_changed(&gw->mapping, e);
            n_adopted++;
        }
    }
    program_vms(gw, fc, false);

    for (size_t i = 0; i < n; i++) {
        if (view[i]->cookie == htonll(GW_COOKIE)
            || view[i]->cookie == htonll(GW_STRAGGLER_COOKIE)) {
            n_swept += flowctl_disown(fc, view[i]);
        }
    }
    VLOG_INFO("reconciled with the switch: %"PRIuSIZE" moved VMs' old "
              "identities taken back, %"PRIuSIZE" flows left over removed",
              n_adopted, n_swept);
}

/* Sends 'frame' out 'port' of the switch that 'fc' programs. */
static void
send_frame(struct flowctl *fc, const struct dp_packet *frame, ofp_port_t port)
{
    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts;

    ofpbuf_use_stub(&ofpacts, stub, sizeof stub);
    ofpact_put_OUTPUT(&ofpacts)->port = port;
    flowctl_send(fc, flowctl_packet_out(dp_packet_data(frame),
                                        dp_packet_size(frame),
                                        OFPP_CONTROLLER, ofpacts.data,
                                        ofpacts.size));
    ofpbuf_uninit(&ofpacts);
}

/* VM 'e' left this datacenter: its real MAC is now behind the gateway.  A
 * RARP from that MAC out the fabric port teaches the datacenter's switches
 * so, as QEMU's announcement does for a VM that arrives: the frames that
 * this datacenter's senders still address to its real MAC then reach the
 * gateway, which redirects them and tells their senders (table 20), rather
 * than the host it left, which sends them back into the fabric.
 *
 * Not before it arrived: until then, the gateway's flows from before the
 * pause, which send frames for its real MAC to the fabric, may linger in
 * the datapath's flow cache for a moment (until ovs-vswitchd revalidates
 * it), and the switches would send those frames straight back.  No flow
 * since the pause does. */
static void
announce_moved(const struct gateway *gw, struct flowctl *fc,
               const struct mapping_entry *e)
{
    struct dp_packet rarp;

    COVERAGE_INC(gateway_moved_announce);
    VLOG_INFO("VM %s: announcing its real MAC "ETH_ADDR_FMT" behind the "
              "gateway: it left", e->name, ETH_ADDR_ARGS(e->real_mac));
    dp_packet_init(&rarp, 0);
    compose_rarp(&rarp, e->real_mac);
    send_frame(fc, &rarp, gw->place.fabric);
    dp_packet_uninit(&rarp);
}

/* Installs the flows of VM 'e', and notes what to say once the switch has
 * them. */
static void
program_vm(struct gateway *gw, struct flowctl *fc,
           const struct gateway_client *client, struct mapping_entry *e)
{
    struct oflows flows = OFLOWS_INITIALIZER;

    COVERAGE_INC(gateway_vm_flows);
    gateway_flows_vm(e, gw->place.dc, client, &flows);
    flowctl_replace_owner(fc, &e->vm, &flows);
    oflows_destroy(&flows);
    if (e->moved && e->dc == gw->place.dc && !e->ready_gen) {
        /* Arrived here: say so once the switch has it. */
        e->ready_gen = flowctl_desired_gen(fc);
        gw->n_ready++;
    }
    if (e->moved && e->old_dc == gw->place.dc) {
        /* Once its redirects are in the switch. */
        e->announce_gen = flowctl_desired_gen(fc);
        gw->n_announce++;
    }
}

/* Installs the flows of every VM whose mapping changed (of every VM, with
 * 'all') and removes those of VMs that left. */
static void
program_vms(struct gateway *gw, struct flowctl *fc, bool all)
{
    const struct gateway_client client = {
        .fabric = gw->place.fabric,
        .router = gw->place.router,
        .router_mac = gw->place.router_mac,
        .announce_to = gw->place.announce_to,
    };
    struct mapping_entry *e;

    /* (With nothing changed, there is nothing to visit.) */
    if (all || gw->mapping.n_changed) {
        HMAP_FOR_EACH (e, node, &gw->mapping.entries) {
            if (all || e->changed) {
                program_vm(gw, fc, &client, e);
            }
        }
    }
    for (size_t i = 0; i < gw->mapping.n_gone; i++) {
        flowctl_remove_owner(fc, &gw->mapping.gone[i]);
    }
    mapping_clear_changes(&gw->mapping);
}

/* One redirect's statistics: its packets are its VM's stragglers. */
static void
stats_flow(void *gw_, const struct ofputil_flow_stats *fs)
{
    struct gateway *gw = gw_;
    const struct ofpact *a;

    OFPACT_FOR_EACH (a, fs->ofpacts, fs->ofpacts_len) {
        if (a->type == OFPACT_ROAM_REWRITE) {
            struct mapping_entry *e = CONST_CAST(
                struct mapping_entry *,
                mapping_find_by_mac(&gw->mapping,
                                    ofpact_get_ROAM_REWRITE(a)->to_mac));

            if (e && e->moved && fs->packet_count != UINT64_MAX) {
                e->stragglers_next += fs->packet_count;
            }
            return;
        }
    }
}

/* The redirects' statistics are in: each moved VM's stragglers are what
 * its redirects count now (never fewer than before: a redirect replaced
 * starts counting again). */
static void
stats_done(void *gw_)
{
    struct gateway *gw = gw_;
    struct mapping_entry *e;

    HMAP_FOR_EACH (e, node, &gw->mapping.entries) {
        if (e->moved && e->stragglers_next > e->stragglers) {
            COVERAGE_ADD(gateway_straggler,
                         e->stragglers_next - e->stragglers);
            e->stragglers = e->stragglers_next;
            gw->stragglers_dirty = true;
        }
        e->stragglers_next = 0;
    }
}

/* Reads the redirects' statistics once a second while a VM that moved is
 * being redirected. */
static void
stats_run(struct gateway *gw, struct flowctl *fc)
{
    if (mapping_next_expiry(&gw->mapping) == LLONG_MAX) {
        gw->next_stats = LLONG_MAX;
    } else if (gw->next_stats == LLONG_MAX) {
        gw->next_stats = time_msec() + 1000;
    } else if (time_msec() >= gw->next_stats
               && !flowctl_request_stats(fc, 0xff,
                                         htonll(GW_STRAGGLER_COOKIE),
                                         OVS_BE64_MAX, stats_flow,
                                         stats_done, gw)) {
        gw->next_stats = time_msec() + 1000;
    }
}

/* Says, in the Migration row of each VM that arrived in this datacenter,
 * that this gateway's switch has its new place, so that the gateways of
 * other datacenters may tell stale senders to use it. */
static void
ready_run(struct gateway *gw, const struct roamd_ctx *ctx,
          const struct flowctl *fc)
{
    struct mapping_entry *e;

    if (!gw->n_ready || !ctx->roam_txn || !flowctl_is_connected(fc)) {
        return;
    }
    gw->n_ready = 0;
    HMAP_FOR_EACH (e, node, &gw->mapping.entries) {
        if (!e->ready_gen || e->ready_gen == UINT64_MAX) {
            continue;
        }
        if (flowctl_applied_gen(fc) >= e->ready_gen) {
            const struct roamrec_vm *vm;
            const struct roamrec_migration *m;

            vm = roamrec_vm_get_for_uuid(ctx->roam_idl, &e->vm);
            m = vm ? migration_find(ctx->roam_idl, vm, e->seq) : NULL;
            if (m) {
                roamrec_migration_update_external_ids_setkey(
                    m, MAPPING_KEY_READY, ctx->chassis->name);
            }
            e->ready_gen = UINT64_MAX;      /* Said. */
        } else {
            gw->n_ready++;
        }
    }
}

/* Writes to each moved VM's Migration row, under this gateway's name, the
 * stragglers it redirected that the row does not show yet.  At most once
 * per iteration of the main loop, whatever the rate of stragglers. */
static void
stragglers_run(struct gateway *gw, const struct roamd_ctx *ctx)
{
    struct mapping_entry *e;

    if (!gw->stragglers_dirty || !ctx->roam_txn) {
        return;
    }
    HMAP_FOR_EACH (e, node, &gw->mapping.entries) {
        const struct roamrec_vm *vm;
        const struct roamrec_migration *m;

        if (e->stragglers == e->stragglers_written) {
            continue;
        }
        vm = roamrec_vm_get_for_uuid(ctx->roam_idl, &e->vm);
        m = vm ? migration_find(ctx->roam_idl, vm, e->seq) : NULL;
        if (m) {
            roamrec_migration_update_stragglers_setkey(m, ctx->chassis->name,
                                                       e->stragglers);
        }
        /* (A move the database shows with no Migration row has nowhere
         * to count them but the coverage counter.) */
        e->stragglers_written = e->stragglers;
    }
    gw->stragglers_dirty = false;
}

/* Announces the VMs that left, whose redirects the switch now has. */
static void
announce_run(struct gateway *gw, struct flowctl *fc)
{
    struct mapping_entry *e;

    if (!gw->n_announce || !flowctl_is_connected(fc)) {
        return;
    }
    gw->n_announce = 0;
    HMAP_FOR_EACH (e, node, &gw->mapping.entries) {
        if (e->announce_gen) {
            if (flowctl_applied_gen(fc) >= e->announce_gen) {
                announce_moved(gw, fc, e);
                e->announce_gen = 0;
            } else {
                gw->n_announce++;
            }
        }
    }
}

void
gateway_run(struct gateway *gw, const struct roamd_ctx *ctx)
{
    const struct roamrec_datacenter *dc;
    const struct ovsrec_bridge *br;
    struct gateway_place now;
    struct flowctl *fc;

    if (!ctx->chassis || !ctx->ovs_idl) {
        return;
    }
    dc = ctx->chassis->datacenter;
    memset(&now, 0, sizeof now);
    br = find_bridge(ctx->ovs_idl);
    if (!br) {
        return;
    }
    tunnels_run(ctx->ovs_txn, br, ctx->roam_idl, ctx->chassis);
    fc = shash_find_data(ctx->flowctls, br->name);
    if (!dc || !fc || !find_ports(br, &now)
        || pseudo_id_layout_parse(&now.layout, dc->pseudo_layout)) {
        free(now.tunnels);
        return;
    }
    now.fc = fc;
    now.dc = dc->number;
    if (now.router != OFPP_NONE) {
        now.gw_mac = now.router_mac;
    } else {
        struct pseudo_id self = {
            .dc = dc->number,
            .pod = ctx->chassis->pod,
            .host = ctx->chassis->index,
        };

        if (pseudo_id_prefix(&now.layout, &self, PSEUDO_ID_SCOPE_HOST, NULL,
                             NULL, now.gw_mac.ea, NULL)) {
            now.gw_mac = eth_addr_zero;
        }
    }

    mapping_run(&gw->mapping, ctx->roam_idl, gw->straggler_ms);
    if (!place_equals(&now, &gw->place)) {
        struct oflows flows = OFLOWS_INITIALIZER;

        COVERAGE_INC(gateway_fabric_flows);
        VLOG_INFO("gateway of datacenter %"PRIu32" on bridge %s: fabric "
                  "port %"PRIu16", %"PRIuSIZE" tunnels", now.dc, br->name,
                  ofp_to_u16(now.fabric), now.n_tunnels);
        gateway_flows_fabric(&now.layout, now.dc, now.fabric, now.router,
                             now.router_mac, now.gw_mac, now.tunnels,
                             now.n_tunnels, &flows);
        flowctl_replace_owner(fc, &gw->fabric_owner, &flows);
        oflows_destroy(&flows);
        free(gw->place.tunnels);
        gw->place = now;
        program_vms(gw, fc, true);
    } else {
        free(now.tunnels);
        program_vms(gw, fc, false);
    }

    announce_run(gw, fc);
    stats_run(gw, fc);
    stragglers_run(gw, ctx);
    ready_run(gw, ctx, fc);

    /* Once per flowctl: read what a previous roamd left, and reconcile. */
    if (gw->swept != fc) {
        if (!flowctl_view_seqno(fc)) {
            flowctl_request_view(fc);
        } else {
            gateway_reconcile(gw, fc);
            gw->swept = fc;
        }
    }
}

/* Registers the Open_vSwitch columns the gateway role needs beyond those
 * every role reads. */
void
gateway_register_ovs_idl(struct ovsdb_idl *ovs_idl)
{
    tunnels_register_ovs_idl(ovs_idl);
}

void
gateway_wait(struct gateway *gw)
{
    /* Database updates and the bridges wake the loop by themselves; the
     * end of a moved VM's straggler time does not. */
    long long int next = mapping_next_expiry(&gw->mapping);

    if (next != LLONG_MAX) {
        poll_timer_wait_until(next);
    }
    if (gw->next_stats != LLONG_MAX) {
        poll_timer_wait_until(gw->next_stats);
    }
}

/* Whether the sender 'sender' on 'port' was told to use 'to' in the last
 * second; if not, notes that it is being told now.  Forgets what expired
 * once there is much to forget. */
static bool
notice_sent_recently(struct gateway *gw, ofp_port_t port,
                     struct eth_addr sender, struct eth_addr to)
{
    uint32_t hash = hash_bytes(&sender, sizeof sender,
                               hash_bytes(&to, sizeof to,
                                          hash_int(ofp_to_u16(port), 0)));
    long long int now = time_msec();
    struct notice *n;

    HMAP_FOR_EACH_WITH_HASH (n, node, hash, &gw->notices) {
        if (n->port == port && eth_addr_equals(n->sender, sender)
            && eth_addr_equals(n->to, to)) {
            if (now < n->until) {
                return true;
            }
            n->until = now + 1000;
            return false;
        }
    }
    if (hmap_count(&gw->notices) >= 1024) {
        struct notice *next;

        HMAP_FOR_EACH_SAFE (n, next, node, &gw->notices) {
            if (now >= n->until) {
                hmap_remove(&gw->notices, &n->node);
                free(n);
            }
        }
    }
    n = xmalloc(sizeof *n);
    n->port = port;
    n->sender = sender;
    n->to = to;
    n->until = now + 1000;
    hmap_insert(&gw->notices, &n->node, hash);
    return false;
}

/* The stale-sender notice (S2.3), as PortLand's fabric manager invalidates
 * an ARP cache: a frame that a sender addressed to where a VM was (its
 * real MAC where it left, its old pseudo MAC elsewhere) comes back to that
 * sender as a unicast gratuitous ARP reply for the VM's real IPv4 address
 * from the MAC the sender should use (its pseudo MAC, or its real one
 * where it now is), out the port the frame came in on, once a
 * second per sender and destination. */
static void
gateway_packet_in(void *gw_, const struct pinctrl_packet_in *pi)
{
    struct gateway *gw = gw_;
    const struct mapping_entry *e;
    struct dp_packet packet, garp;
    struct arp_eth_header *arp;
    struct eth_addr use;
    struct flow flow;

    dp_packet_use_const(&packet, pi->pin->packet, pi->pin->packet_len);
    flow_extract(&packet, &flow);
    e = mapping_find_by_mac(&gw->mapping, flow.dl_dst);
    if (!e || flow.dl_type != htons(ETH_TYPE_IP)) {
        COVERAGE_INC(gateway_notice_unknown);
        return;
    }
    /* Where the VM is, as this gateway's senders address it; in another
     * datacenter, once that datacenter's gateway has it (until then the
     * redirect takes the sender's frames there). */
    use = e->dc == gw->place.dc ? e->real_mac : e->pseudo_mac;
    if (e->dc != gw->place.dc && e->moved && !e->peer_ready) {
        COVERAGE_INC(gateway_notice_deferred);
        return;
    }
    if (notice_sent_recently(gw, pi->pin->flow_metadata.flow.in_port.ofp_port,
                             flow.dl_src, flow.dl_dst)) {
        return;
    }
    COVERAGE_INC(gateway_stale_notice);
    VLOG_INFO_RL(&notice_rl, "VM %s: telling "ETH_ADDR_FMT" ("IP_FMT") to "
                 "use "ETH_ADDR_FMT, e->name, ETH_ADDR_ARGS(flow.dl_src),
                 IP_ARGS(flow.nw_src), ETH_ADDR_ARGS(use));

    /* A gratuitous reply (target as sender, MAC and IPv4), so that a
     * Linux sender takes it whenever its entry was last updated (it
     * overrides "locktime"), to the sender's MAC. */
    dp_packet_init(&garp, 0);
    compose_arp(&garp, ARP_OP_REPLY, use, flow.dl_src, false,
                e->real_ip, e->real_ip);
    arp = dp_packet_l3(&garp);
    arp->ar_tha = use;
    send_frame(pi->flowctl, &garp,
               pi->pin->flow_metadata.flow.in_port.ofp_port);
    dp_packet_uninit(&garp);
}

static void
gateway_unixctl_mappings(struct unixctl_conn *conn, int argc OVS_UNUSED,
                         const char *argv[] OVS_UNUSED, void *gw_)
{
    struct gateway *gw = gw_;
    struct ds s = DS_EMPTY_INITIALIZER;

    mapping_format(&gw->mapping, gw->place.dc, &s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}
