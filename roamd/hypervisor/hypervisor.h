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

#ifndef ROAM_HYPERVISOR_H
#define ROAM_HYPERVISOR_H 1

/* The hypervisor role (Host.role "hypervisor"): a VM's network follows it.
 *
 * This is the role's one entry point for roamd.c.  It owns the role's
 * modules and runs them in order: the pause and resume notices (libvirt's
 * events, or unixctl), the frames gates held (their packet-ins come
 * through pinctrl, before), then vif (the VM ports here and their VM rows)
 * and follow (each VM's rules, arrival and departure).
 * It registers the role's unixctl commands: vm/list, vm/rules, vm/paused,
 * vm/resumed. */

#include <stdbool.h>
#include <stddef.h>

struct appctl;
struct fdbpin;
struct libvirt_event;
struct pinctrl;
struct roamd_ctx;
struct shash;

struct hypervisor_options {
    long long int straggler_ms;     /* --straggler-timeout. */
    long long int activate_ms;      /* --activate-timeout. */
    size_t buffer_packets;          /* --buffer-packets. */
    int rescan_budget;              /* --rescan-budget, a percentage. */
    bool agent_activation;          /* --activation=agent. */
};

struct hypervisor *hypervisor_create(const struct hypervisor_options *,
                                     const struct shash *flowctls,
                                     struct appctl *, struct fdbpin *,
                                     struct pinctrl *);
void hypervisor_destroy(struct hypervisor *);

void hypervisor_notice(struct hypervisor *, const char *iface_id,
                       const struct libvirt_event *);
void hypervisor_run_notices(struct hypervisor *);
void hypervisor_run(struct hypervisor *, const struct roamd_ctx *);
void hypervisor_wait(struct hypervisor *);

#endif /* hypervisor.h */
