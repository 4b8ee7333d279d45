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

/* The roam_gate OpenFlow action and datapath action: gates that a live
 * migration's two ends switch in the datapath, without a flow-table change
 * (seed features S1.3, S1.4 and S3.2).
 *
 * A gate is a piece of datapath state named by a nonzero 64-bit id: closed,
 * releasing or open.  Three forms use it:
 *
 *   - "roam_gate(id=N[,limit=K][,port=P])" holds, at an arriving VM's
 *     destination: while gate N is closed, the datapath keeps each packet,
 *     with the actions after the hold in the same list, in the gate's
 *     bounded queue.  Once the gate is open those actions run at once.
 *     P names the VM's port, so that the gate can count which released
 *     packets its actions actually output to the VM.
 *
 *   - "roam_gate(id=N,open)" opens gate N: the packets it kept run, oldest
 *     first, on the actions they were held with, and then the rest of the
 *     opening list goes on.  Packets that reach the gate while it releases,
 *     on any thread, queue behind the ones being released, so release order
 *     is arrival order.  A packet released by one gate that opens another
 *     does not recurse: the second gate's release waits, on the same
 *     thread, until the first is done.
 *
 *   - "roam_gate(id=N,divert=P)" redirects, at a departing VM's source:
 *     while gate N is closed the rest of the list runs as usual; once it is
 *     open the packet goes out port P instead.  roamd opens such a gate
 *     with a packet-out whose only action is "roam_gate(id=N,open)", the
 *     moment the VM pauses, so the redirect is in force in the datapath
 *     after one OpenFlow message, without waiting for revalidation.
 *
 * Translation nests the rest of the list inside the datapath action (as
 * check_pkt_len does), with the translation state saved and restored around
 * it, so the same datapath flow is right before and after the gate opens.
 * Only the userspace datapath executes the action (ofproto-dpif probes
 * "roam_gate"); elsewhere a hold drops the packet, a divert does not divert
 * and an open does nothing.
 *
 * Gates are created by the first packet that names them.  A closed gate
 * whose queue saw nothing for ROAM_GATE_IDLE_CLOSED_MS, and an open gate
 * unused for ROAM_GATE_IDLE_OPEN_MS, are freed, from roam_gate_run() as
 * well as from packets, so held packets never outlive their gate's timeout
 * for want of traffic.  All gates together hold at most
 * other_config:roam-gate-max-bytes bytes (default ROAM_GATE_DEFAULT_MAX_BYTES).
 * "ovs-appctl roam/gate-show [--json] [ID]" lists gates and their counters.
 *
 * Compiled into libopenvswitch by roam's OVS patch series. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"

struct dp_packet_batch;
struct hmap;
struct ds;
struct nlattr;
struct ofpact_roam_gate;
struct ofpact_check_params;
struct ofpact_format_params;
struct ofpact_parse_params;
struct ofpbuf;
struct smap;

#define ROAM_GATE_DEFAULT_LIMIT 1024
#define ROAM_GATE_MAX_LIMIT 65536
#define ROAM_GATE_MAX_GATES 4096
#define ROAM_GATE_IDLE_CLOSED_MS (60 * 1000)
#define ROAM_GATE_IDLE_OPEN_MS (300 * 1000)
#define ROAM_GATE_DEFAULT_MAX_BYTES (64 * 1024 * 1024)

/* Gates nested inside one another's actions, at most, in one translation;
 * deeper ones drop the packet with an error. */
#define ROAM_GATE_MAX_NESTING 8

/* Wire format of roam_gate (32 bytes). */
struct roam_action_gate {
    ovs_be16 type;              /* OFPAT_VENDOR. */
    ovs_be16 len;               /* 32. */
    ovs_be32 vendor;            /* ROAM_VENDOR_ID. */
    ovs_be16 subtype;           /* ROAMAST_GATE. */
    ovs_be16 flags;             /* ROAM_GATE_F_*. */
    ovs_be32 limit;             /* Hold: queue limit, 0 for the default.
                                 * Open, divert: must be 0. */
    ovs_be64 id;                /* Gate, nonzero. */
    ovs_be32 port;              /* OpenFlow 1.1+ port number: hold, the
                                 * VM's port or OFPP_NONE; divert, where
                                 * to; open, OFPP_NONE. */
    uint8_t pad[4];             /* Must be zero. */
};
BUILD_ASSERT_DECL(sizeof(struct roam_action_gate) == 32);

#define ROAM_GATE_F_OPEN 0x0001   /* Open the gate. */
#define ROAM_GATE_F_DIVERT 0x0002 /* Divert to 'port' while it is open. */

/* Attributes of datapath action OVS_ACTION_ATTR_ROAM_GATE. */
enum roam_gate_attr {
    ROAM_GATE_ATTR_UNSPEC,
    ROAM_GATE_ATTR_ID,          /* u64, nonzero. */
    ROAM_GATE_ATTR_OPEN,        /* flag: open the gate. */
    ROAM_GATE_ATTR_LIMIT,       /* u32: hold's queue limit. */
    ROAM_GATE_ATTR_ACTIONS,     /* nested: hold, what runs once open;
                                 * divert, what runs while closed. */
    ROAM_GATE_ATTR_PORT,        /* u32 odp port: hold, the VM's port. */
    ROAM_GATE_ATTR_DIVERT,      /* nested: divert, what runs once open. */
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
int roam_gate_check(const struct ofpact_roam_gate *,
                    const struct ofpact_check_params *);
bool roam_gate_outputs_to_port(const struct ofpact_roam_gate *,
                               ofp_port_t port);

/* Translation builds the datapath action in three steps:
 * roam_gate_start_odp(), then for a hold or divert each nested list
 * between roam_gate_start_nested() and roam_gate_end_nested() (which
 * returns false, having removed it, if the list grew too large for a
 * Netlink attribute), then roam_gate_end_odp().  roam_gate_cancel_odp()
 * removes the whole action instead. */
size_t roam_gate_start_odp(const struct ofpact_roam_gate *,
                           uint32_t odp_port, struct ofpbuf *odp_actions);
size_t roam_gate_start_nested(struct ofpbuf *odp_actions,
                              enum roam_gate_attr);
bool roam_gate_end_nested(struct ofpbuf *odp_actions, size_t ofs);
bool roam_gate_end_odp(struct ofpbuf *odp_actions, size_t ofs);
void roam_gate_cancel_odp(struct ofpbuf *odp_actions, size_t ofs);

/* Datapath action.  'run' runs 'actions' on 'batch', whose packets it takes
 * over, in the datapath that called roam_gate_execute(), with 'aux'. */
typedef void roam_gate_run_cb(void *aux, struct dp_packet_batch *batch,
                              const struct nlattr *actions, size_t size);
void roam_gate_execute(struct dp_packet_batch *, const struct nlattr *,
                       bool steal, roam_gate_run_cb *run, void *aux);
void roam_gate_format_odp(struct ds *, const struct nlattr *,
                          const struct hmap *portno_names);

/* Parses the text roam_gate_format_odp() writes at the start of 's' and
 * appends the datapath action to 'odp_actions'.  'parse_list' parses a
 * nested action list up to its closing parenthesis, with 'aux', and
 * returns the bytes parsed or a negative errno; the caller's parser passes
 * its own, which counts nesting depth.  Returns the bytes parsed or a
 * negative errno. */
typedef int roam_gate_parse_list_cb(void *aux, const char *s,
                                    struct ofpbuf *odp_actions);
int roam_gate_parse_odp(const char *s, struct ofpbuf *odp_actions,
                        roam_gate_parse_list_cb *parse_list, void *aux);

/* The datapath's housekeeping: expiry on a timer, and configuration from
 * Open_vSwitch other_config. */
void roam_gate_run(void);
void roam_gate_wait(void);
void roam_gate_set_config(const struct smap *other_config);

void roam_gate_register_commands(void);

#endif /* gate-action.h */
