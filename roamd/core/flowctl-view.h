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

#ifndef ROAM_FLOWCTL_VIEW_H
#define ROAM_FLOWCTL_VIEW_H 1

/* flowctl's view: every flow a switch held at its last complete reading,
 * hand-added ones included, as an array of shared struct oflows (oflow.h),
 * and the reading in progress.  An index by key is built only when asked
 * for (flowctl_view_find()): only a restarted roamd's sweep needs one. */

#include <stddef.h>

#include "openvswitch/hmap.h"
#include "roamd/core/oflow.h"

struct flowctl_view {
    struct oflows flows;        /* Latest complete reading. */
    struct oflows next;         /* Reading in progress. */
    struct view_node *nodes;    /* 'map''s nodes, or NULL. */
    struct hmap map;            /* 'flows', by key, once built. */
};

void flowctl_view_init(struct flowctl_view *);
void flowctl_view_destroy(struct flowctl_view *);
void flowctl_view_start(struct flowctl_view *);
void flowctl_view_add(struct flowctl_view *, struct oflow *);
void flowctl_view_complete(struct flowctl_view *);
const struct oflow *flowctl_view_find(struct flowctl_view *,
                                      const struct oflow *key);

#endif /* flowctl-view.h */
