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

#ifndef ROAM_CHASSIS_H
#define ROAM_CHASSIS_H 1

/* This host's row in the roam database.
 *
 * An operator registers a host once (roamctl host add); roamd finds its row
 * by name and keeps its alive_until a few seconds in the future, so that
 * "host list" and other hosts see it up while roamd runs and down soon after
 * it stops.
 *
 * chassis_host_is_down() is how roamd judges another host: down once its
 * alive_until has passed, but only after this roamd has been connected to
 * the database for CHASSIS_ALIVE_MS without a break.  After an outage of
 * the database every host's alive_until has passed, and a live host needs
 * that long to push its own forward again; judging earlier would take VMs
 * back from hosts that run them. */

#include <stdbool.h>

struct ovsdb_idl;
struct ovsdb_idl_txn;
struct roamrec_host;

/* How far ahead alive_until points, and how often it is pushed forward. */
#define CHASSIS_ALIVE_MS 5000
#define CHASSIS_REFRESH_MS 1000

const struct roamrec_host *chassis_run(struct ovsdb_idl *roam_idl,
                                       struct ovsdb_idl_txn *,
                                       const char *name);
void chassis_wait(void);
bool chassis_host_is_down(const struct roamrec_host *);

#endif /* chassis.h */
