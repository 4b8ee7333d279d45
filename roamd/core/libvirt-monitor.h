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

#ifndef ROAM_LIBVIRT_MONITOR_H
#define ROAM_LIBVIRT_MONITOR_H 1

/* libvirt's domain lifecycle events, in roamd's own loop.
 *
 * A live migration's decisive moments are the hypervisor's: the VM pauses
 * at the source for its last pass, and resumes at the destination.
 * libvirt's qemu hook has no such operations; its domain events do.
 * libvirt_monitor subscribes to them through libvirt's C API
 * (virConnectDomainEventRegisterAny(), VIR_DOMAIN_EVENT_ID_LIFECYCLE) on a
 * read-only connection, and runs libvirt's event loop inside roamd's
 * poll_block() loop: it registers its own event implementation
 * (virEventRegisterImpl()), whose handles and timers become poll_fd_wait()
 * and poll_timer_wait() calls, so an event is handled in the iteration
 * that reads it, with no thread and no database round trip.  A lost
 * connection (libvirtd restarted) is opened again, with backoff.
 *
 * Events are queued, oldest first, with the time (time_usec()) roamd read
 * them; roamd takes them with libvirt_monitor_next() and hands each to the
 * VMs whose vm-id is the domain's UUID:
 *
 *   - LIBVIRT_EVENT_PAUSED: suspended for migration (detail MIGRATED or
 *     POSTCOPY): the pause notice at the source;
 *   - LIBVIRT_EVENT_RESUMED: running again, at the destination after an
 *     incoming migration, or at the source after a failed one;
 *   - LIBVIRT_EVENT_STOPPED: stopped, shut down, crashed or migrated away
 *     ('migrated' tells which).
 *
 * libvirt-monitor.c implements it with libvirt; libvirt-monitor-stub.c,
 * chosen by the build where libvirt's development files are missing, never
 * connects and reports no events. */

#include <stdbool.h>

struct libvirt_monitor;

enum libvirt_event_type {
    LIBVIRT_EVENT_PAUSED,
    LIBVIRT_EVENT_RESUMED,
    LIBVIRT_EVENT_STOPPED,
};

struct libvirt_event {
    enum libvirt_event_type type;
    char uuid[37];              /* The domain's UUID, as in vm-id. */
    char name[64];              /* The domain's name (truncated). */
    bool migrated;              /* The event's detail is about a
                                 * migration. */
    long long int when_us;      /* time_usec() roamd read it at. */
};

/* Both implementations name events the same way. */
static inline const char *
libvirt_event_type_name(enum libvirt_event_type type)
{
    switch (type) {
    case LIBVIRT_EVENT_PAUSED:
        return "paused";
    case LIBVIRT_EVENT_RESUMED:
        return "resumed";
    case LIBVIRT_EVENT_STOPPED:
        return "stopped";
    }
    return "?";
}

struct libvirt_monitor *libvirt_monitor_create(const char *uri);
void libvirt_monitor_destroy(struct libvirt_monitor *);

void libvirt_monitor_run(struct libvirt_monitor *);
void libvirt_monitor_wait(struct libvirt_monitor *);

bool libvirt_monitor_next(struct libvirt_monitor *, struct libvirt_event *);
bool libvirt_monitor_is_connected(const struct libvirt_monitor *);
const char *libvirt_monitor_uri(const struct libvirt_monitor *);

#endif /* libvirt-monitor.h */
