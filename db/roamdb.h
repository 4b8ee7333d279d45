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

#ifndef ROAM_ROAMDB_H
#define ROAM_ROAMDB_H 1

/* Connection to the roam database.
 *
 * Wraps an OVSDB IDL on roam's schema (db/roam.ovsschema): it connects to
 * a real ovsdb-server, standalone or any member of a Raft cluster (writes go
 * to the leader), and keeps a replica of the database, with the IDL indexes
 * that the schema declares, so that every lookup by name or iface-id is a
 * skiplist search, not a scan.  roamctl uses the blocking helpers below;
 * roamd runs the IDL from its main loop (roamdb_idl()). */

#include <stdbool.h>

/* Where roamctl and roamd look for the roam database by default. */
#define ROAMDB_DEFAULT_REMOTE "unix:/var/run/roam/db.sock"

struct ovsdb_idl;
struct ovsdb_idl_txn;
struct roamrec_datacenter;
struct roamrec_host;
struct roamrec_vm;

struct roamdb *roamdb_create(const char *remote);
void roamdb_destroy(struct roamdb *);

void roamdb_run(struct roamdb *);
void roamdb_wait(struct roamdb *);

struct ovsdb_idl *roamdb_idl(const struct roamdb *);

/* Lookups through the schema's indexes.  The rows belong to the replica. */
const struct roamrec_vm *roamdb_vm_by_iface_id(const struct roamdb *,
                                               const char *iface_id);
const struct roamrec_vm *roamdb_vm_by_name(const struct roamdb *,
                                           const char *name);
const struct roamrec_host *roamdb_host_by_name(const struct roamdb *,
                                               const char *name);
const struct roamrec_datacenter *roamdb_dc_by_name(const struct roamdb *,
                                                   const char *name);

int roamdb_wait_for_contents(struct roamdb *, long long int deadline);
int roamdb_commit_block(struct roamdb *, struct ovsdb_idl_txn *,
                        long long int deadline, char **errorp);

#endif /* roamdb.h */
