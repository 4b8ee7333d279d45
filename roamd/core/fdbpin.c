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

#include "roamd/core/fdbpin.h"

#include <errno.h>

#include "roamd/core/appctl.h"
#include "coverage.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(fdbpin);

COVERAGE_DEFINE(fdbpin_add);
COVERAGE_DEFINE(fdbpin_del);
COVERAGE_DEFINE(fdbpin_refused);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

#define RETRY_MS 1000

struct pin {
    struct hmap_node node;      /* In 'pins', by hash of bridge, vlan, mac. */
    uint64_t cookie;            /* Tells its replies apart. */
    char *bridge;
    uint16_t vlan;
    struct eth_addr mac;
    char *want;                 /* Port to pin to, or NULL to unpin. */
    char *have;                 /* Port ovs-vswitchd has it pinned to (as
                                 * far as we know), or NULL. */
    char *sent;                 /* In flight: the port asked for, or "" for
                                 * an unpin; NULL if nothing in flight. */
    long long int retry_at;     /* After a refusal, not before this. */
};

struct fdbpin {
    struct appctl *appctl;      /* Not owned. */
    struct hmap pins;
    uint64_t next_cookie;
    unsigned int appctl_seqno;
};

/* Returns a new fdbpin that talks to ovs-vswitchd through 'appctl', which
 * must outlive it.  The caller owns it. */
struct fdbpin *
fdbpin_create(struct appctl *appctl)
{
    struct fdbpin *fp = xzalloc(sizeof *fp);

    fp->appctl = appctl;
    hmap_init(&fp->pins);
    fp->next_cookie = 1;
    fp->appctl_seqno = appctl_seqno(appctl);
    return fp;
}

static void
pin_free(struct pin *p)
{
    free(p->bridge);
    free(p->want);
    free(p->have);
    free(p->sent);
    free(p);
}

void
fdbpin_destroy(struct fdbpin *fp)
{
    if (fp) {
        struct pin *p;

        HMAP_FOR_EACH_POP (p, node, &fp->pins) {
            pin_free(p);
        }
        hmap_destroy(&fp->pins);
        free(fp);
    }
}

static uint32_t
pin_hash(const char *bridge, uint16_t vlan, struct eth_addr mac)
{
    return hash_string(bridge, hash_2words(vlan, hash_mac(mac, 0, 0)));
}

static struct pin *
pin_find(const struct fdbpin *fp, const char *bridge, uint16_t vlan,
         struct eth_addr mac)
{
    struct pin *p;

    HMAP_FOR_EACH_WITH_HASH (p, node, pin_hash(bridge, vlan, mac),
                             &fp->pins) {
        if (p->vlan == vlan && eth_addr_equals(p->mac, mac)
            && !strcmp(p->bridge, bridge)) {
            return p;
        }
    }
    return NULL;
}

static bool
same_port(const char *a, const char *b)
{
    return a ? b && !strcmp(a, b) : !b;
}

/* Pins 'mac' on 'vlan' of 'bridge' to 'port', or, if 'port' is null,
 * removes the pin.  Takes effect in ovs-vswitchd in a later fdbpin_run(). */
void
fdbpin_set(struct fdbpin *fp, const char *bridge, uint16_t vlan,
           struct eth_addr mac, const char *port)
{
    struct pin *p = pin_find(fp, bridge, vlan, mac);

    if (!p) {
        if (!port) {
            return;
        }
        p = xzalloc(sizeof *p);
        p->bridge = xstrdup(bridge);
        p->vlan = vlan;
        p->mac = mac;
        p->cookie = fp->next_cookie++;
        hmap_insert(&fp->pins, &p->node, pin_hash(bridge, vlan, mac));
    }
    if (!same_port(p->want, port)) {
        VLOG_INFO("bridge %s: %s "ETH_ADDR_FMT" on VLAN %"PRIu16"%s%s",
                  bridge, port ? "pinning" : "unpinning", ETH_ADDR_ARGS(mac),
                  vlan, port ? " to port " : "", port ? port : "");
        free(p->want);
        p->want = nullable_xstrdup(port);
        p->retry_at = 0;
    }
}

/* Whether ovs-vswitchd holds what fdbpin_set() last asked for 'mac' on
 * 'vlan' of 'bridge'. */
bool
fdbpin_is_applied(const struct fdbpin *fp, const char *bridge, uint16_t vlan,
                  struct eth_addr mac)
{
    const struct pin *p = pin_find(fp, bridge, vlan, mac);

    return !p || (same_port(p->want, p->have) && !p->sent);
}

static struct pin *
pin_by_cookie(const struct fdbpin *fp, uint64_t cookie)
{
    struct pin *p;

    HMAP_FOR_EACH (p, node, &fp->pins) {
        if (p->cookie == cookie) {
            return p;
        }
    }
    return NULL;
}

static void
reply_cb(void *fp_, uint64_t cookie, int error, const char *reply)
{
    struct fdbpin *fp = fp_;
    struct pin *p = pin_by_cookie(fp, cookie);

    if (!p || !p->sent) {
        return;
    }
    bool unpin = !p->sent[0];
    if (!error || unpin) {
        /* An unpin that finds no entry has nothing left to do either. */
        free(p->have);
        p->have = unpin ? NULL : p->sent;
        if (unpin) {
            free(p->sent);
        }
        p->sent = NULL;
    } else {
        COVERAGE_INC(fdbpin_refused);
        if (error != ENOTCONN && error != ECONNRESET) {
            VLOG_WARN_RL(&rl, "bridge %s: pinning "ETH_ADDR_FMT" to %s "
                         "refused: %s", p->bridge, ETH_ADDR_ARGS(p->mac),
                         p->sent, reply ? reply : ovs_strerror(error));
        }
        free(p->sent);
        p->sent = NULL;
        p->retry_at = time_msec() + RETRY_MS;
    }
}

void
fdbpin_run(struct fdbpin *fp)
{
    long long int now = time_msec();
    struct pin *p;

    if (appctl_seqno(fp->appctl) != fp->appctl_seqno) {
        /* ovs-vswitchd may have restarted: pin everything again. */
        fp->appctl_seqno = appctl_seqno(fp->appctl);
        HMAP_FOR_EACH (p, node, &fp->pins) {
            /* Pins are added again; unpins, which may or may not have
             * happened, are sent again ("" stands for "maybe pinned"). */
            free(p->have);
            p->have = p->want ? NULL : xstrdup("");
            p->retry_at = 0;
        }
    }
    if (!appctl_is_connected(fp->appctl)) {
        return;
    }
    HMAP_FOR_EACH_SAFE (p, node, &fp->pins) {
        if (p->sent) {
            continue;
        }
        if (!p->want && !p->have) {
            hmap_remove(&fp->pins, &p->node);
            pin_free(p);
            continue;
        }
        if (same_port(p->want, p->have) || now < p->retry_at) {
            continue;
        }

        char vlan[8], mac[ETH_ADDR_STRLEN + 1];
        snprintf(vlan, sizeof vlan, "%"PRIu16, p->vlan);
        snprintf(mac, sizeof mac, ETH_ADDR_FMT, ETH_ADDR_ARGS(p->mac));
        p->sent = xstrdup(p->want ? p->want : "");
        if (p->want) {
            const char *args[] = { p->bridge, p->want, vlan, mac };

            COVERAGE_INC(fdbpin_add);
            appctl_request(fp->appctl, "fdb/add", args, 4, reply_cb, fp,
                           p->cookie);
        } else {
            const char *args[] = { p->bridge, vlan, mac };

            COVERAGE_INC(fdbpin_del);
            appctl_request(fp->appctl, "fdb/del", args, 3, reply_cb, fp,
                           p->cookie);
        }
    }
}

void
fdbpin_wait(struct fdbpin *fp)
{
    const struct pin *p;

    HMAP_FOR_EACH (p, node, &fp->pins) {
        if (!p->sent && !same_port(p->want, p->have)) {
            if (p->retry_at) {
                poll_timer_wait_until(p->retry_at);
            } else {
                poll_immediate_wake();
            }
        }
    }
}

/* Appends a table of the pins to 'out', for unixctl. */
void
fdbpin_list(const struct fdbpin *fp, struct ds *out)
{
    const struct pin *p;

    ds_put_format(out, "%-12s %-5s %-17s %-16s %s\n", "bridge", "vlan",
                  "mac", "pinned to", "state");
    HMAP_FOR_EACH (p, node, &fp->pins) {
        ds_put_format(out, "%-12s %-5"PRIu16" "ETH_ADDR_FMT" %-16s %s\n",
                      p->bridge, p->vlan, ETH_ADDR_ARGS(p->mac),
                      p->want ? p->want : "(unpinning)",
                      p->sent ? "pending" : same_port(p->want, p->have)
                      ? "applied" : "waiting");
    }
}
