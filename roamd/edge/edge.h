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
#ifndef ROAM_EDGE_H
#define ROAM_EDGE_H 1

/* The client-edge role (roamd --role=client-edge): the controller of a
 * client site's OpenFlow switch, which sends the site's traffic for each
 * VM address over the VPN of the datacenter the VM is in, and follows the
 * VM when it moves, by L3 learning (seed features S4.1, S4.2 and S4.4).
 *
 * It needs no roam database: its configuration (edge-config.h) names the
 * bridge, the VPN pairs and the client ports.  Each iteration it finds
 * the ports' OpenFlow numbers in the Open_vSwitch database and hands the
 * bridge's flowctl the pipeline (edge-flows.h).  In controller mode it
 * takes the packet-ins tagged "EL" (a packet from a VPN whose source has
 * no entry (2)), checks them (edge-check.h), learns or flips the address's
 * entries in one bundle, and once the switch has applied it sends the
 * packet on to the clients.  In learn mode the switch does all of that
 * itself, and roamd only keeps the pipeline installed.
 *
 * After a restart it adopts the entries it finds on the switch, so that
 * what the site learned survives.  unixctl: edge/stats.  It has no
 * edge_wait(): all it waits for (packet-ins, the barrier replies that
 * release held packets) comes on the bridges' connections, which
 * bridges_wait() already waits on. */

struct edge_config;
struct pinctrl;
struct roamd_ctx;

struct edge *edge_create(struct edge_config *, struct pinctrl *);
void edge_destroy(struct edge *);
void edge_run(struct edge *, const struct roamd_ctx *);

#endif /* edge/edge.h */
