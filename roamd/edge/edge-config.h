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
#ifndef ROAM_EDGE_CONFIG_H
#define ROAM_EDGE_CONFIG_H 1

/* The client edge's configuration (seed 004): which VPNs reach the client
 * site's datacenters, how they pair up, and which ports face the clients.
 *
 * A VPN is a VLAN on an uplink port ("vlan:2@up2") or a tunnel key on a
 * tunnel port ("vni:5002@tun2").  VPNs come in pairs, one per datacenter
 * that the same stretched subnet can be reached through
 * ("vlan:1@up1/vlan:2@up2"); the first of a pair is its home, which the
 * clients' traffic for an address nobody has learned yet takes (for the
 * pair's destination prefix, "=10.0.0.0/24", all of IPv4 by default).
 * Each VPN has a number, its index plus one, which the edge's flows carry
 * in a register instead of its VLAN or key: the check of seed feature S4.4
 * ("replace the VPN-2 ID by the VPN-1 ID") replaces one number with the
 * other whatever kind of VPN they name.
 *
 * roamd's --edge-* options (roam.conf's ROAM_EDGE_*) and roamctl's "edge
 * recipe" fill it with the parsers below, which return an error message
 * (owned by the caller) or NULL. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/compiler.h"
#include "openvswitch/types.h"

enum edge_vpn_kind {
    EDGE_VPN_VLAN,              /* 802.1Q VLAN ID, 1 to 4094. */
    EDGE_VPN_VNI,               /* Tunnel key (tun_id), 0 to 2^24 - 1. */
};

struct edge_vpn {
    enum edge_vpn_kind kind;
    uint32_t id;                /* The VLAN ID or VNI. */
    char *port;                 /* The edge bridge's port for it. */
    size_t partner;             /* Index of the other VPN of its pair. */
    bool home;                  /* First of its pair. */
    ovs_be32 prefix, mask;      /* The pair's destinations (home only). */
};

enum edge_mode {
    EDGE_MODE_CONTROLLER,       /* roamd checks and flips (S4.2). */
    EDGE_MODE_LEARN,            /* The switch does, with "learn". */
};

struct edge_config {
    char *bridge;               /* Default "br-edge". */
    struct edge_vpn *vpns;      /* VPN number N is vpns[N - 1]. */
    size_t n_vpns;
    char **clients;             /* Client-facing port names. */
    size_t n_clients;
    bool has_gateway_mac;       /* Only frames from 'gateway_mac' on a */
    struct eth_addr gateway_mac;/* VPN may teach or flip an address. */
    enum edge_mode mode;
    unsigned int hold_ms;       /* After a flip, no flip back for this
                                 * long (default 2000; whole seconds in
                                 * learn mode). */
};

void edge_config_init(struct edge_config *);
void edge_config_destroy(struct edge_config *);

char *edge_config_add_pair(struct edge_config *, const char *spec)
    OVS_WARN_UNUSED_RESULT;
char *edge_config_add_client(struct edge_config *, const char *port)
    OVS_WARN_UNUSED_RESULT;
char *edge_config_set_gateway_mac(struct edge_config *, const char *mac)
    OVS_WARN_UNUSED_RESULT;
char *edge_config_set_mode(struct edge_config *, const char *mode)
    OVS_WARN_UNUSED_RESULT;
char *edge_config_check(const struct edge_config *) OVS_WARN_UNUSED_RESULT;

const char *edge_vpn_kind_name(enum edge_vpn_kind);
char *edge_vpn_to_string(const struct edge_vpn *);

#endif /* edge/edge-config.h */
