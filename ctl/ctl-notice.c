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

/* roamctl's notices to the local roamd: "vm paused", "vm resumed".
 * They go to roamd's control socket, not to the database. */

#include "ctl/ctl-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "db/migration.h"
#include "db/roam-idl.h"
#include "db/roamdb.h"
#include "ovsdb-idl.h"
#include "openvswitch/vlog.h"
#include "table.h"
#include "util.h"
#include "daemon.h"
#include "dirs.h"
#include "jsonrpc.h"
#include "unixctl.h"

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
            ctl_fail(ctx, CTL_UNAVAILABLE, "cannot read pidfile %s (%s): is "
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
        ctl_fail(ctx, CTL_UNAVAILABLE, "cannot connect to roamd at %s (%s)",
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
        status = ctl_fail(ctx, CTL_UNAVAILABLE, "roamd: %s",
                          ovs_strerror(error));
    } else if (err) {
        /* roamd's errors start with an errno name: "ENOENT: why". */
        const char *why = strstr(err, ": ");

        status = ctl_fail(ctx, (!strncmp(err, "ENOENT:", 7) ? CTL_NOT_FOUND
                                : CTL_CONFLICT),
                          "roamd: %s", why ? why + 2 : err);
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
        return ctl_fail(ctx, CTL_USAGE, "usage: vm paused VM");
    }
    status = vm_notice(ctx, target, "vm/paused", argv[0], &result);
    if (status == CTL_OK) {
        struct table *t = ctl_add_table(ctx);
        long long int us;

        table_add_column(t, "vm");
        table_add_column(t, "state");
        table_add_column(t, "redirect_us");
        table_add_row(t);
        ctl_add_cell(t, argv[0]);
        ctl_add_cell(t, "redirecting");
        if (result && ovs_scan(result, "applied %lld us", &us)) {
            ctl_add_cellf(t, "%lld", us);
        } else {
            ctl_add_cell(t, "-");
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
        return ctl_fail(ctx, CTL_USAGE, "usage: vm resumed VM");
    }
    status = vm_notice(ctx, target, "vm/resumed", argv[0], &result);
    free(result);
    return status;
}
