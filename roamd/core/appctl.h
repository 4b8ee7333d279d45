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
#ifndef ROAM_APPCTL_H
#define ROAM_APPCTL_H 1

/* appctl: commands to the local ovs-vswitchd's control socket, as
 * ovs-appctl sends them, without ever blocking roamd's main loop.
 *
 * roamd asks ovs-vswitchd for what OpenFlow does not carry: its gates'
 * counters ("roam/gate-show --json") and static MAC-learning entries
 * ("fdb/add", "fdb/del").  The socket is found as ovs-appctl finds it: a
 * target that is a path is used as it is (for an ovs-vswitchd started with
 * --unixctl=PATH); any other target, by default "ovs-vswitchd", names a
 * pidfile in the Open vSwitch rundir, and the socket is
 * RUNDIR/TARGET.PID.ctl.  The pidfile is read again whenever the
 * connection is down, so a restarted ovs-vswitchd is found again.
 *
 * A request's reply comes back through its callback, in appctl_run(), with
 * 0 and the reply text, EPROTO and the error text ovs-vswitchd sent, or
 * ECONNRESET (and no text) if the connection went down first.  The
 * callback's 'aux' must outlive the appctl; 'cookie' tells requests
 * apart. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct appctl;

typedef void appctl_reply_cb(void *aux, uint64_t cookie, int error,
                             const char *reply);

struct appctl *appctl_create(const char *target);
void appctl_destroy(struct appctl *);

void appctl_run(struct appctl *);
void appctl_wait(struct appctl *);

void appctl_request(struct appctl *, const char *command,
                    const char *const *args, size_t n_args,
                    appctl_reply_cb *, void *aux, uint64_t cookie);

bool appctl_is_connected(const struct appctl *);
unsigned int appctl_seqno(const struct appctl *);
const char *appctl_target(const struct appctl *);

#endif /* appctl.h */
