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

#ifndef ROAM_GATEWAY_FLOWS_H
#define ROAM_GATEWAY_FLOWS_H 1

/* The gateway's flows: the datacenter's core router (S0.4) in OpenFlow.
 *
 * A gateway bridge has one fabric port, toward its datacenter's hosts,
 * and one tunnel port per other datacenter, toward that datacenter's
 * gateway.  Its tables:
 *
 *   0  classify: ARP requests from the fabric (or the router port) to 10,
 *      other frames from them to 20, frames from a tunnel to 30, except
 *      ARP and RARP, which no datacenter needs from another: dropped.
 *      Frames from the fabric to the router's MAC go to the router.
 *  10  ARP answers (S0.2): a request for the real IPv4 address of a VM in
 *      another datacenter is answered, in the datapath, with that VM's
 *      pseudo MAC.  Requests for the datacenter's own VMs are theirs to
 *      answer, on the fabric (the router's cross to the fabric, and the
 *      fabric's to the router).
 *  20  out, destination: a frame for another datacenter's VM, addressed to
 *      its pseudo MAC (the ARP answer) and its real IPv4 address, gets its
 *      pseudo IPv4 address too.  Stale addresses are redirected here,
 *      before the source is rewritten, so that the notice goes to the
 *      sender's real address and a frame turned back to the fabric keeps
 *      its real source.
 *  21  out, source (S0.4): a frame from one of the datacenter's VMs gets
 *      its pseudo identity as source (roam_rewrite).
 *  22  forward: by the datacenter field of the destination pseudo MAC, one
 *      flow per datacenter, to that datacenter's tunnel; frames in transit
 *      and stragglers by register 0, two flows per datacenter (one sends
 *      back out the tunnel a frame came in on).  The router's frames for
 *      the datacenter's own hosts go to the fabric.
 *  23  stale-sender notice (S2.3): a frame to a stale address goes to
 *      roamd (userdata "GS"), which counts it and answers its sender, once
 *      a second, with a unicast gratuitous ARP carrying the address the
 *      sender should use.
 *  24  turn back: a frame that a redirect sends back out the port it came
 *      in on (to a VM of this datacenter that its sender addressed as if
 *      it were elsewhere) gets the gateway's own MAC as source, its IPv4
 *      address unchanged: the datacenter's switches must never learn a
 *      local sender behind the gateway.
 *  30  in, destination (S0.6): a frame for one of the datacenter's VMs,
 *      addressed to its pseudo identity, gets its real one.
 *  31  in, source: a frame from another datacenter's VM gets that VM's
 *      real IPv4 address as source, and keeps its pseudo MAC, the one the
 *      ARP answer gave for it (a VM sees its own identity and every
 *      peer's IPv4 address real; a peer in another datacenter, behind the
 *      gateway, has its pseudo MAC).  The datacenter's switches thus never
 *      learn another datacenter's VM's real MAC behind the gateway, and a
 *      VM that moves here is found where it arrives.
 *  32  deliver: out to the fabric; frames in transit (register 0) back to
 *      table 22 instead, one flow per datacenter.
 *
 * For a VM that moved to another datacenter, for a straggler timeout:
 * frames addressed to it as it was (its real MAC where it left, its old
 * pseudo MAC elsewhere) are rewritten to where it is, and their senders
 * told (21, 23); at the datacenter it left, frames that still arrive for
 * its old pseudo identity go on to its new datacenter's gateway, through
 * the tunnel (30, S0.7).
 *
 * A VM whose live migration to another datacenter is pending is "in
 * transit": its host, once it pauses, sends its frames back to the fabric
 * addressed to its pseudo identity; its gateway sends those to the
 * destination's gateway (20, 22), which gives them its real identity and
 * delivers them to the fabric (30), where the destination host holds them
 * until it resumes.  No frame waits for the database to say it arrived.
 *
 * Toward a client site (seed 004), the router port leads to the site's
 * VPN, through the gateway host's kernel:
 *
 *  25  to the router: a frame from the fabric whose IPv4 source is a VM
 *      that the database places in another datacenter (and that is not
 *      on its way here) is dropped, so that no VM of this datacenter can
 *      send the client site a packet that claims another's address and
 *      steal its path (the client edge trusts its VPN's gateway); the rest
 *      goes to the router.
 *   0  (S4.3) for a VM that is on its way here, or arrived within the
 *      straggler time, its gratuitous ARP or RARP from the fabric is also
 *      turned into an L3-learning dummy IPv4 packet (roam_announce) to the
 *      router port's configured client-side address
 *      (external_ids:roam-announce-to), which the kernel routes over the
 *      VPN: the client edge learns that the VM is here even if it sends
 *      nothing else.  A RARP's address is the mapping's.
 *
 * Per VM, the tables hold exact matches (hashed in the switch, so their
 * cost does not grow with the VM count): two flows for each of the
 * datacenter's VMs (21, 30), three for each other VM (10, 20, 31).  The
 * forwarding flows number O(datacenters). */

#include <stdint.h>

#include "openvswitch/types.h"

struct mapping_entry;
struct oflows;
struct pseudo_id_layout;

#define GW_T_CLASSIFY 0
#define GW_T_ARP 10
#define GW_T_OUT_DST 20
#define GW_T_OUT_SRC 21
#define GW_T_FORWARD 22
#define GW_T_NOTICE 23
#define GW_T_TURN 24
#define GW_T_ROUTER 25
#define GW_T_IN_DST 30
#define GW_T_IN_SRC 31
#define GW_T_DELIVER 32

/* The cookie of every flow the gateway installs ("ROAMGW"), so that a
 * restarted roamd can tell them from the operator's. */
#define GW_COOKIE UINT64_C(0x524f414d47570000)

/* The cookie of the redirects of moved VMs' old identities ("ROAMGW" and
 * 1), so that their statistics (the stragglers) can be read alone. */
#define GW_STRAGGLER_COOKIE (GW_COOKIE | 1)

/* The tag of the stale-sender notice's packet-ins (pinctrl.h): "GS". */
#define GW_TAG_0 0x47
#define GW_TAG_1 0x53

/* A tunnel port toward another datacenter's gateway. */
struct gateway_tunnel {
    uint32_t dc;                /* That datacenter's number. */
    ofp_port_t ofport;
};

/* The gateway's router port and the client site beyond it, or all
 * OFPP_NONE and zero without one. */
struct gateway_client {
    ofp_port_t fabric;
    ofp_port_t router;
    struct eth_addr router_mac;
    ovs_be32 announce_to;       /* Dummy packets' destination, or 0. */
};

void gateway_flows_vm(const struct mapping_entry *, uint32_t local_dc,
                      const struct gateway_client *, struct oflows *);
void gateway_flows_fabric(const struct pseudo_id_layout *, uint32_t local_dc,
                          ofp_port_t fabric, ofp_port_t router,
                          struct eth_addr router_mac, struct eth_addr gw_mac,
                          const struct gateway_tunnel *, size_t n_tunnels,
                          struct oflows *);

#endif /* gateway/gateway-flows.h */
