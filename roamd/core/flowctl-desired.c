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

#include "roamd/core/flowctl-desired.h"

#include "coverage.h"
#include "roamd/core/oflow.h"
#include "util.h"
#include "uuid.h"

COVERAGE_DEFINE(flowctl_desired_shadowed);

struct desired_owner {
    struct hmap_node node;      /* In 'owners', by uuid_hash(). */
    struct uuid uuid;
    struct desired_claim *claims;       /* Linked by 'owner_next'. */
    size_t n;
};

void
flowctl_desired_init(struct flowctl_desired *d)
{
    hmap_init(&d->flows);
    hmap_init(&d->shadows);
    hmap_init(&d->owners);
    hmap_init(&d->touched);
    d->all_touched = false;
}

void
flowctl_desired_destroy(struct flowctl_desired *d)
{
    if (d) {
        flowctl_desired_clear(d);
        flowctl_desired_clear_touched(d);
        hmap_destroy(&d->touched);
        hmap_destroy(&d->flows);
        hmap_destroy(&d->shadows);
        hmap_destroy(&d->owners);
    }
}

static struct desired_claim *
find_in(const struct hmap *map, uint8_t table_id, uint16_t priority,
        uint32_t hash, const struct minimatch *match,
        const struct desired_owner *owner)
{
    struct desired_claim *c;

    HMAP_FOR_EACH_WITH_HASH (c, node, hash, map) {
        if (c->flow->table_id == table_id && c->flow->priority == priority
            && (!owner || c->owner == owner)
            && minimatch_equal(&c->flow->match, match)) {
            return c;
        }
    }
    return NULL;
}

static struct desired_claim *
find_claim(const struct flowctl_desired *d, uint8_t table_id,
           uint16_t priority, uint32_t hash, const struct minimatch *match)
{
    return find_in(&d->flows, table_id, priority, hash, match, NULL);
}

static struct desired_claim *
find_claim_of(const struct flowctl_desired *d, const struct oflow *f)
{
    return find_claim(d, f->table_id, f->priority, f->hash, &f->match);
}

/* Returns 'o''s claim of 'f''s key, or NULL. */
static struct desired_claim *
find_owners_claim(const struct flowctl_desired *d, const struct oflow *f,
                  const struct desired_owner *o)
{
    struct desired_claim *c = find_claim_of(d, f);

    return (c && c->owner == o ? c
            : c ? find_in(&d->shadows, f->table_id, f->priority, f->hash,
                          &f->match, o)
            : NULL);
}

/* Returns a claim of 'f''s key that waits behind the first, or NULL. */
static struct desired_claim *
find_shadow(const struct flowctl_desired *d, const struct oflow *f)
{
    return find_in(&d->shadows, f->table_id, f->priority, f->hash,
                   &f->match, NULL);
}

/* Returns the desired flow with the given key, or NULL.  'hash' is
 * oflow_key_hash() of the key. */
const struct oflow *
flowctl_desired_find(const struct flowctl_desired *d, uint8_t table_id,
                     uint16_t priority, uint32_t hash,
                     const struct minimatch *match)
{
    const struct desired_claim *c = find_claim(d, table_id, priority, hash,
                                               match);
    return c ? c->flow : NULL;
}

static struct desired_owner *
find_owner(const struct flowctl_desired *d, const struct uuid *uuid)
{
    struct desired_owner *o;

    HMAP_FOR_EACH_WITH_HASH (o, node, uuid_hash(uuid), &d->owners) {
        if (uuid_equals(&o->uuid, uuid)) {
            return o;
        }
    }
    return NULL;
}

static struct desired_owner *
get_owner(struct flowctl_desired *d, const struct uuid *uuid)
{
    struct desired_owner *o = find_owner(d, uuid);

    if (!o) {
        o = xzalloc(sizeof *o);
        o->uuid = *uuid;
        hmap_insert(&d->owners, &o->node, uuid_hash(uuid));
    }
    return o;
}

/* Records in the journal that the desired flow with 'f''s key changed. */
void
flowctl_desired_touch(struct flowctl_desired *d, const struct oflow *f)
{
    struct desired_touch *t;

    if (d->all_touched) {
        return;
    }
    HMAP_FOR_EACH_WITH_HASH (t, node, f->hash, &d->touched) {
        if (oflow_same_key(t->key, f)) {
            return;
        }
    }
    if (hmap_count(&d->touched) >= 64
        && hmap_count(&d->touched) > hmap_count(&d->flows) / 4) {
        flowctl_desired_touch_all(d);
        return;
    }
    t = xmalloc(sizeof *t);
    t->key = oflow_ref(f);
    hmap_insert(&d->touched, &t->node, f->hash);
}

/* Records that any desired flow may have changed. */
void
flowctl_desired_touch_all(struct flowctl_desired *d)
{
    flowctl_desired_clear_touched(d);
    d->all_touched = true;
}

bool
flowctl_desired_all_touched(const struct flowctl_desired *d)
{
    return d->all_touched;
}

/* Empties the journal. */
void
flowctl_desired_clear_touched(struct flowctl_desired *d)
{
    struct desired_touch *t;

    HMAP_FOR_EACH_POP (t, node, &d->touched) {
        oflow_unref(t->key);
        free(t);
    }
    d->all_touched = false;
}

/* Adds 'f' (taking over the caller's reference) to 'owner''s flows,
 * replacing the owner's flow with the same key, if any.  Returns true if
 * the desired flows changed. */
bool
flowctl_desired_add(struct flowctl_desired *d, const struct uuid *owner,
                    struct oflow *f)
{
    struct desired_owner *o = get_owner(d, owner);
    struct desired_claim *head = find_claim_of(d, f);
    struct desired_claim *c = head ? find_owners_claim(d, f, o) : NULL;

    if (c) {
        bool changed = c == head && !oflow_same_contents(c->flow, f);

        if (changed) {
            flowctl_desired_touch(d, f);
        }
        oflow_unref(c->flow);
        c->flow = f;
        return changed;
    }

    c = xmalloc(sizeof *c);
    c->flow = f;
    c->owner = o;
    c->owner_next = o->claims;
    o->claims = c;
    o->n++;
    if (head) {
        COVERAGE_INC(flowctl_desired_shadowed);
        hmap_insert(&d->shadows, &c->node, f->hash);
        return false;
    }
    hmap_insert(&d->flows, &c->node, f->hash);
    flowctl_desired_touch(d, f);
    return true;
}

/* Takes 'c' out of its key's claims and frees it; its owner's list is the
 * caller's business.  Returns true if the desired flows changed. */
static bool
remove_claim(struct flowctl_desired *d, struct desired_claim *c)
{
    bool changed = false;

    if (find_claim_of(d, c->flow) == c) {
        struct desired_claim *next = find_shadow(d, c->flow);

        if (next) {
            hmap_remove(&d->shadows, &next->node);
            hmap_replace(&d->flows, &c->node, &next->node);
            changed = !oflow_same_contents(c->flow, next->flow);
        } else {
            hmap_remove(&d->flows, &c->node);
            changed = true;
        }
    } else {
        hmap_remove(&d->shadows, &c->node);
    }
    if (changed) {
        flowctl_desired_touch(d, c->flow);
    }
    oflow_unref(c->flow);
    free(c);
    return changed;
}

static bool
remove_owner(struct flowctl_desired *d, struct desired_owner *o)
{
    bool changed = false;

    while (o->claims) {
        struct desired_claim *c = o->claims;

        o->claims = c->owner_next;
        changed |= remove_claim(d, c);
    }
    hmap_remove(&d->owners, &o->node);
    free(o);
    return changed;
}

/* Removes all of 'owner''s flows.  Returns true if the desired flows
 * changed. */
bool
flowctl_desired_remove_owner(struct flowctl_desired *d,
                             const struct uuid *owner)
{
    struct desired_owner *o = find_owner(d, owner);

    return o ? remove_owner(d, o) : false;
}

/* Whether 'o' claims exactly the flows of 'fs'. */
static bool
owner_has_exactly(const struct flowctl_desired *d,
                  const struct desired_owner *o, const struct oflows *fs)
{
    if (o->n != fs->n) {
        return false;
    }
    for (size_t i = 0; i < fs->n; i++) {
        const struct desired_claim *c = find_owners_claim(d, fs->flows[i],
                                                          o);
        if (!c || !oflow_same_contents(c->flow, fs->flows[i])) {
            return false;
        }
    }
    return true;
}

/* Makes 'owner''s flows exactly those of 'fs', whose flows this takes
 * over: 'fs' is left empty.  Returns true if the desired flows changed. */
bool
flowctl_desired_replace(struct flowctl_desired *d, const struct uuid *owner,
                        struct oflows *fs)
{
    struct desired_owner *o = find_owner(d, owner);
    bool changed = false;

    if (o && owner_has_exactly(d, o, fs)) {
        oflows_clear(fs);
        return false;
    }
    if (o) {
        changed = remove_owner(d, o);
    }
    for (size_t i = 0; i < fs->n; i++) {
        changed |= flowctl_desired_add(d, owner, fs->flows[i]);
    }
    fs->n = 0;
    return changed;
}

static void
unlink_from_owner(struct flowctl_desired *d, struct desired_claim *c)
{
    struct desired_owner *o = c->owner;
    struct desired_claim **p;

    for (p = &o->claims; *p && *p != c; p = &(*p)->owner_next) {
        continue;
    }
    if (*p) {
        *p = c->owner_next;
        o->n--;
    }
    if (!o->n) {
        hmap_remove(&d->owners, &o->node);
        free(o);
    }
}

/* Removes every claim of the flow with 'key''s table, priority and match,
 * whoever made it.  Returns true if there was one. */
bool
flowctl_desired_remove_key(struct flowctl_desired *d, const struct oflow *key)
{
    struct desired_claim *c = find_claim_of(d, key);

    if (!c) {
        return false;
    }
    flowctl_desired_touch(d, key);
    hmap_remove(&d->flows, &c->node);
    do {
        unlink_from_owner(d, c);
        oflow_unref(c->flow);
        free(c);
        c = find_shadow(d, key);
        if (c) {
            hmap_remove(&d->shadows, &c->node);
        }
    } while (c);
    return true;
}

/* Removes every flow.  Returns true if there was any. */
bool
flowctl_desired_clear(struct flowctl_desired *d)
{
    struct desired_owner *o;
    bool changed = !hmap_is_empty(&d->flows);

    HMAP_FOR_EACH_SAFE (o, node, &d->owners) {
        remove_owner(d, o);
    }
    return changed;
}

size_t
flowctl_desired_count(const struct flowctl_desired *d)
{
    return hmap_count(&d->flows);
}

/* How many flows 'owner' claims, desired or waiting behind another
 * owner's claim. */
size_t
flowctl_desired_owner_count(const struct flowctl_desired *d,
                            const struct uuid *owner)
{
    const struct desired_owner *o = find_owner(d, owner);

    return o ? o->n : 0;
}
