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

#include <errno.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <linux/if.h>

#include "coverage.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "sset.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(link_monitor);

COVERAGE_DEFINE(link_monitor_change);

struct link_monitor {
    struct nl_cache_mngr *mngr;     /* NULL if rtnetlink is unavailable. */
    struct nl_cache *links;
    struct sset up;                 /* Devices that are up with carrier. */
};

/* Records 'link''s state.  roam keeps its own set rather than looking
 * names up in libnl's cache, which misses devices that moved into this
 * namespace after the cache was filled. */
static void
note_link(struct link_monitor *lm, struct rtnl_link *link, bool deleted)
{
    const char *name = rtnl_link_get_name(link);

    if (!name) {
        return;
    }
    /* IFF_LOWER_UP is the kernel's own carrier flag.  libnl's carrier
     * attribute can say "off" in an event whose flags say the link is up
     * (seen with tap devices that libvirt creates). */
    if (!deleted && (rtnl_link_get_flags(link) & IFF_UP)
        && (rtnl_link_get_flags(link) & IFF_LOWER_UP)) {
        sset_add(&lm->up, name);
    } else {
        sset_find_and_delete(&lm->up, name);
    }
}

static void
link_changed(struct nl_cache *cache OVS_UNUSED, struct nl_object *obj,
             int action, void *lm_)
{
    struct link_monitor *lm = lm_;
    struct rtnl_link *link = (struct rtnl_link *) obj;

    COVERAGE_INC(link_monitor_change);
    VLOG_DBG("%s: %s, flags %#x, carrier %s", rtnl_link_get_name(link),
             action == NL_ACT_DEL ? "deleted" : "changed",
             rtnl_link_get_flags(link),
             rtnl_link_get_carrier(link) ? "on" : "off");
    note_link(lm, link, action == NL_ACT_DEL);
}

static void
note_initial_link(struct nl_object *obj, void *lm)
{
    note_link(lm, (struct rtnl_link *) obj, false);
}

/* Returns a new link monitor.  If rtnetlink cannot be used, logs why and
 * returns a monitor that reports every device as up. */
struct link_monitor *
link_monitor_create(void)
{
    struct link_monitor *lm = xzalloc(sizeof *lm);
    int error;

    sset_init(&lm->up);
    error = nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, NL_AUTO_PROVIDE,
                                &lm->mngr);
    if (!error) {
        error = nl_cache_mngr_add(lm->mngr, "route/link", link_changed, lm,
                                  &lm->links);
    }
    if (!error) {
        nl_cache_foreach(lm->links, note_initial_link, lm);
    } else {
        VLOG_WARN("cannot follow link events (%s); treating every VM port "
                  "as up", nl_geterror(error));
        if (lm->mngr) {
            nl_cache_mngr_free(lm->mngr);
            lm->mngr = NULL;
        }
    }
    return lm;
}

void
link_monitor_destroy(struct link_monitor *lm)
{
    if (lm) {
        if (lm->mngr) {
            nl_cache_mngr_free(lm->mngr);
        }
        sset_destroy(&lm->up);
        free(lm);
    }
}

void
link_monitor_run(struct link_monitor *lm)
{
    if (lm->mngr) {
        int n = nl_cache_mngr_data_ready(lm->mngr);

        if (n < 0) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

            VLOG_WARN_RL(&rl, "reading link events: %s", nl_geterror(n));
        }
    }
}

void
link_monitor_wait(struct link_monitor *lm)
{
    if (lm->mngr) {
        poll_fd_wait(nl_cache_mngr_get_fd(lm->mngr), POLLIN);
    }
}

/* Returns true if kernel device 'name' exists, is administratively up and
 * has carrier (or if links cannot be followed at all). */
bool
link_monitor_is_up(const struct link_monitor *lm, const char *name)
{
    return !lm->mngr || sset_contains(&lm->up, name);
}

