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

#include "roamd/hypervisor/agent-activation.h"

#include "coverage.h"
#include "openvswitch/ofpbuf.h"
#include "roamd/core/flowctl.h"
#include "roamd/hypervisor/followed-vm.h"
#include "roamd/hypervisor/gate.h"
#include "sset.h"

COVERAGE_DEFINE(agent_activation_held);
COVERAGE_DEFINE(agent_activation_overflow);
COVERAGE_DEFINE(agent_activation_flush);

/* Held frames go back to the switch this many at a time, each batch after
 * the switch processed the previous one, so that the new frames the VM gets
 * once its gate opens are not stuck behind hundreds of held ones. */
#define FLUSH_BATCH 8

void
agent_activation_buffer_init(struct agent_activation_buffer *b,
                             size_t limit)
{
    ovs_list_init(&b->msgs);
    b->n = 0;
    b->limit = limit;
    b->n_held = 0;
    b->n_dropped = 0;
    b->barrier = 0;
    b->conn_seqno = 0;
}

/* Drops every frame 'b' holds; its counts stay. */
void
agent_activation_buffer_destroy(struct agent_activation_buffer *b)
{
    ofpbuf_list_delete(&b->msgs);
    b->n = 0;
}

/* Keeps held frame 'resume' (taken over) in 'b', or drops and counts it if
 * 'b' is full. */
void
agent_activation_hold(struct agent_activation_buffer *b,
                      struct ofpbuf *resume)
{
    b->n_held++;
    if (b->n >= b->limit) {
        COVERAGE_INC(agent_activation_overflow);
        b->n_dropped++;
        ofpbuf_delete(resume);
        return;
    }
    COVERAGE_INC(agent_activation_held);
    ovs_list_push_back(&b->msgs, &resume->list_node);
    b->n++;
}

/* Sends the next batch of the frames 'b' holds back to the switch through
 * 'fc', in arrival order, once the switch has processed the previous batch
 * (or the connection it went out on is gone). */
void
agent_activation_flush(struct agent_activation_buffer *b,
                       struct flowctl *fc)
{
    if (!b->n || !flowctl_is_connected(fc)
        || (b->barrier && b->conn_seqno == flowctl_connection_seqno(fc)
            && flowctl_barriers_done(fc) < b->barrier)) {
        return;
    }
    COVERAGE_INC(agent_activation_flush);
    for (size_t n = 0; n < FLUSH_BATCH && b->n; n++) {
        struct ofpbuf *msg = CONTAINER_OF(ovs_list_pop_front(&b->msgs),
                                          struct ofpbuf, list_node);
        b->n--;
        flowctl_send(fc, msg);
    }
    b->barrier = flowctl_barrier(fc);
    b->conn_seqno = flowctl_connection_seqno(fc);
}

/* Opens arriving VM 'v''s gate: installs the flows that let its frames
 * through and starts sending back what the gate held. */
void
agent_activation_open(struct fvm *v, struct flowctl *fc)
{
    struct sset gates;

    agent_activation_flush(&v->buffer, fc);
    sset_clone(&gates, &v->gates);
    gate_opened_flows(v->gate_id, v->mac, v->port, &gates);
    fvm_set_gates(v, fc, &gates);
}
