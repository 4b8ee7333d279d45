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

#ifndef ROAM_LINK_MONITOR_H
#define ROAM_LINK_MONITOR_H 1

/* Kernel link state, for VM ports plugged without libvirt.
 *
 * A VM port that is a kernel device (a tap or one end of a veth pair) is
 * only where its VM is while the device exists and has carrier: when a VM
 * migrates, its device disappears or loses carrier at the source and appears
 * at the destination.  link_monitor follows those events through rtnetlink
 * (libnl-3's route/link cache) and answers whether a device is up, so that
 * vif can react to them without waiting for ovs-vswitchd to notice.
 *
 * link-monitor-netlink.c implements it on Linux; link-monitor-stub.c, chosen
 * by the build where libnl-3 is missing, reports every device as up. */

#include <stdbool.h>

struct link_monitor;

struct link_monitor *link_monitor_create(void);
void link_monitor_destroy(struct link_monitor *);

void link_monitor_run(struct link_monitor *);
void link_monitor_wait(struct link_monitor *);

bool link_monitor_is_up(const struct link_monitor *, const char *name);

#endif /* link-monitor.h */
