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

/* roamctl: roam's command line.  Thin main: options, connection, dispatch;
 * the commands live in ctl/ctl.c. */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "db/roamdb.h"
#include "command-line.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "table.h"
#include "timeval.h"
#include "stream-ssl.h"
#include "util.h"


static int finish(struct ctl_context *, const struct table_style *,
                  int status);

static void
usage(void)
{
    printf("%s: roam command line\n"
           "usage: %s [OPTIONS] COMMAND [ARG...]\n"
           "\nCommands:\n", program_name, program_name);
    ctl_usage_commands();
    printf("\nOptions:\n"
           "  --db=REMOTE        roam database (default: $ROAM_DB or %s)\n"
           "  --format=FORMAT    table (default) or json\n"
           "  --timeout=SECS     give up after SECS seconds (default 10)\n"
           "  --target=TARGET    roamd's control socket, or its program name\n"
           "                     in the run directory (default roamd), for\n"
           "                     \"vm paused\" and \"vm resumed\"\n"
           "  --private-key=FILE, --certificate=FILE, --ca-cert=FILE\n"
           "                     SSL for an ssl: database remote\n"
           "  -h, --help         show this help\n"
           "  -V, --version      show the version\n"
           "\nExit codes: 0 ok, 1 failed, 2 bad usage, 3 not found,\n"
           "4 database or host unavailable, 5 conflict.\n",
           ROAMDB_DEFAULT_REMOTE);
}

int
main(int argc, char *argv[])
{
    enum {
        OPT_UNUSED = UCHAR_MAX + 1,
        SSL_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"db", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"timeout", required_argument, NULL, 't'},
        {"target", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        STREAM_SSL_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    struct table_style style = TABLE_STYLE_DEFAULT;
    const char *remote = getenv("ROAM_DB");
    const char *target = "roamd";
    long long int timeout = 10;
    struct ctl_context ctx;
    struct roamdb *db;
    int status, error;
    int c;

    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    style.format = TF_TABLE;
    while ((c = getopt_long(argc, argv, "+hV", long_options, NULL)) != -1) {
        switch (c) {
        case 'd':
            remote = optarg;
            break;
        case 'f':
            if (!strcmp(optarg, "json")) {
                style.format = TF_JSON;
            } else if (!strcmp(optarg, "table")) {
                style.format = TF_TABLE;
            } else {
                fprintf(stderr, "%s: --format must be table or json\n",
                        program_name);
                return CTL_USAGE;
            }
            break;
        case 't':
            if (!str_to_llong(optarg, 10, &timeout) || timeout <= 0) {
                fprintf(stderr, "%s: --timeout must be a positive number "
                        "of seconds\n", program_name);
                return CTL_USAGE;
            }
            break;
        case 'T':
            target = optarg;
            break;
        case 'h':
            usage();
            return CTL_OK;
        case 'V':
            ovs_print_version(0, 0);
            return CTL_OK;
        STREAM_SSL_OPTION_HANDLERS
        default:
            return CTL_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "%s: missing command (try --help)\n", program_name);
        return CTL_USAGE;
    }
    if (!remote) {
        remote = ROAMDB_DEFAULT_REMOTE;
    }
    const char *problem = ctl_check_command(argc - optind, argv + optind);
    if (problem) {
        fprintf(stderr, "%s: %s\n", program_name, problem);
        return CTL_USAGE;
    }

    long long int deadline = time_msec() + timeout * 1000;
    if (argc - optind >= 2 && !strcmp(argv[optind], "vm")
        && (!strcmp(argv[optind + 1], "paused")
            || !strcmp(argv[optind + 1], "resumed"))) {
        /* Talks to the local roamd, not to the database. */
        ctl_context_init(&ctx, NULL, deadline);
        status = (!strcmp(argv[optind + 1], "paused")
                  ? ctl_vm_paused : ctl_vm_resumed)(&ctx, target,
                                                    argc - optind - 2,
                                                    argv + optind + 2);
        return finish(&ctx, &style, status);
    }

    if (!strcmp(argv[optind], "edge")) {
        /* The client edge's switch, or no switch at all. */
        struct ds out = DS_EMPTY_INITIALIZER;

        ctl_context_init(&ctx, NULL, deadline);
        status = ctl_edge(&ctx, argc - optind - 1, argv + optind + 1, &out);
        fputs(ds_cstr(&out), stdout);
        ds_destroy(&out);
        return finish(&ctx, &style, status);
    }

    db = roamdb_create(remote);
    error = roamdb_wait_for_contents(db, deadline);
    if (error) {
        fprintf(stderr, "%s: cannot reach the roam database at %s (%s)\n",
                program_name, remote,
                error == ETIMEDOUT ? "timed out" : ovs_strerror(error));
        roamdb_destroy(db);
        return CTL_UNAVAILABLE;
    }

    ctl_context_init(&ctx, db, deadline);
    ctx.progress = style.format == TF_TABLE ? stdout : NULL;
    status = ctl_execute(&ctx, argc - optind, argv + optind);
    status = finish(&ctx, &style, status);
    roamdb_destroy(db);
    return status;
}

/* Prints the results of a command, even a failed one (a migration that
 * rolled back still has a report), then why it failed. */
static int
finish(struct ctl_context *ctx, const struct table_style *style, int status)
{
    struct ds out = DS_EMPTY_INITIALIZER;

    ctl_print(ctx, style, &out);
    fputs(ds_cstr(&out), stdout);
    ds_destroy(&out);
    if (status != CTL_OK) {
        fprintf(stderr, "%s: %s\n", program_name, ds_cstr(&ctx->error));
    }
    ctl_context_destroy(ctx);
    return status;
}
