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

#include "roamd/hypervisor/departure.h"

#include <errno.h>
#include <inttypes.h>

#include "db/migration.h"
#include "db/roam-idl.h"
#include "db/roamdb.h"
#include "lib/pseudo-id.h"
#include "roamd/core/appctl.h"
#include "roamd/core/context.h"
#include "roamd/core/dpgate.h"
#include "roamd/core/flowctl.h"
#include "roamd/core/oflow.h"
#include "roamd/hypervisor/followed-vm.h"
#include "roamd/hypervisor/gate.h"
#include "roamd/hypervisor/rule-sync.h"
#include "coverage.h"
#include "openvswitch/vlog.h"
#include "sset.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(departure);

COVERAGE_DEFINE(departure_arm);
COVERAGE_DEFINE(departure_disarm);
COVERAGE_DEFINE(departure_pause);
COVERAGE_DEFINE(departure_pause_in_datapath);
COVERAGE_DEFINE(departure_redirect);
COVERAGE_DEFINE(departure_leave);
COVERAGE_DEFINE(departure_no_resume);

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

/* Whether 'vm' at its place 'to' (a host of another datacenter than this
 * host, 'chassis') has a pseudo identity that takes its frames there: if
 * so, stores in '*rw' the rewrite from its real identity to it. */
static bool
cross_dc_rewrite(const struct roamrec_vm *vm, const struct roamrec_host *to,
                 const struct roamrec_host *chassis, struct gate_rewrite *rw)
{
    struct pseudo_id_layout layout;
    struct pseudo_id self;

    if (!to || !to->datacenter || !chassis->datacenter
        || to->datacenter == chassis->datacenter
        || !vm->pseudo_mac || !vm->pseudo_ip
        || !eth_addr_from_string(vm->real_mac, &rw->from_mac)
        || !ip_parse(vm->real_ip, &rw->from_ip)
        || !eth_addr_from_string(vm->pseudo_mac, &rw->to_mac)
        || !ip_parse(vm->pseudo_ip, &rw->to_ip)
        || pseudo_id_layout_parse(&layout, chassis->datacenter->pseudo_layout)) {
        return false;
    }
    /* This host's own pseudo MAC: its position, VM index 0. */
    self = (struct pseudo_id) {
        .dc = chassis->datacenter->number,
        .pod = chassis->pod,
        .host = chassis->index,
    };
    return !pseudo_id_prefix(&layout, &self, PSEUDO_ID_SCOPE_HOST, NULL, NULL,
                             rw->src_mac.ea, NULL);
}

/* Arms held VM 'v''s departure flow for migration 'm' of 'vm': the pause
 * notice then redirects its traffic in the datapath, with one packet-out.
 * Its MAC stays pinned to its port until it has left.
 *
 * Toward another datacenter, the diverted frames are addressed to the VM's
 * pseudo identity, which its gateway sends on to the destination's
 * datacenter (gateway-flows.h, "in transit"). */
static void
fvm_arm(struct follow *f, struct fvm *v, struct flowctl *fc,
        const struct roamrec_vm *vm, const struct roamrec_migration *m,
        const struct roamrec_host *chassis)
{
    struct sset gates = SSET_INITIALIZER(&gates);

    v->cross_dc = cross_dc_rewrite(vm, m->dst, chassis, &v->depart_rw);
    v->dp_divert_id = (((uint64_t) f->dp_nonce << 32)
                       | (f->next_gate_id++ ? f->next_gate_id - 1 : 1));
    if (!f->next_gate_id) {
        f->next_gate_id = 1;
    }
    gate_departure_flows(fvm_gate_id(f, v), v->dp_divert_id, v->mac,
                         fvm_uplink(f, v->bridge), true,
                         v->cross_dc ? &v->depart_rw : NULL, &gates);
    fvm_set_gates(v, fc, &gates);
    v->armed_gen = v->change_gen;
    fvm_pin(f, v, v->port_name);
    v->pin_until = 0;
    COVERAGE_INC(departure_arm);
    if (v->cross_dc) {
        VLOG_INFO("VM %s: a migration to another datacenter is pending; "
                  "departure flow armed (datapath gate %#"PRIx64"): its "
                  "frames go to the uplink as "ETH_ADDR_FMT, v->iface_id,
                  v->dp_divert_id, ETH_ADDR_ARGS(v->depart_rw.to_mac));
    } else {
        VLOG_INFO("VM %s: a migration away is pending; departure flow armed "
                  "(datapath gate %#"PRIx64")", v->iface_id,
                  v->dp_divert_id);
    }
}

/* Undoes fvm_arm() and any redirect: 'v''s traffic is delivered here. */
static void
fvm_disarm(struct follow *f, struct fvm *v, struct flowctl *fc)
{
    struct sset none = SSET_INITIALIZER(&none);

    COVERAGE_INC(departure_disarm);
    fvm_set_gates(v, fc, &none);
    v->dp_divert_id = 0;
    v->cross_dc = false;
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
        COVERAGE_INC(departure_redirect);
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

    COVERAGE_INC(departure_pause);
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
        COVERAGE_INC(departure_pause_in_datapath);
    }
    /* The redirect as a flow too: it has the armed flow's match, so it
     * replaces it, and it outlives the datapath gate. */
    gate_departure_flows(fvm_gate_id(f, v), 0, v->mac,
                         fvm_uplink(f, v->bridge), false,
                         v->cross_dc ? &v->depart_rw : NULL, &gates);
    fvm_set_gates(v, fc, &gates);
    v->pause_gen = v->change_gen;
    VLOG_INFO("VM %s: paused; redirecting its traffic to the uplink%s",
              v->iface_id, v->pause_barrier ? " (armed: in the datapath)"
              : "");
    fvm_check_redirect(f, v, fc);
}

/* Departure of held VM 'v' ('vm'): arms the departure flow while a
 * migration away is pending, records the pause notice, and stops
 * redirecting if the VM does not resume elsewhere in time. */
void
departure_run(struct follow *f, struct fvm *v, const struct roamrec_vm *vm,
              const struct roamd_ctx *ctx)
{
    struct flowctl *fc = shash_find_data(ctx->flowctls, v->bridge);
    struct ovsdb_idl *roam_idl = ctx->roam_idl;
    struct ovsdb_idl_txn *txn = ctx->roam_txn;
    const struct roamrec_host *chassis = ctx->chassis;
    const struct roamrec_migration *m = departure_pending(roam_idl, vm,
                                                          chassis);

    if (!v->paused && m && migration_row_time(m, "pause") >= 0) {
        /* "roamctl migrate-out": the pause notice, through the database. */
        fvm_pause(f, v, fc, time_usec());
    }
    if (!v->paused) {
        if (m && !v->dp_divert_id
            && fvm_uplink(f, v->bridge) != OFPP_NONE) {
            fvm_arm(f, v, fc, vm, m, chassis);
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
        COVERAGE_INC(departure_no_resume);
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

/* Held VM 'v' ('vm') left: a higher sequence number places it elsewhere.
 * Its send rules go (S1.2); its receive rules point at the uplink (S1.3),
 * and so does all other traffic for it, until stragglers stop. */
void
departure_leave(struct follow *f, struct fvm *v, const struct roamrec_vm *vm,
                const struct roamd_ctx *ctx)
{
    struct flowctl *fc = shash_find_data(ctx->flowctls, v->bridge);
    ofp_port_t up = fvm_uplink(f, v->bridge);
    struct sset gates = SSET_INITIALIZER(&gates);
    struct oflows flows;

    COVERAGE_INC(departure_leave);
    VLOG_INFO("VM %s: moved to %s; redirecting its receive rules for %lld "
              "ms", vm->name, vm->host ? vm->host->name : "no host",
              f->straggler_ms);
    struct gate_rewrite rw;
    bool cross = cross_dc_rewrite(vm, vm->host, ctx->chassis, &rw);

    if (cross && v->cross_dc) {
        /* To its old pseudo identity, which its new datacenter's gateway
         * takes back to its real one even before it sees it arrive. */
        rw.to_mac = v->depart_rw.to_mac;
        rw.to_ip = v->depart_rw.to_ip;
    }

    rule_sync_render(vm, up, true, &flows);
    fvm_set_flows(v, fc, &flows);
    /* To another datacenter: addressed to a pseudo identity of its. */
    gate_departure_flows(fvm_gate_id(f, v), 0, v->mac, up, false,
                         cross ? &rw : NULL, &gates);
    fvm_set_gates(v, fc, &gates);
    fvm_answer_waiters(v, NULL);
    v->state = FVM_LEAVING;
    v->paused = false;
    v->dp_divert_id = 0;
    v->cross_dc = false;
    v->deadline = time_msec() + f->straggler_ms;
    v->seq = vm->seq;
    /* Until stragglers stop, the VM is behind the uplink here, whatever its
     * late frames teach the bridge. */
    fvm_pin(f, v, fvm_uplink_name(f, v->bridge));
    departure_record_leaving(v, vm, ctx);
}

/* Writes to left VM 'v''s Migration row ("migrate-out", and how soon
 * the redirect was in force) what the replica does not show yet. */
void
departure_record_leaving(struct fvm *v, const struct roamrec_vm *vm,
                         const struct roamd_ctx *ctx)
{
    struct ovsdb_idl *roam_idl = ctx->roam_idl;
    struct ovsdb_idl_txn *txn = ctx->roam_txn;
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

/* Records that 'v''s departure is complete.  Returns true once the
 * replica shows it (or there is nothing to record). */
bool
departure_record_complete(struct fvm *v, const struct roamd_ctx *ctx)
{
    struct ovsdb_idl *roam_idl = ctx->roam_idl;
    struct ovsdb_idl_txn *txn = ctx->roam_txn;
    const struct roamrec_vm *vm = roamdb_vm_by_iface_id(ctx->db, v->iface_id);
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

/* The pause notice, at 'notice_us', for 'v', which this host holds or has
 * just left: see follow_pause(). */
int
departure_pause(struct follow *f, struct fvm *v, const struct shash *flowctls,
                long long int notice_us, struct unixctl_conn *conn)
{
    struct flowctl *fc = shash_find_data(flowctls, v->bridge);

    if (!fc || (v->state != FVM_HELD && v->state != FVM_LEAVING)) {
        return ENOENT;
    }
    if (v->state == FVM_HELD && !v->paused) {
        if (fvm_uplink(f, v->bridge) == OFPP_NONE) {
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

/* The resume notice for held VM 'v': if it was paused, it did not leave
 * after all, and its traffic is delivered here again.  Returns 0, or
 * ENOENT if 'v' is not held here. */
int
departure_resume(struct follow *f, struct fvm *v,
                 const struct shash *flowctls)
{
    struct flowctl *fc = shash_find_data(flowctls, v->bridge);

    if (v->state != FVM_HELD || !fc) {
        return ENOENT;
    }
    if (v->paused) {
        VLOG_WARN("VM %s: resumed here after its pause notice; delivering "
                  "its traffic here again", v->iface_id);
        fvm_answer_waiters(v, "the VM resumed here");
        fvm_disarm(f, v, fc);
    }
    return 0;
}

/* Answers pause notices whose redirect has come into force.  Cheap: call
 * it as soon as flowctl has read the switch's replies. */
void
departure_run_pauses(struct follow *f, const struct shash *flowctls)
{
    struct fvm *v;

    HMAP_FOR_EACH (v, node, &f->vms) {
        if (v->paused && (v->n_waiters || v->redirect_us < 0)) {
            fvm_check_redirect(f, v, shash_find_data(flowctls, v->bridge));
        }
    }
}
