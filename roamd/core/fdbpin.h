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
#ifndef ROAM_FDBPIN_H
#define ROAM_FDBPIN_H 1

/* fdbpin: a migrating VM's MAC address pinned to a port in the bridge's
 * MAC-learning table, at both ends of the migration.
 *
 * On a bridge that forwards with NORMAL, a running guest's broadcasts
 * (gratuitous ARPs, IPv6 neighbour and multicast listener messages) cross
 * the uplink and teach the destination's MAC-learning table that the VM is
 * behind the uplink, before the migration has even started.  Frames the
 * destination then holds for the VM would be released into "drop", and a
 * multicast that crosses late, or the revalidation of its datapath flow,
 * can move the MAC back after the VM has arrived.  So for the duration of
 * a migration roamd pins the VM's MAC with a static entry ("ovs-appctl
 * fdb/add"), which learning never overrides: at the destination to the
 * VM's new port, before its arrival gate exists; at the source to the VM's
 * port, then, once the VM has left, to the uplink.  When the migration is
 * over the pin goes ("fdb/del") and learning takes over again.
 *
 * Pins are desired state: fdbpin sends what differs from what ovs-vswitchd
 * holds, through appctl, and sends it all again after ovs-vswitchd
 * reconnects or restarts.  A refused pin is retried, at most once a
 * second. */

#include <stdbool.h>
#include <stdint.h>

#include "openvswitch/types.h"

struct appctl;
struct ds;

struct fdbpin *fdbpin_create(struct appctl *);
void fdbpin_destroy(struct fdbpin *);

void fdbpin_set(struct fdbpin *, const char *bridge, uint16_t vlan,
                struct eth_addr mac, const char *port);
bool fdbpin_is_applied(const struct fdbpin *, const char *bridge,
                       uint16_t vlan, struct eth_addr mac);

void fdbpin_run(struct fdbpin *);
void fdbpin_wait(struct fdbpin *);
void fdbpin_list(const struct fdbpin *, struct ds *);

#endif /* fdbpin.h */
