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

#ifndef ROAM_DEPARTURE_H
#define ROAM_DEPARTURE_H 1

/* Departure: a VM leaving this host in a live migration (seed features
 * S1.2, S1.3).
 *
 * While a migration of a held VM away from this host is pending, departure
 * arms the VM's departure flow (gate.h), so that the pause notice
 * (departure_pause(): libvirt's suspended-migrated event, "roamctl vm
 * paused", or a "pause" timestamp on the Migration row) redirects the VM's
 * traffic to the uplink in the datapath with one packet-out, and answers
 * whoever asked once the redirect is in force.  When a higher sequence
 * number places the VM elsewhere, departure deletes its send rules and
 * points its receive rules, and all other traffic for it, at the uplink,
 * so that stragglers still reach it, until the straggler timeout; and it
 * records "migrate-out" and "complete" on the VM's Migration row.  A VM
 * that was paused but does not resume elsewhere in time gets its traffic
 * delivered here again. */

#include <stdbool.h>

struct follow;
struct fvm;
struct roamd_ctx;
struct roamrec_vm;
struct shash;
struct unixctl_conn;

void departure_run(struct follow *, struct fvm *, const struct roamrec_vm *,
                   const struct roamd_ctx *);
void departure_leave(struct follow *, struct fvm *, const struct roamrec_vm *,
                     const struct roamd_ctx *);
void departure_record_leaving(struct fvm *, const struct roamrec_vm *,
                              const struct roamd_ctx *);
bool departure_record_complete(struct fvm *, const struct roamd_ctx *);

int departure_pause(struct follow *, struct fvm *, const struct shash *,
                    long long int notice_us, struct unixctl_conn *);
int departure_resume(struct follow *, struct fvm *, const struct shash *);
void departure_run_pauses(struct follow *, const struct shash *flowctls);

#endif /* departure.h */
