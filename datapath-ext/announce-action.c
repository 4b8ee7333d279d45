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

#include "roam/announce-action.h"

#include <errno.h>

#include "colors.h"
#include "coverage.h"
#include "dp-packet.h"
#include "flow.h"
#include "netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-parse.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "odp-netlink.h"
#include "packets.h"
#include "roam/rewrite-action.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(roam_announce);

COVERAGE_DEFINE(roam_announce_dummy);
COVERAGE_DEFINE(roam_announce_drop);
COVERAGE_DEFINE(roam_announce_no_room);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

static uint16_t
port_or_default(ovs_be16 port)
{
    return port ? ntohs(port) : ANNOUNCE_DEFAULT_PORT;
}

/* Resolves the Ethernet destination: the configured next hop, or the RFC
 * 1112 group MAC of a multicast destination. */
static struct eth_addr
resolve_dst_mac(ovs_be32 dst_ip, struct eth_addr dst_mac)
{
    if (ip_is_multicast(dst_ip)) {
        struct eth_addr group;

        announce_multicast_mac(dst_ip, group.ea);
        return group;
    }
    return dst_mac;
}

/* Checks the arguments shared by the wire and text forms.  Returns NULL or a
 * static description of the problem. */
static const char *
check_args(ovs_be32 dst_ip, struct eth_addr dst_mac, ovs_be32 rarp_ip)
{
    struct announce_dst dst;
    struct eth_addr resolved = resolve_dst_mac(dst_ip, dst_mac);

    if (!dst_ip || dst_ip == htonl(INADDR_BROADCAST)) {
        return "dst must be a unicast or multicast IPv4 address";
    }
    if (ip_is_multicast(dst_ip) && !eth_addr_is_zero(dst_mac)
        && !eth_addr_equals(dst_mac, resolved)) {
        return "dst_mac of a multicast dst must be its RFC 1112 group MAC";
    }
    if (announce_dst_init(&dst, dst_ip, resolved.ea, 1)) {
        return "a unicast dst needs a unicast dst_mac";
    }
    if (rarp_ip && (ip_is_multicast(rarp_ip)
                    || rarp_ip == htonl(INADDR_BROADCAST))) {
        return "rarp_ip must be a unicast IPv4 address";
    }
    return NULL;
}

/* Decodes wire action 'raa', whose length Open vSwitch has already checked,
 * into a new OFPACT_ROAM_ANNOUNCE appended to 'ofpacts'.  Returns 0 or an
 * OpenFlow error code; on error appends nothing. */
int
roam_announce_decode(const struct roam_action_announce *raa,
                     struct ofpbuf *ofpacts)
{
    struct ofpact_roam_announce *ra;
    const char *problem;

    if (raa->flags || !is_all_zeros(raa->pad, sizeof raa->pad)) {
        VLOG_WARN_RL(&rl, "roam_announce: reserved bits are nonzero");
        return OFPERR_OFPBAC_BAD_ARGUMENT;
    }
    problem = check_args(raa->dst_ip, raa->dst_mac, raa->rarp_ip);
    if (problem) {
        VLOG_WARN_RL(&rl, "roam_announce: %s", problem);
        return OFPERR_OFPBAC_BAD_ARGUMENT;
    }

    ra = ofpact_put_ROAM_ANNOUNCE(ofpacts);
    ra->ofpact.raw = ROAMAST_ANNOUNCE;
    ra->dst_ip = raa->dst_ip;
    ra->dst_mac = raa->dst_mac;
    ra->port = port_or_default(raa->port);
    ra->rarp_ip = raa->rarp_ip;
    return 0;
}

/* Fills in the body of 'raa', whose header Open vSwitch has already
 * written, from 'ra'. */
void
roam_announce_encode(const struct ofpact_roam_announce *ra,
                     struct roam_action_announce *raa)
{
    raa->port = htons(ra->port);
    raa->dst_ip = ra->dst_ip;
    raa->dst_mac = ra->dst_mac;
    raa->flags = 0;
    raa->rarp_ip = ra->rarp_ip;
    memset(raa->pad, 0, sizeof raa->pad);
}

/* Parses 'arg', "dst=IP[,dst_mac=MAC][,port=N][,rarp_ip=IP]", into an
 * OFPACT_ROAM_ANNOUNCE appended to 'pp->ofpacts'.  Returns NULL or a
 * malloc()'d error message that names the problem. */
char *
roam_announce_parse(char *arg, const struct ofpact_parse_params *pp)
{
    struct ofpact_roam_announce ra;
    unsigned int seen = 0;
    const char *problem;
    char *key, *value;

    memset(&ra, 0, sizeof ra);
    ra.port = ANNOUNCE_DEFAULT_PORT;
    while (ofputil_parse_key_value(&arg, &key, &value)) {
        unsigned int bit;

        if (!strcmp(key, "dst") || !strcmp(key, "rarp_ip")) {
            ovs_be32 *ip = key[0] == 'd' ? &ra.dst_ip : &ra.rarp_ip;

            bit = key[0] == 'd' ? 1 : 8;
            if (!ip_parse(value, ip) || !*ip) {
                return xasprintf("roam_announce: %s: invalid IPv4 address "
                                 "\"%s\"", key, value);
            }
        } else if (!strcmp(key, "dst_mac")) {
            bit = 2;
            if (!eth_addr_from_string(value, &ra.dst_mac)
                || eth_addr_is_zero(ra.dst_mac)) {
                return xasprintf("roam_announce: dst_mac: invalid MAC "
                                 "address \"%s\"", value);
            }
        } else if (!strcmp(key, "port")) {
            char *error;

            bit = 4;
            error = str_to_u16(value, "port", &ra.port);
            if (error) {
                free(error);
                return xasprintf("roam_announce: port: \"%s\" is not a UDP "
                                 "port number", value);
            }
            if (!ra.port) {
                return xstrdup("roam_announce: port must be nonzero");
            }
        } else {
            return xasprintf("roam_announce: unknown argument \"%s\" "
                             "(expected dst, dst_mac, port or rarp_ip)", key);
        }
        if (seen & bit) {
            return xasprintf("roam_announce: %s given twice", key);
        }
        seen |= bit;
    }
    if (!(seen & 1)) {
        return xstrdup("roam_announce: missing dst");
    }
    problem = check_args(ra.dst_ip, ra.dst_mac, ra.rarp_ip);
    if (problem) {
        return xasprintf("roam_announce: %s", problem);
    }

    struct ofpact_roam_announce *out = ofpact_put_ROAM_ANNOUNCE(pp->ofpacts);
    out->dst_ip = ra.dst_ip;
    out->dst_mac = ra.dst_mac;
    out->port = ra.port;
    out->rarp_ip = ra.rarp_ip;
    return NULL;
}

/* Appends 'ra' to 'fp->s' in the syntax roam_announce_parse() takes.
 * Optional arguments are printed only when they differ from their
 * defaults. */
void
roam_announce_format(const struct ofpact_roam_announce *ra,
                     const struct ofpact_format_params *fp)
{
    ds_put_format(fp->s, "%sroam_announce(%s%sdst=%s"IP_FMT,
                  colors.paren, colors.end, colors.param, colors.end,
                  IP_ARGS(ra->dst_ip));
    if (!eth_addr_is_zero(ra->dst_mac)) {
        ds_put_format(fp->s, ",%sdst_mac=%s"ETH_ADDR_FMT,
                      colors.param, colors.end, ETH_ADDR_ARGS(ra->dst_mac));
    }
    if (ra->port != ANNOUNCE_DEFAULT_PORT) {
        ds_put_format(fp->s, ",%sport=%s%"PRIu16,
                      colors.param, colors.end, ra->port);
    }
    if (ra->rarp_ip) {
        ds_put_format(fp->s, ",%srarp_ip=%s"IP_FMT,
                      colors.param, colors.end, IP_ARGS(ra->rarp_ip));
    }
    ds_put_format(fp->s, "%s)%s", colors.paren, colors.end);
}

/* Decides from 'flow' whether the packet is an announcement, with the same
 * rules as announce_classify() (see lib/announce.h), and fills in '*info' if
 * it is.  Un-wildcards in 'wc' every field the decision reads.  Returns the
 * announcement's kind, ANNOUNCE_NONE if it is not one. */
enum announce_kind
roam_announce_classify_flow(const struct flow *flow,
                            struct flow_wildcards *wc,
                            struct announce_info *info)
{
    enum announce_kind kind = ANNOUNCE_NONE;
    bool arp = flow->dl_type == htons(ETH_TYPE_ARP);
    bool rarp = flow->dl_type == htons(ETH_TYPE_RARP);
    int i;

    memset(info, 0, sizeof *info);
    wc->masks.dl_type = OVS_BE16_MAX;
    if (!arp && !rarp) {
        return ANNOUNCE_NONE;
    }

    /* flow_extract() leaves the ARP fields zero unless htype, ptype, hlen
     * and plen are right, so a malformed frame falls out below. */
    wc->masks.nw_proto = UINT8_MAX;
    wc->masks.dl_src = eth_addr_exact;
    wc->masks.arp_sha = eth_addr_exact;
    if (arp) {
        wc->masks.nw_src = OVS_BE32_MAX;
        wc->masks.nw_dst = OVS_BE32_MAX;
        if ((flow->nw_proto == ARP_OP_REQUEST || flow->nw_proto == ARP_OP_REPLY)
            && announce_ip_is_host((OVS_FORCE uint32_t) flow->nw_src)
            && flow->nw_src == flow->nw_dst) {
            kind = (flow->nw_proto == ARP_OP_REQUEST
                    ? ANNOUNCE_GARP_REQUEST : ANNOUNCE_GARP_REPLY);
            info->ip = flow->nw_src;
        }
    } else {
        wc->masks.arp_tha = eth_addr_exact;
        if (flow->nw_proto == ARP_OP_RARP
            && eth_addr_equals(flow->arp_sha, flow->arp_tha)) {
            kind = ANNOUNCE_RARP_REQUEST;
        }
    }
    if (kind == ANNOUNCE_NONE
        || eth_addr_is_zero(flow->arp_sha)
        || eth_addr_is_multicast(flow->arp_sha)
        || !eth_addr_equals(flow->arp_sha, flow->dl_src)) {
        return ANNOUNCE_NONE;
    }

    info->kind = kind;
    memcpy(info->mac, flow->arp_sha.ea, sizeof info->mac);
    for (i = 0; i < FLOW_MAX_VLAN_HEADERS && i < ANNOUNCE_MAX_VLANS; i++) {
        if (!(flow->vlans[i].tci & htons(VLAN_CFI))) {
            break;
        }
        info->vlan_tpid[i] = (OVS_FORCE uint16_t) flow->vlans[i].tpid;
        info->vlan_tci[i] = (OVS_FORCE uint16_t) (flow->vlans[i].tci
                                                  & ~htons(VLAN_CFI));
        info->n_vlans++;
    }
    return kind;
}

/* Stores in '*vm_ip' the address the dummy packet for 'info' comes from: the
 * GARP's sender IP, or the configured rarp_ip for a RARP.  Returns false if
 * there is none, in which case the announcement is dropped. */
bool
roam_announce_vm_ip(const struct ofpact_roam_announce *ra,
                    const struct announce_info *info, ovs_be32 *vm_ip)
{
    *vm_ip = (info->kind == ANNOUNCE_RARP_REQUEST ? ra->rarp_ip
              : (OVS_FORCE ovs_be32) info->ip);
    return *vm_ip != 0;
}

/* Rewrites 'flow' from the announcement 'info' into the dummy packet that
 * roam_announce_execute() or roam_announce_compose() makes of it. */
void
roam_announce_convert_flow(const struct ofpact_roam_announce *ra,
                           const struct announce_info *info, ovs_be32 vm_ip,
                           struct flow *flow)
{
    flow->dl_dst = resolve_dst_mac(ra->dst_ip, ra->dst_mac);
    memcpy(flow->dl_src.ea, info->mac, sizeof flow->dl_src.ea);
    flow->dl_type = htons(ETH_TYPE_IP);
    flow->nw_src = vm_ip;
    flow->nw_dst = ra->dst_ip;
    flow->nw_proto = IPPROTO_UDP;
    flow->nw_tos = 0;
    flow->nw_ttl = 64;
    flow->nw_frag = 0;
    flow->tp_src = flow->tp_dst = htons(ra->port);
    flow->tcp_flags = 0;
    flow->arp_sha = eth_addr_zero;
    flow->arp_tha = eth_addr_zero;
}

static void
odp_arg_from_ofpact(const struct ofpact_roam_announce *ra,
                    struct ovs_action_roam_announce *arg)
{
    memset(arg, 0, sizeof *arg);
    arg->dst_ip = ra->dst_ip;
    arg->rarp_ip = ra->rarp_ip;
    arg->dst_mac = resolve_dst_mac(ra->dst_ip, ra->dst_mac);
    arg->port = htons(ra->port);
}

/* Appends datapath action OVS_ACTION_ATTR_ROAM_ANNOUNCE for 'ra'. */
void
roam_announce_put_odp(const struct ofpact_roam_announce *ra,
                      struct ofpbuf *odp_actions)
{
    struct ovs_action_roam_announce arg;

    odp_arg_from_ofpact(ra, &arg);
    nl_msg_put_unspec(odp_actions, OVS_ACTION_ATTR_ROAM_ANNOUNCE,
                      &arg, sizeof arg);
}

static size_t
compose(const struct ovs_action_roam_announce *arg,
        const struct announce_info *info, ovs_be32 vm_ip,
        uint8_t buf[ANNOUNCE_MAX_DUMMY_LEN])
{
    struct announce_dst dst;

    if (announce_dst_init(&dst, (OVS_FORCE uint32_t) arg->dst_ip,
                          arg->dst_mac.ea, ntohs(arg->port))) {
        return 0;
    }
    return announce_compose(info, (OVS_FORCE uint32_t) vm_ip, &dst,
                            buf, ANNOUNCE_MAX_DUMMY_LEN);
}

/* Returns a new packet holding the dummy packet for announcement 'info' with
 * source 'vm_ip', for the slow path, or NULL if none can be made.  The
 * caller owns the packet. */
struct dp_packet *
roam_announce_compose(const struct ofpact_roam_announce *ra,
                      const struct announce_info *info, ovs_be32 vm_ip)
{
    struct ovs_action_roam_announce arg;
    uint8_t buf[ANNOUNCE_MAX_DUMMY_LEN];
    size_t len;

    odp_arg_from_ofpact(ra, &arg);
    len = compose(&arg, info, vm_ip, buf);
    if (!len) {
        return NULL;
    }
    COVERAGE_INC(roam_announce_dummy);
    return dp_packet_clone_data(buf, len);
}

/* Turns 'packet' into its dummy packet in place.  Returns false if it is not
 * an announcement or cannot be converted. */
static bool
convert_packet(struct dp_packet *packet,
               const struct ovs_action_roam_announce *arg)
{
    uint8_t buf[ANNOUNCE_MAX_DUMMY_LEN];
    struct announce_info info;
    ovs_be32 vm_ip;
    size_t len;

    if (!dp_packet_is_eth(packet)
        || !announce_classify(dp_packet_data(packet), dp_packet_size(packet),
                              &info, NULL)) {
        return false;
    }
    vm_ip = (info.kind == ANNOUNCE_RARP_REQUEST ? arg->rarp_ip
             : (OVS_FORCE ovs_be32) info.ip);
    len = vm_ip ? compose(arg, &info, vm_ip, buf) : 0;
    if (!len) {
        return false;
    }
    if (dp_packet_size(packet) + dp_packet_tailroom(packet) < len
        && packet->source != DPBUF_MALLOC && packet->source != DPBUF_STUB) {
        /* DPDK, AF_XDP and stack buffers cannot grow, and dp_packet_put()
         * would abort trying. */
        COVERAGE_INC(roam_announce_no_room);
        return false;
    }

    dp_packet_set_size(packet, 0);
    dp_packet_put(packet, buf, len);
    dp_packet_reset_offsets(packet);
    packet->l3_ofs = len - (IP_HEADER_LEN + UDP_HEADER_LEN
                            + ANNOUNCE_PAYLOAD_LEN);
    packet->l4_ofs = packet->l3_ofs + IP_HEADER_LEN;
    dp_packet_reset_offload(packet);
    return true;
}

/* Executes datapath action 'a' (OVS_ACTION_ATTR_ROAM_ANNOUNCE) on every
 * packet in 'batch': each announcement becomes exactly one dummy packet, in
 * place, and every other packet is removed from the batch, and freed if
 * 'steal' is true (otherwise the caller still owns it). */
void
roam_announce_execute(struct dp_packet_batch *batch, const struct nlattr *a,
                      bool steal)
{
    const struct ovs_action_roam_announce *arg = nl_attr_get(a);
    const size_t n = dp_packet_batch_size(batch);
    struct dp_packet *packet;
    size_t i;

    DP_PACKET_BATCH_REFILL_FOR_EACH (i, n, packet, batch) {
        if (convert_packet(packet, arg)) {
            COVERAGE_INC(roam_announce_dummy);
            dp_packet_batch_refill(batch, packet, i);
        } else {
            COVERAGE_INC(roam_announce_drop);
            if (steal) {
                dp_packet_delete(packet);
            }
        }
    }
}

/* Formats datapath action 'a' (OVS_ACTION_ATTR_ROAM_ANNOUNCE). */
void
roam_announce_format_odp(struct ds *ds, const struct nlattr *a)
{
    const struct ovs_action_roam_announce *arg = nl_attr_get(a);

    ds_put_format(ds, "roam_announce(dst="IP_FMT",dst_mac="ETH_ADDR_FMT
                  ",port=%"PRIu16",rarp_ip="IP_FMT")",
                  IP_ARGS(arg->dst_ip), ETH_ADDR_ARGS(arg->dst_mac),
                  ntohs(arg->port), IP_ARGS(arg->rarp_ip));
}

/* Parses the text roam_announce_format_odp() writes at the start of 's' and
 * appends the datapath action to 'odp_actions'.  Returns the number of bytes
 * parsed or -EINVAL. */
int
roam_announce_parse_odp(const char *s, struct ofpbuf *odp_actions)
{
    struct ovs_action_roam_announce arg;
    uint16_t port;
    int n = -1;

    memset(&arg, 0, sizeof arg);
    if (!ovs_scan(s, "roam_announce(dst="IP_SCAN_FMT",dst_mac="
                  ETH_ADDR_SCAN_FMT",port=%"SCNu16",rarp_ip="IP_SCAN_FMT")%n",
                  IP_SCAN_ARGS(&arg.dst_ip), ETH_ADDR_SCAN_ARGS(arg.dst_mac),
                  &port, IP_SCAN_ARGS(&arg.rarp_ip), &n)
        || !port) {
        return -EINVAL;
    }
    arg.port = htons(port);
    nl_msg_put_unspec(odp_actions, OVS_ACTION_ATTR_ROAM_ANNOUNCE,
                      &arg, sizeof arg);
    return n;
}
