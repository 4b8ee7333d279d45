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

/* roamctl's VM commands: "vm list", "vm show", "rules". */

#include "ctl/ctl-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "db/migration.h"
#include "db/roam-idl.h"
#include "db/saved-rules.h"
#include "db/roamdb.h"
#include "ovsdb-idl.h"
#include "openvswitch/vlog.h"
#include "table.h"
#include "util.h"
#include "uuid.h"

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
    ctl_add_cell(t, vm->name);
    ctl_add_cell(t, vm->iface_id);
    ctl_add_cell(t, vm->real_mac);
    ctl_add_cell(t, vm->real_ip);
    ctl_add_cell(t, vm->pseudo_mac);
    ctl_add_cell(t, vm->pseudo_ip);
    ctl_add_cell(t, vm->host ? vm->host->name : NULL);
    ctl_add_cell(t, vm->port);
    ctl_add_cellf(t, "%"PRId64, vm->seq);
    ctl_add_cell(t, vm->state);
    ctl_add_cellf(t, "%"PRIuSIZE, saved_rules_count(vm));
}

/* vm list */
enum ctl_status
cmd_vm_list(struct ctl_context *ctx, int argc, char *argv[] OVS_UNUSED)
{
    const struct roamrec_vm *vm;
    struct table *t;

    if (argc) {
        return ctl_fail(ctx, CTL_USAGE, "usage: vm list");
    }
    t = ctl_add_table(ctx);
    vm_columns(t);
    ROAMREC_VM_FOR_EACH (vm, roamdb_idl(ctx->db)) {
        vm_row(t, vm);
    }
    return CTL_OK;
}

/* Adds the cells of 'vm''s 'i'th saved rule to 't''s last row: direction,
 * table, priority, cookie, match and actions.  A rule that does not parse
 * (a bad database row) shows as "invalid", with its text and why. */
static void
add_rule_cells(struct table *t, const struct roamrec_vm *vm, size_t i)
{
    struct saved_rule r;
    char *error;

    if (saved_rules_get(vm, i, &r, &error)) {
        ctl_add_cell(t, "invalid");
        ctl_add_cell(t, NULL);
        ctl_add_cell(t, NULL);
        ctl_add_cell(t, NULL);
        ctl_add_cell(t, saved_rules_text(vm, i));
        ctl_add_cell(t, error);
        free(error);
        return;
    }
    ctl_add_cell(t, r.direction);
    ctl_add_cellf(t, "%"PRIu8, r.table_id);
    ctl_add_cellf(t, "%"PRIu16, r.priority);
    ctl_add_cellf(t, "%#"PRIx64, r.cookie);
    ctl_add_cell(t, r.match);
    ctl_add_cell(t, r.actions);
    saved_rule_destroy(&r);
}

/* vm show VM: the VM's location, then its rules. */
enum ctl_status
cmd_vm_show(struct ctl_context *ctx, int argc, char *argv[])
{
    const struct roamrec_vm *vm;
    struct table *t, *rules;
    size_t i;

    if (argc != 1) {
        return ctl_fail(ctx, CTL_USAGE, "usage: vm show VM");
    }
    vm = ctl_find_vm(ctx, argv[0]);
    if (!vm) {
        return ctl_fail(ctx, CTL_NOT_FOUND, "no VM %s", argv[0]);
    }
    t = ctl_add_table(ctx);
    vm_columns(t);
    vm_row(t, vm);

    rules = ctl_add_table(ctx);
    table_add_column(rules, "direction");
    table_add_column(rules, "table");
    table_add_column(rules, "priority");
    table_add_column(rules, "cookie");
    table_add_column(rules, "match");
    table_add_column(rules, "actions");
    for (i = 0; i < saved_rules_count(vm); i++) {
        table_add_row(rules);
        add_rule_cells(rules, vm, i);
    }
    return CTL_OK;
}

/* rules VM: the VM's rules in logical form, and where they are installed. */
enum ctl_status
cmd_rules(struct ctl_context *ctx, int argc, char *argv[])
{
    const struct roamrec_vm *vm;
    struct table *t;
    size_t i;

    if (argc != 1) {
        return ctl_fail(ctx, CTL_USAGE, "usage: rules VM");
    }
    vm = ctl_find_vm(ctx, argv[0]);
    if (!vm) {
        return ctl_fail(ctx, CTL_NOT_FOUND, "no VM %s", argv[0]);
    }
    t = ctl_add_table(ctx);
    table_add_column(t, "direction");
    table_add_column(t, "table");
    table_add_column(t, "priority");
    table_add_column(t, "cookie");
    table_add_column(t, "match");
    table_add_column(t, "actions");
    table_add_column(t, "installed_at");
    for (i = 0; i < saved_rules_count(vm); i++) {
        table_add_row(t);
        add_rule_cells(t, vm, i);
        if (vm->host && vm->port) {
            ctl_add_cellf(t, "%s:%s", vm->host->name, vm->port);
        } else {
            ctl_add_cell(t, NULL);
        }
    }
    return CTL_OK;
}

/* mapping list [DATACENTER]: the pseudo <-> real mapping that gateways hold
 * (S0.3): every VM with a pseudo identity and a host, with its location
 * sequence number.  With DATACENTER, whether each VM is local to it or
 * remote, as that datacenter's gateway sees it. */
enum ctl_status
cmd_mapping_list(struct ctl_context *ctx, int argc, char *argv[])
{
    const struct roamrec_datacenter *dc = NULL;
    const struct roamrec_vm *vm;
    struct table *t;

    if (argc > 1) {
        return ctl_fail(ctx, CTL_USAGE, "usage: mapping list [DATACENTER]");
    }
    if (argc) {
        dc = roamdb_dc_by_name(ctx->db, argv[0]);
        if (!dc) {
            return ctl_fail(ctx, CTL_NOT_FOUND, "no datacenter %s",
                            argv[0]);
        }
    }
    t = ctl_add_table(ctx);
    table_add_column(t, "vm");
    table_add_column(t, "seq");
    table_add_column(t, "datacenter");
    table_add_column(t, "host");
    table_add_column(t, "real_mac");
    table_add_column(t, "real_ip");
    table_add_column(t, "pseudo_mac");
    table_add_column(t, "pseudo_ip");
    if (dc) {
        table_add_column(t, "side");
    }
    ROAMREC_VM_FOR_EACH (vm, roamdb_idl(ctx->db)) {
        const struct roamrec_datacenter *vdc
            = vm->host ? vm->host->datacenter : NULL;

        if (!vdc || !vm->pseudo_mac || !vm->pseudo_ip) {
            continue;
        }
        table_add_row(t);
        ctl_add_cell(t, vm->name);
        ctl_add_cellf(t, "%"PRId64, vm->seq);
        ctl_add_cell(t, vdc->name);
        ctl_add_cell(t, vm->host->name);
        ctl_add_cell(t, vm->real_mac);
        ctl_add_cell(t, vm->real_ip);
        ctl_add_cell(t, vm->pseudo_mac);
        ctl_add_cell(t, vm->pseudo_ip);
        if (dc) {
            ctl_add_cell(t, vdc == dc ? "local" : "remote");
        }
    }
    return CTL_OK;
}
