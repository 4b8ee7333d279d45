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

#include "roamd/core/flowctl.h"

#include <errno.h>

#include "byte-order.h"
#include "coverage.h"
#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-bundle.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-monitor.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofp-print.h"
#include "openvswitch/ofp-switch.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/rconn.h"
#include "openvswitch/vlog.h"
#include "roamd/core/flowctl-desired.h"
#include "roamd/core/flowctl-installed.h"
#include "roamd/core/flowctl-view.h"
#include "roamd/core/oflow.h"
#include "simap.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(flowctl);

COVERAGE_DEFINE(flowctl_bundle);
COVERAGE_DEFINE(flowctl_bundle_failed);
COVERAGE_DEFINE(flowctl_resync);
COVERAGE_DEFINE(flowctl_full_diff);
COVERAGE_DEFINE(flowctl_packet_in);
COVERAGE_DEFINE(flowctl_flow_update);
COVERAGE_DEFINE(flowctl_view_refresh);
COVERAGE_DEFINE(flowctl_packet_in_dropped);

/* Packet-ins queued for the caller at most; more are dropped (and
 * counted), so that a flood cannot grow roamd without bound. */
#define MAX_PACKET_INS 4096

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

#define OF_VERSION OFP15_VERSION

enum flowctl_state {
    S_DISCONNECTED,     /* Waiting for the connection. */
    S_DUMPING,          /* Reading what the switch holds. */
    S_IDLE,             /* In step, or ready to send a bundle. */
    S_ADDING,           /* Bundle opened and filled; barrier outstanding. */
    S_COMMITTING,       /* Bundle committed; barrier outstanding. */
};

struct flowctl {
    char *bridge;
    struct rconn *rconn;
    unsigned int conn_seqno;
    enum flowctl_state state;

    struct flowctl_desired desired;     /* What callers want. */
    struct hmap installed;      /* What we put on the switch and own
                                 * (flowctl-installed.h). */
    struct hmap previous;       /* 'installed' before a reconciliation
                                 * dump, while it runs. */

    /* The flow_mods of the bundle in flight, applied to 'installed' when
     * it commits. */
    struct bundle_op *ops;
    size_t n_ops, allocated_ops;

    uint64_t desired_gen;       /* Bumped by every change to 'desired'. */
    uint64_t applied_gen;       /* Generation the switch holds. */
    uint64_t inflight_gen;      /* Generation of the bundle in flight. */
    uint64_t failed_gen;        /* Last generation the switch refused. */

    ovs_be32 dump_xid;
    ovs_be32 barrier_xid;
    uint32_t bundle_id;
    bool bundle_failed;
    bool resynced;              /* Dumped: compare even if applied. */
    bool full_diff;             /* The next commit compares every flow,
                                 * not only the desired table's journal
                                 * (flowctl-desired.h). */
    char *last_error;

    /* The switch's whole flow table, hand-added flows included.  A flow
     * that flowctl installed is shared with 'installed', not copied. */
    struct flowctl_view view;
    ovs_be32 view_xid;

    /* The flow statistics request in flight (flowctl_request_stats()). */
    bool stats_in_flight;
    ovs_be32 stats_xid;
    flowctl_stats_cb *stats_cb;
    flowctl_stats_done_cb *stats_done;
    void *stats_aux;

    bool view_wanted;           /* Start a view dump when possible. */
    bool view_in_flight;
    uint64_t view_gen;          /* Applied generation 'view' reflects. */
    uint64_t view_next_gen;
    unsigned int view_seqno;    /* Incremented for each complete view. */
    long long int view_started; /* time_msec() the dump in flight began. */
    long long int view_ms;      /* How long the last complete dump took. */

    /* A flow monitor on every table tells when the switch's flows change,
     * so that an unchanged table is not read again.  It starts with the
     * first flowctl_refresh_view(): a caller that never refreshes (the
     * client edge) spares the switch an update per flow change, which
     * ovs-vswitchd's main thread would compose in the middle of a flip. */
    ovs_be32 monitor_xid;
    bool monitor_wanted;        /* Someone refreshes views. */
    bool monitor_sent;          /* On this connection. */
    bool monitor_ok;            /* The switch accepted the monitor. */
    bool view_dirty;            /* Flows may have changed since the last
                                 * view began. */

    /* Callers' barriers (flowctl_barrier()), oldest first.  The switch
     * answers barriers in order, so the n-th reply completes the n-th. */
    ovs_be32 *barrier_xids;
    size_t n_barriers, allocated_barriers;
    uint64_t barriers_sent;
    uint64_t barriers_done;

    /* Packet-ins (NXT_PACKET_IN2) not yet taken by the caller. */
    struct ovs_list packet_ins;
    size_t n_packet_ins;
};

/* A flow_mod of the bundle in flight. */
struct bundle_op {
    uint16_t command;           /* OFPFC_ADD, OFPFC_MODIFY_STRICT or
                                 * OFPFC_DELETE_STRICT. */
    struct oflow *flow;         /* A reference. */
};

static void
ops_clear(struct flowctl *fc)
{
    for (size_t i = 0; i < fc->n_ops; i++) {
        oflow_unref(fc->ops[i].flow);
    }
    fc->n_ops = 0;
}

/* Returns a new flowctl for 'bridge' that connects to 'target' (an OpenFlow
 * active connection method: "unix:RUNDIR/BRIDGE.mgmt" for a local bridge,
 * or "tcp:IP:PORT" for a switch elsewhere).  The caller owns it and frees
 * it with flowctl_destroy(). */
struct flowctl *
flowctl_create(const char *bridge, const char *target)
{
    struct flowctl *fc = xzalloc(sizeof *fc);

    fc->bridge = xstrdup(bridge);
    fc->rconn = rconn_create(5, 4, 0, 1u << OF_VERSION);
    rconn_connect(fc->rconn, target, bridge);
    fc->conn_seqno = rconn_get_connection_seqno(fc->rconn);
    flowctl_desired_init(&fc->desired);
    hmap_init(&fc->installed);
    hmap_init(&fc->previous);
    flowctl_view_init(&fc->view);
    ovs_list_init(&fc->packet_ins);
    return fc;
}

void
flowctl_destroy(struct flowctl *fc)
{
    if (fc) {
        rconn_destroy(fc->rconn);
        flowctl_desired_destroy(&fc->desired);
        flowctl_installed_clear(&fc->installed);
        flowctl_installed_clear(&fc->previous);
        hmap_destroy(&fc->installed);
        hmap_destroy(&fc->previous);
        ops_clear(fc);
        free(fc->ops);
        flowctl_view_destroy(&fc->view);
        ofpbuf_list_delete(&fc->packet_ins);
        free(fc->last_error);
        free(fc->barrier_xids);
        free(fc->bridge);
        free(fc);
    }
}

static void OVS_PRINTF_FORMAT(2, 3)
set_error(struct flowctl *fc, const char *format, ...)
{
    va_list args;

    free(fc->last_error);
    va_start(args, format);
    fc->last_error = xvasprintf(format, args);
    va_end(args);
    VLOG_WARN_RL(&rl, "%s: %s", fc->bridge, fc->last_error);
}

static void
desired_changed(struct flowctl *fc, bool changed)
{
    if (changed) {
        fc->desired_gen++;
    }
}

/* Adds a flow to 'owner''s desired flows, replacing the owner's flow with
 * the same table, priority and match.  Copies 'match' and 'ofpacts'. */
void
flowctl_add_flow(struct flowctl *fc, const struct uuid *owner,
                 uint8_t table_id, uint16_t priority, ovs_be64 cookie,
                 const struct match *match, const struct ofpact *ofpacts,
                 size_t ofpacts_len)
{
    struct oflow *f = oflow_create_from_match(table_id, priority, cookie,
                                              match, ofpacts, ofpacts_len);

    desired_changed(fc, flowctl_desired_add(&fc->desired, owner, f));
}

/* Like flowctl_add_flow(), for 'flow' in ovs-ofctl syntax, as an operator
 * or a test writes it.  Returns 0, or EINVAL with a malloc()'d message in
 * '*errorp' (if nonnull). */
int
flowctl_add_flow_text(struct flowctl *fc, const struct uuid *owner,
                      const char *flow, char **errorp)
{
    struct oflow *f;
    int error = oflow_parse(flow, NULL, &f, errorp);

    if (!error) {
        desired_changed(fc, flowctl_desired_add(&fc->desired, owner, f));
    }
    return error;
}

/* Makes 'owner''s desired flows exactly those of 'flows', whose flows this
 * takes over ('flows' is left empty).  Returns true if the desired table
 * changed: if the owner already had exactly these flows, nothing does, and
 * the desired generation stays. */
bool
flowctl_replace_owner(struct flowctl *fc, const struct uuid *owner,
                      struct oflows *flows)
{
    bool changed = flowctl_desired_replace(&fc->desired, owner, flows);

    desired_changed(fc, changed);
    return changed;
}

/* Removes every desired flow of 'owner'. */
void
flowctl_remove_owner(struct flowctl *fc, const struct uuid *owner)
{
    desired_changed(fc, flowctl_desired_remove_owner(&fc->desired, owner));
}

/* How many flows 'owner' desires (including any that wait behind another
 * owner's claim of the same table, priority and match). */
size_t
flowctl_owner_count(const struct flowctl *fc, const struct uuid *owner)
{
    return flowctl_desired_owner_count(&fc->desired, owner);
}

/* Parses 'flow' (ovs-ofctl syntax: table, priority and match; actions
 * ignored) into a flow that names its key. */
static int
parse_key(const char *flow, struct oflow **fp, char **errorp)
{
    char *key = xstrdup(flow);
    char *cut = strstr(key, "actions=");
    int error;

    if (cut) {
        *cut = '\0';
    }
    char *flow_add = xasprintf("%s%sactions=drop", key,
                               key[0] && key[strlen(key) - 1] != ','
                               ? "," : "");
    error = oflow_parse(flow_add, NULL, fp, errorp);
    free(flow_add);
    free(key);
    return error;
}

/* Removes the desired flow that 'flow' (ovs-ofctl syntax: table, priority
 * and match; actions ignored) names, whoever owns it.  Returns 0, ENOENT
 * if there is none, or EINVAL with a malloc()'d message in '*errorp'. */
int
flowctl_remove_flow_text(struct flowctl *fc, const char *flow, char **errorp)
{
    struct oflow *key;
    int error = parse_key(flow, &key, errorp);

    if (error) {
        return error;
    }
    bool found = flowctl_desired_remove_key(&fc->desired, key);
    oflow_unref(key);
    desired_changed(fc, found);
    return found ? 0 : ENOENT;
}

/* If the switch's current view holds a flow exactly like 'f' (same table,
 * priority, match, cookie and actions), takes ownership of it without
 * desiring it, so that the next commit deletes it, and returns true.
 * roamd uses this to remove rules that a previous roamd process installed
 * and no longer knows about. */
bool
flowctl_disown_like(struct flowctl *fc, const struct oflow *f)
{
    const struct oflow *v = flowctl_view_find(&fc->view, f);

    return v && oflow_same_contents(v, f) && flowctl_disown(fc, v);
}

/* Like flowctl_disown_like(), for 'f', a flow of the current view
 * (flowctl_view()).  Returns false if flowctl already desires or owns a
 * flow with its table, priority and match. */
bool
flowctl_disown(struct flowctl *fc, const struct oflow *f)
{
    if (flowctl_desired_find(&fc->desired, f->table_id, f->priority,
                             f->hash, &f->match)
        || flowctl_installed_find_flow(&fc->installed, f)) {
        return false;
    }
    flowctl_installed_set(&fc->installed, oflow_ref(f));
    flowctl_desired_touch(&fc->desired, f);
    fc->desired_gen++;
    return true;
}

/* Removes every desired flow, whoever owns it. */
void
flowctl_clear(struct flowctl *fc)
{
    desired_changed(fc, flowctl_desired_clear(&fc->desired));
}

size_t
flowctl_count(const struct flowctl *fc)
{
    return flowctl_desired_count(&fc->desired);
}

/* Adds 'fc''s flow counts to 'usage', for "memory/show". */
void
flowctl_get_memory_usage(const struct flowctl *fc, struct simap *usage)
{
    simap_increase(usage, "desired-flows",
                   flowctl_desired_count(&fc->desired));
    simap_increase(usage, "installed-flows", hmap_count(&fc->installed));
    simap_increase(usage, "view-flows", fc->view.flows.n);
}

uint64_t
flowctl_desired_gen(const struct flowctl *fc)
{
    return fc->desired_gen;
}

uint64_t
flowctl_applied_gen(const struct flowctl *fc)
{
    return fc->applied_gen;
}

uint64_t
flowctl_failed_gen(const struct flowctl *fc)
{
    return fc->failed_gen;
}

bool
flowctl_is_connected(const struct flowctl *fc)
{
    return rconn_is_connected(fc->rconn);
}

const char *
flowctl_last_error(const struct flowctl *fc)
{
    return fc->last_error;
}

static ovs_be32
send_msg(struct flowctl *fc, struct ofpbuf *msg)
{
    ovs_be32 xid = ((struct ofp_header *) msg->data)->xid;

    rconn_send(fc->rconn, msg, NULL);
    return xid;
}

/* Asks for every flow in every table; returns the request's xid. */
static ovs_be32
send_flow_dump(struct flowctl *fc)
{
    struct ofputil_flow_stats_request fsr;

    memset(&fsr, 0, sizeof fsr);
    match_init_catchall(&fsr.match);
    fsr.table_id = 0xff;
    fsr.out_port = OFPP_ANY;
    fsr.out_group = OFPG_ANY;
    return send_msg(fc, ofputil_encode_flow_stats_request(
                        &fsr, OFPUTIL_P_OF15_OXM));
}

/* Calls 'cb' for every flow in flow stats reply 'oh'.  Returns true if it
 * was the last reply of its dump. */
static bool
for_each_dumped_flow(struct flowctl *fc, const struct ofp_header *oh,
                     void (*cb)(struct flowctl *,
                                const struct ofputil_flow_stats *))
{
    struct ofpbuf msg = ofpbuf_const_initializer(oh, ntohs(oh->length));
    struct ofpbuf ofpacts;

    ofpbuf_init(&ofpacts, 64);
    for (;;) {
        struct ofputil_flow_stats fs;
        int retval;

        retval = ofputil_decode_flow_stats_reply(&fs, &msg, false, &ofpacts);
        if (retval) {
            if (retval != EOF) {
                set_error(fc, "bad flow stats reply: %s",
                          ofperr_to_string(retval));
            }
            break;
        }
        cb(fc, &fs);
    }
    ofpbuf_uninit(&ofpacts);
    return !ofpmp_more(oh);
}

static void
start_dump(struct flowctl *fc)
{
    COVERAGE_INC(flowctl_resync);
    fc->dump_xid = send_flow_dump(fc);
    /* 'previous' keeps naming the flows we own; the dump refreshes
     * 'installed'. */
    flowctl_installed_clear(&fc->previous);
    flowctl_installed_swap(&fc->installed, &fc->previous);
    fc->state = S_DUMPING;
}

/* Returns a reference to a flow like 'fs' (with match 'match'), shared
 * with 'like' if that has the same contents. */
static struct oflow *
dumped_flow(const struct ofputil_flow_stats *fs, const struct minimatch *match,
            const struct oflow *like)
{
    if (like && like->cookie == fs->cookie
        && ofpacts_equal(like->ofpacts, like->ofpacts_len,
                         fs->ofpacts, fs->ofpacts_len)) {
        return oflow_ref(like);
    }
    return oflow_create(fs->table_id, fs->priority, fs->cookie, match,
                        fs->ofpacts, fs->ofpacts_len);
}

/* Takes one flow of a reconciliation dump into 'installed': ours if it is
 * desired, or was installed by us before the connection dropped. */
static void
dump_flow(struct flowctl *fc, const struct ofputil_flow_stats *fs)
{
    const struct oflow *d;
    struct minimatch match;
    uint32_t hash;

    minimatch_init(&match, &fs->match);
    hash = oflow_key_hash(fs->table_id, fs->priority, &match);
    d = flowctl_desired_find(&fc->desired, fs->table_id, fs->priority, hash,
                             &match);
    if (d || flowctl_installed_find(&fc->previous, fs->table_id,
                                    fs->priority, hash, &match)) {
        flowctl_installed_set(&fc->installed, dumped_flow(fs, &match, d));
    }
    minimatch_destroy(&match);
}

static void
process_dump_reply(struct flowctl *fc, const struct ofp_header *oh)
{
    if (for_each_dumped_flow(fc, oh, dump_flow)) {
        flowctl_installed_clear(&fc->previous);
        fc->resynced = true;
        fc->full_diff = true;
        fc->state = S_IDLE;
    }
}

/* Adds a flow_mod for 'e' to the bundle in 'msgs', and remembers it, to
 * apply it to 'installed' once the bundle commits. */
static void
put_flow_mod(struct flowctl *fc, struct ovs_list *msgs, uint16_t command,
             const struct oflow *e)
{
    struct ofputil_bundle_add_msg bam;
    struct ofputil_flow_mod fm;
    struct ofpbuf *fm_msg;

    memset(&fm, 0, sizeof fm);
    fm.match = e->match;
    fm.priority = e->priority;
    fm.new_cookie = e->cookie;
    fm.modify_cookie = command == OFPFC_MODIFY_STRICT;
    fm.table_id = e->table_id;
    fm.command = command;
    fm.buffer_id = UINT32_MAX;
    fm.out_port = OFPP_ANY;
    fm.out_group = OFPG_ANY;
    fm.ofpacts = command == OFPFC_DELETE_STRICT ? NULL : e->ofpacts;
    fm.ofpacts_len = command == OFPFC_DELETE_STRICT ? 0 : e->ofpacts_len;
    fm_msg = ofputil_encode_flow_mod(&fm, OFPUTIL_P_OF15_OXM);

    memset(&bam, 0, sizeof bam);
    bam.bundle_id = fc->bundle_id;
    bam.flags = OFPBF_ORDERED | OFPBF_ATOMIC;
    bam.msg = fm_msg->data;
    ovs_list_push_back(msgs, &ofputil_encode_bundle_add(OF_VERSION,
                                                        &bam)->list_node);
    ofpbuf_delete(fm_msg);

    if (fc->n_ops >= fc->allocated_ops) {
        fc->ops = x2nrealloc(fc->ops, &fc->allocated_ops, sizeof *fc->ops);
    }
    fc->ops[fc->n_ops++] = (struct bundle_op) {
        .command = command,
        .flow = oflow_ref(e),
    };
}

static struct ofpbuf *
bundle_ctrl(struct flowctl *fc, uint16_t type)
{
    struct ofputil_bundle_ctrl_msg bc = {
        .bundle_id = fc->bundle_id,
        .type = type,
        .flags = OFPBF_ORDERED | OFPBF_ATOMIC,
    };
    return ofputil_encode_bundle_ctrl_request(OF_VERSION, &bc);
}

/* Sends the difference between 'desired' and 'installed' as one bundle. */
static void
commit(struct flowctl *fc)
{
    struct ovs_list msgs = OVS_LIST_INITIALIZER(&msgs);
    const struct desired_claim *d;
    const struct flowctl_installed_flow *i;
    struct ofpbuf *msg;
    size_t n = 0;

    fc->bundle_id++;
    ops_clear(fc);
    if (fc->full_diff || flowctl_desired_all_touched(&fc->desired)) {
        /* Everything: after a reconciliation or a failed bundle, or when
         * much changed. */
        COVERAGE_INC(flowctl_full_diff);
        FLOWCTL_DESIRED_FOR_EACH (d, &fc->desired) {
            i = flowctl_installed_find_flow(&fc->installed, d->flow);
            if (!i) {
                put_flow_mod(fc, &msgs, OFPFC_ADD, d->flow);
                n++;
            } else if (!oflow_same_contents(i->flow, d->flow)) {
                put_flow_mod(fc, &msgs, OFPFC_MODIFY_STRICT, d->flow);
                n++;
            }
        }
        HMAP_FOR_EACH (i, node, &fc->installed) {
            if (!flowctl_desired_find(&fc->desired, i->flow->table_id,
                                      i->flow->priority, i->flow->hash,
                                      &i->flow->match)) {
                put_flow_mod(fc, &msgs, OFPFC_DELETE_STRICT, i->flow);
                n++;
            }
        }
    } else {
        /* Only the keys whose desired flow changed. */
        const struct desired_touch *t;

        FLOWCTL_DESIRED_FOR_EACH_TOUCHED (t, &fc->desired) {
            const struct oflow *k = t->key;
            const struct oflow *want = flowctl_desired_find(
                &fc->desired, k->table_id, k->priority, k->hash, &k->match);

            i = flowctl_installed_find_flow(&fc->installed, k);
            if (want && !i) {
                put_flow_mod(fc, &msgs, OFPFC_ADD, want);
                n++;
            } else if (want && !oflow_same_contents(i->flow, want)) {
                put_flow_mod(fc, &msgs, OFPFC_MODIFY_STRICT, want);
                n++;
            } else if (!want && i) {
                put_flow_mod(fc, &msgs, OFPFC_DELETE_STRICT, i->flow);
                n++;
            }
        }
    }
    flowctl_desired_clear_touched(&fc->desired);
    fc->full_diff = false;

    if (!n) {
        fc->applied_gen = fc->desired_gen;
        return;
    }

    /* Open and fill the bundle, then wait for a barrier before committing:
     * a flow_mod the switch refuses at add time is left out of the bundle
     * rather than failing it, so committing blindly would apply the rest. */
    COVERAGE_INC(flowctl_bundle);
    send_msg(fc, bundle_ctrl(fc, OFPBCT_OPEN_REQUEST));
    LIST_FOR_EACH_POP (msg, list_node, &msgs) {
        send_msg(fc, msg);
    }
    fc->barrier_xid = send_msg(fc,
                               ofputil_encode_barrier_request(OF_VERSION));
    fc->inflight_gen = fc->desired_gen;
    fc->bundle_failed = false;
    fc->state = S_ADDING;
    VLOG_DBG("%s: filled bundle %"PRIu32" with %"PRIuSIZE" flow_mods for "
             "generation %"PRIu64, fc->bridge, fc->bundle_id, n,
             fc->inflight_gen);
}

/* The bundle is filled: commit it, or discard it if any part failed. */
static void
finish_bundle(struct flowctl *fc)
{
    if (fc->bundle_failed) {
        send_msg(fc, bundle_ctrl(fc, OFPBCT_DISCARD_REQUEST));
        COVERAGE_INC(flowctl_bundle_failed);
        fc->failed_gen = fc->inflight_gen;
        fc->full_diff = true;
        ops_clear(fc);
        fc->state = S_IDLE;
        return;
    }
    send_msg(fc, bundle_ctrl(fc, OFPBCT_COMMIT_REQUEST));
    fc->barrier_xid = send_msg(fc,
                               ofputil_encode_barrier_request(OF_VERSION));
    fc->state = S_COMMITTING;
}

static void
process_barrier_reply(struct flowctl *fc)
{
    if (fc->bundle_failed) {
        /* The bundle was atomic: nothing of it took effect. */
        COVERAGE_INC(flowctl_bundle_failed);
        fc->failed_gen = fc->inflight_gen;
        fc->full_diff = true;
    } else {
        for (size_t k = 0; k < fc->n_ops; k++) {
            struct bundle_op *op = &fc->ops[k];

            if (op->command == OFPFC_DELETE_STRICT) {
                struct flowctl_installed_flow *i
                    = flowctl_installed_find_flow(&fc->installed, op->flow);
                if (i) {
                    flowctl_installed_remove(&fc->installed, i);
                }
            } else {
                flowctl_installed_set(&fc->installed, oflow_ref(op->flow));
            }
        }
        fc->applied_gen = fc->inflight_gen;
    }
    ops_clear(fc);
    fc->state = S_IDLE;
}

/* Asks the switch to report every change to any flow in any table (only
 * that something changed: no initial flows, no actions). */
static void
start_monitor(struct flowctl *fc)
{
    struct ofputil_flow_monitor_request rq = {
        .id = 1,
        .command = OFPFMC_ADD,
        .flags = OFPFMF_ADD | OFPFMF_REMOVED | OFPFMF_MODIFY,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .table_id = 0xff,
    };
    struct ofpbuf *msg = ofpbuf_new(0);

    match_init_catchall(&rq.match);
    ofputil_append_flow_monitor_request(&rq, msg, OFPUTIL_P_OF15_OXM);
    ofpmsg_update_length(msg);
    fc->monitor_xid = send_msg(fc, msg);
    fc->monitor_sent = true;
    fc->monitor_ok = true;
    fc->view_dirty = true;
}

static void
start_view(struct flowctl *fc)
{
    fc->view_dirty = false;
    fc->view_xid = send_flow_dump(fc);
    flowctl_view_start(&fc->view);
    fc->view_started = time_msec();
    /* The switch answers in order, so the view reflects everything
     * applied so far. */
    fc->view_next_gen = fc->applied_gen;
    fc->view_wanted = false;
    fc->view_in_flight = true;
}

/* Takes one flow of a view dump, whatever it is. */
static void
view_flow(struct flowctl *fc, const struct ofputil_flow_stats *fs)
{
    const struct flowctl_installed_flow *i;
    struct minimatch match;

    minimatch_init(&match, &fs->match);
    i = flowctl_installed_find(&fc->installed, fs->table_id, fs->priority,
                               oflow_key_hash(fs->table_id, fs->priority,
                                              &match),
                               &match);
    flowctl_view_add(&fc->view, dumped_flow(fs, &match, i ? i->flow : NULL));
    minimatch_destroy(&match);
}

static void
process_view_reply(struct flowctl *fc, const struct ofp_header *oh)
{
    if (for_each_dumped_flow(fc, oh, view_flow)) {
        flowctl_view_complete(&fc->view);
        fc->view_ms = time_msec() - fc->view_started;
        if (fc->view_ms >= 100) {
            static struct vlog_rate_limit view_rl
                = VLOG_RATE_LIMIT_INIT(1, 1);

            VLOG_INFO_RL(&view_rl, "flow table of %s read in %lld ms "
                         "(%"PRIuSIZE" flows)", fc->bridge, fc->view_ms,
                         fc->view.flows.n);
        }
        fc->view_gen = fc->view_next_gen;
        fc->view_seqno++;
        fc->view_in_flight = false;
    }
}

/* One flow of the statistics request in flight, to its caller. */
static void
stats_flow(struct flowctl *fc, const struct ofputil_flow_stats *fs)
{
    fc->stats_cb(fc->stats_aux, fs);
}

/* One reply of the statistics request in flight. */
static void
process_stats_reply(struct flowctl *fc, const struct ofp_header *oh)
{
    if (for_each_dumped_flow(fc, oh, stats_flow)) {
        fc->stats_in_flight = false;
        fc->stats_done(fc->stats_aux);
    }
}

/* See flowctl.h. */
int
flowctl_request_stats(struct flowctl *fc, uint8_t table_id, ovs_be64 cookie,
                      ovs_be64 cookie_mask, flowctl_stats_cb *cb,
                      flowctl_stats_done_cb *done, void *aux)
{
    struct ofputil_flow_stats_request fsr;

    if (!flowctl_is_connected(fc)) {
        return ENOTCONN;
    } else if (fc->stats_in_flight) {
        return EBUSY;
    }
    memset(&fsr, 0, sizeof fsr);
    match_init_catchall(&fsr.match);
    fsr.table_id = table_id;
    fsr.out_port = OFPP_ANY;
    fsr.out_group = OFPG_ANY;
    fsr.cookie = cookie;
    fsr.cookie_mask = cookie_mask;
    fc->stats_xid = send_msg(fc, ofputil_encode_flow_stats_request(
                                 &fsr, OFPUTIL_P_OF15_OXM));
    fc->stats_in_flight = true;
    fc->stats_cb = cb;
    fc->stats_done = done;
    fc->stats_aux = aux;
    return 0;
}

/* Asks for a fresh view of every flow on the switch, hand-added flows
 * included; flowctl_view_seqno() changes when it is complete. */
void
flowctl_request_view(struct flowctl *fc)
{
    fc->view_wanted = true;
}

/* Like flowctl_request_view(), but only if the switch's flows may have
 * changed since the last view began: the switch reported a change, or
 * cannot report changes.  An idle switch is then never read again. */
void
flowctl_refresh_view(struct flowctl *fc)
{
    fc->monitor_wanted = true;
    if (fc->view_dirty || !fc->monitor_ok) {
        COVERAGE_INC(flowctl_view_refresh);
        fc->view_wanted = true;
    }
}

/* Returns the latest complete view of the switch's flows (owned by 'fc')
 * as an array, stores its size in '*n', and stores in '*gen' (if nonnull)
 * the applied generation it reflects at least. */
struct oflow *const *
flowctl_view(const struct flowctl *fc, size_t *n, uint64_t *gen)
{
    if (gen) {
        *gen = fc->view_gen;
    }
    *n = fc->view.flows.n;
    return fc->view.flows.flows;
}

unsigned int
flowctl_view_seqno(const struct flowctl *fc)
{
    return fc->view_seqno;
}

/* How long, in ms, the last complete view took to read. */
long long int
flowctl_view_ms(const struct flowctl *fc)
{
    return fc->view_ms;
}

static void
process_msg(struct flowctl *fc, const struct ofp_header *oh)
{
    enum ofptype type;

    if (ofptype_decode(&type, oh)) {
        return;
    }
    if (type == OFPTYPE_ERROR && oh->xid == fc->monitor_xid
        && fc->monitor_ok) {
        VLOG_WARN_RL(&rl, "%s: the switch refused a flow monitor (%s); "
                     "reading its flows again periodically", fc->bridge,
                     ofperr_to_string(ofperr_decode_msg(oh, NULL)));
        fc->monitor_ok = false;
    } else if (type == OFPTYPE_ERROR) {
        enum ofperr error = ofperr_decode_msg(oh, NULL);

        if (fc->state == S_ADDING || fc->state == S_COMMITTING) {
            /* The first error names the flow_mod that failed; the bundle's
             * own OFPBFC_MSG_FAILED may follow it. */
            if (!fc->bundle_failed) {
                fc->bundle_failed = true;
                set_error(fc, "switch refused generation %"PRIu64": %s",
                          fc->inflight_gen, ofperr_to_string(error));
            }
        } else {
            set_error(fc, "OpenFlow error: %s", ofperr_to_string(error));
        }
    } else if (type == OFPTYPE_FLOW_MONITOR_STATS_REPLY
               || type == OFPTYPE_FLOW_MONITOR_PAUSED
               || type == OFPTYPE_FLOW_MONITOR_RESUMED) {
        /* Some flow changed (or, paused, may have). */
        COVERAGE_INC(flowctl_flow_update);
        fc->view_dirty = true;
    } else if (type == OFPTYPE_PACKET_IN) {
        if (fc->n_packet_ins < MAX_PACKET_INS) {
            struct ofpbuf *copy = ofpbuf_clone_data(oh, ntohs(oh->length));

            COVERAGE_INC(flowctl_packet_in);
            ovs_list_push_back(&fc->packet_ins, &copy->list_node);
            fc->n_packet_ins++;
        } else {
            COVERAGE_INC(flowctl_packet_in_dropped);
        }
    } else if (type == OFPTYPE_FLOW_STATS_REPLY && fc->stats_in_flight
               && oh->xid == fc->stats_xid) {
        process_stats_reply(fc, oh);
    } else if (type == OFPTYPE_FLOW_STATS_REPLY && fc->view_in_flight
               && oh->xid == fc->view_xid) {
        process_view_reply(fc, oh);
    } else if (type == OFPTYPE_FLOW_STATS_REPLY && fc->state == S_DUMPING
               && oh->xid == fc->dump_xid) {
        process_dump_reply(fc, oh);
    } else if (type == OFPTYPE_BARRIER_REPLY && fc->n_barriers
               && oh->xid == fc->barrier_xids[0]) {
        fc->n_barriers--;
        memmove(fc->barrier_xids, fc->barrier_xids + 1,
                fc->n_barriers * sizeof *fc->barrier_xids);
        fc->barriers_done++;
    } else if (type == OFPTYPE_BARRIER_REPLY && oh->xid == fc->barrier_xid) {
        if (fc->state == S_ADDING) {
            finish_bundle(fc);
        } else if (fc->state == S_COMMITTING) {
            process_barrier_reply(fc);
        }
    }
}

void
flowctl_run(struct flowctl *fc)
{
    int i;

    rconn_run(fc->rconn);
    if (rconn_get_connection_seqno(fc->rconn) != fc->conn_seqno) {
        /* A new connection (ovs-vswitchd may have restarted): until the
         * switch has been reconciled, it does not hold the desired flows,
         * so they form a new generation. */
        fc->conn_seqno = rconn_get_connection_seqno(fc->rconn);
        fc->desired_gen++;
        fc->full_diff = true;
        if (fc->state == S_ADDING || fc->state == S_COMMITTING) {
            /* Whether a commit in flight took effect is unknown: the dump
             * on reconnection tells. */
            ops_clear(fc);
        } else if (fc->state == S_DUMPING) {
            /* Keep owning what the interrupted dump had not seen yet. */
            struct flowctl_installed_flow *i;

            HMAP_FOR_EACH_SAFE (i, node, &fc->previous) {
                if (!flowctl_installed_find_flow(&fc->installed, i->flow)) {
                    flowctl_installed_set(&fc->installed, oflow_ref(i->flow));
                }
                flowctl_installed_remove(&fc->previous, i);
            }
        }
        fc->state = S_DISCONNECTED;
        fc->monitor_sent = false;
        fc->monitor_ok = false;
        /* Barriers of the old connection will never be answered. */
        fc->n_barriers = 0;
        fc->barriers_done = fc->barriers_sent;
        if (fc->view_in_flight) {
            fc->view_in_flight = false;
            fc->view_wanted = true;
        }
        fc->stats_in_flight = false;
    }
    if (!rconn_is_connected(fc->rconn)) {
        return;
    }
    if (fc->state == S_DISCONNECTED) {
        /* A service connection gets packet-ins only once it sets a nonzero
         * miss_send_len; continuations need the NXT_PACKET_IN2 format. */
        struct ofputil_switch_config config = {
            .frag = OFPUTIL_FRAG_NORMAL,
            .invalid_ttl_to_controller = -1,
            .miss_send_len = UINT16_MAX,
        };

        send_msg(fc, ofputil_encode_set_config(&config, OF_VERSION));
        send_msg(fc, ofputil_encode_set_packet_in_format(
                     OF_VERSION, OFPUTIL_PACKET_IN_NXT2));
        start_dump(fc);
    }
    if (fc->monitor_wanted && !fc->monitor_sent) {
        start_monitor(fc);
    }

    for (i = 0; i < 50; i++) {
        struct ofpbuf *msg = rconn_recv(fc->rconn);

        if (!msg) {
            break;
        }
        process_msg(fc, msg->data);
        ofpbuf_delete(msg);
    }

    if (fc->state == S_IDLE
        && (fc->resynced || (fc->applied_gen != fc->desired_gen
                             && fc->failed_gen != fc->desired_gen))) {
        fc->resynced = false;
        commit(fc);
    }
    if (fc->state == S_IDLE && fc->view_wanted && !fc->view_in_flight) {
        start_view(fc);
    }
}

/* Returns the oldest packet-in the switch sent on this bridge's
 * connection, as a whole OpenFlow message, or NULL if there is none.  The
 * caller owns it and must ofpbuf_delete() it. */
struct ofpbuf *
flowctl_recv_packet_in(struct flowctl *fc)
{
    if (ovs_list_is_empty(&fc->packet_ins)) {
        return NULL;
    }
    fc->n_packet_ins--;
    return CONTAINER_OF(ovs_list_pop_front(&fc->packet_ins), struct ofpbuf,
                        list_node);
}

/* Returns an OpenFlow 1.5 packet-out of 'packet' ('packet_len' bytes) as
 * if it came in on 'in_port', with actions 'ofpacts'.  The caller owns the
 * message (flowctl_send() takes it). */
struct ofpbuf *
flowctl_packet_out(const void *packet, size_t packet_len, ofp_port_t in_port,
                   const struct ofpact *ofpacts, size_t ofpacts_len)
{
    struct ofputil_packet_out po;

    memset(&po, 0, sizeof po);
    po.packet = packet;
    po.packet_len = packet_len;
    po.buffer_id = UINT32_MAX;
    match_init_catchall(&po.flow_metadata);
    match_set_in_port(&po.flow_metadata, in_port);
    po.ofpacts = CONST_CAST(struct ofpact *, ofpacts);
    po.ofpacts_len = ofpacts_len;
    return ofputil_encode_packet_out(&po, OFPUTIL_P_OF15_OXM);
}

/* Sends 'msg' (an OpenFlow 1.5 message such as NXT_RESUME or a packet-out,
 * which this function takes over) on the bridge's connection.  Returns 0,
 * or ENOTCONN if there is no connection, in which case 'msg' is freed. */
int
flowctl_send(struct flowctl *fc, struct ofpbuf *msg)
{
    if (!rconn_is_connected(fc->rconn)) {
        ofpbuf_delete(msg);
        return ENOTCONN;
    }
    send_msg(fc, msg);
    return 0;
}

/* Sends a barrier after whatever was sent before it with flowctl_send()
 * and returns its sequence number: once flowctl_barriers_done() reaches
 * it, the switch has processed those messages (or the connection dropped;
 * see flowctl_is_connected()).  Returns 0, sending nothing, if there is no
 * connection. */
uint64_t
flowctl_barrier(struct flowctl *fc)
{
    if (!rconn_is_connected(fc->rconn)) {
        return 0;
    }
    if (fc->n_barriers >= fc->allocated_barriers) {
        fc->barrier_xids = x2nrealloc(fc->barrier_xids,
                                      &fc->allocated_barriers,
                                      sizeof *fc->barrier_xids);
    }
    fc->barrier_xids[fc->n_barriers++]
        = send_msg(fc, ofputil_encode_barrier_request(OF_VERSION));
    return ++fc->barriers_sent;
}

/* Changes whenever the connection to the switch goes up or down: a barrier
 * reply counts only on the connection its barrier went out on. */
unsigned int
flowctl_connection_seqno(const struct flowctl *fc)
{
    return rconn_get_connection_seqno(fc->rconn);
}

/* Returns the sequence number of the last barrier (flowctl_barrier()) that
 * the switch has answered, or that a lost connection ended. */
uint64_t
flowctl_barriers_done(const struct flowctl *fc)
{
    return fc->barriers_done;
}

void
flowctl_wait(struct flowctl *fc)
{
    if (!ovs_list_is_empty(&fc->packet_ins)
        || (fc->state == S_IDLE && rconn_is_connected(fc->rconn)
            && fc->applied_gen != fc->desired_gen
            && fc->failed_gen != fc->desired_gen)) {
        /* Work to hand over, or changes to commit. */
        poll_immediate_wake();
    }
    rconn_run_wait(fc->rconn);
    rconn_recv_wait(fc->rconn);
}
