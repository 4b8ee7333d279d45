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

#include "roamd/core/flowctl-installed.h"

#include "openvswitch/match.h"
#include "roamd/core/oflow.h"
#include "util.h"

/* Returns the installed flow with the given key in 'map', or NULL.
 * 'hash' is oflow_key_hash() of the key. */
struct flowctl_installed_flow *
flowctl_installed_find(const struct hmap *map, uint8_t table_id,
                       uint16_t priority, uint32_t hash,
                       const struct minimatch *match)
{
    struct flowctl_installed_flow *i;

    HMAP_FOR_EACH_WITH_HASH (i, node, hash, map) {
        if (i->flow->table_id == table_id && i->flow->priority == priority
            && minimatch_equal(&i->flow->match, match)) {
            return i;
        }
    }
    return NULL;
}

/* Returns the installed flow with 'f''s key in 'map', or NULL. */
struct flowctl_installed_flow *
flowctl_installed_find_flow(const struct hmap *map, const struct oflow *f)
{
    return flowctl_installed_find(map, f->table_id, f->priority, f->hash,
                                  &f->match);
}

/* Makes 'f' (taking over the caller's reference) the installed flow with
 * its key in 'map'. */
void
flowctl_installed_set(struct hmap *map, struct oflow *f)
{
    struct flowctl_installed_flow *i = flowctl_installed_find_flow(map, f);

    if (i) {
        oflow_unref(i->flow);
    } else {
        i = xmalloc(sizeof *i);
        hmap_insert(map, &i->node, f->hash);
    }
    i->flow = f;
}

void
flowctl_installed_remove(struct hmap *map, struct flowctl_installed_flow *i)
{
    hmap_remove(map, &i->node);
    oflow_unref(i->flow);
    free(i);
}

void
flowctl_installed_clear(struct hmap *map)
{
    struct flowctl_installed_flow *i;

    HMAP_FOR_EACH_SAFE (i, node, map) {
        flowctl_installed_remove(map, i);
    }
}

/* Exchanges the contents of 'a' and 'b'. */
void
flowctl_installed_swap(struct hmap *a, struct hmap *b)
{
    struct hmap tmp = *a;

    *a = *b;
    *b = tmp;
    hmap_moved(a);
    hmap_moved(b);
}
