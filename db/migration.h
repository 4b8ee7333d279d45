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
 * Each move of a VM gets one Migration row, keyed by the VM, the location
 * sequence number it moves to and its destination.  The row is created in
 * phase "prepare" by "roamctl migrate" or "roamctl migrate-in", or by the
 * destination when the VM's port appears there.  The phases then only ever
 * advance: "activate" when the VM's first frame at the destination opened
 * its gate (the destination claims the VM in the same step), "migrate-out"
 * when the source has removed the VM's send rules and redirected its
 * receive rules, "complete" when the source's redirects are gone.  A
 * "pause" timestamp records the pause notice.  Each phase's wall-clock time
 * goes into 'timestamps', so "roamctl migration list" and "roamctl migrate"
 * can report what took how long.  A migration that fails (the VM never
 * activated at the destination, another destination won, the destination
 * died) ends "rolled-back", with the reason in 'error'; the VM then keeps
 * running, with its rules, where it was.
 *
 * The destination also records what the VM's arrival gate did (frames
 * held, delivered to the VM, dropped), and the source how long its redirect
 * took after the pause notice.  Rows that ended longer ago than the
 * retention time (roamd --migration-retention) are deleted, each by its
 * source host (or, once the source is gone from the database, by its
 * destination). */

#include <stdbool.h>
#include <stdint.h>

struct ovsdb_idl;
struct ovsdb_idl_txn;
struct roamrec_host;
struct roamrec_vm;
struct uuid;

struct roamrec_migration;

bool migration_is_live(const struct roamrec_vm *);
bool migration_seq_can_grow(const struct roamrec_vm *);
const struct roamrec_migration *migration_pending(
    struct ovsdb_idl *, const struct roamrec_vm *,
    const struct roamrec_host *dst);
const struct roamrec_migration *migration_insert(
    struct ovsdb_idl_txn *, const struct roamrec_vm *,
    const struct roamrec_host *dst, const struct uuid *);
bool migration_phase_is_final(const char *phase);
const struct roamrec_migration *migration_record_prepare(
    struct ovsdb_idl *, struct ovsdb_idl_txn *, const struct roamrec_vm *,
    const struct roamrec_host *dst);
void migration_advance(struct ovsdb_idl *, struct ovsdb_idl_txn *,
                       const struct roamrec_vm *, int64_t seq,
                       const char *phase, int64_t rules_moved);
void migration_advance_at(struct ovsdb_idl *, struct ovsdb_idl_txn *,
                          const struct roamrec_vm *, int64_t seq,
                          const char *phase, int64_t rules_moved,
                          int64_t buffered, long long int when);
void migration_roll_back(struct ovsdb_idl *, struct ovsdb_idl_txn *,
                         const struct roamrec_vm *, int64_t seq,
                         const struct roamrec_host *dst, const char *error);
void migration_complete_at_source(struct ovsdb_idl *, struct ovsdb_idl_txn *,
                                  const struct roamrec_vm *,
                                  const struct roamrec_host *src);
long long int migration_row_time(const struct roamrec_migration *,
                                 const char *phase);
const struct roamrec_migration *migration_find(struct ovsdb_idl *,
                                               const struct roamrec_vm *,
                                               int64_t seq);
bool migration_counts_equal(const struct roamrec_migration *, int64_t held,
                            int64_t delivered, int64_t dropped);
void migration_set_counts(const struct roamrec_migration *, int64_t held,
                          int64_t delivered, int64_t dropped);
void migration_set_redirect_us(const struct roamrec_migration *, int64_t);
void migration_expire(struct ovsdb_idl *, struct ovsdb_idl_txn *,
                      const struct roamrec_host *chassis,
                      long long int retention_ms);

#endif /* migration.h */
