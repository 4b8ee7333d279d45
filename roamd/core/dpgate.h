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

/* dpgate: what a gate did in the datapath.
 *
 * roam's gates live inside ovs-vswitchd (the roam_gate action,
 * datapath-ext/gate-action.h), which counts, per gate, the frames it held,
 * the ones it delivered to the VM's port when it opened, the ones it
 * released into other actions, and the ones it dropped, and shows them as
 * JSON through "ovs-appctl roam/gate-show --json ID".  dpgate reads that
 * reply. */

#include <stdbool.h>
#include <stdint.h>

struct dpgate_stats {
    bool open;                  /* Open, or releasing. */
    uint64_t queued;            /* Held now. */
    uint64_t held;              /* Ever queued. */
    uint64_t delivered;         /* Released to an output to the VM's port. */
    uint64_t released_other;    /* Released into any other actions. */
    uint64_t passed;            /* Let through once open. */
    uint64_t diverted;          /* Diverted while open. */
    uint64_t dropped;           /* Queue full, over the byte cap, or
                                 * expired. */
    long long int opened_us;    /* When it opened, on the monotonic clock
                                 * (time_usec()), or 0. */
};

int dpgate_parse(const char *reply, uint64_t id, struct dpgate_stats *);

#endif /* dpgate.h */
