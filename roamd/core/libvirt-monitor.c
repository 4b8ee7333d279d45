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

/* libvirt_monitor with libvirt (see libvirt-monitor.h). */

#include <config.h>

#include "roamd/core/libvirt-monitor.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "coverage.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(libvirt_monitor);

COVERAGE_DEFINE(libvirt_event);
COVERAGE_DEFINE(libvirt_connect);
COVERAGE_DEFINE(libvirt_disconnect);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

#define MAX_BACKOFF_MS 8000

/* libvirt's event loop, as roamd's poll loop runs it.  libvirt takes one
 * implementation per process, registered before the first connection. */

struct handle {
    int watch;                  /* libvirt's id; 0 for a free slot. */
    int fd;
    int events;                 /* VIR_EVENT_HANDLE_*. */
    virEventHandleCallback cb;
    void *opaque;
    virFreeCallback ff;
    bool removed;
};

struct timeout {
    int timer;                  /* libvirt's id; 0 for a free slot. */
    int interval;               /* ms; -1 disabled, 0 as soon as possible. */
    long long int next;         /* time_msec() it fires next. */
    virEventTimeoutCallback cb;
    void *opaque;
    virFreeCallback ff;
    bool removed;
};

static struct handle *handles;
static size_t n_handles, allocated_handles;
static struct timeout *timeouts;
static size_t n_timeouts, allocated_timeouts;
static int next_id = 1;
static bool any_removed;

static int
add_handle(int fd, int events, virEventHandleCallback cb, void *opaque,
           virFreeCallback ff)
{
    if (n_handles >= allocated_handles) {
        handles = x2nrealloc(handles, &allocated_handles, sizeof *handles);
    }
    handles[n_handles++] = (struct handle) {
        .watch = next_id++, .fd = fd, .events = events, .cb = cb,
        .opaque = opaque, .ff = ff,
    };
    poll_immediate_wake();
    return handles[n_handles - 1].watch;
}

static struct handle *
find_handle(int watch)
{
    for (size_t i = 0; i < n_handles; i++) {
        if (handles[i].watch == watch && !handles[i].removed) {
            return &handles[i];
        }
    }
    return NULL;
}

static void
update_handle(int watch, int events)
{
    struct handle *h = find_handle(watch);

    if (h) {
        h->events = events;
        poll_immediate_wake();
    }
}

/* libvirt may hold its locks here: the free callback runs later, from
 * libvirt_monitor_run(), never from inside the removal. */
static int
remove_handle(int watch)
{
    struct handle *h = find_handle(watch);

    if (!h) {
        return -1;
    }
    h->removed = true;
    any_removed = true;
    poll_immediate_wake();
    return 0;
}

static int
add_timeout(int interval, virEventTimeoutCallback cb, void *opaque,
            virFreeCallback ff)
{
    if (n_timeouts >= allocated_timeouts) {
        timeouts = x2nrealloc(timeouts, &allocated_timeouts,
                              sizeof *timeouts);
    }
    timeouts[n_timeouts++] = (struct timeout) {
        .timer = next_id++, .interval = interval,
        .next = time_msec() + MAX(interval, 0), .cb = cb, .opaque = opaque,
        .ff = ff,
    };
    poll_immediate_wake();
    return timeouts[n_timeouts - 1].timer;
}

static struct timeout *
find_timeout(int timer)
{
    for (size_t i = 0; i < n_timeouts; i++) {
        if (timeouts[i].timer == timer && !timeouts[i].removed) {
            return &timeouts[i];
        }
    }
    return NULL;
}

static void
update_timeout(int timer, int interval)
{
    struct timeout *t = find_timeout(timer);

    if (t) {
        t->interval = interval;
        t->next = time_msec() + MAX(interval, 0);
        poll_immediate_wake();
    }
}

static int
remove_timeout(int timer)
{
    struct timeout *t = find_timeout(timer);

    if (!t) {
        return -1;
    }
    t->removed = true;
    any_removed = true;
    poll_immediate_wake();
    return 0;
}

static short int
to_poll_events(int events)
{
    return ((events & VIR_EVENT_HANDLE_READABLE ? POLLIN : 0)
            | (events & VIR_EVENT_HANDLE_WRITABLE ? POLLOUT : 0));
}

static int
from_poll_events(short int revents)
{
    return ((revents & POLLIN ? VIR_EVENT_HANDLE_READABLE : 0)
            | (revents & POLLOUT ? VIR_EVENT_HANDLE_WRITABLE : 0)
            | (revents & POLLERR ? VIR_EVENT_HANDLE_ERROR : 0)
            | (revents & POLLHUP ? VIR_EVENT_HANDLE_HANGUP : 0));
}

static void
run_timers(long long int now)
{
    size_t n = n_timeouts;

    for (size_t i = 0; i < n && i < n_timeouts; i++) {
        struct timeout *t = &timeouts[i];

        if (!t->removed && t->interval >= 0 && now >= t->next) {
            int timer = t->timer;

            t->next = now + t->interval;
            t->cb(timer, t->opaque);
        }
    }
}

/* Runs what is ready: handles whose descriptors are, then timers that are
 * due.  libvirt reads an event in a handle's callback and dispatches it
 * from a timer it sets to fire at once, so running the timers after the
 * handles delivers an event in the same call that read it.  Callbacks may
 * add and remove handles and timers, so each is looked up by its id again
 * before it runs. */
static void
event_loop_run(void)
{
    size_t n = n_handles;

    for (size_t i = 0; i < n && i < n_handles; i++) {
        struct handle *h = &handles[i];
        struct pollfd pfd;

        if (h->removed || h->fd < 0) {
            continue;
        }
        pfd.fd = h->fd;
        pfd.events = to_poll_events(h->events);
        pfd.revents = 0;
        if (poll(&pfd, 1, 0) > 0 && pfd.revents) {
            int revents = from_poll_events(pfd.revents);

            if (revents & (h->events | VIR_EVENT_HANDLE_ERROR
                           | VIR_EVENT_HANDLE_HANGUP)) {
                h->cb(h->watch, h->fd, revents, h->opaque);
            }
        }
    }
    run_timers(time_msec());

    /* Free what was removed, now that libvirt holds no locks. */
    while (any_removed) {
        any_removed = false;
        for (size_t i = 0; i < n_handles; i++) {
            if (handles[i].removed) {
                struct handle h = handles[i];

                handles[i--] = handles[--n_handles];
                if (h.ff) {
                    h.ff(h.opaque);
                }
            }
        }
        for (size_t i = 0; i < n_timeouts; i++) {
            if (timeouts[i].removed) {
                struct timeout t = timeouts[i];

                timeouts[i--] = timeouts[--n_timeouts];
                if (t.ff) {
                    t.ff(t.opaque);
                }
            }
        }
    }
}

static void
event_loop_wait(void)
{
    for (size_t i = 0; i < n_handles; i++) {
        const struct handle *h = &handles[i];

        if (!h->removed && h->fd >= 0 && h->events) {
            poll_fd_wait(h->fd, to_poll_events(h->events));
        }
    }
    for (size_t i = 0; i < n_timeouts; i++) {
        const struct timeout *t = &timeouts[i];

        if (!t->removed && t->interval >= 0) {
            poll_timer_wait_until(t->next);
        }
    }
    if (any_removed) {
        poll_immediate_wake();
    }
}

/* The monitor. */

struct queued_event {
    struct ovs_list node;
    struct libvirt_event ev;
};

struct libvirt_monitor {
    char *uri;
    virConnectPtr conn;
    int callback_id;
    bool closed;                /* libvirt closed the connection. */
    long long int next_attempt;
    int backoff;
    struct ovs_list events;     /* Of struct queued_event. */
};

/* libvirt reports its errors through a global handler, which by default
 * prints them; roamd logs them instead, rate-limited. */
static void
error_handler(void *aux OVS_UNUSED, virErrorPtr error)
{
    VLOG_DBG_RL(&rl, "libvirt: %s", error->message ? error->message : "?");
}

static void
queue_event(struct libvirt_monitor *lm, enum libvirt_event_type type,
            virDomainPtr dom, bool migrated)
{
    struct queued_event *qe = xzalloc(sizeof *qe);
    const char *name = virDomainGetName(dom);

    qe->ev.type = type;
    qe->ev.migrated = migrated;
    qe->ev.when_us = time_usec();
    if (virDomainGetUUIDString(dom, qe->ev.uuid)) {
        free(qe);
        return;
    }
    ovs_strlcpy(qe->ev.name, name ? name : "", sizeof qe->ev.name);
    ovs_list_push_back(&lm->events, &qe->node);
    COVERAGE_INC(libvirt_event);
    poll_immediate_wake();
}

static int
lifecycle_cb(virConnectPtr conn OVS_UNUSED, virDomainPtr dom, int event,
             int detail, void *lm_)
{
    struct libvirt_monitor *lm = lm_;

    switch ((virDomainEventType) event) {
    case VIR_DOMAIN_EVENT_SUSPENDED:
        if (detail == VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED
            || detail == VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY) {
            queue_event(lm, LIBVIRT_EVENT_PAUSED, dom, true);
        }
        break;
    case VIR_DOMAIN_EVENT_RESUMED:
        queue_event(lm, LIBVIRT_EVENT_RESUMED, dom,
                    detail == VIR_DOMAIN_EVENT_RESUMED_MIGRATED
                    || detail == VIR_DOMAIN_EVENT_RESUMED_POSTCOPY);
        break;
    case VIR_DOMAIN_EVENT_STOPPED:
        queue_event(lm, LIBVIRT_EVENT_STOPPED, dom,
                    detail == VIR_DOMAIN_EVENT_STOPPED_MIGRATED);
        break;
    case VIR_DOMAIN_EVENT_DEFINED:
    case VIR_DOMAIN_EVENT_UNDEFINED:
    case VIR_DOMAIN_EVENT_STARTED:
    case VIR_DOMAIN_EVENT_SHUTDOWN:
    case VIR_DOMAIN_EVENT_PMSUSPENDED:
    case VIR_DOMAIN_EVENT_CRASHED:
    default:
        break;
    }
    return 0;
}

static void
close_cb(virConnectPtr conn OVS_UNUSED, int reason, void *lm_)
{
    struct libvirt_monitor *lm = lm_;

    VLOG_WARN("libvirt %s closed the connection (reason %d); reconnecting",
              lm->uri, reason);
    lm->closed = true;
    poll_immediate_wake();
}

/* Returns a monitor of the libvirt at 'uri' (for example
 * "qemu:///system").  It connects in libvirt_monitor_run().  The caller
 * owns it.  Call it at most once per process. */
struct libvirt_monitor *
libvirt_monitor_create(const char *uri)
{
    static bool registered;
    struct libvirt_monitor *lm = xzalloc(sizeof *lm);

    if (!registered) {
        registered = true;
        virSetErrorFunc(NULL, error_handler);
        virEventRegisterImpl(add_handle, update_handle, remove_handle,
                             add_timeout, update_timeout, remove_timeout);
    }
    lm->uri = xstrdup(uri);
    lm->callback_id = -1;
    ovs_list_init(&lm->events);
    return lm;
}

static void
disconnect(struct libvirt_monitor *lm)
{
    if (lm->conn) {
        COVERAGE_INC(libvirt_disconnect);
        if (lm->callback_id >= 0) {
            virConnectDomainEventDeregisterAny(lm->conn, lm->callback_id);
        }
        virConnectUnregisterCloseCallback(lm->conn, close_cb);
        virConnectClose(lm->conn);
        lm->conn = NULL;
        lm->callback_id = -1;
    }
    lm->closed = false;
}

void
libvirt_monitor_destroy(struct libvirt_monitor *lm)
{
    if (lm) {
        struct queued_event *qe;

        disconnect(lm);
        event_loop_run();       /* Frees what the disconnection removed. */
        LIST_FOR_EACH_POP (qe, node, &lm->events) {
            free(qe);
        }
        free(lm->uri);
        free(lm);
    }
}

static void
try_connect(struct libvirt_monitor *lm)
{
    long long int now = time_msec();

    if (now < lm->next_attempt) {
        return;
    }
    lm->conn = virConnectOpenReadOnly(lm->uri);
    if (lm->conn) {
        lm->callback_id = virConnectDomainEventRegisterAny(
            lm->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
            VIR_DOMAIN_EVENT_CALLBACK(lifecycle_cb), lm, NULL);
    }
    if (!lm->conn || lm->callback_id < 0) {
        virErrorPtr error = virGetLastError();

        lm->backoff = MIN(MAX(lm->backoff * 2, 250), MAX_BACKOFF_MS);
        lm->next_attempt = now + lm->backoff;
        VLOG_WARN_RL(&rl, "cannot subscribe to libvirt %s's domain events "
                     "(%s); retrying in %d ms", lm->uri,
                     error && error->message ? error->message : "unknown "
                     "error", lm->backoff);
        disconnect(lm);
        return;
    }
    virConnectRegisterCloseCallback(lm->conn, close_cb, lm, NULL);
    /* Notice a libvirtd that stopped answering. */
    virConnectSetKeepAlive(lm->conn, 5, 3);
    lm->backoff = 0;
    COVERAGE_INC(libvirt_connect);
    VLOG_INFO("subscribed to libvirt %s's domain lifecycle events",
              lm->uri);
}

void
libvirt_monitor_run(struct libvirt_monitor *lm)
{
    event_loop_run();
    if (lm->closed) {
        disconnect(lm);
        lm->next_attempt = time_msec();
    }
    if (!lm->conn) {
        try_connect(lm);
    }
}

void
libvirt_monitor_wait(struct libvirt_monitor *lm)
{
    event_loop_wait();
    if (!lm->conn) {
        poll_timer_wait_until(lm->next_attempt);
    }
    if (!ovs_list_is_empty(&lm->events)) {
        poll_immediate_wake();
    }
}

/* Takes the oldest queued event into '*ev'.  Returns false if there is
 * none. */
bool
libvirt_monitor_next(struct libvirt_monitor *lm, struct libvirt_event *ev)
{
    struct queued_event *qe;

    if (ovs_list_is_empty(&lm->events)) {
        return false;
    }
    qe = CONTAINER_OF(ovs_list_pop_front(&lm->events), struct queued_event,
                      node);
    *ev = qe->ev;
    free(qe);
    return true;
}

bool
libvirt_monitor_is_connected(const struct libvirt_monitor *lm)
{
    return lm->conn && !lm->closed;
}

const char *
libvirt_monitor_uri(const struct libvirt_monitor *lm)
{
    return lm->uri;
}
