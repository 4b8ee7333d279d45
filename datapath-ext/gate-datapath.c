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

/* The datapath side of roam_gate (see gate-action.h): the gates, their
 * queues and counters, execution of OVS_ACTION_ATTR_ROAM_GATE, its text
 * form, expiry and "roam/gate-show".  gate-action.c has the OpenFlow side
 * and translation. */

#include <config.h>

#include "roam/gate-action.h"

#include <errno.h>

#include "coverage.h"
#include "dp-packet.h"
#include "hash.h"
#include "netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/json.h"
#include "openvswitch/list.h"
#include "openvswitch/ofp-parse.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "smap.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(roam_gate_dp);

COVERAGE_DEFINE(roam_gate_held);
COVERAGE_DEFINE(roam_gate_released);
COVERAGE_DEFINE(roam_gate_delivered);
COVERAGE_DEFINE(roam_gate_passed);
COVERAGE_DEFINE(roam_gate_diverted);
COVERAGE_DEFINE(roam_gate_dropped);
COVERAGE_DEFINE(roam_gate_expired);
COVERAGE_DEFINE(roam_gate_over_cap);
COVERAGE_DEFINE(roam_gate_deferred_release);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

/* The datapath's gates. */

/* What a held packet runs once its gate opens: a copy of the hold's nested
 * actions, shared by consecutive packets held by the same actions. */
struct gate_actions {
    unsigned int ref;
    bool delivers;              /* Outputs to the hold's port. */
    size_t size;
    struct nlattr actions[];
};

struct held_packet {
    struct ovs_list node;       /* In struct gate's 'queue'. */
    struct dp_packet *packet;
    struct gate_actions *actions;
};

enum gate_state {
    GATE_CLOSED,                /* Holds. */
    GATE_RELEASING,             /* Opened; its queue is being run.  Holds,
                                 * so that nothing overtakes the queue. */
    GATE_OPEN,                  /* Lets through, diverts. */
};

static const char *
gate_state_name(enum gate_state state)
{
    switch (state) {
    case GATE_CLOSED:
        return "closed";
    case GATE_RELEASING:
        return "releasing";
    case GATE_OPEN:
        return "open";
    }
    return "?";
}

struct gate {
    struct hmap_node node;      /* In 'gates', by hash of 'id'. */
    uint64_t id;
    enum gate_state state;
    struct ovs_list queue;      /* Of struct held_packet, oldest first. */
    size_t n_queued;
    size_t bytes_queued;
    uint64_t n_held;            /* Ever queued. */
    uint64_t n_delivered;       /* Released to actions that output to the
                                 * hold's port. */
    uint64_t n_released_other;  /* Released to any other actions. */
    uint64_t n_passed;          /* Let through while open. */
    uint64_t n_diverted;        /* Diverted while open. */
    uint64_t n_dropped_full;    /* Queue at its limit. */
    uint64_t n_dropped_cap;     /* All gates at the byte cap. */
    uint64_t n_dropped_expired; /* Still queued when the gate expired. */
    long long int created;
    long long int opened;       /* 0 while closed. */
    long long int opened_us;    /* time_usec() it opened, 0 while closed. */
    long long int used;
};

static struct ovs_mutex mutex = OVS_MUTEX_INITIALIZER;
static struct hmap gates OVS_GUARDED_BY(mutex) = HMAP_INITIALIZER(&gates);
static long long int next_expiry OVS_GUARDED_BY(mutex);
static size_t total_bytes OVS_GUARDED_BY(mutex);
static size_t max_bytes OVS_GUARDED_BY(mutex) = ROAM_GATE_DEFAULT_MAX_BYTES;

/* For tests only ("roam/gate-set-release-delay"): how long a release
 * waits before each packet it runs, so that a test can send packets from
 * another thread while a release is under way. */
static atomic_uint release_delay_us = ATOMIC_VAR_INIT(0);

/* Per thread: gates opened by a packet that another gate's release runs
 * wait here until that release is done, so that chains of gates release
 * iteratively, not recursively. */
struct gate_release {
    int depth;                  /* Releases running on this thread. */
    uint64_t *pending;          /* Gates opened meanwhile, oldest first. */
    size_t n_pending, allocated;
};
DEFINE_STATIC_PER_THREAD_DATA(struct gate_release, gate_release, { 0 });

struct gate_attrs {
    uint64_t id;
    bool open;
    uint32_t limit;
    uint32_t port;              /* UINT32_MAX if none. */
    const struct nlattr *actions;
    const struct nlattr *divert;
};

static const struct nl_policy gate_policy[] = {
    [ROAM_GATE_ATTR_ID] = { .type = NL_A_U64 },
    [ROAM_GATE_ATTR_OPEN] = { .type = NL_A_FLAG, .optional = true },
    [ROAM_GATE_ATTR_LIMIT] = { .type = NL_A_U32, .optional = true },
    [ROAM_GATE_ATTR_ACTIONS] = { .type = NL_A_NESTED, .optional = true },
    [ROAM_GATE_ATTR_PORT] = { .type = NL_A_U32, .optional = true },
    [ROAM_GATE_ATTR_DIVERT] = { .type = NL_A_NESTED, .optional = true },
};

/* Parses datapath action 'a'.  Returns false if it is malformed: no id; a
 * hold without actions or limit, or with a divert; an open with anything
 * but its id; a divert without both lists, or with a limit or port. */
static bool
parse_attrs(const struct nlattr *a, struct gate_attrs *ga)
{
    struct nlattr *attrs[ARRAY_SIZE(gate_policy)];

    if (!nl_parse_nested(a, gate_policy, attrs, ARRAY_SIZE(gate_policy))) {
        return false;
    }
    ga->id = nl_attr_get_u64(attrs[ROAM_GATE_ATTR_ID]);
    ga->open = attrs[ROAM_GATE_ATTR_OPEN] != NULL;
    ga->limit = (attrs[ROAM_GATE_ATTR_LIMIT]
                 ? nl_attr_get_u32(attrs[ROAM_GATE_ATTR_LIMIT]) : 0);
    ga->port = (attrs[ROAM_GATE_ATTR_PORT]
                ? nl_attr_get_u32(attrs[ROAM_GATE_ATTR_PORT]) : UINT32_MAX);
    ga->actions = attrs[ROAM_GATE_ATTR_ACTIONS];
    ga->divert = attrs[ROAM_GATE_ATTR_DIVERT];
    if (!ga->id) {
        return false;
    }
    if (ga->open) {
        return (!ga->actions && !ga->divert && !attrs[ROAM_GATE_ATTR_LIMIT]
                && !attrs[ROAM_GATE_ATTR_PORT]);
    } else if (ga->divert) {
        return (ga->actions && !attrs[ROAM_GATE_ATTR_LIMIT]
                && !attrs[ROAM_GATE_ATTR_PORT]);
    }
    return ga->actions && ga->limit && ga->limit <= ROAM_GATE_MAX_LIMIT;
}

static struct gate *
gate_find(uint64_t id)
    OVS_REQUIRES(mutex)
{
    struct gate *g;

    HMAP_FOR_EACH_WITH_HASH (g, node, hash_uint64(id), &gates) {
        if (g->id == id) {
            return g;
        }
    }
    return NULL;
}

static void
actions_unref(struct gate_actions *ga)
{
    if (ga && !--ga->ref) {
        free(ga);
    }
}

static void
held_packet_free(struct held_packet *hp, bool free_packet)
    OVS_REQUIRES(mutex)
{
    if (free_packet) {
        dp_packet_delete(hp->packet);
    }
    actions_unref(hp->actions);
    free(hp);
}

/* Frees the packets 'g' still holds, counting them as dropped. */
static void
gate_drop_queue(struct gate *g)
    OVS_REQUIRES(mutex)
{
    struct held_packet *hp;

    LIST_FOR_EACH_POP (hp, node, &g->queue) {
        total_bytes -= dp_packet_size(hp->packet);
        held_packet_free(hp, true);
        g->n_dropped_expired++;
        COVERAGE_INC(roam_gate_expired);
    }
    g->n_queued = 0;
    g->bytes_queued = 0;
}

/* Frees gates that have been idle too long, at most once a second. */
static void
gate_expire(long long int now)
    OVS_REQUIRES(mutex)
{
    struct gate *g;

    if (now < next_expiry) {
        return;
    }
    next_expiry = now + 1000;
    HMAP_FOR_EACH_SAFE (g, node, &gates) {
        long long int idle = (g->state == GATE_OPEN ? ROAM_GATE_IDLE_OPEN_MS
                              : ROAM_GATE_IDLE_CLOSED_MS);
        if (g->state != GATE_RELEASING && now - g->used >= idle) {
            if (g->n_queued) {
                VLOG_WARN_RL(&rl, "gate %#"PRIx64" never opened: dropping "
                             "%"PRIuSIZE" held packets", g->id, g->n_queued);
            }
            gate_drop_queue(g);
            hmap_remove(&gates, &g->node);
            free(g);
        }
    }
}

/* Returns gate 'id', created closed if there is none, or NULL if there are
 * too many gates already. */
static struct gate *
gate_get(uint64_t id, long long int now)
    OVS_REQUIRES(mutex)
{
    struct gate *g = gate_find(id);

    if (!g) {
        if (hmap_count(&gates) >= ROAM_GATE_MAX_GATES) {
            return NULL;
        }
        g = xzalloc(sizeof *g);
        g->id = id;
        g->state = GATE_CLOSED;
        ovs_list_init(&g->queue);
        g->created = now;
        hmap_insert(&gates, &g->node, hash_uint64(id));
    }
    g->used = now;
    return g;
}

/* Whether the datapath actions 'actions' ('size' bytes) output to odp port
 * 'port', directly or in a nested list. */
static bool
actions_output_to(const struct nlattr *actions, size_t size, uint32_t port)
{
    const struct nlattr *a;
    unsigned int left;

    NL_ATTR_FOR_EACH (a, left, actions, size) {
        switch (nl_attr_type(a)) {
        case OVS_ACTION_ATTR_OUTPUT:
            if (nl_attr_get_size(a) == sizeof(uint32_t)
                && nl_attr_get_u32(a) == port) {
                return true;
            }
            break;
        case OVS_ACTION_ATTR_CLONE:
            if (actions_output_to(nl_attr_get(a), nl_attr_get_size(a),
                                  port)) {
                return true;
            }
            break;
        case OVS_ACTION_ATTR_ROAM_GATE: {
            struct gate_attrs ga;

            if (parse_attrs(a, &ga) && ga.actions
                && actions_output_to(nl_attr_get(ga.actions),
                                     nl_attr_get_size(ga.actions), port)) {
                return true;
            }
            break;
        }
        default:
            break;
        }
    }
    return false;
}

/* Returns the shared copy of 'ga''s actions for a packet queued behind
 * 'g''s last one, with a new reference. */
static struct gate_actions *
actions_ref(struct gate *g, const struct gate_attrs *ga)
    OVS_REQUIRES(mutex)
{
    const struct nlattr *actions = ga->actions;
    size_t size = nl_attr_get_size(actions);
    struct gate_actions *copy;

    if (!ovs_list_is_empty(&g->queue)) {
        struct held_packet *last = CONTAINER_OF(ovs_list_back(&g->queue),
                                                struct held_packet, node);
        copy = last->actions;
        if (copy->size == size
            && !memcmp(copy->actions, nl_attr_get(actions), size)) {
            copy->ref++;
            return copy;
        }
    }
    copy = xmalloc(sizeof *copy + size);
    copy->ref = 1;
    copy->size = size;
    memcpy(copy->actions, nl_attr_get(actions), size);
    copy->delivers = (ga->port != UINT32_MAX
                      && actions_output_to(copy->actions, size, ga->port));
    return copy;
}

/* Runs the packets of 'batch' (taken over) through 'actions' with 'run',
 * or drops them if there are none. */
static void
run_batch(struct dp_packet_batch *batch, const struct nlattr *actions,
          roam_gate_run_cb *run, void *aux)
{
    if (dp_packet_batch_is_empty(batch)) {
        return;
    }
    if (actions) {
        run(aux, batch, nl_attr_get(actions), nl_attr_get_size(actions));
    } else {
        dp_packet_delete_batch(batch, true);
    }
}

/* Holds 'batch' (taken over) at gate 'ga', or, if the gate is open, runs
 * its packets on through 'run'. */
static void
execute_hold(struct dp_packet_batch *batch, const struct gate_attrs *ga,
             roam_gate_run_cb *run, void *aux)
{
    long long int now = time_msec();
    struct dp_packet *packet;
    bool open = false;

    ovs_mutex_lock(&mutex);
    gate_expire(now);
    struct gate *g = gate_get(ga->id, now);
    if (!g) {
        VLOG_WARN_RL(&rl, "too many gates: dropping packets for gate "
                     "%#"PRIx64, ga->id);
        COVERAGE_ADD(roam_gate_dropped, dp_packet_batch_size(batch));
    } else if (g->state == GATE_OPEN) {
        open = true;
        g->n_passed += dp_packet_batch_size(batch);
        COVERAGE_ADD(roam_gate_passed, dp_packet_batch_size(batch));
    } else {
        DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
            size_t size = dp_packet_size(packet);

            if (g->n_queued >= ga->limit) {
                g->n_dropped_full++;
                COVERAGE_INC(roam_gate_dropped);
                dp_packet_delete(packet);
                continue;
            }
            if (total_bytes + size > max_bytes) {
                g->n_dropped_cap++;
                COVERAGE_INC(roam_gate_over_cap);
                VLOG_WARN_RL(&rl, "gates hold %"PRIuSIZE" bytes, the most "
                             "other_config:roam-gate-max-bytes allows: "
                             "dropping a packet for gate %#"PRIx64,
                             total_bytes, g->id);
                dp_packet_delete(packet);
                continue;
            }
            struct held_packet *hp = xmalloc(sizeof *hp);
            hp->packet = packet;
            hp->actions = actions_ref(g, ga);
            ovs_list_push_back(&g->queue, &hp->node);
            g->n_queued++;
            g->n_held++;
            g->bytes_queued += size;
            total_bytes += size;
            COVERAGE_INC(roam_gate_held);
        }
        dp_packet_batch_init(batch);
    }
    ovs_mutex_unlock(&mutex);

    if (open) {
        run_batch(batch, ga->actions, run, aux);
    } else {
        dp_packet_delete_batch(batch, true);
    }
}

/* Runs divert 'ga' on 'batch' (taken over): its divert list while the gate
 * is open, its other list while it is not. */
static void
execute_divert(struct dp_packet_batch *batch, const struct gate_attrs *ga,
               roam_gate_run_cb *run, void *aux)
{
    long long int now = time_msec();
    bool open = false;

    ovs_mutex_lock(&mutex);
    gate_expire(now);
    struct gate *g = gate_get(ga->id, now);
    if (g && g->state != GATE_CLOSED) {
        open = true;
        g->n_diverted += dp_packet_batch_size(batch);
        COVERAGE_ADD(roam_gate_diverted, dp_packet_batch_size(batch));
    } else if (g) {
        g->n_passed += dp_packet_batch_size(batch);
    }
    ovs_mutex_unlock(&mutex);

    run_batch(batch, open ? ga->divert : ga->actions, run, aux);
}

/* Runs what gate 'id' holds, oldest first, through 'run', until its queue
 * is empty; then the gate is open.  Packets other threads queue meanwhile
 * are run too, after the ones before them. */
static void
release_gate(uint64_t id, roam_gate_run_cb *run, void *aux)
{
    for (;;) {
        struct ovs_list queue = OVS_LIST_INITIALIZER(&queue);
        struct held_packet *hp;

        ovs_mutex_lock(&mutex);
        struct gate *g = gate_find(id);
        if (!g || g->state != GATE_RELEASING) {
            ovs_mutex_unlock(&mutex);
            return;
        }
        if (ovs_list_is_empty(&g->queue)) {
            g->state = GATE_OPEN;
            ovs_mutex_unlock(&mutex);
            return;
        }
        ovs_list_push_back_all(&queue, &g->queue);
        LIST_FOR_EACH (hp, node, &queue) {
            if (hp->actions->delivers) {
                g->n_delivered++;
                COVERAGE_INC(roam_gate_delivered);
            } else {
                g->n_released_other++;
            }
            COVERAGE_INC(roam_gate_released);
        }
        total_bytes -= g->bytes_queued;
        g->n_queued = 0;
        g->bytes_queued = 0;
        ovs_mutex_unlock(&mutex);

        unsigned int delay;
        atomic_read_relaxed(&release_delay_us, &delay);
        LIST_FOR_EACH (hp, node, &queue) {
            struct dp_packet_batch batch;

            if (delay) {
                xnanosleep_no_quiesce((uint64_t) delay * 1000);
            }
            dp_packet_batch_init_packet(&batch, hp->packet);
            run(aux, &batch, hp->actions->actions, hp->actions->size);
        }

        ovs_mutex_lock(&mutex);
        LIST_FOR_EACH_POP (hp, node, &queue) {
            held_packet_free(hp, false);
        }
        ovs_mutex_unlock(&mutex);
    }
}

/* Opens gate 'id': releases what it held through 'run', and then, if this
 * is the outermost release on this thread, every gate that the released
 * packets opened in turn. */
static void
execute_open(uint64_t id, roam_gate_run_cb *run, void *aux)
{
    struct gate_release *gr = gate_release_get();
    long long int now = time_msec();
    bool release = false;

    ovs_mutex_lock(&mutex);
    gate_expire(now);
    struct gate *g = gate_get(id, now);
    if (g && g->state == GATE_CLOSED) {
        g->state = GATE_RELEASING;
        g->opened = now;
        g->opened_us = time_usec();
        release = true;
    }
    ovs_mutex_unlock(&mutex);
    if (!release) {
        return;
    }

    if (gr->depth) {
        /* Inside another gate's release: this one waits its turn. */
        COVERAGE_INC(roam_gate_deferred_release);
        if (gr->n_pending >= gr->allocated) {
            gr->pending = x2nrealloc(gr->pending, &gr->allocated,
                                     sizeof *gr->pending);
        }
        gr->pending[gr->n_pending++] = id;
        return;
    }

    gr->depth++;
    release_gate(id, run, aux);
    for (size_t i = 0; i < gr->n_pending; i++) {
        release_gate(gr->pending[i], run, aux);
    }
    free(gr->pending);
    gr->pending = NULL;
    gr->n_pending = gr->allocated = 0;
    gr->depth--;
}

/* Executes datapath action 'a' (OVS_ACTION_ATTR_ROAM_GATE) on 'batch'.  A
 * hold or a divert takes the packets over if 'steal' is true and works on
 * copies otherwise.  An open runs what the gate held and leaves 'batch' to
 * the caller, who goes on with its next action (or frees it, if
 * 'steal'). */
void
roam_gate_execute(struct dp_packet_batch *batch, const struct nlattr *a,
                  bool steal, roam_gate_run_cb *run, void *aux)
{
    struct gate_attrs ga;

    if (!parse_attrs(a, &ga)) {
        /* Datapath flows are checked when they are installed, so only a
         * packet executed with hand-made actions gets here. */
        VLOG_WARN_RL(&rl, "malformed roam_gate datapath action: dropped");
        COVERAGE_ADD(roam_gate_dropped, dp_packet_batch_size(batch));
        dp_packet_delete_batch(batch, steal);
        return;
    }
    if (ga.open) {
        execute_open(ga.id, run, aux);
        dp_packet_delete_batch(batch, steal);
        return;
    }

    struct dp_packet_batch copy;
    if (!steal) {
        dp_packet_batch_clone(&copy, batch);
        batch = &copy;
    }
    if (ga.divert) {
        execute_divert(batch, &ga, run, aux);
    } else {
        execute_hold(batch, &ga, run, aux);
    }
}

/* Housekeeping. */

/* Frees expired gates, and the packets they held, even when no packet
 * names a gate.  Called from the datapath's periodic run. */
void
roam_gate_run(void)
{
    ovs_mutex_lock(&mutex);
    gate_expire(time_msec());
    ovs_mutex_unlock(&mutex);
}

void
roam_gate_wait(void)
{
    ovs_mutex_lock(&mutex);
    if (!hmap_is_empty(&gates)) {
        poll_timer_wait_until(next_expiry);
    }
    ovs_mutex_unlock(&mutex);
}

/* Applies other_config:roam-gate-max-bytes, the most bytes all gates may
 * hold together. */
void
roam_gate_set_config(const struct smap *other_config)
{
    unsigned long long int cap = smap_get_ullong(
        other_config, "roam-gate-max-bytes", ROAM_GATE_DEFAULT_MAX_BYTES);

    ovs_mutex_lock(&mutex);
    if (cap != max_bytes) {
        VLOG_INFO("gates may hold %llu bytes", cap);
        max_bytes = MIN(cap, SIZE_MAX);
    }
    ovs_mutex_unlock(&mutex);
}

/* Text forms of the datapath action. */

static void
format_nested(struct ds *ds, const char *name, const struct nlattr *a,
              const struct hmap *portno_names)
{
    ds_put_format(ds, ",%s(", name);
    /* (format_odp_actions() writes "drop" for an empty list, which the
     * parser does not take back inside a nested list.) */
    if (nl_attr_get_size(a)) {
        format_odp_actions(ds, nl_attr_get(a), nl_attr_get_size(a),
                           portno_names);
    }
    ds_put_char(ds, ')');
}

/* Formats datapath action 'a' (OVS_ACTION_ATTR_ROAM_GATE). */
void
roam_gate_format_odp(struct ds *ds, const struct nlattr *a,
                     const struct hmap *portno_names)
{
    struct gate_attrs ga;

    if (!parse_attrs(a, &ga)) {
        ds_put_cstr(ds, "roam_gate(<malformed>)");
        return;
    }
    ds_put_format(ds, "roam_gate(id=%#"PRIx64, ga.id);
    if (ga.open) {
        ds_put_cstr(ds, ",open)");
        return;
    }
    if (ga.divert) {
        format_nested(ds, "divert", ga.divert, portno_names);
    } else {
        ds_put_format(ds, ",limit=%"PRIu32, ga.limit);
        if (ga.port != UINT32_MAX) {
            ds_put_format(ds, ",port=%"PRIu32, ga.port);
        }
    }
    format_nested(ds, "actions", ga.actions, portno_names);
    ds_put_char(ds, ')');
}

/* Parses "NAME(" + a nested action list + ")" at 's' into nested attribute
 * 'type' of 'odp_actions'.  Returns the bytes parsed or a negative
 * errno. */
static int
parse_nested(const char *s, const char *name, enum roam_gate_attr type,
             struct ofpbuf *odp_actions, roam_gate_parse_list_cb *parse_list,
             void *aux)
{
    size_t len = strlen(name);
    size_t ofs;
    int n;

    if (strncmp(s, name, len) || s[len] != '(') {
        return -EINVAL;
    }
    ofs = nl_msg_start_nested(odp_actions, type);
    n = parse_list(aux, s + len + 1, odp_actions);
    if (n < 0) {
        return n;
    }
    if (s[len + 1 + n] != ')' || !roam_gate_end_nested(odp_actions, ofs)) {
        return -EINVAL;
    }
    return len + 1 + n + 1;
}

int
roam_gate_parse_odp(const char *s, struct ofpbuf *odp_actions,
                    roam_gate_parse_list_cb *parse_list, void *aux)
{
    size_t old_size = odp_actions->size;
    uint32_t limit, port = UINT32_MAX;
    size_t ofs;
    uint64_t id;
    int n = -1, m;

    if (ovs_scan(s, "roam_gate(id=%"SCNi64",open)%n", &id, &n)) {
        if (!id) {
            return -EINVAL;
        }
        ofs = nl_msg_start_nested(odp_actions, OVS_ACTION_ATTR_ROAM_GATE);
        nl_msg_put_u64(odp_actions, ROAM_GATE_ATTR_ID, id);
        nl_msg_put_flag(odp_actions, ROAM_GATE_ATTR_OPEN);
        nl_msg_end_nested(odp_actions, ofs);
        return n;
    }
    if (!ovs_scan(s, "roam_gate(id=%"SCNi64",%n", &id, &n) || !id) {
        return -EINVAL;
    }
    ofs = nl_msg_start_nested(odp_actions, OVS_ACTION_ATTR_ROAM_GATE);
    nl_msg_put_u64(odp_actions, ROAM_GATE_ATTR_ID, id);
    if (!strncmp(s + n, "divert(", 7)) {
        m = parse_nested(s + n, "divert", ROAM_GATE_ATTR_DIVERT, odp_actions,
                         parse_list, aux);
        if (m < 0 || s[n + m] != ',') {
            goto error;
        }
        n += m + 1;
    } else {
        int k = -1;

        if (!ovs_scan(s + n, "limit=%"SCNu32",%n", &limit, &k)
            || !limit || limit > ROAM_GATE_MAX_LIMIT) {
            goto error;
        }
        n += k;
        nl_msg_put_u32(odp_actions, ROAM_GATE_ATTR_LIMIT, limit);
        k = -1;
        if (ovs_scan(s + n, "port=%"SCNu32",%n", &port, &k)) {
            n += k;
            nl_msg_put_u32(odp_actions, ROAM_GATE_ATTR_PORT, port);
        }
    }
    m = parse_nested(s + n, "actions", ROAM_GATE_ATTR_ACTIONS, odp_actions,
                     parse_list, aux);
    if (m < 0 || s[n + m] != ')' || !roam_gate_end_odp(odp_actions, ofs)) {
        goto error;
    }
    return n + m + 1;

error:
    odp_actions->size = old_size;
    return -EINVAL;
}

/* "ovs-appctl roam/gate-show [--json] [ID]". */

static void
put_gate_json(struct json *array, const struct gate *g, long long int now)
    OVS_REQUIRES(mutex)
{
    struct json *o = json_object_create();

    json_object_put_format(o, "id", "%#"PRIx64, g->id);
    json_object_put_string(o, "state", gate_state_name(g->state));
    json_object_put(o, "queued", json_integer_create(g->n_queued));
    json_object_put(o, "held", json_integer_create(g->n_held));
    json_object_put(o, "delivered", json_integer_create(g->n_delivered));
    json_object_put(o, "released_other",
                    json_integer_create(g->n_released_other));
    json_object_put(o, "passed", json_integer_create(g->n_passed));
    json_object_put(o, "diverted", json_integer_create(g->n_diverted));
    json_object_put(o, "dropped_full",
                    json_integer_create(g->n_dropped_full));
    json_object_put(o, "dropped_cap", json_integer_create(g->n_dropped_cap));
    json_object_put(o, "dropped_expired",
                    json_integer_create(g->n_dropped_expired));
    json_object_put(o, "age_ms", json_integer_create(now - g->created));
    if (g->opened) {
        json_object_put(o, "opened_after_ms",
                        json_integer_create(g->opened - g->created));
        /* On the system's monotonic clock, which other processes read
         * too: when the gate took effect in the datapath. */
        json_object_put(o, "opened_us", json_integer_create(g->opened_us));
    }
    json_array_add(array, o);
}

static void
put_gate_text(struct ds *ds, const struct gate *g, long long int now)
    OVS_REQUIRES(mutex)
{
    ds_put_format(ds, "gate %#"PRIx64": %s, queued %"PRIuSIZE", held %"PRIu64
                  ", delivered %"PRIu64", released-other %"PRIu64", passed %"
                  PRIu64", diverted %"PRIu64", dropped %"PRIu64" (full %"
                  PRIu64", cap %"PRIu64", expired %"PRIu64"), age %lld ms",
                  g->id, gate_state_name(g->state), g->n_queued, g->n_held,
                  g->n_delivered, g->n_released_other, g->n_passed,
                  g->n_diverted,
                  g->n_dropped_full + g->n_dropped_cap + g->n_dropped_expired,
                  g->n_dropped_full, g->n_dropped_cap, g->n_dropped_expired,
                  now - g->created);
    if (g->opened) {
        ds_put_format(ds, ", opened after %lld ms", g->opened - g->created);
    }
    ds_put_char(ds, '\n');
}

static void
gate_show(struct unixctl_conn *conn, int argc, const char *argv[],
          void *aux OVS_UNUSED)
{
    long long int now = time_msec();
    const struct gate *g;
    bool json = false;
    uint64_t id = 0;
    int i;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else {
            char *error = str_to_u64(argv[i], &id);

            if (error || !id) {
                unixctl_command_reply_error(conn, "usage: roam/gate-show "
                                            "[--json] [ID], ID a nonzero "
                                            "number");
                free(error);
                return;
            }
        }
    }

    struct json *array = json ? json_array_create_empty() : NULL;
    struct ds ds = DS_EMPTY_INITIALIZER;
    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH (g, node, &gates) {
        if (id && g->id != id) {
            continue;
        }
        if (json) {
            put_gate_json(array, g, now);
        } else {
            put_gate_text(&ds, g, now);
        }
    }
    if (json) {
        struct json *o = json_object_create();

        json_object_put(o, "gates", array);
        json_object_put(o, "bytes_held", json_integer_create(total_bytes));
        json_object_put(o, "max_bytes", json_integer_create(max_bytes));
        json_to_ds(o, JSSF_SORT, &ds);
        json_destroy(o);
    }
    ovs_mutex_unlock(&mutex);
    unixctl_command_reply(conn, ds_cstr(&ds));
    ds_destroy(&ds);
}

/* "ovs-appctl roam/gate-set-release-delay US", for tests only. */
static void
gate_set_release_delay(struct unixctl_conn *conn, int argc OVS_UNUSED,
                       const char *argv[], void *aux OVS_UNUSED)
{
    unsigned int us;

    if (!str_to_uint(argv[1], 10, &us) || us > 1000000) {
        unixctl_command_reply_error(conn, "usage: roam/gate-set-release-"
                                    "delay US, at most 1000000");
        return;
    }
    atomic_store_relaxed(&release_delay_us, us);
    unixctl_command_reply(conn, NULL);
}

void
roam_gate_register_commands(void)
{
    unixctl_command_register("roam/gate-show", "[--json] [ID]", 0, 2,
                             gate_show, NULL);
    unixctl_command_register("roam/gate-set-release-delay", "US", 1, 1,
                             gate_set_release_delay, NULL);
}
