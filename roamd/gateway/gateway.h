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

#ifndef ROAM_GATEWAY_H
#define ROAM_GATEWAY_H 1

/* The gateway role (Host.role "gateway"): a datacenter's core router
 * between its hosts and the other datacenters (seed features S0.2-S0.6).
 *
 * This is the role's one entry point for roamd.c.  Each iteration it finds
 * its bridge (the one with external_ids:roam-gateway=true), that bridge's
 * fabric port (external_ids:roam-fabric=true) and its tunnel ports
 * (external_ids:roam-remote-dc=N; tunnels.h makes them from the
 * database), brings the pseudo <-> real mapping up
 * to date from the roam database (mapping.h), and hands the bridge's
 * flowctl the flows of every VM whose mapping changed, each VM under its
 * own owner, the VM row's UUID (gateway-flows.h).  It answers stale
 * senders (S2.3) from the packet-ins tagged "GS", and registers the
 * unixctl command gateway/mappings. */

struct ovsdb_idl;
struct pinctrl;
struct roamd_ctx;

void gateway_register_ovs_idl(struct ovsdb_idl *);
struct gateway *gateway_create(long long int straggler_ms, struct pinctrl *);
void gateway_destroy(struct gateway *);
void gateway_run(struct gateway *, const struct roamd_ctx *);
void gateway_wait(struct gateway *);

#endif /* gateway/gateway.h */
