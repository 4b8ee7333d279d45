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

#ifndef ROAM_CONTEXT_H
#define ROAM_CONTEXT_H 1

/* What one iteration of roamd's main loop hands its modules.
 *
 * roamd.c fills one struct roamd_ctx per iteration, after the databases and
 * the bridges have run, and passes it down; modules read from it and never
 * reach back into roamd.c or into each other for it, as ovn-controller's
 * modules take a binding_ctx_in.  Everything it points to belongs to
 * roamd.c and lasts for the iteration. */

struct link_monitor;
struct ovsdb_idl;
struct ovsdb_idl_txn;
struct roamdb;
struct roamrec_host;
struct shash;

struct roamd_ctx {
    struct ovsdb_idl *ovs_idl;          /* The Open_vSwitch database. */
    struct ovsdb_idl_txn *ovs_txn;      /* Its transaction, or NULL. */
    const struct roamdb *db;            /* The roam database... */
    struct ovsdb_idl *roam_idl;         /* ...its replica... */
    struct ovsdb_idl_txn *roam_txn;     /* ...and transaction, or NULL. */
    const struct roamrec_host *chassis; /* This host's row, or NULL. */
    const struct shash *flowctls;       /* Bridge name -> struct flowctl. */
    const struct link_monitor *links;   /* Kernel link states. */
};

#endif /* context.h */
