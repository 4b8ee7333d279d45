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

#ifndef ROAM_FOLLOW_H
#define ROAM_FOLLOW_H 1

/* Rules follow the VM (seed features S1.1-S1.5, S2.1).
 *
 * For every VM this host holds, follow keeps the VM's rules (the flows
 * rules_classify() calls its send and receive rules, hand-added ones
 * included) saved in logical form in the roam database, and installs them
 * through the bridge's flowctl, which thereby owns them.
 *
 * When a VM arrives (vif claimed it for a new port here), follow first
 * renders its saved rules for the new port and installs them (S1.4, S1.5);
 * only once the switch holds them does it save anything back.  When a VM
 * leaves (a higher sequence number placed it elsewhere), follow deletes its
 * send rules (S1.2) and points its receive rules at the bridge's uplink
 * (the interface with external_ids:roam-uplink=true), so that stragglers
 * still reach the VM (S1.3), until the straggler timeout passes; then it
 * deletes those too.  The database already holds every rule (write-ahead):
 * follow saves continuously while it holds the VM. */

#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"

struct ovsdb_idl;
struct ovsdb_idl_txn;
struct roamrec_host;

struct follow *follow_create(long long int straggler_ms);
void follow_destroy(struct follow *);

void follow_run(struct follow *, struct ovsdb_idl *ovs_idl,
                struct ovsdb_idl *roam_idl, struct ovsdb_idl_txn *roam_txn,
                const struct roamrec_host *chassis,
                const struct shash *flowctls);
void follow_wait(struct follow *);
void follow_list(const struct follow *, struct ds *);

#endif /* follow.h */
