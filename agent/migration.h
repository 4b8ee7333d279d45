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

#ifndef ROAM_MIGRATION_H
#define ROAM_MIGRATION_H 1

/* Migration records in the roam database.
 *
 * Each move of a VM gets one Migration row, keyed by the VM and the
 * location sequence number it moves to.  The host that claims the VM
 * creates it in the claim's own transaction (phase "prepare"); the phases
 * then only ever advance: "activate" when the VM's rules are active at the
 * destination, "migrate-out" when the source has removed the VM's send
 * rules and redirected its receive rules, "complete" when the source's
 * redirects are gone.  Each phase's wall-clock time goes into 'timestamps',
 * so "roamctl migration list" can report what took how long.  A migration
 * the source takes back (the destination died, or never activated) ends
 * "rolled-back", with the reason in 'error'. */

#include <stdint.h>

struct ovsdb_idl;
struct ovsdb_idl_txn;
struct roamrec_host;
struct roamrec_vm;

void migration_record_claim(struct ovsdb_idl_txn *,
                            const struct roamrec_vm *,
                            const struct roamrec_host *dst, int64_t new_seq);
void migration_advance(struct ovsdb_idl *, struct ovsdb_idl_txn *,
                       const struct roamrec_vm *, int64_t seq,
                       const char *phase, int64_t rules_moved);
void migration_roll_back(struct ovsdb_idl *, struct ovsdb_idl_txn *,
                         const struct roamrec_vm *, int64_t seq,
                         const char *error);
void migration_complete_at_source(struct ovsdb_idl *, struct ovsdb_idl_txn *,
                                  const struct roamrec_vm *,
                                  const struct roamrec_host *src);
long long int migration_phase_time(struct ovsdb_idl *,
                                   const struct roamrec_vm *, int64_t seq,
                                   const char *phase);

#endif /* migration.h */
