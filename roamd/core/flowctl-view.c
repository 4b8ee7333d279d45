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

#include "roamd/core/flowctl-view.h"

#include "util.h"

/* A flow of the view, in 'map'. */
struct view_node {
    struct hmap_node node;
    const struct oflow *flow;
};

void
flowctl_view_init(struct flowctl_view *v)
{
    oflows_init(&v->flows);
    oflows_init(&v->next);
    v->nodes = NULL;
    hmap_init(&v->map);
}

static void
drop_index(struct flowctl_view *v)
{
    free(v->nodes);
    v->nodes = NULL;
    hmap_destroy(&v->map);
    hmap_init(&v->map);
}

void
flowctl_view_destroy(struct flowctl_view *v)
{
    if (v) {
        drop_index(v);
        hmap_destroy(&v->map);
        oflows_destroy(&v->flows);
        oflows_destroy(&v->next);
    }
}

/* Starts a new reading (dropping one in progress). */
void
flowctl_view_start(struct flowctl_view *v)
{
    oflows_clear(&v->next);
}

/* Adds 'f' (taking over the caller's reference) to the reading in
 * progress. */
void
flowctl_view_add(struct flowctl_view *v, struct oflow *f)
{
    oflows_add(&v->next, f);
}

/* Makes the reading in progress the view. */
void
flowctl_view_complete(struct flowctl_view *v)
{
    struct oflows tmp;

    drop_index(v);
    oflows_clear(&v->flows);
    tmp = v->flows;
    v->flows = v->next;
    v->next = tmp;
}

/* Returns the view's flow with 'key''s table, priority and match, or
 * NULL.  Builds the view's index by key on the first call for each
 * view. */
const struct oflow *
flowctl_view_find(struct flowctl_view *v, const struct oflow *key)
{
    const struct view_node *n;

    if (!v->nodes) {
        v->nodes = xmalloc(v->flows.n * sizeof *v->nodes + 1);
        hmap_reserve(&v->map, v->flows.n);
        for (size_t i = 0; i < v->flows.n; i++) {
            v->nodes[i].flow = v->flows.flows[i];
            hmap_insert(&v->map, &v->nodes[i].node, v->flows.flows[i]->hash);
        }
    }
    HMAP_FOR_EACH_WITH_HASH (n, node, key->hash, &v->map) {
        if (oflow_same_key(n->flow, key)) {
            return n->flow;
        }
    }
    return NULL;
}
