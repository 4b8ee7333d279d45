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

#ifndef ROAM_GATEWAY_TUNNELS_H
#define ROAM_GATEWAY_TUNNELS_H 1

/* The gateway's tunnels to the other datacenters' gateways (seed feature
 * S2.2), kept from the roam database as ovn-controller's encaps.c keeps a
 * chassis's tunnels.
 *
 * For every other datacenter with a gateway (a Host whose role is
 * "gateway" and whose uplink_ip is set), the gateway bridge gets one
 * Geneve port, "roam-dcN", whose remote_ip is that gateway's uplink_ip,
 * marked external_ids:roam-remote-dc=N (which gateway.c forwards by) and
 * roam-tunnel=HOST.  A datacenter with several gateways is reached through
 * the first by name.  Ports roamd made that no gateway needs any more go.
 * A port the operator marked roam-remote-dc=N, without roam-tunnel, is
 * left alone, and datacenter N gets no port from roamd. */

struct ovsdb_idl;
struct ovsdb_idl_txn;
struct ovsrec_bridge;
struct roamrec_host;

void tunnels_register_ovs_idl(struct ovsdb_idl *);
void tunnels_run(struct ovsdb_idl_txn *ovs_txn, const struct ovsrec_bridge *,
                 struct ovsdb_idl *roam_idl, const struct roamrec_host *);

#endif /* gateway/tunnels.h */
