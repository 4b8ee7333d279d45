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

#ifndef ROAM_GATE_ACTION_H
#define ROAM_GATE_ACTION_H 1

/* The roam_gate OpenFlow action and datapath action: an arriving VM's
 * frames are held in the datapath until the VM announces itself, then run
 * on from where they were held, in arrival order (seed features S1.4 and
 * S3.2).
 *
 * "roam_gate(id=N)" holds: the actions after it in the same list run only
 * once gate N is open.  While it is closed the datapath keeps each packet,
 * with those actions, in gate N's bounded queue; a packet that finds the
 * queue full is dropped and counted.  "roam_gate(id=N,open)" opens gate N:
 * the datapath first runs every packet it kept, in arrival order, then
 * goes on with the rest of its own list.  Once open, the holding action
 * lets packets straight through.  Opening needs no controller: the VM's
 * first frame on its new port opens its gate in the same datapath pass.
 *
 * Translation turns "roam_gate(id=N)" into a nested datapath action that
 * carries the translation of the rest of the list (as check_pkt_len does),
 * so the datapath flow stays right before and after the gate opens.  The
 * gate's state lives here, in the datapath, not in the flow table, so
 * opening it does not wait for revalidation.  Only the userspace datapath
 * executes the action (ofproto-dpif probes "roam_gate"); elsewhere a held
 * packet is dropped, as if its queue were full.
 *
 * Gates are created by the first packet that names them.  A closed gate
 * whose queue saw nothing for GATE_IDLE_CLOSED_MS, and an open gate unused
 * for GATE_IDLE_OPEN_MS, are freed (a closed gate's packets are dropped and
 * counted).  "ovs-appctl roam/gate-show" lists gates and their counters.
 *
 * Compiled into libopenvswitch by roam's OVS patch series. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"

struct dp_packet;
struct dp_packet_batch;
struct hmap;
struct ds;
struct nlattr;
struct ofpact_roam_gate;
struct ofpact_format_params;
struct ofpact_parse_params;
struct ofpbuf;

#define ROAM_GATE_DEFAULT_LIMIT 1024
#define ROAM_GATE_MAX_LIMIT 65536
#define ROAM_GATE_MAX_GATES 4096
#define ROAM_GATE_IDLE_CLOSED_MS (60 * 1000)
#define ROAM_GATE_IDLE_OPEN_MS (300 * 1000)

/* Wire format of roam_gate (24 bytes). */
struct roam_action_gate {
    ovs_be16 type;              /* OFPAT_VENDOR. */
    ovs_be16 len;               /* 24. */
    ovs_be32 vendor;            /* ROAM_VENDOR_ID. */
    ovs_be16 subtype;           /* ROAMAST_GATE. */
    ovs_be16 flags;             /* ROAM_GATE_F_*. */
    ovs_be32 limit;             /* Hold: queue limit, 0 for the default.
                                 * Open: must be 0. */
    ovs_be64 id;                /* Gate, nonzero. */
};
BUILD_ASSERT_DECL(sizeof(struct roam_action_gate) == 24);

#define ROAM_GATE_F_OPEN 0x0001 /* Open the gate rather than hold. */

/* Attributes of datapath action OVS_ACTION_ATTR_ROAM_GATE. */
enum roam_gate_attr {
    ROAM_GATE_ATTR_UNSPEC,
    ROAM_GATE_ATTR_ID,          /* u64, nonzero. */
    ROAM_GATE_ATTR_OPEN,        /* flag: open rather than hold. */
    ROAM_GATE_ATTR_LIMIT,       /* u32: hold's queue limit. */
    ROAM_GATE_ATTR_ACTIONS,     /* nested: what runs once open (hold). */
    __ROAM_GATE_ATTR_MAX
};

/* OpenFlow side. */
int roam_gate_decode(const struct roam_action_gate *, struct ofpbuf *ofpacts);
void roam_gate_encode(const struct ofpact_roam_gate *,
                      struct roam_action_gate *);
char *roam_gate_parse(char *arg, const struct ofpact_parse_params *)
    OVS_WARN_UNUSED_RESULT;
void roam_gate_format(const struct ofpact_roam_gate *,
                      const struct ofpact_format_params *);

/* Translation: roam_gate_start_odp() opens the datapath action; for a hold,
 * translation of the rest of the list follows and roam_gate_end_odp(),
 * given the returned offsets, closes it. */
void roam_gate_start_odp(const struct ofpact_roam_gate *,
                         struct ofpbuf *odp_actions, size_t ofs[2]);
void roam_gate_end_odp(struct ofpbuf *odp_actions, const size_t ofs[2]);

/* Datapath action.  'run' runs 'actions' on 'packet', which it takes
 * over, in the datapath that called roam_gate_execute(), with 'aux'. */
typedef void roam_gate_run_cb(void *aux, struct dp_packet *packet,
                              const struct nlattr *actions, size_t size);
void roam_gate_execute(struct dp_packet_batch *, const struct nlattr *,
                       bool steal, roam_gate_run_cb *run, void *aux);
void roam_gate_format_odp(struct ds *, const struct nlattr *,
                          const struct hmap *portno_names);
int roam_gate_parse_odp(const char *s, struct ofpbuf *odp_actions);

void roam_gate_register_commands(void);

#endif /* gate-action.h */
