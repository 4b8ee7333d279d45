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

#ifndef ROAM_OFLOW_H
#define ROAM_OFLOW_H 1

/* OpenFlow flows, parsed once and shared.
 *
 * A struct oflow is one flow: table, priority, match, cookie and actions.
 * It is immutable once made and reference-counted, so that flowctl's
 * desired table, its installed table and its view of the switch hold one
 * copy of a flow between them, and a rule read from the switch can be
 * desired again without being copied.  A flow is one allocation: a
 * host's rules are many, and each costs what is in it.
 *
 * A struct oflows is a set of flows that a caller builds and hands to
 * flowctl_replace_owner() in one piece: the flows of one VM, or of one
 * gate.  Flows are built from parsed matches and actions; oflows_add_text()
 * parses ovs-ofctl syntax, for operator-supplied rules, roamd's gate
 * templates and tests.  A later flow with the same table, priority and
 * match as an earlier one replaces it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/match.h"
#include "openvswitch/types.h"

struct ofpact;
struct ofputil_port_map;

struct oflow {
    uint32_t hash;              /* oflow_key_hash() of the fields below. */
    unsigned int ref_cnt;
    uint8_t table_id;
    uint16_t priority;
    uint32_t ofpacts_len;
    ovs_be64 cookie;
    struct minimatch match;     /* Its miniflows, and the actions, are in
                                 * the same allocation as the oflow. */
    struct ofpact *ofpacts;
};

uint32_t oflow_key_hash(uint8_t table_id, uint16_t priority,
                        const struct minimatch *);

struct oflow *oflow_create(uint8_t table_id, uint16_t priority,
                           ovs_be64 cookie, const struct minimatch *,
                           const struct ofpact *, size_t ofpacts_len);
struct oflow *oflow_create_from_match(uint8_t table_id, uint16_t priority,
                                      ovs_be64 cookie, const struct match *,
                                      const struct ofpact *,
                                      size_t ofpacts_len);
int oflow_parse(const char *, const struct ofputil_port_map *,
                struct oflow **, char **errorp);
struct oflow *oflow_ref(const struct oflow *);
void oflow_unref(struct oflow *);

bool oflow_same_key(const struct oflow *, const struct oflow *);
bool oflow_same_contents(const struct oflow *, const struct oflow *);
char *oflow_to_string(const struct oflow *);

/* A set of flows a caller builds (see above). */
struct oflows {
    struct oflow **flows;       /* Each one a reference the set owns. */
    size_t n, allocated;
};

#define OFLOWS_INITIALIZER { NULL, 0, 0 }

void oflows_init(struct oflows *);
void oflows_destroy(struct oflows *);
void oflows_clear(struct oflows *);
void oflows_add(struct oflows *, struct oflow *);
int oflows_add_text(struct oflows *, const char *, char **errorp);

#endif /* oflow.h */
