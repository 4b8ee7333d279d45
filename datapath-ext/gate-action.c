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

#include "roam/gate-action.h"

#include <errno.h>

#include "colors.h"
#include "coverage.h"
#include "dp-packet.h"
#include "hash.h"
#include "netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-parse.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "roam/rewrite-action.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(roam_gate);

COVERAGE_DEFINE(roam_gate_held);
COVERAGE_DEFINE(roam_gate_released);
COVERAGE_DEFINE(roam_gate_passed);
COVERAGE_DEFINE(roam_gate_dropped);
COVERAGE_DEFINE(roam_gate_expired);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

/* OpenFlow side. */

static const char *
check_args(uint64_t id, bool open, uint32_t limit)
{
    if (!id) {
        return "id must be nonzero";
    }
    if (open && limit) {
        return "limit applies only to a gate that holds";
    }
    if (limit > ROAM_GATE_MAX_LIMIT) {
        return "limit is larger than 65536";
    }
    return NULL;
}

static void
put_ofpact(struct ofpbuf *ofpacts, uint64_t id, bool open, uint32_t limit)
{
    struct ofpact_roam_gate *rg = ofpact_put_ROAM_GATE(ofpacts);

    rg->id = id;
    rg->open = open;
    rg->limit = open ? 0 : limit ? limit : ROAM_GATE_DEFAULT_LIMIT;
}

/* Decodes wire action 'rag', whose length Open vSwitch has already checked,
 * into a new OFPACT_ROAM_GATE appended to 'ofpacts'.  Returns 0 or an
 * OpenFlow error code; on error appends nothing. */
int
roam_gate_decode(const struct roam_action_gate *rag, struct ofpbuf *ofpacts)
{
    uint16_t flags = ntohs(rag->flags);
    const char *problem;

    if (flags & ~ROAM_GATE_F_OPEN) {
        VLOG_WARN_RL(&rl, "roam_gate: unknown flags %#"PRIx16, flags);
        return OFPERR_OFPBAC_BAD_ARGUMENT;
    }
    problem = check_args(ntohll(rag->id), flags & ROAM_GATE_F_OPEN,
                         ntohl(rag->limit));
    if (problem) {
        VLOG_WARN_RL(&rl, "roam_gate: %s", problem);
        return OFPERR_OFPBAC_BAD_ARGUMENT;
    }
    put_ofpact(ofpacts, ntohll(rag->id), flags & ROAM_GATE_F_OPEN,
               ntohl(rag->limit));
    return 0;
}

/* Fills in the body of 'rag', whose header Open vSwitch has already
 * written, from 'rg'. */
void
roam_gate_encode(const struct ofpact_roam_gate *rg,
                 struct roam_action_gate *rag)
{
    rag->flags = htons(rg->open ? ROAM_GATE_F_OPEN : 0);
    rag->limit = htonl(rg->open ? 0 : rg->limit);
    rag->id = htonll(rg->id);
}

/* Parses 'arg', "id=N[,limit=N]" or "id=N,open", into an OFPACT_ROAM_GATE
 * appended to 'pp->ofpacts'.  Returns NULL or a malloc()'d error message
 * that names the problem. */
char *
roam_gate_parse(char *arg, const struct ofpact_parse_params *pp)
{
    uint64_t id = 0;
    uint32_t limit = 0;
    bool open = false;
    unsigned int seen = 0;
    const char *problem;
    char *key, *value;

    while (ofputil_parse_key_value(&arg, &key, &value)) {
        unsigned int bit;
        char *error;

        if (!strcmp(key, "id")) {
            bit = 1;
            error = str_to_u64(value, &id);
            if (error) {
                free(error);
                return xasprintf("roam_gate: id: \"%s\" is not a number",
                                 value);
            }
        } else if (!strcmp(key, "limit")) {
            bit = 2;
            error = str_to_u32(value, &limit);
            if (error || !limit) {
                free(error);
                return xasprintf("roam_gate: limit: \"%s\" is not a "
                                 "positive number", value);
            }
        } else if (!strcmp(key, "open")) {
            bit = 4;
            if (value[0]) {
                return xstrdup("roam_gate: open takes no value");
            }
            open = true;
        } else {
            return xasprintf("roam_gate: unknown argument \"%s\" "
                             "(expected id, limit or open)", key);
        }
        if (seen & bit) {
            return xasprintf("roam_gate: %s given twice", key);
        }
        seen |= bit;
    }
    if (!(seen & 1)) {
        return xstrdup("roam_gate: missing id");
    }
    problem = check_args(id, open, limit);
    if (problem) {
        return xasprintf("roam_gate: %s", problem);
    }
    put_ofpact(pp->ofpacts, id, open, limit);
    return NULL;
}

/* Appends 'rg' to 'fp->s' in the syntax roam_gate_parse() takes; the
 * default limit is not printed. */
void
roam_gate_format(const struct ofpact_roam_gate *rg,
                 const struct ofpact_format_params *fp)
{
    ds_put_format(fp->s, "%sroam_gate(%s%sid=%s%#"PRIx64,
                  colors.paren, colors.end, colors.param, colors.end,
                  rg->id);
    if (rg->open) {
        ds_put_format(fp->s, ",%sopen%s", colors.param, colors.end);
    } else if (rg->limit != ROAM_GATE_DEFAULT_LIMIT) {
        ds_put_format(fp->s, ",%slimit=%s%"PRIu32,
                      colors.param, colors.end, rg->limit);
    }
    ds_put_format(fp->s, "%s)%s", colors.paren, colors.end);
}

/* Translation. */

/* Appends the start of datapath action OVS_ACTION_ATTR_ROAM_GATE for 'rg'
 * to 'odp_actions'.  For "open" the action is complete; for a hold the
 * caller appends what runs once the gate is open, then calls
 * roam_gate_end_odp() with 'ofs'. */
void
roam_gate_start_odp(const struct ofpact_roam_gate *rg,
                    struct ofpbuf *odp_actions, size_t ofs[2])
{
    ofs[0] = nl_msg_start_nested(odp_actions, OVS_ACTION_ATTR_ROAM_GATE);
    nl_msg_put_u64(odp_actions, ROAM_GATE_ATTR_ID, rg->id);
    if (rg->open) {
        nl_msg_put_flag(odp_actions, ROAM_GATE_ATTR_OPEN);
        nl_msg_end_nested(odp_actions, ofs[0]);
        ofs[1] = 0;
    } else {
        nl_msg_put_u32(odp_actions, ROAM_GATE_ATTR_LIMIT, rg->limit);
        ofs[1] = nl_msg_start_nested(odp_actions, ROAM_GATE_ATTR_ACTIONS);
    }
}

void
roam_gate_end_odp(struct ofpbuf *odp_actions, const size_t ofs[2])
{
    nl_msg_end_nested(odp_actions, ofs[1]);
    nl_msg_end_nested(odp_actions, ofs[0]);
}

/* The datapath's gates. */

/* What a held packet runs once its gate opens: a copy of the hold's nested
 * actions, shared by consecutive packets held by the same actions. */
struct gate_actions {
    unsigned int ref;
    size_t size;
    struct nlattr actions[];
};

struct held_packet {
    struct ovs_list node;       /* In struct gate's 'queue'. */
    struct dp_packet *packet;
    struct gate_actions *actions;
};

struct gate {
    struct hmap_node node;      /* In 'gates', by hash of 'id'. */
    uint64_t id;
    bool open;
    struct ovs_list queue;      /* Of struct held_packet, oldest first. */
    size_t n_queued;
    uint64_t n_held;            /* Ever queued. */
    uint64_t n_released;        /* Run at opening. */
    uint64_t n_passed;          /* Let through while open. */
    uint64_t n_dropped;         /* Queue full, gate expired or no room. */
    long long int created;
    long long int opened;       /* 0 while closed. */
    long long int used;
};

static struct ovs_mutex mutex = OVS_MUTEX_INITIALIZER;
static struct hmap gates OVS_GUARDED_BY(mutex) = HMAP_INITIALIZER(&gates);
static long long int next_expiry OVS_GUARDED_BY(mutex);

struct gate_attrs {
    uint64_t id;
    bool open;
    uint32_t limit;
    const struct nlattr *actions;
};

static const struct nl_policy gate_policy[] = {
    [ROAM_GATE_ATTR_ID] = { .type = NL_A_U64 },
    [ROAM_GATE_ATTR_OPEN] = { .type = NL_A_FLAG, .optional = true },
    [ROAM_GATE_ATTR_LIMIT] = { .type = NL_A_U32, .optional = true },
    [ROAM_GATE_ATTR_ACTIONS] = { .type = NL_A_NESTED, .optional = true },
};

/* Parses datapath action 'a'.  Returns false if it is malformed: no id, a
 * hold without actions or limit, or an open with either. */
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
    ga->actions = attrs[ROAM_GATE_ATTR_ACTIONS];
    if (!ga->id) {
        return false;
    }
    return (ga->open
            ? !ga->actions && !attrs[ROAM_GATE_ATTR_LIMIT]
            : ga->actions && ga->limit && ga->limit <= ROAM_GATE_MAX_LIMIT);
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

/* Frees the packets 'g' still holds, counting them as dropped. */
static void
gate_drop_queue(struct gate *g)
    OVS_REQUIRES(mutex)
{
    struct held_packet *hp;

    LIST_FOR_EACH_POP (hp, node, &g->queue) {
        dp_packet_delete(hp->packet);
        actions_unref(hp->actions);
        free(hp);
        g->n_dropped++;
        COVERAGE_INC(roam_gate_expired);
    }
    g->n_queued = 0;
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
        long long int idle = g->open ? ROAM_GATE_IDLE_OPEN_MS
                                     : ROAM_GATE_IDLE_CLOSED_MS;
        if (now - g->used >= idle) {
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
        ovs_list_init(&g->queue);
        g->created = now;
        hmap_insert(&gates, &g->node, hash_uint64(id));
    }
    g->used = now;
    return g;
}

/* Returns the shared copy of 'actions' for a packet queued behind 'g''s
 * last one, with a new reference. */
static struct gate_actions *
actions_ref(struct gate *g, const struct nlattr *actions)
    OVS_REQUIRES(mutex)
{
    size_t size = nl_attr_get_size(actions);
    struct gate_actions *ga;

    if (!ovs_list_is_empty(&g->queue)) {
        struct held_packet *last = CONTAINER_OF(ovs_list_back(&g->queue),
                                                struct held_packet, node);
        ga = last->actions;
        if (ga->size == size
            && !memcmp(ga->actions, nl_attr_get(actions), size)) {
            ga->ref++;
            return ga;
        }
    }
    ga = xmalloc(sizeof *ga + size);
    ga->ref = 1;
    ga->size = size;
    memcpy(ga->actions, nl_attr_get(actions), size);
    return ga;
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
    } else if (g->open) {
        open = true;
        g->n_passed += dp_packet_batch_size(batch);
    } else {
        DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
            g->n_held++;
            if (g->n_queued >= ga->limit) {
                g->n_dropped++;
                COVERAGE_INC(roam_gate_dropped);
                dp_packet_delete(packet);
                continue;
            }
            struct held_packet *hp = xmalloc(sizeof *hp);
            hp->packet = packet;
            hp->actions = actions_ref(g, ga->actions);
            ovs_list_push_back(&g->queue, &hp->node);
            g->n_queued++;
            COVERAGE_INC(roam_gate_held);
        }
        dp_packet_batch_init(batch);
    }
    ovs_mutex_unlock(&mutex);

    if (open) {
        DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
            COVERAGE_INC(roam_gate_passed);
            run(aux, packet, nl_attr_get(ga->actions),
                nl_attr_get_size(ga->actions));
        }
        dp_packet_batch_init(batch);
    } else {
        dp_packet_delete_batch(batch, true);
    }
}

/* Opens gate 'id' and runs what it held, oldest first, through 'run'. */
static void
execute_open(uint64_t id, roam_gate_run_cb *run, void *aux)
{
    long long int now = time_msec();
    struct ovs_list queue = OVS_LIST_INITIALIZER(&queue);
    struct held_packet *hp;

    ovs_mutex_lock(&mutex);
    gate_expire(now);
    struct gate *g = gate_get(id, now);
    if (g && !g->open) {
        g->open = true;
        g->opened = now;
        g->n_released += g->n_queued;
        ovs_list_push_back_all(&queue, &g->queue);
        g->n_queued = 0;
    }
    ovs_mutex_unlock(&mutex);

    LIST_FOR_EACH (hp, node, &queue) {
        COVERAGE_INC(roam_gate_released);
        run(aux, hp->packet, hp->actions->actions, hp->actions->size);
    }

    ovs_mutex_lock(&mutex);
    LIST_FOR_EACH_POP (hp, node, &queue) {
        actions_unref(hp->actions);
        free(hp);
    }
    ovs_mutex_unlock(&mutex);
}

/* Executes datapath action 'a' (OVS_ACTION_ATTR_ROAM_GATE) on 'batch'.
 * A hold keeps the packets, or runs them on through 'run' with 'aux' if
 * the gate is open; either way it takes them over if 'steal' is true and
 * works on copies otherwise.  An open runs what the gate held and leaves
 * 'batch' to the caller, who goes on with its next action (or frees it, if
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
    execute_hold(batch, &ga, run, aux);
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
    ds_put_format(ds, ",limit=%"PRIu32",actions(", ga.limit);
    format_odp_actions(ds, nl_attr_get(ga.actions),
                       nl_attr_get_size(ga.actions), portno_names);
    ds_put_cstr(ds, "))");
}

/* Parses the text roam_gate_format_odp() writes at the start of 's' and
 * appends the datapath action to 'odp_actions'.  Returns the number of
 * bytes parsed or a negative errno. */
int
roam_gate_parse_odp(const char *s, struct ofpbuf *odp_actions)
{
    uint64_t id;
    uint32_t limit;
    size_t ofs[2];
    int n = -1;

    if (ovs_scan(s, "roam_gate(id=%"SCNi64",open)%n", &id, &n)) {
        if (!id) {
            return -EINVAL;
        }
        ofs[0] = nl_msg_start_nested(odp_actions, OVS_ACTION_ATTR_ROAM_GATE);
        nl_msg_put_u64(odp_actions, ROAM_GATE_ATTR_ID, id);
        nl_msg_put_flag(odp_actions, ROAM_GATE_ATTR_OPEN);
        nl_msg_end_nested(odp_actions, ofs[0]);
        return n;
    }
    if (!ovs_scan(s, "roam_gate(id=%"SCNi64",limit=%"SCNu32",actions(%n",
                  &id, &limit, &n)
        || !id || !limit || limit > ROAM_GATE_MAX_LIMIT) {
        return -EINVAL;
    }

    /* The nested actions end at the parenthesis that balances "actions(". */
    const char *start = s + n;
    const char *p = start;
    int depth = 1;
    for (; *p && depth; p++) {
        depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
    }
    if (depth || *p != ')') {
        return -EINVAL;
    }

    char *inner = xmemdup0(start, p - 1 - start);
    size_t old_size = odp_actions->size;
    ofs[0] = nl_msg_start_nested(odp_actions, OVS_ACTION_ATTR_ROAM_GATE);
    nl_msg_put_u64(odp_actions, ROAM_GATE_ATTR_ID, id);
    nl_msg_put_u32(odp_actions, ROAM_GATE_ATTR_LIMIT, limit);
    ofs[1] = nl_msg_start_nested(odp_actions, ROAM_GATE_ATTR_ACTIONS);
    int error = odp_actions_from_string(inner, NULL, odp_actions);
    free(inner);
    if (error) {
        odp_actions->size = old_size;
        return -error;
    }
    roam_gate_end_odp(odp_actions, ofs);
    return p + 1 - s;
}

/* "ovs-appctl roam/gate-show [ID]": every gate, or gate ID, a line each. */
static void
gate_show(struct unixctl_conn *conn, int argc, const char *argv[],
          void *aux OVS_UNUSED)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    long long int now = time_msec();
    const struct gate *g;
    uint64_t id = 0;

    if (argc > 1) {
        char *error = str_to_u64(argv[1], &id);

        if (error || !id) {
            unixctl_command_reply_error(conn, "usage: roam/gate-show [ID], "
                                        "ID a nonzero number");
            free(error);
            return;
        }
    }

    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH (g, node, &gates) {
        if (id && g->id != id) {
            continue;
        }
        ds_put_format(&ds, "gate %#"PRIx64": %s, queued %"PRIuSIZE
                      ", held %"PRIu64", released %"PRIu64", passed %"PRIu64
                      ", dropped %"PRIu64", age %lld ms",
                      g->id, g->open ? "open" : "closed", g->n_queued,
                      g->n_held, g->n_released, g->n_passed, g->n_dropped,
                      now - g->created);
        if (g->open) {
            ds_put_format(&ds, ", opened after %lld ms",
                          g->opened - g->created);
        }
        ds_put_char(&ds, '\n');
    }
    ovs_mutex_unlock(&mutex);
    unixctl_command_reply(conn, ds_cstr(&ds));
    ds_destroy(&ds);
}

void
roam_gate_register_commands(void)
{
    unixctl_command_register("roam/gate-show", "[ID]", 0, 1, gate_show,
                             NULL);
}
