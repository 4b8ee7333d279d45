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

#include "roamd/hypervisor/gate.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "roamd/core/flowctl.h"
#include "byte-order.h"
#include "coverage.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofpbuf.h"
#include "flow.h"
#include "openvswitch/vlog.h"
#include "datapath-ext/gate-action.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(gate);

COVERAGE_DEFINE(gate_activated);

/* The userdata of a gate's "controller" action: a magic, the event, and
 * the gate's id, so that a packet-in names its VM without a lookup by
 * address. */
#define GATE_MAGIC_0 GATE_TAG_0
#define GATE_MAGIC_1 GATE_TAG_1
#define GATE_USERDATA_LEN 8

/* The register bit marking a frame that passed an arrival gate. */
#define GATE_PASSED "reg12=0/0x80000000"
#define GATE_MARK "load:1->NXM_NX_REG12[31]"

/* The register bit marking a frame that passed a departure flow. */
#define DEPART_PASSED "reg12=0/0x40000000"
#define DEPART_MARK "load:1->NXM_NX_REG12[30]"

/* Whether 'cookie' marks a flow of roam's gates (or one a gate learned). */
bool
gate_cookie_is_ours(ovs_be64 cookie)
{
    return ntohll(cookie) >> 32 == GATE_COOKIE_HI;
}

static uint64_t
gate_cookie(uint32_t id)
{
    return ((uint64_t) GATE_COOKIE_HI << 32) | id;
}

static char *
userdata(enum gate_event event, uint32_t id)
{
    return xasprintf("%02x.%02x.%02x.00.%02x.%02x.%02x.%02x", GATE_MAGIC_0,
                     GATE_MAGIC_1, event, id >> 24, (id >> 16) & 0xff,
                     (id >> 8) & 0xff, id & 0xff);
}

/* Adds to 'flows' the part of arrival gate 'id' (see gate_arrival_flows())
 * that sends frames for 'mac' from this host's own ports out 'uplink', to
 * the VM where it still runs.  roamd installs it first, before it pins the
 * VM's MAC to its new port here: until the VM arrives, nothing for it must
 * go to that port. */
void
gate_detour_flows(uint32_t id, struct eth_addr mac, ofp_port_t uplink,
                  struct sset *flows)
{
    if (uplink != OFPP_NONE) {
        sset_add_and_free(flows, xasprintf(
            "table=0,priority=%d,cookie=%#"PRIx64","GATE_PASSED","
            "dl_dst="ETH_ADDR_FMT",actions=output:%"PRIu16,
            GATE_PRIORITY - 1, gate_cookie(id), ETH_ADDR_ARGS(mac),
            ofp_to_u16(uplink)));
    }
}

/* Adds to 'flows' (in ovs-ofctl syntax) the arrival gate 'id' for the VM
 * with 'mac' arriving on 'port'.  Table 0 marks a frame for 'mac', or from
 * 'port', that has not been through a gate yet, and runs it through table
 * 0 again, that is, through the VM's rules, once the gate lets it pass.
 *
 * With 'in_switch' (roam's way), the datapath holds up to 'limit' frames
 * for 'mac', by "roam_gate(id=DP_ID)" (see ovs-actions(7)), and the VM's
 * first frame on 'port' opens the gate in the same datapath pass,
 * "roam_gate(...,open)":
 * the held frames reach the VM before that frame has gone on.  The first
 * frame also learns, in GATE_TABLE, a flow that keeps the VM's later
 * frames from telling roamd again, and tells roamd, once.
 *
 * Without 'in_switch' (the agent baseline), GATE_TABLE holds frames for
 * 'mac' by "controller(pause)", which hands them to roamd, and the VM's
 * frames on 'port' tell roamd, which must then install gate_opened_flows()
 * and resume the held frames itself.
 *
 * Only frames that come in on 'uplink' are held: those the source sends
 * here, redirected during the VM's pause.  Until the VM arrives, it still
 * runs at the source, so frames for it from this host's own ports go out
 * 'uplink' toward it (GATE_PRIORITY - 1), not into the gate; after its
 * pause the source sends them back, and the gate holds them then.  Without
 * an uplink ('uplink' is OFPP_NONE), every frame for 'mac' is held.  Held
 * frames go on with in_port OFPP_NONE, so that MAC learning ignores
 * them. */
void
gate_arrival_flows(uint32_t id, uint64_t dp_id, size_t limit,
                   struct eth_addr mac, ofp_port_t port, ofp_port_t uplink,
                   bool in_switch, struct sset *flows)
{
    uint64_t cookie = gate_cookie(id);
    char *activate = userdata(GATE_ACTIVATE, id);
    char *from_vm = xasprintf("in_port=%"PRIu16, ofp_to_u16(port));
    char *from_uplink = (uplink == OFPP_NONE ? xstrdup("")
                         : xasprintf("in_port=%"PRIu16",",
                                     ofp_to_u16(uplink)));
    /* Held frames go on as if from no port: NORMAL does not learn their
     * sources on the uplink.  Some are a local sender's own frames that
     * the source sent back here, and learning them there would send its
     * replies away. */
    const char *no_learning = (uplink == OFPP_NONE ? ""
                               : "load:0xffff->NXM_OF_IN_PORT[],");

    gate_detour_flows(id, mac, uplink, flows);

    sset_add_and_free(flows, xasprintf(
        "table=0,priority=%d,cookie=%#"PRIx64","GATE_PASSED",%s,"
        "actions="GATE_MARK",resubmit(,%d),resubmit(,0)",
        GATE_PRIORITY, cookie, from_vm, GATE_TABLE));
    if (in_switch) {
        sset_add_and_free(flows, xasprintf(
            "table=0,priority=%d,cookie=%#"PRIx64","GATE_PASSED",%s"
            "dl_dst="ETH_ADDR_FMT",actions="GATE_MARK","
            "roam_gate(id=%#"PRIx64",limit=%"PRIuSIZE",port=%"PRIu16"),"
            "%sresubmit(,0)",
            GATE_PRIORITY, cookie, from_uplink, ETH_ADDR_ARGS(mac), dp_id,
            MIN(MAX(limit, 1), ROAM_GATE_MAX_LIMIT), ofp_to_u16(port),
            no_learning));
        sset_add_and_free(flows, xasprintf(
            "table=%d,priority=150,cookie=%#"PRIx64",%s,"
            "actions=roam_gate(id=%#"PRIx64",open),"
            "learn(table=%d,priority=200,idle_timeout=60,cookie=%#"PRIx64
            ",%s),controller(userdata=%s)", GATE_TABLE, cookie, from_vm,
            dp_id, GATE_TABLE, cookie, from_vm, activate));
    } else {
        char *hold = userdata(GATE_HOLD, id);

        sset_add_and_free(flows, xasprintf(
            "table=0,priority=%d,cookie=%#"PRIx64","GATE_PASSED",%s"
            "dl_dst="ETH_ADDR_FMT",actions="GATE_MARK",resubmit(,%d),"
            "%sresubmit(,0)", GATE_PRIORITY, cookie, from_uplink,
            ETH_ADDR_ARGS(mac), GATE_TABLE, no_learning));
        sset_add_and_free(flows, xasprintf(
            "table=%d,priority=100,cookie=%#"PRIx64",dl_dst="ETH_ADDR_FMT","
            "actions=controller(pause,userdata=%s)", GATE_TABLE, cookie,
            ETH_ADDR_ARGS(mac), hold));
        sset_add_and_free(flows, xasprintf(
            "table=%d,priority=150,cookie=%#"PRIx64",%s,"
            "actions=controller(userdata=%s)", GATE_TABLE, cookie, from_vm,
            activate));
        free(hold);
    }
    free(from_uplink);
    free(from_vm);
    free(activate);
}

/* Adds to 'flows' the two flows with which roamd opens the agent
 * baseline's gate 'id' for 'mac' arriving on 'port', in ovs-ofctl syntax:
 * empty actions, so that the lookup in GATE_TABLE falls through, for
 * frames for the VM and for the VM's own frames (which then tell roamd
 * nothing more). */
void
gate_opened_flows(uint32_t id, struct eth_addr mac, ofp_port_t port,
                  struct sset *flows)
{
    uint64_t cookie = gate_cookie(id);

    sset_add_and_free(flows, xasprintf(
        "table=%d,priority=200,cookie=%#"PRIx64",dl_dst="ETH_ADDR_FMT","
        "actions=drop", GATE_TABLE, cookie, ETH_ADDR_ARGS(mac)));
    sset_add_and_free(flows, xasprintf(
        "table=%d,priority=200,cookie=%#"PRIx64",in_port=%"PRIu16","
        "actions=drop", GATE_TABLE, cookie, ofp_to_u16(port)));
}

/* Adds to 'flows' the flow that keeps MAC learning quiet for a VM with
 * 'mac' that has just arrived here, while the source still sends
 * stragglers back ('uplink' is OFPP_NONE: none).  Frames for 'mac' from
 * 'uplink' go on as if from no port, as held frames did: some are this
 * host's own senders' frames, sent back by the source, whose addresses
 * MAC learning must not move to the uplink. */
void
gate_settle_flows(uint32_t id, struct eth_addr mac, ofp_port_t uplink,
                  struct sset *flows)
{
    if (uplink != OFPP_NONE) {
        sset_add_and_free(flows, xasprintf(
            "table=0,priority=%d,cookie=%#"PRIx64","GATE_PASSED","
            "in_port=%"PRIu16",dl_dst="ETH_ADDR_FMT",actions="GATE_MARK","
            "load:0xffff->NXM_OF_IN_PORT[],resubmit(,0)", GATE_PRIORITY,
            gate_cookie(id), ofp_to_u16(uplink), ETH_ADDR_ARGS(mac)));
    }
}

/* Adds to 'flows' departure flows 'id' for the VM with 'mac', toward
 * 'uplink' (none if 'uplink' is OFPP_NONE), rewritten by 'rw' if it is
 * nonnull.
 *
 * With 'divert', the flows are armed: frames for 'mac' go on through the
 * bridge's tables as before, until datapath gate 'dp_id' opens (the pause
 * notice opens it with gate_open_packet_out()); from then on the datapath
 * sends them out 'uplink', with no flow-table change.  Without 'divert',
 * the flows redirect every frame for 'mac' to 'uplink'.  Both forms have
 * the same matches, so replacing one by the other is a flow_mod each.
 *
 * A frame for 'mac' that came in on 'uplink' goes back out 'uplink'
 * (OpenFlow's in_port): it comes from a sender at the destination, whose
 * frames the destination sends here until the VM arrives there
 * (gate_arrival_flows()). */
void
gate_departure_flows(uint32_t id, uint64_t dp_id, struct eth_addr mac,
                     ofp_port_t uplink, bool divert,
                     const struct gate_rewrite *rw, struct sset *flows)
{
    uint64_t cookie = gate_cookie(id);
    char *rewrite, *unrewrite;
    int i;

    /* Armed, the frame is rewritten for the divert and back for the
     * tables (the gate commits the rewrite before it diverts); its source
     * MAC waits in registers 10 and 11. */
    rewrite = (rw
               ? xasprintf("%sroam_rewrite(side=dst,from_mac="ETH_ADDR_FMT","
                           "from_ip="IP_FMT",to_mac="ETH_ADDR_FMT","
                           "to_ip="IP_FMT"),mod_dl_src:"ETH_ADDR_FMT",",
                           (divert
                            ? "move:NXM_OF_ETH_SRC[0..31]->NXM_NX_REG10[],"
                              "move:NXM_OF_ETH_SRC[32..47]->"
                              "NXM_NX_REG11[0..15],"
                            : ""),
                           ETH_ADDR_ARGS(rw->from_mac), IP_ARGS(rw->from_ip),
                           ETH_ADDR_ARGS(rw->to_mac), IP_ARGS(rw->to_ip),
                           ETH_ADDR_ARGS(rw->src_mac))
               : xstrdup(""));
    unrewrite = (rw && divert
                 ? xasprintf("roam_rewrite(side=dst,from_mac="ETH_ADDR_FMT","
                             "from_ip="IP_FMT",to_mac="ETH_ADDR_FMT","
                             "to_ip="IP_FMT"),"
                             "move:NXM_NX_REG10[]->NXM_OF_ETH_SRC[0..31],"
                             "move:NXM_NX_REG11[0..15]->"
                             "NXM_OF_ETH_SRC[32..47],",
                             ETH_ADDR_ARGS(rw->to_mac), IP_ARGS(rw->to_ip),
                             ETH_ADDR_ARGS(rw->from_mac),
                             IP_ARGS(rw->from_ip))
                 : xstrdup(""));

    if (uplink == OFPP_NONE) {
        return;
    }
    for (i = 0; i < 2; i++) {
        /* i == 0: frames from the uplink, back out of it (in_port). */
        char *match = (i == 0
                       ? xasprintf("in_port=%"PRIu16",", ofp_to_u16(uplink))
                       : xstrdup(""));
        char *to = (i == 0 ? xstrdup("in_port")
                    : xasprintf("%"PRIu16, ofp_to_u16(uplink)));

        if (divert) {
            sset_add_and_free(flows, xasprintf(
                "table=0,priority=%d,cookie=%#"PRIx64","DEPART_PASSED",%s"
                "dl_dst="ETH_ADDR_FMT",actions="DEPART_MARK","
                "%sroam_gate(id=%#"PRIx64",divert=%s),%sresubmit(,0)",
                DEPART_PRIORITY - i, cookie, match, ETH_ADDR_ARGS(mac),
                rewrite, dp_id, to, unrewrite));
        } else {
            sset_add_and_free(flows, xasprintf(
                "table=0,priority=%d,cookie=%#"PRIx64","DEPART_PASSED",%s"
                "dl_dst="ETH_ADDR_FMT",actions=%s%s%s",
                DEPART_PRIORITY - i, cookie, match, ETH_ADDR_ARGS(mac),
                rewrite, i == 0 ? "" : "output:", to));
        }
        free(match);
        free(to);
    }
    free(rewrite);
    free(unrewrite);
}
/* Returns a packet-out (OpenFlow 1.5) whose only action opens datapath
 * gate 'dp_id': for an armed departure flow, the pause notice; for an
 * arrival gate, an activation that does not wait for the VM's first
 * frame.  The packet it carries goes nowhere.  The caller owns the
 * message. */
struct ofpbuf *
gate_open_packet_out(uint64_t dp_id)
{
    uint8_t frame[ETH_TOTAL_MIN];
    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts;
    struct ofpbuf *msg;

    /* Broadcast, from the zero address, of the IEEE's local experimental
     * EtherType 0x88b5. */
    memset(frame, 0, sizeof frame);
    memset(frame, 0xff, ETH_ADDR_LEN);
    frame[12] = 0x88;
    frame[13] = 0xb5;

    ofpbuf_use_stub(&ofpacts, stub, sizeof stub);
    struct ofpact_roam_gate *rg = ofpact_put_ROAM_GATE(&ofpacts);
    rg->id = dp_id;
    rg->open = true;
    rg->port = OFPP_NONE;
    ofpact_finish(&ofpacts, &rg->ofpact);

    msg = flowctl_packet_out(frame, sizeof frame, OFPP_CONTROLLER,
                             ofpacts.data, ofpacts.size);
    ofpbuf_uninit(&ofpacts);
    return msg;
}

/* Decodes packet-in 'pin' (with its 'continuation').  If it came from a
 * gate, returns 0 and stores the gate's id and the event; for GATE_HOLD,
 * also stores in '*resume' the NXT_RESUME message that delivers the held
 * frame (the caller owns it).  Returns ENOENT for a packet-in that is not a
 * gate's, or EINVAL (logged) for one that cannot be decoded. */
int
gate_decode_packet_in(const struct ofputil_packet_in *pin,
                      const struct ofpbuf *continuation, uint32_t *id,
                      enum gate_event *event, struct ofpbuf **resume)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    const uint8_t *ud = pin->userdata;

    *resume = NULL;
    if (pin->userdata_len != GATE_USERDATA_LEN || ud[0] != GATE_MAGIC_0
        || ud[1] != GATE_MAGIC_1
        || (ud[2] != GATE_HOLD && ud[2] != GATE_ACTIVATE)) {
        return ENOENT;
    }
    *event = ud[2];
    *id = ((uint32_t) ud[4] << 24) | (ud[5] << 16) | (ud[6] << 8) | ud[7];
    if (*event == GATE_HOLD) {
        if (!continuation->size) {
            VLOG_WARN_RL(&rl, "held frame without a continuation");
            return EINVAL;
        }
        *resume = ofputil_encode_resume(pin, continuation,
                                        OFPUTIL_P_OF15_OXM);
    } else {
        COVERAGE_INC(gate_activated);
    }
    return 0;
}
