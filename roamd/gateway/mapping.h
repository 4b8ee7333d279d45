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

#ifndef ROAM_GATEWAY_MAPPING_H
#define ROAM_GATEWAY_MAPPING_H 1

/* The gateway's pseudo <-> real mapping (seed features S0.3, S0.5).
 *
 * A datacenter's gateway maps every VM its datacenter may see between the
 * VM's real identity (MAC and IPv4, for life) and its pseudo identity
 * (where it runs: datacenter, pod, host, VM; S0.1).  The mapping is fed
 * only from the roam database, whose Raft cluster keeps every
 * datacenter's gateway in step (S0.5): a GARP or RARP on the wire changes
 * nothing here.
 *
 * Each VM's entry carries the VM's location sequence number, as EVPN's MAC
 * mobility does.  A row that comes with an older sequence number than the
 * entry holds (a replica that lags, a row written by hand) is ignored and
 * counted: the newer location stands.  A VM whose row goes, or loses its
 * pseudo identity or its host, leaves the mapping.
 *
 * When a VM moves to another datacenter, its entry also keeps its old
 * pseudo identity and datacenter for a straggler timeout: gateways keep
 * redirecting what still comes addressed to it (gateway-flows.h). */

#include <stdbool.h>
#include <stdint.h>

#include "openvswitch/hmap.h"
#include "openvswitch/types.h"
#include "packets.h"
#include "uuid.h"

struct ovsdb_idl;
struct ds;

struct mapping_entry {
    struct hmap_node node;      /* In 'struct mapping''s 'entries'. */
    struct uuid vm;             /* The VM row. */
    char *name;
    int64_t seq;
    uint32_t dc;                /* Datacenter number it runs in. */
    struct eth_addr real_mac, pseudo_mac;
    ovs_be32 real_ip, pseudo_ip;
    bool changed;               /* Since mapping_clear_changes(). */

    /* A live migration of the VM to another datacenter is pending (its
     * destination prepared; it has not arrived): 1 + that datacenter's
     * number, or 0.  Until it arrives, its frames may reach its gateway
     * already on their way there (gateway-flows.h, "in transit"). */
    uint32_t transit_dc;
    bool transit_paused;        /* And the VM paused where it is. */

    /* Where it ran before it last moved to another datacenter, while
     * stragglers and stale senders may still address it there (S0.7,
     * S2.3). */
    bool moved;
    uint32_t old_dc;
    struct eth_addr old_pseudo_mac;
    ovs_be32 old_pseudo_ip;
    long long int old_until;    /* When that ends (time_msec()). */
    bool peer_ready;            /* The gateway of its new datacenter has
                                 * its new place in its switch: senders
                                 * may be told to use it. */
    uint64_t ready_gen;         /* Where it arrived: this gateway's switch
                                 * has its new place once flowctl applies
                                 * this generation (0: said so already). */
    /* Frames that its redirects took (S0.7): as last read, being read,
     * and as many as the Migration row shows. */
    int64_t stragglers, stragglers_next, stragglers_written;

    uint64_t announce_gen;      /* Its old place is told where it is once
                                 * flowctl applies this generation; 0 if
                                 * done or not needed. */
};

struct mapping {
    struct hmap entries;        /* struct mapping_entry, by VM uuid. */
    struct uuid *gone;          /* VMs that left since the last... */
    size_t n_gone, allocated_gone;      /* ...mapping_clear_changes(). */
    size_t n_changed;           /* Entries with 'changed' set. */
    size_t n_moved;             /* Entries with 'moved' set. */
    size_t n_stale;             /* Older rows ignored, ever. */

    /* The tables' change numbers when the rows were last read: with
     * 100 000 VMs, reading them all (and parsing their addresses) costs
     * tens of milliseconds, so mapping_run() reads them only after one of
     * these tables changed, not on every wake of roamd. */
    bool scanned;
    unsigned int vm_seqno, migration_seqno, dc_seqno;

    /* The entries by MAC (struct mapping_mac, private), for
     * mapping_find_by_mac(), which a gateway calls for each redirect's
     * statistics and each packet-in: built on the first lookup after an
     * entry changed, came or went. */
    struct hmap by_mac;
    bool by_mac_valid;
};

void mapping_init(struct mapping *);
void mapping_destroy(struct mapping *);
void mapping_run(struct mapping *, struct ovsdb_idl *roam_idl,
                 long long int straggler_ms);

/* The Migration row's external_ids key in which the gateway of the
 * datacenter a VM arrived in says that its switch has the VM's new place
 * (its value: that gateway's name). */
#define MAPPING_KEY_READY "roam-gateway-ready"
long long int mapping_next_expiry(const struct mapping *);
const struct mapping_entry *mapping_find_by_mac(const struct mapping *,
                                                struct eth_addr);
void mapping_clear_changes(struct mapping *);
void mapping_mark_changed(struct mapping *, struct mapping_entry *);
void mapping_mark_moved(struct mapping *, struct mapping_entry *);
const struct mapping_entry *mapping_find(const struct mapping *,
                                         const struct uuid *vm);
void mapping_format(const struct mapping *, uint32_t local_dc,
                    struct ds *);

#endif /* gateway/mapping.h */
