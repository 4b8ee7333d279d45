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

#ifndef ROAM_GATE_H
#define ROAM_GATE_H 1

/* Gates: the data-plane half of a live migration.
 *
 * Arrival gate.  While a VM is arriving at a host (its port is there, its
 * rules are installed, but it still runs at the source), a flow at the top
 * of table 0 holds every unicast frame for the VM's MAC in the datapath,
 * with roam's "roam_gate" action, in a bounded per-VM queue.  The first
 * frame the VM itself sends on its new port (QEMU's RARP, a gratuitous
 * ARP, or any packet) opens the gate, "roam_gate(...,open)", in the same
 * datapath pass: the held frames go on through the VM's rules to the VM
 * before that frame does.  Activation needs no agent, database or even
 * flow-table round trip.  The same frame, and only it (a "learn" makes
 * sure), tells roamd, which claims the VM in the database and asks
 * ovs-vswitchd how many frames the gate held (dpgate.h).
 *
 * The agent baseline (roamd --activation=agent) holds frames in roamd
 * instead: "controller(pause)" in table GATE_TABLE hands each to roamd as a
 * continuation (agent-activation.h), and roamd opens the gate with
 * gate_opened_flows() and resumes the continuations when it hears of the
 * VM's first frame, the way agents such as ovn-controller activate a port.
 *
 * Departure flow.  While a migration of a VM away from this host is under
 * way, one flow near the top of table 0 (DEPART_PRIORITY) is armed for the
 * VM's MAC: frames go on as before until a datapath gate opens, and then
 * out the uplink toward the destination.  The pause notice opens that gate
 * with a single packet-out, so the redirect is in force in the datapath at
 * once, without waiting for a flow-table change or revalidation; then the
 * flow is replaced by a plain redirect with the same match, which stays
 * until stragglers stop.
 *
 * Gates use the top priorities GATE_PRIORITY and DEPART_PRIORITY of table
 * 0, table GATE_TABLE, bits 31 (arrival) and 30 (departure) of register
 * 12, set on frames that passed such a flow, and cookies whose upper 32
 * bits are GATE_COOKIE_HI ("ROAM"); roamd never saves such flows as a VM's
 * rules. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/list.h"
#include "openvswitch/types.h"
#include "packets.h"
#include "sset.h"

struct flowctl;
struct ofp_header;
struct ofpbuf;

#define GATE_TABLE 253
#define GATE_PRIORITY 65535
#define DEPART_PRIORITY 65534
#define GATE_COOKIE_HI 0x524f414dU

bool gate_cookie_is_ours(ovs_be64 cookie);

void gate_arrival_flows(uint32_t id, uint64_t dp_id, size_t limit,
                        struct eth_addr mac, ofp_port_t port,
                        ofp_port_t uplink, bool in_switch,
                        struct sset *flows);
void gate_opened_flows(uint32_t id, struct eth_addr mac, ofp_port_t port,
                       struct sset *flows);
void gate_detour_flows(uint32_t id, struct eth_addr mac, ofp_port_t uplink,
                       struct sset *flows);
void gate_settle_flows(uint32_t id, struct eth_addr mac, ofp_port_t uplink,
                       struct sset *flows);
/* A rewrite of a departing VM's frames, from its real identity to the
 * pseudo identity that takes them to another datacenter, and of their
 * source MAC to 'src_mac' (this host's own pseudo MAC): a frame sent back
 * into the datacenter's switches must not teach them that its sender is
 * behind this host. */
struct gate_rewrite {
    struct eth_addr from_mac, to_mac;
    ovs_be32 from_ip, to_ip;
    struct eth_addr src_mac;
};

void gate_departure_flows(uint32_t id, uint64_t dp_id, struct eth_addr mac,
                          ofp_port_t uplink, bool divert,
                          const struct gate_rewrite *, struct sset *flows);
struct ofpbuf *gate_open_packet_out(uint64_t dp_id);

/* What a gate's packet-in says. */
enum gate_event {
    GATE_HOLD = 1,              /* A frame for the VM, held. */
    GATE_ACTIVATE = 2,          /* The VM's first frame on its new port. */
};

/* The tag that starts a gate's packet-in userdata (pinctrl.h). */
#define GATE_TAG_0 0x52             /* 'R' */
#define GATE_TAG_1 0x47             /* 'G' */

struct ofputil_packet_in;
int gate_decode_packet_in(const struct ofputil_packet_in *,
                          const struct ofpbuf *continuation, uint32_t *id,
                          enum gate_event *, struct ofpbuf **resume);

#endif /* gate.h */
