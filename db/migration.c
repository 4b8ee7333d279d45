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

#include "db/migration.h"

#include "db/chassis.h"

#include "db/roam-idl.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "timeval.h"
#include "util.h"
#include <string.h>

VLOG_DEFINE_THIS_MODULE(migration);

static const char *const phases[] = {
    "prepare", "activate", "migrate-out", "complete",
};

static int
phase_rank(const char *phase)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(phases); i++) {
        if (!strcmp(phase, phases[i])) {
            return i;
        }
    }
    return -1;                  /* "aborted", "rolled-back": final. */
}

/* Returns the Migration row of 'vm' moving to sequence number 'seq' and
 * host 'dst', or, if 'dst' is null, the row for 'seq' whose destination the
 * VM has now (or any row for 'seq', if none). */
static const struct roamrec_migration *
find(struct ovsdb_idl *idl, const struct roamrec_vm *vm, int64_t seq,
     const struct roamrec_host *dst)
{
    const struct roamrec_migration *m, *any = NULL;

    ROAMREC_MIGRATION_FOR_EACH (m, idl) {
        if (m->vm == vm && m->seq == seq) {
            if (dst ? m->dst == dst : m->dst == vm->host) {
                return m;
            }
            any = dst ? any : m;
        }
    }
    return any;
}

/* Whether 'vm''s location sequence number has a successor, so that it can
 * move (or be claimed) again.  A row whose seq is at its maximum cannot:
 * roamd refuses to write seq + 1, which would overflow, and says so. */
bool
migration_seq_can_grow(const struct roamrec_vm *vm)
{
    return vm->seq >= 0 && vm->seq < INT64_MAX;
}

/* Whether 'vm' runs at a live host, so that its port appearing elsewhere
 * starts a live migration (prepare, then activate on the VM's first frame)
 * rather than a plain claim. */
bool
migration_is_live(const struct roamrec_vm *vm)
{
    return (vm->host && !chassis_host_is_down(vm->host)
            && !strcmp(vm->state, "running"));
}

/* Returns the pending (not final) Migration row of 'vm' to its next
 * sequence number toward 'dst', or toward any host if 'dst' is null. */
const struct roamrec_migration *
migration_pending(struct ovsdb_idl *idl, const struct roamrec_vm *vm,
                  const struct roamrec_host *dst)
{
    const struct roamrec_migration *m;

    if (!migration_seq_can_grow(vm)) {
        return NULL;
    }
    ROAMREC_MIGRATION_FOR_EACH (m, idl) {
        if (m->vm == vm && m->seq == vm->seq + 1 && phase_rank(m->phase) >= 0
            && phase_rank(m->phase) < phase_rank("migrate-out")
            && (!dst || m->dst == dst)) {
            return m;
        }
    }
    return NULL;
}

/* Inserts, through 'txn', the Migration row of 'vm' moving from its
 * current host to 'dst' at its next sequence number, in phase "prepare",
 * stamped now.  If 'uuid' is nonnull, the row gets that uuid, so that the
 * caller can find it once the transaction (which frees the row) has
 * committed.  Returns the new row. */
const struct roamrec_migration *
migration_insert(struct ovsdb_idl_txn *txn, const struct roamrec_vm *vm,
                 const struct roamrec_host *dst, const struct uuid *uuid)
{
    const struct roamrec_migration *m;
    const char *key = "prepare";
    int64_t now = time_wall_msec();

    m = (uuid ? roamrec_migration_insert_persist_uuid(txn, uuid)
         : roamrec_migration_insert(txn));
    roamrec_migration_set_vm(m, vm);
    roamrec_migration_set_vm_name(m, vm->name);
    roamrec_migration_set_src(m, vm->host);
    roamrec_migration_set_dst(m, dst);
    roamrec_migration_set_phase(m, "prepare");
    roamrec_migration_set_seq(m, vm->seq + 1);
    roamrec_migration_set_timestamps(m, &key, &now, 1);
    roamrec_migration_set_rules_moved(m, 0);
    roamrec_migration_set_packets_buffered(m, 0);
    return m;
}

/* Makes sure, through 'txn', that a Migration row records 'vm' moving to
 * 'dst' at its next sequence number, creating it in phase "prepare" if
 * there is none.  Returns the row. */
const struct roamrec_migration *
migration_record_prepare(struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn,
                         const struct roamrec_vm *vm,
                         const struct roamrec_host *dst)
{
    const struct roamrec_migration *m = migration_pending(idl, vm, dst);

    if (m) {
        return m;
    }
    m = migration_insert(txn, vm, dst, NULL);
    VLOG_INFO("VM %s: migration from %s to %s prepared (seq %"PRId64")",
              vm->name, vm->host ? vm->host->name : "no host", dst->name,
              vm->seq + 1);
    return m;
}

/* Whether 'phase' ends a migration. */
bool
migration_phase_is_final(const char *phase)
{
    return phase_rank(phase) < 0 || !strcmp(phase, "complete");
}

/* Moves the Migration row of 'vm' at 'seq' forward to 'phase' (never
 * back), recording when, and 'rules_moved' if it is nonnegative.  Does
 * nothing if there is no such row or 'txn' is null. */
void
migration_advance(struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn,
                  const struct roamrec_vm *vm, int64_t seq,
                  const char *phase, int64_t rules_moved)
{
    migration_advance_at(idl, txn, vm, seq, phase, rules_moved, -1,
                         time_wall_msec());
}

/* Like migration_advance(), but records 'when' (wall clock, ms) as the
 * time 'phase' was reached, and, if 'buffered' is nonnegative, the number
 * of frames held for the VM at its destination. */
void
migration_advance_at(struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn,
                     const struct roamrec_vm *vm, int64_t seq,
                     const char *phase, int64_t rules_moved,
                     int64_t buffered, long long int when)
{
    const struct roamrec_migration *m = txn ? find(idl, vm, seq, NULL) : NULL;
    int cur, new = phase_rank(phase);

    if (!m) {
        return;
    }
    cur = phase_rank(m->phase);
    if (cur >= 0 && new > cur) {
        roamrec_migration_set_phase(m, phase);
    }
    bool stamped = false;
    for (size_t i = 0; i < m->n_timestamps; i++) {
        if (!strcmp(m->key_timestamps[i], phase)) {
            stamped = true;
        }
    }
    if (!stamped) {
        roamrec_migration_update_timestamps_setkey(m, phase, when);
    }
    if (rules_moved >= 0 && m->rules_moved != rules_moved) {
        roamrec_migration_set_rules_moved(m, rules_moved);
    }
    if (buffered >= 0 && m->packets_buffered != buffered) {
        roamrec_migration_set_packets_buffered(m, buffered);
    }
    VLOG_INFO("VM %s: migration to seq %"PRId64" reached %s", vm->name, seq,
              phase);
}

/* Returns the Migration row of 'vm' moving to 'seq', toward the host the
 * VM has now if there are several, or NULL. */
const struct roamrec_migration *
migration_find(struct ovsdb_idl *idl, const struct roamrec_vm *vm,
               int64_t seq)
{
    return find(idl, vm, seq, NULL);
}

static int64_t
optional_int(const int64_t *value, size_t n)
{
    return n ? *value : -1;
}

/* Whether 'm' records that the VM's gate held 'held' frames, delivered
 * 'delivered' of them to the VM and dropped 'dropped'. */
bool
migration_counts_equal(const struct roamrec_migration *m, int64_t held,
                       int64_t delivered, int64_t dropped)
{
    return (m->packets_buffered == held
            && optional_int(m->packets_delivered,
                            m->n_packets_delivered) == delivered
            && optional_int(m->packets_dropped,
                            m->n_packets_dropped) == dropped);
}

/* Records in 'm' what the VM's arrival gate did (migration_counts_equal()),
 * in the transaction 'm' was read in. */
void
migration_set_counts(const struct roamrec_migration *m, int64_t held,
                     int64_t delivered, int64_t dropped)
{
    roamrec_migration_set_packets_buffered(m, held);
    roamrec_migration_set_packets_delivered(m, &delivered, 1);
    roamrec_migration_set_packets_dropped(m, &dropped, 1);
}

/* Records in 'm' how long the source took, in microseconds, from the pause
 * notice to the redirect toward the destination being in force. */
void
migration_set_redirect_us(const struct roamrec_migration *m, int64_t us)
{
    roamrec_migration_set_redirect_us(m, &us, 1);
}

/* Marks the Migration row of 'vm' at 'seq' toward 'dst' (if nonnull)
 * rolled back, for 'error'. */
void
migration_roll_back(struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn,
                    const struct roamrec_vm *vm, int64_t seq,
                    const struct roamrec_host *dst, const char *error)
{
    const struct roamrec_migration *m = txn ? find(idl, vm, seq, dst) : NULL;

    if (m && phase_rank(m->phase) >= 0) {
        roamrec_migration_set_phase(m, "rolled-back");
        roamrec_migration_set_error(m, error);
        roamrec_migration_update_timestamps_setkey(m, "rolled-back",
                                                   time_wall_msec());
    }
    VLOG_WARN("VM %s: migration to seq %"PRId64" rolled back: %s", vm->name,
              seq, error);
}

/* Returns the wall-clock time at which migration 'm' entered 'phase', or
 * -1 if it did not. */
long long int
migration_row_time(const struct roamrec_migration *m, const char *phase)
{
    size_t i;

    for (i = 0; i < m->n_timestamps; i++) {
        if (!strcmp(m->key_timestamps[i], phase)) {
            return m->value_timestamps[i];
        }
    }
    return -1;
}

/* For a VM that has left 'src' and for which 'src' has nothing left to
 * redirect (its port went before it saw the claim, or it restarted),
 * completes the Migration row of the VM's current location if 'src' is its
 * source: stamps "migrate-out" and "complete". */
void
migration_complete_at_source(struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn,
                             const struct roamrec_vm *vm,
                             const struct roamrec_host *src)
{
    const struct roamrec_migration *m = (txn ? find(idl, vm, vm->seq, NULL)
                                         : NULL);

    if (m && m->src == src && phase_rank(m->phase) >= 0
        && phase_rank(m->phase) < phase_rank("migrate-out")) {
        migration_advance(idl, txn, vm, vm->seq, "migrate-out", -1);
        migration_advance(idl, txn, vm, vm->seq, "complete", -1);
    }
}

/* When 'm' ended (wall clock, ms), or -1 if it has not. */
static long long int
ended_at(const struct roamrec_migration *m)
{
    long long int at = -1;

    if (!migration_phase_is_final(m->phase)) {
        return -1;
    }
    for (size_t i = 0; i < m->n_timestamps; i++) {
        at = MAX(at, m->value_timestamps[i]);
    }
    return at;
}

/* Deletes, through 'txn', Migration rows that ended more than
 * 'retention_ms' ago and that this host ('chassis') answers for: those it
 * was the source of, or, once the source is gone from the database, the
 * destination of.  At most 100 per call, so that one transaction stays
 * small; the rest go in later calls. */
void
migration_expire(struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn,
                 const struct roamrec_host *chassis,
                 long long int retention_ms)
{
    const struct roamrec_migration *m;
    long long int now = time_wall_msec();
    size_t n = 0;

    if (!txn || !chassis) {
        return;
    }
    ROAMREC_MIGRATION_FOR_EACH (m, idl) {
        long long int ended = ended_at(m);

        if (ended >= 0 && now - ended >= retention_ms
            && (m->src == chassis || (!m->src && m->dst == chassis))) {
            roamrec_migration_delete(m);
            if (++n >= 100) {
                break;
            }
        }
    }
    if (n) {
        VLOG_INFO("deleted %"PRIuSIZE" Migration rows that ended more "
                  "than %lld ms ago", n, retention_ms);
    }
}
