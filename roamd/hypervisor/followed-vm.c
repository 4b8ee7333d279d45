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

#include "roamd/hypervisor/followed-vm.h"

#include "roamd/core/fdbpin.h"
#include "roamd/core/flowctl.h"
#include "roamd/core/oflow.h"
#include "roamd/hypervisor/vif.h"
#include "hash.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(followed_vm);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

const char *
fvm_state_name(enum fvm_state state)
{
    switch (state) {
    case FVM_HELD:
        return "held";
    case FVM_LEAVING:
        return "leaving";
    case FVM_ARRIVING:
        return "arriving";
    case FVM_GAVE_UP:
        return "gave-up";
    }
    return "?";
}

struct fvm *
fvm_create(struct follow *f, const char *iface_id, const char *bridge)
{
    struct fvm *v = xzalloc(sizeof *v);

    v->iface_id = xstrdup(iface_id);
    v->bridge = xstrdup(bridge);
    uuid_generate(&v->rules_owner);
    uuid_generate(&v->gates_owner);
    sset_init(&v->gates);
    agent_activation_buffer_init(&v->buffer, f->buffer_limit);
    hmap_insert(&f->vms, &v->node, hash_string(iface_id, 0));
    return v;
}

/* Frees 'v', removing it from 'f'.  Its flows must be cleared first
 * (fvm_clear()); its pin goes, and its "vm/paused" callers get an error. */
void
fvm_destroy(struct follow *f, struct fvm *v)
{
    fvm_answer_waiters(v, "the VM is no longer held here");
    fvm_pin(f, v, NULL);
    free(v->waiters);
    free(v->port_name);
    free(v->pinned_to);
    hmap_remove(&f->vms, &v->node);
    sset_destroy(&v->gates);
    agent_activation_buffer_destroy(&v->buffer);
    free(v->iface_id);
    free(v->bridge);
    free(v);
}

struct fvm *
fvm_find(const struct follow *f, const char *iface_id)
{
    struct fvm *v;

    HMAP_FOR_EACH_WITH_HASH (v, node, hash_string(iface_id, 0), &f->vms) {
        if (!strcmp(v->iface_id, iface_id)) {
            return v;
        }
    }
    return NULL;
}

struct fvm *
fvm_find_gate(const struct follow *f, uint32_t id)
{
    struct fvm *v;

    HMAP_FOR_EACH (v, node, &f->vms) {
        if (v->gate_id == id) {
            return v;
        }
    }
    return NULL;
}

/* Returns 'v''s gate id, giving it one if it has none. */
uint32_t
fvm_gate_id(struct follow *f, struct fvm *v)
{
    if (!v->gate_id) {
        v->gate_id = f->next_gate_id++;
        if (!f->next_gate_id) {
            f->next_gate_id = 1;
        }
    }
    return v->gate_id;
}

/* Returns the ofport of 'bridge''s uplink, or OFPP_NONE. */
ofp_port_t
fvm_uplink(const struct follow *f, const char *bridge)
{
    return f->vifs ? vif_table_uplink(f->vifs, bridge).ofport : OFPP_NONE;
}

/* Returns the name of 'bridge''s uplink interface, or NULL. */
const char *
fvm_uplink_name(const struct follow *f, const char *bridge)
{
    return f->vifs ? vif_table_uplink(f->vifs, bridge).name : NULL;
}

/* Makes 'v''s rules in 'fc''s desired table exactly 'flows' (destroyed:
 * flowctl takes over its flows). */
void
fvm_set_flows(struct fvm *v, struct flowctl *fc, struct oflows *flows)
{
    v->n_flows = flows->n;
    if (!fc) {
        oflows_clear(flows);
        v->change_gen = 0;
    } else if (flowctl_replace_owner(fc, &v->rules_owner, flows)) {
        v->change_gen = flowctl_desired_gen(fc);
    }
    oflows_destroy(flows);
}

/* Makes 'v''s gate flows in 'fc''s desired table exactly 'gates' (in
 * ovs-ofctl syntax, roamd's own templates; destroyed). */
void
fvm_set_gates(struct fvm *v, struct flowctl *fc, struct sset *gates)
{
    struct oflows flows = OFLOWS_INITIALIZER;
    const char *flow;
    char *error;

    if (sset_equals(&v->gates, gates)) {
        sset_destroy(gates);
        return;
    }
    SSET_FOR_EACH (flow, gates) {
        if (oflows_add_text(&flows, flow, &error)) {
            VLOG_WARN_RL(&rl, "VM %s: cannot install \"%s\" (%s)",
                         v->iface_id, flow, error);
            free(error);
        }
    }
    if (fc && flowctl_replace_owner(fc, &v->gates_owner, &flows)) {
        v->change_gen = flowctl_desired_gen(fc);
    } else if (!fc) {
        v->change_gen = 0;
    }
    oflows_destroy(&flows);
    sset_swap(&v->gates, gates);
    sset_destroy(gates);
}

/* Removes everything 'v' has installed. */
void
fvm_clear(struct fvm *v, const struct shash *flowctls)
{
    struct flowctl *fc = shash_find_data(flowctls, v->bridge);
    struct oflows none = OFLOWS_INITIALIZER;
    struct sset no_gates = SSET_INITIALIZER(&no_gates);

    fvm_set_flows(v, fc, &none);
    fvm_set_gates(v, fc, &no_gates);
}

/* Pins 'v''s MAC, on its bridge and VLAN, to the port named 'port', or
 * removes its pin if 'port' is null (fdbpin.h). */
void
fvm_pin(struct follow *f, struct fvm *v, const char *port)
{
    if (!f->pins || (!port && !v->pinned_to)
        || (port && v->pinned_to && !strcmp(port, v->pinned_to))) {
        return;
    }
    fdbpin_set(f->pins, v->bridge, v->vlan, v->mac, port);
    free(v->pinned_to);
    v->pinned_to = nullable_xstrdup(port);
    v->pin_until = 0;
}

/* Whether the switch holds 'v''s MAC pin as asked (or there are no
 * pins). */
bool
fvm_pin_applied(const struct follow *f, const struct fvm *v)
{
    return !f->pins || fdbpin_is_applied(f->pins, v->bridge, v->vlan,
                                         v->mac);
}

/* Keeps 'v''s MAC pinned where it is for 'ms' more, then unpins it. */
void
fvm_unpin_after(struct fvm *v, long long int ms)
{
    if (v->pinned_to && !v->pin_until) {
        v->pin_until = time_msec() + ms;
    }
}

/* Answers 'v''s "vm/paused" callers: with 'error', if nonnull, else with
 * how long the redirect took. */
void
fvm_answer_waiters(struct fvm *v, const char *error)
{
    for (size_t i = 0; i < v->n_waiters; i++) {
        if (error) {
            unixctl_command_reply_error(v->waiters[i], error);
        } else {
            char *reply = xasprintf("applied %lld us", v->redirect_us);

            unixctl_command_reply(v->waiters[i], reply);
            free(reply);
        }
    }
    v->n_waiters = 0;
}
