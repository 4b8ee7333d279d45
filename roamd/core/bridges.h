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

#ifndef ROAM_BRIDGES_H
#define ROAM_BRIDGES_H 1

/* One flowctl per bridge.
 *
 * Follows the Open_vSwitch database's bridges: creates a flowctl for each
 * one (connected to RUNDIR/BRIDGE.mgmt), runs them, destroys them with their
 * bridge, and publishes each one's applied generation in the bridge's
 * external_ids:roam-applied-gen, which tests and tools wait on. */

#include "openvswitch/shash.h"

struct ovsdb_idl;
struct ovsdb_idl_txn;

void bridges_register_ovs_idl(struct ovsdb_idl *);
void bridges_run(struct ovsdb_idl *, struct ovsdb_idl_txn *,
                 struct shash *flowctls);
void bridges_wait(struct shash *flowctls);
void bridges_destroy(struct shash *flowctls);

#endif /* bridges.h */
