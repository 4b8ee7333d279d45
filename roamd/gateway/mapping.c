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

#include "roamd/gateway/mapping.h"

#include <arpa/inet.h>
#include <stdio.h>

#include "coverage.h"
#include "db/migration.h"
#include "db/roam-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "smap.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(gateway_mapping);

COVERAGE_DEFINE(gateway_mapping_update);
COVERAGE_DEFINE(gateway_mapping_stale);
COVERAGE_DEFINE(gateway_mapping_remove);
COVERAGE_DEFINE(gateway_mapping_moved);
COVERAGE_DEFINE(gateway_mapping_scan);
COVERAGE_DEFINE(gateway_mapping_mac_index);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* An index node of 'by_mac' in struct mapping. */
struct mapping_mac {
    struct hmap_node node;      /* By hash_mac() of 'mac'. */
    struct eth_addr mac;
    const struct mapping_entry *e;
};

void
mapping_init(struct mapping *m)
{
    memset(m, 0, sizeof *m);
    hmap_init(&m->entries);
    hmap_init(&m->by_mac);
}

/* Empties 'm''s index by MAC, if it is built: the next lookup rebuilds it.
 * (An index that is not built is empty: this is cheap during a scan that
 * changes many entries.) */
static void
by_mac_invalidate(struct mapping *m)
{
    if (m->by_mac_valid) {
        struct mapping_mac *mm;

        HMAP_FOR_EACH_POP (mm, node, &m->by_mac) {
            free(mm);
        }
        m->by_mac_valid = false;
    }
}

static struct mapping_mac *
by_mac_find(const struct hmap *by_mac, struct eth_addr mac)
{
    struct mapping_mac *mm;

    HMAP_FOR_EACH_WITH_HASH (mm, node, hash_mac(mac, 0, 0), by_mac) {
        if (eth_addr_equals(mm->mac, mac)) {
            return mm;
        }
    }
    return NULL;
}

/* Indexes 'e' by 'mac', unless an entry indexed before has that MAC. */
static void
by_mac_add(struct hmap *by_mac, struct eth_addr mac,
           const struct mapping_entry *e)
{
    if (!by_mac_find(by_mac, mac)) {
        struct mapping_mac *mm = xmalloc(sizeof *mm);

        mm->mac = mac;
        mm->e = e;
        hmap_insert(by_mac, &mm->node, hash_mac(mac, 0, 0));
    }
}

static void
entry_destroy(struct mapping *m, struct mapping_entry *e)
{
    by_mac_invalidate(m);
    m->n_changed -= e->changed;
    m->n_moved -= e->moved;
    hmap_remove(&m->entries, &e->node);
    free(e->name);
    free(e);
}

void
mapping_destroy(struct mapping *m)
{
    if (m) {
        struct mapping_entry *e;

        HMAP_FOR_EACH_SAFE (e, node, &m->entries) {
            entry_destroy(m, e);
        }
        hmap_destroy(&m->entries);
        by_mac_invalidate(m);
        hmap_destroy(&m->by_mac);
        free(m->gone);
    }
}

const struct mapping_entry *
mapping_find(const struct mapping *m, const struct uuid *vm)
{
    struct mapping_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, node, uuid_hash(vm), &m->entries) {
        if (uuid_equals(&e->vm, vm)) {
            return e;
        }
    }
    return NULL;
}

/* Reads 'vm''s identities and place into 'e'.  Returns false if the row
 * has no complete pseudo identity, host or datacenter: such a VM is not
 * mapped. */
static bool
entry_from_row(struct mapping_entry *e, const struct roamrec_vm *vm)
{
    if (!vm->host || !vm->host->datacenter
        || !vm->pseudo_mac || !vm->pseudo_ip
        || !eth_addr_from_string(vm->real_mac, &e->real_mac)
        || !eth_addr_from_string(vm->pseudo_mac, &e->pseudo_mac)
        || !ip_parse(vm->real_ip, &e->real_ip)
        || !ip_parse(vm->pseudo_ip, &e->pseudo_ip)) {
        return false;
    }
    e->seq = vm->seq;
    e->dc = vm->host->datacenter->number;
    return true;
}

static bool
entry_same(const struct mapping_entry *a, const struct mapping_entry *b)
{
    return (a->seq == b->seq && a->dc == b->dc
            && eth_addr_equals(a->real_mac, b->real_mac)
            && eth_addr_equals(a->pseudo_mac, b->pseudo_mac)
            && a->real_ip == b->real_ip && a->pseudo_ip == b->pseudo_ip
            && a->transit_dc == b->transit_dc
            && a->transit_paused == b->transit_paused);
}

static void
note_gone(struct mapping *m, const struct uuid *vm)
{
    if (m->n_gone >= m->allocated_gone) {
        m->gone = x2nrealloc(m->gone, &m->allocated_gone, sizeof *m->gone);
    }
    m->gone[m->n_gone++] = *vm;
}

/* A VM's pending live migration to another datacenter. */
struct transit {
    struct hmap_node node;      /* By VM uuid. */
    struct uuid vm;
    uint32_t dc;                /* 1 + the destination's datacenter. */
    bool paused;                /* The pause notice came. */
};

/* Fills 'transits' with the VMs of 'roam_idl' whose live migration to
 * another datacenter is pending: the destination has prepared, the VM has
 * not arrived.  There are few at a time. */
static void
find_transits(struct ovsdb_idl *roam_idl, struct hmap *transits)
{
    const struct roamrec_migration *mg;

    ROAMREC_MIGRATION_FOR_EACH (mg, roam_idl) {
        const struct roamrec_vm *vm = mg->vm;

        if (vm && mg->src && mg->dst && vm->host == mg->src
            && mg->src->datacenter && mg->dst->datacenter
            && mg->src->datacenter != mg->dst->datacenter
            && mg->seq == vm->seq + 1
            && !migration_phase_is_final(mg->phase)
            && strcmp(mg->phase, "migrate-out")) {
            struct transit *t = xmalloc(sizeof *t);

            t->vm = vm->header_.uuid;
            t->dc = mg->dst->datacenter->number + 1;
            t->paused = migration_row_time(mg, "pause") >= 0;
            hmap_insert(transits, &t->node, uuid_hash(&t->vm));
        }
    }
}

static const struct transit *
transit_find(const struct hmap *transits, const struct uuid *vm)
{
    const struct transit *t;

    HMAP_FOR_EACH_WITH_HASH (t, node, uuid_hash(vm), transits) {
        if (uuid_equals(&t->vm, vm)) {
            return t;
        }
    }
    return NULL;
}

/* Whether the gateway of the datacenter that moved VM 'e' (row 'vm')
 * arrived in has said, in its Migration row, that its switch has the VM's
 * new place, 'since_ms' after this gateway saw the move.  A move with no
 * Migration row, or a gateway that says nothing for 2 s, does not hold
 * senders back longer. */
static bool
peer_ready(struct ovsdb_idl *roam_idl, const struct roamrec_vm *vm,
           const struct mapping_entry *e, long long int since_ms)
{
    const struct roamrec_migration *m = migration_find(roam_idl, vm, e->seq);

    return (!m || since_ms >= 2000
            || smap_get(&m->external_ids, MAPPING_KEY_READY));
}

/* Ends the redirects of moved VMs whose time is up and notes whether the
 * gateway of each moved VM's new datacenter is ready.  If 'rows_changed',
 * also removes the entries whose VM is gone or no longer mappable (which
 * visits every entry); otherwise visits only the moved ones. */
static void
follow_moved(struct mapping *m, struct ovsdb_idl *roam_idl,
             long long int straggler_ms, long long int now, bool rows_changed)
{
    struct mapping_entry *e;
    size_t n_moved = 0;

    HMAP_FOR_EACH_SAFE (e, node, &m->entries) {
        const struct roamrec_vm *row;

        if (!rows_changed && !e->moved) {
            continue;
        }
        row = roamrec_vm_get_for_uuid(roam_idl, &e->vm);
        if (rows_changed) {
            struct mapping_entry tmp;

            if (!row || !entry_from_row(&tmp, row)) {
                COVERAGE_INC(gateway_mapping_remove);
                note_gone(m, &e->vm);
                entry_destroy(m, e);
                continue;
            }
        }
        if (e->moved && now >= e->old_until) {
            VLOG_INFO("VM %s: its old identity in datacenter %"PRIu32" is "
                      "no longer redirected", e->name, e->old_dc);
            e->moved = false;
            by_mac_invalidate(m);
            mapping_mark_changed(m, e);
        } else if (e->moved && !e->peer_ready && row) {
            e->peer_ready = peer_ready(roam_idl, row, e,
                                       now - (e->old_until - straggler_ms));
        }
        n_moved += e->moved;
    }
    m->n_moved = n_moved;
}

/* Marks 'e', an entry of 'm', as changed: its flows are programmed
 * again. */
void
mapping_mark_changed(struct mapping *m, struct mapping_entry *e)
{
    if (!e->changed) {
        e->changed = true;
        m->n_changed++;
    }
}

/* Marks 'e', an entry of 'm', as moved from its old place, which the
 * caller has set ('old_pseudo_mac' and the rest). */
void
mapping_mark_moved(struct mapping *m, struct mapping_entry *e)
{
    if (m->by_mac_valid) {
        by_mac_add(&m->by_mac, e->old_pseudo_mac, e);
    }
    if (!e->moved) {
        e->moved = true;
        m->n_moved++;
    }
}

/* True if a table the mapping reads changed since 'm' last read it (and
 * notes the tables' change numbers). */
static bool
tables_changed(struct mapping *m, const struct ovsdb_idl *roam_idl)
{
    unsigned int vm_seqno = roamrec_vm_get_seqno(roam_idl);
    unsigned int migration_seqno = roamrec_migration_get_seqno(roam_idl);
    unsigned int dc_seqno = roamrec_datacenter_get_seqno(roam_idl);

    if (m->scanned && vm_seqno == m->vm_seqno
        && migration_seqno == m->migration_seqno && dc_seqno == m->dc_seqno) {
        return false;
    }
    m->scanned = true;
    m->vm_seqno = vm_seqno;
    m->migration_seqno = migration_seqno;
    m->dc_seqno = dc_seqno;
    return true;
}

/* Brings 'm' up to date with the VM rows of 'roam_idl'.  Reads the rows
 * only if the VM, Migration or Datacenter table changed since the last
 * call (a Host row's heartbeat is not a change: a VM's host reference
 * is its own column); otherwise only ends the redirects whose time is up
 * and follows the moved VMs' Migration rows. */
void
mapping_run(struct mapping *m, struct ovsdb_idl *roam_idl,
            long long int straggler_ms)
{
    const struct roamrec_vm *vm;
    long long int now = time_msec();
    struct hmap transits = HMAP_INITIALIZER(&transits);
    struct mapping_entry *e;
    struct transit *t;

    if (!tables_changed(m, roam_idl)) {
        if (m->n_moved) {
            follow_moved(m, roam_idl, straggler_ms, now, false);
        }
        return;
    }
    COVERAGE_INC(gateway_mapping_scan);
    find_transits(roam_idl, &transits);
    ROAMREC_VM_FOR_EACH (vm, roam_idl) {
        struct mapping_entry row;

        e = CONST_CAST(struct mapping_entry *,
                       mapping_find(m, &vm->header_.uuid));
        if (!entry_from_row(&row, vm)) {
            continue;
        }
        const struct transit *tr = (hmap_is_empty(&transits) ? NULL
                                    : transit_find(&transits,
                                                   &vm->header_.uuid));
        row.transit_dc = tr ? tr->dc : 0;
        row.transit_paused = tr && tr->paused;
        if (e && row.seq < e->seq) {
            /* An older location than the one mapped: it never wins. */
            COVERAGE_INC(gateway_mapping_stale);
            m->n_stale++;
            VLOG_WARN_RL(&rl, "VM %s: ignoring its location with sequence "
                         "number %"PRId64", older than the %"PRId64" "
                         "mapped", vm->name, row.seq, e->seq);
        } else if (!e || !entry_same(e, &row)) {
            bool fresh = !e;

            if (!e) {
                e = xzalloc(sizeof *e);
                e->vm = vm->header_.uuid;
                e->name = xstrdup(vm->name);
                hmap_insert(&m->entries, &e->node, uuid_hash(&e->vm));
            }
            COVERAGE_INC(gateway_mapping_update);
            if (!fresh && e->dc != row.dc) {
                /* Moved to another datacenter: what still comes for its
                 * old identity is redirected for a while. */
                COVERAGE_INC(gateway_mapping_moved);
                VLOG_INFO("VM %s: moved from datacenter %"PRIu32" to "
                          "%"PRIu32"; redirecting its old identity for "
                          "%lld ms", e->name, e->dc, row.dc, straggler_ms);
                e->moved = true;
                e->old_dc = e->dc;
                e->old_pseudo_mac = e->pseudo_mac;
                e->old_pseudo_ip = e->pseudo_ip;
                e->old_until = now + straggler_ms;
                e->announce_gen = 0;
                e->peer_ready = false;
                e->ready_gen = 0;
                e->stragglers = e->stragglers_written = 0;
            }
            e->seq = row.seq;
            e->dc = row.dc;
            e->real_mac = row.real_mac;
            e->pseudo_mac = row.pseudo_mac;
            e->real_ip = row.real_ip;
            e->pseudo_ip = row.pseudo_ip;
            e->transit_dc = row.transit_dc;
            e->transit_paused = row.transit_paused;
            by_mac_invalidate(m);
            mapping_mark_changed(m, e);
        }
    }
    HMAP_FOR_EACH_POP (t, node, &transits) {
        free(t);
    }
    hmap_destroy(&transits);

    follow_moved(m, roam_idl, straggler_ms, now, true);
}

/* When the next old identity expires, or LLONG_MAX. */
long long int
mapping_next_expiry(const struct mapping *m)
{
    const struct mapping_entry *e;
    long long int next = LLONG_MAX;

    if (!m->n_moved) {
        return next;
    }
    HMAP_FOR_EACH (e, node, &m->entries) {
        if (e->moved && e->old_until < next) {
            next = e->old_until;
        }
    }
    return next;
}

/* Returns the entry whose real or pseudo MAC is 'mac', or whose old pseudo
 * MAC it is while that is redirected, or NULL.  Should two entries have the
 * MAC (rows written by hand), one of them. */
const struct mapping_entry *
mapping_find_by_mac(const struct mapping *m_, struct eth_addr mac)
{
    struct mapping *m = CONST_CAST(struct mapping *, m_);

    if (!m->by_mac_valid) {
        const struct mapping_entry *e;

        COVERAGE_INC(gateway_mapping_mac_index);
        hmap_reserve(&m->by_mac, 2 * hmap_count(&m->entries));
        HMAP_FOR_EACH (e, node, &m->entries) {
            by_mac_add(&m->by_mac, e->real_mac, e);
            by_mac_add(&m->by_mac, e->pseudo_mac, e);
            if (e->moved) {
                by_mac_add(&m->by_mac, e->old_pseudo_mac, e);
            }
        }
        m->by_mac_valid = true;
    }

    const struct mapping_mac *mm = by_mac_find(&m->by_mac, mac);
    return mm ? mm->e : NULL;
}

/* Forgets which entries changed and which VMs left. */
void
mapping_clear_changes(struct mapping *m)
{
    struct mapping_entry *e;

    if (m->n_changed) {
        HMAP_FOR_EACH (e, node, &m->entries) {
            e->changed = false;
        }
        m->n_changed = 0;
    }
    m->n_gone = 0;
}

/* Appends 'm' to 's', one VM per line, for "gateway/mappings". */
void
mapping_format(const struct mapping *m, uint32_t local_dc, struct ds *s)
{
    const struct mapping_entry *e;

    ds_put_format(s, "%-16s %-5s %-4s %-17s %-15s %-17s %-15s %s\n", "vm",
                  "seq", "dc", "real_mac", "real_ip", "pseudo_mac",
                  "pseudo_ip", "side");
    HMAP_FOR_EACH (e, node, &m->entries) {
        char real_ip[INET_ADDRSTRLEN], pseudo_ip[INET_ADDRSTRLEN];

        snprintf(real_ip, sizeof real_ip, IP_FMT, IP_ARGS(e->real_ip));
        snprintf(pseudo_ip, sizeof pseudo_ip, IP_FMT, IP_ARGS(e->pseudo_ip));
        ds_put_format(s, "%-16s %-5"PRId64" %-4"PRIu32" "ETH_ADDR_FMT" "
                      "%-15s "ETH_ADDR_FMT" %-15s %s\n", e->name, e->seq,
                      e->dc, ETH_ADDR_ARGS(e->real_mac), real_ip,
                      ETH_ADDR_ARGS(e->pseudo_mac), pseudo_ip,
                      e->dc == local_dc ? "local" : "remote");
        if (e->transit_dc) {
            ds_chomp(s, '\n');
            ds_put_format(s, " transit-to-dc%"PRIu32"%s\n", e->transit_dc - 1,
                          e->transit_paused ? "-paused" : "");
        }
        if (e->moved) {
            ds_chomp(s, '\n');
            ds_put_format(s, " redirecting-dc%"PRIu32"-"ETH_ADDR_FMT"\n",
                          e->old_dc, ETH_ADDR_ARGS(e->old_pseudo_mac));
        }
    }
}
