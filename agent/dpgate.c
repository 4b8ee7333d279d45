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

#include "agent/dpgate.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "coverage.h"
#include "daemon.h"
#include "dirs.h"
#include "jsonrpc.h"
#include "openvswitch/vlog.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(dpgate);

COVERAGE_DEFINE(dpgate_query);

/* Finds the line for gate 'id' in 'reply', the output of "ovs-appctl
 * roam/gate-show", and stores its counters in '*s'.  Returns 0, ENOENT if
 * there is no such gate, or EPROTO if its line cannot be read. */
int
dpgate_parse(const char *reply, uint64_t id, struct dpgate_stats *s)
{
    char prefix[32];
    const char *line;

    memset(s, 0, sizeof *s);
    snprintf(prefix, sizeof prefix, "gate %#"PRIx64": ", id);
    for (line = reply; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (!strncmp(line, prefix, strlen(prefix))) {
            char state[8];

            if (sscanf(line + strlen(prefix), "%7[a-z], queued %"SCNu64
                       ", held %"SCNu64", released %"SCNu64", passed %"
                       SCNu64", dropped %"SCNu64, state, &s->queued,
                       &s->held, &s->released, &s->passed, &s->dropped)
                != 6 || (strcmp(state, "open") && strcmp(state, "closed"))) {
                return EPROTO;
            }
            s->open = !strcmp(state, "open");
            return 0;
        }
    }
    return ENOENT;
}

/* Asks the local ovs-vswitchd for gate 'id''s counters and stores them in
 * '*s'.  Blocks for the round trip.  Returns 0 or a positive errno (logged,
 * rate-limited): ENOENT if ovs-vswitchd has no such gate. */
int
dpgate_query(uint64_t id, struct dpgate_stats *s)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    char *pidfile = xasprintf("%s/ovs-vswitchd.pid", ovs_rundir());
    char *arg = xasprintf("%#"PRIx64, id);
    char *result = NULL, *err = NULL;
    struct jsonrpc *client = NULL;
    char *socket_name = NULL;
    int error;

    COVERAGE_INC(dpgate_query);
    memset(s, 0, sizeof *s);
    pid_t pid = read_pidfile(pidfile);
    if (pid < 0) {
        error = -pid;
        goto out;
    }
    socket_name = xasprintf("%s/ovs-vswitchd.%ld.ctl", ovs_rundir(),
                            (long int) pid);
    error = unixctl_client_create(socket_name, &client);
    if (!error) {
        char *argv[] = { arg };

        error = unixctl_client_transact(client, "roam/gate-show", 1, argv,
                                        &result, &err);
    }
    if (!error) {
        error = err ? EPROTO : dpgate_parse(result ? result : "", id, s);
    }

out:
    if (error) {
        VLOG_WARN_RL(&rl, "cannot read gate %s from ovs-vswitchd (%s%s%s)",
                     arg, ovs_strerror(error), err ? ": " : "",
                     err ? err : "");
    }
    if (client) {
        jsonrpc_close(client);
    }
    free(socket_name);
    free(result);
    free(err);
    free(arg);
    free(pidfile);
    return error;
}
