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

#ifndef ROAM_FLOWCTL_INSTALLED_H
#define ROAM_FLOWCTL_INSTALLED_H 1

/* flowctl's installed table: the flows flowctl put on a switch and owns,
 * keyed by table, priority and match, each a reference to a shared
 * struct oflow (oflow.h).  flowctl_desired.h keeps what callers want; the
 * difference between the two is what flowctl sends. */

#include <stdint.h>

#include "openvswitch/hmap.h"

struct minimatch;
struct oflow;

struct flowctl_installed_flow {
    struct hmap_node node;      /* By the flow's hash. */
    struct oflow *flow;
};

struct flowctl_installed_flow *flowctl_installed_find(
    const struct hmap *, uint8_t table_id, uint16_t priority, uint32_t hash,
    const struct minimatch *);
struct flowctl_installed_flow *flowctl_installed_find_flow(
    const struct hmap *, const struct oflow *);
void flowctl_installed_set(struct hmap *, struct oflow *);
void flowctl_installed_remove(struct hmap *,
                              struct flowctl_installed_flow *);
void flowctl_installed_clear(struct hmap *);
void flowctl_installed_swap(struct hmap *, struct hmap *);

#endif /* flowctl-installed.h */
