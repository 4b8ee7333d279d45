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

#ifndef ROAM_ARRIVAL_H
#define ROAM_ARRIVAL_H 1

/* Arrival: a VM coming to this host in a live migration (seed features
 * S1.4, S1.5).
 *
 * When a VM's port appears here while the VM runs at another live host,
 * arrival prepares, each step once the previous one holds in the switch:
 * the VM's saved rules for the new port with a detour that keeps sending
 * this host's frames for the VM to where it runs; a pin of its MAC to the
 * new port; then the arrival gate (gate.h), which holds the VM's traffic
 * until the VM's first frame here opens it in the datapath.  It handles
 * the gates' packet-ins, which pinctrl hands it (activations, and held
 * frames in the agent baseline),
 * tells vif which VMs may be claimed, turns a claimed VM into a held one,
 * and records the arrival on the VM's Migration row.  An arrival that the
 * VM never completes, or that another host wins, is given up after the
 * activation timeout and recorded as rolled back. */

#include <stdbool.h>

struct follow;
struct fvm;
struct roamd_ctx;
struct roamrec_vm;
struct shash;
struct vif;

void arrival_run(struct follow *, struct fvm *, const struct vif *,
                 const struct roamrec_vm *, const struct roamd_ctx *);
void arrival_claimed(struct follow *, struct fvm *, const struct roamrec_vm *,
                     const struct roamd_ctx *);
void arrival_record(struct fvm *, const struct roamrec_vm *,
                    const struct roamd_ctx *);
void arrival_settle(struct follow *, struct fvm *, const struct roamd_ctx *);
bool arrival_claimable(const struct fvm *, long long int now);
struct pinctrl_packet_in;
void arrival_packet_in(void *follow, const struct pinctrl_packet_in *);
void arrival_flush_held(struct follow *, const struct shash *flowctls);
int arrival_resume(struct fvm *, const struct shash *flowctls,
                   long long int notice_us);
void arrival_stopped(struct fvm *);

#endif /* arrival.h */
