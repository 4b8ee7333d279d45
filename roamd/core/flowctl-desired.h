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

#ifndef ROAM_FLOWCTL_DESIRED_H
#define ROAM_FLOWCTL_DESIRED_H 1

/* flowctl's desired table: the flows callers want on a switch, each
 * claimed by an owner.
 *
 * An owner is a UUID that a caller picks for a set of flows it manages as
 * one, as ovn-controller's ofctrl keys flows by the logical flow they came
 * from: roamd gives each VM one owner for its rules and one for its gates.
 * A caller replaces or removes an owner's flows in one call.
 *
 * Flows are keyed by table, priority and match, as a switch keys them.
 * When two owners claim the same key, the first claim is the one desired;
 * the others wait behind it, and one of them takes over when it goes.  A
 * VM that shares a MAC with another therefore keeps a rule that both claim
 * when the other one leaves.
 *
 * It also keeps a journal of the keys whose desired flow changed (added,
 * removed, or now with other contents), so that flowctl sends the switch
 * the difference by looking at those keys only: a change costs the same
 * at 10 or 100 000 flows.  Past a quarter of the table, the journal just
 * says "everything". */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/hmap.h"

struct minimatch;
struct oflow;
struct oflows;
struct uuid;

struct flowctl_desired {
    struct hmap flows;          /* struct desired_claim, first claims. */
    struct hmap shadows;        /* struct desired_claim, the others. */
    struct hmap owners;         /* struct desired_owner. */
    struct hmap touched;        /* struct desired_touch: the journal. */
    bool all_touched;           /* The journal overflowed (or was told). */
};

/* A key in the journal. */
struct desired_touch {
    struct hmap_node node;      /* In 'touched', by the flow's hash. */
    struct oflow *key;          /* A flow with the key (a reference). */
};

/* The first claim of a key, as flowctl_desired_for_each() yields it. */
struct desired_claim {
    struct hmap_node node;      /* In 'flows' if the key's first claim,
                                 * else in 'shadows'; by the flow's hash. */
    struct oflow *flow;
    struct desired_owner *owner;
    struct desired_claim *owner_next;   /* The owner's next claim. */
};

void flowctl_desired_init(struct flowctl_desired *);
void flowctl_desired_destroy(struct flowctl_desired *);

const struct oflow *flowctl_desired_find(const struct flowctl_desired *,
                                         uint8_t table_id, uint16_t priority,
                                         uint32_t hash,
                                         const struct minimatch *);
bool flowctl_desired_add(struct flowctl_desired *, const struct uuid *owner,
                         struct oflow *);
bool flowctl_desired_replace(struct flowctl_desired *,
                             const struct uuid *owner, struct oflows *);
bool flowctl_desired_remove_owner(struct flowctl_desired *,
                                  const struct uuid *owner);
bool flowctl_desired_remove_key(struct flowctl_desired *,
                                const struct oflow *key);
bool flowctl_desired_clear(struct flowctl_desired *);
size_t flowctl_desired_count(const struct flowctl_desired *);

void flowctl_desired_touch(struct flowctl_desired *, const struct oflow *);
void flowctl_desired_touch_all(struct flowctl_desired *);
bool flowctl_desired_all_touched(const struct flowctl_desired *);
void flowctl_desired_clear_touched(struct flowctl_desired *);

/* Iterates 'TOUCH' over the journal (TOUCH->key), unless it overflowed
 * (flowctl_desired_all_touched()). */
#define FLOWCTL_DESIRED_FOR_EACH_TOUCHED(TOUCH, DESIRED) \
    HMAP_FOR_EACH (TOUCH, node, &(DESIRED)->touched)
size_t flowctl_desired_owner_count(const struct flowctl_desired *,
                                   const struct uuid *owner);

/* Iterates 'CLAIM' over the desired flows (CLAIM->flow) of 'DESIRED'. */
#define FLOWCTL_DESIRED_FOR_EACH(CLAIM, DESIRED) \
    HMAP_FOR_EACH (CLAIM, node, &(DESIRED)->flows)

#endif /* flowctl-desired.h */
