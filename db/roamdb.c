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

#include <config.h>

#include "db/roamdb.h"

#include <errno.h>

#include "db/roam-idl.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(roamdb);

struct roamdb {
    struct ovsdb_idl *idl;
    struct ovsdb_idl_index *vm_by_iface_id;
    struct ovsdb_idl_index *vm_by_name;
    struct ovsdb_idl_index *host_by_name;
    struct ovsdb_idl_index *dc_by_name;
};

/* Returns a new connection to the roam database at 'remote' (an OVSDB
 * remote such as "unix:/run/roam/db.sock" or a comma-separated list of
 * cluster members).  It connects in the background; the caller owns the
 * result and frees it with roamdb_destroy(). */
struct roamdb *
roamdb_create(const char *remote)
{
    struct roamdb *db = xzalloc(sizeof *db);

    db->idl = ovsdb_idl_create(remote, &roamrec_idl_class, true, true);
    /* Any cluster member will do: followers serve reads and forward
     * transactions to the leader. */
    ovsdb_idl_set_leader_only(db->idl, false);
    /* The schema's indexes, before any row arrives. */
    db->vm_by_iface_id = ovsdb_idl_index_create1(db->idl,
                                                 &roamrec_vm_col_iface_id);
    db->vm_by_name = ovsdb_idl_index_create1(db->idl, &roamrec_vm_col_name);
    db->host_by_name = ovsdb_idl_index_create1(db->idl,
                                               &roamrec_host_col_name);
    db->dc_by_name = ovsdb_idl_index_create1(db->idl,
                                             &roamrec_datacenter_col_name);
    return db;
}

void
roamdb_destroy(struct roamdb *db)
{
    if (db) {
        ovsdb_idl_destroy(db->idl);
        free(db);
    }
}

void
roamdb_run(struct roamdb *db)
{
    ovsdb_idl_run(db->idl);
}

void
roamdb_wait(struct roamdb *db)
{
    ovsdb_idl_wait(db->idl);
}

struct ovsdb_idl *
roamdb_idl(const struct roamdb *db)
{
    return db->idl;
}

/* Returns the VM whose iface-id is 'iface_id', or NULL. */
const struct roamrec_vm *
roamdb_vm_by_iface_id(const struct roamdb *db, const char *iface_id)
{
    struct roamrec_vm *key = roamrec_vm_index_init_row(db->vm_by_iface_id);
    const struct roamrec_vm *vm;

    roamrec_vm_index_set_iface_id(key, iface_id);
    vm = roamrec_vm_index_find(db->vm_by_iface_id, key);
    roamrec_vm_index_destroy_row(key);
    return vm;
}

/* Returns the VM named 'name', or NULL. */
const struct roamrec_vm *
roamdb_vm_by_name(const struct roamdb *db, const char *name)
{
    struct roamrec_vm *key = roamrec_vm_index_init_row(db->vm_by_name);
    const struct roamrec_vm *vm;

    roamrec_vm_index_set_name(key, name);
    vm = roamrec_vm_index_find(db->vm_by_name, key);
    roamrec_vm_index_destroy_row(key);
    return vm;
}

/* Returns the host named 'name', or NULL. */
const struct roamrec_host *
roamdb_host_by_name(const struct roamdb *db, const char *name)
{
    struct roamrec_host *key = roamrec_host_index_init_row(db->host_by_name);
    const struct roamrec_host *host;

    roamrec_host_index_set_name(key, name);
    host = roamrec_host_index_find(db->host_by_name, key);
    roamrec_host_index_destroy_row(key);
    return host;
}

/* Returns the datacenter named 'name', or NULL. */
const struct roamrec_datacenter *
roamdb_dc_by_name(const struct roamdb *db, const char *name)
{
    struct roamrec_datacenter *key
        = roamrec_datacenter_index_init_row(db->dc_by_name);
    const struct roamrec_datacenter *dc;

    roamrec_datacenter_index_set_name(key, name);
    dc = roamrec_datacenter_index_find(db->dc_by_name, key);
    roamrec_datacenter_index_destroy_row(key);
    return dc;
}

/* Runs 'db' until its replica holds the database's contents or
 * 'deadline' (in time_msec() terms) passes.  Returns 0, ETIMEDOUT, or the
 * positive errno value of a connection that failed for good. */
int
roamdb_wait_for_contents(struct roamdb *db, long long int deadline)
{
    unsigned int seqno = ovsdb_idl_get_seqno(db->idl);

    for (;;) {
        ovsdb_idl_run(db->idl);
        if (!ovsdb_idl_is_alive(db->idl)) {
            int error = ovsdb_idl_get_last_error(db->idl);
            return error ? error : ECONNREFUSED;
        }
        if (ovsdb_idl_get_seqno(db->idl) != seqno
            && ovsdb_idl_has_ever_connected(db->idl)) {
            return 0;
        }
        if (time_msec() >= deadline) {
            return ETIMEDOUT;
        }
        ovsdb_idl_wait(db->idl);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

/* Commits 'txn', which must belong to 'db''s IDL, waiting at most until
 * 'deadline'.  Returns 0 on success (including a transaction with nothing to
 * do), EAGAIN if the database changed underneath it and the caller should
 * re-check and retry, ETIMEDOUT, or EIO with a malloc()'d explanation in
 * '*errorp' (if nonnull).  Destroys 'txn' in every case. */
int
roamdb_commit_block(struct roamdb *db, struct ovsdb_idl_txn *txn,
                    long long int deadline, char **errorp)
{
    enum ovsdb_idl_txn_status status;

    if (errorp) {
        *errorp = NULL;
    }
    for (;;) {
        /* The first commit sends the transaction; only then may the IDL
         * run again. */
        status = ovsdb_idl_txn_commit(txn);
        if (status != TXN_INCOMPLETE) {
            break;
        }
        ovsdb_idl_run(db->idl);
        if (time_msec() >= deadline) {
            ovsdb_idl_txn_destroy(txn);
            return ETIMEDOUT;
        }
        ovsdb_idl_wait(db->idl);
        ovsdb_idl_txn_wait(txn);
        poll_timer_wait_until(deadline);
        poll_block();
    }

    int error = 0;
    switch (status) {
    case TXN_SUCCESS:
    case TXN_UNCHANGED:
        break;
    case TXN_TRY_AGAIN:
        error = EAGAIN;
        break;
    case TXN_ABORTED:
    case TXN_NOT_LOCKED:
    case TXN_ERROR:
    case TXN_UNCOMMITTED:
    case TXN_INCOMPLETE:
        if (errorp) {
            *errorp = xasprintf("transaction %s: %s",
                                ovsdb_idl_txn_status_to_string(status),
                                ovsdb_idl_txn_get_error(txn));
        }
        error = EIO;
        break;
    }
    ovsdb_idl_txn_destroy(txn);
    return error;
}
