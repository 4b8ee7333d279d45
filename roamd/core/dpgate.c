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

#include "roamd/core/dpgate.h"

#include <errno.h>
#include <string.h>

#include "openvswitch/json.h"
#include "util.h"

static bool
get_count(const struct json *gate, const char *name, uint64_t *value)
{
    const struct json *j = shash_find_data(json_object(gate), name);

    if (!j || j->type != JSON_INTEGER || json_integer(j) < 0) {
        return false;
    }
    *value = json_integer(j);
    return true;
}

/* Finds gate 'id' in 'reply', the output of "ovs-appctl roam/gate-show
 * --json [ID]", and stores its counters in '*s'.  Returns 0, ENOENT if
 * there is no such gate, or EPROTO if the reply cannot be read. */
int
dpgate_parse(const char *reply, uint64_t id, struct dpgate_stats *s)
{
    struct json *json = json_from_string(reply);
    const struct json *gates;
    int error = EPROTO;

    memset(s, 0, sizeof *s);
    if (json->type != JSON_OBJECT
        || !(gates = shash_find_data(json_object(json), "gates"))
        || gates->type != JSON_ARRAY) {
        goto out;
    }
    error = ENOENT;
    for (size_t i = 0; i < json_array(gates)->n; i++) {
        const struct json *g = json_array(gates)->elems[i];
        const struct json *j_id, *state;
        uint64_t gid, full, cap, expired;

        if (g->type != JSON_OBJECT
            || !(j_id = shash_find_data(json_object(g), "id"))
            || j_id->type != JSON_STRING
            || !str_to_ullong(json_string(j_id), 0,
                              (unsigned long long int *) &gid)) {
            error = EPROTO;
            goto out;
        }
        if (gid != id) {
            continue;
        }
        state = shash_find_data(json_object(g), "state");
        if (!state || state->type != JSON_STRING
            || !get_count(g, "queued", &s->queued)
            || !get_count(g, "held", &s->held)
            || !get_count(g, "delivered", &s->delivered)
            || !get_count(g, "released_other", &s->released_other)
            || !get_count(g, "passed", &s->passed)
            || !get_count(g, "diverted", &s->diverted)
            || !get_count(g, "dropped_full", &full)
            || !get_count(g, "dropped_cap", &cap)
            || !get_count(g, "dropped_expired", &expired)) {
            error = EPROTO;
            goto out;
        }
        if (!strcmp(json_string(state), "open")
            || !strcmp(json_string(state), "releasing")) {
            s->open = true;
        } else if (strcmp(json_string(state), "closed")) {
            error = EPROTO;
            goto out;
        }
        s->dropped = full + cap + expired;
        uint64_t opened_us;
        if (get_count(g, "opened_us", &opened_us)) {
            s->opened_us = opened_us;
        }
        error = 0;
        goto out;
    }

out:
    json_destroy(json);
    return error;
}
