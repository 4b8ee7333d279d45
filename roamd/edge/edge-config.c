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

#include <config.h>

#include "roamd/edge/edge-config.h"

#include <errno.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "util.h"

void
edge_config_init(struct edge_config *c)
{
    memset(c, 0, sizeof *c);
    c->bridge = xstrdup("br-edge");
    c->mode = EDGE_MODE_CONTROLLER;
    c->hold_ms = 2000;
}

/* Frees what 'c' holds (not 'c' itself).  Accepts NULL. */
void
edge_config_destroy(struct edge_config *c)
{
    if (!c) {
        return;
    }
    for (size_t i = 0; i < c->n_vpns; i++) {
        free(c->vpns[i].port);
    }
    free(c->vpns);
    for (size_t i = 0; i < c->n_clients; i++) {
        free(c->clients[i]);
    }
    free(c->clients);
    free(c->bridge);
}

const char *
edge_vpn_kind_name(enum edge_vpn_kind kind)
{
    switch (kind) {
    case EDGE_VPN_VLAN:
        return "vlan";
    case EDGE_VPN_VNI:
        return "vni";
    }
    OVS_NOT_REACHED();
}

/* Returns "vlan:ID@PORT" or "vni:ID@PORT" for 'vpn'; the caller frees
 * it. */
char *
edge_vpn_to_string(const struct edge_vpn *vpn)
{
    return xasprintf("%s:%"PRIu32"@%s", edge_vpn_kind_name(vpn->kind),
                     vpn->id, vpn->port);
}

/* Parses one VPN, "[vlan:]ID@PORT" or "vni:ID@PORT", into 'vpn'. */
static char * OVS_WARN_UNUSED_RESULT
parse_vpn(const char *s, struct edge_vpn *vpn)
{
    const char *at = strchr(s, '@');
    const char *id = s;
    unsigned long long int max = 4094, min = 1;
    unsigned long long int value;
    char *end;

    memset(vpn, 0, sizeof *vpn);
    vpn->kind = EDGE_VPN_VLAN;
    if (!strncmp(s, "vlan:", 5)) {
        id = s + 5;
    } else if (!strncmp(s, "vni:", 4)) {
        vpn->kind = EDGE_VPN_VNI;
        id = s + 4;
        min = 0;
        max = (1u << 24) - 1;
    }
    if (!at || at == id || !at[1] || strchr(at + 1, '@')) {
        return xasprintf("%s: a VPN is vlan:ID@PORT or vni:ID@PORT", s);
    }
    errno = 0;
    value = strtoull(id, &end, 0);
    if (errno || end != at || value < min || value > max || *id == '-') {
        return xasprintf("%s: the %s must be from %llu to %llu", s,
                         vpn->kind == EDGE_VPN_VLAN ? "VLAN ID" : "VNI",
                         min, max);
    }
    vpn->id = value;
    vpn->port = xstrdup(at + 1);
    return NULL;
}

static bool
same_vpn(const struct edge_vpn *a, const struct edge_vpn *b)
{
    return (a->kind == b->kind && a->id == b->id
            && !strcmp(a->port, b->port));
}

/* Adds the pair of VPNs that 'spec' names, "VPN/VPN[=PREFIX]", to 'c'. */
char *
edge_config_add_pair(struct edge_config *c, const char *spec)
{
    char *copy = xstrdup(spec);
    char *eq = strchr(copy, '=');
    char *slash = strchr(copy, '/');
    struct edge_vpn pair[2];
    ovs_be32 prefix = 0, mask = 0;
    char *error = NULL;

    if (eq) {
        *eq = '\0';
        error = ip_parse_masked(eq + 1, &prefix, &mask);
        if (error) {
            char *e = xasprintf("%s: bad prefix (%s)", spec, error);
            free(error);
            free(copy);
            return e;
        }
        if (prefix & ~mask) {
            free(copy);
            return xasprintf("%s: the prefix has host bits set", spec);
        }
    }
    if (!slash || (eq && slash > eq)) {
        free(copy);
        return xasprintf("%s: a pair is VPN/VPN[=PREFIX]", spec);
    }
    *slash = '\0';
    error = parse_vpn(copy, &pair[0]);
    if (!error) {
        error = parse_vpn(slash + 1, &pair[1]);
        if (error) {
            free(pair[0].port);
        }
    }
    free(copy);
    if (error) {
        return error;
    }
    if (same_vpn(&pair[0], &pair[1])) {
        error = xasprintf("%s: a VPN cannot pair with itself", spec);
    }
    for (size_t i = 0; !error && i < c->n_vpns; i++) {
        for (int j = 0; j < 2; j++) {
            if (same_vpn(&c->vpns[i], &pair[j])) {
                error = xasprintf("%s: VPN %s:%"PRIu32"@%s is in two pairs",
                                  spec, edge_vpn_kind_name(pair[j].kind),
                                  pair[j].id, pair[j].port);
                break;
            }
        }
    }
    if (error) {
        free(pair[0].port);
        free(pair[1].port);
        return error;
    }
    c->vpns = xrealloc(c->vpns, (c->n_vpns + 2) * sizeof *c->vpns);
    pair[0].home = true;
    pair[0].prefix = prefix;
    pair[0].mask = mask;
    pair[0].partner = c->n_vpns + 1;
    pair[1].partner = c->n_vpns;
    c->vpns[c->n_vpns++] = pair[0];
    c->vpns[c->n_vpns++] = pair[1];
    return NULL;
}

char *
edge_config_add_client(struct edge_config *c, const char *port)
{
    if (!port[0] || strchr(port, ',') || strchr(port, ' ')) {
        return xasprintf("\"%s\": not a port name", port);
    }
    for (size_t i = 0; i < c->n_clients; i++) {
        if (!strcmp(c->clients[i], port)) {
            return xasprintf("%s: client port given twice", port);
        }
    }
    c->clients = xrealloc(c->clients, (c->n_clients + 1)
                          * sizeof *c->clients);
    c->clients[c->n_clients++] = xstrdup(port);
    return NULL;
}

char *
edge_config_set_gateway_mac(struct edge_config *c, const char *s)
{
    struct eth_addr mac;

    if (!eth_addr_from_string(s, &mac) || eth_addr_is_multicast(mac)
        || eth_addr_is_zero(mac)) {
        return xasprintf("%s: the gateway MAC must be a unicast Ethernet "
                         "address", s);
    }
    c->gateway_mac = mac;
    c->has_gateway_mac = true;
    return NULL;
}

char *
edge_config_set_mode(struct edge_config *c, const char *s)
{
    if (!strcmp(s, "controller")) {
        c->mode = EDGE_MODE_CONTROLLER;
    } else if (!strcmp(s, "learn")) {
        c->mode = EDGE_MODE_LEARN;
    } else {
        return xasprintf("%s: the edge mode is \"controller\" or \"learn\"",
                         s);
    }
    return NULL;
}

/* Checks that 'c' is complete: at least one pair and one client port, a
 * client port that is no VPN's, and prefixes that no two pairs share. */
char *
edge_config_check(const struct edge_config *c)
{
    if (!c->n_vpns) {
        return xstrdup("the client edge needs at least one VPN pair "
                       "(--edge-pair)");
    }
    if (!c->n_clients) {
        return xstrdup("the client edge needs at least one client port "
                       "(--edge-client)");
    }
    for (size_t i = 0; i < c->n_clients; i++) {
        for (size_t j = 0; j < c->n_vpns; j++) {
            if (!strcmp(c->clients[i], c->vpns[j].port)) {
                return xasprintf("%s is both a client port and a VPN's "
                                 "port", c->clients[i]);
            }
        }
    }
    for (size_t i = 0; i < c->n_vpns; i++) {
        for (size_t j = i + 1; j < c->n_vpns; j++) {
            const struct edge_vpn *a = &c->vpns[i], *b = &c->vpns[j];

            if (a->home && b->home && a->mask == b->mask
                && a->prefix == b->prefix) {
                return xasprintf("two VPN pairs have the same prefix "
                                 IP_FMT"/"IP_FMT"; give each its own "
                                 "(VPN/VPN=PREFIX)", IP_ARGS(a->prefix),
                                 IP_ARGS(a->mask));
            }
        }
    }
    return NULL;
}
