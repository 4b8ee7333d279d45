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

#include "roamd/gateway/tunnels.h"

#include "coverage.h"
#include "db/roam-idl.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "roamd/core/keys.h"
#include "smap.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(gateway_tunnels);

COVERAGE_DEFINE(gateway_tunnel_add);
COVERAGE_DEFINE(gateway_tunnel_remove);

#define TUNNEL_TYPE "geneve"

/* A tunnel the gateway wants: to 'host', the gateway of datacenter
 * 'dc'. */
struct tunnel {
    const struct roamrec_host *host;
    int64_t dc;
};

void
tunnels_register_ovs_idl(struct ovsdb_idl *ovs_idl)
{
    ovsdb_idl_add_column(ovs_idl, &ovsrec_interface_col_options);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_interface_col_mac_in_use);
}

/* Stores in 'want' (name -> struct tunnel, owned) the tunnels that the
 * gateway 'self' wants, leaving out the datacenters in 'manual'. */
static void
wanted_tunnels(struct ovsdb_idl *roam_idl, const struct roamrec_host *self,
               const struct smap *manual, struct shash *want)
{
    const struct roamrec_host *h;

    ROAMREC_HOST_FOR_EACH (h, roam_idl) {
        char *name, dc_s[24];
        struct tunnel *t;

        if (strcmp(h->role, "gateway") || !h->datacenter || !h->uplink_ip
            || !h->uplink_ip[0] || h->datacenter == self->datacenter) {
            continue;
        }
        snprintf(dc_s, sizeof dc_s, "%"PRId64, h->datacenter->number);
        if (smap_get(manual, dc_s)) {
            continue;
        }
        name = xasprintf("roam-dc%"PRId64, h->datacenter->number);
        t = shash_find_data(want, name);
        if (!t) {
            t = xmalloc(sizeof *t);
            shash_add(want, name, t);
        } else if (strcmp(h->name, t->host->name) > 0) {
            free(name);
            continue;
        }
        t->host = h;
        t->dc = h->datacenter->number;
        free(name);
    }
}

/* Whether 'iface' is a tunnel as 't' wants it. */
static bool
tunnel_matches(const struct ovsrec_interface *iface, const struct tunnel *t)
{
    const char *remote = smap_get(&iface->options, "remote_ip");

    return (!strcmp(iface->type, TUNNEL_TYPE) && remote
            && !strcmp(remote, t->host->uplink_ip)
            && smap_get_int(&iface->external_ids, ROAM_KEY_REMOTE_DC, -1)
               == t->dc
            && !strcmp(smap_get_def(&iface->external_ids, ROAM_KEY_TUNNEL,
                                    ""), t->host->name));
}

static void
tunnel_configure(const struct ovsrec_interface *iface, const struct tunnel *t)
{
    struct smap options = SMAP_INITIALIZER(&options);
    struct smap ids = SMAP_INITIALIZER(&ids);

    smap_add(&options, "remote_ip", t->host->uplink_ip);
    smap_add_format(&ids, ROAM_KEY_REMOTE_DC, "%"PRId64, t->dc);
    smap_add(&ids, ROAM_KEY_TUNNEL, t->host->name);
    ovsrec_interface_set_type(iface, TUNNEL_TYPE);
    ovsrec_interface_set_options(iface, &options);
    ovsrec_interface_set_external_ids(iface, &ids);
    smap_destroy(&options);
    smap_destroy(&ids);
}

/* Makes bridge 'br''s tunnel ports those that gateway 'self' wants (see
 * tunnels.h), in 'ovs_txn'. */
void
tunnels_run(struct ovsdb_idl_txn *ovs_txn, const struct ovsrec_bridge *br,
            struct ovsdb_idl *roam_idl, const struct roamrec_host *self)
{
    struct shash want = SHASH_INITIALIZER(&want);
    struct smap manual = SMAP_INITIALIZER(&manual);
    struct shash_node *node;

    if (!ovs_txn || !self->datacenter) {
        return;
    }
    for (size_t i = 0; i < br->n_ports; i++) {
        for (size_t j = 0; j < br->ports[i]->n_interfaces; j++) {
            const struct ovsrec_interface *iface
                = br->ports[i]->interfaces[j];
            const char *dc = smap_get(&iface->external_ids,
                                      ROAM_KEY_REMOTE_DC);
            if (dc && !smap_get(&iface->external_ids, ROAM_KEY_TUNNEL)) {
                smap_replace(&manual, dc, "");
            }
        }
    }
    wanted_tunnels(roam_idl, self, &manual, &want);

    /* Keep, fix or remove the ports roamd made. */
    for (size_t i = 0; i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];
        const struct ovsrec_interface *iface;
        struct tunnel *t;

        if (port->n_interfaces != 1
            || !smap_get(&port->interfaces[0]->external_ids,
                         ROAM_KEY_TUNNEL)) {
            continue;
        }
        iface = port->interfaces[0];
        t = shash_find_and_delete(&want, port->name);
        if (!t) {
            COVERAGE_INC(gateway_tunnel_remove);
            VLOG_INFO("removing tunnel port %s: no gateway needs it",
                      port->name);
            ovsrec_bridge_update_ports_delvalue(br, port);
        } else if (!tunnel_matches(iface, t)) {
            VLOG_INFO("tunnel port %s: now to gateway %s at %s", port->name,
                      t->host->name, t->host->uplink_ip);
            tunnel_configure(iface, t);
        }
        free(t);
    }

    /* Add the missing ones. */
    SHASH_FOR_EACH (node, &want) {
        const struct tunnel *t = node->data;
        struct ovsrec_interface *iface = ovsrec_interface_insert(ovs_txn);
        struct ovsrec_port *port = ovsrec_port_insert(ovs_txn);

        COVERAGE_INC(gateway_tunnel_add);
        VLOG_INFO("adding tunnel port %s to gateway %s of datacenter "
                  "%"PRId64" at %s", node->name, t->host->name, t->dc,
                  t->host->uplink_ip);
        ovsrec_interface_set_name(iface, node->name);
        tunnel_configure(iface, t);
        ovsrec_port_set_name(port, node->name);
        ovsrec_port_set_interfaces(port, &iface, 1);
        ovsrec_bridge_update_ports_addvalue(br, port);
    }
    shash_destroy_free_data(&want);
    smap_destroy(&manual);
}
