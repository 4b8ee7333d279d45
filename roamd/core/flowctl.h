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

#ifndef ROAM_FLOWCTL_H
#define ROAM_FLOWCTL_H 1

/* Flow control: the only code in roamd that programs OpenFlow flows.
 *
 * One flowctl per bridge owns one OpenFlow 1.5 connection to it (to the
 * bridge's management socket, or to any OpenFlow switch a role controls).
 * Callers edit a table of *desired* flows, parsed flows (oflow.h) that each
 * belong to an *owner* (flowctl-desired.h): a caller replaces or removes an
 * owner's flows in one call.  flowctl keeps track of the flows it has
 * *installed* and sends only the difference, all of it in one atomic,
 * ordered bundle: opened and filled, then, after a barrier shows that the
 * switch accepted every flow_mod, committed and followed by another barrier
 * (or discarded, if any flow_mod was refused).  The applied generation
 * advances to the generation of the desired table the bundle carried only
 * when the barrier reply arrives, so "applied >= N" means the switch holds
 * exactly what was desired at generation N.  Tests (and roamd's callers)
 * wait on it.
 *
 * flowctl owns only the flows it installed: flows an operator added by hand
 * are never touched.  After a reconnection (for example, ovs-vswitchd
 * restarted) it dumps the switch's flows, reconciles them against the
 * desired table and re-installs whatever is missing.
 *
 * It also hands the caller the packet-ins the switch sends (roam's arrival
 * gates use "controller" actions) and sends messages the caller builds, such
 * as NXT_RESUME, on the same connection.
 *
 * On request it also reads the switch's whole flow table, hand-added flows
 * included (flowctl_request_view()), which roamd classifies into VMs'
 * rules.  A flow monitor on every table, from the first
 * flowctl_refresh_view() on, tells it when any flow changes, so that
 * flowctl_refresh_view() reads the table again only when something did:
 * an idle switch is not read at all. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/hmap.h"
#include "openvswitch/types.h"

struct flowctl;
struct match;
struct oflow;
struct oflows;
struct ofpact;
struct ofpbuf;
struct simap;
struct uuid;

struct flowctl *flowctl_create(const char *bridge, const char *target);
void flowctl_destroy(struct flowctl *);

void flowctl_run(struct flowctl *);
void flowctl_wait(struct flowctl *);

/* The desired flows, by owner. */
void flowctl_add_flow(struct flowctl *, const struct uuid *owner,
                      uint8_t table_id, uint16_t priority, ovs_be64 cookie,
                      const struct match *, const struct ofpact *,
                      size_t ofpacts_len);
bool flowctl_replace_owner(struct flowctl *, const struct uuid *owner,
                           struct oflows *);
void flowctl_remove_owner(struct flowctl *, const struct uuid *owner);
size_t flowctl_owner_count(const struct flowctl *, const struct uuid *owner);
void flowctl_clear(struct flowctl *);
size_t flowctl_count(const struct flowctl *);
void flowctl_get_memory_usage(const struct flowctl *, struct simap *);

/* Flows in ovs-ofctl syntax, for operators' input and tests. */
int flowctl_add_flow_text(struct flowctl *, const struct uuid *owner,
                          const char *flow, char **errorp);
int flowctl_remove_flow_text(struct flowctl *, const char *flow,
                             char **errorp);

/* Flows found on the switch that flowctl is to delete. */
bool flowctl_disown_like(struct flowctl *, const struct oflow *);
bool flowctl_disown(struct flowctl *, const struct oflow *);

uint64_t flowctl_desired_gen(const struct flowctl *);
uint64_t flowctl_applied_gen(const struct flowctl *);
bool flowctl_is_connected(const struct flowctl *);
const char *flowctl_last_error(const struct flowctl *);
uint64_t flowctl_failed_gen(const struct flowctl *);

/* Every flow on the switch, hand-added ones included. */
void flowctl_request_view(struct flowctl *);
void flowctl_refresh_view(struct flowctl *);
struct oflow *const *flowctl_view(const struct flowctl *, size_t *n,
                                  uint64_t *gen);
unsigned int flowctl_view_seqno(const struct flowctl *);
long long int flowctl_view_ms(const struct flowctl *);

/* Statistics of some flows: the switch's flows in table 'table_id' (0xff:
 * all) whose cookie is 'cookie' under 'cookie_mask'.  'cb' is called for
 * each, then 'done' once, unless the connection drops first (then
 * neither; ask again).  One request at a time: EBUSY while one is in
 * flight, ENOTCONN while disconnected. */
struct ofputil_flow_stats;
typedef void flowctl_stats_cb(void *aux, const struct ofputil_flow_stats *);
typedef void flowctl_stats_done_cb(void *aux);
int flowctl_request_stats(struct flowctl *, uint8_t table_id,
                          ovs_be64 cookie, ovs_be64 cookie_mask,
                          flowctl_stats_cb *, flowctl_stats_done_cb *,
                          void *aux);

/* Packet-ins, and messages to the switch. */
struct ofpbuf *flowctl_recv_packet_in(struct flowctl *);
int flowctl_send(struct flowctl *, struct ofpbuf *msg);
struct ofpbuf *flowctl_packet_out(const void *packet, size_t packet_len,
                                  ofp_port_t in_port, const struct ofpact *,
                                  size_t ofpacts_len);
uint64_t flowctl_barrier(struct flowctl *);
uint64_t flowctl_barriers_done(const struct flowctl *);
unsigned int flowctl_connection_seqno(const struct flowctl *);

#endif /* flowctl.h */
