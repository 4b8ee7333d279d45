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

/* roamctl's migration commands: "migration list", "migrate",
 * "migrate-in", "migrate-out". */

#include "ctl/ctl-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "db/migration.h"
#include "db/roam-idl.h"
#include "openvswitch/dynamic-string.h"
#include "db/roamdb.h"
#include "ovsdb-idl.h"
#include "openvswitch/vlog.h"
#include "table.h"
#include "util.h"
#include "openvswitch/poll-loop.h"
#include "timeval.h"
#include "uuid.h"

/* Adds to 't' the stragglers that gateways redirected for the move 'm':
 * "GATEWAY=N" for each, by name, or an empty cell. */
static void
add_stragglers(struct table *t, const struct roamrec_migration *m)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    for (size_t i = 0; i < m->n_stragglers; i++) {
        ds_put_format(&s, "%s%s=%"PRId64, i ? "," : "",
                      m->key_stragglers[i], m->value_stragglers[i]);
    }
    ctl_add_cell(t, s.length ? ds_cstr(&s) : NULL);
    ds_destroy(&s);
}

/* Milliseconds from phase 'a' to phase 'b' of 'm', as text ("-" if either
 * is missing). */
static void
add_duration(struct table *t, const struct roamrec_migration *m,
             const char *a, const char *b)
{
    int64_t ta = migration_row_time(m, a), tb = migration_row_time(m, b);

    if (ta < 0 || tb < 0) {
        ctl_add_cell(t, NULL);
    } else {
        ctl_add_cellf(t, "%"PRId64, tb - ta);
    }
}

/* migration list: every migration, with how long each phase took. */
enum ctl_status
cmd_migration_list(struct ctl_context *ctx, int argc,
                   char *argv[] OVS_UNUSED)
{
    const struct roamrec_migration *m;
    struct table *t;

    if (argc) {
        return ctl_fail(ctx, CTL_USAGE, "usage: migration list");
    }
    t = ctl_add_table(ctx);
    table_add_column(t, "vm");
    table_add_column(t, "src");
    table_add_column(t, "dst");
    table_add_column(t, "seq");
    table_add_column(t, "phase");
    table_add_column(t, "rules_moved");
    table_add_column(t, "pause_ms");
    table_add_column(t, "activate_ms");
    table_add_column(t, "migrate_out_ms");
    table_add_column(t, "complete_ms");
    table_add_column(t, "packets_buffered");
    table_add_column(t, "packets_delivered");
    table_add_column(t, "packets_dropped");
    table_add_column(t, "redirect_us");
    table_add_column(t, "stragglers");
    table_add_column(t, "error");
    ROAMREC_MIGRATION_FOR_EACH (m, roamdb_idl(ctx->db)) {
        table_add_row(t);
        ctl_add_cell(t, m->vm_name);
        ctl_add_cell(t, m->src ? m->src->name : NULL);
        ctl_add_cell(t, m->dst ? m->dst->name : NULL);
        ctl_add_cellf(t, "%"PRId64, m->seq);
        ctl_add_cell(t, m->phase);
        ctl_add_cellf(t, "%"PRId64, m->rules_moved);
        add_duration(t, m, "prepare", "pause");
        add_duration(t, m, "prepare", "activate");
        add_duration(t, m, "prepare", "migrate-out");
        add_duration(t, m, "prepare", "complete");
        ctl_add_cellf(t, "%"PRId64, m->packets_buffered);
        ctl_add_optional(t, m->packets_delivered, m->n_packets_delivered);
        ctl_add_optional(t, m->packets_dropped, m->n_packets_dropped);
        ctl_add_optional(t, m->redirect_us, m->n_redirect_us);
        add_stragglers(t, m);
        ctl_add_cell(t, m->error);
    }
    return CTL_OK;
}

/* The migration of 'vm' under way, if any. */
static const struct roamrec_migration *
pending_migration(struct ovsdb_idl *idl, const struct roamrec_vm *vm)
{
    const struct roamrec_migration *m;

    ROAMREC_MIGRATION_FOR_EACH (m, idl) {
        if (m->vm == vm && !migration_phase_is_final(m->phase)) {
            return m;
        }
    }
    return NULL;
}

/* The order in which a migration's phases are reported. */
static const char *const report_phases[] = {
    "prepare", "pause", "activate", "migrate-out", "complete", "rolled-back",
};

/* Adds to 'ctx' the report of migration 'm': its phases, when each was
 * reached and how long after "prepare", then a summary. */
static void
migration_report(struct ctl_context *ctx, const struct roamrec_migration *m)
{
    int64_t prepare = migration_row_time(m, "prepare"), last = prepare;
    struct table *t = ctl_add_table(ctx);
    size_t i;

    table_add_column(t, "phase");
    table_add_column(t, "ms_after_prepare");
    table_add_column(t, "ms_in_phase_before");
    for (i = 0; i < ARRAY_SIZE(report_phases); i++) {
        int64_t at = migration_row_time(m, report_phases[i]);

        if (at < 0) {
            continue;
        }
        table_add_row(t);
        ctl_add_cell(t, report_phases[i]);
        ctl_add_cellf(t, "%"PRId64, at - prepare);
        ctl_add_cellf(t, "%"PRId64, at - last);
        last = at;
    }

    t = ctl_add_table(ctx);
    table_add_column(t, "vm");
    table_add_column(t, "src");
    table_add_column(t, "dst");
    table_add_column(t, "seq");
    table_add_column(t, "result");
    table_add_column(t, "total_ms");
    table_add_column(t, "rules_moved");
    table_add_column(t, "packets_buffered");
    table_add_column(t, "packets_delivered");
    table_add_column(t, "redirect_us");
    table_add_column(t, "stragglers");
    table_add_column(t, "error");
    table_add_row(t);
    ctl_add_cell(t, m->vm_name);
    ctl_add_cell(t, m->src ? m->src->name : NULL);
    ctl_add_cell(t, m->dst ? m->dst->name : NULL);
    ctl_add_cellf(t, "%"PRId64, m->seq);
    ctl_add_cell(t, m->phase);
    ctl_add_cellf(t, "%"PRId64, last - prepare);
    ctl_add_cellf(t, "%"PRId64, m->rules_moved);
    ctl_add_cellf(t, "%"PRId64, m->packets_buffered);
    ctl_add_optional(t, m->packets_delivered, m->n_packets_delivered);
    ctl_add_optional(t, m->redirect_us, m->n_redirect_us);
    add_stragglers(t, m);
    ctl_add_cell(t, m->error);
}

/* Checks that 'vm_name' may move to 'host_name' now, and, if so, records
 * the move, phase "prepare", through a transaction: the migrate-in message
 * (S1.4) that the destination's roamd acts on.  Stores the new row's uuid
 * in '*uuid'. */
static enum ctl_status
migrate_in(struct ctl_context *ctx, const char *vm_name,
           const char *host_name, const char *port, struct uuid *uuid)
{
    struct ovsdb_idl *idl = roamdb_idl(ctx->db);
    const struct roamrec_migration *m;
    const struct roamrec_host *dst;
    const struct roamrec_vm *vm;
    struct ovsdb_idl_txn *txn;
    enum ctl_status status;

    vm = ctl_find_vm(ctx, vm_name);
    if (!vm) {
        return ctl_fail(ctx, CTL_NOT_FOUND, "no VM %s", vm_name);
    }
    dst = roamdb_host_by_name(ctx->db, host_name);
    if (!dst) {
        return ctl_fail(ctx, CTL_NOT_FOUND, "no host %s", host_name);
    }
    if (vm->host == dst) {
        return ctl_fail(ctx, CTL_CONFLICT, "VM %s already runs on %s",
                        vm->name, dst->name);
    }
    if (!ctl_host_is_up(ctx, dst)) {
        return ctl_fail(ctx, CTL_UNAVAILABLE, "host %s is down", dst->name);
    }
    if (!vm->host || strcmp(vm->state, "running")) {
        return ctl_fail(ctx, CTL_CONFLICT, "VM %s is not running anywhere; "
                        "start it on %s instead", vm->name, dst->name);
    }
    if (!ctl_host_is_up(ctx, vm->host)) {
        return ctl_fail(ctx, CTL_UNAVAILABLE, "VM %s's host %s is down",
                        vm->name, vm->host->name);
    }
    if (!migration_seq_can_grow(vm)) {
        return ctl_fail(ctx, CTL_CONFLICT, "VM %s's sequence number %"PRId64
                        " has no successor", vm->name, vm->seq);
    }
    m = pending_migration(idl, vm);
    if (m && m->dst == dst && !strcmp(m->phase, "prepare")
        && m->seq == vm->seq + 1 && !port) {
        /* The destination already prepares (its port appeared): this
         * migration is that one. */
        *uuid = m->header_.uuid;
        return CTL_OK;
    } else if (m) {
        return ctl_fail(ctx, CTL_CONFLICT, "VM %s is already migrating to %s "
                        "(phase %s)", vm->name, m->dst ? m->dst->name : "?",
                        m->phase);
    }

    txn = ovsdb_idl_txn_create(idl);
    ovsdb_idl_txn_add_comment(txn, "roamctl: migrate %s to %s", vm->name,
                              dst->name);
    roamrec_vm_verify_host(vm);
    roamrec_vm_verify_seq(vm);
    uuid_generate(uuid);
    m = migration_insert(txn, vm, dst, uuid);
    roamrec_migration_update_external_ids_setkey(m, "requested-by",
                                                 "roamctl");
    if (port) {
        roamrec_migration_set_dst_port(m, port);
    }
    status = ctl_commit(ctx, txn);
    return status;
}

static void
print_progress(struct ctl_context *ctx, const struct roamrec_migration *m,
               size_t *n_reported)
{
    int64_t prepare = migration_row_time(m, "prepare");
    size_t i, n = 0;

    for (i = 0; i < ARRAY_SIZE(report_phases); i++) {
        int64_t at = migration_row_time(m, report_phases[i]);

        if (at >= 0 && ++n > *n_reported) {
            if (ctx->progress) {
                fprintf(ctx->progress, "%-12s +%"PRId64" ms\n",
                        report_phases[i], at - prepare);
                fflush(ctx->progress);
            }
            *n_reported = n;
        }
    }
}

/* migrate VM --to=HOST [--port=PORT] [--no-wait] [--wait=SECS]: moves the
 * VM's network to HOST, where the hypervisor moves the VM itself.  Blocks
 * until the move completes or rolls back, printing each phase as it is
 * reached, then a report. */
enum ctl_status
cmd_migrate(struct ctl_context *ctx, int argc, char *argv[])
{
    static const char *const allowed[] = {
        "to=", "port=", "no-wait", "wait=", NULL
    };
    const struct roamrec_migration *m;
    long long int wait_s = 120, deadline;
    size_t n_reported = 0;
    struct options opts;
    const char *to;
    enum ctl_status status;
    struct uuid uuid;
    int n;

    status = ctl_split_options(ctx, argc, argv, allowed, &opts, &n);
    if (status) {
        return status;
    }
    to = ctl_opt_value(&opts, "to");
    if (n != 1 || !to) {
        return ctl_fail(ctx, CTL_USAGE, "usage: migrate VM --to HOST "
                        "[--port PORT] [--no-wait] [--wait SECS]");
    }
    if (ctl_opt_value(&opts, "wait")
            && !ctl_parse_uint(ctl_opt_value(&opts, "wait"), 86400, &wait_s)) {
        return ctl_fail(ctx, CTL_USAGE, "--wait takes a number of seconds");
    }
    status = migrate_in(ctx, argv[0], to, ctl_opt_value(&opts, "port"), &uuid);
    if (status) {
        return status;
    }

    deadline = time_msec() + wait_s * 1000;
    for (;;) {
        roamdb_run(ctx->db);
        m = roamrec_migration_get_for_uuid(roamdb_idl(ctx->db), &uuid);
        if (m) {
            if (ctl_opt_value(&opts, "no-wait")) {
                break;
            }
            print_progress(ctx, m, &n_reported);
            if (migration_phase_is_final(m->phase)) {
                break;
            }
        }
        if (time_msec() >= deadline) {
            return ctl_fail(ctx, CTL_FAILED, "timed out after %lld s; the "
                            "migration is in phase %s", wait_s,
                            m ? m->phase : "unknown");
        }
        roamdb_wait(ctx->db);
        poll_timer_wait_until(deadline);
        poll_block();
    }
    migration_report(ctx, m);
    if (!strcmp(m->phase, "rolled-back")) {
        return ctl_fail(ctx, CTL_FAILED, "migration of %s rolled back: %s",
                        m->vm_name, m->error ? m->error : "unknown reason");
    }
    return CTL_OK;
}

/* migrate-in VM HOST [--port=PORT]: the S1.4 message alone. */
enum ctl_status
cmd_migrate_in(struct ctl_context *ctx, int argc, char *argv[])
{
    static const char *const allowed[] = { "port=", NULL };
    const struct roamrec_migration *m;
    struct options opts;
    enum ctl_status status;
    struct uuid uuid;
    int n;

    status = ctl_split_options(ctx, argc, argv, allowed, &opts, &n);
    if (status) {
        return status;
    }
    if (n != 2) {
        return ctl_fail(ctx, CTL_USAGE, "usage: migrate-in VM HOST "
                        "[--port PORT]");
    }
    status = migrate_in(ctx, argv[0], argv[1], ctl_opt_value(&opts, "port"),
                            &uuid);
    if (status) {
        return status;
    }
    m = roamrec_migration_get_for_uuid(roamdb_idl(ctx->db), &uuid);
    if (m) {
        migration_report(ctx, m);
    }
    return CTL_OK;
}

/* migrate-out VM: the S1.1 message, telling the VM's source that the VM is
 * leaving for the destination of its pending migration (the pause notice,
 * through the database). */
enum ctl_status
cmd_migrate_out(struct ctl_context *ctx, int argc, char *argv[])
{
    struct ovsdb_idl *idl = roamdb_idl(ctx->db);
    const struct roamrec_migration *m;
    const struct roamrec_vm *vm;
    struct ovsdb_idl_txn *txn;
    enum ctl_status status;

    if (argc != 1) {
        return ctl_fail(ctx, CTL_USAGE, "usage: migrate-out VM");
    }
    vm = ctl_find_vm(ctx, argv[0]);
    if (!vm) {
        return ctl_fail(ctx, CTL_NOT_FOUND, "no VM %s", argv[0]);
    }
    m = pending_migration(idl, vm);
    if (!m || !migration_seq_can_grow(vm) || m->seq != vm->seq + 1
        || strcmp(m->phase, "prepare")) {
        return ctl_fail(ctx, CTL_CONFLICT, "VM %s has no migration waiting to "
                        "leave its host (run migrate-in first)", vm->name);
    }
    if (migration_row_time(m, "pause") < 0) {
        txn = ovsdb_idl_txn_create(idl);
        roamrec_migration_verify_phase(m);
        roamrec_migration_update_timestamps_setkey(m, "pause", ctx->now);
        status = ctl_commit(ctx, txn);
        if (status) {
            return status;
        }
    }
    migration_report(ctx, m);
    return CTL_OK;
}
