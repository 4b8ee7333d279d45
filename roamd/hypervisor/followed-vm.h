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

#ifndef ROAM_FOLLOWED_VM_H
#define ROAM_FOLLOWED_VM_H 1

/* A followed VM: the state the hypervisor role keeps for every VM whose
 * rules this host has installed (struct fvm), and the state they share
 * (struct follow).
 *
 * This header is internal to roamd/hypervisor: follow.c drives the VMs,
 * and arrival.c, departure.c and rule-sync.c each own one part of a VM's
 * life.  The helpers below are the only code that edits a VM's flows in
 * its bridge's flowctl (fvm_set_flows(), fvm_set_gates()) and its MAC pin
 * (fvm_pin()). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"
#include "openvswitch/types.h"
#include "packets.h"
#include "roamd/core/dpgate.h"
#include "roamd/hypervisor/agent-activation.h"
#include "roamd/hypervisor/gate.h"
#include "sset.h"
#include "uuid.h"

struct appctl;
struct fdbpin;
struct flowctl;
struct oflows;
struct unixctl_conn;
struct vif_table;

/* An activated VM that arrives with held frames is claimed once they are
 * all delivered, or this many ms after its activation, whichever is
 * first (see follow_activated()). */
#define CLAIM_DEFER_MS 50

/* An arriving VM's gate waits for its MAC pin (fdbpin.h) at most this long
 * before it is installed anyway. */
#define PIN_WAIT_MS 1000

enum fvm_state {
    FVM_HELD,           /* This host holds the VM. */
    FVM_LEAVING,        /* Gone elsewhere; receive rules redirected. */
    FVM_ARRIVING,       /* Prepared: rules installed behind a gate. */
    FVM_GAVE_UP,        /* Arrival failed; nothing installed. */
};

const char *fvm_state_name(enum fvm_state);

/* A VM whose rules this host has installed. */
struct fvm {
    struct hmap_node node;      /* In 'struct follow''s 'vms', by iface-id. */
    char *iface_id;
    char *bridge;
    ofp_port_t port;
    char *port_name;            /* Its interface's name, for pins. */
    uint16_t vlan;              /* Its port's VLAN tag, or 0. */
    enum fvm_state state;
    struct uuid rules_owner;    /* Owner of its rules in the bridge's
                                 * flowctl (flowctl-desired.h)... */
    struct uuid gates_owner;    /* ...and of its gate or redirect flows. */
    size_t n_flows;             /* How many rules it has installed. */
    struct sset gates;          /* Its gate or redirect flows, as text. */
    uint64_t change_gen;        /* Desired generation after our last edit. */
    unsigned int view_seqno;    /* Last view looked at. */
    uint64_t view_digest;       /* Digest of the flows that referred to
                                 * the VM when last classified. */
    long long int deadline;     /* FVM_LEAVING: when redirects go;
                                 * FVM_ARRIVING: when to give up. */
    size_t n_rules;
    size_t n_unclassified;
    unsigned int shared;        /* vm_shares_addresses() when classified. */
    long long int arrived_at;   /* When it arrived here, until active. */
    int64_t seq;                /* FVM_ARRIVING: the seq a claim gets;
                                 * else the seq it had here. */

    /* Gates (see gate.h). */
    bool pin_asked;             /* FVM_ARRIVING: its MAC pin is asked for. */
    bool gated;                 /* FVM_ARRIVING: its gate is installed. */
    long long int pin_deadline; /* FVM_ARRIVING: install the gate by then,
                                 * pinned or not. */
    uint32_t gate_id;           /* Nonzero once it has one. */
    uint64_t dp_gate_id;        /* Its roam_gate in the datapath, or 0
                                 * (none yet, or --activation=agent). */
    struct eth_addr mac;
    struct agent_activation_buffer buffer;  /* FVM_ARRIVING: frames held
                                             * (and their counts). */
    bool activated;             /* FVM_ARRIVING: its first frame came. */
    long long int activated_at;     /* When, monotonic. */
    long long int activated_wall;   /* When, wall clock. */
    long long int gave_up_wall; /* FVM_GAVE_UP: when. */

    /* Counts of the arrival gate, read from ovs-vswitchd after
     * activation (switch mode). */
    uint64_t counts_dp_id;      /* The gate asked about, or 0. */
    bool counts_known;
    struct dpgate_stats counts;

    /* MAC pin (fdbpin.h): where this VM's MAC is pinned, and until when
     * after the migration (0: as long as the state needs it). */
    char *pinned_to;            /* Port name, or NULL. */
    long long int pin_until;

    /* Departure (FVM_HELD with a migration away pending): the armed
     * departure flow and its datapath gate. */
    uint64_t dp_divert_id;      /* Nonzero while armed in the datapath. */
    bool cross_dc;              /* Armed for another datacenter: its
                                 * frames leave rewritten by 'depart_rw'. */
    struct gate_rewrite depart_rw;
    uint64_t armed_gen;         /* Desired generation that armed it. */

    /* What the Migration row does not show yet (fvm_record()). */
    bool record_activate;       /* The "activate" phase. */
    bool counts_recorded;       /* The gate's counts. */
    bool completing;            /* FVM_LEAVING: redirects gone; "complete"
                                 * not in the replica yet. */

    /* Pause notice (FVM_HELD): redirecting to the destination. */
    bool paused;
    unsigned int pause_conn_seqno;  /* flowctl connection of the barrier. */
    long long int pause_deadline;
    long long int pause_notice_us;  /* When the notice came, time_usec(). */
    uint64_t pause_barrier;     /* flowctl barrier after the packet-out
                                 * that opened the divert, or 0. */
    uint64_t pause_gen;         /* Desired generation with the redirect. */
    long long int redirect_us;  /* Notice to redirect in force, as the
                                 * barrier reply tells it, or -1. */
    uint64_t pause_dp_id;       /* The departure gate the notice opened,
                                 * or 0. */
    long long int redirect_dp_us;   /* Notice to that gate's opening in the
                                     * datapath, or -1 (not known yet), or
                                     * -2 (will not be). */
    struct unixctl_conn **waiters;  /* "vm/paused" callers to answer. */
    size_t n_waiters, allocated_waiters;
};

struct follow {
    struct hmap vms;
    long long int straggler_ms;
    long long int activate_ms;
    size_t buffer_limit;
    long long int next_scan;
    uint32_t next_gate_id;
    uint32_t dp_nonce;          /* Upper half of datapath gate ids. */
    struct shash swept;         /* Bridge -> view seqno last swept. */
    struct shash view_indexes;  /* Bridge -> its view's index
                                 * (rule-sync.c). */
    bool indexed;               /* A view was indexed since the last scan
                                 * was scheduled (rule-sync.c). */
    long long int scan_cpu_start;   /* CPU ms when the last reading was
                                     * asked for, or -1. */
    long long int scan_cpu_ms;  /* CPU ms the last reading cost roamd. */
    const struct vif_table *vifs;   /* VM ports and uplinks (vif.h). */
    struct sset activated;      /* For follow_activated(). */
    bool agent_activation;      /* Open gates from roamd, not the switch. */
    int rescan_budget;          /* Share of the time, in percent, that
                                 * re-reading flow tables may take. */
    struct appctl *appctl;      /* To ovs-vswitchd's control socket. */
    struct fdbpin *pins;
};

struct fvm *fvm_create(struct follow *, const char *iface_id,
                       const char *bridge);
void fvm_destroy(struct follow *, struct fvm *);
struct fvm *fvm_find(const struct follow *, const char *iface_id);
struct fvm *fvm_find_gate(const struct follow *, uint32_t id);
uint32_t fvm_gate_id(struct follow *, struct fvm *);
ofp_port_t fvm_uplink(const struct follow *, const char *bridge);
const char *fvm_uplink_name(const struct follow *, const char *bridge);

void fvm_set_flows(struct fvm *, struct flowctl *, struct oflows *);
void fvm_set_gates(struct fvm *, struct flowctl *, struct sset *gates);
void fvm_clear(struct fvm *, const struct shash *flowctls);

void fvm_pin(struct follow *, struct fvm *, const char *port);
bool fvm_pin_applied(const struct follow *, const struct fvm *);
void fvm_unpin_after(struct fvm *, long long int ms);

void fvm_answer_waiters(struct fvm *, const char *error);

#endif /* followed-vm.h */
