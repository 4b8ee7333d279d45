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
 * When a VM's port appears here while the VM runs at another live host (a
 * live migration), follow prepares: it renders the VM's saved rules for the
 * new port and installs them behind an arrival gate (gate.h), which holds
 * the VM's traffic, in a bounded buffer, until the VM's first frame here
 * opens it in the switch itself; follow then delivers what was held and vif
 * claims the VM (S1.4, S1.5).  An arrival that the VM never completes, or
 * that another host wins, is given up after the activation timeout and
 * recorded as rolled back.  When a VM arrives otherwise (claimed at once,
 * because it ran nowhere else), follow installs its rules; only once the
 * switch holds them does it save anything back.  When a VM
 * leaves (a higher sequence number placed it elsewhere), follow deletes its
 * send rules (S1.2) and points its receive rules at the bridge's uplink
 * (the interface with external_ids:roam-uplink=true), so that stragglers
 * still reach the VM (S1.3), until the straggler timeout passes; then it
 * deletes those too.  On the pause notice (follow_pause(), or a "pause"
 * timestamp on the VM's pending Migration row) it redirects all of a held
 * VM's traffic to the uplink, until the VM resumes at the destination or
 * the activation timeout passes.  The database already holds every rule
 * (write-ahead): follow saves continuously while it holds the VM. */

#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "sset.h"

struct ovsdb_idl;
struct ovsdb_idl_txn;
struct roamrec_host;

struct appctl;
struct fdbpin;
struct unixctl_conn;

struct follow *follow_create(long long int straggler_ms,
                             long long int activate_ms, size_t buffer_limit,
                             struct appctl *, struct fdbpin *);
void follow_destroy(struct follow *);

void follow_set_agent_activation(struct follow *, bool agent);
void follow_process_packet_ins(struct follow *, const struct shash *flowctls);
const struct sset *follow_activated(struct follow *);
int follow_pause(struct follow *, const struct shash *flowctls,
                 const char *iface_id, long long int notice_us,
                 struct unixctl_conn *);
int follow_resume(struct follow *, const struct shash *flowctls,
                  const char *iface_id, long long int notice_us);
void follow_stopped(struct follow *, const char *iface_id);
void follow_run_pauses(struct follow *, const struct shash *flowctls);

void follow_run(struct follow *, struct ovsdb_idl *ovs_idl,
                struct ovsdb_idl *roam_idl, struct ovsdb_idl_txn *roam_txn,
                const struct roamrec_host *chassis,
                const struct shash *flowctls);
void follow_wait(struct follow *);
void follow_list(const struct follow *, struct ds *);

#endif /* follow.h */
