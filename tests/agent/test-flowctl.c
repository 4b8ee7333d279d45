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
 *   add FLOW      add a desired flow (ovs-ofctl syntax)
 *   del FLOW      remove a desired flow (table, priority, match)
 *   clear         remove every desired flow
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
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

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
    const struct hmap *view;
    uint64_t gen;

    flowctl_request_view(fc);
    while (flowctl_view_seqno(fc) == seqno && time_msec() < deadline) {
        flowctl_run(fc);
        flowctl_wait(fc);
        poll_timer_wait_until(deadline);
        poll_block();
    }
    view = flowctl_view(fc, &gen);
    printf("view %"PRIu64" %"PRIuSIZE"\n", gen, hmap_count(view));
}

static bool
execute(struct flowctl *fc, char *line)
{
    char *error = NULL;
    int retval;

    if (!strncmp(line, "add ", 4)) {
        retval = flowctl_add_flow(fc, line + 4, &error);
    } else if (!strncmp(line, "del ", 4)) {
        retval = flowctl_remove_flow(fc, line + 4, &error);
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
