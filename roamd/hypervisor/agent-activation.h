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

#ifndef ROAM_AGENT_ACTIVATION_H
#define ROAM_AGENT_ACTIVATION_H 1

/* The agent-activation baseline (roamd --activation=agent).
 *
 * roam's own arrival gate holds an arriving VM's frames in the datapath
 * (roam_gate) and opens there, in the same pass as the VM's first frame.
 * In this mode, kept as the baseline that bench/run-bench-switchover
 * measures roam against, roamd does it the way agents such as
 * ovn-controller activate a port: the gate sends every frame for the VM to
 * roamd as a continuation (controller(pause)), roamd keeps it in a bounded
 * buffer, and on the VM's first frame installs flows that open the gate and
 * sends the held frames back, a batch at a time, each batch once the switch
 * has processed the one before.
 *
 * The buffer also records, in either mode, how many frames the gate held
 * and dropped (in roam's mode, as ovs-vswitchd reports them). */

#include <stddef.h>
#include <stdint.h>

#include "openvswitch/list.h"

struct flowctl;
struct fvm;
struct ofpbuf;

struct agent_activation_buffer {
    struct ovs_list msgs;       /* NXT_RESUME messages ready to send. */
    size_t n;                   /* Frames in 'msgs'. */
    size_t limit;               /* Most frames 'msgs' may hold. */
    size_t n_held;              /* Frames ever held (delivered or not). */
    size_t n_dropped;           /* Frames dropped because it was full. */
    uint64_t barrier;           /* After the last batch sent, or 0. */
    unsigned int conn_seqno;    /* Connection 'barrier' went out on. */
};

void agent_activation_buffer_init(struct agent_activation_buffer *,
                                  size_t limit);
void agent_activation_buffer_destroy(struct agent_activation_buffer *);

void agent_activation_hold(struct agent_activation_buffer *,
                           struct ofpbuf *resume);
void agent_activation_flush(struct agent_activation_buffer *,
                            struct flowctl *);
void agent_activation_open(struct fvm *, struct flowctl *);

#endif /* agent-activation.h */
