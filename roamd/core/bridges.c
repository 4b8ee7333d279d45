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

#include "roamd/core/bridges.h"

#include <inttypes.h>

#include "roamd/core/flowctl.h"
#include "roamd/core/keys.h"
#include "dirs.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "sset.h"
#include "util.h"
#include "vswitch-idl.h"

/* Registers the Open_vSwitch columns that bridges and follow read. */
void
bridges_register_ovs_idl(struct ovsdb_idl *idl)
{
    ovsdb_idl_add_table(idl, &ovsrec_table_bridge);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_ports);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_external_ids);
    ovsdb_idl_add_table(idl, &ovsrec_table_port);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_interfaces);
}

void
bridges_run(struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn,
            struct shash *flowctls)
{
    const struct ovsrec_bridge *br;
    struct shash_node *node;
    struct sset seen = SSET_INITIALIZER(&seen);

    OVSREC_BRIDGE_FOR_EACH (br, idl) {
        struct flowctl *fc = shash_find_data(flowctls, br->name);

        sset_add(&seen, br->name);
        if (!fc) {
            char *target = xasprintf("unix:%s/%s.mgmt", ovs_rundir(),
                                     br->name);

            fc = flowctl_create(br->name, target);
            shash_add(flowctls, br->name, fc);
            free(target);
        }
        flowctl_run(fc);

        if (txn && flowctl_is_connected(fc)) {
            uint64_t gen = flowctl_applied_gen(fc);

            if (smap_get_ullong(&br->external_ids, ROAM_KEY_APPLIED_GEN,
                                UINT64_MAX) != gen) {
                char *s = xasprintf("%"PRIu64, gen);

                ovsrec_bridge_update_external_ids_setkey(
                    br, ROAM_KEY_APPLIED_GEN, s);
                free(s);
            }
        }
    }
    SHASH_FOR_EACH_SAFE (node, flowctls) {
        if (!sset_contains(&seen, node->name)) {
            flowctl_destroy(node->data);
            shash_delete(flowctls, node);
        }
    }
    sset_destroy(&seen);
}

void
bridges_wait(struct shash *flowctls)
{
    struct shash_node *node;

    SHASH_FOR_EACH (node, flowctls) {
        flowctl_wait(node->data);
    }
}

void
bridges_destroy(struct shash *flowctls)
{
    struct shash_node *node;

    SHASH_FOR_EACH_SAFE (node, flowctls) {
        flowctl_destroy(node->data);
        shash_delete(flowctls, node);
    }
    shash_destroy(flowctls);
}
