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

/* roamctl's datacenter and host commands: "dc add", "dc list", "host
 * add", "host list". */

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
#include "packets.h"
#include "pseudo-id.h"

/* dc add NAME NUMBER [--layout=LAYOUT] */
enum ctl_status
cmd_dc_add(struct ctl_context *ctx, int argc, char *argv[])
{
    static const char *const allowed[] = { "layout=", NULL };
    struct ovsdb_idl *idl = roamdb_idl(ctx->db);
    struct pseudo_id_layout layout;
    const struct roamrec_datacenter *dc;
    struct options opts;
    long long int number;
    const char *layout_s;
    char layout_buf[128];
    int status, n;

    status = ctl_split_options(ctx, argc, argv, allowed, &opts, &n);
    if (status) {
        return status;
    }
    if (n != 2) {
        return ctl_fail(ctx, CTL_USAGE, "usage: dc add NAME NUMBER "
                        "[--layout=LAYOUT]");
    }
    layout_s = ctl_opt_value(&opts, "layout");
    if (layout_s ? pseudo_id_layout_parse(&layout, layout_s)
        : (pseudo_id_layout_default(&layout), 0)) {
        return ctl_fail(ctx, CTL_USAGE, "invalid pseudo-identifier layout "
                        "\"%s\"", layout_s);
    }
    if (!ctl_parse_uint(argv[1], 65535, &number)) {
        return ctl_fail(ctx, CTL_USAGE, "datacenter number \"%s\" is not an "
                        "integer from 0 to 65535", argv[1]);
    }
    if (number >> layout.dc_bits) {
        return ctl_fail(ctx, CTL_USAGE, "datacenter number %lld does not fit "
                        "the layout's %u-bit datacenter field", number,
                        layout.dc_bits);
    }
    ROAMREC_DATACENTER_FOR_EACH (dc, idl) {
        if (!strcmp(dc->name, argv[0])) {
            return ctl_fail(ctx, CTL_CONFLICT, "datacenter %s already exists",
                            argv[0]);
        }
        if (dc->number == number) {
            return ctl_fail(ctx, CTL_CONFLICT, "datacenter %s already has "
                            "number %lld", dc->name, number);
        }
    }

    pseudo_id_layout_format(&layout, layout_buf, sizeof layout_buf);
    struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);
    ovsdb_idl_txn_add_comment(txn, "roamctl: dc add %s", argv[0]);
    dc = roamrec_datacenter_insert(txn);
    roamrec_datacenter_set_name(dc, argv[0]);
    roamrec_datacenter_set_number(dc, number);
    roamrec_datacenter_set_pseudo_layout(dc, layout_buf);
    return ctl_commit(ctx, txn);
}

/* dc list */
enum ctl_status
cmd_dc_list(struct ctl_context *ctx, int argc, char *argv[] OVS_UNUSED)
{
    const struct roamrec_datacenter *dc;
    struct table *t;

    if (argc) {
        return ctl_fail(ctx, CTL_USAGE, "usage: dc list");
    }
    t = ctl_add_table(ctx);
    table_add_column(t, "name");
    table_add_column(t, "number");
    table_add_column(t, "layout");
    ROAMREC_DATACENTER_FOR_EACH (dc, roamdb_idl(ctx->db)) {
        table_add_row(t);
        ctl_add_cell(t, dc->name);
        ctl_add_cellf(t, "%"PRId64, dc->number);
        ctl_add_cell(t, dc->pseudo_layout);
    }
    return CTL_OK;
}

/* host add NAME DATACENTER POD INDEX [--uplink-ip=IP] [--role=ROLE] */
enum ctl_status
cmd_host_add(struct ctl_context *ctx, int argc, char *argv[])
{
    static const char *const allowed[] = { "uplink-ip=", "role=", NULL };
    struct ovsdb_idl *idl = roamdb_idl(ctx->db);
    const struct roamrec_datacenter *dc;
    const struct roamrec_host *host;
    struct pseudo_id_layout layout;
    long long int pod, index;
    const char *uplink, *role;
    struct options opts;
    int status, n;

    status = ctl_split_options(ctx, argc, argv, allowed, &opts, &n);
    if (status) {
        return status;
    }
    if (n != 4) {
        return ctl_fail(ctx, CTL_USAGE, "usage: host add NAME DATACENTER POD "
                        "INDEX [--uplink-ip=IP] [--role=ROLE]");
    }
    uplink = ctl_opt_value(&opts, "uplink-ip");
    role = ctl_opt_value(&opts, "role");
    if (!role) {
        role = "hypervisor";
    } else if (strcmp(role, "hypervisor") && strcmp(role, "gateway")
               && strcmp(role, "client-edge")) {
        return ctl_fail(ctx, CTL_USAGE, "role must be hypervisor, gateway or "
                        "client-edge, not \"%s\"", role);
    }
    if (uplink) {
        ovs_be32 ip;

        if (!ip_parse(uplink, &ip) || !ip || ip_is_multicast(ip)) {
            return ctl_fail(ctx, CTL_USAGE, "uplink IP \"%s\" is not a "
                                "unicast IPv4 address", uplink);
        }
    }
    if (!ctl_parse_uint(argv[2], INT64_MAX, &pod)
            || !ctl_parse_uint(argv[3], INT64_MAX, &index)) {
        return ctl_fail(ctx, CTL_USAGE, "POD and INDEX must be nonnegative "
                        "integers");
    }
    dc = roamdb_dc_by_name(ctx->db, argv[1]);
    if (!dc) {
        return ctl_fail(ctx, CTL_NOT_FOUND, "no datacenter %s", argv[1]);
    }
    status = ctl_dc_layout(ctx, dc, &layout);
    if (status) {
        return status;
    }
    if (pod >> layout.pod_bits || index >> layout.host_bits) {
        return ctl_fail(ctx, CTL_USAGE, "pod %lld / index %lld do not fit "
                        "datacenter %s's %u-bit pod and %u-bit host fields",
                        pod, index, dc->name, layout.pod_bits,
                        layout.host_bits);
    }
    ROAMREC_HOST_FOR_EACH (host, idl) {
        if (!strcmp(host->name, argv[0])) {
            return ctl_fail(ctx, CTL_CONFLICT, "host %s already exists",
                            argv[0]);
        }
        if (host->datacenter == dc && host->pod == pod
            && host->index == index) {
            return ctl_fail(ctx, CTL_CONFLICT, "host %s already has "
                            "position pod %lld index %lld in %s", host->name,
                            pod, index, dc->name);
        }
    }

    struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);
    ovsdb_idl_txn_add_comment(txn, "roamctl: host add %s", argv[0]);
    host = roamrec_host_insert(txn);
    roamrec_host_set_name(host, argv[0]);
    roamrec_host_set_datacenter(host, dc);
    roamrec_host_set_pod(host, pod);
    roamrec_host_set_index(host, index);
    roamrec_host_set_uplink_ip(host, uplink);
    roamrec_host_set_role(host, role);
    roamrec_host_set_alive_until(host, 0);
    return ctl_commit(ctx, txn);
}

/* host list */
enum ctl_status
cmd_host_list(struct ctl_context *ctx, int argc, char *argv[] OVS_UNUSED)
{
    const struct roamrec_host *host;
    struct table *t;

    if (argc) {
        return ctl_fail(ctx, CTL_USAGE, "usage: host list");
    }
    t = ctl_add_table(ctx);
    table_add_column(t, "name");
    table_add_column(t, "datacenter");
    table_add_column(t, "pod");
    table_add_column(t, "index");
    table_add_column(t, "role");
    table_add_column(t, "uplink_ip");
    table_add_column(t, "state");
    ROAMREC_HOST_FOR_EACH (host, roamdb_idl(ctx->db)) {
        table_add_row(t);
        ctl_add_cell(t, host->name);
        ctl_add_cell(t, host->datacenter ? host->datacenter->name : NULL);
        ctl_add_cellf(t, "%"PRId64, host->pod);
        ctl_add_cellf(t, "%"PRId64, host->index);
        ctl_add_cell(t, host->role);
        ctl_add_cell(t, host->uplink_ip);
        ctl_add_cell(t, ctl_host_is_up(ctx, host) ? "up" : "down");
    }
    return CTL_OK;
}

/* gateway list: the hosts whose role is "gateway", one per datacenter's
 * core router (S0.4), with the address their tunnels reach. */
enum ctl_status
cmd_gateway_list(struct ctl_context *ctx, int argc,
                 char *argv[] OVS_UNUSED)
{
    const struct roamrec_host *host;
    struct table *t;

    if (argc) {
        return ctl_fail(ctx, CTL_USAGE, "usage: gateway list");
    }
    t = ctl_add_table(ctx);
    table_add_column(t, "name");
    table_add_column(t, "datacenter");
    table_add_column(t, "number");
    table_add_column(t, "uplink_ip");
    table_add_column(t, "state");
    ROAMREC_HOST_FOR_EACH (host, roamdb_idl(ctx->db)) {
        if (strcmp(host->role, "gateway")) {
            continue;
        }
        table_add_row(t);
        ctl_add_cell(t, host->name);
        ctl_add_cell(t, host->datacenter ? host->datacenter->name : NULL);
        if (host->datacenter) {
            ctl_add_cellf(t, "%"PRId64, host->datacenter->number);
        } else {
            ctl_add_cell(t, NULL);
        }
        ctl_add_cell(t, host->uplink_ip);
        ctl_add_cell(t, ctl_host_is_up(ctx, host) ? "up" : "down");
    }
    return CTL_OK;
}
