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

#include "agent/follow.h"

#include <errno.h>
#include <inttypes.h>

#include "agent/appctl.h"
#include "agent/dpgate.h"
#include "agent/fdbpin.h"
#include "agent/flowctl.h"
#include "agent/gate.h"
#include "agent/keys.h"
#include "agent/migration.h"
#include "agent/roam-idl.h"
#include "agent/rules.h"
#include "byte-order.h"
#include "coverage.h"
#include "flow.h"
#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "random.h"
#include "smap.h"
#include "sset.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(follow);

COVERAGE_DEFINE(follow_arm_departure);
COVERAGE_DEFINE(follow_pause);
COVERAGE_DEFINE(follow_pause_in_datapath);
COVERAGE_DEFINE(follow_resume_activation);
COVERAGE_DEFINE(follow_gate_counts);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* How often the switch's flows are read again while this host holds VMs,
 * to save rules an operator adds or removes. */
#define SCAN_MS 500

/* Held frames go back to the switch this many at a time, each batch after
 * the switch processed the previous one, so that the new frames the VM gets
 * once its gate opens are not stuck behind hundreds of held ones. */
#define FLUSH_BATCH 8

/* An activated VM that arrives with held frames is claimed once they are
 * all delivered, or this many ms after its activation, whichever is
 * first (see follow_activated()). */
#define CLAIM_DEFER_MS 50

/* How soon to try again work that is due but could not be done (no
 * database transaction, no chassis). */
#define RETRY_MS 200

/* An arriving VM's gate waits for its MAC pin (fdbpin.h) at most this long
 * before it is installed anyway. */
#define PIN_WAIT_MS 1000

enum fvm_state {
    FVM_HELD,           /* This host holds the VM. */
    FVM_LEAVING,        /* Gone elsewhere; receive rules redirected. */
    FVM_ARRIVING,       /* Prepared: rules installed behind a gate. */
    FVM_GAVE_UP,        /* Arrival failed; nothing installed. */
};

static const char *
fvm_state_name(enum fvm_state state)
{
    switch (state) {
    case FVM_HELD:
        return "held";
    case FVM_LEAVING:
        return "leaving";
    case FVM_ARRIVING:
        return "arriving";
    case FVM_GAVE_UP:
        return "gave-up";
    }
    return "?";
}

/* A VM whose rules this host has installed. */
struct fvm {
    struct hmap_node node;      /* In 'struct follow''s 'vms', by iface-id. */
    char *iface_id;
    char *bridge;
    ofp_port_t port;
    char *port_name;            /* Its interface's name, for pins. */
    uint16_t vlan;              /* Its port's VLAN tag, or 0. */
    enum fvm_state state;
    struct sset flows;          /* Its flows in the bridge's desired table. */
    struct sset gates;          /* Its gate or redirect flows there. */
    uint64_t change_gen;        /* Desired generation after our last edit. */
    unsigned int view_seqno;    /* Last view looked at. */
    uint64_t view_digest;       /* Digest of the last view classified. */
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
    struct gate_buffer buffer;  /* FVM_ARRIVING: frames held. */
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
    uint64_t dp_divert_id;      /* Nonzero while armed. */
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
    struct shash uplinks;       /* Bridge -> uplink ofport, as uintptr_t. */
    struct shash uplink_names;  /* Bridge -> uplink interface name. */
    struct sset activated;      /* For follow_activated(). */
    bool agent_activation;      /* Open gates from roamd, not the switch. */
    struct appctl *appctl;      /* To ovs-vswitchd's control socket. */
    struct fdbpin *pins;
};

/* Returns a new follow module that keeps a departed VM's receive rules
 * redirected for 'straggler_ms', gives an arriving VM 'activate_ms' to send
 * its first frame (and a paused one as long to resume at its destination),
 * and holds at most 'buffer_limit' frames for an arriving VM.  It asks
 * ovs-vswitchd for gate counters through 'appctl' and pins migrating VMs'
 * MACs through 'pins'; both must outlive it.  The caller owns it. */
struct follow *
follow_create(long long int straggler_ms, long long int activate_ms,
              size_t buffer_limit, struct appctl *appctl,
              struct fdbpin *pins)
{
    struct follow *f = xzalloc(sizeof *f);

    hmap_init(&f->vms);
    shash_init(&f->swept);
    shash_init(&f->uplinks);
    shash_init(&f->uplink_names);
    f->appctl = appctl;
    f->pins = pins;
    sset_init(&f->activated);
    f->straggler_ms = straggler_ms;
    f->activate_ms = activate_ms;
    f->buffer_limit = buffer_limit;
    f->next_gate_id = 1;
    /* A gate id of an earlier roamd may still name a gate in ovs-vswitchd
     * (gates there expire on their own): this run's ids differ. */
    f->dp_nonce = random_uint32();
    return f;
}

static void fvm_answer_waiters(struct fvm *, const char *error);
static void fvm_pin(struct follow *, struct fvm *, const char *port);

static void
fvm_destroy(struct follow *f, struct fvm *v)
{
    fvm_answer_waiters(v, "the VM is no longer held here");
    fvm_pin(f, v, NULL);
    free(v->waiters);
    free(v->port_name);
    free(v->pinned_to);
    hmap_remove(&f->vms, &v->node);
    sset_destroy(&v->flows);
    sset_destroy(&v->gates);
    gate_buffer_destroy(&v->buffer);
    free(v->iface_id);
    free(v->bridge);
    free(v);
}

void
follow_destroy(struct follow *f)
{
    if (f) {
        struct fvm *v;

        HMAP_FOR_EACH_SAFE (v, node, &f->vms) {
            fvm_destroy(f, v);
        }
        hmap_destroy(&f->vms);
        shash_destroy(&f->swept);
        shash_destroy(&f->uplinks);
        shash_destroy_free_data(&f->uplink_names);
        sset_destroy(&f->activated);
        free(f);
    }
}

static struct fvm *
fvm_find(const struct follow *f, const char *iface_id)
{
    struct fvm *v;

    HMAP_FOR_EACH_WITH_HASH (v, node, hash_string(iface_id, 0), &f->vms) {
        if (!strcmp(v->iface_id, iface_id)) {
            return v;
        }
    }
    return NULL;
}

/* Makes 'v''s flows in 'fc''s desired table exactly 'flows' (destroyed). */
static void
set_flows(struct fvm *v, struct flowctl *fc, struct sset *flows)
{
    const char *flow;
    char *error;

    if (sset_equals(&v->flows, flows)) {
        sset_destroy(flows);
        return;
    }
    SSET_FOR_EACH (flow, &v->flows) {
        if (fc && !sset_contains(flows, flow)) {
            flowctl_remove_flow(fc, flow, NULL);
        }
    }
    SSET_FOR_EACH (flow, flows) {
        if (fc && !sset_contains(&v->flows, flow)
            && flowctl_add_flow(fc, flow, &error)) {
            VLOG_WARN_RL(&rl, "VM %s: cannot install \"%s\" (%s)",
                         v->iface_id, flow, error);
            free(error);
        }
    }
    sset_swap(&v->flows, flows);
    sset_destroy(flows);
    v->change_gen = fc ? flowctl_desired_gen(fc) : 0;
}

/* Makes 'v''s gate flows in 'fc''s desired table exactly 'gates'
 * (destroyed). */
static void
set_gates(struct fvm *v, struct flowctl *fc, struct sset *gates)
{
    /* The same bookkeeping as for rules, on the other set. */
    sset_swap(&v->flows, &v->gates);
    set_flows(v, fc, gates);
    sset_swap(&v->flows, &v->gates);
}

static uint32_t
fvm_gate_id(struct follow *f, struct fvm *v)
{
    if (!v->gate_id) {
        v->gate_id = f->next_gate_id++;
        if (!f->next_gate_id) {
            f->next_gate_id = 1;
        }
    }
    return v->gate_id;
}

static ofp_port_t
bridge_uplink(const struct follow *f, const char *bridge)
{
    uintptr_t up = (uintptr_t) shash_find_data(&f->uplinks, bridge);

    return up ? u16_to_ofp(up) : OFPP_NONE;
}

/* Renders 'vm''s saved rules: all of them for 'port', or, with 'leaving',
 * only its receive rules, for the uplink 'port' (none if there is no
 * uplink, 'port' == OFPP_NONE). */
static void
render_rules(const struct roamrec_vm *vm, ofp_port_t port, bool leaving,
             struct sset *flows)
{
    size_t i;

    sset_init(flows);
    if (port == OFPP_NONE) {
        return;
    }
    for (i = 0; i < vm->n_rules; i++) {
        const struct roamrec_rule *r = vm->rules[i];

        if (!leaving || !strcmp(r->direction, "receive")) {
            char *error;
            char *flow = rules_render(r->table_id, r->priority,
                                      (uint64_t) r->cookie, r->match,
                                      r->actions, port, &error);
            if (flow) {
                sset_add_and_free(flows, flow);
            } else {
                VLOG_WARN_RL(&rl, "VM %s: cannot render its saved rule "
                             "\"%s actions=%s\" (%s); it stays saved, "
                             "uninstalled", vm->name, r->match, r->actions,
                             error);
                free(error);
            }
        }
    }
}

/* Returns, for 'vm' held by this host ('chassis'), 1 if another VM here
 * has its MAC, plus 2 if another has its IPv4 address: tenants' networks
 * may overlap, and then an address alone does not tell the VMs' rules
 * apart (rules.h). */
static unsigned int
vm_shares_addresses(struct ovsdb_idl *roam_idl,
                    const struct roamrec_host *chassis,
                    const struct roamrec_vm *vm)
{
    const struct roamrec_vm *other;
    struct eth_addr mac, omac;
    unsigned int shared = 0;

    if (!eth_addr_from_string(vm->real_mac, &mac)) {
        return 0;
    }
    ROAMREC_VM_FOR_EACH (other, roam_idl) {
        if (other == vm || other->host != chassis
            || strcmp(other->state, "running")) {
            continue;
        }
        if (eth_addr_from_string(other->real_mac, &omac)
            && eth_addr_equals(mac, omac)) {
            shared |= 1;
        }
        if (vm->real_ip[0] && !strcmp(vm->real_ip, other->real_ip)) {
            shared |= 2;
        }
    }
    return shared;
}

/* One rule in logical form, as classified from the switch. */
struct lrule {
    const char *direction;      /* "send" or "receive". */
    uint8_t table_id;
    uint16_t priority;
    uint64_t cookie;
    char *match;
    char *actions;
};

static char *
rule_key(const char *dir, int64_t table, int64_t prio, uint64_t cookie,
         const char *match, const char *actions)
{
    return xasprintf("%s|%"PRId64"|%"PRId64"|%#"PRIx64"|%s|%s", dir, table,
                     prio, cookie, match, actions);
}

/* Classifies the bridge's current flows for 'vm' at 'v->port' and, if its
 * rules differ from what the database holds, saves them there (write-ahead
 * for any later move).  Adopts them all into the desired table, so that
 * flowctl owns them and can move them later. */
static void
save_rules(struct fvm *v, struct flowctl *fc, const struct roamrec_vm *vm,
           struct ovsdb_idl_txn *txn)
{
    const struct hmap *view = flowctl_view(fc, NULL);
    struct sset have = SSET_INITIALIZER(&have);
    struct sset now = SSET_INITIALIZER(&now);
    struct sset flows = SSET_INITIALIZER(&flows);
    const struct flowctl_flow *ff;
    struct lrule *lrules;
    size_t i, n = 0, n_unclassified = 0;
    struct rules_vm rv;

    memset(&rv, 0, sizeof rv);
    rv.port = v->port;
    rv.vlan = v->vlan;
    rv.mac_shared = (v->shared & 1) != 0;
    rv.ip_shared = (v->shared & 2) != 0;
    if (!eth_addr_from_string(vm->real_mac, &rv.mac)) {
        sset_destroy(&have);
        sset_destroy(&now);
        sset_destroy(&flows);
        return;
    }
    if (vm->real_ip[0] && !ip_parse(vm->real_ip, &rv.ip)) {
        rv.ip = 0;
    }

    lrules = xmalloc(hmap_count(view) * sizeof *lrules + 1);
    HMAP_FOR_EACH (ff, node, view) {
        struct lrule *lr = &lrules[n];
        struct match match;
        const char *why;
        enum rules_class c;

        if (gate_cookie_is_ours(ff->cookie)) {
            continue;           /* Gates are roam's own, never rules. */
        }
        minimatch_expand(&ff->match, &match);
        c = rules_classify(&match, ff->ofpacts, ff->ofpacts_len, &rv, &why);
        if (c == RULES_UNCLASSIFIED) {
            n_unclassified++;
            VLOG_WARN_RL(&rl, "VM %s: flow in table %"PRIu8" at priority "
                         "%"PRIu16" not moved: it %s", vm->name,
                         ff->table_id, ff->priority, why);
        } else if (c != RULES_OTHER
                   && !rules_to_logical(&match, ff->ofpacts, ff->ofpacts_len,
                                        &rv, &lr->match, &lr->actions)) {
            lr->direction = rules_class_to_string(c);
            lr->table_id = ff->table_id;
            lr->priority = ff->priority;
            lr->cookie = ntohll(ff->cookie);
            sset_add_and_free(&now, rule_key(lr->direction, lr->table_id,
                                             lr->priority, lr->cookie,
                                             lr->match, lr->actions));
            char *flow = rules_render(lr->table_id, lr->priority,
                                      lr->cookie, lr->match, lr->actions,
                                      v->port, NULL);
            if (flow) {
                sset_add_and_free(&flows, flow);
            }
            n++;
        }
    }
    v->n_unclassified = n_unclassified;
    v->n_rules = n;

    for (i = 0; i < vm->n_rules; i++) {
        const struct roamrec_rule *r = vm->rules[i];

        sset_add_and_free(&have, rule_key(r->direction, r->table_id,
                                          r->priority, (uint64_t) r->cookie,
                                          r->match, r->actions));
    }
    if (!sset_equals(&have, &now) && txn) {
        struct roamrec_rule **rows = xmalloc(n * sizeof *rows + 1);

        for (i = 0; i < n; i++) {
            rows[i] = roamrec_rule_insert(txn);
            roamrec_rule_set_direction(rows[i], lrules[i].direction);
            roamrec_rule_set_table_id(rows[i], lrules[i].table_id);
            roamrec_rule_set_priority(rows[i], lrules[i].priority);
            roamrec_rule_set_cookie(rows[i], (int64_t) lrules[i].cookie);
            roamrec_rule_set_match(rows[i], lrules[i].match);
            roamrec_rule_set_actions(rows[i], lrules[i].actions);
        }
        VLOG_INFO("VM %s: saving %"PRIuSIZE" rules", vm->name, n);
        roamrec_vm_set_rules(vm, rows, n);
        free(rows);
    }
    for (i = 0; i < n; i++) {
        free(lrules[i].match);
        free(lrules[i].actions);
    }
    free(lrules);
    sset_destroy(&have);
    sset_destroy(&now);

    /* Own what was saved, so that it can be moved later. */
    set_flows(v, fc, &flows);
}

/* A local VM port and where it is. */
struct local_vif {
    const struct ovsrec_interface *iface;
    const char *bridge;
    uint16_t vlan;              /* Its port's access VLAN, or 0. */
    bool held;                  /* It held its VM once (ROAM_KEY_SEQ). */
};

static ofp_port_t
iface_ofport(const struct ovsrec_interface *iface)
{
    return (iface->n_ofport && iface->ofport[0] > 0
            && iface->ofport[0] < UINT16_MAX
            ? u16_to_ofp(iface->ofport[0]) : OFPP_NONE);
}

/* Removes from 'fc''s switch (bridge 'bridge', uplink 'uplink') the rules
 * of VMs that other hosts hold and this process does not track: leftovers
 * of a previous roamd process killed while such a VM was leaving.  They
 * are the VM's saved rules rendered for its port here (while the port
 * exists) and its receive rules rendered for the uplink (the redirects);
 * only exact matches go, so nothing an operator added is touched.  Gate
 * flows (roam's own cookie) that no VM tracked here uses go too. */
static void
sweep_leftovers(struct follow *f, struct flowctl *fc, const char *bridge,
                ofp_port_t uplink, struct ovsdb_idl *roam_idl,
                const struct roamrec_host *chassis,
                const struct shash *vifs)
{
    const struct flowctl_flow *ff;
    const struct roamrec_vm *vm;
    size_t n_gates = 0;

    ROAMREC_VM_FOR_EACH (vm, roam_idl) {
        const struct local_vif *lv = shash_find_data(vifs, vm->iface_id);
        struct sset flows;
        const char *flow;
        size_t n = 0;

        if (vm->host == chassis || fvm_find(f, vm->iface_id)) {
            continue;
        }
        render_rules(vm, uplink, true, &flows);
        if (lv && !strcmp(lv->bridge, bridge)) {
            struct sset at_port;

            render_rules(vm, iface_ofport(lv->iface), false, &at_port);
            SSET_FOR_EACH (flow, &at_port) {
                sset_add(&flows, flow);
            }
            sset_destroy(&at_port);
        }
        SSET_FOR_EACH (flow, &flows) {
            n += flowctl_disown_flow(fc, flow);
        }
        if (n) {
            VLOG_INFO("VM %s: removing %"PRIuSIZE" rules left over from "
                      "before a restart", vm->name, n);
        }
        sset_destroy(&flows);
    }

    HMAP_FOR_EACH (ff, node, flowctl_view(fc, NULL)) {
        uint32_t id = ntohll(ff->cookie) & UINT32_MAX;
        const struct fvm *v;
        bool used = false;

        if (!gate_cookie_is_ours(ff->cookie)) {
            continue;
        }
        HMAP_FOR_EACH (v, node, &f->vms) {
            used |= v->gate_id == id;
        }
        if (!used) {
            n_gates += flowctl_disown_entry(fc, ff);
        }
    }
    if (n_gates) {
        VLOG_INFO("bridge %s: removing %"PRIuSIZE" gate flows no VM here "
                  "uses (learned by an opened gate, or left over from "
                  "before a restart)", bridge, n_gates);
    }
}

static struct fvm *
fvm_create(struct follow *f, const char *iface_id, const char *bridge)
{
    struct fvm *v = xzalloc(sizeof *v);

    v->iface_id = xstrdup(iface_id);
    v->bridge = xstrdup(bridge);
    sset_init(&v->flows);
    sset_init(&v->gates);
    gate_buffer_init(&v->buffer, f->buffer_limit);
    hmap_insert(&f->vms, &v->node, hash_string(iface_id, 0));
    return v;
}

static struct fvm *
fvm_find_gate(const struct follow *f, uint32_t id)
{
    struct fvm *v;

    HMAP_FOR_EACH (v, node, &f->vms) {
        if (v->gate_id == id) {
            return v;
        }
    }
    return NULL;
}

/* Removes everything 'v' has installed. */
static void
fvm_clear(struct fvm *v, const struct shash *flowctls)
{
    struct flowctl *fc = shash_find_data(flowctls, v->bridge);
    struct sset none = SSET_INITIALIZER(&none);
    struct sset no_gates = SSET_INITIALIZER(&no_gates);

    set_flows(v, fc, &none);
    set_gates(v, fc, &no_gates);
}

/* Sends the next batch of the frames 'v''s gate held, once the switch has
 * processed the previous batch. */
static void
fvm_flush(struct fvm *v, struct flowctl *fc)
{
    if (v->buffer.n && flowctl_pace_ready(fc)) {
        gate_buffer_flush(&v->buffer, fc, FLUSH_BATCH);
        flowctl_pace_barrier(fc);
    }
}

/* Opens 'v''s arrival gate for good: the VM sent its first frame here.
 * The first held frames go back to the switch before anything else. */
static void
fvm_activate(struct follow *f, struct fvm *v, struct flowctl *fc)
{
    size_t n_held = v->buffer.n;

    fvm_flush(v, fc);
    if (f->agent_activation) {
        struct sset gates;

        sset_clone(&gates, &v->gates);
        gate_opened_flows(v->gate_id, v->mac, v->port, &gates);
        set_gates(v, fc, &gates);
    }
    v->activated = true;
    v->activated_at = time_msec();
    v->activated_wall = time_wall_msec();
    if (f->agent_activation) {
        VLOG_INFO("VM %s: first frame on port %"PRIu16"; gate open, "
                  "delivering %"PRIuSIZE" held frames (%"PRIuSIZE" dropped)",
                  v->iface_id, ofp_to_u16(v->port), n_held,
                  v->buffer.n_dropped);
    } else {
        VLOG_INFO("VM %s: first frame on port %"PRIu16"; the switch opened "
                  "its gate", v->iface_id, ofp_to_u16(v->port));
    }
}

/* Pins 'v''s MAC, on its bridge and VLAN, to the port named 'port', or
 * removes its pin if 'port' is null (fdbpin.h). */
static void
fvm_pin(struct follow *f, struct fvm *v, const char *port)
{
    if (!f->pins || (!port && !v->pinned_to)
        || (port && v->pinned_to && !strcmp(port, v->pinned_to))) {
        return;
    }
    fdbpin_set(f->pins, v->bridge, v->vlan, v->mac, port);
    free(v->pinned_to);
    v->pinned_to = nullable_xstrdup(port);
    v->pin_until = 0;
}

static bool
fvm_pin_applied(const struct follow *f, const struct fvm *v)
{
    return !f->pins || fdbpin_is_applied(f->pins, v->bridge, v->vlan,
                                         v->mac);
}

/* Keeps 'v''s MAC pinned where it is for 'ms' more, then unpins it. */
static void
fvm_unpin_after(struct fvm *v, long long int ms)
{
    if (v->pinned_to && !v->pin_until) {
        v->pin_until = time_msec() + ms;
    }
}

static struct fvm *
fvm_find_counts(const struct follow *f, uint64_t dp_id)
{
    struct fvm *v;

    HMAP_FOR_EACH (v, node, &f->vms) {
        if (v->counts_dp_id == dp_id) {
            return v;
        }
    }
    return NULL;
}

/* The reply to a "roam/gate-show --json ID" (appctl.h). */
static void
gate_counts_reply(void *f_, uint64_t dp_id, int error, const char *reply)
{
    struct follow *f = f_;
    struct fvm *v = fvm_find_counts(f, dp_id);
    struct dpgate_stats st;

    if (!v) {
        return;
    }
    v->counts_dp_id = 0;
    if (!error) {
        error = dpgate_parse(reply, dp_id, &st);
    }
    if (error) {
        VLOG_WARN_RL(&rl, "VM %s: cannot read its gate's counters from "
                     "ovs-vswitchd (%s)", v->iface_id,
                     error == EPROTO && reply ? reply : ovs_strerror(error));
        return;
    }
    COVERAGE_INC(follow_gate_counts);
    v->counts = st;
    v->counts_known = true;
    v->buffer.n_held = st.held;
    v->buffer.n_dropped = st.dropped;
    VLOG_INFO("VM %s: its gate held %"PRIu64" frames in the datapath: "
              "%"PRIu64" delivered to it, %"PRIu64" released into other "
              "actions, %"PRIu64" dropped", v->iface_id, st.held,
              st.delivered, st.released_other, st.dropped);
}

/* Asks ovs-vswitchd, without waiting, what 'v''s arrival gate held; the
 * answer comes to gate_counts_reply().  Does nothing for a gate of the
 * agent baseline, whose frames roamd counted itself. */
static void
fvm_request_counts(struct follow *f, struct fvm *v)
{
    char id[32];

    if (!v->dp_gate_id || !f->appctl) {
        return;
    }
    snprintf(id, sizeof id, "%#"PRIx64, v->dp_gate_id);
    const char *args[] = { "--json", id };
    v->counts_dp_id = v->dp_gate_id;
    v->counts_known = false;
    appctl_request(f->appctl, "roam/gate-show", args, 2, gate_counts_reply,
                   f, v->dp_gate_id);
}

/* Makes roamd, rather than the switch, open arrival gates: the way other
 * systems activate a port, kept as a benchmark's baseline. */
void
follow_set_agent_activation(struct follow *f, bool agent)
{
    f->agent_activation = agent;
}

/* Takes the packet-ins of every bridge in 'flowctls': gates' held frames
 * and activations.  Call before vif_run(), which claims activated VMs. */
void
follow_process_packet_ins(struct follow *f, const struct shash *flowctls)
{
    static struct vlog_rate_limit stale_rl = VLOG_RATE_LIMIT_INIT(1, 5);
    struct shash_node *node;

    SHASH_FOR_EACH (node, flowctls) {
        struct flowctl *fc = node->data;
        struct ofpbuf *msg;

        while ((msg = flowctl_recv_packet_in(fc)) != NULL) {
            struct ofpbuf *resume;
            enum gate_event event;
            struct fvm *v;
            uint32_t id;

            if (gate_decode_packet_in(msg->data, &id, &event, &resume)) {
                ofpbuf_delete(msg);
                continue;
            }
            v = fvm_find_gate(f, id);
            if (!v || v->state != FVM_ARRIVING
                || strcmp(v->bridge, node->name)) {
                /* A gate that is gone: let a frame it held go on, through
                 * whatever the switch does with it now. */
                VLOG_DBG_RL(&stale_rl, "packet-in for stale gate %"PRIu32,
                            id);
                if (resume) {
                    flowctl_send(fc, resume);
                }
            } else if (event == GATE_ACTIVATE) {
                if (!v->activated) {
                    fvm_activate(f, v, fc);
                }
            } else if (v->activated && !v->buffer.n) {
                /* Held just before the gate opened, or by a datapath flow
                 * that the switch has not revalidated yet. */
                VLOG_DBG("VM %s: frame held after its gate opened",
                         v->iface_id);
                v->buffer.n_held++;
                flowctl_send(fc, resume);
            } else {
                if (v->activated) {
                    VLOG_DBG("VM %s: frame held after its gate opened",
                             v->iface_id);
                }
                gate_buffer_push(&v->buffer, resume);
            }
            ofpbuf_delete(msg);
        }
    }

    /* Held frames of opened gates, a batch at a time. */
    struct fvm *v;
    HMAP_FOR_EACH (v, node, &f->vms) {
        struct flowctl *fc = v->buffer.n ? shash_find_data(flowctls,
                                                           v->bridge)
                                         : NULL;
        if (fc && v->activated) {
            fvm_flush(v, fc);
        }
    }
}

/* Returns whether arriving VM 'v' may be claimed: it has activated and the
 * frames its gate held are delivered.
 *
 * Held frames mean that the source already sends the VM's traffic here (it
 * had the pause notice), so the claim, which only moves the location, can
 * wait for them: on a busy host the switch then spends the first
 * milliseconds after activation forwarding, not committing the claim's
 * flow changes and database updates.  Without held frames the claim is
 * what makes the source redirect, and goes at once.  CLAIM_DEFER_MS
 * bounds the wait. */
static bool
fvm_claimable(const struct fvm *v, long long int now)
{
    return (v->state == FVM_ARRIVING && v->activated
            && (!v->buffer.n || now >= v->activated_at + CLAIM_DEFER_MS));
}

/* Returns the iface-ids of the VMs whose first frame has arrived here while
 * the database still places them elsewhere, and whose held frames are
 * delivered: vif claims them. */
const struct sset *
follow_activated(struct follow *f)
{
    long long int now = time_msec();
    const struct fvm *v;

    sset_clear(&f->activated);
    HMAP_FOR_EACH (v, node, &f->vms) {
        if (fvm_claimable(v, now)) {
            sset_add(&f->activated, v->iface_id);
        }
    }
    return &f->activated;
}

/* Gives up arriving VM 'v': removes its rules and gate, drops what it
 * held, and records why. */
static void
arrival_give_up(struct follow *f, struct fvm *v,
                const struct shash *flowctls,
                struct ovsdb_idl *roam_idl, struct ovsdb_idl_txn *txn,
                const struct roamrec_vm *vm,
                const struct roamrec_host *chassis, const char *why)
{
    VLOG_WARN("VM %s: giving up its arrival on port %"PRIu16" (%"PRIuSIZE
              " held frames dropped): %s", vm->name, ofp_to_u16(v->port),
              v->buffer.n, why);
    fvm_clear(v, flowctls);
    fvm_pin(f, v, NULL);
    gate_buffer_destroy(&v->buffer);
    gate_buffer_init(&v->buffer, v->buffer.limit);
    migration_roll_back(roam_idl, txn, vm, v->seq, chassis, why);
    v->state = FVM_GAVE_UP;
    v->gave_up_wall = time_wall_msec();
}

/* Installs arriving VM 'v''s gate flows. */
static void
fvm_install_gate(struct follow *f, struct fvm *v, struct flowctl *fc)
{
    struct sset gates;

    if (!fvm_pin_applied(f, v)) {
        VLOG_WARN("VM %s: its MAC is not pinned to port %s after %d ms; "
                  "installing its gate anyway", v->iface_id, v->port_name,
                  PIN_WAIT_MS);
    }
    sset_init(&gates);
    gate_arrival_flows(v->gate_id, v->dp_gate_id, f->buffer_limit, v->mac,
                       v->port, bridge_uplink(f, v->bridge),
                       !f->agent_activation, &gates);
    set_gates(v, fc, &gates);
    v->gated = true;
}

/* A port 'lv' here for 'vm', which runs at another live host: prepare
 * (S1.4, S1.5), and give up if the VM never comes. */
static void
run_arrival(struct follow *f, struct fvm *v, const struct local_vif *lv,
            const struct roamrec_vm *vm, struct ovsdb_idl *roam_idl,
            struct ovsdb_idl_txn *txn, const struct roamrec_host *chassis,
            const struct shash *flowctls)
{
    struct flowctl *fc = shash_find_data(flowctls, lv->bridge);
    ofp_port_t port = iface_ofport(lv->iface);
    long long int now = time_msec();
    struct sset flows;

    if (!fc || !txn) {
        return;
    }
    if (v && v->state == FVM_GAVE_UP) {
        const struct roamrec_migration *m = migration_pending(roam_idl, vm,
                                                              chassis);

        if (!m || migration_row_time(m, "prepare") <= v->gave_up_wall) {
            return;             /* Until asked again (roamctl migrate-in). */
        }
        fvm_destroy(f, v);
        v = NULL;
    }
    if (v && v->state == FVM_ARRIVING) {
        if (!v->pin_asked && flowctl_applied_gen(fc) >= v->change_gen) {
            /* The detour is in the switch: now pin. */
            fvm_pin(f, v, v->port_name);
            v->pin_asked = true;
            v->pin_deadline = now + PIN_WAIT_MS;
        }
        if (!v->gated && v->pin_asked
            && (fvm_pin_applied(f, v) || now >= v->pin_deadline)) {
            fvm_install_gate(f, v, fc);
        }
        if (v->arrived_at && v->gated
            && flowctl_applied_gen(fc) >= v->change_gen) {
            VLOG_INFO("VM %s: %"PRIuSIZE" rules ready behind the gate on "
                      "port %"PRIu16" %lld ms after its port appeared",
                      vm->name, sset_count(&v->flows), ofp_to_u16(v->port),
                      now - v->arrived_at);
            v->arrived_at = 0;
        }
        if (vm->seq >= v->seq) {
            arrival_give_up(f, v, flowctls, roam_idl, txn, vm, chassis,
                            "another host claimed the VM");
        } else if (!v->activated && now >= v->deadline) {
            arrival_give_up(f, v, flowctls, roam_idl, txn, vm, chassis,
                            "the VM did not activate at the destination "
                            "in time");
        }
        return;
    }
    if (v) {
        return;
    }
    if (!eth_addr_from_string(vm->real_mac, &(struct eth_addr) { 0 })) {
        return;
    }
    if (!migration_seq_can_grow(vm)) {
        return;                 /* vif says why. */
    }
    v = fvm_create(f, vm->iface_id, lv->bridge);
    v->state = FVM_ARRIVING;
    v->port = port;
    v->port_name = xstrdup(lv->iface->name);
    v->vlan = lv->vlan;
    v->seq = vm->seq + 1;
    v->deadline = now + f->activate_ms;
    v->arrived_at = now;
    v->n_rules = vm->n_rules;
    eth_addr_from_string(vm->real_mac, &v->mac);
    migration_record_prepare(roam_idl, txn, vm, chassis);

    /* In three steps, each once the previous one holds in the switch:
     * the VM's rules and the detour that keeps sending frames for it from
     * this host's ports to where it runs; then a pin of its MAC to the new
     * port (a running guest's broadcasts have taught this bridge that the
     * VM is behind the uplink); then the gate, so that what it holds is
     * translated toward the VM, not into "drop". */
    render_rules(vm, port, false, &flows);
    set_flows(v, fc, &flows);
    fvm_gate_id(f, v);
    v->dp_gate_id = (f->agent_activation ? 0
                     : ((uint64_t) f->dp_nonce << 32) | v->gate_id);
    struct sset detour = SSET_INITIALIZER(&detour);
    gate_detour_flows(v->gate_id, v->mac, bridge_uplink(f, v->bridge),
                      &detour);
    set_gates(v, fc, &detour);
    v->pin_deadline = now + PIN_WAIT_MS;
    VLOG_INFO("VM %s: preparing on port %s (%"PRIu16"): %"PRIuSIZE" rules "
              "and a detour installed; gate %"PRIu32" follows the MAC pin",
              vm->name, v->port_name, ofp_to_u16(port),
              sset_count(&v->flows), v->gate_id);
}

/* Writes to 'vm''s Migration row, through 'txn', what 'v' knows of its
 * arrival and the replica does not show yet, so that a commit that fails
 * is retried, not lost. */
static void
fvm_record(struct fvm *v, const struct roamrec_vm *vm,
           struct ovsdb_idl *roam_idl, struct ovsdb_idl_txn *txn)
{
    bool counts = v->counts_known && !v->counts_recorded;
    const struct roamrec_migration *m;

    if (!txn || (!v->record_activate && !counts)) {
        return;
    }
    m = migration_find(roam_idl, vm, vm->seq);
    if (!m) {
        v->record_activate = false;
        v->counts_recorded = true;
        return;
    }
    if (v->record_activate) {
        if (migration_row_time(m, "activate") >= 0) {
            v->record_activate = false;
        } else {
            migration_advance_at(roam_idl, txn, vm, vm->seq, "activate",
                                 sset_count(&v->flows),
                                 v->counts_known ? -1 : v->buffer.n_held,
                                 v->activated_wall ? v->activated_wall
                                 : time_wall_msec());
        }
    }
    if (counts) {
        if (migration_counts_equal(m, v->counts.held, v->counts.delivered,
                                   v->counts.dropped)) {
            v->counts_recorded = true;
        } else {
            migration_set_counts(m, v->counts.held, v->counts.delivered,
                                 v->counts.dropped);
        }
    }
}

/* Like fvm_record(), for a VM that has left: "migrate-out". */
static void
fvm_record_leaving(struct fvm *v, const struct roamrec_vm *vm,
                   struct ovsdb_idl *roam_idl, struct ovsdb_idl_txn *txn)
{
    const struct roamrec_migration *m = (txn
                                         ? migration_find(roam_idl, vm,
                                                          v->seq)
                                         : NULL);

    if (m && migration_row_time(m, "migrate-out") < 0) {
        migration_advance(roam_idl, txn, vm, v->seq, "migrate-out", -1);
    }
    if (m && v->redirect_us >= 0 && v->redirect_dp_us != -1
        && !m->n_redirect_us) {
        migration_set_redirect_us(m, (v->redirect_dp_us >= 0
                                      ? v->redirect_dp_us
                                      : v->redirect_us));
    }
}

static const struct roamrec_vm *
vm_by_iface_id(struct ovsdb_idl *roam_idl, const char *iface_id)
{
    const struct roamrec_vm *vm;

    ROAMREC_VM_FOR_EACH (vm, roam_idl) {
        if (!strcmp(vm->iface_id, iface_id)) {
            return vm;
        }
    }
    return NULL;
}

/* Records that 'v''s departure is complete.  Returns true once the
 * replica shows it (or there is nothing to record). */
static bool
fvm_record_complete(struct fvm *v, struct ovsdb_idl *roam_idl,
                    struct ovsdb_idl_txn *txn)
{
    const struct roamrec_vm *vm = vm_by_iface_id(roam_idl, v->iface_id);
    const struct roamrec_migration *m;

    if (!vm || !(m = migration_find(roam_idl, vm, v->seq))
        || migration_phase_is_final(m->phase)) {
        return true;
    }
    if (txn) {
        migration_advance(roam_idl, txn, vm, v->seq, "migrate-out", -1);
        migration_advance(roam_idl, txn, vm, v->seq, "complete", -1);
    }
    return false;
}

/* Whether a migration of 'vm' away from this host ('chassis') is pending:
 * its destination has prepared, or roamctl asked for it. */
static const struct roamrec_migration *
departure_pending(struct ovsdb_idl *roam_idl, const struct roamrec_vm *vm,
                  const struct roamrec_host *chassis)
{
    const struct roamrec_migration *m = migration_pending(roam_idl, vm,
                                                          NULL);

    return (m && m->src == chassis && m->dst && m->dst != chassis
            ? m : NULL);
}

/* The migration that brought 'v' here is over: its MAC pin and settle
 * flow go, unless a new migration away needs them. */
static void
fvm_settled(struct follow *f, struct fvm *v, struct flowctl *fc)
{
    v->pin_until = 0;
    if (!v->dp_divert_id && !v->paused) {
        struct sset none = SSET_INITIALIZER(&none);

        set_gates(v, fc, &none);
        fvm_pin(f, v, NULL);
    }
}

/* Arms held VM 'v''s departure flow: the pause notice then redirects its
 * traffic in the datapath, with one packet-out.  Its MAC stays pinned to
 * its port until it has left. */
static void
fvm_arm(struct follow *f, struct fvm *v, struct flowctl *fc)
{
    struct sset gates = SSET_INITIALIZER(&gates);

    v->dp_divert_id = (((uint64_t) f->dp_nonce << 32)
                       | (f->next_gate_id++ ? f->next_gate_id - 1 : 1));
    if (!f->next_gate_id) {
        f->next_gate_id = 1;
    }
    gate_departure_flows(fvm_gate_id(f, v), v->dp_divert_id, v->mac,
                         bridge_uplink(f, v->bridge), true, &gates);
    set_gates(v, fc, &gates);
    v->armed_gen = v->change_gen;
    fvm_pin(f, v, v->port_name);
    v->pin_until = 0;
    COVERAGE_INC(follow_arm_departure);
    VLOG_INFO("VM %s: a migration away is pending; departure flow armed "
              "(datapath gate %#"PRIx64")", v->iface_id, v->dp_divert_id);
}

/* Undoes fvm_arm() and any redirect: 'v''s traffic is delivered here. */
static void
fvm_disarm(struct follow *f, struct fvm *v, struct flowctl *fc)
{
    struct sset none = SSET_INITIALIZER(&none);

    set_gates(v, fc, &none);
    v->dp_divert_id = 0;
    v->paused = false;
    v->pause_barrier = 0;
    fvm_pin(f, v, NULL);
}

/* Whether the redirect that 'v''s pause notice started is in force: the
 * switch answered the barrier after the packet-out that opened the
 * departure flow's gate, on the same connection, or holds the redirect
 * flow. */
static bool
fvm_redirect_in_force(const struct fvm *v, const struct flowctl *fc)
{
    if (!v->paused || !fc || !flowctl_is_connected(fc)) {
        return false;
    }
    if (v->pause_barrier
        && flowctl_connection_seqno(fc) == v->pause_conn_seqno
        && flowctl_barriers_done(fc) >= v->pause_barrier) {
        return true;
    }
    return flowctl_applied_gen(fc) >= v->pause_gen;
}

/* Answers 'v''s "vm/paused" callers: with 'error', if nonnull, else with
 * how long the redirect took. */
static void
fvm_answer_waiters(struct fvm *v, const char *error)
{
    for (size_t i = 0; i < v->n_waiters; i++) {
        if (error) {
            unixctl_command_reply_error(v->waiters[i], error);
        } else {
            char *reply = xasprintf("applied %lld us", v->redirect_us);

            unixctl_command_reply(v->waiters[i], reply);
            free(reply);
        }
    }
    v->n_waiters = 0;
}

/* The reply to "roam/gate-show --json" for the departure gate that a
 * pause notice opened: when it opened in the datapath. */
static void
divert_opened_reply(void *f_, uint64_t dp_id, int error, const char *reply)
{
    struct follow *f = f_;
    struct dpgate_stats st;
    struct fvm *v;

    HMAP_FOR_EACH (v, node, &f->vms) {
        if (v->pause_dp_id != dp_id || v->redirect_dp_us != -1) {
            continue;
        }
        if (!error) {
            error = dpgate_parse(reply, dp_id, &st);
        }
        if (!error && st.opened_us) {
            v->redirect_dp_us = MAX(st.opened_us - v->pause_notice_us, 0);
            VLOG_INFO("VM %s: the redirect took effect in the datapath %lld "
                      "us after the pause notice", v->iface_id,
                      v->redirect_dp_us);
        } else {
            v->redirect_dp_us = -2;
        }
    }
}

/* Notes when 'v''s redirect came into force, and tells its callers. */
static void
fvm_check_redirect(struct follow *f, struct fvm *v,
                   const struct flowctl *fc)
{
    if (v->paused && v->redirect_us < 0 && fvm_redirect_in_force(v, fc)) {
        v->redirect_us = time_usec() - v->pause_notice_us;
        VLOG_INFO("VM %s: redirect to the destination in force %lld us "
                  "after the pause notice (%s)", v->iface_id,
                  v->redirect_us, v->pause_barrier ? "in the datapath"
                  : "by flow");
        if (v->pause_barrier && f->appctl) {
            /* When exactly did it take effect?  ovs-vswitchd knows. */
            char id[32];

            snprintf(id, sizeof id, "%#"PRIx64, v->pause_dp_id);
            const char *args[] = { "--json", id };
            appctl_request(f->appctl, "roam/gate-show", args, 2,
                           divert_opened_reply, f, v->pause_dp_id);
        } else {
            v->redirect_dp_us = -2;
        }
    }
    if (v->redirect_us >= 0 && v->n_waiters) {
        fvm_answer_waiters(v, NULL);
    }
}

/* Starts redirecting held VM 'v''s traffic to its destination, the pause
 * notice having come at 'notice_us' (time_usec()). */
static void
fvm_pause(struct follow *f, struct fvm *v, struct flowctl *fc,
          long long int notice_us)
{
    struct sset gates = SSET_INITIALIZER(&gates);

    COVERAGE_INC(follow_pause);
    v->paused = true;
    v->pause_notice_us = notice_us;
    v->pause_deadline = time_msec() + f->activate_ms;
    v->redirect_us = -1;
    v->redirect_dp_us = -1;
    v->pause_dp_id = 0;
    v->pause_barrier = 0;
    if (v->dp_divert_id && flowctl_is_connected(fc)
        && flowctl_applied_gen(fc) >= v->armed_gen) {
        /* The armed flow is in the switch: one packet-out opens its gate,
         * and the very next frame for the VM goes to the uplink. */
        flowctl_send(fc, gate_open_packet_out(v->dp_divert_id));
        v->pause_barrier = flowctl_barrier(fc);
        v->pause_dp_id = v->dp_divert_id;
        v->pause_conn_seqno = flowctl_connection_seqno(fc);
        COVERAGE_INC(follow_pause_in_datapath);
    }
    /* The redirect as a flow too: it has the armed flow's match, so it
     * replaces it, and it outlives the datapath gate. */
    gate_departure_flows(fvm_gate_id(f, v), 0, v->mac,
                         bridge_uplink(f, v->bridge), false, &gates);
    set_gates(v, fc, &gates);
    v->pause_gen = v->change_gen;
    VLOG_INFO("VM %s: paused; redirecting its traffic to the uplink%s",
              v->iface_id, v->pause_barrier ? " (armed: in the datapath)"
              : "");
    fvm_check_redirect(f, v, fc);
}

/* Departure of held VM 'v' ('vm'): arms the departure flow while a
 * migration away is pending, records the pause notice, and stops
 * redirecting if the VM does not resume elsewhere in time. */
static void
run_departure(struct follow *f, struct fvm *v, const struct roamrec_vm *vm,
              struct ovsdb_idl *roam_idl, struct ovsdb_idl_txn *txn,
              const struct roamrec_host *chassis, struct flowctl *fc)
{
    const struct roamrec_migration *m = departure_pending(roam_idl, vm,
                                                          chassis);

    if (!v->paused && m && migration_row_time(m, "pause") >= 0) {
        /* "roamctl migrate-out": the pause notice, through the database. */
        fvm_pause(f, v, fc, time_usec());
    }
    if (!v->paused) {
        if (m && !v->dp_divert_id
            && bridge_uplink(f, v->bridge) != OFPP_NONE) {
            fvm_arm(f, v, fc);
        } else if (!m && v->dp_divert_id) {
            VLOG_INFO("VM %s: no migration away pending any more; "
                      "departure flow disarmed", vm->name);
            fvm_disarm(f, v, fc);
        }
        return;
    }

    fvm_check_redirect(f, v, fc);
    if (!txn) {
        return;
    }
    /* Recorded once the replica shows it: a failed commit is retried. */
    if (m && migration_row_time(m, "pause") < 0) {
        migration_advance(roam_idl, txn, vm, vm->seq + 1, "pause", -1);
    }
    /* The datapath's own time, where there is one; the barrier's
     * otherwise. */
    if (m && v->redirect_us >= 0 && v->redirect_dp_us != -1
        && !m->n_redirect_us) {
        migration_set_redirect_us(m, (v->redirect_dp_us >= 0
                                      ? v->redirect_dp_us
                                      : v->redirect_us));
    }
    if (time_msec() >= v->pause_deadline) {
        VLOG_WARN("VM %s: paused, but not resumed elsewhere in time; "
                  "delivering its traffic here again", vm->name);
        fvm_answer_waiters(v, "the VM did not resume elsewhere in time");
        fvm_disarm(f, v, fc);
        if (m) {
            migration_roll_back(roam_idl, txn, vm, vm->seq + 1, NULL,
                                "the VM did not resume at the destination "
                                "in time");
        }
    }
}

/* Of two interfaces here with the same iface-id 'id', whether 'new' rather
 * than 'old' is the VM's port: the one its VM row names, else the one whose
 * name sorts first (the rule of vif_is_vms_port()). */
static bool
prefer_port(struct ovsdb_idl *roam_idl, const char *id,
            const struct local_vif *new, const struct local_vif *old)
{
    const struct roamrec_vm *vm = vm_by_iface_id(roam_idl, id);

    if (vm && vm->port) {
        if (!strcmp(vm->port, new->iface->name)) {
            return true;
        } else if (!strcmp(vm->port, old->iface->name)) {
            return false;
        }
    }
    return strcmp(new->iface->name, old->iface->name) < 0;
}

void
follow_run(struct follow *f, struct ovsdb_idl *ovs_idl,
           struct ovsdb_idl *roam_idl, struct ovsdb_idl_txn *roam_txn,
           const struct roamrec_host *chassis, const struct shash *flowctls)
{
    const struct ovsrec_bridge *br;
    const struct roamrec_vm *vm;
    struct shash vifs = SHASH_INITIALIZER(&vifs);
    long long int now = time_msec();
    bool scan = now >= f->next_scan;
    struct fvm *v;
    size_t i, j;

    if (!chassis) {
        return;
    }
    if (scan) {
        /* Reading a large flow table is not free: read it at most a fifth
         * of the time. */
        struct shash_node *node;
        long long int interval = SCAN_MS;

        SHASH_FOR_EACH (node, flowctls) {
            interval = MAX(interval, 4 * flowctl_view_ms(node->data));
        }
        f->next_scan = now + interval;
    }

    /* Where each VM port is, and each bridge's uplink. */
    shash_clear(&f->uplinks);
    OVSREC_BRIDGE_FOR_EACH (br, ovs_idl) {
        ofp_port_t uplink = OFPP_NONE;
        const char *uplink_name = NULL;

        for (i = 0; i < br->n_ports; i++) {
            const struct ovsrec_port *p = br->ports[i];

            for (j = 0; j < p->n_interfaces; j++) {
                const struct ovsrec_interface *iface = p->interfaces[j];
                const char *id = smap_get(&iface->external_ids,
                                          OVS_KEY_IFACE_ID);

                if (!id) {
                    /* A port roamd adopted (vif.h). */
                    id = smap_get(&iface->external_ids, ROAM_KEY_IFACE_ID);
                }
                if (smap_get_bool(&iface->external_ids, ROAM_KEY_UPLINK,
                                  false)) {
                    uplink = iface_ofport(iface);
                    uplink_name = iface->name;
                } else if (id && iface_ofport(iface) != OFPP_NONE) {
                    struct local_vif *lv = xmalloc(sizeof *lv);

                    lv->iface = iface;
                    lv->bridge = br->name;
                    lv->vlan = (p->n_tag && *p->tag > 0 && *p->tag < 4096
                                ? *p->tag : 0);
                    lv->held = smap_get(&iface->external_ids,
                                        ROAM_KEY_SEQ) != NULL;
                    struct local_vif *old = shash_find_data(&vifs, id);
                    if (!old) {
                        shash_add(&vifs, id, lv);
                    } else if (prefer_port(roam_idl, id, lv, old)) {
                        /* One port per VM here, as vif_is_vms_port()
                         * decides. */
                        shash_replace(&vifs, id, lv);
                        free(old);
                    } else {
                        free(lv);
                    }
                }
            }
        }
        shash_replace(&f->uplinks, br->name,
                      (void *) (uintptr_t) ofp_to_u16(uplink));
        free(shash_replace(&f->uplink_names, br->name,
                           nullable_xstrdup(uplink_name)));
    }

    ROAMREC_VM_FOR_EACH (vm, roam_idl) {
        struct local_vif *lv = shash_find_data(&vifs, vm->iface_id);
        struct flowctl *fc;
        struct sset flows;

        v = fvm_find(f, vm->iface_id);
        if (vm->host == chassis && lv && !strcmp(vm->state, "running")) {
            ofp_port_t port = iface_ofport(lv->iface);

            fc = shash_find_data(flowctls, lv->bridge);
            if (!fc) {
                continue;
            }
            if (v && v->state == FVM_ARRIVING && v->port == port
                && !strcmp(v->bridge, lv->bridge)) {
                /* Claimed after its first frame: the gate goes, the rules
                 * it opened on stay. */
                struct sset none = SSET_INITIALIZER(&none);

                fvm_request_counts(f, v);
                v->gate_id = 0;     /* What it learned is swept. */
                v->dp_gate_id = 0;
                gate_settle_flows(fvm_gate_id(f, v), v->mac,
                                  bridge_uplink(f, v->bridge), &none);
                set_gates(v, fc, &none);
                v->state = FVM_HELD;
                v->seq = vm->seq;
                v->arrived_at = 0;
                v->record_activate = true;
                v->view_seqno = flowctl_view_seqno(fc);
                flowctl_request_view(fc);
                /* Late frames from its old place must not move its MAC
                 * back while the source still redirects stragglers: the
                 * pin, and the settle flow, outlast the source's
                 * redirects, so that this host never floods a frame for
                 * the VM to a source that would send it back. */
                fvm_unpin_after(v, 2 * f->straggler_ms + 1000);
                fvm_record(v, vm, roam_idl, roam_txn);
                continue;
            }
            if (!v || v->state != FVM_HELD || v->port != port
                || strcmp(v->bridge, lv->bridge)) {
                /* Arrived (or first seen): install the saved rules for this
                 * port before saving anything back. */
                if (v && strcmp(v->bridge, lv->bridge)) {
                    fvm_clear(v, flowctls);
                    fvm_pin(f, v, NULL);
                    free(v->bridge);
                    v->bridge = xstrdup(lv->bridge);
                }
                if (!v) {
                    v = fvm_create(f, vm->iface_id, lv->bridge);
                } else if (v->state != FVM_HELD) {
                    struct sset none = SSET_INITIALIZER(&none);

                    set_gates(v, fc, &none);
                }
                VLOG_INFO("VM %s: installing %"PRIuSIZE" saved rules for "
                          "port %"PRIu16, vm->name, vm->n_rules,
                          ofp_to_u16(port));
                v->port = port;
                free(v->port_name);
                v->port_name = xstrdup(lv->iface->name);
                v->vlan = lv->vlan;
                v->state = FVM_HELD;
                v->seq = vm->seq;
                v->arrived_at = time_msec();
                v->n_rules = vm->n_rules;
                v->paused = false;
                v->dp_divert_id = 0;
                eth_addr_from_string(vm->real_mac, &v->mac);
                render_rules(vm, port, false, &flows);
                set_flows(v, fc, &flows);
                v->view_seqno = flowctl_view_seqno(fc);
                flowctl_request_view(fc);
            } else {
                uint64_t view_gen;

                if (v->arrived_at
                    && flowctl_applied_gen(fc) >= v->change_gen) {
                    VLOG_INFO("VM %s: %"PRIuSIZE" rules active on port "
                              "%"PRIu16" %lld ms after arrival", vm->name,
                              sset_count(&v->flows), ofp_to_u16(v->port),
                              time_msec() - v->arrived_at);
                    v->arrived_at = 0;
                    v->record_activate = true;
                    v->activated_wall = time_wall_msec();
                }
                fvm_record(v, vm, roam_idl, roam_txn);
                run_departure(f, v, vm, roam_idl, roam_txn, chassis, fc);
                if (v->pin_until && now >= v->pin_until) {
                    fvm_settled(f, v, fc);
                }
                flowctl_view(fc, &view_gen);
                if (flowctl_view_seqno(fc) != v->view_seqno
                    && view_gen >= v->change_gen
                    && flowctl_applied_gen(fc) >= v->change_gen) {
                    v->view_seqno = flowctl_view_seqno(fc);
                    /* Classify again only if the switch's flows changed,
                     * or the database does not hold what was saved. */
                    unsigned int shared = vm_shares_addresses(roam_idl,
                                                              chassis, vm);
                    if (flowctl_view_digest(fc) != v->view_digest
                        || vm->n_rules != v->n_rules
                        || shared != v->shared) {
                        v->view_digest = flowctl_view_digest(fc);
                        v->shared = shared;
                        save_rules(v, fc, vm, roam_txn);
                    }
                }
                if (scan) {
                    flowctl_request_view(fc);
                }
            }
        } else if (v && v->state == FVM_HELD && vm->host != chassis
                   && vm->seq <= v->seq) {
            /* Our claim is still on its way to the database (the replica
             * shows the old row until the server confirms), or the row
             * moved without a newer claim (edited by hand, or its host row
             * deleted): only a higher sequence number takes a VM away.
             * Keep everything; vif claims it back. */
        } else if (v && v->state == FVM_HELD && vm->host != chassis) {
            /* Left: send rules go (S1.2), receive rules point at the uplink
             * (S1.3), and so does all other traffic for the VM. */
            ofp_port_t up = bridge_uplink(f, v->bridge);
            struct sset gates = SSET_INITIALIZER(&gates);

            VLOG_INFO("VM %s: moved to %s; redirecting its receive rules "
                      "for %lld ms", vm->name,
                      vm->host ? vm->host->name : "no host", f->straggler_ms);
            fc = shash_find_data(flowctls, v->bridge);
            render_rules(vm, up, true, &flows);
            set_flows(v, fc, &flows);
            gate_departure_flows(fvm_gate_id(f, v), 0, v->mac, up, false,
                                 &gates);
            set_gates(v, fc, &gates);
            fvm_answer_waiters(v, NULL);
            v->state = FVM_LEAVING;
            v->paused = false;
            v->dp_divert_id = 0;
            v->deadline = now + f->straggler_ms;
            v->seq = vm->seq;
            /* Until stragglers stop, the VM is behind the uplink here,
             * whatever its late frames teach the bridge. */
            fvm_pin(f, v, shash_find_data(&f->uplink_names, v->bridge));
            fvm_record_leaving(v, vm, roam_idl, roam_txn);
        } else if (v && v->state == FVM_LEAVING && lv && !lv->held
                   && vm->host != chassis && migration_is_live(vm)) {
            /* Coming back before its stragglers are over: a fresh port
             * for it here.  Its redirects give way to the arrival. */
            VLOG_INFO("VM %s: coming back on port %s while it still "
                      "leaves; its redirects go", vm->name,
                      lv->iface->name);
            fvm_record_complete(v, roam_idl, roam_txn);
            fvm_clear(v, flowctls);
            fvm_destroy(f, v);
            run_arrival(f, NULL, lv, vm, roam_idl, roam_txn, chassis,
                        flowctls);
        } else if (v && v->state == FVM_LEAVING) {
            fvm_record_leaving(v, vm, roam_idl, roam_txn);
        } else if (vm->host != chassis && lv && !lv->held
                   && (!v || v->state == FVM_ARRIVING
                       || v->state == FVM_GAVE_UP)
                   && (migration_is_live(vm)
                       || (v && v->state == FVM_ARRIVING))) {
            run_arrival(f, v, lv, vm, roam_idl, roam_txn, chassis,
                        flowctls);
        } else if (!v && vm->host != chassis) {
            /* Left with nothing of it installed here: complete its record
             * if this host was the source. */
            migration_complete_at_source(roam_idl, roam_txn, vm, chassis);
        } else if (v && (v->state == FVM_HELD || v->state == FVM_ARRIVING
                         || v->state == FVM_GAVE_UP)) {
            /* Unplugged or stopped while still ours (its rules stay saved),
             * or an arrival whose port went. */
            if (v->state == FVM_ARRIVING && roam_txn) {
                migration_roll_back(roam_idl, roam_txn, vm, v->seq, chassis,
                                    "the VM's port at the destination "
                                    "went away");
            }
            fvm_clear(v, flowctls);
            fvm_destroy(f, v);
        }
    }

    /* Leftovers of a previous process, once per bridge and fresh view. */
    struct shash_node *fc_node;
    SHASH_FOR_EACH (fc_node, flowctls) {
        struct flowctl *fc = fc_node->data;
        uintptr_t swept = (uintptr_t) shash_find_data(&f->swept,
                                                      fc_node->name);

        if (flowctl_view_seqno(fc) && swept != flowctl_view_seqno(fc)
            && flowctl_applied_gen(fc) == flowctl_desired_gen(fc)) {
            sweep_leftovers(f, fc, fc_node->name,
                            bridge_uplink(f, fc_node->name), roam_idl,
                            chassis, &vifs);
            shash_replace(&f->swept, fc_node->name,
                          (void *) (uintptr_t) flowctl_view_seqno(fc));
        }
        if (scan) {
            flowctl_request_view(fc);
        }
    }

    /* Redirects past their time, and VMs whose rows are gone. */
    HMAP_FOR_EACH_SAFE (v, node, &f->vms) {
        bool gone = true;

        ROAMREC_VM_FOR_EACH (vm, roam_idl) {
            if (!strcmp(vm->iface_id, v->iface_id)) {
                gone = false;
                break;
            }
        }
        if (gone || (v->state == FVM_LEAVING && now >= v->deadline)) {
            if (!gone && !v->completing) {
                /* Stragglers are over: the redirects go.  The record
                 * stays until the replica shows it "complete". */
                VLOG_INFO("VM %s: straggler time over; removing its "
                          "redirects", v->iface_id);
                fvm_clear(v, flowctls);
                fvm_pin(f, v, NULL);
                v->completing = true;
            }
            if (!gone && !fvm_record_complete(v, roam_idl, roam_txn)) {
                continue;
            }
            fvm_clear(v, flowctls);
            fvm_destroy(f, v);
        }
    }

    shash_destroy_free_data(&vifs);
}

/* Wakes up at 'when', or, if that has passed already (follow_run() could
 * not act on it: no database transaction, no chassis), RETRY_MS from now,
 * never at once: a deadline that stays in the past must not spin. */
static void
wait_until_backoff(long long int when, long long int now)
{
    poll_timer_wait_until(when > now ? when : now + RETRY_MS);
}

void
follow_wait(struct follow *f)
{
    long long int now = time_msec();
    const struct fvm *v;

    wait_until_backoff(f->next_scan, now);
    HMAP_FOR_EACH (v, node, &f->vms) {
        if (v->state == FVM_LEAVING || v->state == FVM_ARRIVING) {
            wait_until_backoff(v->deadline, now);
        }
        if (v->state == FVM_ARRIVING && v->activated
            && !fvm_claimable(v, now)) {
            /* The claim waits for held frames, but not past this. */
            wait_until_backoff(v->activated_at + CLAIM_DEFER_MS, now);
        }
        if (v->paused) {
            wait_until_backoff(v->pause_deadline, now);
        }
        if (v->pin_until) {
            wait_until_backoff(v->pin_until, now);
        }
        if (v->state == FVM_ARRIVING && !v->gated && v->pin_asked) {
            wait_until_backoff(v->pin_deadline, now);
        }
    }
}

/* The pause notice, at 'notice_us' (time_usec()): VM 'iface_id', held
 * here, has just paused for the end of a live migration.  From now on its
 * traffic goes to the uplink, toward the destination, which holds it until
 * the VM resumes there.  Idempotent.  If 'conn' is nonnull, it is answered
 * once the redirect is in force ("applied N us"), or with an error.
 * Returns 0, ENOENT if this host does not hold the VM, or ENODEV if the
 * VM's bridge has no uplink (then 'conn' is not answered). */
int
follow_pause(struct follow *f, const struct shash *flowctls,
             const char *iface_id, long long int notice_us,
             struct unixctl_conn *conn)
{
    struct fvm *v = fvm_find(f, iface_id);
    struct flowctl *fc;

    if (!v || (v->state != FVM_HELD && v->state != FVM_LEAVING)) {
        return ENOENT;
    }
    fc = shash_find_data(flowctls, v->bridge);
    if (!fc) {
        return ENOENT;
    }
    if (v->state == FVM_HELD && !v->paused) {
        if (bridge_uplink(f, v->bridge) == OFPP_NONE) {
            return ENODEV;
        }
        fvm_pause(f, v, fc, notice_us);
    }
    if (conn) {
        if (v->state == FVM_LEAVING) {
            unixctl_command_reply(conn, "applied 0 us (the VM has left)");
            return 0;
        }
        if (v->n_waiters >= v->allocated_waiters) {
            v->waiters = x2nrealloc(v->waiters, &v->allocated_waiters,
                                    sizeof *v->waiters);
        }
        v->waiters[v->n_waiters++] = conn;
        fvm_check_redirect(f, v, fc);
    }
    return 0;
}

/* The resume notice, at 'notice_us': VM 'iface_id' runs again.  Where it
 * arrives, its gate opens at once, with one packet-out, before its first
 * frame.  Where it was paused, it did not leave after all: its traffic is
 * delivered here again.  Returns 0, or ENOENT if the VM is neither. */
int
follow_resume(struct follow *f, const struct shash *flowctls,
              const char *iface_id, long long int notice_us)
{
    struct fvm *v = fvm_find(f, iface_id);
    struct flowctl *fc = v ? shash_find_data(flowctls, v->bridge) : NULL;

    if (!fc) {
        return ENOENT;
    }
    if (v->state == FVM_ARRIVING && v->gated && v->dp_gate_id
        && !v->activated && flowctl_is_connected(fc)) {
        COVERAGE_INC(follow_resume_activation);
        flowctl_send(fc, gate_open_packet_out(v->dp_gate_id));
        VLOG_INFO("VM %s: resumed here; gate opened %lld us after the "
                  "notice", iface_id, time_usec() - notice_us);
        return 0;
    } else if (v->state == FVM_HELD && v->paused) {
        VLOG_WARN("VM %s: resumed here after its pause notice; delivering "
                  "its traffic here again", iface_id);
        fvm_answer_waiters(v, "the VM resumed here");
        fvm_disarm(f, v, fc);
        return 0;
    }
    return v->state == FVM_ARRIVING || v->state == FVM_HELD ? 0 : ENOENT;
}

/* The stop notice: VM 'iface_id' stopped.  An arrival here is given up at
 * once; anything else follows from its port going. */
void
follow_stopped(struct follow *f, const char *iface_id)
{
    struct fvm *v = fvm_find(f, iface_id);

    if (v && v->state == FVM_ARRIVING && !v->activated) {
        v->deadline = time_msec();
        poll_immediate_wake();
    }
}

/* Answers pause notices whose redirect has come into force.  Cheap: call
 * it as soon as flowctl has read the switch's replies. */
void
follow_run_pauses(struct follow *f, const struct shash *flowctls)
{
    struct fvm *v;

    HMAP_FOR_EACH (v, node, &f->vms) {
        if (v->paused && (v->n_waiters || v->redirect_us < 0)) {
            fvm_check_redirect(f, v, shash_find_data(flowctls, v->bridge));
        }
    }
}

/* Appends a table of the VMs whose rules this host has installed. */
void
follow_list(const struct follow *f, struct ds *out)
{
    const struct fvm *v;

    ds_put_format(out, "%-20s %-10s %-6s %-9s %-6s %-6s %-12s %s\n",
                  "iface-id", "bridge", "port", "state", "rules", "flows",
                  "unclassified", "held");
    HMAP_FOR_EACH (v, node, &f->vms) {
        ds_put_format(out, "%-20s %-10s %-6"PRIu16" %-9s %-6"PRIuSIZE
                      " %-6"PRIuSIZE" %-12"PRIuSIZE" %"PRIuSIZE"\n",
                      v->iface_id, v->bridge, ofp_to_u16(v->port),
                      (v->paused ? "paused"
                       : v->state == FVM_ARRIVING && !v->gated ? "preparing"
                       : fvm_state_name(v->state)),
                      v->n_rules, sset_count(&v->flows), v->n_unclassified,
                      v->buffer.n_held);
    }
}
