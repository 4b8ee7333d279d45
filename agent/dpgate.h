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

#ifndef ROAM_DPGATE_H
#define ROAM_DPGATE_H 1

/* dpgate: what an arrival gate held in the datapath.
 *
 * roam's arrival gates hold an arriving VM's frames inside ovs-vswitchd
 * (the roam_gate action, datapath-ext/gate-action.h), which counts them
 * per gate and shows the counts through "ovs-appctl roam/gate-show ID".
 * roamd asks once per migration, when it claims the VM, to report how
 * many frames were held and delivered.  The question goes to the local
 * ovs-vswitchd's control socket, found as ovs-appctl finds it: from its
 * pidfile in the OVS rundir. */

#include <stdbool.h>
#include <stdint.h>

struct dpgate_stats {
    bool open;
    uint64_t queued;            /* Held now. */
    uint64_t held;              /* Ever held. */
    uint64_t released;          /* Delivered when the gate opened. */
    uint64_t passed;            /* Let through once open. */
    uint64_t dropped;           /* Queue full, or the gate expired. */
};

int dpgate_parse(const char *reply, uint64_t id, struct dpgate_stats *);
int dpgate_query(uint64_t id, struct dpgate_stats *);

#endif /* dpgate.h */
