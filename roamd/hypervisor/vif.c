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

#include "roamd/hypervisor/vif.h"

#include <arpa/inet.h>
#include <limits.h>

#include "db/chassis.h"
#include "db/migration.h"
#include "db/roam-idl.h"
#include "db/roamdb.h"
#include "roamd/core/context.h"
#include "roamd/core/keys.h"
#include "roamd/core/link-monitor.h"
#include "bitmap.h"
#include "coverage.h"
#include "flow.h"
#include "hash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "pseudo-id.h"
#include "smap.h"
#include "sset.h"
#include "timeval.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(vif);

COVERAGE_DEFINE(vif_appeared);
COVERAGE_DEFINE(vif_claim);
COVERAGE_DEFINE(vif_give_up);
COVERAGE_DEFINE(vif_take_back);
COVERAGE_DEFINE(vif_gone);
COVERAGE_DEFINE(vif_duplicate);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
static struct vlog_rate_limit err_rl = VLOG_RATE_LIMIT_INIT(1, 5);
static struct vlog_rate_limit claim_rl = VLOG_RATE_LIMIT_INIT(10, 50);

/* Registers the Open_vSwitch columns vif reads, and only those. */
void
vif_register_ovs_idl(struct ovsdb_idl *ovs_idl)
{
    ovsdb_idl_add_table(ovs_idl, &ovsrec_table_interface);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_interface_col_name);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_interface_col_external_ids);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_interface_col_ofport);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_interface_col_type);
    ovsdb_idl_add_table(ovs_idl, &ovsrec_table_bridge);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_bridge_col_name);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_bridge_col_ports);
    ovsdb_idl_add_table(ovs_idl, &ovsrec_table_port);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_port_col_interfaces);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_port_col_tag);
}

/* Whether 'iface' is a kernel device (a tap, or a veth or other system
 * interface), whose link state says whether the VM is there. */
static bool
is_kernel_device(const struct ovsrec_interface *iface)
{
    return !iface->type[0] || !strcmp(iface->type, "system")
           || !strcmp(iface->type, "tap");
}

/* Returns 'iface''s OpenFlow port, or OFPP_NONE if it has none yet. */
static ofp_port_t
iface_ofport(const struct ovsrec_interface *iface)
{
    return (iface->n_ofport && iface->ofport[0] > 0
            && iface->ofport[0] < UINT16_MAX
            ? u16_to_ofp(iface->ofport[0]) : OFPP_NONE);
}

/* Fills in 'vif' from 'iface', if it names a VM (libvirt's iface-id, or
 * roam's own key on an adopted port), and returns true; sets 'vif->usable'
 * if the port carries the VM: its keys are valid and, for a kernel device,
 * 'lm' says it is up with carrier. */
static bool
vif_from_iface(const struct ovsrec_interface *iface,
               const struct link_monitor *lm, const struct roamdb *db,
               struct vif *vif)
{
    const struct smap *ids = &iface->external_ids;
    const char *status = smap_get(ids, OVS_KEY_IFACE_STATUS);
    struct eth_addr mac;
    ovs_be32 ip;

    vif->iface = iface;
    vif->usable = false;
    vif->iface_id = smap_get(ids, OVS_KEY_IFACE_ID);
    vif->mac = smap_get(ids, OVS_KEY_ATTACHED_MAC);
    vif->vm_id = smap_get(ids, OVS_KEY_VM_ID);
    vif->ip = smap_get(ids, ROAM_KEY_IP);
    vif->ofport = iface_ofport(iface);
    vif->held_seq = smap_get_ullong(ids, ROAM_KEY_SEQ, ULLONG_MAX);
    if (vif->held_seq < 0 || vif->held_seq > INT64_MAX) {
        vif->held_seq = -1;
    }
    if (!vif->iface_id && smap_get(ids, ROAM_KEY_IFACE_ID)) {
        /* A port roamd adopted for a manual migration: the rest comes
         * from the VM's row. */
        const struct roamrec_vm *vm;

        vif->iface_id = smap_get(ids, ROAM_KEY_IFACE_ID);
        vm = roamdb_vm_by_iface_id(db, vif->iface_id);
        if (!vm) {
            return false;
        }
        vif->mac = vm->real_mac;
        vif->vm_id = vm->vm_id;
        vif->ip = vif->ip ? vif->ip : vm->real_ip[0] ? vm->real_ip : NULL;
    }
    if (!vif->iface_id || !vif->iface_id[0]) {
        return false;
    }
    if (!vif->mac || (status && !strcmp(status, "inactive"))) {
        return true;
    }
    if (is_kernel_device(iface) && !link_monitor_is_up(lm, iface->name)) {
        VLOG_DBG_RL(&rl, "interface %s: device missing, down or without "
                    "carrier", iface->name);
        return true;
    }
    if (!eth_addr_from_string(vif->mac, &mac) || eth_addr_is_multicast(mac)
        || eth_addr_is_zero(mac)) {
        VLOG_WARN_RL(&rl, "interface %s: ignoring bad %s \"%s\"",
                     iface->name, OVS_KEY_ATTACHED_MAC, vif->mac);
        return true;
    }
    if (vif->ip && (!ip_parse(vif->ip, &ip) || !ip || ip_is_multicast(ip))) {
        VLOG_WARN_RL(&rl, "interface %s: ignoring bad %s \"%s\"",
                     iface->name, ROAM_KEY_IP, vif->ip);
        vif->ip = NULL;
    }
    vif->usable = true;
    return true;
}

/* Of two interfaces here with one iface-id, whether 'new' rather than
 * 'old' is the VM's port: the one the VM row ('vm', possibly null) names,
 * else a usable one, else the one whose name sorts first. */
static bool
vif_prefer(const struct roamrec_vm *vm, const struct vif *new,
           const struct vif *old)
{
    if (vm && vm->port) {
        if (!strcmp(vm->port, new->iface->name)) {
            return true;
        } else if (!strcmp(vm->port, old->iface->name)) {
            return false;
        }
    }
    if (new->usable != old->usable) {
        return new->usable;
    }
    return strcmp(new->iface->name, old->iface->name) < 0;
}

void
vif_table_init(struct vif_table *t)
{
    hmap_init(&t->vifs);
    shash_init(&t->uplinks);
}

void
vif_table_destroy(struct vif_table *t)
{
    struct vif *vif;

    HMAP_FOR_EACH_POP (vif, node, &t->vifs) {
        free(vif);
    }
    hmap_destroy(&t->vifs);
    shash_destroy_free_data(&t->uplinks);
}

/* Returns the VM port of 'iface_id' here, or NULL. */
const struct vif *
vif_table_find(const struct vif_table *t, const char *iface_id)
{
    struct vif *vif;

    HMAP_FOR_EACH_WITH_HASH (vif, node, hash_string(iface_id, 0),
                             &t->vifs) {
        if (!strcmp(vif->iface_id, iface_id)) {
            return vif;
        }
    }
    return NULL;
}

/* Returns 'bridge''s uplink (ofport OFPP_NONE if it has none). */
struct vif_uplink
vif_table_uplink(const struct vif_table *t, const char *bridge)
{
    const struct vif_uplink *up = shash_find_data(&t->uplinks, bridge);

    return up ? *up : (struct vif_uplink) { .ofport = OFPP_NONE };
}

/* Adds 'new' (which the table takes) to 't', unless another interface with
 * its iface-id is the VM's port. */
static void
vif_table_add(struct vif_table *t, const struct roamdb *db, struct vif *new)
{
    static struct vlog_rate_limit dup_rl = VLOG_RATE_LIMIT_INIT(1, 10);
    struct vif *old = CONST_CAST(struct vif *,
                                 vif_table_find(t, new->iface_id));
    struct vif *loser = new;

    if (!old) {
        hmap_insert(&t->vifs, &new->node, hash_string(new->iface_id, 0));
        return;
    }
    if (vif_prefer(roamdb_vm_by_iface_id(db, new->iface_id), new, old)) {
        hmap_replace(&t->vifs, &old->node, &new->node);
        loser = old;
        old = new;
    }
    COVERAGE_INC(vif_duplicate);
    VLOG_WARN_RL(&dup_rl, "interface %s: iface-id %s is already the port of "
                 "interface %s here; ignored", loser->iface->name,
                 loser->iface_id, old->iface->name);
    free(loser);
}

/* Rebuilds 't' from the Open_vSwitch database in 'ctx': every VM port and
 * every bridge's uplink. */
void
vif_table_build(struct vif_table *t, const struct roamd_ctx *ctx)
{
    const struct ovsrec_bridge *br;

    vif_table_destroy(t);
    vif_table_init(t);
    OVSREC_BRIDGE_FOR_EACH (br, ctx->ovs_idl) {
        struct vif_uplink *up = xmalloc(sizeof *up);

        up->ofport = OFPP_NONE;
        up->name = NULL;
        for (size_t i = 0; i < br->n_ports; i++) {
            const struct ovsrec_port *p = br->ports[i];

            for (size_t j = 0; j < p->n_interfaces; j++) {
                const struct ovsrec_interface *iface = p->interfaces[j];
                struct vif *vif;

                if (smap_get_bool(&iface->external_ids, ROAM_KEY_UPLINK,
                                  false)) {
                    up->ofport = iface_ofport(iface);
                    up->name = iface->name;
                    continue;
                }
                vif = xmalloc(sizeof *vif);
                if (!vif_from_iface(iface, ctx->links, ctx->db, vif)) {
                    free(vif);
                    continue;
                }
                vif->bridge = br->name;
                vif->vlan = (p->n_tag && *p->tag > 0 && *p->tag < 4096
                             ? *p->tag : 0);
                vif_table_add(t, ctx->db, vif);
            }
        }
        free(shash_replace(&t->uplinks, br->name, up));
    }
}

/* Takes 'vm''s pseudo identity away, if it has one.  Returns true if that
 * changed its row. */
static bool
clear_pseudo_id(const struct roamrec_vm *vm)
{
    if (!vm->pseudo_mac && !vm->pseudo_ip) {
        return false;
    }
    roamrec_vm_set_pseudo_mac(vm, NULL);
    roamrec_vm_set_pseudo_ip(vm, NULL);
    return true;
}

/* Gives 'vm' a pseudo identity on 'chassis': the smallest VM index no other
 * VM on this host uses.  Leaves the VM without one, and logs why, if the
 * host's datacenter has no usable layout or the host is full.  Returns
 * true if it changed the VM's row (a VM that gets none keeps none, without
 * a write). */
static bool
assign_pseudo_id(struct ovsdb_idl *roam_idl,
                 const struct roamrec_host *chassis,
                 const struct roamrec_vm *vm)
{
    const struct roamrec_datacenter *dc = chassis->datacenter;
    struct pseudo_id_layout layout;
    const struct roamrec_vm *other;
    unsigned long *used;
    struct pseudo_id id;
    char ip_s[INET_ADDRSTRLEN];
    uint8_t mac[6];
    uint32_t ip, n;
    char mac_s[18];

    if (!dc || pseudo_id_layout_parse(&layout, dc->pseudo_layout)) {
        VLOG_WARN_RL(&rl, "host %s: no usable datacenter layout; VM %s gets "
                     "no pseudo identity", chassis->name, vm->name);
        return false;
    }
    /* The schema bounds them; a row from an older schema might not be. */
    if (chassis->pod < 0 || chassis->pod > UINT16_MAX
        || chassis->index < 0 || chassis->index > UINT16_MAX) {
        VLOG_WARN_RL(&rl, "host %s: position pod %"PRId64" index %"PRId64
                     " is out of range; VM %s gets no pseudo identity",
                     chassis->name, chassis->pod, chassis->index, vm->name);
        return false;
    }
    /* Two hosts at one position would hand out the same identities. */
    const struct roamrec_host *h;
    ROAMREC_HOST_FOR_EACH (h, roam_idl) {
        if (h != chassis && h->datacenter == dc && h->pod == chassis->pod
            && h->index == chassis->index) {
            VLOG_WARN_RL(&rl, "hosts %s and %s share pod %"PRId64" index "
                         "%"PRId64" in datacenter %s; VM %s gets no pseudo "
                         "identity", chassis->name, h->name, chassis->pod,
                         chassis->index, dc->name, vm->name);
            return clear_pseudo_id(vm);
        }
    }
    n = 1u << layout.vm_bits;
    used = bitmap_allocate(n);
    ROAMREC_VM_FOR_EACH (other, roam_idl) {
        struct pseudo_id oid;
        ovs_be32 oip;

        /* Any VM with a pseudo identity of this host's position, wherever
         * the database places it now. */
        if (other != vm && other->pseudo_ip
            && ip_parse(other->pseudo_ip, &oip)
            && !pseudo_id_decode_ip(&layout, oip, &oid)
            && oid.dc == dc->number && oid.pod == chassis->pod
            && oid.host == chassis->index) {
            bitmap_set1(used, oid.vm);
        }
    }
    id.dc = dc->number;
    id.pod = chassis->pod;
    id.host = chassis->index;
    for (id.vm = 1; id.vm < n - 1 && bitmap_is_set(used, id.vm); id.vm++) {
        continue;
    }
    bitmap_free(used);
    if (pseudo_id_encode(&layout, &id, mac, &ip)) {
        VLOG_WARN_RL(&rl, "host %s: no pseudo identity for VM %s (host "
                     "full, or its position does not fit the layout)",
                     chassis->name, vm->name);
        return clear_pseudo_id(vm);
    }
    snprintf(mac_s, sizeof mac_s, "%02x:%02x:%02x:%02x:%02x:%02x",
             mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    inet_ntop(AF_INET, &ip, ip_s, sizeof ip_s);
    roamrec_vm_set_pseudo_mac(vm, mac_s);
    roamrec_vm_set_pseudo_ip(vm, ip_s);
    return true;
}

/* Records in 'lp''s interface that it holds its VM at 'seq'. */
static void
set_held_seq(struct ovsdb_idl_txn *ovs_txn, const struct vif *lp,
             int64_t seq)
{
    if (ovs_txn && lp->held_seq != seq) {
        char *s = xasprintf("%"PRId64, seq);

        ovsrec_interface_update_external_ids_setkey(lp->iface, ROAM_KEY_SEQ,
                                                    s);
        free(s);
    }
}

/* Makes this host ('chassis') the VM's location, on 'lp''s port, with the
 * next sequence number and a pseudo identity for this host, provided the
 * row's host and seq are still what this replica saw: a claim that races
 * another fails and is retried on the fresh row. */
static void
take_vm(struct ovsdb_idl *roam_idl, struct ovsdb_idl_txn *ovs_txn,
        const struct roamrec_host *chassis, const struct vif *lp,
        const struct roamrec_vm *vm)
{
    roamrec_vm_verify_host(vm);
    roamrec_vm_verify_seq(vm);
    roamrec_vm_set_host(vm, chassis);
    roamrec_vm_set_seq(vm, vm->seq + 1);
    roamrec_vm_set_port(vm, lp->iface->name);
    roamrec_vm_set_state(vm, "running");
    assign_pseudo_id(roam_idl, chassis, vm);
    set_held_seq(ovs_txn, lp, vm->seq + 1);
}

/* Port 'lp' of 'vm', which the database places on another host: gives the
 * VM up, takes it back, waits for its arrival, or claims it. */
static void
sync_vm_elsewhere(const struct roamd_ctx *ctx, const struct vif *lp,
                  const struct roamrec_vm *vm, const struct sset *activated)
{
    struct ovsdb_idl *roam_idl = ctx->roam_idl;
    struct ovsdb_idl_txn *txn = ctx->roam_txn;
    struct ovsdb_idl_txn *ovs_txn = ctx->ovs_txn;
    const struct roamrec_host *chassis = ctx->chassis;
    const char *name = lp->iface->name;

    if (lp->held_seq >= 0) {
        /* This port held the VM, and a higher sequence number put it
         * elsewhere since.  Normally the hypervisor removes the port
         * soon.  If the VM's new host died, the VM still runs here:
         * take it back (roll back).  Otherwise give the VM up. */
        if (!migration_seq_can_grow(vm)) {
            VLOG_ERR_RL(&err_rl, "VM %s: its sequence number %"PRId64
                        " has no successor", vm->name, vm->seq);
        } else if (vm->seq <= lp->held_seq) {
            /* Moved without a newer claim (the row was edited, or its
             * host row deleted): only a higher sequence number may take
             * a VM away.  It still runs here; claim it again. */
            VLOG_WARN_RL(&err_rl, "VM %s: its row places it on %s at "
                         "seq %"PRId64", which is not newer than this "
                         "port's %lld; claiming it back", vm->name,
                         vm->host ? vm->host->name : "no host", vm->seq,
                         lp->held_seq);
            take_vm(roam_idl, ovs_txn, chassis, lp, vm);
        } else if (vm->host && chassis_host_is_down(vm->host)) {
            const char *why = "the destination is down";

            VLOG_WARN("VM %s: taking it back from %s on port %s: %s",
                      vm->name, vm->host->name, name, why);
            COVERAGE_INC(vif_take_back);
            migration_roll_back(roam_idl, txn, vm, vm->seq, NULL, why);
            take_vm(roam_idl, ovs_txn, chassis, lp, vm);
        } else {
            COVERAGE_INC(vif_give_up);
            VLOG_DBG_RL(&rl, "VM %s: moved to %s at seq %"PRId64"; "
                        "port %s held it at seq %lld", vm->name,
                        vm->host ? vm->host->name : "no host", vm->seq,
                        name, lp->held_seq);
        }
        return;
    }
    if (migration_is_live(vm) && !sset_contains(activated, vm->iface_id)) {
        /* A live migration: the VM still runs at its host.  follow
         * prepares it here; it is claimed once its first frame here
         * opens its gate. */
        return;
    }
    /* The VM's first frame arrived here, or the VM runs nowhere else
     * (stopped, or its host is down): claim it with the next sequence
     * number, provided nobody else changed its location meanwhile.  If
     * the claim loses a race, the port has still "held" the VM and will
     * give it up. */
    if (!migration_seq_can_grow(vm)) {
        VLOG_ERR_RL(&err_rl, "VM %s: cannot claim it on port %s: its "
                    "sequence number %"PRId64" has no successor",
                    vm->name, name, vm->seq);
        return;
    }
    COVERAGE_INC(vif_claim);
    VLOG_INFO_RL(&claim_rl, "VM %s: claiming on port %s (was on %s, seq "
                 "%"PRId64")", vm->name, name,
                 vm->host ? vm->host->name : "no host", vm->seq);
    migration_record_prepare(roam_idl, txn, vm, chassis);
    take_vm(roam_idl, ovs_txn, chassis, lp, vm);
}

/* Brings the VM row of local port 'lp' in line with it. */
static void
sync_vm(const struct roamd_ctx *ctx, const struct vif *lp,
        const struct sset *activated)
{
    struct ovsdb_idl *roam_idl = ctx->roam_idl;
    struct ovsdb_idl_txn *txn = ctx->roam_txn;
    struct ovsdb_idl_txn *ovs_txn = ctx->ovs_txn;
    const struct roamrec_host *chassis = ctx->chassis;
    const struct roamrec_vm *vm = roamdb_vm_by_iface_id(ctx->db,
                                                        lp->iface_id);
    const char *name = lp->iface->name;

    if (!vm) {
        COVERAGE_INC(vif_appeared);
        VLOG_INFO("VM %s appeared on port %s", lp->iface_id, name);
        vm = roamrec_vm_insert(txn);
        roamrec_vm_set_name(vm, lp->iface_id);
        roamrec_vm_set_iface_id(vm, lp->iface_id);
        roamrec_vm_set_vm_id(vm, lp->vm_id);
        roamrec_vm_set_real_mac(vm, lp->mac);
        roamrec_vm_set_real_ip(vm, lp->ip ? lp->ip : "");
        roamrec_vm_set_host(vm, chassis);
        roamrec_vm_set_port(vm, name);
        roamrec_vm_set_seq(vm, 0);
        roamrec_vm_set_state(vm, "running");
        assign_pseudo_id(roam_idl, chassis, vm);
        set_held_seq(ovs_txn, lp, 0);
        return;
    }

    if (vm->host != chassis) {
        sync_vm_elsewhere(ctx, lp, vm, activated);
        return;
    }

    set_held_seq(ovs_txn, lp, vm->seq);
    bool wrote = false;
    if (!vm->port || strcmp(vm->port, name)) {
        roamrec_vm_set_port(vm, name);
        wrote = true;
    }
    if (strcmp(vm->state, "running")) {
        roamrec_vm_set_state(vm, "running");
        wrote = true;
    }
    if (lp->ip && strcmp(vm->real_ip, lp->ip)) {
        roamrec_vm_set_real_ip(vm, lp->ip);
        wrote = true;
    }
    if (!vm->pseudo_ip) {
        wrote |= assign_pseudo_id(roam_idl, chassis, vm);
    }
    if (wrote) {
        /* Only while the VM is still ours: a claim elsewhere that this
         * replica has not seen yet makes the transaction fail and retry. */
        roamrec_vm_verify_host(vm);
        roamrec_vm_verify_seq(vm);
    }
}

/* "roamctl migrate VM --to HOST --port PORT" names the destination port of
 * a VM that a hypervisor without libvirt's keys plugged
 * (Migration.dst_port): this marks that interface, on this host, with
 * roam's own key ROAM_KEY_IFACE_ID, so that it is the VM's port like any
 * other.  libvirt's keys are never written. */
static void
adopt_named_ports(const struct roamd_ctx *ctx)
{
    const struct roamrec_migration *m;

    if (!ctx->ovs_txn) {
        return;
    }
    ROAMREC_MIGRATION_FOR_EACH (m, ctx->roam_idl) {
        const struct ovsrec_interface *iface;

        if (!m->dst_port || m->dst != ctx->chassis || !m->vm
            || strcmp(m->phase, "prepare")
            || !migration_seq_can_grow(m->vm)
            || m->seq != m->vm->seq + 1) {
            continue;
        }
        OVSREC_INTERFACE_FOR_EACH (iface, ctx->ovs_idl) {
            if (strcmp(iface->name, m->dst_port)
                || smap_get(&iface->external_ids, OVS_KEY_IFACE_ID)
                || smap_get(&iface->external_ids, ROAM_KEY_IFACE_ID)) {
                continue;
            }
            VLOG_INFO("VM %s: adopting interface %s as its port, as asked",
                      m->vm->name, m->dst_port);
            ovsrec_interface_update_external_ids_setkey(
                iface, ROAM_KEY_IFACE_ID, m->vm->iface_id);
        }
    }
}

/* Keeps the roam database's VM rows in line with the VM ports in 'vifs',
 * writing through 'ctx->roam_txn' (nothing happens while it is null) and
 * marking ports through 'ctx->ovs_txn' (which may be null).  'activated'
 * names the VMs (by iface-id) whose first frame arrived here while they ran
 * elsewhere: those are claimed. */
void
vif_run(const struct roamd_ctx *ctx, const struct vif_table *vifs,
        const struct sset *activated)
{
    const struct roamrec_vm *vm;
    const struct vif *vif;

    if (!ctx->roam_txn || !ctx->chassis) {
        return;
    }
    adopt_named_ports(ctx);
    HMAP_FOR_EACH (vif, node, &vifs->vifs) {
        if (vif->usable) {
            sync_vm(ctx, vif, activated);
        }
    }

    /* VMs this host holds whose port is gone: stopped here. */
    ROAMREC_VM_FOR_EACH (vm, ctx->roam_idl) {
        if (vm->host != ctx->chassis || !strcmp(vm->state, "stopped")) {
            continue;
        }
        vif = vif_table_find(vifs, vm->iface_id);
        if (!vif || !vif->usable) {
            COVERAGE_INC(vif_gone);
            VLOG_INFO("VM %s: port %s is gone", vm->name,
                      vm->port ? vm->port : "");
            /* Release conditionally: only if the database still places the
             * VM here at the sequence number this replica knows.  Otherwise
             * this write could erase another host's fresh claim (the race
             * OVN 23.03 has); the transaction fails and, with the claim
             * seen, is not retried. */
            roamrec_vm_verify_host(vm);
            roamrec_vm_verify_seq(vm);
            roamrec_vm_set_port(vm, NULL);
            roamrec_vm_set_state(vm, "stopped");
        }
    }
}

/* Appends a table of this host's VM ports to 'out', for unixctl. */
void
vif_list(const struct roamd_ctx *ctx, const struct vif_table *vifs,
         struct ds *out)
{
    const struct vif *vif;

    ds_put_format(out, "%-20s %-12s %-6s %-10s %-5s %s\n", "iface-id", "port",
                  "ofport", "state", "seq", "pseudo_ip");
    HMAP_FOR_EACH (vif, node, &vifs->vifs) {
        const struct roamrec_vm *vm;

        if (!vif->usable) {
            continue;
        }
        vm = roamdb_vm_by_iface_id(ctx->db, vif->iface_id);
        ds_put_format(out, "%-20s %-12s %-6"PRId64" %-10s %-5"PRId64" %s\n",
                      vif->iface_id, vif->iface->name,
                      vif->iface->n_ofport ? vif->iface->ofport[0] : -1,
                      !vm ? "unknown"
                      : vm->host != ctx->chassis ? "elsewhere" : vm->state,
                      vm ? vm->seq : 0,
                      vm && vm->pseudo_ip ? vm->pseudo_ip : "-");
    }
}
