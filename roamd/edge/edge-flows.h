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
#ifndef ROAM_EDGE_FLOWS_H
#define ROAM_EDGE_FLOWS_H 1

/* The client edge switch's flows, as ovs-ofctl text: the pipeline that
 * roamd installs (controller mode) and the flow recipe that "roamctl edge
 * recipe" prints (learn mode), which differ only in what a packet from a
 * VPN with an unknown source does.
 *
 *   0  classify: a client port's frames learn their MAC (table 3) and go
 *      to 1, then 4; a VPN's frames (VLAN or tunnel key) lose their tag,
 *      get their VPN's number in reg7 and go to 2.  Nothing else passes.
 *   1  entries (1), "destination A -> VPN v": reg8 := v | 1 << 16.  Below
 *      them, each pair's prefix goes to its home VPN (reg8 := v).
 *   2  from a VPN: IPv4 to 10 then 11; anything else to the clients (3).
 *   3  to the clients: by learned destination MAC, else flooded.
 *   4  from the clients: IPv4 out the VPN in reg8 with its tag; IPv4 with
 *      no VPN dropped; anything else (ARP) to every VPN and every client.
 *  10  entries (2), "from VPN v, source A": reg9[1] := 1.
 *  11  decide: known sources (reg9[1]) to the clients.  Unknown ones from
 *      the gateway (its MAC, where configured): in controller mode, to
 *      roamd (userdata "EL"), which checks, learns or flips, and sends the
 *      packet back to table 3; in learn mode, the check in the switch:
 *      reg7 := the partner, look up 10 (S4.4's substitution) and 1 (with
 *      the source as destination), reg7 back, then 12 and 13.  Unknown
 *      sources from anything but the gateway are delivered, never learned.
 *  12  (learn) reg9[2] := 1 if entry (1) sends A to reg7's partner;
 *      reg9[3] := 1 if it sends A anywhere.
 *  13  (learn) both of the partner's found: flip, by "learn" actions that
 *      rewrite entry (1) and add entry (2) for reg7, retire the partner's
 *      entry (2) (the same match, no actions), and hold the address from
 *      flipping back for hold_ms (14); no entry at all: learn both for
 *      reg7; anything else: change nothing (cookie EDGE_COOKIE_PARTIAL
 *      counts them).  Then to the clients.
 *  14  (learn) holds: "from VPN p, source A" sets reg9[4] for a while
 *      after A flipped away from p.  Without it, ovs-vswitchd's
 *      revalidator, which re-translates a datapath flow with the new
 *      tables when it pushes the flow's last statistics, would replay the
 *      old VPN's last packets as a flip back.  (roamd keeps the same hold:
 *      a late packet from the old place never moves an address back.)
 *
 * Entries look the same in both modes, so "roamctl edge show" reads either
 * from the switch. */

#include <stddef.h>
#include <stdint.h>

#include "openvswitch/types.h"

struct ds;
struct edge_config;

#define EDGE_T_CLASSIFY 0
#define EDGE_T_FWD 1
#define EDGE_T_FROM_VPN 2
#define EDGE_T_DELIVER 3
#define EDGE_T_TO_VPN 4
#define EDGE_T_REV 10
#define EDGE_T_DECIDE 11
#define EDGE_T_PROBE 12
#define EDGE_T_ACT 13
#define EDGE_T_HOLD 14

#define EDGE_PRIO_ENTRY 200

/* Cookies: "ROAMED" and a kind. */
#define EDGE_COOKIE UINT64_C(0x524f414d45440000)
#define EDGE_COOKIE_FWD (EDGE_COOKIE | 1)       /* Entries (1). */
#define EDGE_COOKIE_REV (EDGE_COOKIE | 2)       /* Entries (2). */
#define EDGE_COOKIE_MAC (EDGE_COOKIE | 3)       /* Learned client MACs. */
#define EDGE_COOKIE_PARTIAL (EDGE_COOKIE | 4)   /* Neither flip nor learn. */
#define EDGE_COOKIE_FLIP (EDGE_COOKIE | 5)      /* The recipe's flips. */
#define EDGE_COOKIE_HOLD (EDGE_COOKIE | 6)      /* No flip back, yet. */
#define EDGE_COOKIE_VPN (EDGE_COOKIE | 0x1000)  /* | N: VPN N's classify. */

/* The tag of the controller mode's packet-ins (pinctrl.h): "EL". */
#define EDGE_TAG_0 0x45
#define EDGE_TAG_1 0x4c

void edge_flows_pipeline(const struct edge_config *,
                         const char *const *vpn_ports,
                         const char *const *client_ports, struct ds *);
void edge_flows_entries(ovs_be32 ip, size_t vpn, struct ds *fwd,
                        struct ds *rev);

struct ofpact;
size_t edge_flows_fwd_vpn(const struct ofpact *, size_t ofpacts_len);

#endif /* edge/edge-flows.h */
