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

#ifndef ROAM_ANNOUNCE_ACTION_H
#define ROAM_ANNOUNCE_ACTION_H 1

/* The roam_announce OpenFlow action and datapath action: a VM's gratuitous
 * ARP or RARP becomes an L3-learning "dummy" IPv4/UDP packet (seed feature
 * S4.3).
 *
 * In OpenFlow it is meant to run inside clone(...), followed by the output
 * that carries the dummy packet toward the client edge; the announcement
 * itself continues outside the clone.  A packet that is not an announcement
 * is dropped by the action, so the rest of the clone never sees it.
 *
 * Translation decides from the flow whether the packet is an announcement,
 * un-wildcarding every field that decision reads, and rewrites the flow into
 * the dummy packet's flow so that later actions see the new headers.  Where
 * the datapath supports it (ofproto-dpif probes "roam_announce"; only the
 * userspace datapath does), translation emits the userspace-only datapath
 * action OVS_ACTION_ATTR_ROAM_ANNOUNCE and every packet is converted in the
 * fast path by roam_announce_execute().  Otherwise the flow is slow-pathed
 * and translation, which then runs once per packet, composes the dummy packet
 * itself and executes the rest of the action list on it.  An unknown action
 * is never handed to the kernel datapath.
 *
 * Compiled into libopenvswitch by roam's OVS patch series. */

#include <stdbool.h>
#include "openvswitch/types.h"
#include "roam/announce.h"

struct dp_packet;
struct dp_packet_batch;
struct ds;
struct flow;
struct flow_wildcards;
struct nlattr;
struct ofpact_roam_announce;
struct ofpact_format_params;
struct ofpact_parse_params;
struct ofpbuf;

/* Wire format of roam_announce (32 bytes). */
struct roam_action_announce {
    ovs_be16 type;              /* OFPAT_VENDOR. */
    ovs_be16 len;               /* 32. */
    ovs_be32 vendor;            /* ROAM_VENDOR_ID. */
    ovs_be16 subtype;           /* ROAMAST_ANNOUNCE. */
    ovs_be16 port;              /* UDP port; 0 means ANNOUNCE_DEFAULT_PORT. */
    ovs_be32 dst_ip;            /* Unicast or multicast destination. */
    struct eth_addr dst_mac;    /* Next hop; all-zeros for multicast. */
    ovs_be16 flags;             /* Reserved, must be zero. */
    ovs_be32 rarp_ip;           /* VM IP for RARP; 0 drops RARPs. */
    uint8_t pad[4];             /* Must be zero. */
};
BUILD_ASSERT_DECL(sizeof(struct roam_action_announce) == 32);

/* Argument of datapath action OVS_ACTION_ATTR_ROAM_ANNOUNCE (16 bytes).
 * 'dst_mac' is always resolved, for multicast too. */
struct ovs_action_roam_announce {
    ovs_be32 dst_ip;
    ovs_be32 rarp_ip;
    struct eth_addr dst_mac;
    ovs_be16 port;
};
BUILD_ASSERT_DECL(sizeof(struct ovs_action_roam_announce) == 16);

/* OpenFlow side. */
int roam_announce_decode(const struct roam_action_announce *,
                         struct ofpbuf *ofpacts);
void roam_announce_encode(const struct ofpact_roam_announce *,
                          struct roam_action_announce *);
char *roam_announce_parse(char *arg, const struct ofpact_parse_params *)
    OVS_WARN_UNUSED_RESULT;
void roam_announce_format(const struct ofpact_roam_announce *,
                          const struct ofpact_format_params *);

/* Translation. */
enum announce_kind roam_announce_classify_flow(const struct flow *,
                                               struct flow_wildcards *,
                                               struct announce_info *);
bool roam_announce_vm_ip(const struct ofpact_roam_announce *,
                         const struct announce_info *, ovs_be32 *vm_ip);
void roam_announce_convert_flow(const struct ofpact_roam_announce *,
                                const struct announce_info *, ovs_be32 vm_ip,
                                struct flow *);
void roam_announce_put_odp(const struct ofpact_roam_announce *,
                           struct ofpbuf *odp_actions);
struct dp_packet *roam_announce_compose(const struct ofpact_roam_announce *,
                                        const struct announce_info *,
                                        ovs_be32 vm_ip);

/* Datapath action. */
void roam_announce_execute(struct dp_packet_batch *, const struct nlattr *,
                           bool steal);
void roam_announce_format_odp(struct ds *, const struct nlattr *);
int roam_announce_parse_odp(const char *s, struct ofpbuf *odp_actions);

#endif /* announce-action.h */
