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

#include "agent/follow.h"

#include <inttypes.h>

#include "agent/flowctl.h"
#include "agent/keys.h"
#include "agent/migration.h"
#include "agent/roam-idl.h"
#include "agent/rules.h"
#include "byte-order.h"
#include "flow.h"
#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "smap.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(follow);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* How often the switch's flows are read again while this host holds VMs,
 * to save rules an operator adds or removes. */
#define SCAN_MS 500

enum fvm_state {
    FVM_HELD,           /* This host holds the VM. */
    FVM_LEAVING,        /* Gone elsewhere; receive rules redirected. */
};

/* A VM whose rules this host has installed. */
struct fvm {
    struct hmap_node node;      /* In 'struct follow''s 'vms', by iface-id. */
    char *iface_id;
    char *bridge;
    ofp_port_t port;
    enum fvm_state state;
    struct sset flows;          /* Its flows in the bridge's desired table. */
    uint64_t change_gen;        /* Desired generation after our last edit. */
    unsigned int view_seqno;    /* Last view classified. */
    long long int deadline;     /* FVM_LEAVING: when redirects go. */
    size_t n_rules;
    size_t n_unclassified;
    long long int arrived_at;   /* When it arrived here, until active. */
    int64_t seq;                /* Location sequence number it had here. */
};

struct follow {
    struct hmap vms;
    long long int straggler_ms;
    long long int next_scan;
    struct shash swept;         /* Bridge -> view seqno last swept. */
};

/* Returns a new follow module that keeps a departed VM's receive rules
 * redirected for 'straggler_ms'.  The caller owns it. */
struct follow *
follow_create(long long int straggler_ms)
{
    struct follow *f = xzalloc(sizeof *f);

    hmap_init(&f->vms);
    shash_init(&f->swept);
    f->straggler_ms = straggler_ms;
    return f;
}

static void
fvm_destroy(struct follow *f, struct fvm *v)
{
    hmap_remove(&f->vms, &v->node);
    sset_destroy(&v->flows);
    free(v->iface_id);
    free(v->bridge);
    free(v);
}

void
follow_destroy(struct follow *f)
{
    if (f) {
        struct fvm *v;

        HMAP_FOR_EACH_SAFE (v, node, &f->vms) {
            fvm_destroy(f, v);
        }
        hmap_destroy(&f->vms);
        shash_destroy(&f->swept);
        free(f);
    }
}

static struct fvm *
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

/* Makes 'v''s flows in 'fc''s desired table exactly 'flows' (destroyed). */
static void
set_flows(struct fvm *v, struct flowctl *fc, struct sset *flows)
{
    const char *flow;
    char *error;

    if (sset_equals(&v->flows, flows)) {
        sset_destroy(flows);
        return;
    }
    SSET_FOR_EACH (flow, &v->flows) {
        if (fc && !sset_contains(flows, flow)) {
            flowctl_remove_flow(fc, flow, NULL);
        }
    }
    SSET_FOR_EACH (flow, flows) {
        if (fc && !sset_contains(&v->flows, flow)
            && flowctl_add_flow(fc, flow, &error)) {
            VLOG_WARN_RL(&rl, "VM %s: cannot install \"%s\" (%s)",
                         v->iface_id, flow, error);
            free(error);
        }
    }
    sset_swap(&v->flows, flows);
    sset_destroy(flows);
    v->change_gen = fc ? flowctl_desired_gen(fc) : 0;
}

/* Renders 'vm''s saved rules: all of them for 'port', or, with 'leaving',
 * only its receive rules, for the uplink 'port' (none if there is no
 * uplink, 'port' == OFPP_NONE). */
static void
render_rules(const struct roamrec_vm *vm, ofp_port_t port, bool leaving,
             struct sset *flows)
{
    size_t i;

    sset_init(flows);
    if (port == OFPP_NONE) {
        return;
    }
    for (i = 0; i < vm->n_rules; i++) {
        const struct roamrec_rule *r = vm->rules[i];

        if (!leaving || !strcmp(r->direction, "receive")) {
            sset_add_and_free(flows, rules_render(r->table_id, r->priority,
                                                  (uint64_t) r->cookie,
                                                  r->match, r->actions,
                                                  port));
        }
    }
}

/* One rule in logical form, as classified from the switch. */
struct lrule {
    const char *direction;      /* "send" or "receive". */
    uint8_t table_id;
    uint16_t priority;
    uint64_t cookie;
    char *match;
    char *actions;
};

static char *
rule_key(const char *dir, int64_t table, int64_t prio, uint64_t cookie,
         const char *match, const char *actions)
{
    return xasprintf("%s|%"PRId64"|%"PRId64"|%#"PRIx64"|%s|%s", dir, table,
                     prio, cookie, match, actions);
}

/* Classifies the bridge's current flows for 'vm' at 'v->port' and, if its
 * rules differ from what the database holds, saves them there (write-ahead
 * for any later move).  Adopts them all into the desired table, so that
 * flowctl owns them and can move them later. */
static void
save_rules(struct fvm *v, struct flowctl *fc, const struct roamrec_vm *vm,
           struct ovsdb_idl_txn *txn)
{
    const struct hmap *view = flowctl_view(fc, NULL);
    struct sset have = SSET_INITIALIZER(&have);
    struct sset now = SSET_INITIALIZER(&now);
    struct sset flows = SSET_INITIALIZER(&flows);
    const struct flowctl_flow *ff;
    struct lrule *lrules;
    size_t i, n = 0, n_unclassified = 0;
    struct rules_vm rv;

    memset(&rv, 0, sizeof rv);
    rv.port = v->port;
    if (!eth_addr_from_string(vm->real_mac, &rv.mac)) {
        sset_destroy(&have);
        sset_destroy(&now);
        sset_destroy(&flows);
        return;
    }
    if (vm->real_ip[0] && !ip_parse(vm->real_ip, &rv.ip)) {
        rv.ip = 0;
    }

    lrules = xmalloc(hmap_count(view) * sizeof *lrules + 1);
    HMAP_FOR_EACH (ff, node, view) {
        struct lrule *lr = &lrules[n];
        struct match match;
        const char *why;
        enum rules_class c;

        minimatch_expand(&ff->match, &match);
        c = rules_classify(&match, ff->ofpacts, ff->ofpacts_len, &rv, &why);
        if (c == RULES_UNCLASSIFIED) {
            n_unclassified++;
            VLOG_WARN_RL(&rl, "VM %s: flow in table %"PRIu8" at priority "
                         "%"PRIu16" not moved: it %s", vm->name,
                         ff->table_id, ff->priority, why);
        } else if (c != RULES_OTHER
                   && !rules_to_logical(&match, ff->ofpacts, ff->ofpacts_len,
                                        &rv, &lr->match, &lr->actions)) {
            lr->direction = rules_class_to_string(c);
            lr->table_id = ff->table_id;
            lr->priority = ff->priority;
            lr->cookie = ntohll(ff->cookie);
            sset_add_and_free(&now, rule_key(lr->direction, lr->table_id,
                                             lr->priority, lr->cookie,
                                             lr->match, lr->actions));
            sset_add_and_free(&flows, rules_render(lr->table_id,
                                                   lr->priority, lr->cookie,
                                                   lr->match, lr->actions,
                                                   v->port));
            n++;
        }
    }
    v->n_unclassified = n_unclassified;
    v->n_rules = n;

    for (i = 0; i < vm->n_rules; i++) {
        const struct roamrec_rule *r = vm->rules[i];

        sset_add_and_free(&have, rule_key(r->direction, r->table_id,
                                          r->priority, (uint64_t) r->cookie,
                                          r->match, r->actions));
    }
    if (!sset_equals(&have, &now) && txn) {
        struct roamrec_rule **rows = xmalloc(n * sizeof *rows + 1);

        for (i = 0; i < n; i++) {
            rows[i] = roamrec_rule_insert(txn);
            roamrec_rule_set_direction(rows[i], lrules[i].direction);
            roamrec_rule_set_table_id(rows[i], lrules[i].table_id);
            roamrec_rule_set_priority(rows[i], lrules[i].priority);
            roamrec_rule_set_cookie(rows[i], (int64_t) lrules[i].cookie);
            roamrec_rule_set_match(rows[i], lrules[i].match);
            roamrec_rule_set_actions(rows[i], lrules[i].actions);
        }
        VLOG_INFO("VM %s: saving %"PRIuSIZE" rules", vm->name, n);
        roamrec_vm_set_rules(vm, rows, n);
        free(rows);
    }
    for (i = 0; i < n; i++) {
        free(lrules[i].match);
        free(lrules[i].actions);
    }
    free(lrules);
    sset_destroy(&have);
    sset_destroy(&now);

    /* Own what was saved, so that it can be moved later. */
    set_flows(v, fc, &flows);
}

/* A local VM port and where it is. */
struct local_vif {
    const struct ovsrec_interface *iface;
    const char *bridge;
    ofp_port_t uplink;
};

static ofp_port_t
iface_ofport(const struct ovsrec_interface *iface)
{
    return (iface->n_ofport && iface->ofport[0] > 0
            && iface->ofport[0] < UINT16_MAX
            ? u16_to_ofp(iface->ofport[0]) : OFPP_NONE);
}

/* Removes from 'fc''s switch (bridge 'bridge', uplink 'uplink') the rules
 * of VMs that other hosts hold and this process does not track: leftovers
 * of a previous roamd process killed while such a VM was leaving.  They
 * are the VM's saved rules rendered for its port here (while the port
 * exists) and its receive rules rendered for the uplink (the redirects);
 * only exact matches go, so nothing an operator added is touched. */
static void
sweep_leftovers(struct follow *f, struct flowctl *fc, const char *bridge,
                ofp_port_t uplink, struct ovsdb_idl *roam_idl,
                const struct roamrec_host *chassis,
                const struct shash *vifs)
{
    const struct roamrec_vm *vm;

    ROAMREC_VM_FOR_EACH (vm, roam_idl) {
        const struct local_vif *lv = shash_find_data(vifs, vm->iface_id);
        struct sset flows;
        const char *flow;
        size_t n = 0;

        if (vm->host == chassis || fvm_find(f, vm->iface_id)) {
            continue;
        }
        render_rules(vm, uplink, true, &flows);
        if (lv && !strcmp(lv->bridge, bridge)) {
            struct sset at_port;

            render_rules(vm, iface_ofport(lv->iface), false, &at_port);
            SSET_FOR_EACH (flow, &at_port) {
                sset_add(&flows, flow);
            }
            sset_destroy(&at_port);
        }
        SSET_FOR_EACH (flow, &flows) {
            n += flowctl_disown_flow(fc, flow);
        }
        if (n) {
            VLOG_INFO("VM %s: removing %"PRIuSIZE" rules left over from "
                      "before a restart", vm->name, n);
        }
        sset_destroy(&flows);
    }
}

void
follow_run(struct follow *f, struct ovsdb_idl *ovs_idl,
           struct ovsdb_idl *roam_idl, struct ovsdb_idl_txn *roam_txn,
           const struct roamrec_host *chassis, const struct shash *flowctls)
{
    const struct ovsrec_bridge *br;
    const struct roamrec_vm *vm;
    struct shash vifs = SHASH_INITIALIZER(&vifs);
    struct shash uplinks = SHASH_INITIALIZER(&uplinks);
    long long int now = time_msec();
    bool scan = now >= f->next_scan;
    struct fvm *v;
    size_t i, j;

    if (!chassis) {
        return;
    }
    if (scan) {
        f->next_scan = now + SCAN_MS;
    }

    /* Where each VM port is, and each bridge's uplink. */
    OVSREC_BRIDGE_FOR_EACH (br, ovs_idl) {
        ofp_port_t uplink = OFPP_NONE;

        for (i = 0; i < br->n_ports; i++) {
            for (j = 0; j < br->ports[i]->n_interfaces; j++) {
                const struct ovsrec_interface *iface
                    = br->ports[i]->interfaces[j];
                const char *id = smap_get(&iface->external_ids,
                                          OVS_KEY_IFACE_ID);

                if (smap_get_bool(&iface->external_ids, ROAM_KEY_UPLINK,
                                  false)) {
                    uplink = iface_ofport(iface);
                } else if (id && iface_ofport(iface) != OFPP_NONE) {
                    struct local_vif *lv = xmalloc(sizeof *lv);

                    lv->iface = iface;
                    lv->bridge = br->name;
                    if (!shash_add_once(&vifs, id, lv)) {
                        free(lv);
                    }
                }
            }
        }
        shash_add(&uplinks, br->name, (void *) (uintptr_t) ofp_to_u16(uplink));
    }

    ROAMREC_VM_FOR_EACH (vm, roam_idl) {
        struct local_vif *lv = shash_find_data(&vifs, vm->iface_id);
        struct flowctl *fc;
        struct sset flows;

        v = fvm_find(f, vm->iface_id);
        if (vm->host == chassis && lv && !strcmp(vm->state, "running")) {
            ofp_port_t port = iface_ofport(lv->iface);

            fc = shash_find_data(flowctls, lv->bridge);
            if (!fc) {
                continue;
            }
            if (!v || v->state != FVM_HELD || v->port != port
                || strcmp(v->bridge, lv->bridge)) {
                /* Arrived (or first seen): install the saved rules for this
                 * port before saving anything back. */
                if (v && strcmp(v->bridge, lv->bridge)) {
                    struct sset none = SSET_INITIALIZER(&none);

                    set_flows(v, shash_find_data(flowctls, v->bridge), &none);
                    free(v->bridge);
                    v->bridge = xstrdup(lv->bridge);
                }
                if (!v) {
                    v = xzalloc(sizeof *v);
                    v->iface_id = xstrdup(vm->iface_id);
                    v->bridge = xstrdup(lv->bridge);
                    sset_init(&v->flows);
                    hmap_insert(&f->vms, &v->node,
                                hash_string(vm->iface_id, 0));
                }
                VLOG_INFO("VM %s: installing %"PRIuSIZE" saved rules for "
                          "port %"PRIu16, vm->name, vm->n_rules,
                          ofp_to_u16(port));
                v->port = port;
                v->state = FVM_HELD;
                v->seq = vm->seq;
                v->arrived_at = time_msec();
                v->n_rules = vm->n_rules;
                render_rules(vm, port, false, &flows);
                set_flows(v, fc, &flows);
                v->view_seqno = flowctl_view_seqno(fc);
                flowctl_request_view(fc);
            } else {
                uint64_t view_gen;

                if (v->arrived_at && roam_txn
                    && flowctl_applied_gen(fc) >= v->change_gen) {
                    VLOG_INFO("VM %s: %"PRIuSIZE" rules active on port "
                              "%"PRIu16" %lld ms after arrival", vm->name,
                              sset_count(&v->flows), ofp_to_u16(v->port),
                              time_msec() - v->arrived_at);
                    v->arrived_at = 0;
                    migration_advance(roam_idl, roam_txn, vm, vm->seq,
                                      "activate", sset_count(&v->flows));
                }
                flowctl_view(fc, &view_gen);
                if (flowctl_view_seqno(fc) != v->view_seqno
                    && view_gen >= v->change_gen
                    && flowctl_applied_gen(fc) >= v->change_gen) {
                    v->view_seqno = flowctl_view_seqno(fc);
                    save_rules(v, fc, vm, roam_txn);
                }
                if (scan) {
                    flowctl_request_view(fc);
                }
            }
        } else if (v && v->state == FVM_HELD && vm->host != chassis) {
            /* Left: send rules go, receive rules point at the uplink. */
            uintptr_t up = (uintptr_t) shash_find_data(&uplinks, v->bridge);

            VLOG_INFO("VM %s: moved to %s; redirecting its receive rules "
                      "for %lld ms", vm->name,
                      vm->host ? vm->host->name : "no host", f->straggler_ms);
            fc = shash_find_data(flowctls, v->bridge);
            render_rules(vm, up ? u16_to_ofp(up) : OFPP_NONE, true, &flows);
            set_flows(v, fc, &flows);
            v->state = FVM_LEAVING;
            v->deadline = now + f->straggler_ms;
            v->seq = vm->seq;
            migration_advance(roam_idl, roam_txn, vm, vm->seq, "migrate-out",
                              -1);
        } else if (!v && vm->host != chassis) {
            /* Left with nothing of it installed here: complete its record
             * if this host was the source. */
            migration_complete_at_source(roam_idl, roam_txn, vm, chassis);
        } else if (v && v->state == FVM_HELD) {
            /* Unplugged or stopped while still ours: its rules stay
             * saved. */
            struct sset none = SSET_INITIALIZER(&none);

            set_flows(v, shash_find_data(flowctls, v->bridge), &none);
            fvm_destroy(f, v);
        }
    }

    /* Leftovers of a previous process, once per bridge and fresh view. */
    struct shash_node *fc_node;
    SHASH_FOR_EACH (fc_node, flowctls) {
        struct flowctl *fc = fc_node->data;
        uintptr_t swept = (uintptr_t) shash_find_data(&f->swept,
                                                      fc_node->name);

        if (flowctl_view_seqno(fc) && swept != flowctl_view_seqno(fc)
            && flowctl_applied_gen(fc) == flowctl_desired_gen(fc)) {
            uintptr_t up = (uintptr_t) shash_find_data(&uplinks,
                                                       fc_node->name);

            sweep_leftovers(f, fc, fc_node->name,
                            up ? u16_to_ofp(up) : OFPP_NONE, roam_idl,
                            chassis, &vifs);
            shash_replace(&f->swept, fc_node->name,
                          (void *) (uintptr_t) flowctl_view_seqno(fc));
        }
        if (scan) {
            flowctl_request_view(fc);
        }
    }

    /* Redirects past their time, and VMs whose rows are gone. */
    HMAP_FOR_EACH_SAFE (v, node, &f->vms) {
        bool gone = true;

        ROAMREC_VM_FOR_EACH (vm, roam_idl) {
            if (!strcmp(vm->iface_id, v->iface_id)) {
                gone = false;
                break;
            }
        }
        if (gone || (v->state == FVM_LEAVING && now >= v->deadline)) {
            struct sset none = SSET_INITIALIZER(&none);

            if (!gone && !roam_txn) {
                continue;       /* Record completion next time. */
            }
            if (!gone && v->state == FVM_LEAVING) {
                ROAMREC_VM_FOR_EACH (vm, roam_idl) {
                    if (!strcmp(vm->iface_id, v->iface_id)) {
                        migration_advance(roam_idl, roam_txn, vm, v->seq,
                                          "complete", -1);
                    }
                }
            }

            set_flows(v, shash_find_data(flowctls, v->bridge), &none);
            fvm_destroy(f, v);
        }
    }

    shash_destroy_free_data(&vifs);
    shash_destroy(&uplinks);
}

void
follow_wait(struct follow *f)
{
    const struct fvm *v;

    poll_timer_wait_until(f->next_scan);
    HMAP_FOR_EACH (v, node, &f->vms) {
        if (v->state == FVM_LEAVING) {
            poll_timer_wait_until(v->deadline);
        }
    }
}

/* Appends a table of the VMs whose rules this host has installed. */
void
follow_list(const struct follow *f, struct ds *out)
{
    const struct fvm *v;

    ds_put_format(out, "%-20s %-10s %-6s %-8s %-6s %-6s %s\n", "iface-id",
                  "bridge", "port", "state", "rules", "flows",
                  "unclassified");
    HMAP_FOR_EACH (v, node, &f->vms) {
        ds_put_format(out, "%-20s %-10s %-6"PRIu16" %-8s %-6"PRIuSIZE
                      " %-6"PRIuSIZE" %"PRIuSIZE"\n", v->iface_id, v->bridge,
                      ofp_to_u16(v->port),
                      v->state == FVM_HELD ? "held" : "leaving",
                      v->n_rules, sset_count(&v->flows), v->n_unclassified);
    }
}
