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

#ifndef ROAM_CTL_PRIVATE_H
#define ROAM_CTL_PRIVATE_H 1

/* What roamctl's command groups share: result tables, errors, options,
 * lookups and commits.  Internal to ctl/: roamctl.c uses ctl.h. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl/ctl.h"
#include "openvswitch/compiler.h"

struct ovsdb_idl_txn;
struct pseudo_id_layout;
struct roamrec_datacenter;
struct roamrec_host;
struct roamrec_vm;
struct table;

/* Options of one command, from ctl_split_options(). */
struct options {
    const char *names[4];
    const char *values[4];
    size_t n;
};

struct table *ctl_add_table(struct ctl_context *);
enum ctl_status ctl_fail(struct ctl_context *, enum ctl_status,
                         const char *format, ...) OVS_PRINTF_FORMAT(3, 4);
void ctl_add_cell(struct table *, const char *text);
void ctl_add_cellf(struct table *, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3);
void ctl_add_optional(struct table *, const int64_t *value, size_t n);
bool ctl_parse_uint(const char *s, long long int max, long long int *value);
int ctl_split_options(struct ctl_context *, int argc, char *argv[],
                      const char *const allowed[], struct options *,
                      int *n_args);
const char *ctl_opt_value(const struct options *, const char *name);
const struct roamrec_vm *ctl_find_vm(const struct ctl_context *,
                                     const char *name);
enum ctl_status ctl_dc_layout(struct ctl_context *,
                              const struct roamrec_datacenter *,
                              struct pseudo_id_layout *);
bool ctl_host_is_up(const struct ctl_context *, const struct roamrec_host *);
enum ctl_status ctl_commit(struct ctl_context *, struct ovsdb_idl_txn *);

/* The commands, one group per file. */
enum ctl_status cmd_dc_add(struct ctl_context *, int argc, char *argv[]);
enum ctl_status cmd_dc_list(struct ctl_context *, int argc, char *argv[]);
enum ctl_status cmd_host_add(struct ctl_context *, int argc, char *argv[]);
enum ctl_status cmd_host_list(struct ctl_context *, int argc, char *argv[]);
enum ctl_status cmd_gateway_list(struct ctl_context *, int argc,
                                 char *argv[]);
enum ctl_status cmd_mapping_list(struct ctl_context *, int argc,
                                 char *argv[]);
enum ctl_status cmd_vm_list(struct ctl_context *, int argc, char *argv[]);
enum ctl_status cmd_vm_show(struct ctl_context *, int argc, char *argv[]);
enum ctl_status cmd_rules(struct ctl_context *, int argc, char *argv[]);
enum ctl_status cmd_migration_list(struct ctl_context *, int argc,
                                   char *argv[]);
enum ctl_status cmd_migrate(struct ctl_context *, int argc, char *argv[]);
enum ctl_status cmd_migrate_in(struct ctl_context *, int argc,
                               char *argv[]);
enum ctl_status cmd_migrate_out(struct ctl_context *, int argc,
                                char *argv[]);

#endif /* ctl-private.h */
