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

/* test-flowctl: drives roamd/core/flowctl.c against a real ovs-vswitchd, for
 * tests/agent/flowctl.sh.
 *
 * Usage: test-flowctl BRIDGE TARGET < COMMANDS
 *
 * Commands, one per line:
 *   add FLOW      add a desired flow (ovs-ofctl syntax), owned by "main"
 *   own OWNER FLOW
 *                 add a desired flow owned by OWNER (any name)
 *   drop OWNER    remove every desired flow of OWNER
 *   del FLOW      remove a desired flow (table, priority, match), whoever
 *                 owns it
 *   clear         remove every desired flow
 * Each of these prints "ok N" with the number of desired flows.
 *   sync          run until the switch holds the desired flows; prints
 *                 "applied N" or "failed N: ERROR"
 *   view          read the switch's whole flow table; prints "view N FLOWS"
 *                 with the applied generation N it reflects
 * Several commands on one line, separated by " ;; ", run back to back, so
 * their changes go to the switch in one bundle, as the changes of one
 * roamd main-loop iteration do.
 * Each command's result goes to stdout, one line each.  Between commands
 * flowctl keeps running, so it follows the switch (reconnections,
 * reconciliation) on its own, as it does inside roamd. */

#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "roamd/core/flowctl.h"
#include "hash.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"

static void
sync_flows(struct flowctl *fc)
{
    long long int deadline = time_msec() + 20000;
    uint64_t want = flowctl_desired_gen(fc);

    for (;;) {
        flowctl_run(fc);
        if (flowctl_applied_gen(fc) >= want) {
            printf("applied %"PRIu64"\n", flowctl_applied_gen(fc));
            return;
        }
        if (flowctl_failed_gen(fc) == want) {
            printf("failed %"PRIu64": %s\n", want, flowctl_last_error(fc));
            return;
        }
        if (time_msec() > deadline) {
            printf("timeout (applied %"PRIu64", wanted %"PRIu64")\n",
                   flowctl_applied_gen(fc), want);
            return;
        }
        flowctl_wait(fc);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

static void
view_flows(struct flowctl *fc)
{
    long long int deadline = time_msec() + 20000;
    unsigned int seqno = flowctl_view_seqno(fc);
    uint64_t gen;
    size_t n;

    flowctl_request_view(fc);
    while (flowctl_view_seqno(fc) == seqno && time_msec() < deadline) {
        flowctl_run(fc);
        flowctl_wait(fc);
        poll_timer_wait_until(deadline);
        poll_block();
    }
    flowctl_view(fc, &n, &gen);
    printf("view %"PRIu64" %"PRIuSIZE"\n", gen, n);
}

/* The owner named 'name': any name gives one UUID. */
static struct uuid
owner(const char *name, size_t len)
{
    struct uuid u;

    memset(&u, 0, sizeof u);
    u.parts[0] = hash_bytes(name, len, 0);
    u.parts[1] = len;
    return u;
}

static bool
execute(struct flowctl *fc, char *line)
{
    char *error = NULL;
    int retval;

    if (!strncmp(line, "add ", 4)) {
        struct uuid u = owner("main", 4);

        retval = flowctl_add_flow_text(fc, &u, line + 4, &error);
    } else if (!strncmp(line, "own ", 4)) {
        char *name = line + 4;
        size_t len = strcspn(name, " ");
        struct uuid u = owner(name, len);

        retval = (name[len]
                  ? flowctl_add_flow_text(fc, &u, name + len + 1, &error)
                  : EINVAL);
    } else if (!strncmp(line, "drop ", 5)) {
        struct uuid u = owner(line + 5, strlen(line + 5));

        flowctl_remove_owner(fc, &u);
        retval = 0;
    } else if (!strncmp(line, "del ", 4)) {
        retval = flowctl_remove_flow_text(fc, line + 4, &error);
    } else if (!strcmp(line, "clear")) {
        flowctl_clear(fc);
        retval = 0;
    } else if (!strcmp(line, "sync")) {
        sync_flows(fc);
        return true;
    } else if (!strcmp(line, "view")) {
        view_flows(fc);
        return true;
    } else if (!strcmp(line, "quit")) {
        return false;
    } else {
        printf("error: unknown command: %s\n", line);
        return true;
    }
    if (retval) {
        printf("error: %s\n", error ? error : ovs_strerror(retval));
    } else {
        printf("ok %"PRIuSIZE"\n", flowctl_count(fc));
    }
    free(error);
    return true;
}

int
main(int argc, char *argv[])
{
    struct flowctl *fc;
    char line[4096];
    bool go_on = true;
    FILE *in;
    int in_fd;

    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    if (argc != 3) {
        ovs_fatal(0, "usage: %s BRIDGE TARGET < COMMANDS", argv[0]);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* The poll loop cannot wait on fd 0, so read commands from a copy;
     * unbuffered, so that poll() sees every line. */
    in_fd = dup(STDIN_FILENO);
    in = fdopen(in_fd, "r");
    if (!in) {
        ovs_fatal(errno, "fdopen");
    }
    setvbuf(in, NULL, _IONBF, 0);
    fc = flowctl_create(argv[1], argv[2]);
    while (go_on) {
        struct pollfd pfd = { .fd = in_fd, .events = POLLIN };

        flowctl_run(fc);
        if (poll(&pfd, 1, 0) > 0) {
            if (!fgets(line, sizeof line, in)) {
                break;
            }
            char *save = NULL;
            char *cmd;

            line[strcspn(line, "\n")] = '\0';
            for (cmd = strtok_r(line, ";", &save); cmd && go_on;
                 cmd = strtok_r(NULL, ";", &save)) {
                size_t len;

                cmd += strspn(cmd, " ");
                len = strlen(cmd);
                while (len && cmd[len - 1] == ' ') {
                    cmd[--len] = '\0';
                }
                if (*cmd) {
                    go_on = execute(fc, cmd);
                }
            }
            continue;
        }
        flowctl_wait(fc);
        poll_fd_wait(in_fd, POLLIN);
        poll_block();
    }
    fclose(in);
    flowctl_destroy(fc);
    return 0;
}
