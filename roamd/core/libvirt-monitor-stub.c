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

/* libvirt_monitor without libvirt (see libvirt-monitor.h): the build picks
 * this file where libvirt's development files are missing.  It never
 * connects and reports no events; pause notices then come through
 * "roamctl vm paused". */

#include <config.h>

#include "roamd/core/libvirt-monitor.h"

#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(libvirt_monitor);

struct libvirt_monitor {
    char *uri;
};

struct libvirt_monitor *
libvirt_monitor_create(const char *uri)
{
    struct libvirt_monitor *lm = xzalloc(sizeof *lm);

    lm->uri = xstrdup(uri);
    VLOG_WARN("built without libvirt: not following %s's domain events",
              uri);
    return lm;
}

void
libvirt_monitor_destroy(struct libvirt_monitor *lm)
{
    if (lm) {
        free(lm->uri);
        free(lm);
    }
}

void
libvirt_monitor_run(struct libvirt_monitor *lm OVS_UNUSED)
{
}

void
libvirt_monitor_wait(struct libvirt_monitor *lm OVS_UNUSED)
{
}

bool
libvirt_monitor_next(struct libvirt_monitor *lm OVS_UNUSED,
                     struct libvirt_event *ev OVS_UNUSED)
{
    return false;
}

bool
libvirt_monitor_is_connected(const struct libvirt_monitor *lm OVS_UNUSED)
{
    return false;
}

const char *
libvirt_monitor_uri(const struct libvirt_monitor *lm)
{
    return lm->uri;
}
