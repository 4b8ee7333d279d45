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

#include "db/chassis.h"

#include <limits.h>

#include "db/roam-idl.h"
#include "ovsdb-idl.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"

VLOG_DEFINE_THIS_MODULE(chassis);

/* time_msec() since which the roam database has been connected without a
 * break, or LLONG_MAX while it is not. */
static long long int connected_since = LLONG_MAX;

/* Returns this host's row, named 'name', and pushes its alive_until forward
 * through 'txn' when due ('txn' may be null while a previous transaction is
 * still in flight).  Returns NULL, and says so in the log, while the host
 * is not registered. */
const struct roamrec_host *
chassis_run(struct ovsdb_idl *roam_idl, struct ovsdb_idl_txn *txn,
            const char *name)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 1);
    const struct roamrec_host *host;
    long long int now = time_wall_msec();

    if (!ovsdb_idl_is_connected(roam_idl)) {
        connected_since = LLONG_MAX;
    } else if (connected_since == LLONG_MAX) {
        connected_since = time_msec();
    }
    ROAMREC_HOST_FOR_EACH (host, roam_idl) {
        if (!strcmp(host->name, name)) {
            break;
        }
    }
    if (!host) {
        VLOG_WARN_RL(&rl, "host %s is not registered in the roam database "
                     "(roamctl host add %s ...)", name, name);
        return NULL;
    }
    if (txn
        && host->alive_until < now + CHASSIS_ALIVE_MS - CHASSIS_REFRESH_MS) {
        roamrec_host_set_alive_until(host, now + CHASSIS_ALIVE_MS);
    }
    return host;
}

void
chassis_wait(void)
{
    poll_timer_wait(CHASSIS_REFRESH_MS);
}

/* Whether host 'h' is down (see chassis.h). */
bool
chassis_host_is_down(const struct roamrec_host *h)
{
    return (h->alive_until <= time_wall_msec()
            && connected_since != LLONG_MAX
            && time_msec() - connected_since >= CHASSIS_ALIVE_MS);
}
