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

#ifndef ROAM_CTL_H
#define ROAM_CTL_H 1

/* roamctl's database commands.
 *
 * Each command reads or changes the roam database through a roamdb
 * connection and writes its result into a table (struct table, printed as a
 * table for people or as JSON for scripts) or an error message.  Commands
 * return a ctl_status; roamctl exits with it, so every kind of failure has
 * its own exit code, documented in roamctl(8). */

#include <stdio.h>

#include "openvswitch/dynamic-string.h"
#include "table.h"

struct roamdb;

enum ctl_status {
    CTL_OK = 0,
    CTL_FAILED = 1,          /* Anything else, e.g. the database refused. */
    CTL_USAGE = 2,           /* Bad command line. */
    CTL_NOT_FOUND = 3,       /* Unknown VM, host or datacenter. */
    CTL_UNAVAILABLE = 4,     /* Database unreachable, or host down. */
    CTL_CONFLICT = 5,        /* Already exists, or contradicts the state. */

    /* Internal, never an exit code: the command's transaction raced with
     * another client's, and ctl_execute() runs it again. */
    CTL_RETRY = -1,
};

struct ctl_context {
    struct roamdb *db;
    long long int deadline;     /* time_msec() after which to give up. */
    long long int now;          /* Wall clock, ms since the epoch. */
    struct table tables[2];     /* Results: one or two tables. */
    size_t n_tables;
    struct ds error;            /* Why a command failed. */
    FILE *progress;             /* Where long commands report progress, or
                                 * NULL. */
};

void ctl_context_init(struct ctl_context *, struct roamdb *,
                      long long int deadline);
void ctl_context_destroy(struct ctl_context *);

enum ctl_status ctl_execute(struct ctl_context *, int argc, char *argv[]);
const char *ctl_check_command(int argc, char *argv[]);
enum ctl_status ctl_vm_paused(struct ctl_context *, const char *target,
                              int argc, char *argv[]);
enum ctl_status ctl_vm_resumed(struct ctl_context *, const char *target,
                               int argc, char *argv[]);
enum ctl_status ctl_edge(struct ctl_context *, int argc, char *argv[],
                         struct ds *out);
void ctl_usage_commands(void);
void ctl_print(const struct ctl_context *, const struct table_style *,
               struct ds *);

#endif /* ctl.h */
