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

#include "roamd/hypervisor/arrival.h"

#include <errno.h>
#include <inttypes.h>

#include "db/migration.h"
#include "db/roam-idl.h"
#include "db/saved-rules.h"
#include "roamd/core/appctl.h"
#include "roamd/core/context.h"
#include "roamd/core/dpgate.h"
#include "roamd/core/flowctl.h"
#include "roamd/core/oflow.h"
#include "roamd/core/pinctrl.h"
#include "roamd/hypervisor/followed-vm.h"
#include "roamd/hypervisor/agent-activation.h"
#include "roamd/hypervisor/gate.h"
#include "roamd/hypervisor/rule-sync.h"
#include "roamd/hypervisor/vif.h"
#include "coverage.h"
#include "flow.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(arrival);

COVERAGE_DEFINE(arrival_prepare);
COVERAGE_DEFINE(arrival_activate);
COVERAGE_DEFINE(arrival_claimed);
COVERAGE_DEFINE(arrival_give_up);
COVERAGE_DEFINE(arrival_resume);
COVERAGE_DEFINE(arrival_gate_counts);
COVERAGE_DEFINE(arrival_stale_packet_in);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Opens 'v''s arrival gate for good: the VM sent its first frame here.
 * The first held frames go back to the switch before anything else. */
static void
fvm_activate(struct follow *f, struct fvm *v, struct flowctl *fc)
{
    size_t n_held = v->buffer.n;

    if (f->agent_activation) {
        agent_activation_open(v, fc);
    }
    COVERAGE_INC(arrival_activate);
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
    COVERAGE_INC(arrival_gate_counts);
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

/* A gate's packet-in (pinctrl.h): an activation, or a held frame in the
 * agent baseline.  'f_' is the follow module. */
void
arrival_packet_in(void *f_, const struct pinctrl_packet_in *pi)
{
    static struct vlog_rate_limit stale_rl = VLOG_RATE_LIMIT_INIT(1, 5);
    struct follow *f = f_;
    struct flowctl *fc = pi->flowctl;
    struct ofpbuf *resume;
    enum gate_event event;
    struct fvm *v;
    uint32_t id;

    if (gate_decode_packet_in(pi->pin, pi->continuation, &id, &event,
                              &resume)) {
        return;
    }
    v = fvm_find_gate(f, id);
    if (!v || v->state != FVM_ARRIVING || strcmp(v->bridge, pi->bridge)) {
        /* A gate that is gone: let a frame it held go on, through whatever
         * the switch does with it now. */
        COVERAGE_INC(arrival_stale_packet_in);
        VLOG_DBG_RL(&stale_rl, "packet-in for stale gate %"PRIu32, id);
        if (resume) {
            flowctl_send(fc, resume);
        }
    } else if (event == GATE_ACTIVATE) {
        if (!v->activated) {
            fvm_activate(f, v, fc);
        }
    } else if (v->activated && !v->buffer.n) {
        /* Held just before the gate opened, or by a datapath flow that the
         * switch has not revalidated yet. */
        VLOG_DBG("VM %s: frame held after its gate opened", v->iface_id);
        v->buffer.n_held++;
        flowctl_send(fc, resume);
    } else {
        if (v->activated) {
            VLOG_DBG("VM %s: frame held after its gate opened",
                     v->iface_id);
        }
        agent_activation_hold(&v->buffer, resume);
    }
}

/* Sends the held frames of opened gates on, a batch at a time.  Call after
 * pinctrl_run() and before vif_run(), which claims activated VMs. */
void
arrival_flush_held(struct follow *f, const struct shash *flowctls)
{
    struct fvm *v;

    HMAP_FOR_EACH (v, node, &f->vms) {
        struct flowctl *fc = v->buffer.n ? shash_find_data(flowctls,
                                                           v->bridge)
                                         : NULL;
        if (fc && v->activated) {
            agent_activation_flush(&v->buffer, fc);
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
bool
arrival_claimable(const struct fvm *v, long long int now)
{
    return (v->state == FVM_ARRIVING && v->activated
            && (!v->buffer.n || now >= v->activated_at + CLAIM_DEFER_MS));
}

/* Gives up arriving VM 'v': removes its rules and gate, drops what it
 * held, and records why. */
static void
arrival_give_up(struct follow *f, struct fvm *v, const struct roamrec_vm *vm,
                const struct roamd_ctx *ctx, const char *why)
{
    COVERAGE_INC(arrival_give_up);
    VLOG_WARN("VM %s: giving up its arrival on port %"PRIu16" (%"PRIuSIZE
              " held frames dropped): %s", vm->name, ofp_to_u16(v->port),
              v->buffer.n, why);
    fvm_clear(v, ctx->flowctls);
    fvm_pin(f, v, NULL);
    agent_activation_buffer_destroy(&v->buffer);
    migration_roll_back(ctx->roam_idl, ctx->roam_txn, vm, v->seq,
                        ctx->chassis, why);
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
                       v->port, fvm_uplink(f, v->bridge),
                       !f->agent_activation, &gates);
    fvm_set_gates(v, fc, &gates);
    v->gated = true;
}

/* A port 'vif' here for 'vm', which runs at another live host: prepare
 * (S1.4, S1.5), and give up if the VM never comes.  'v' is what this host
 * has followed of the VM so far, or NULL. */
void
arrival_run(struct follow *f, struct fvm *v, const struct vif *vif,
            const struct roamrec_vm *vm, const struct roamd_ctx *ctx)
{
    struct flowctl *fc = shash_find_data(ctx->flowctls, vif->bridge);
    struct ovsdb_idl *roam_idl = ctx->roam_idl;
    struct ovsdb_idl_txn *txn = ctx->roam_txn;
    const struct roamrec_host *chassis = ctx->chassis;
    ofp_port_t port = vif->ofport;
    long long int now = time_msec();
    struct oflows flows;

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
                      vm->name, v->n_flows, ofp_to_u16(v->port),
                      now - v->arrived_at);
            v->arrived_at = 0;
        }
        if (vm->seq >= v->seq) {
            arrival_give_up(f, v, vm, ctx, "another host claimed the VM");
        } else if (!v->activated && now >= v->deadline) {
            arrival_give_up(f, v, vm, ctx, "the VM did not activate at the "
                            "destination in time");
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
    COVERAGE_INC(arrival_prepare);
    v = fvm_create(f, vm->iface_id, vif->bridge);
    v->state = FVM_ARRIVING;
    v->port = port;
    v->port_name = xstrdup(vif->iface->name);
    v->vlan = vif->vlan;
    v->seq = vm->seq + 1;
    v->deadline = now + f->activate_ms;
    v->arrived_at = now;
    v->n_rules = saved_rules_count(vm);
    eth_addr_from_string(vm->real_mac, &v->mac);
    migration_record_prepare(roam_idl, txn, vm, chassis);

    /* In three steps, each once the previous one holds in the switch:
     * the VM's rules and the detour that keeps sending frames for it from
     * this host's ports to where it runs; then a pin of its MAC to the new
     * port (a running guest's broadcasts have taught this bridge that the
     * VM is behind the uplink); then the gate, so that what it holds is
     * translated toward the VM, not into "drop". */
    rule_sync_render(vm, port, false, &flows);
    fvm_set_flows(v, fc, &flows);
    fvm_gate_id(f, v);
    v->dp_gate_id = (f->agent_activation ? 0
                     : ((uint64_t) f->dp_nonce << 32) | v->gate_id);
    struct sset detour = SSET_INITIALIZER(&detour);
    gate_detour_flows(v->gate_id, v->mac, fvm_uplink(f, v->bridge),
                      &detour);
    fvm_set_gates(v, fc, &detour);
    v->pin_deadline = now + PIN_WAIT_MS;
    VLOG_INFO("VM %s: preparing on port %s (%"PRIu16"): %"PRIuSIZE" rules "
              "and a detour installed; gate %"PRIu32" follows the MAC pin",
              vm->name, v->port_name, ofp_to_u16(port),
              v->n_flows, v->gate_id);
}

/* Arriving VM 'v' ('vm') is claimed: this host holds it now.  Its gate
 * goes; the rules it opened on stay. */
void
arrival_claimed(struct follow *f, struct fvm *v, const struct roamrec_vm *vm,
                const struct roamd_ctx *ctx)
{
    struct flowctl *fc = shash_find_data(ctx->flowctls, v->bridge);
    struct sset none = SSET_INITIALIZER(&none);

    COVERAGE_INC(arrival_claimed);
    fvm_request_counts(f, v);
    v->gate_id = 0;     /* What it learned is swept. */
    v->dp_gate_id = 0;
    gate_settle_flows(fvm_gate_id(f, v), v->mac, fvm_uplink(f, v->bridge),
                      &none);
    fvm_set_gates(v, fc, &none);
    v->state = FVM_HELD;
    v->seq = vm->seq;
    v->arrived_at = 0;
    v->record_activate = true;
    v->view_seqno = flowctl_view_seqno(fc);
    flowctl_request_view(fc);
    /* Late frames from its old place must not move its MAC back while the
     * source still redirects stragglers: the pin, and the settle flow,
     * outlast the source's redirects, so that this host never floods a
     * frame for the VM to a source that would send it back. */
    fvm_unpin_after(v, 2 * f->straggler_ms + 1000);
    arrival_record(v, vm, ctx);
}

/* Writes to 'vm''s Migration row, through 'txn', what 'v' knows of its
 * arrival and the replica does not show yet, so that a commit that fails
 * is retried, not lost. */
void
arrival_record(struct fvm *v, const struct roamrec_vm *vm,
               const struct roamd_ctx *ctx)
{
    struct ovsdb_idl *roam_idl = ctx->roam_idl;
    struct ovsdb_idl_txn *txn = ctx->roam_txn;
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
                                 v->n_flows,
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

/* The migration that brought 'v' here is over: its MAC pin and settle
 * flow go, unless a new migration away needs them. */
void
arrival_settle(struct follow *f, struct fvm *v, const struct roamd_ctx *ctx)
{
    struct flowctl *fc = shash_find_data(ctx->flowctls, v->bridge);

    v->pin_until = 0;
    if (!v->dp_divert_id && !v->paused) {
        struct sset none = SSET_INITIALIZER(&none);

        fvm_set_gates(v, fc, &none);
        fvm_pin(f, v, NULL);
    }
}

/* The resume notice, at 'notice_us', for arriving VM 'v': its gate opens
 * at once, with one packet-out, before its first frame.  Returns 0, or
 * ENOENT if 'v' is not arriving. */
int
arrival_resume(struct fvm *v, const struct shash *flowctls,
               long long int notice_us)
{
    struct flowctl *fc = shash_find_data(flowctls, v->bridge);

    if (v->state != FVM_ARRIVING || !fc) {
        return ENOENT;
    }
    if (v->gated && v->dp_gate_id && !v->activated
        && flowctl_is_connected(fc)) {
        COVERAGE_INC(arrival_resume);
        flowctl_send(fc, gate_open_packet_out(v->dp_gate_id));
        VLOG_INFO("VM %s: resumed here; gate opened %lld us after the "
                  "notice", v->iface_id, time_usec() - notice_us);
    }
    return 0;
}

/* The stop notice for 'v': an arrival here is given up at once. */
void
arrival_stopped(struct fvm *v)
{
    if (v->state == FVM_ARRIVING && !v->activated) {
        v->deadline = time_msec();
        poll_immediate_wake();
    }
}
