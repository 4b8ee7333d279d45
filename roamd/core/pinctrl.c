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

#include "roamd/core/pinctrl.h"

#include "roamd/core/flowctl.h"
#include "coverage.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(pinctrl);

COVERAGE_DEFINE(pinctrl_packet_in);
COVERAGE_DEFINE(pinctrl_unhandled);
COVERAGE_DEFINE(pinctrl_bad);

/* Handlers, few enough for a linear search. */
struct pinctrl_entry {
    uint8_t tag[2];
    pinctrl_handler *handler;
    void *aux;
};

struct pinctrl {
    struct pinctrl_entry *entries;
    size_t n_entries;
};

/* Returns a new pinctrl with no handlers.  The caller owns it. */
struct pinctrl *
pinctrl_create(void)
{
    return xzalloc(sizeof(struct pinctrl));
}

void
pinctrl_destroy(struct pinctrl *pc)
{
    if (pc) {
        free(pc->entries);
        free(pc);
    }
}

/* Hands packet-ins whose userdata starts with 'tag0', 'tag1' to 'handler',
 * with 'aux' (which must outlive 'pc').  A tag has one handler. */
void
pinctrl_register(struct pinctrl *pc, uint8_t tag0, uint8_t tag1,
                 pinctrl_handler *handler, void *aux)
{
    for (size_t i = 0; i < pc->n_entries; i++) {
        ovs_assert(pc->entries[i].tag[0] != tag0
                   || pc->entries[i].tag[1] != tag1);
    }
    pc->entries = xrealloc(pc->entries,
                           (pc->n_entries + 1) * sizeof *pc->entries);
    pc->entries[pc->n_entries++] = (struct pinctrl_entry) {
        .tag = { tag0, tag1 },
        .handler = handler,
        .aux = aux,
    };
}

static const struct pinctrl_entry *
pinctrl_find(const struct pinctrl *pc, const struct ofputil_packet_in *pin)
{
    const uint8_t *ud = pin->userdata;

    if (pin->userdata_len < 2) {
        return NULL;
    }
    for (size_t i = 0; i < pc->n_entries; i++) {
        if (pc->entries[i].tag[0] == ud[0] && pc->entries[i].tag[1] == ud[1]) {
            return &pc->entries[i];
        }
    }
    return NULL;
}

/* Takes every packet-in of every bridge in 'flowctls' (bridge name ->
 * struct flowctl) and hands each to its handler. */
void
pinctrl_run(struct pinctrl *pc, const struct shash *flowctls)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    struct shash_node *node;

    SHASH_FOR_EACH (node, flowctls) {
        struct flowctl *fc = node->data;
        struct ofpbuf *msg;

        while ((msg = flowctl_recv_packet_in(fc)) != NULL) {
            const struct pinctrl_entry *e;
            struct ofputil_packet_in pin;
            struct ofpbuf continuation;
            enum ofperr error;

            COVERAGE_INC(pinctrl_packet_in);
            error = ofputil_decode_packet_in(msg->data, true, NULL, NULL,
                                             &pin, NULL, NULL,
                                             &continuation);
            if (error) {
                COVERAGE_INC(pinctrl_bad);
                VLOG_WARN_RL(&rl, "bridge %s: bad packet-in: %s", node->name,
                             ofperr_to_string(error));
            } else if ((e = pinctrl_find(pc, &pin)) != NULL) {
                struct pinctrl_packet_in pi = {
                    .bridge = node->name,
                    .flowctl = fc,
                    .pin = &pin,
                    .continuation = &continuation,
                };
                e->handler(e->aux, &pi);
            } else {
                COVERAGE_INC(pinctrl_unhandled);
                VLOG_DBG_RL(&rl, "bridge %s: packet-in nobody asked for",
                            node->name);
            }
            ofpbuf_delete(msg);
        }
    }
}
