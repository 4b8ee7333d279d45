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

#include "roamd/hypervisor/hypervisor.h"

#include <errno.h>
#include <string.h>

#include "db/roam-idl.h"
#include "roamd/core/context.h"
#include "roamd/core/libvirt-monitor.h"
#include "roamd/hypervisor/follow.h"
#include "roamd/hypervisor/vif.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(hypervisor);

struct hypervisor {
    struct vif_table vifs;          /* Rebuilt every iteration. */
    struct follow *follow;
    const struct shash *flowctls;   /* Bridge name -> struct flowctl. */
    struct roamd_ctx ctx;           /* This iteration's, for vm/list. */
    bool have_ctx;                  /* From hypervisor_run() until
                                     * hypervisor_wait(). */
};

static unixctl_cb_func hypervisor_vm_list;
static unixctl_cb_func hypervisor_vm_rules;
static unixctl_cb_func hypervisor_vm_paused;
static unixctl_cb_func hypervisor_vm_resumed;

/* Returns a new hypervisor role with 'opts', programming the bridges
 * through 'flowctls' (bridge name -> struct flowctl), asking ovs-vswitchd
 * through 'appctl', pinning MACs through 'pins' and taking its packet-ins
 * from 'pinctrl' (all four must outlive it), and registers its unixctl
 * commands.  The caller owns the result. */
struct hypervisor *
hypervisor_create(const struct hypervisor_options *opts,
                  const struct shash *flowctls, struct appctl *appctl,
                  struct fdbpin *pins, struct pinctrl *pinctrl)
{
    struct hypervisor *hv = xzalloc(sizeof *hv);

    hv->flowctls = flowctls;

    vif_table_init(&hv->vifs);
    hv->follow = follow_create(opts->straggler_ms, opts->activate_ms,
                               opts->buffer_packets, appctl, pins,
                               &hv->vifs);
    follow_set_agent_activation(hv->follow, opts->agent_activation);
    follow_set_rescan_budget(hv->follow, opts->rescan_budget);
    follow_register_packet_ins(hv->follow, pinctrl);
    unixctl_command_register("vm/list", "", 0, 0, hypervisor_vm_list, hv);
    unixctl_command_register("vm/rules", "", 0, 0, hypervisor_vm_rules, hv);
    unixctl_command_register("vm/paused", "VM", 1, 1, hypervisor_vm_paused,
                             hv);
    unixctl_command_register("vm/resumed", "VM", 1, 1,
                             hypervisor_vm_resumed, hv);
    return hv;
}

void
hypervisor_destroy(struct hypervisor *hv)
{
    if (hv) {
        follow_destroy(hv->follow);
        vif_table_destroy(&hv->vifs);
        free(hv);
    }
}

/* A libvirt domain event 'ev' for VM 'iface_id' (roamd.c found it by vm-id
 * in this process's own replica: no database round trip). */
void
hypervisor_notice(struct hypervisor *hv, const char *iface_id,
                  const struct libvirt_event *ev)
{
    const struct shash *flowctls = hv->flowctls;

    switch (ev->type) {
    case LIBVIRT_EVENT_PAUSED:
        follow_pause(hv->follow, flowctls, iface_id, ev->when_us, NULL);
        break;
    case LIBVIRT_EVENT_RESUMED:
        follow_resume(hv->follow, flowctls, iface_id, ev->when_us);
        break;
    case LIBVIRT_EVENT_STOPPED:
        follow_stopped(hv->follow, iface_id);
        break;
    }
}

/* Answers pause notices whose redirect has come into force.  Cheap: call
 * it as soon as flowctl has read the switch's replies. */
void
hypervisor_run_notices(struct hypervisor *hv)
{
    follow_run_pauses(hv->follow, hv->flowctls);
}

/* One iteration of the role, on 'ctx'. */
void
hypervisor_run(struct hypervisor *hv, const struct roamd_ctx *ctx)
{
    hv->ctx = *ctx;
    hv->have_ctx = true;
    if (!ovsdb_idl_has_ever_connected(ctx->ovs_idl)) {
        return;
    }
    follow_flush_held(hv->follow, ctx->flowctls);
    vif_table_build(&hv->vifs, ctx);
    vif_run(ctx, &hv->vifs, follow_activated(hv->follow));
    follow_run(hv->follow, ctx);
}

void
hypervisor_wait(struct hypervisor *hv)
{
    /* The context's rows may go in the next iteration's database run. */
    hv->have_ctx = false;
    follow_wait(hv->follow);
}

static void
hypervisor_vm_list(struct unixctl_conn *conn, int argc OVS_UNUSED,
                   const char *argv[] OVS_UNUSED, void *hv_)
{
    struct hypervisor *hv = hv_;
    struct ds s = DS_EMPTY_INITIALIZER;

    if (hv->have_ctx) {
        vif_list(&hv->ctx, &hv->vifs, &s);
    }
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
hypervisor_vm_rules(struct unixctl_conn *conn, int argc OVS_UNUSED,
                    const char *argv[] OVS_UNUSED, void *hv_)
{
    struct hypervisor *hv = hv_;
    struct ds s = DS_EMPTY_INITIALIZER;

    follow_list(hv->follow, &s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* "vm/paused VM": the pause notice, from a hypervisor manager other than
 * libvirt (libvirt's own event needs no call).  Replies "applied N us" once
 * the switch redirects the VM's traffic toward its destination.  Errors
 * start with the errno's name and a colon, for roamctl to tell them
 * apart. */
static void
hypervisor_vm_paused(struct unixctl_conn *conn, int argc OVS_UNUSED,
                     const char *argv[], void *hv_)
{
    struct hypervisor *hv = hv_;
    int error = follow_pause(hv->follow, hv->flowctls, argv[1], time_usec(),
                             conn);

    if (error == ENOENT) {
        unixctl_command_reply_error(conn, "ENOENT: this host does not hold "
                                    "that VM");
    } else if (error) {
        unixctl_command_reply_error(conn, "ENODEV: the VM's bridge has no "
                                    "uplink (external_ids:roam-uplink=true)");
    }
}

/* "vm/resumed VM": the resume notice.  At the VM's destination it opens the
 * VM's arrival gate at once; at its source, after a pause notice, it means
 * the migration failed and the VM runs here again. */
static void
hypervisor_vm_resumed(struct unixctl_conn *conn, int argc OVS_UNUSED,
                      const char *argv[], void *hv_)
{
    struct hypervisor *hv = hv_;

    if (follow_resume(hv->follow, hv->flowctls, argv[1], time_usec())) {
        unixctl_command_reply_error(conn, "ENOENT: that VM is neither "
                                    "arriving at nor held by this host");
    } else {
        unixctl_command_reply(conn, NULL);
    }
}
