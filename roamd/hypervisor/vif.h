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
 * vif is the only code that finds VM ports: every iteration it builds one
 * table (struct vif_table: iface-id -> interface, bridge, ofport, VLAN,
 * state, and each bridge's uplink) that every other module reads.
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
 * is ignored and logged (struct vif).
 *
 * A port that is a kernel device (tap, veth) counts only while the device
 * exists and has carrier (link_monitor), so setups without libvirt work from
 * link events: the VM's device going away or losing carrier at one host and
 * appearing at another. */

#include <stdbool.h>
#include <stdint.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"
#include "openvswitch/types.h"

struct link_monitor;
struct ovsdb_idl;
struct ovsrec_interface;
struct roamd_ctx;
struct sset;

/* A VM port on this host: an interface whose external_ids name a VM
 * (libvirt's iface-id, or roam's own key on a port adopted for a manual
 * migration).  When several interfaces here carry one iface-id, only one is
 * the VM's port: the one the VM row names, else a usable one, else the one
 * whose name sorts first; the others are ignored, and logged. */
struct vif {
    struct hmap_node node;      /* In struct vif_table, by iface-id. */
    const char *iface_id;
    const struct ovsrec_interface *iface;
    const char *bridge;         /* Its bridge's name. */
    ofp_port_t ofport;          /* OFPP_NONE until it has one. */
    uint16_t vlan;              /* Its port's access VLAN, or 0. */
    bool usable;                /* It carries its VM: its keys are valid
                                 * and, for a kernel device, its link is up
                                 * with carrier. */
    long long int held_seq;     /* The seq it held its VM at
                                 * (ROAM_KEY_SEQ), or -1. */
    const char *vm_id;
    const char *mac;
    const char *ip;             /* Real IPv4, or NULL if not given. */
};

/* A bridge's uplink: the interface with external_ids:roam-uplink=true. */
struct vif_uplink {
    ofp_port_t ofport;          /* OFPP_NONE if the bridge has none. */
    const char *name;           /* Or NULL. */
};

/* Every VM port on this host, and every bridge's uplink: built once per
 * main-loop iteration by vif_table_build(), read by everyone else. */
struct vif_table {
    struct hmap vifs;           /* struct vif, by iface-id. */
    struct shash uplinks;       /* Bridge name -> struct vif_uplink. */
};

void vif_register_ovs_idl(struct ovsdb_idl *ovs_idl);

void vif_table_init(struct vif_table *);
void vif_table_build(struct vif_table *, const struct roamd_ctx *);
void vif_table_destroy(struct vif_table *);
const struct vif *vif_table_find(const struct vif_table *,
                                 const char *iface_id);
struct vif_uplink vif_table_uplink(const struct vif_table *,
                                   const char *bridge);

void vif_run(const struct roamd_ctx *, const struct vif_table *,
             const struct sset *activated);
void vif_list(const struct roamd_ctx *, const struct vif_table *,
              struct ds *);

#endif /* vif.h */
