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

#include "roamd/hypervisor/follow.h"

#include <errno.h>
#include <inttypes.h>
#include <sys/resource.h>

#include "db/migration.h"
#include "db/roam-idl.h"
#include "db/saved-rules.h"
#include "db/roamdb.h"
#include "roamd/core/context.h"
#include "roamd/core/flowctl.h"
#include "roamd/core/oflow.h"
#include "roamd/core/pinctrl.h"
#include "roamd/hypervisor/arrival.h"
#include "roamd/hypervisor/departure.h"
#include "roamd/hypervisor/followed-vm.h"
#include "roamd/hypervisor/gate.h"
#include "roamd/hypervisor/rule-sync.h"
#include "roamd/hypervisor/vif.h"
#include "coverage.h"
#include "flow.h"
#include "hash.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "random.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(follow);

COVERAGE_DEFINE(follow_install);
COVERAGE_DEFINE(follow_unplugged);
COVERAGE_DEFINE(follow_scan);

/* How often, at most, the switch's flows are read again while this host
 * holds VMs, to save rules an operator adds or removes.  Reading a large
 * table costs more: then it is read only as often as the rescan budget
 * allows (follow_set_rescan_budget()). */
#define SCAN_MS 500

/* How soon to try again work that is due but could not be done (no
 * database transaction, no chassis). */
#define RETRY_MS 200

/* Returns a new follow module that keeps a departed VM's receive rules
 * redirected for 'straggler_ms', gives an arriving VM 'activate_ms' to send
 * its first frame (and a paused one as long to resume at its destination),
 * and holds at most 'buffer_limit' frames for an arriving VM.  It asks
 * ovs-vswitchd for gate counters through 'appctl', pins migrating VMs'
 * MACs through 'pins' and finds VM ports and uplinks in 'vifs' (which
 * roamd rebuilds every iteration); all three must outlive it.  The caller
 * owns the result. */
struct follow *
follow_create(long long int straggler_ms, long long int activate_ms,
              size_t buffer_limit, struct appctl *appctl,
              struct fdbpin *pins, const struct vif_table *vifs)
{
    struct follow *f = xzalloc(sizeof *f);

    hmap_init(&f->vms);
    shash_init(&f->swept);
    shash_init(&f->view_indexes);
    f->appctl = appctl;
    f->pins = pins;
    f->vifs = vifs;
    sset_init(&f->activated);
    f->straggler_ms = straggler_ms;
    f->activate_ms = activate_ms;
    f->buffer_limit = buffer_limit;
    f->next_gate_id = 1;
    f->rescan_budget = 5;
    f->scan_cpu_start = -1;
    /* A gate id of an earlier roamd may still name a gate in ovs-vswitchd
     * (gates there expire on their own): this run's ids differ. */
    f->dp_nonce = random_uint32();
    return f;
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
        rule_sync_destroy_indexes(f);
        sset_destroy(&f->activated);
        free(f);
    }
}

/* Makes roamd, rather than the switch, open arrival gates: the way other
 * systems activate a port, kept as a benchmark's baseline. */
void
follow_set_agent_activation(struct follow *f, bool agent)
{
    f->agent_activation = agent;
}

/* Lets reading the switches' flow tables again, to save hand-added rules,
 * take at most 'percent' (1 to 100) of the time. */
void
follow_set_rescan_budget(struct follow *f, int percent)
{
    f->rescan_budget = MIN(MAX(percent, 1), 100);
}

/* Registers with 'pc' for the packet-ins of 'f''s gates. */
void
follow_register_packet_ins(struct follow *f, struct pinctrl *pc)
{
    pinctrl_register(pc, GATE_TAG_0, GATE_TAG_1, arrival_packet_in, f);
}

/* Sends the frames opened gates held on, a batch at a time.  Call after
 * pinctrl_run() and before vif_run(), which claims activated VMs. */
void
follow_flush_held(struct follow *f, const struct shash *flowctls)
{
    arrival_flush_held(f, flowctls);
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
        if (arrival_claimable(v, now)) {
            sset_add(&f->activated, v->iface_id);
        }
    }
    return &f->activated;
}

/* This process's CPU time so far, in ms. */
static long long int
process_cpu_ms(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru)) {
        return 0;
    }
    return ((ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000LL
            + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000);
}

/* Whether the switch's flows are due to be read again; if so, schedules
 * the next read.  Reading a large flow table is not free: reading (roamd's
 * CPU time from one reading's request until its index is built, or the
 * switch's time to answer, whichever is more) takes at most
 * 'f->rescan_budget' percent of the time. */
static bool
follow_scan_due(struct follow *f, const struct shash *flowctls)
{
    long long int now = time_msec();
    long long int cpu = process_cpu_ms();
    long long int interval = SCAN_MS;
    struct shash_node *node;

    if (f->scan_cpu_start >= 0 && f->indexed) {
        /* The index of the reading asked for last is built. */
        f->scan_cpu_ms = cpu - f->scan_cpu_start;
        f->scan_cpu_start = -1;
    }
    if (now < f->next_scan) {
        return false;
    }
    SHASH_FOR_EACH (node, flowctls) {
        long long int cost = MAX(flowctl_view_ms(node->data),
                                 f->scan_cpu_ms);

        interval = MAX(interval, cost * 100 / f->rescan_budget);
    }
    f->next_scan = now + interval;
    f->scan_cpu_start = cpu;
    f->indexed = false;
    COVERAGE_INC(follow_scan);
    return true;
}

/* VM 'vm' is held here, on port 'vif', and 'v' (possibly null) is not yet
 * following it there: it arrived, or is seen for the first time, so its
 * saved rules are installed for the port before anything is saved back. */
static void
follow_install(struct follow *f, struct fvm *v, const struct vif *vif,
               const struct roamrec_vm *vm, const struct roamd_ctx *ctx)
{
    struct flowctl *fc = shash_find_data(ctx->flowctls, vif->bridge);
    struct oflows flows;

    COVERAGE_INC(follow_install);
    if (v && strcmp(v->bridge, vif->bridge)) {
        fvm_clear(v, ctx->flowctls);
        fvm_pin(f, v, NULL);
        free(v->bridge);
        v->bridge = xstrdup(vif->bridge);
    }
    if (!v) {
        v = fvm_create(f, vm->iface_id, vif->bridge);
    } else if (v->state != FVM_HELD) {
        struct sset none = SSET_INITIALIZER(&none);

        fvm_set_gates(v, fc, &none);
    }
    VLOG_INFO("VM %s: installing %"PRIuSIZE" saved rules for port %"PRIu16,
              vm->name, saved_rules_count(vm), ofp_to_u16(vif->ofport));
    v->port = vif->ofport;
    free(v->port_name);
    v->port_name = xstrdup(vif->iface->name);
    v->vlan = vif->vlan;
    v->state = FVM_HELD;
    v->seq = vm->seq;
    v->arrived_at = time_msec();
    v->n_rules = saved_rules_count(vm);
    v->paused = false;
    v->dp_divert_id = 0;
    eth_addr_from_string(vm->real_mac, &v->mac);
    rule_sync_render(vm, vif->ofport, false, &flows);
    fvm_set_flows(v, fc, &flows);
    v->view_seqno = flowctl_view_seqno(fc);
    flowctl_request_view(fc);
}

/* Held VM 'v' ('vm'), installed on its port: notes when its rules came into
 * force, records its arrival, runs its departure, and saves its rules. */
static void
follow_held(struct follow *f, struct fvm *v, const struct roamrec_vm *vm,
            const struct roamd_ctx *ctx, bool scan)
{
    struct flowctl *fc = shash_find_data(ctx->flowctls, v->bridge);
    long long int now = time_msec();

    if (v->arrived_at && flowctl_applied_gen(fc) >= v->change_gen) {
        VLOG_INFO("VM %s: %"PRIuSIZE" rules active on port %"PRIu16" %lld ms "
                  "after arrival", vm->name, v->n_flows,
                  ofp_to_u16(v->port), now - v->arrived_at);
        v->arrived_at = 0;
        v->record_activate = true;
        v->activated_wall = time_wall_msec();
    }
    arrival_record(v, vm, ctx);
    departure_run(f, v, vm, ctx);
    if (v->pin_until && now >= v->pin_until) {
        arrival_settle(f, v, ctx);
    }
    rule_sync_run(f, v, fc, vm, ctx);
    if (scan) {
        flowctl_refresh_view(fc);
    }
}

/* Whether 'vif' (possibly null) is a port here that may receive VM 'vm'
 * in a live migration: it never held the VM. */
static bool
follow_may_arrive(const struct vif *vif, const struct roamrec_vm *vm,
                  const struct roamd_ctx *ctx)
{
    return vif && vif->held_seq < 0 && vm->host != ctx->chassis;
}

/* Runs one VM: 'vm' is its row, 'vif' its port here (or NULL), 'v' what
 * this host follows of it (or NULL). */
static void
follow_vm(struct follow *f, const struct roamrec_vm *vm,
          const struct roamd_ctx *ctx, bool scan)
{
    struct fvm *v = fvm_find(f, vm->iface_id);
    const struct vif *vif = vif_table_find(f->vifs, vm->iface_id);

    if (vif && vif->ofport == OFPP_NONE) {
        vif = NULL;
    }
    if (vm->host == ctx->chassis && vif && !strcmp(vm->state, "running")) {
        if (!shash_find_data(ctx->flowctls, vif->bridge)) {
            return;
        }
        if (v && v->state == FVM_ARRIVING && v->port == vif->ofport
            && !strcmp(v->bridge, vif->bridge)) {
            /* Claimed after its first frame. */
            arrival_claimed(f, v, vm, ctx);
        } else if (!v || v->state != FVM_HELD || v->port != vif->ofport
                   || strcmp(v->bridge, vif->bridge)) {
            follow_install(f, v, vif, vm, ctx);
        } else {
            follow_held(f, v, vm, ctx, scan);
        }
    } else if (v && v->state == FVM_HELD && vm->host != ctx->chassis
               && vm->seq <= v->seq) {
        /* Our claim is still on its way to the database (the replica shows
         * the old row until the server confirms), or the row moved without
         * a newer claim (edited by hand, or its host row deleted): only a
         * higher sequence number takes a VM away.  Keep everything; vif
         * claims it back. */
    } else if (v && v->state == FVM_HELD && vm->host != ctx->chassis) {
        departure_leave(f, v, vm, ctx);
    } else if (v && v->state == FVM_LEAVING
               && follow_may_arrive(vif, vm, ctx) && migration_is_live(vm)) {
        /* Coming back before its stragglers are over: a fresh port for it
         * here.  Its redirects give way to the arrival. */
        VLOG_INFO("VM %s: coming back on port %s while it still leaves; its "
                  "redirects go", vm->name, vif->iface->name);
        departure_record_complete(v, ctx);
        fvm_clear(v, ctx->flowctls);
        fvm_destroy(f, v);
        arrival_run(f, NULL, vif, vm, ctx);
    } else if (v && v->state == FVM_LEAVING) {
        departure_record_leaving(v, vm, ctx);
    } else if (follow_may_arrive(vif, vm, ctx)
               && (!v || v->state == FVM_ARRIVING || v->state == FVM_GAVE_UP)
               && (migration_is_live(vm)
                   || (v && v->state == FVM_ARRIVING))) {
        arrival_run(f, v, vif, vm, ctx);
    } else if (!v && vm->host != ctx->chassis) {
        /* Left with nothing of it installed here: complete its record if
         * this host was the source. */
        migration_complete_at_source(ctx->roam_idl, ctx->roam_txn, vm,
                                     ctx->chassis);
    } else if (v) {
        /* Unplugged or stopped while still ours (its rules stay saved), or
         * an arrival whose port went. */
        COVERAGE_INC(follow_unplugged);
        if (v->state == FVM_ARRIVING && ctx->roam_txn) {
            migration_roll_back(ctx->roam_idl, ctx->roam_txn, vm, v->seq,
                                ctx->chassis, "the VM's port at the "
                                "destination went away");
        }
        fvm_clear(v, ctx->flowctls);
        fvm_destroy(f, v);
    }
}

/* Sweeps leftovers of a previous process, once per bridge and fresh
 * view. */
static void
follow_sweep(struct follow *f, const struct roamd_ctx *ctx, bool scan)
{
    struct shash_node *node;

    SHASH_FOR_EACH (node, ctx->flowctls) {
        struct flowctl *fc = node->data;
        uintptr_t swept = (uintptr_t) shash_find_data(&f->swept, node->name);

        if (flowctl_view_seqno(fc) && swept != flowctl_view_seqno(fc)
            && flowctl_applied_gen(fc) == flowctl_desired_gen(fc)) {
            rule_sync_sweep(f, fc, node->name, ctx);
            shash_replace(&f->swept, node->name,
                          (void *) (uintptr_t) flowctl_view_seqno(fc));
        }
        if (scan) {
            flowctl_refresh_view(fc);
        }
    }
}

/* Ends redirects past their time, and forgets VMs whose rows are gone. */
static void
follow_expire(struct follow *f, const struct roamd_ctx *ctx)
{
    long long int now = time_msec();
    struct fvm *v;

    HMAP_FOR_EACH_SAFE (v, node, &f->vms) {
        bool gone = !roamdb_vm_by_iface_id(ctx->db, v->iface_id);

        if (!gone && (v->state != FVM_LEAVING || now < v->deadline)) {
            continue;
        }
        if (!gone && !v->completing) {
            /* Stragglers are over: the redirects go.  The record stays
             * until the replica shows it "complete". */
            VLOG_INFO("VM %s: straggler time over; removing its redirects",
                      v->iface_id);
            fvm_clear(v, ctx->flowctls);
            fvm_pin(f, v, NULL);
            v->completing = true;
        }
        if (!gone && !departure_record_complete(v, ctx)) {
            continue;
        }
        fvm_clear(v, ctx->flowctls);
        fvm_destroy(f, v);
    }
}

/* Makes every VM's flows follow the VM, as the databases in 'ctx' and the
 * VM ports in 'f''s vif table say. */
void
follow_run(struct follow *f, const struct roamd_ctx *ctx)
{
    const struct roamrec_vm *vm;
    bool scan;

    if (!ctx->chassis) {
        return;
    }
    scan = follow_scan_due(f, ctx->flowctls);
    ROAMREC_VM_FOR_EACH (vm, ctx->roam_idl) {
        follow_vm(f, vm, ctx, scan);
    }
    follow_sweep(f, ctx, scan);
    follow_expire(f, ctx);
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
            && !arrival_claimable(v, now)) {
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

    return v ? departure_pause(f, v, flowctls, notice_us, conn) : ENOENT;
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

    if (!v) {
        return ENOENT;
    } else if (v->state == FVM_ARRIVING) {
        return arrival_resume(v, flowctls, notice_us);
    } else {
        return departure_resume(f, v, flowctls);
    }
}

/* The stop notice: VM 'iface_id' stopped.  An arrival here is given up at
 * once; anything else follows from its port going. */
void
follow_stopped(struct follow *f, const char *iface_id)
{
    struct fvm *v = fvm_find(f, iface_id);

    if (v) {
        arrival_stopped(v);
    }
}

/* Answers pause notices whose redirect has come into force.  Cheap: call
 * it as soon as flowctl has read the switch's replies. */
void
follow_run_pauses(struct follow *f, const struct shash *flowctls)
{
    departure_run_pauses(f, flowctls);
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
                      v->n_rules, v->n_flows, v->n_unclassified,
                      v->buffer.n_held);
    }
}
