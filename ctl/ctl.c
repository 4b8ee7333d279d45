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

#include "ctl/ctl.h"
#include "ctl/ctl-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "db/migration.h"
#include "db/roam-idl.h"
#include "db/roamdb.h"
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
struct table *
ctl_add_table(struct ctl_context *ctx)
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

enum ctl_status
ctl_fail(struct ctl_context *ctx, enum ctl_status status,
         const char *format, ...)
{
    va_list args;

    va_start(args, format);
    ds_put_format_valist(&ctx->error, format, args);
    va_end(args);
    return status;
}

void
ctl_add_cell(struct table *t, const char *text)
{
    table_add_cell(t)->text = xstrdup(text && text[0] ? text : "-");
}

void
ctl_add_cellf(struct table *t, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    table_add_cell(t)->text = xvasprintf(format, args);
    va_end(args);
}

/* A cell for an optional integer column: "-" if it has no value. */
void
ctl_add_optional(struct table *t, const int64_t *value, size_t n)
{
    if (n) {
        ctl_add_cellf(t, "%"PRId64, *value);
    } else {
        ctl_add_cell(t, NULL);
    }
}

/* Parses a nonnegative decimal integer no greater than 'max'. */
bool
ctl_parse_uint(const char *s, long long int max, long long int *value)
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
 * count returned), and options, looked up by ctl_opt_value().  In
 * 'allowed', a name ending in '=' takes a value ("--name=value" or "--name
 * value"); any other name is a flag ("--name", whose value is ""). */
int
ctl_split_options(struct ctl_context *ctx, int argc, char *argv[],
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
            return ctl_fail(ctx, CTL_USAGE, "unknown option %s", argv[i]);
        }
        if (strchr(allowed[j], '=')) {
            if (!value) {
                if (i + 1 >= argc) {
                    return ctl_fail(ctx, CTL_USAGE, "option %s needs a value",
                                    argv[i]);
                }
                value = argv[++i];
            }
        } else if (value) {
            return ctl_fail(ctx, CTL_USAGE, "option --%s takes no value",
                            allowed[j]);
        } else {
            value = "";
        }
        opts->names[opts->n] = allowed[j];
        opts->values[opts->n++] = value;
    }
    return CTL_OK;
}

const char *
ctl_opt_value(const struct options *opts, const char *name)
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

/* The VM named, or with iface-id, 'name'. */
const struct roamrec_vm *
ctl_find_vm(const struct ctl_context *ctx, const char *name)
{
    const struct roamrec_vm *vm = roamdb_vm_by_name(ctx->db, name);

    return vm ? vm : roamdb_vm_by_iface_id(ctx->db, name);
}

/* The layout a datacenter row names; a row with a bad layout (written by
 * hand) is reported, never trusted. */
enum ctl_status
ctl_dc_layout(struct ctl_context *ctx, const struct roamrec_datacenter *dc,
          struct pseudo_id_layout *layout)
{
    if (pseudo_id_layout_parse(layout, dc->pseudo_layout)) {
        return ctl_fail(ctx, CTL_FAILED, "datacenter %s has an invalid "
                        "pseudo_layout \"%s\"", dc->name, dc->pseudo_layout);
    }
    return CTL_OK;
}

bool
ctl_host_is_up(const struct ctl_context *ctx, const struct roamrec_host *host)
{
    return host->alive_until > ctx->now;
}

/* Commits 'txn'.  On EAGAIN (someone changed the database meanwhile) the
 * caller re-runs the whole command on the fresh contents. */
enum ctl_status
ctl_commit(struct ctl_context *ctx, struct ovsdb_idl_txn *txn)
{
    char *error = NULL;
    int retval = roamdb_commit_block(ctx->db, txn, ctx->deadline, &error);

    switch (retval) {
    case 0:
        return CTL_OK;
    case EAGAIN:
        return CTL_RETRY;
    case ETIMEDOUT:
        return ctl_fail(ctx, CTL_UNAVAILABLE, "timed out committing to the "
                        "database");
    default:
        ctl_fail(ctx, CTL_FAILED, "%s", error ? error : "transaction failed");
        free(error);
        return CTL_FAILED;
    }
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
    { "gateway", "list", cmd_gateway_list, "" },
    { "mapping", "list", cmd_mapping_list, "[DATACENTER]" },
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
    printf("  edge recipe --pair=VPN/VPN[=PREFIX]... --client=PORT... "
           "[--gateway-mac=MAC] [--hold=MS]\n"
           "  edge show [--bridge=BRIDGE] [--switch=TARGET]  (a client "
           "edge switch)\n");
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
        return ctl_fail(ctx, CTL_USAGE, "missing command (try --help)");
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
            enum ctl_status status = c->handler(ctx, argc - skip, args);

            free(args);
            if (status != CTL_RETRY) {
                return status;
            }
            clear_tables(ctx);
            if (roamdb_wait_for_contents(ctx->db, ctx->deadline)) {
                return ctl_fail(ctx, CTL_UNAVAILABLE, "lost the database");
            }
        }
    }
    const char *problem = ctl_check_command(argc, argv);
    return ctl_fail(ctx, CTL_USAGE, "%s",
                    problem ? problem : "no such command");
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
    if (!strcmp(argv[0], "edge") && argc >= 2
        && (!strcmp(argv[1], "recipe") || !strcmp(argv[1], "show"))) {
        return NULL;
    }
    if (!strcmp(argv[0], "edge")) {
        return "\"edge\" takes \"recipe\" or \"show\" (try --help)";
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
