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

#ifndef ROAM_PINCTRL_H
#define ROAM_PINCTRL_H 1

/* Packet-in control: the only code that takes packet-ins from the
 * switches, as ovn-controller's pinctrl is.
 *
 * roam's flows send frames to roamd with a "controller" action whose
 * userdata starts with a two-byte tag naming the module that wants them
 * (the hypervisor role's arrival gates today; the gateway's ARP responder
 * and the client edge's learning later).  A module registers a handler for
 * its tag; every iteration, pinctrl_run() takes each bridge's packet-ins,
 * decodes each once, and hands it to its tag's handler, together with the
 * bridge's flowctl to answer on (an NXT_RESUME, a packet-out).  Packet-ins
 * with no handler, or that cannot be decoded, are counted and dropped. */

#include <stddef.h>
#include <stdint.h>

struct flowctl;
struct ofpbuf;
struct ofputil_packet_in;
struct shash;

/* One packet-in, decoded, as a handler gets it.  Everything belongs to
 * pinctrl and lasts only for the call. */
struct pinctrl_packet_in {
    const char *bridge;                     /* The bridge it came from. */
    struct flowctl *flowctl;                /* That bridge's flowctl. */
    const struct ofputil_packet_in *pin;    /* Userdata starts with the
                                             * tag. */
    const struct ofpbuf *continuation;      /* For NXT_RESUME, or empty. */
};

typedef void pinctrl_handler(void *aux, const struct pinctrl_packet_in *);

struct pinctrl *pinctrl_create(void);
void pinctrl_destroy(struct pinctrl *);
void pinctrl_register(struct pinctrl *, uint8_t tag0, uint8_t tag1,
                      pinctrl_handler *, void *aux);
void pinctrl_run(struct pinctrl *, const struct shash *flowctls);

#endif /* pinctrl.h */
