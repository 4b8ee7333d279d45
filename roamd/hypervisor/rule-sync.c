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

#include "roamd/hypervisor/rule-sync.h"

#include <inttypes.h>

#include "db/roam-idl.h"
#include "db/saved-rules.h"
#include "roamd/core/context.h"
#include "roamd/core/flowctl.h"
#include "roamd/core/oflow.h"
#include "roamd/hypervisor/followed-vm.h"
#include "roamd/hypervisor/gate.h"
#include "roamd/hypervisor/rules.h"
#include "roamd/hypervisor/vif.h"
#include "byte-order.h"
#include "hash.h"
#include "openvswitch/ofp-actions.h"
#include "coverage.h"
#include "flow.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "sset.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(rule_sync);

COVERAGE_DEFINE(rule_sync_classify);
COVERAGE_DEFINE(rule_sync_save);
COVERAGE_DEFINE(rule_sync_sweep);
COVERAGE_DEFINE(rule_sync_index);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Renders 'vm''s saved rules: all of them for 'port', or, with 'leaving',
 * only its receive rules, for the uplink 'port' (none if there is no
 * uplink, 'port' == OFPP_NONE). */
void
rule_sync_render(const struct roamrec_vm *vm, ofp_port_t port, bool leaving,
                 struct oflows *flows)
{
    size_t i;

    oflows_init(flows);
    if (port == OFPP_NONE) {
        return;
    }
    for (i = 0; i < saved_rules_count(vm); i++) {
        struct saved_rule r;
        struct oflow *flow;
        char *error;

        if (saved_rules_get(vm, i, &r, &error)
            || ((!leaving || !strcmp(r.direction, "receive"))
                && rules_render_flow(r.table_id, r.priority, r.cookie,
                                     r.match, r.actions, port, &flow,
                                     &error))) {
            VLOG_WARN_RL(&rl, "VM %s: cannot render its saved rule \"%s\" "
                         "(%s); it stays saved, uninstalled", vm->name,
                         saved_rules_text(vm, i), error);
            free(error);
        } else if (!leaving || !strcmp(r.direction, "receive")) {
            oflows_add(flows, flow);
        }
        saved_rule_destroy(&r);
    }
}

/* Returns, for 'vm' held by this host ('chassis'), 1 if another VM here
 * has its MAC, plus 2 if another has its IPv4 address: tenants' networks
 * may overlap, and then an address alone does not tell the VMs' rules
 * apart (rules.h).  A VM that has left but whose stragglers this host still
 * redirects (FVM_LEAVING in 'f') counts as here: frames for it still
 * arrive. */
static unsigned int
vm_shares_addresses(const struct follow *f, struct ovsdb_idl *roam_idl,
                    const struct roamrec_host *chassis,
                    const struct roamrec_vm *vm)
{
    const struct roamrec_vm *other;
    struct eth_addr mac, omac;
    unsigned int shared = 0;

    if (!eth_addr_from_string(vm->real_mac, &mac)) {
        return 0;
    }
    ROAMREC_VM_FOR_EACH (other, roam_idl) {
        if (other == vm) {
            continue;
        }
        if (other->host != chassis || strcmp(other->state, "running")) {
            const struct fvm *ov = fvm_find(f, other->iface_id);

            if (!ov || ov->state != FVM_LEAVING) {
                continue;
            }
        }
        if (eth_addr_from_string(other->real_mac, &omac)
            && eth_addr_equals(mac, omac)) {
            shared |= 1;
        }
        if (vm->real_ip[0] && !strcmp(vm->real_ip, other->real_ip)) {
            shared |= 2;
        }
    }
    return shared;
}

/* The index of a bridge's view (flowctl_view()): for each port, MAC and
 * IPv4 address that flows refer to exactly (a port they match or output or
 * enqueue to, an address they match), the flows that do.  Only such flows
 * can be a VM's rules (rules.h), so a VM's rules are classified among the
 * flows of its port, MAC and address, not among all of the bridge's: a
 * reading costs O(flows) once, not once per VM. */
struct view_flow {
    const struct oflow *ff;
    uint32_t hash;              /* Of its table, priority, match, cookie and
                                 * actions. */
};

enum view_key_type { VIEW_KEY_PORT, VIEW_KEY_MAC, VIEW_KEY_IP };

struct view_key {
    struct hmap_node node;
    enum view_key_type type;
    uint64_t value;
    uint32_t *flows;            /* Indexes into 'struct view_index''s
                                 * 'flows'. */
    size_t n, allocated;
};

struct view_index {
    unsigned int seqno;         /* flowctl_view_seqno() indexed. */
    struct view_flow *flows;
    size_t n_flows;
    struct hmap keys;           /* struct view_key. */
};

static uint32_t
view_key_hash(enum view_key_type type, uint64_t value)
{
    return hash_2words(type, hash_uint64(value));
}

static void
view_index_add(struct view_index *ix, enum view_key_type type,
               uint64_t value, uint32_t flow)
{
    uint32_t hash = view_key_hash(type, value);
    struct view_key *k;

    HMAP_FOR_EACH_WITH_HASH (k, node, hash, &ix->keys) {
        if (k->type == type && k->value == value) {
            goto found;
        }
    }
    k = xzalloc(sizeof *k);
    k->type = type;
    k->value = value;
    hmap_insert(&ix->keys, &k->node, hash);
found:
    if (k->n && k->flows[k->n - 1] == flow) {
        return;                 /* Matches and outputs to one port. */
    }
    if (k->n >= k->allocated) {
        k->flows = x2nrealloc(k->flows, &k->allocated, sizeof *k->flows);
    }
    k->flows[k->n++] = flow;
}

static void
view_index_clear(struct view_index *ix)
{
    struct view_key *k;

    HMAP_FOR_EACH_POP (k, node, &ix->keys) {
        free(k->flows);
        free(k);
    }
    free(ix->flows);
    ix->flows = NULL;
    ix->n_flows = 0;
}

/* Frees every view index of 'f'. */
void
rule_sync_destroy_indexes(struct follow *f)
{
    struct shash_node *node;

    SHASH_FOR_EACH (node, &f->view_indexes) {
        struct view_index *ix = node->data;

        view_index_clear(ix);
        hmap_destroy(&ix->keys);
        free(ix);
    }
    shash_destroy(&f->view_indexes);
}

/* Returns the index of 'fc''s current view (bridge 'bridge'), built if
 * the view is newer than the index. */
static const struct view_index *
view_index_get(struct follow *f, const char *bridge, struct flowctl *fc)
{
    struct view_index *ix = shash_find_data(&f->view_indexes, bridge);
    struct oflow *const *view;
    size_t n_view;

    if (!ix) {
        ix = xzalloc(sizeof *ix);
        hmap_init(&ix->keys);
        shash_add(&f->view_indexes, bridge, ix);
    } else if (ix->seqno == flowctl_view_seqno(fc)) {
        return ix;
    }
    COVERAGE_INC(rule_sync_index);
    view_index_clear(ix);
    view = flowctl_view(fc, &n_view, NULL);
    ix->seqno = flowctl_view_seqno(fc);
    ix->flows = xmalloc(n_view * sizeof *ix->flows + 1);
    for (size_t k = 0; k < n_view; k++) {
        const struct oflow *ff = view[k];
        size_t i = ix->n_flows;
        const struct ofpact *a;
        struct match match;

        if (gate_cookie_is_ours(ff->cookie)) {
            continue;           /* Gates are roam's own, never rules. */
        }
        ix->flows[ix->n_flows++] = (struct view_flow) {
            .ff = ff,
            .hash = hash_bytes(ff->ofpacts, ff->ofpacts_len,
                               minimatch_hash(&ff->match,
                                              hash_3words(ff->table_id,
                                                          ff->priority,
                                                          hash_uint64(
                                                   ntohll(ff->cookie))))),
        };
        minimatch_expand(&ff->match, &match);
        const struct flow *fl = &match.flow, *m = &match.wc.masks;
        if (m->in_port.ofp_port == u16_to_ofp(UINT16_MAX)) {
            view_index_add(ix, VIEW_KEY_PORT,
                           ofp_to_u16(fl->in_port.ofp_port), i);
        }
        OFPACT_FOR_EACH_FLATTENED (a, ff->ofpacts, ff->ofpacts_len) {
            if (a->type == OFPACT_OUTPUT) {
                view_index_add(ix, VIEW_KEY_PORT,
                               ofp_to_u16(ofpact_get_OUTPUT(a)->port), i);
            } else if (a->type == OFPACT_ENQUEUE) {
                view_index_add(ix, VIEW_KEY_PORT,
                               ofp_to_u16(ofpact_get_ENQUEUE(a)->port), i);
            }
        }
        if (eth_addr_equals(m->dl_src, eth_addr_exact)) {
            view_index_add(ix, VIEW_KEY_MAC, eth_addr_to_uint64(fl->dl_src),
                           i);
        }
        if (eth_addr_equals(m->dl_dst, eth_addr_exact)) {
            view_index_add(ix, VIEW_KEY_MAC, eth_addr_to_uint64(fl->dl_dst),
                           i);
        }
        if (fl->dl_type == htons(ETH_TYPE_IP)
            || fl->dl_type == htons(ETH_TYPE_ARP)) {
            if (m->nw_src == OVS_BE32_MAX) {
                view_index_add(ix, VIEW_KEY_IP, ntohl(fl->nw_src), i);
            }
            if (m->nw_dst == OVS_BE32_MAX) {
                view_index_add(ix, VIEW_KEY_IP, ntohl(fl->nw_dst), i);
            }
        }
    }
    f->indexed = true;
    return ix;
}

static int
compare_size_t(const void *a_, const void *b_)
{
    size_t a = *(const size_t *) a_, b = *(const size_t *) b_;

    return a < b ? -1 : a > b;
}

/* Stores in '*cands' (the caller frees it) the flows of 'ix' that refer to
 * 'rv''s port, MAC or IPv4 address, each once, and returns how many.
 * Stores in '*digest' a digest of them that does not depend on order. */
static size_t
view_index_candidates(const struct view_index *ix, const struct rules_vm *rv,
                      size_t **cands, uint64_t *digest)
{
    const struct { enum view_key_type type; uint64_t value; } keys[] = {
        { VIEW_KEY_PORT, ofp_to_u16(rv->port) },
        { VIEW_KEY_MAC, eth_addr_to_uint64(rv->mac) },
        { VIEW_KEY_IP, ntohl(rv->ip) },
    };
    size_t n = 0, allocated = 0;

    *cands = NULL;
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        uint32_t hash = view_key_hash(keys[i].type, keys[i].value);
        const struct view_key *k;

        if (keys[i].type == VIEW_KEY_IP && !rv->ip) {
            continue;
        }
        HMAP_FOR_EACH_WITH_HASH (k, node, hash, &ix->keys) {
            if (k->type == keys[i].type && k->value == keys[i].value) {
                while (n + k->n > allocated) {
                    *cands = x2nrealloc(*cands, &allocated, sizeof **cands);
                }
                for (size_t j = 0; j < k->n; j++) {
                    (*cands)[n++] = k->flows[j];
                }
            }
        }
    }
    if (n) {
        size_t j = 0;

        qsort(*cands, n, sizeof **cands, compare_size_t);
        for (size_t i = 0; i < n; i++) {
            if (!j || (*cands)[j - 1] != (*cands)[i]) {
                (*cands)[j++] = (*cands)[i];
            }
        }
        n = j;
    }
    *digest = 0;
    for (size_t i = 0; i < n; i++) {
        *digest += ix->flows[(*cands)[i]].hash | (1ULL << 32);
    }
    return n;
}

/* Fills in 'rv' for 'v' ('vm'), whose addresses other VMs here share as
 * 'shared' says (vm_shares_addresses()).  Returns false if the VM has no
 * usable MAC. */
static bool
rules_vm_init(struct rules_vm *rv, const struct fvm *v,
              const struct roamrec_vm *vm, unsigned int shared)
{
    memset(rv, 0, sizeof *rv);
    rv->port = v->port;
    rv->vlan = v->vlan;
    rv->mac_shared = (shared & 1) != 0;
    rv->ip_shared = (shared & 2) != 0;
    if (!eth_addr_from_string(vm->real_mac, &rv->mac)) {
        return false;
    }
    if (vm->real_ip[0] && !ip_parse(vm->real_ip, &rv->ip)) {
        rv->ip = 0;
    }
    return true;
}

/* Saves 'n' rules 'lines' (saved_rule_format()) for 'vm' as rows of the
 * Rule table, for a database whose schema predates 'saved_rules' (roam
 * 1.2): during an upgrade, roamd may run before its database is
 * converted. */
static void
save_rules_legacy(const struct roamrec_vm *vm, struct ovsdb_idl_txn *txn,
                  const char **lines, size_t n)
{
    struct roamrec_rule **rows = xmalloc(n * sizeof *rows + 1);
    size_t n_rows = 0;

    for (size_t i = 0; i < n; i++) {
        struct saved_rule r;

        if (!saved_rule_parse(lines[i], &r, NULL)) {
            struct roamrec_rule *row = roamrec_rule_insert(txn);

            roamrec_rule_set_direction(row, r.direction);
            roamrec_rule_set_table_id(row, r.table_id);
            roamrec_rule_set_priority(row, r.priority);
            roamrec_rule_set_cookie(row, (int64_t) r.cookie);
            roamrec_rule_set_match(row, r.match);
            roamrec_rule_set_actions(row, r.actions);
            rows[n_rows++] = row;
            saved_rule_destroy(&r);
        }
    }
    roamrec_vm_set_rules(vm, rows, n_rows);
    free(rows);
}

/* Stores in 'have' (initialized) 'vm''s saved rules as saved_rules
 * strings, whichever way the database holds them. */
static void
have_rules(const struct roamrec_vm *vm, struct sset *have)
{
    for (size_t i = 0; i < saved_rules_count(vm); i++) {
        struct saved_rule r;

        if (vm->n_saved_rules) {
            sset_add(have, vm->saved_rules[i]);
        } else if (!saved_rules_get(vm, i, &r, NULL)) {
            sset_add_and_free(have, saved_rule_format(&r));
            saved_rule_destroy(&r);
        }
    }
}

/* Classifies the 'n' candidate flows 'cands' of 'ix' (the bridge's current
 * view) for 'vm' ('rv') at 'v->port' and, if its rules differ from what the
 * database holds, saves them there (write-ahead for any later move).
 * Adopts them all into the desired table, so that flowctl owns them and
 * can move them later. */
static void
save_rules(struct fvm *v, struct flowctl *fc, const struct roamrec_vm *vm,
           struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn,
           const struct rules_vm *rvp,
           const struct view_index *ix, const size_t *cands, size_t n_cands)
{
    struct sset have = SSET_INITIALIZER(&have);
    struct sset now = SSET_INITIALIZER(&now);
    struct oflows flows = OFLOWS_INITIALIZER;
    size_t n = 0, n_unclassified = 0;
    struct rules_vm rv = *rvp;

    COVERAGE_INC(rule_sync_classify);
    for (size_t k = 0; k < n_cands; k++) {
        const struct oflow *ff = ix->flows[cands[k]].ff;
        struct saved_rule lr;
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
                                        &rv, &lr.match, &lr.actions)) {
            lr.direction = rules_class_to_string(c);
            lr.table_id = ff->table_id;
            lr.priority = ff->priority;
            lr.cookie = ntohll(ff->cookie);
            sset_add_and_free(&now, saved_rule_format(&lr));
            saved_rule_destroy(&lr);
            /* Own the flow as the switch holds it: it is the VM's rule
             * at its port, and sharing it costs no copy. */
            oflows_add(&flows, oflow_ref(ff));
            n++;
        }
    }
    v->n_unclassified = n_unclassified;
    v->n_rules = n;

    have_rules(vm, &have);
    if (!sset_equals(&have, &now) && txn) {
        const char **lines = sset_array(&now);

        COVERAGE_INC(rule_sync_save);
        VLOG_INFO("VM %s: saving %"PRIuSIZE" rules", vm->name, n);
        if (ovsdb_idl_server_has_column(idl, &roamrec_vm_col_saved_rules)) {
            roamrec_vm_set_saved_rules(vm, lines, sset_count(&now));
            if (vm->n_rules) {
                /* Saved by roam 1.2 or earlier: now saved anew. */
                roamrec_vm_set_rules(vm, NULL, 0);
            }
        } else {
            save_rules_legacy(vm, txn, lines, sset_count(&now));
        }
        free(lines);
    }
    sset_destroy(&have);
    sset_destroy(&now);

    /* Own what was saved, so that it can be moved later. */
    fvm_set_flows(v, fc, &flows);
}

/* Saves held VM 'v''s rules ('vm' is its row) whenever the switch's flows
 * changed since the last look, or the database does not hold what was
 * saved, once the switch has applied every edit of 'v''s. */
void
rule_sync_run(struct follow *f, struct fvm *v, struct flowctl *fc,
              const struct roamrec_vm *vm, const struct roamd_ctx *ctx)
{
    const struct view_index *ix;
    struct rules_vm rv;
    uint64_t view_gen, digest;
    size_t *cands, n, n_view;

    flowctl_view(fc, &n_view, &view_gen);
    if (flowctl_view_seqno(fc) == v->view_seqno
        || view_gen < v->change_gen
        || flowctl_applied_gen(fc) < v->change_gen) {
        return;
    }
    v->view_seqno = flowctl_view_seqno(fc);
    /* Classify again only if the flows that refer to the VM changed, or
     * the database does not hold what was saved. */
    unsigned int shared = vm_shares_addresses(f, ctx->roam_idl,
                                              ctx->chassis, vm);
    ix = view_index_get(f, v->bridge, fc);
    if (!rules_vm_init(&rv, v, vm, shared)) {
        return;
    }
    n = view_index_candidates(ix, &rv, &cands, &digest);
    if (digest != v->view_digest || saved_rules_count(vm) != v->n_rules
        || shared != v->shared) {
        v->view_digest = digest;
        v->shared = shared;
        save_rules(v, fc, vm, ctx->roam_idl, ctx->roam_txn, &rv, ix, cands,
                   n);
    }
    free(cands);
}

/* Removes from 'fc''s switch (bridge 'bridge') the rules
 * of VMs that other hosts hold and this process does not track: leftovers
 * of a previous roamd process killed while such a VM was leaving.  They
 * are the VM's saved rules rendered for its port here (while the port
 * exists) and its receive rules rendered for the uplink (the redirects);
 * only exact matches go, so nothing an operator added is touched.  Gate
 * flows (roam's own cookie) that no VM tracked here uses go too. */
void
rule_sync_sweep(struct follow *f, struct flowctl *fc, const char *bridge,
                const struct roamd_ctx *ctx)
{
    ofp_port_t uplink = fvm_uplink(f, bridge);
    struct oflow *const *view;
    const struct roamrec_vm *vm;
    size_t n_gates = 0, n_view;

    COVERAGE_INC(rule_sync_sweep);
    ROAMREC_VM_FOR_EACH (vm, ctx->roam_idl) {
        const struct vif *vif = vif_table_find(f->vifs, vm->iface_id);
        struct oflows flows, at_port;
        size_t n = 0;

        if (vm->host == ctx->chassis || fvm_find(f, vm->iface_id)) {
            continue;
        }
        rule_sync_render(vm, uplink, true, &flows);
        if (vif && !strcmp(vif->bridge, bridge)) {
            rule_sync_render(vm, vif->ofport, false, &at_port);
            for (size_t i = 0; i < at_port.n; i++) {
                oflows_add(&flows, oflow_ref(at_port.flows[i]));
            }
            oflows_destroy(&at_port);
        }
        for (size_t i = 0; i < flows.n; i++) {
            n += flowctl_disown_like(fc, flows.flows[i]);
        }
        if (n) {
            VLOG_INFO("VM %s: removing %"PRIuSIZE" rules left over from "
                      "before a restart", vm->name, n);
        }
        oflows_destroy(&flows);
    }

    view = flowctl_view(fc, &n_view, NULL);
    for (size_t i = 0; i < n_view; i++) {
        const struct oflow *ff = view[i];
        uint32_t id = ntohll(ff->cookie) & UINT32_MAX;
        const struct fvm *v;
        bool used = false;

        if (!gate_cookie_is_ours(ff->cookie)) {
            continue;
        }
        HMAP_FOR_EACH (v, node, &f->vms) {
            used |= v->gate_id == id;
        }
        if (!used) {
            n_gates += flowctl_disown(fc, ff);
        }
    }
    if (n_gates) {
        VLOG_INFO("bridge %s: removing %"PRIuSIZE" gate flows no VM here "
                  "uses (learned by an opened gate, or left over from "
                  "before a restart)", bridge, n_gates);
    }
}
