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

#include "roamd/core/appctl.h"

#include <errno.h>
#include <string.h>

#include "coverage.h"
#include "daemon.h"
#include "dirs.h"
#include "jsonrpc.h"
#include "openvswitch/hmap.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(appctl);

COVERAGE_DEFINE(appctl_request);
COVERAGE_DEFINE(appctl_reply);
COVERAGE_DEFINE(appctl_failed);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

/* A request waiting for its reply. */
struct pending {
    struct hmap_node node;      /* In 'pending', by hash of 'id'. */
    struct json *id;            /* The JSON-RPC request's id. */
    appctl_reply_cb *cb;
    void *aux;
    uint64_t cookie;
};

struct appctl {
    char *target;               /* As given. */
    char *socket;               /* Resolved, or NULL. */
    struct jsonrpc_session *session;
    unsigned int session_seqno; /* Of 'session', last seen. */
    unsigned int seqno;         /* Changes on every (dis)connection. */
    struct hmap pending;
};

/* Returns a new appctl for the ovs-vswitchd that 'target' names (see
 * above), or "ovs-vswitchd" if 'target' is null.  The caller owns it. */
struct appctl *
appctl_create(const char *target)
{
    struct appctl *ac = xzalloc(sizeof *ac);

    ac->target = xstrdup(target ? target : "ovs-vswitchd");
    hmap_init(&ac->pending);
    return ac;
}

static void
fail_pending(struct appctl *ac, int error)
{
    struct pending *p;

    HMAP_FOR_EACH_POP (p, node, &ac->pending) {
        COVERAGE_INC(appctl_failed);
        if (p->cb) {
            p->cb(p->aux, p->cookie, error, NULL);
        }
        json_destroy(p->id);
        free(p);
    }
}

void
appctl_destroy(struct appctl *ac)
{
    if (ac) {
        struct pending *p;

        HMAP_FOR_EACH_POP (p, node, &ac->pending) {
            json_destroy(p->id);
            free(p);
        }
        hmap_destroy(&ac->pending);
        jsonrpc_session_close(ac->session);
        free(ac->socket);
        free(ac->target);
        free(ac);
    }
}

/* Returns the control socket 'ac''s target names now (malloc()'d), or NULL
 * if its pidfile cannot be read. */
static char *
resolve(const struct appctl *ac)
{
    if (ac->target[0] == '/') {
        return xasprintf("unix:%s", ac->target);
    }

    char *pidfile = xasprintf("%s/%s.pid", ovs_rundir(), ac->target);
    pid_t pid = read_pidfile(pidfile);
    free(pidfile);
    if (pid < 0) {
        return NULL;
    }
    return xasprintf("unix:%s/%s.%ld.ctl", ovs_rundir(), ac->target,
                     (long int) pid);
}

/* While disconnected, follows the target to its current socket. */
static void
reopen_if_moved(struct appctl *ac)
{
    if (ac->session && jsonrpc_session_is_connected(ac->session)) {
        return;
    }
    char *socket = resolve(ac);
    if (!socket) {
        return;
    }
    if (!ac->socket || strcmp(socket, ac->socket)) {
        VLOG_INFO("ovs-vswitchd control socket: %s", socket);
        jsonrpc_session_close(ac->session);
        ac->session = jsonrpc_session_open(socket, true);
        jsonrpc_session_set_max_backoff(ac->session, 2000);
        free(ac->socket);
        ac->socket = socket;
    } else {
        free(socket);
    }
}

static struct pending *
find_pending(struct appctl *ac, const struct json *id)
{
    struct pending *p;

    HMAP_FOR_EACH_WITH_HASH (p, node, json_hash(id, 0), &ac->pending) {
        if (json_equal(p->id, id)) {
            return p;
        }
    }
    return NULL;
}

static void
process_msg(struct appctl *ac, struct jsonrpc_msg *msg)
{
    struct pending *p;

    if ((msg->type != JSONRPC_REPLY && msg->type != JSONRPC_ERROR)
        || !msg->id || !(p = find_pending(ac, msg->id))) {
        return;
    }
    hmap_remove(&ac->pending, &p->node);
    COVERAGE_INC(appctl_reply);
    if (p->cb) {
        if (msg->type == JSONRPC_REPLY && msg->result
            && msg->result->type == JSON_STRING) {
            p->cb(p->aux, p->cookie, 0, json_string(msg->result));
        } else if (msg->type == JSONRPC_ERROR && msg->error
                   && msg->error->type == JSON_STRING) {
            p->cb(p->aux, p->cookie, EPROTO, json_string(msg->error));
        } else {
            p->cb(p->aux, p->cookie, EPROTO, "malformed reply");
        }
    }
    json_destroy(p->id);
    free(p);
}

void
appctl_run(struct appctl *ac)
{
    reopen_if_moved(ac);
    if (!ac->session) {
        return;
    }
    jsonrpc_session_run(ac->session);
    if (jsonrpc_session_get_seqno(ac->session) != ac->session_seqno) {
        ac->session_seqno = jsonrpc_session_get_seqno(ac->session);
        ac->seqno++;
        fail_pending(ac, ECONNRESET);
    }
    for (int i = 0; i < 50; i++) {
        struct jsonrpc_msg *msg = jsonrpc_session_recv(ac->session);

        if (!msg) {
            break;
        }
        process_msg(ac, msg);
        jsonrpc_msg_destroy(msg);
    }
}

void
appctl_wait(struct appctl *ac)
{
    if (ac->session) {
        jsonrpc_session_wait(ac->session);
        jsonrpc_session_recv_wait(ac->session);
    }
    if (!appctl_is_connected(ac)) {
        /* The pidfile may appear, or change, at any time. */
        poll_timer_wait(1000);
    }
}

/* Sends 'command' with 'args' to ovs-vswitchd.  'cb', if nonnull, gets the
 * reply (see above).  If not connected, fails the request at once, through
 * 'cb', with ENOTCONN. */
void
appctl_request(struct appctl *ac, const char *command,
               const char *const *args, size_t n_args, appctl_reply_cb *cb,
               void *aux, uint64_t cookie)
{
    COVERAGE_INC(appctl_request);
    if (!appctl_is_connected(ac)) {
        VLOG_DBG_RL(&rl, "%s: not connected to ovs-vswitchd", command);
        if (cb) {
            cb(aux, cookie, ENOTCONN, NULL);
        }
        return;
    }

    struct json **argv = xmalloc((n_args + 1) * sizeof *argv);
    for (size_t i = 0; i < n_args; i++) {
        argv[i] = json_string_create(args[i]);
    }
    struct json *id;
    struct jsonrpc_msg *msg = jsonrpc_create_request(
        command, json_array_create(argv, n_args), &id);

    struct pending *p = xmalloc(sizeof *p);
    p->id = id;
    p->cb = cb;
    p->aux = aux;
    p->cookie = cookie;
    hmap_insert(&ac->pending, &p->node, json_hash(id, 0));
    jsonrpc_session_send(ac->session, msg);
}

bool
appctl_is_connected(const struct appctl *ac)
{
    return ac->session && jsonrpc_session_is_connected(ac->session);
}

/* Changes whenever the connection comes up or goes down: a caller that
 * keeps state in ovs-vswitchd (such as static MAC entries) asserts it
 * again when this changes. */
unsigned int
appctl_seqno(const struct appctl *ac)
{
    return ac->seqno;
}

const char *
appctl_target(const struct appctl *ac)
{
    return ac->socket ? ac->socket : ac->target;
}
