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

#include "agent/migration.h"

#include "agent/roam-idl.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "timeval.h"
#include "util.h"

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

/* Creates, through 'txn', the Migration row for 'vm' moving to 'dst' at
 * sequence number 'new_seq', in phase "prepare". */
void
migration_record_claim(struct ovsdb_idl_txn *txn, const struct roamrec_vm *vm,
                       const struct roamrec_host *dst, int64_t new_seq)
{
    const struct roamrec_migration *m = roamrec_migration_insert(txn);
    const char *key = "prepare";
    int64_t now = time_wall_msec();

    roamrec_migration_set_vm(m, vm);
    roamrec_migration_set_vm_name(m, vm->name);
    roamrec_migration_set_src(m, vm->host);
    roamrec_migration_set_dst(m, dst);
    roamrec_migration_set_phase(m, "prepare");
    roamrec_migration_set_seq(m, new_seq);
    roamrec_migration_set_timestamps(m, &key, &now, 1);
    roamrec_migration_set_rules_moved(m, 0);
    roamrec_migration_set_packets_buffered(m, 0);
}

static const struct roamrec_migration *
find(struct ovsdb_idl *idl, const struct roamrec_vm *vm, int64_t seq)
{
    const struct roamrec_migration *m;

    ROAMREC_MIGRATION_FOR_EACH (m, idl) {
        if (m->vm == vm && m->seq == seq) {
            return m;
        }
    }
    return NULL;
}

/* Moves the Migration row of 'vm' at 'seq' forward to 'phase' (never
 * back), recording when, and 'rules_moved' if it is nonnegative.  Does
 * nothing if there is no such row or 'txn' is null. */
void
migration_advance(struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn,
                  const struct roamrec_vm *vm, int64_t seq,
                  const char *phase, int64_t rules_moved)
{
    const struct roamrec_migration *m = txn ? find(idl, vm, seq) : NULL;
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
        roamrec_migration_update_timestamps_setkey(m, phase,
                                                   time_wall_msec());
    }
    if (rules_moved >= 0 && m->rules_moved != rules_moved) {
        roamrec_migration_set_rules_moved(m, rules_moved);
    }
    VLOG_INFO("VM %s: migration to seq %"PRId64" reached %s", vm->name, seq,
              phase);
}

/* Marks the Migration row of 'vm' at 'seq' rolled back, for 'error'. */
void
migration_roll_back(struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn,
                    const struct roamrec_vm *vm, int64_t seq,
                    const char *error)
{
    const struct roamrec_migration *m = txn ? find(idl, vm, seq) : NULL;

    if (m) {
        roamrec_migration_set_phase(m, "rolled-back");
        roamrec_migration_set_error(m, error);
        roamrec_migration_update_timestamps_setkey(m, "rolled-back",
                                                   time_wall_msec());
    }
    VLOG_WARN("VM %s: migration to seq %"PRId64" rolled back: %s", vm->name,
              seq, error);
}

/* Returns the wall-clock time at which the migration of 'vm' to 'seq'
 * entered 'phase', or -1 if it did not (or there is no such migration). */
long long int
migration_phase_time(struct ovsdb_idl *idl, const struct roamrec_vm *vm,
                     int64_t seq, const char *phase)
{
    const struct roamrec_migration *m = find(idl, vm, seq);
    size_t i;

    for (i = 0; m && i < m->n_timestamps; i++) {
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
    const struct roamrec_migration *m = txn ? find(idl, vm, vm->seq) : NULL;

    if (m && m->src == src && phase_rank(m->phase) >= 0
        && phase_rank(m->phase) < phase_rank("migrate-out")) {
        migration_advance(idl, txn, vm, vm->seq, "migrate-out", -1);
        migration_advance(idl, txn, vm, vm->seq, "complete", -1);
    }
}
