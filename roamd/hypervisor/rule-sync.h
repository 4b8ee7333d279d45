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

#ifndef ROAM_RULE_SYNC_H
#define ROAM_RULE_SYNC_H 1

/* Rule sync: a held VM's rules, between the switch and the database
 * (seed features S1.1, S2.1).
 *
 * While this host holds a VM, rule sync keeps the VM's rules (the flows
 * rules_classify() calls its send and receive rules, hand-added ones
 * included) saved in logical form in the roam database, write-ahead for any
 * later move, and owns them in the bridge's flowctl.  It renders saved
 * rules for a port (or, for a departed VM's stragglers, for the uplink),
 * and, after a restart, sweeps away what an earlier roamd left installed
 * for VMs that other hosts now hold. */

#include <stdbool.h>

#include "openvswitch/types.h"

struct flowctl;
struct follow;
struct fvm;
struct roamd_ctx;
struct roamrec_vm;
struct oflows;

void rule_sync_render(const struct roamrec_vm *, ofp_port_t port,
                      bool leaving, struct oflows *);
void rule_sync_run(struct follow *, struct fvm *, struct flowctl *,
                   const struct roamrec_vm *, const struct roamd_ctx *);
void rule_sync_destroy_indexes(struct follow *);
void rule_sync_sweep(struct follow *, struct flowctl *, const char *bridge,
                     const struct roamd_ctx *);

#endif /* rule-sync.h */
