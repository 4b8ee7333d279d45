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

/* Rules follow the VM (seed features S1.1-S1.5, S2.1): the hypervisor
 * role's driver.
 *
 * Every iteration, follow_run() walks the roam database's VM rows and, for
 * each, decides from the VM's row, its port here (vif.h) and what this host
 * follows of it (followed-vm.h) which part of the VM's life runs:
 *
 *   - rule-sync.c, while this host holds the VM: its rules are installed
 *     for its port, and saved back to the database when they change;
 *   - arrival.c, when the VM's port appears here while it runs elsewhere
 *     (a live migration): prepare behind a gate, activate, claim;
 *   - departure.c, while a migration away is pending and once the VM has
 *     left: the pause notice's redirect, stragglers to the uplink.
 *
 * Calls go one way: roamd.c calls follow, follow calls the three parts, and
 * they call followed-vm.c, gate.c and the core modules; none calls back. */

#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "sset.h"

struct appctl;
struct fdbpin;
struct pinctrl;
struct roamd_ctx;
struct unixctl_conn;
struct vif_table;

struct follow *follow_create(long long int straggler_ms,
                             long long int activate_ms, size_t buffer_limit,
                             struct appctl *, struct fdbpin *,
                             const struct vif_table *);
void follow_destroy(struct follow *);

void follow_set_agent_activation(struct follow *, bool agent);
void follow_set_rescan_budget(struct follow *, int percent);
void follow_register_packet_ins(struct follow *, struct pinctrl *);
void follow_flush_held(struct follow *, const struct shash *flowctls);
const struct sset *follow_activated(struct follow *);
int follow_pause(struct follow *, const struct shash *flowctls,
                 const char *iface_id, long long int notice_us,
                 struct unixctl_conn *);
int follow_resume(struct follow *, const struct shash *flowctls,
                  const char *iface_id, long long int notice_us);
void follow_stopped(struct follow *, const char *iface_id);
void follow_run_pauses(struct follow *, const struct shash *flowctls);

void follow_run(struct follow *, const struct roamd_ctx *);
void follow_wait(struct follow *);
void follow_list(const struct follow *, struct ds *);

#endif /* follow.h */
