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

#include "agent/ctl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "agent/migration.h"
#include "agent/roam-idl.h"
#include "agent/roamdb.h"
#include "openvswitch/vlog.h"
#include "daemon.h"
#include "dirs.h"
#include "jsonrpc.h"
#include "openvswitch/poll-loop.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "pseudo-id.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(ctl);

void
ctl_context_init(struct ctl_context *ctx, struct roamdb *db,
                 long long int deadline)
{
    ctx->db = db;
    ctx->deadline = deadline;
    ctx->now = time_wall_msec();
    ctx->n_tables = 0;
    ctx->progress = NULL;
    ds_init(&ctx->error);
}

static void
clear_tables(struct ctl_context *ctx)
{
    size_t i;

    for (i = 0; i < ctx->n_tables; i++) {
        table_destroy(&ctx->tables[i]);
    }
    ctx->n_tables = 0;
}

void
ctl_context_destroy(struct ctl_context *ctx)
{
    clear_tables(ctx);
    ds_destroy(&ctx->error);
}

/* Returns a new, empty result table. */
static struct table *
add_table(struct ctl_context *ctx)
{
    struct table *t;

    ovs_assert(ctx->n_tables < ARRAY_SIZE(ctx->tables));
    t = &ctx->tables[ctx->n_tables++];
    table_init(t);
    return t;
}

/* Appends the results to 'out' in 'style'.  Several tables in JSON form a
 * JSON array, so the output is always one JSON document. */
void
ctl_print(const struct ctl_context *ctx, const struct table_style *style,
          struct ds *out)
{
    bool json = style->format == TF_JSON;
    size_t i;

    if (json && ctx->n_tables > 1) {
        ds_put_char(out, '[');
    }
    for (i = 0; i < ctx->n_tables; i++) {
        if (i) {
            ds_put_cstr(out, json ? "," : "\n");
        }
        table_format(&ctx->tables[i], style, out);
        if (json) {
            ds_chomp(out, '\n');
        }
    }
    if (json && ctx->n_tables > 1) {
        ds_put_char(out, ']');
    }
    if (json && ctx->n_tables) {
        ds_put_char(out, '\n');
    }
}

static enum ctl_status OVS_PRINTF_FORMAT(3, 4)
fail(struct ctl_context *ctx, enum ctl_status status, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    ds_put_format_valist(&ctx->error, format, args);
    va_end(args);
    return status;
}

static void
add_cell(struct table *t, const char *text)
{
    table_add_cell(t)->text = xstrdup(text && text[0] ? text : "-");
}

static void OVS_PRINTF_FORMAT(2, 3)
add_cellf(struct table *t, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    table_add_cell(t)->text = xvasprintf(format, args);
    va_end(args);
}

/* A cell for an optional integer column: "-" if it has no value. */
static void
add_optional(struct table *t, const int64_t *value, size_t n)
{
    if (n) {
        add_cellf(t, "%"PRId64, *value);
    } else {
        add_cell(t, NULL);
    }
}

/* Parses a nonnegative decimal integer no greater than 'max'. */
static bool
parse_uint(const char *s, long long int max, long long int *value)
{
    char *end;

    if (s[0] < '0' || s[0] > '9') {
        return false;
    }
    errno = 0;
    *value = strtoll(s, &end, 10);
    return !errno && !*end && *value <= max;
}

/* Splits 'argc'/'argv' into positional arguments, kept in place (their
 * count returned), and options, looked up by opt_value().  In 'allowed', a
 * name ending in '=' takes a value ("--name=value" or "--name value");
 * any other name is a flag ("--name", whose value is ""). */
struct options {
    const char *names[4];
    const char *values[4];
    size_t n;
};

static int
split_options(struct ctl_context *ctx, int argc, char *argv[],
              const char *const allowed[], struct options *opts,
              int *n_args)
{
    int i;

    memset(opts, 0, sizeof *opts);
    *n_args = 0;
    for (i = 0; i < argc; i++) {
        const char *name = argv[i] + 2;
        const char *eq = strchr(argv[i], '=');
        size_t len = eq ? eq - name : strlen(name);
        const char *value = eq ? eq + 1 : NULL;
        size_t j;

        if (strncmp(argv[i], "--", 2)) {
            argv[(*n_args)++] = argv[i];
            continue;
        }
        for (j = 0; allowed[j]; j++) {
            size_t alen = strcspn(allowed[j], "=");

            if (alen == len && !strncmp(name, allowed[j], len)) {
                break;
            }
        }
        if (!allowed[j] || opts->n >= ARRAY_SIZE(opts->names)) {
            return fail(ctx, CTL_USAGE, "unknown option %s", argv[i]);
        }
        if (strchr(allowed[j], '=')) {
            if (!value) {
                if (i + 1 >= argc) {
                    return fail(ctx, CTL_USAGE, "option %s needs a value",
                                argv[i]);
                }
                value = argv[++i];
            }
        } else if (value) {
            return fail(ctx, CTL_USAGE, "option --%s takes no value",
                        allowed[j]);
        } else {
            value = "";
        }
        opts->names[opts->n] = allowed[j];
        opts->values[opts->n++] = value;
    }
    return CTL_OK;
}

static const char *
opt_value(const struct options *opts, const char *name)
{
    size_t i;

    for (i = 0; i < opts->n; i++) {
        if (!strncmp(opts->names[i], name, strlen(name))
            && (opts->names[i][strlen(name)] == '\0'
                || opts->names[i][strlen(name)] == '=')) {
            return opts->values[i];
        }
    }
    return NULL;
}

static const struct roamrec_datacenter *
find_dc(struct ovsdb_idl *idl, const char *name)
{
    const struct roamrec_datacenter *dc;

    ROAMREC_DATACENTER_FOR_EACH (dc, idl) {
        if (!strcmp(dc->name, name)) {
            return dc;
        }
    }
    return NULL;
}

static const struct roamrec_vm *
find_vm(struct ovsdb_idl *idl, const char *name)
{
    const struct roamrec_vm *vm;

    ROAMREC_VM_FOR_EACH (vm, idl) {
        if (!strcmp(vm->name, name) || !strcmp(vm->iface_id, name)) {
            return vm;
        }
    }
    return NULL;
}

/* The layout a datacenter row names; a row with a bad layout (written by
 * hand) is reported, never trusted. */
static enum ctl_status
dc_layout(struct ctl_context *ctx, const struct roamrec_datacenter *dc,
          struct pseudo_id_layout *layout)
{
    if (pseudo_id_layout_parse(layout, dc->pseudo_layout)) {
        return fail(ctx, CTL_FAILED, "datacenter %s has an invalid "
                    "pseudo_layout \"%s\"", dc->name, dc->pseudo_layout);
    }
    return CTL_OK;
}

static bool
host_is_up(const struct ctl_context *ctx, const struct roamrec_host *host)
{
    return host->alive_until > ctx->now;
}

/* Commits 'txn'.  On EAGAIN (someone changed the database meanwhile) the
 * caller re-runs the whole command on the fresh contents. */
static enum ctl_status
commit(struct ctl_context *ctx, struct ovsdb_idl_txn *txn)
{
    char *error = NULL;
    int retval = roamdb_commit_block(ctx->db, txn, ctx->deadline, &error);

    switch (retval) {
    case 0:
        return CTL_OK;
    case EAGAIN:
        return -EAGAIN;
    case ETIMEDOUT:
        return fail(ctx, CTL_UNAVAILABLE, "timed out committing to the "
                    "database");
    default:
        fail(ctx, CTL_FAILED, "%s", error ? error : "transaction failed");
        free(error);
        return CTL_FAILED;
    }
}

/* dc add NAME NUMBER [--layout=LAYOUT] */
static enum ctl_status
cmd_dc_add(struct ctl_context *ctx, int argc, char *argv[])
{
    static const char *const allowed[] = { "layout=", NULL };
    struct ovsdb_idl *idl = roamdb_idl(ctx->db);
    struct pseudo_id_layout layout;
    const struct roamrec_datacenter *dc;
    struct options opts;
    long long int number;
    const char *layout_s;
    char layout_buf[128];
    int status, n;

    status = split_options(ctx, argc, argv, allowed, &opts, &n);
    if (status) {
        return status;
    }
    if (n != 2) {
        return fail(ctx, CTL_USAGE, "usage: dc add NAME NUMBER "
                    "[--layout=LAYOUT]");
    }
    layout_s = opt_value(&opts, "layout");
    if (layout_s ? pseudo_id_layout_parse(&layout, layout_s)
        : (pseudo_id_layout_default(&layout), 0)) {
        return fail(ctx, CTL_USAGE, "invalid pseudo-identifier layout "
                    "\"%s\"", layout_s);
    }
    if (!parse_uint(argv[1], 65535, &number)) {
        return fail(ctx, CTL_USAGE, "datacenter number \"%s\" is not an "
                    "integer from 0 to 65535", argv[1]);
    }
    if (number >> layout.dc_bits) {
        return fail(ctx, CTL_USAGE, "datacenter number %lld does not fit "
                    "the layout's %u-bit datacenter field", number,
                    layout.dc_bits);
    }
    ROAMREC_DATACENTER_FOR_EACH (dc, idl) {
        if (!strcmp(dc->name, argv[0])) {
            return fail(ctx, CTL_CONFLICT, "datacenter %s already exists",
                        argv[0]);
        }
        if (dc->number == number) {
            return fail(ctx, CTL_CONFLICT, "datacenter %s already has "
                        "number %lld", dc->name, number);
        }
    }

    pseudo_id_layout_format(&layout, layout_buf, sizeof layout_buf);
    struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);
    ovsdb_idl_txn_add_comment(txn, "roamctl: dc add %s", argv[0]);
    dc = roamrec_datacenter_insert(txn);
    roamrec_datacenter_set_name(dc, argv[0]);
    roamrec_datacenter_set_number(dc, number);
    roamrec_datacenter_set_pseudo_layout(dc, layout_buf);
    return commit(ctx, txn);
}

/* dc list */
static enum ctl_status
cmd_dc_list(struct ctl_context *ctx, int argc, char *argv[] OVS_UNUSED)
{
    const struct roamrec_datacenter *dc;
    struct table *t;

    if (argc) {
        return fail(ctx, CTL_USAGE, "usage: dc list");
    }
    t = add_table(ctx);
    table_add_column(t, "name");
    table_add_column(t, "number");
    table_add_column(t, "layout");
    ROAMREC_DATACENTER_FOR_EACH (dc, roamdb_idl(ctx->db)) {
        table_add_row(t);
        add_cell(t, dc->name);
        add_cellf(t, "%"PRId64, dc->number);
        add_cell(t, dc->pseudo_layout);
    }
    return CTL_OK;
}

/* host add NAME DATACENTER POD INDEX [--uplink-ip=IP] [--role=ROLE] */
static enum ctl_status
cmd_host_add(struct ctl_context *ctx, int argc, char *argv[])
{
    static const char *const allowed[] = { "uplink-ip=", "role=", NULL };
    struct ovsdb_idl *idl = roamdb_idl(ctx->db);
    const struct roamrec_datacenter *dc;
    const struct roamrec_host *host;
    struct pseudo_id_layout layout;
    long long int pod, index;
    const char *uplink, *role;
    struct options opts;
    int status, n;

    status = split_options(ctx, argc, argv, allowed, &opts, &n);
    if (status) {
        return status;
    }
    if (n != 4) {
        return fail(ctx, CTL_USAGE, "usage: host add NAME DATACENTER POD "
                    "INDEX [--uplink-ip=IP] [--role=ROLE]");
    }
    uplink = opt_value(&opts, "uplink-ip");
    role = opt_value(&opts, "role");
    if (!role) {
        role = "hypervisor";
    } else if (strcmp(role, "hypervisor") && strcmp(role, "gateway")
               && strcmp(role, "client-edge")) {
        return fail(ctx, CTL_USAGE, "role must be hypervisor, gateway or "
                    "client-edge, not \"%s\"", role);
    }
    if (uplink) {
        ovs_be32 ip;

        if (!ip_parse(uplink, &ip) || !ip || ip_is_multicast(ip)) {
            return fail(ctx, CTL_USAGE, "uplink IP \"%s\" is not a unicast "
                        "IPv4 address", uplink);
        }
    }
    if (!parse_uint(argv[2], INT64_MAX, &pod)
        || !parse_uint(argv[3], INT64_MAX, &index)) {
        return fail(ctx, CTL_USAGE, "POD and INDEX must be nonnegative "
                    "integers");
    }
    dc = find_dc(idl, argv[1]);
    if (!dc) {
        return fail(ctx, CTL_NOT_FOUND, "no datacenter %s", argv[1]);
    }
    status = dc_layout(ctx, dc, &layout);
    if (status) {
        return status;
    }
    if (pod >> layout.pod_bits || index >> layout.host_bits) {
        return fail(ctx, CTL_USAGE, "pod %lld / index %lld do not fit "
                    "datacenter %s's %u-bit pod and %u-bit host fields",
                    pod, index, dc->name, layout.pod_bits, layout.host_bits);
    }
    ROAMREC_HOST_FOR_EACH (host, idl) {
        if (!strcmp(host->name, argv[0])) {
            return fail(ctx, CTL_CONFLICT, "host %s already exists",
                        argv[0]);
        }
        if (host->datacenter == dc && host->pod == pod
            && host->index == index) {
            return fail(ctx, CTL_CONFLICT, "host %s already has position "
                        "pod %lld index %lld in %s", host->name, pod, index,
                        dc->name);
        }
    }

    struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);
    ovsdb_idl_txn_add_comment(txn, "roamctl: host add %s", argv[0]);
    host = roamrec_host_insert(txn);
    roamrec_host_set_name(host, argv[0]);
    roamrec_host_set_datacenter(host, dc);
    roamrec_host_set_pod(host, pod);
    roamrec_host_set_index(host, index);
    roamrec_host_set_uplink_ip(host, uplink);
    roamrec_host_set_role(host, role);
    roamrec_host_set_alive_until(host, 0);
    return commit(ctx, txn);
}

/* host list */
static enum ctl_status
cmd_host_list(struct ctl_context *ctx, int argc, char *argv[] OVS_UNUSED)
{
    const struct roamrec_host *host;
    struct table *t;

    if (argc) {
        return fail(ctx, CTL_USAGE, "usage: host list");
    }
    t = add_table(ctx);
    table_add_column(t, "name");
    table_add_column(t, "datacenter");
    table_add_column(t, "pod");
    table_add_column(t, "index");
    table_add_column(t, "role");
    table_add_column(t, "uplink_ip");
    table_add_column(t, "state");
    ROAMREC_HOST_FOR_EACH (host, roamdb_idl(ctx->db)) {
        table_add_row(t);
        add_cell(t, host->name);
        add_cell(t, host->datacenter ? host->datacenter->name : NULL);
        add_cellf(t, "%"PRId64, host->pod);
        add_cellf(t, "%"PRId64, host->index);
        add_cell(t, host->role);
        add_cell(t, host->uplink_ip);
        add_cell(t, host_is_up(ctx, host) ? "up" : "down");
    }
    return CTL_OK;
}

static void
vm_columns(struct table *t)
{
    table_add_column(t, "name");
    table_add_column(t, "iface_id");
    table_add_column(t, "real_mac");
    table_add_column(t, "real_ip");
    table_add_column(t, "pseudo_mac");
    table_add_column(t, "pseudo_ip");
    table_add_column(t, "host");
    table_add_column(t, "port");
    table_add_column(t, "seq");
    table_add_column(t, "state");
    table_add_column(t, "rules");
}

static void
vm_row(struct table *t, const struct roamrec_vm *vm)
{
    table_add_row(t);
    add_cell(t, vm->name);
    add_cell(t, vm->iface_id);
    add_cell(t, vm->real_mac);
    add_cell(t, vm->real_ip);
    add_cell(t, vm->pseudo_mac);
    add_cell(t, vm->pseudo_ip);
    add_cell(t, vm->host ? vm->host->name : NULL);
    add_cell(t, vm->port);
    add_cellf(t, "%"PRId64, vm->seq);
    add_cell(t, vm->state);
    add_cellf(t, "%"PRIuSIZE, vm->n_rules);
}

/* vm list */
static enum ctl_status
cmd_vm_list(struct ctl_context *ctx, int argc, char *argv[] OVS_UNUSED)
{
    const struct roamrec_vm *vm;
    struct table *t;

    if (argc) {
        return fail(ctx, CTL_USAGE, "usage: vm list");
    }
    t = add_table(ctx);
    vm_columns(t);
    ROAMREC_VM_FOR_EACH (vm, roamdb_idl(ctx->db)) {
        vm_row(t, vm);
    }
    return CTL_OK;
}

/* vm show VM: the VM's location, then its rules. */
static enum ctl_status
cmd_vm_show(struct ctl_context *ctx, int argc, char *argv[])
{
    const struct roamrec_vm *vm;
    struct table *t, *rules;
    size_t i;

    if (argc != 1) {
        return fail(ctx, CTL_USAGE, "usage: vm show VM");
    }
    vm = find_vm(roamdb_idl(ctx->db), argv[0]);
    if (!vm) {
        return fail(ctx, CTL_NOT_FOUND, "no VM %s", argv[0]);
    }
    t = add_table(ctx);
    vm_columns(t);
    vm_row(t, vm);

    rules = add_table(ctx);
    table_add_column(rules, "direction");
    table_add_column(rules, "table");
    table_add_column(rules, "priority");
    table_add_column(rules, "cookie");
    table_add_column(rules, "match");
    table_add_column(rules, "actions");
    for (i = 0; i < vm->n_rules; i++) {
        const struct roamrec_rule *r = vm->rules[i];

        table_add_row(rules);
        add_cell(rules, r->direction);
        add_cellf(rules, "%"PRId64, r->table_id);
        add_cellf(rules, "%"PRId64, r->priority);
        add_cellf(rules, "%#"PRIx64, (uint64_t) r->cookie);
        add_cell(rules, r->match);
        add_cell(rules, r->actions);
    }
    return CTL_OK;
}

/* Milliseconds from phase 'a' to phase 'b' of 'm', as text ("-" if either
 * is missing). */
static void
add_duration(struct table *t, const struct roamrec_migration *m,
             const char *a, const char *b)
{
    int64_t ta = migration_row_time(m, a), tb = migration_row_time(m, b);

    if (ta < 0 || tb < 0) {
        add_cell(t, NULL);
    } else {
        add_cellf(t, "%"PRId64, tb - ta);
    }
}

/* migration list: every migration, with how long each phase took. */
static enum ctl_status
cmd_migration_list(struct ctl_context *ctx, int argc,
                   char *argv[] OVS_UNUSED)
{
    const struct roamrec_migration *m;
    struct table *t;

    if (argc) {
        return fail(ctx, CTL_USAGE, "usage: migration list");
    }
    t = add_table(ctx);
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
    table_add_column(t, "error");
    ROAMREC_MIGRATION_FOR_EACH (m, roamdb_idl(ctx->db)) {
        table_add_row(t);
        add_cell(t, m->vm_name);
        add_cell(t, m->src ? m->src->name : NULL);
        add_cell(t, m->dst ? m->dst->name : NULL);
        add_cellf(t, "%"PRId64, m->seq);
        add_cell(t, m->phase);
        add_cellf(t, "%"PRId64, m->rules_moved);
        add_duration(t, m, "prepare", "pause");
        add_duration(t, m, "prepare", "activate");
        add_duration(t, m, "prepare", "migrate-out");
        add_duration(t, m, "prepare", "complete");
        add_cellf(t, "%"PRId64, m->packets_buffered);
        add_optional(t, m->packets_delivered, m->n_packets_delivered);
        add_optional(t, m->packets_dropped, m->n_packets_dropped);
        add_optional(t, m->redirect_us, m->n_redirect_us);
        add_cell(t, m->error);
    }
    return CTL_OK;
}

static const struct roamrec_host *
find_host(struct ovsdb_idl *idl, const char *name)
{
    const struct roamrec_host *host;

    ROAMREC_HOST_FOR_EACH (host, idl) {
        if (!strcmp(host->name, name)) {
            return host;
        }
    }
    return NULL;
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
    struct table *t = add_table(ctx);
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
        add_cell(t, report_phases[i]);
        add_cellf(t, "%"PRId64, at - prepare);
        add_cellf(t, "%"PRId64, at - last);
        last = at;
    }

    t = add_table(ctx);
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
    table_add_column(t, "error");
    table_add_row(t);
    add_cell(t, m->vm_name);
    add_cell(t, m->src ? m->src->name : NULL);
    add_cell(t, m->dst ? m->dst->name : NULL);
    add_cellf(t, "%"PRId64, m->seq);
    add_cell(t, m->phase);
    add_cellf(t, "%"PRId64, last - prepare);
    add_cellf(t, "%"PRId64, m->rules_moved);
    add_cellf(t, "%"PRId64, m->packets_buffered);
    add_optional(t, m->packets_delivered, m->n_packets_delivered);
    add_optional(t, m->redirect_us, m->n_redirect_us);
    add_cell(t, m->error);
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

    vm = find_vm(idl, vm_name);
    if (!vm) {
        return fail(ctx, CTL_NOT_FOUND, "no VM %s", vm_name);
    }
    dst = find_host(idl, host_name);
    if (!dst) {
        return fail(ctx, CTL_NOT_FOUND, "no host %s", host_name);
    }
    if (vm->host == dst) {
        return fail(ctx, CTL_CONFLICT, "VM %s already runs on %s", vm->name,
                    dst->name);
    }
    if (!host_is_up(ctx, dst)) {
        return fail(ctx, CTL_UNAVAILABLE, "host %s is down", dst->name);
    }
    if (!vm->host || strcmp(vm->state, "running")) {
        return fail(ctx, CTL_CONFLICT, "VM %s is not running anywhere; "
                    "start it on %s instead", vm->name, dst->name);
    }
    if (!host_is_up(ctx, vm->host)) {
        return fail(ctx, CTL_UNAVAILABLE, "VM %s's host %s is down",
                    vm->name, vm->host->name);
    }
    if (!migration_seq_can_grow(vm)) {
        return fail(ctx, CTL_CONFLICT, "VM %s's sequence number %"PRId64
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
        return fail(ctx, CTL_CONFLICT, "VM %s is already migrating to %s "
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
    status = commit(ctx, txn);
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
static enum ctl_status
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

    status = split_options(ctx, argc, argv, allowed, &opts, &n);
    if (status) {
        return status;
    }
    to = opt_value(&opts, "to");
    if (n != 1 || !to) {
        return fail(ctx, CTL_USAGE, "usage: migrate VM --to HOST "
                    "[--port PORT] [--no-wait] [--wait SECS]");
    }
    if (opt_value(&opts, "wait")
        && !parse_uint(opt_value(&opts, "wait"), 86400, &wait_s)) {
        return fail(ctx, CTL_USAGE, "--wait takes a number of seconds");
    }
    status = migrate_in(ctx, argv[0], to, opt_value(&opts, "port"), &uuid);
    if (status) {
        return status;
    }

    deadline = time_msec() + wait_s * 1000;
    for (;;) {
        roamdb_run(ctx->db);
        m = roamrec_migration_get_for_uuid(roamdb_idl(ctx->db), &uuid);
        if (m) {
            if (opt_value(&opts, "no-wait")) {
                break;
            }
            print_progress(ctx, m, &n_reported);
            if (migration_phase_is_final(m->phase)) {
                break;
            }
        }
        if (time_msec() >= deadline) {
            return fail(ctx, CTL_FAILED, "timed out after %lld s; the "
                        "migration is in phase %s", wait_s,
                        m ? m->phase : "unknown");
        }
        roamdb_wait(ctx->db);
        poll_timer_wait_until(deadline);
        poll_block();
    }
    migration_report(ctx, m);
    if (!strcmp(m->phase, "rolled-back")) {
        return fail(ctx, CTL_FAILED, "migration of %s rolled back: %s",
                    m->vm_name, m->error ? m->error : "unknown reason");
    }
    return CTL_OK;
}

/* migrate-in VM HOST [--port=PORT]: the S1.4 message alone. */
static enum ctl_status
cmd_migrate_in(struct ctl_context *ctx, int argc, char *argv[])
{
    static const char *const allowed[] = { "port=", NULL };
    const struct roamrec_migration *m;
    struct options opts;
    enum ctl_status status;
    struct uuid uuid;
    int n;

    status = split_options(ctx, argc, argv, allowed, &opts, &n);
    if (status) {
        return status;
    }
    if (n != 2) {
        return fail(ctx, CTL_USAGE, "usage: migrate-in VM HOST "
                    "[--port PORT]");
    }
    status = migrate_in(ctx, argv[0], argv[1], opt_value(&opts, "port"),
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
static enum ctl_status
cmd_migrate_out(struct ctl_context *ctx, int argc, char *argv[])
{
    struct ovsdb_idl *idl = roamdb_idl(ctx->db);
    const struct roamrec_migration *m;
    const struct roamrec_vm *vm;
    struct ovsdb_idl_txn *txn;
    enum ctl_status status;

    if (argc != 1) {
        return fail(ctx, CTL_USAGE, "usage: migrate-out VM");
    }
    vm = find_vm(idl, argv[0]);
    if (!vm) {
        return fail(ctx, CTL_NOT_FOUND, "no VM %s", argv[0]);
    }
    m = pending_migration(idl, vm);
    if (!m || !migration_seq_can_grow(vm) || m->seq != vm->seq + 1
        || strcmp(m->phase, "prepare")) {
        return fail(ctx, CTL_CONFLICT, "VM %s has no migration waiting to "
                    "leave its host (run migrate-in first)", vm->name);
    }
    if (migration_row_time(m, "pause") < 0) {
        txn = ovsdb_idl_txn_create(idl);
        roamrec_migration_verify_phase(m);
        roamrec_migration_update_timestamps_setkey(m, "pause", ctx->now);
        status = commit(ctx, txn);
        if (status) {
            return status;
        }
    }
    migration_report(ctx, m);
    return CTL_OK;
}

/* rules VM: the VM's rules in logical form, and where they are installed. */
static enum ctl_status
cmd_rules(struct ctl_context *ctx, int argc, char *argv[])
{
    const struct roamrec_vm *vm;
    struct table *t;
    size_t i;

    if (argc != 1) {
        return fail(ctx, CTL_USAGE, "usage: rules VM");
    }
    vm = find_vm(roamdb_idl(ctx->db), argv[0]);
    if (!vm) {
        return fail(ctx, CTL_NOT_FOUND, "no VM %s", argv[0]);
    }
    t = add_table(ctx);
    table_add_column(t, "direction");
    table_add_column(t, "table");
    table_add_column(t, "priority");
    table_add_column(t, "cookie");
    table_add_column(t, "match");
    table_add_column(t, "actions");
    table_add_column(t, "installed_at");
    for (i = 0; i < vm->n_rules; i++) {
        const struct roamrec_rule *r = vm->rules[i];

        table_add_row(t);
        add_cell(t, r->direction);
        add_cellf(t, "%"PRId64, r->table_id);
        add_cellf(t, "%"PRId64, r->priority);
        add_cellf(t, "%#"PRIx64, (uint64_t) r->cookie);
        add_cell(t, r->match);
        add_cell(t, r->actions);
        if (vm->host && vm->port) {
            add_cellf(t, "%s:%s", vm->host->name, vm->port);
        } else {
            add_cell(t, NULL);
        }
    }
    return CTL_OK;
}

struct ctl_command {
    const char *noun;
    const char *verb;
    enum ctl_status (*handler)(struct ctl_context *, int argc, char *argv[]);
    const char *usage;
};

static const struct ctl_command commands[] = {
    { "dc", "add", cmd_dc_add, "NAME NUMBER [--layout=LAYOUT]" },
    { "dc", "list", cmd_dc_list, "" },
    { "host", "add", cmd_host_add,
      "NAME DATACENTER POD INDEX [--uplink-ip=IP] [--role=ROLE]" },
    { "host", "list", cmd_host_list, "" },
    { "vm", "list", cmd_vm_list, "" },
    { "vm", "show", cmd_vm_show, "VM" },
    { "rules", NULL, cmd_rules, "VM" },
    { "migration", "list", cmd_migration_list, "" },
    { "migrate", NULL, cmd_migrate,
      "VM --to HOST [--port PORT] [--no-wait] [--wait SECS]" },
    { "migrate-in", NULL, cmd_migrate_in, "VM HOST [--port PORT]" },
    { "migrate-out", NULL, cmd_migrate_out, "VM" },
};

void
ctl_usage_commands(void)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(commands); i++) {
        printf("  %s%s%s %s\n", commands[i].noun,
               commands[i].verb ? " " : "",
               commands[i].verb ? commands[i].verb : "", commands[i].usage);
    }
    printf("  vm paused VM  (to the local roamd: see --target)\n");
    printf("  vm resumed VM  (to the local roamd: see --target)\n");
}

/* Runs the command in 'argv' (noun, verb, arguments) against the database,
 * whose contents must already be replicated.  The result is left in
 * 'ctx->tables', or the reason for failure in 'ctx->error'.
 * A command whose transaction raced with another client re-runs on the new
 * contents. */
enum ctl_status
ctl_execute(struct ctl_context *ctx, int argc, char *argv[])
{
    size_t i;

    if (argc < 1) {
        return fail(ctx, CTL_USAGE, "missing command (try --help)");
    }
    for (i = 0; i < ARRAY_SIZE(commands); i++) {
        const struct ctl_command *c = &commands[i];
        int skip = c->verb ? 2 : 1;

        if (strcmp(argv[0], c->noun)
            || (c->verb && (argc < 2 || strcmp(argv[1], c->verb)))) {
            continue;
        }
        for (;;) {
            /* Handlers reorder their arguments, so each try gets a fresh
             * copy. */
            char **args = xmemdup(argv + skip,
                                  (argc - skip) * sizeof *argv + 1);
            int status = c->handler(ctx, argc - skip, args);

            free(args);
            if (status != -EAGAIN) {
                return status;
            }
            clear_tables(ctx);
            if (roamdb_wait_for_contents(ctx->db, ctx->deadline)) {
                return fail(ctx, CTL_UNAVAILABLE, "lost the database");
            }
        }
    }
    const char *problem = ctl_check_command(argc, argv);
    return fail(ctx, CTL_USAGE, "%s", problem ? problem : "no such command");
}

/* Returns NULL if 'argv' (noun, verb, arguments) names one of roamctl's
 * commands, else a static explanation that names what is wrong.  Called
 * before roamctl connects to anything, so that a typo fails at once. */
const char *
ctl_check_command(int argc, char *argv[])
{
    static char msg[128];
    bool noun = false;
    size_t i;

    if (argc < 1) {
        return "missing command (try --help)";
    }
    for (i = 0; i < ARRAY_SIZE(commands); i++) {
        const struct ctl_command *c = &commands[i];

        if (!strcmp(argv[0], c->noun)) {
            noun = true;
            if (!c->verb || (argc >= 2 && !strcmp(argv[1], c->verb))) {
                return NULL;
            }
        }
    }
    if (!strcmp(argv[0], "vm") && argc >= 2
        && (!strcmp(argv[1], "paused") || !strcmp(argv[1], "resumed"))) {
        return NULL;
    }
    if (!noun) {
        snprintf(msg, sizeof msg, "unknown command \"%.80s\" (try --help)",
                 argv[0]);
    } else if (argc < 2) {
        snprintf(msg, sizeof msg, "\"%.80s\" needs a subcommand (try "
                 "--help)", argv[0]);
    } else {
        snprintf(msg, sizeof msg, "unknown command \"%.40s %.40s\" (try "
                 "--help)", argv[0], argv[1]);
    }
    return msg;
}

/* Connects to roamd's control socket 'target': a socket path, or a program
 * name whose pidfile in the Open vSwitch run directory names it, as for
 * ovs-appctl.  Returns 0 or a positive errno, with the reason in
 * 'ctx->error'. */
static int
connect_roamd(struct ctl_context *ctx, const char *target,
              struct jsonrpc **client)
{
    char *socket_name;
    int error;

    if (target[0] != '/') {
        char *pidfile = xasprintf("%s/%s.pid", ovs_rundir(), target);
        pid_t pid = read_pidfile(pidfile);

        if (pid < 0) {
            fail(ctx, CTL_UNAVAILABLE, "cannot read pidfile %s (%s): is "
                 "roamd running?", pidfile, ovs_strerror(-pid));
            free(pidfile);
            return -pid;
        }
        free(pidfile);
        socket_name = xasprintf("%s/%s.%ld.ctl", ovs_rundir(), target,
                                (long int) pid);
    } else {
        socket_name = xstrdup(target);
    }
    error = unixctl_client_create(socket_name, client);
    if (error) {
        fail(ctx, CTL_UNAVAILABLE, "cannot connect to roamd at %s (%s)",
             socket_name, ovs_strerror(error));
    }
    free(socket_name);
    return error;
}

/* Sends unixctl 'command' with 'vm' to the local roamd ('target') and
 * returns its reply in '*result' (the caller frees it). */
static enum ctl_status
vm_notice(struct ctl_context *ctx, const char *target, const char *command,
          const char *vm, char **result)
{
    char *cmd_argv[] = { CONST_CAST(char *, vm) };
    enum ctl_status status = CTL_OK;
    struct jsonrpc *client;
    char *err = NULL;
    int error;

    *result = NULL;
    if (connect_roamd(ctx, target, &client)) {
        return CTL_UNAVAILABLE;
    }
    error = unixctl_client_transact(client, command, 1, cmd_argv, result,
                                    &err);
    if (error) {
        status = fail(ctx, CTL_UNAVAILABLE, "roamd: %s", ovs_strerror(error));
    } else if (err) {
        status = fail(ctx, (strstr(err, "does not hold")
                            || strstr(err, "neither")
                            ? CTL_NOT_FOUND : CTL_CONFLICT),
                      "roamd: %s", err);
    }
    free(err);
    jsonrpc_close(client);
    return status;
}

/* vm paused VM: the pause notice, sent to the local roamd ('target') by a
 * hypervisor manager other than libvirt (roamd follows libvirt's events
 * itself), the moment VM pauses at the end of a live migration.  roamd
 * answers once the switch redirects the VM's traffic toward its
 * destination, so that nothing sent during the pause is lost. */
enum ctl_status
ctl_vm_paused(struct ctl_context *ctx, const char *target, int argc,
              char *argv[])
{
    enum ctl_status status;
    char *result;

    if (argc != 1) {
        return fail(ctx, CTL_USAGE, "usage: vm paused VM");
    }
    status = vm_notice(ctx, target, "vm/paused", argv[0], &result);
    if (status == CTL_OK) {
        struct table *t = add_table(ctx);
        long long int us;

        table_add_column(t, "vm");
        table_add_column(t, "state");
        table_add_column(t, "redirect_us");
        table_add_row(t);
        add_cell(t, argv[0]);
        add_cell(t, "redirecting");
        if (result && ovs_scan(result, "applied %lld us", &us)) {
            add_cellf(t, "%lld", us);
        } else {
            add_cell(t, "-");
        }
    }
    free(result);
    return status;
}

/* vm resumed VM: the resume notice.  At the VM's destination, its arrival
 * gate opens at once; at its source, after a pause notice, the VM runs
 * there again and its traffic is delivered there again. */
enum ctl_status
ctl_vm_resumed(struct ctl_context *ctx, const char *target, int argc,
               char *argv[])
{
    enum ctl_status status;
    char *result;

    if (argc != 1) {
        return fail(ctx, CTL_USAGE, "usage: vm resumed VM");
    }
    status = vm_notice(ctx, target, "vm/resumed", argv[0], &result);
    free(result);
    return status;
}
