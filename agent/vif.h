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

#ifndef ROAM_VIF_H
#define ROAM_VIF_H 1

/* VM ports ("vifs") on this host.
 *
 * A VM port is an Interface whose external_ids carry what libvirt writes
 * for <virtualport type='openvswitch'>: iface-id and attached-mac (and
 * vm-id, iface-status).  vif keeps one VM row in the roam database per
 * iface-id: it creates the row the first time the port shows up, gives the
 * VM a pseudo identity for this host (S0.1).  When the port of a VM the
 * database places elsewhere appears here, it claims the VM with the next
 * location sequence number, conditionally on the row being unchanged, so
 * that of two racing claims exactly one wins: at once if the VM runs
 * nowhere else, or, in a live migration, once the VM's first frame here
 * has opened its arrival gate (follow, gate).  A port that has held its VM
 * remembers the sequence number (external_ids:roam-seq); when a higher one
 * shows up elsewhere, the port gives the VM up rather than claim it back, as
 * in EVPN, and that survives roamd restarts.  The VM's real IPv4 address
 * comes from external_ids:roam-ip, which the orchestrator writes.
 *
 * One VM has one port per host: a second interface with the same iface-id
 * is ignored and logged (vif_is_vms_port()).
 *
 * A port that is a kernel device (tap, veth) counts only while the device
 * exists and has carrier (link_monitor), so setups without libvirt work from
 * link events: the VM's device going away or losing carrier at one host and
 * appearing at another. */

#include "openvswitch/dynamic-string.h"

struct ovsdb_idl;
struct ovsdb_idl_txn;
struct ovsrec_interface;
struct link_monitor;
struct roamrec_host;
struct sset;

void vif_register_ovs_idl(struct ovsdb_idl *ovs_idl);
void vif_run(struct ovsdb_idl *ovs_idl, struct ovsdb_idl_txn *ovs_txn,
             struct ovsdb_idl *roam_idl, struct ovsdb_idl_txn *roam_txn,
             const struct roamrec_host *chassis,
             const struct link_monitor *, const struct sset *activated);
bool vif_is_vms_port(struct ovsdb_idl *ovs_idl, struct ovsdb_idl *roam_idl,
                     const struct link_monitor *,
                     const struct ovsrec_interface *, const char *iface_id);
void vif_list(struct ovsdb_idl *ovs_idl, struct ovsdb_idl *roam_idl,
              const struct roamrec_host *chassis,
              const struct link_monitor *, struct ds *);

#endif /* vif.h */
