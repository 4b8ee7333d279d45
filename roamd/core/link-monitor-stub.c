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

#include "roamd/core/link-monitor.h"

#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(link_monitor);

/* Without libnl-3 there are no link events: every device counts as up, and
 * VM ports come and go with ovs-vswitchd's view of them. */

struct link_monitor {
    int dummy;
};

struct link_monitor *
link_monitor_create(void)
{
    VLOG_INFO("built without libnl-3: link events are not followed");
    return xzalloc(sizeof(struct link_monitor));
}

void
link_monitor_destroy(struct link_monitor *lm)
{
    free(lm);
}

void
link_monitor_run(struct link_monitor *lm OVS_UNUSED)
{
}

void
link_monitor_wait(struct link_monitor *lm OVS_UNUSED)
{
}

bool
link_monitor_is_up(const struct link_monitor *lm OVS_UNUSED,
                   const char *name OVS_UNUSED)
{
    return true;
}

