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

#include "roamd/gateway/gateway-flows.h"

#include "lib/pseudo-id.h"
#include "openvswitch/match.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "roamd/core/oflow.h"
#include "roamd/gateway/mapping.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "openflow/openflow.h"
#include "flow.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(gateway_flows);

#define PRIO_ENTRY 100
#define PRIO_PASS 1

static void
add_flow__(struct oflows *flows, uint8_t table, uint16_t priority,
           uint64_t cookie, const struct match *match,
           const struct ofpbuf *ofpacts)
{
    oflows_add(flows, oflow_create_from_match(table, priority,
                                              htonll(cookie), match,
                                              ofpacts->data, ofpacts->size));
}

static void
add_flow(struct oflows *flows, uint8_t table, uint16_t priority,
         const struct match *match, const struct ofpbuf *ofpacts)
{
    add_flow__(flows, table, priority, GW_COOKIE, match, ofpacts);
}

/* A redirect of a moved VM's old identity: its packets are stragglers. */
static void
add_straggler_flow(struct oflows *flows, uint8_t table,
                   const struct match *match, const struct ofpbuf *ofpacts)
{
    add_flow__(flows, table, PRIO_ENTRY, GW_STRAGGLER_COOKIE, match,
               ofpacts);
}

static void
put_resubmit(struct ofpbuf *ofpacts, uint8_t table)
{
    struct ofpact_resubmit *r = ofpact_put_RESUBMIT(ofpacts);

    r->in_port = OFPP_IN_PORT;
    r->table_id = table;
}

static void
put_output(struct ofpbuf *ofpacts, ofp_port_t port)
{
    ofpact_put_OUTPUT(ofpacts)->port = port;
}

static void
put_rewrite(struct ofpbuf *ofpacts, uint8_t sides,
            struct eth_addr from_mac, ovs_be32 from_ip,
            struct eth_addr to_mac, ovs_be32 to_ip)
{
    struct ofpact_roam_rewrite *rw = ofpact_put_ROAM_REWRITE(ofpacts);

    rw->sides = sides;
    rw->from_mac = from_mac;
    rw->from_ip = from_ip;
    rw->to_mac = to_mac;
    rw->to_ip = to_ip;
}

static void
put_move(struct ofpbuf *ofpacts, enum mf_field_id src, enum mf_field_id dst)
{
    struct ofpact_reg_move *move = ofpact_put_REG_MOVE(ofpacts);
    const struct mf_field *sf = mf_from_id(src);

    move->src = (struct mf_subfield) { .field = sf, .n_bits = sf->n_bits };
    move->dst = (struct mf_subfield) { .field = mf_from_id(dst),
                                       .n_bits = sf->n_bits };
}

static void
put_set(struct ofpbuf *ofpacts, enum mf_field_id id, const void *value)
{
    ofpact_put_set_field(ofpacts, mf_from_id(id), value, NULL);
}

/* The stale-sender notice (table 23): each frame to a stale address goes
 * to roamd, which tells its sender once per second (gateway.c).  (A learned
 * flow cannot hold back the rest in the switch: the revalidator installs
 * it from the statistics of a datapath flow that the redirect replaced,
 * with no packet-in at all, and the sender would go untold for a
 * second.) */
static void
put_notice_actions(struct ofpbuf *ofpacts)
{
    static const uint8_t userdata[] = { GW_TAG_0, GW_TAG_1 };
    struct ofpact_controller *oc;

    oc = ofpact_put_CONTROLLER(ofpacts);
    oc->max_len = UINT16_MAX;
    oc->reason = OFPR_ACTION;
    ofpbuf_put(ofpacts, userdata, sizeof userdata);
    oc = ofpacts->header;
    oc->userdata_len = sizeof userdata;
    ofpact_finish_CONTROLLER(ofpacts, &oc);
}

/* Sends frames addressed to moved VM 'e' at 'mac' (its real MAC where it
 * left, its old pseudo MAC elsewhere), in table 'table', on toward its new
 * datacenter, addressed to its old pseudo identity, which that
 * datacenter's gateway takes back to its real one (arrived_flow()): the
 * gateways of the two datacenters need not see its arrival at the same
 * moment.  With 'notice', the sender is told first (table 23, which sees
 * the address it used). */
static void
straggler_flow(uint8_t table, const struct mapping_entry *e,
               struct eth_addr mac, bool notice, struct oflows *flows)
{
    uint64_t stub[512 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    ovs_be32 dc = htonl(e->dc + 1);
    struct match match;

    match_init_catchall(&match);
    match_set_dl_type(&match, htons(ETH_TYPE_IP));
    match_set_dl_dst(&match, mac);
    if (notice) {
        put_resubmit(&ofpacts, GW_T_NOTICE);
    }
    put_rewrite(&ofpacts, ROAM_REWRITE_DST, e->real_mac, e->real_ip,
                e->old_pseudo_mac, e->old_pseudo_ip);
    put_set(&ofpacts, MFF_REG0, &dc);
    put_resubmit(&ofpacts, (table == GW_T_OUT_DST ? GW_T_OUT_SRC
                            : GW_T_IN_SRC));
    add_straggler_flow(flows, table, &match, &ofpacts);
    ofpbuf_uninit(&ofpacts);
}

/* At the datacenter it arrived in, frames for moved VM 'e' at its old
 * pseudo MAC, from this datacenter's senders (which this gateway had
 * answered with it), go back to the fabric at its real identity, their
 * senders told. */
static void
straggler_turn_flow(const struct mapping_entry *e, struct oflows *flows)
{
    uint64_t stub[512 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    match_init_catchall(&match);
    match_set_dl_type(&match, htons(ETH_TYPE_IP));
    match_set_dl_dst(&match, e->old_pseudo_mac);
    put_resubmit(&ofpacts, GW_T_NOTICE);
    put_rewrite(&ofpacts, ROAM_REWRITE_DST, e->old_pseudo_mac,
                e->old_pseudo_ip, e->real_mac, e->real_ip);
    put_resubmit(&ofpacts, GW_T_TURN);
    add_straggler_flow(flows, GW_T_OUT_DST, &match, &ofpacts);
    ofpbuf_uninit(&ofpacts);
}

/* Frames in transit for VM 'e', whose live migration to another
 * datacenter is pending: at its datacenter, frames its host sends back
 * addressed to its pseudo MAC (it paused there) go to the destination's
 * datacenter (register 0 names it for table 22); at the destination's,
 * those frames get its real identity and go to the fabric, where its new
 * host holds them until it resumes. */
static void
transit_flows(const struct mapping_entry *e, uint32_t local_dc,
              struct oflows *flows)
{
    uint64_t stub[256 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    match_init_catchall(&match);
    match_set_dl_dst(&match, e->pseudo_mac);
    if (e->dc == local_dc) {
        ovs_be32 dc = htonl(e->transit_dc);

        put_set(&ofpacts, MFF_REG0, &dc);
        put_resubmit(&ofpacts, GW_T_OUT_SRC);
        add_flow(flows, GW_T_OUT_DST, PRIO_ENTRY + 10, &match, &ofpacts);

        /* Once it paused, frames for its real MAC that come here (from
         * the router port) go the same way, and frames from other
         * datacenters for its pseudo MAC no longer go to the fabric: on to
         * its destination's datacenter. */
        if (e->transit_paused) {
            ofpbuf_clear(&ofpacts);
            match_set_dl_dst(&match, e->real_mac);
            put_rewrite(&ofpacts, ROAM_REWRITE_DST, e->real_mac, e->real_ip,
                        e->pseudo_mac, e->pseudo_ip);
            put_set(&ofpacts, MFF_REG0, &dc);
            put_resubmit(&ofpacts, GW_T_OUT_SRC);
            add_flow(flows, GW_T_OUT_DST, PRIO_ENTRY + 10, &match,
                     &ofpacts);

            ofpbuf_clear(&ofpacts);
            match_set_dl_dst(&match, e->pseudo_mac);
            put_set(&ofpacts, MFF_REG0, &dc);
            put_resubmit(&ofpacts, GW_T_IN_SRC);
            add_flow(flows, GW_T_IN_DST, PRIO_ENTRY + 10, &match,
                     &ofpacts);
        }
    } else if (e->transit_dc == local_dc + 1) {
        put_rewrite(&ofpacts, ROAM_REWRITE_DST, e->pseudo_mac, e->pseudo_ip,
                    e->real_mac, e->real_ip);
        put_resubmit(&ofpacts, GW_T_IN_SRC);
        add_flow(flows, GW_T_IN_DST, PRIO_ENTRY, &match, &ofpacts);

        /* Once it paused, this datacenter's own frames for it need not
         * go to where it was: back to the fabric, to its real MAC, where
         * its new host holds them. */
        if (e->transit_paused) {
            ofpbuf_clear(&ofpacts);
            put_rewrite(&ofpacts, ROAM_REWRITE_DST, e->pseudo_mac,
                        e->pseudo_ip, e->real_mac, e->real_ip);
            put_resubmit(&ofpacts, GW_T_TURN);
            add_flow(flows, GW_T_OUT_DST, PRIO_ENTRY + 10, &match,
                     &ofpacts);
        }
    }
    ofpbuf_uninit(&ofpacts);
}

/* Frames that the gateway of the datacenter that VM 'e' left sent on to
 * its old pseudo MAC (in transit, before that gateway saw it arrive here)
 * still reach it, on the fabric. */
static void
arrived_flow(const struct mapping_entry *e, struct oflows *flows)
{
    uint64_t stub[256 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    match_init_catchall(&match);
    match_set_dl_dst(&match, e->old_pseudo_mac);
    put_rewrite(&ofpacts, ROAM_REWRITE_DST, e->old_pseudo_mac,
                e->old_pseudo_ip, e->real_mac, e->real_ip);
    put_resubmit(&ofpacts, GW_T_IN_SRC);
    add_straggler_flow(flows, GW_T_IN_DST, &match, &ofpacts);
    ofpbuf_uninit(&ofpacts);
}

/* Stragglers and stale senders of VM 'e', which moved from datacenter
 * 'e->old_dc' (S0.7, S2.3). */
static void
straggler_flows(const struct mapping_entry *e, uint32_t local_dc,
                struct oflows *flows)
{
    if (e->old_dc == local_dc) {
        /* It left: this datacenter's senders still use its real MAC (and
         * are told), the host it left sends what still reaches it to its
         * old pseudo MAC, and so do other datacenters' senders. */
        straggler_flow(GW_T_OUT_DST, e, e->real_mac, true, flows);
        straggler_flow(GW_T_OUT_DST, e, e->old_pseudo_mac, false, flows);
        straggler_flow(GW_T_IN_DST, e, e->old_pseudo_mac, false, flows);
    } else if (e->dc == local_dc) {
        /* It arrived: this datacenter's senders still use its old pseudo
         * MAC, which this gateway answered for; it is on the fabric.  And
         * stragglers that other gateways send on come addressed to it. */
        straggler_turn_flow(e, flows);
        arrived_flow(e, flows);
    } else {
        /* It moved between two other datacenters. */
        straggler_flow(GW_T_OUT_DST, e, e->old_pseudo_mac, true, flows);
    }
}

/* The ARP answer for another datacenter's VM 'e' (table 10): the request
 * turned around into a reply from 'e''s pseudo MAC, out the port it came
 * in on, all in the datapath. */
static void
arp_answer(const struct mapping_entry *e, struct oflows *flows)
{
    uint64_t stub[1024 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    ovs_be16 reply = htons(ARP_OP_REPLY);
    struct match match;

    match_init_catchall(&match);
    match_set_dl_type(&match, htons(ETH_TYPE_ARP));
    match_set_nw_proto(&match, ARP_OP_REQUEST);
    match_set_nw_dst(&match, e->real_ip);

    put_move(&ofpacts, MFF_ETH_SRC, MFF_ETH_DST);
    put_set(&ofpacts, MFF_ETH_SRC, &e->pseudo_mac);
    put_set(&ofpacts, MFF_ARP_OP, &reply);
    put_move(&ofpacts, MFF_ARP_SHA, MFF_ARP_THA);
    put_move(&ofpacts, MFF_ARP_SPA, MFF_ARP_TPA);
    put_set(&ofpacts, MFF_ARP_SHA, &e->pseudo_mac);
    put_set(&ofpacts, MFF_ARP_SPA, &e->real_ip);
    put_output(&ofpacts, OFPP_IN_PORT);
    add_flow(flows, GW_T_ARP, PRIO_ENTRY, &match, &ofpacts);
    ofpbuf_uninit(&ofpacts);
}

/* Adds 'text', a flow in ovs-ofctl syntax that this file builds, to
 * 'flows'. */
static void
add_flow_text(struct oflows *flows, const char *text)
{
    char *error = NULL;

    if (oflows_add_text(flows, text, &error)) {
        VLOG_FATAL("gateway flow \"%s\": %s", text, error);
    }
}

/* The client site's side of VM 'e' (see gateway-flows.h): its
 * announcements become dummy packets toward the client site while it may
 * be arriving here; elsewhere, its address may not leave through this
 * router.  Announcements are broadcast: matching that keeps its unicast
 * ARP, such as its replies to the router, on their usual way. */
static void
client_flows(const struct mapping_entry *e, uint32_t local_dc,
             const struct gateway_client *client, struct oflows *flows)
{
    bool arriving = (e->transit_dc == local_dc + 1
                     || (e->dc == local_dc && e->moved
                         && e->old_dc != local_dc));
    struct ds s = DS_EMPTY_INITIALIZER;

    if (e->dc != local_dc && !arriving) {
        ds_put_format(&s, "table=%d,priority=%d,cookie=%#"PRIx64",ip,"
                      "nw_src="IP_FMT",actions=drop", GW_T_ROUTER,
                      PRIO_ENTRY, GW_COOKIE, IP_ARGS(e->real_ip));
        add_flow_text(flows, ds_cstr(&s));
    }
    if (arriving && client->announce_to) {
        /* A GARP request goes on to the ARP answers, a GARP reply and a
         * RARP to the rewrite tables, as table 0 sends them otherwise. */
        static const struct {
            const char *match;
            uint8_t next;
            bool rarp;
        } kinds[] = {
            { "arp,arp_op=1", GW_T_ARP, false },
            { "arp,arp_op=2", GW_T_OUT_DST, false },
            { "rarp", GW_T_OUT_DST, true },
        };

        for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
            ds_clear(&s);
            ds_put_format(&s, "table=%d,priority=%d,cookie=%#"PRIx64","
                          "in_port=%"PRIu16",%s,dl_dst=ff:ff:ff:ff:ff:ff,"
                          "dl_src="ETH_ADDR_FMT,
                          GW_T_CLASSIFY, PRIO_ENTRY + 30, GW_COOKIE,
                          ofp_to_u16(client->fabric), kinds[i].match,
                          ETH_ADDR_ARGS(e->real_mac));
            if (!kinds[i].rarp) {
                ds_put_format(&s, ",arp_spa="IP_FMT, IP_ARGS(e->real_ip));
            }
            ds_put_format(&s, ",actions=clone(roam_announce(dst="IP_FMT","
                          "dst_mac="ETH_ADDR_FMT, IP_ARGS(client->announce_to),
                          ETH_ADDR_ARGS(client->router_mac));
            if (kinds[i].rarp) {
                ds_put_format(&s, ",rarp_ip="IP_FMT, IP_ARGS(e->real_ip));
            }
            ds_put_format(&s, "),output:%"PRIu16"),resubmit(,%d)",
                          ofp_to_u16(client->router), kinds[i].next);
            add_flow_text(flows, ds_cstr(&s));
        }
    }
    ds_destroy(&s);
}

/* Adds to 'flows' the per-VM flows for 'e' at a gateway of datacenter
 * 'local_dc' (see gateway-flows.h), with the client site's beyond
 * 'client''s router, if it has one. */
void
gateway_flows_vm(const struct mapping_entry *e, uint32_t local_dc,
                 const struct gateway_client *client, struct oflows *flows)
{
    uint64_t stub[256 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    if (e->dc == local_dc) {
        /* Out: its real source becomes its pseudo source. */
        match_init_catchall(&match);
        match_set_dl_src(&match, e->real_mac);
        put_rewrite(&ofpacts, ROAM_REWRITE_SRC, e->real_mac, e->real_ip,
                    e->pseudo_mac, e->pseudo_ip);
        put_resubmit(&ofpacts, GW_T_FORWARD);
        add_flow(flows, GW_T_OUT_SRC, PRIO_ENTRY, &match, &ofpacts);

        /* In: its pseudo destination becomes its real one. */
        ofpbuf_clear(&ofpacts);
        match_init_catchall(&match);
        match_set_dl_dst(&match, e->pseudo_mac);
        put_rewrite(&ofpacts, ROAM_REWRITE_DST, e->pseudo_mac, e->pseudo_ip,
                    e->real_mac, e->real_ip);
        put_resubmit(&ofpacts, GW_T_IN_SRC);
        add_flow(flows, GW_T_IN_DST, PRIO_ENTRY, &match, &ofpacts);
    } else {
        arp_answer(e, flows);

        /* Out: for its real IPv4 address, its pseudo one. */
        match_init_catchall(&match);
        match_set_dl_type(&match, htons(ETH_TYPE_IP));
        match_set_dl_dst(&match, e->pseudo_mac);
        match_set_nw_dst(&match, e->real_ip);
        put_rewrite(&ofpacts, ROAM_REWRITE_DST, e->real_mac, e->real_ip,
                    e->pseudo_mac, e->pseudo_ip);
        put_resubmit(&ofpacts, GW_T_OUT_SRC);
        add_flow(flows, GW_T_OUT_DST, PRIO_ENTRY, &match, &ofpacts);

        /* In: from its pseudo IPv4 address, its real one.  Its source MAC
         * stays the pseudo MAC, the one the ARP answer gave for it: the
         * datacenter's switches learn that behind the gateway, and never
         * its real MAC, which stays free to be learnt where the VM arrives
         * if it moves here.  (A frame that this gateway sends back to
         * another datacenter, in transit, goes through here too: it leaves
         * with its sender's real IPv4 address.) */
        ofpbuf_clear(&ofpacts);
        match_init_catchall(&match);
        match_set_dl_type(&match, htons(ETH_TYPE_IP));
        match_set_dl_src(&match, e->pseudo_mac);
        match_set_nw_src(&match, e->pseudo_ip);
        put_set(&ofpacts, MFF_IPV4_SRC, &e->real_ip);
        put_resubmit(&ofpacts, GW_T_DELIVER);
        add_flow(flows, GW_T_IN_SRC, PRIO_ENTRY, &match, &ofpacts);
    }
    if (e->moved) {
        straggler_flows(e, local_dc, flows);
    }
    if (e->transit_dc) {
        transit_flows(e, local_dc, flows);
    }
    if (client && client->router != OFPP_NONE) {
        client_flows(e, local_dc, client, flows);
    }
    ofpbuf_uninit(&ofpacts);
}

/* Adds to 'flows' the classification of the frames that come from port
 * 'port' (the fabric or the router): ARP requests to the answers, the rest
 * out through the rewrite tables. */
static void
classify_local(ofp_port_t port, struct oflows *flows)
{
    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    match_init_catchall(&match);
    match_set_in_port(&match, port);
    match_set_dl_type(&match, htons(ETH_TYPE_ARP));
    match_set_nw_proto(&match, ARP_OP_REQUEST);
    put_resubmit(&ofpacts, GW_T_ARP);
    add_flow(flows, GW_T_CLASSIFY, PRIO_ENTRY + 10, &match, &ofpacts);

    ofpbuf_clear(&ofpacts);
    match_init_catchall(&match);
    match_set_in_port(&match, port);
    put_resubmit(&ofpacts, GW_T_OUT_DST);
    add_flow(flows, GW_T_CLASSIFY, PRIO_ENTRY, &match, &ofpacts);
    ofpbuf_uninit(&ofpacts);
}

/* Adds to 'flows' what joins the gateway's router port 'router' (MAC
 * 'router_mac') and the fabric: the router is one more host of the
 * datacenter's segment, whose frames for another datacenter take the same
 * path as a VM's. */
static void
router_flows(ofp_port_t fabric, ofp_port_t router, struct eth_addr router_mac,
             struct oflows *flows)
{
    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    classify_local(router, flows);

    /* To the router, as they are (no rewrite), unless their source is
     * another datacenter's VM (table 25). */
    match_init_catchall(&match);
    match_set_in_port(&match, fabric);
    match_set_dl_dst(&match, router_mac);
    put_resubmit(&ofpacts, GW_T_ROUTER);
    add_flow(flows, GW_T_CLASSIFY, PRIO_ENTRY + 20, &match, &ofpacts);
    ofpbuf_clear(&ofpacts);
    match_init_catchall(&match);
    put_output(&ofpacts, router);
    add_flow(flows, GW_T_ROUTER, PRIO_PASS, &match, &ofpacts);

    /* ARP requests nobody here answers, and the router's frames for the
     * datacenter's own hosts, cross between the two. */
    match_init_catchall(&match);
    match_set_in_port(&match, fabric);
    add_flow(flows, GW_T_ARP, PRIO_PASS, &match, &ofpacts);
    for (uint8_t table = GW_T_ARP; ; table = GW_T_FORWARD) {
        ofpbuf_clear(&ofpacts);
        match_init_catchall(&match);
        match_set_in_port(&match, router);
        put_output(&ofpacts, fabric);
        add_flow(flows, table, PRIO_PASS, &match, &ofpacts);
        if (table == GW_T_FORWARD) {
            break;
        }
    }
    ofpbuf_uninit(&ofpacts);
}

/* Adds to 'flows' the gateway's flows that do not depend on any VM: the
 * classification of ports, and forwarding by datacenter prefix of the
 * pseudo MAC ('layout'), toward the 'n_tunnels' tunnels, and in from them
 * to 'fabric'.  With a 'router' port (not OFPP_NONE), its frames and the
 * fabric's frames to 'router_mac' cross between the two.  Frames turned
 * back to where they came from get 'gw_mac', the gateway's own, as
 * source. */
void
gateway_flows_fabric(const struct pseudo_id_layout *layout,
                     uint32_t local_dc, ofp_port_t fabric, ofp_port_t router,
                     struct eth_addr router_mac, struct eth_addr gw_mac,
                     const struct gateway_tunnel *tunnels, size_t n_tunnels,
                     struct oflows *flows)
{
    uint64_t stub[256 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    /* Classify. */
    classify_local(fabric, flows);
    if (router != OFPP_NONE) {
        router_flows(fabric, router, router_mac, flows);
    }

    for (size_t i = 0; i < n_tunnels; i++) {
        static const ovs_be16 announcements[] = {
            CONSTANT_HTONS(ETH_TYPE_ARP), CONSTANT_HTONS(ETH_TYPE_RARP),
        };

        ofpbuf_clear(&ofpacts);
        match_init_catchall(&match);
        match_set_in_port(&match, tunnels[i].ofport);
        put_resubmit(&ofpacts, GW_T_IN_DST);
        add_flow(flows, GW_T_CLASSIFY, PRIO_ENTRY, &match, &ofpacts);

        /* ARP never needs to cross between datacenters (each gateway
         * answers for the others' VMs), so a GARP or RARP from another
         * datacenter, spoofed or not, goes no further: mappings come from
         * the database only. */
        ofpbuf_clear(&ofpacts);
        for (size_t j = 0; j < ARRAY_SIZE(announcements); j++) {
            match_init_catchall(&match);
            match_set_in_port(&match, tunnels[i].ofport);
            match_set_dl_type(&match, announcements[j]);
            add_flow(flows, GW_T_CLASSIFY, PRIO_ENTRY + 10, &match,
                     &ofpacts);
        }
    }

    /* Frames of no mapped VM pass through the rewrite tables as they
     * are. */
    ofpbuf_clear(&ofpacts);
    match_init_catchall(&match);
    put_resubmit(&ofpacts, GW_T_OUT_SRC);
    add_flow(flows, GW_T_OUT_DST, PRIO_PASS, &match, &ofpacts);
    ofpbuf_clear(&ofpacts);
    put_resubmit(&ofpacts, GW_T_FORWARD);
    add_flow(flows, GW_T_OUT_SRC, PRIO_PASS, &match, &ofpacts);
    ofpbuf_clear(&ofpacts);
    put_resubmit(&ofpacts, GW_T_IN_SRC);
    add_flow(flows, GW_T_IN_DST, PRIO_PASS, &match, &ofpacts);
    ofpbuf_clear(&ofpacts);
    put_resubmit(&ofpacts, GW_T_DELIVER);
    add_flow(flows, GW_T_IN_SRC, PRIO_PASS, &match, &ofpacts);

    /* In: out to the fabric. */
    ofpbuf_clear(&ofpacts);
    put_output(&ofpacts, fabric);
    add_flow(flows, GW_T_DELIVER, PRIO_PASS, &match, &ofpacts);

    /* Turned back: the gateway's own MAC as source, so that the
     * datacenter's switches never learn the sender behind the gateway. */
    ofpbuf_clear(&ofpacts);
    if (!eth_addr_is_zero(gw_mac)) {
        put_set(&ofpacts, MFF_ETH_SRC, &gw_mac);
    }
    put_output(&ofpacts, OFPP_IN_PORT);
    add_flow(flows, GW_T_TURN, PRIO_PASS, &match, &ofpacts);
    if (router != OFPP_NONE) {
        /* The router's own frames for a VM that arrived here, to the
         * address this gateway had answered for it, go to the fabric, not
         * back into the router; their source is already the router's. */
        ofpbuf_clear(&ofpacts);
        match_init_catchall(&match);
        match_set_in_port(&match, router);
        put_output(&ofpacts, fabric);
        add_flow(flows, GW_T_TURN, PRIO_PASS + 1, &match, &ofpacts);
    }

    /* The stale-sender notice. */
    ofpbuf_clear(&ofpacts);
    match_init_catchall(&match);
    put_notice_actions(&ofpacts);
    add_flow(flows, GW_T_NOTICE, PRIO_PASS, &match, &ofpacts);

    /* A VM that arrived from another datacenter still addresses a VM of
     * this one by the pseudo MAC it learnt there: its sender told, the
     * frame goes through table 30 like a frame from a tunnel, and table 32
     * turns it back (register 1) out the port it came in on. */
    {
        struct pseudo_id id = { .dc = local_dc };
        struct eth_addr mac, mask;
        uint32_t ip, ip_mask;
        ovs_be32 turn = htonl(1);

        if (!pseudo_id_prefix(layout, &id, PSEUDO_ID_SCOPE_DC, &ip, &ip_mask,
                              mac.ea, mask.ea)) {
            ofpbuf_clear(&ofpacts);
            match_init_catchall(&match);
            match_set_dl_type(&match, htons(ETH_TYPE_IP));
            match_set_dl_dst_masked(&match, mac, mask);
            put_resubmit(&ofpacts, GW_T_NOTICE);
            put_set(&ofpacts, MFF_REG1, &turn);
            put_resubmit(&ofpacts, GW_T_IN_DST);
            add_flow(flows, GW_T_OUT_DST, PRIO_ENTRY - 50, &match, &ofpacts);

            ofpbuf_clear(&ofpacts);
            match_init_catchall(&match);
            match_set_reg(&match, 1, 1);
            put_resubmit(&ofpacts, GW_T_TURN);
            add_flow(flows, GW_T_DELIVER, PRIO_ENTRY + 10, &match, &ofpacts);
        }
    }

    /* Forward: one flow per other datacenter, on the datacenter field of
     * the destination pseudo MAC. */
    for (size_t i = 0; i < n_tunnels; i++) {
        struct pseudo_id id = { .dc = tunnels[i].dc };
        struct eth_addr mac, mask;
        uint32_t ip, ip_mask;

        if (pseudo_id_prefix(layout, &id, PSEUDO_ID_SCOPE_DC, &ip, &ip_mask,
                             mac.ea, mask.ea)) {
            continue;
        }
        ofpbuf_clear(&ofpacts);
        match_init_catchall(&match);
        match_set_dl_dst_masked(&match, mac, mask);
        put_output(&ofpacts, tunnels[i].ofport);
        add_flow(flows, GW_T_FORWARD, PRIO_ENTRY, &match, &ofpacts);

        /* Frames in transit to datacenter N (register 0 holds N + 1),
         * also back out the tunnel they came in on (a VM's frames that
         * its old datacenter sends back to where they came from):
         * OpenFlow sends a frame to its own in_port only when asked. */
        match_init_catchall(&match);
        match_set_reg(&match, 0, tunnels[i].dc + 1);
        add_flow(flows, GW_T_FORWARD, PRIO_ENTRY + 10, &match, &ofpacts);

        ofpbuf_clear(&ofpacts);
        put_output(&ofpacts, OFPP_IN_PORT);
        match_set_in_port(&match, tunnels[i].ofport);
        add_flow(flows, GW_T_FORWARD, PRIO_ENTRY + 20, &match, &ofpacts);

        /* ...which come in from a tunnel, their source made real (table
         * 31), rather than delivered. */
        ofpbuf_clear(&ofpacts);
        put_resubmit(&ofpacts, GW_T_FORWARD);
        match_init_catchall(&match);
        match_set_reg(&match, 0, tunnels[i].dc + 1);
        add_flow(flows, GW_T_DELIVER, PRIO_ENTRY, &match, &ofpacts);
    }
    ofpbuf_uninit(&ofpacts);
}
