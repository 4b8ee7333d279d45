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

#ifndef ROAM_ANNOUNCE_H
#define ROAM_ANNOUNCE_H 1

/* Announcement classifier and dummy-packet composer (seed feature S4.3).
 *
 * A VM that has just moved announces itself with a gratuitous ARP (request or
 * reply, sender IP == target IP != 0) or, when QEMU finishes a live
 * migration, with a RARP request.  announce_classify() recognises exactly
 * those frames, including 802.1Q/802.1ad tagged ones, and says precisely why
 * anything else is not an announcement.  announce_compose() turns a
 * recognised announcement into an IPv4/UDP "dummy" packet whose source is the
 * VM, which drives L3 learning at the client edge (S4.2).
 *
 * This module is pure C with no Open vSwitch dependency: the same object is
 * linked into libroam and compiled into the patched ovs-vswitchd, where the
 * roam_announce datapath action calls it once per packet.  It allocates
 * nothing and keeps no state, so it is safe to call from any thread. */

#include <stddef.h>
#include <stdint.h>

#define ANNOUNCE_ETH_ADDR_LEN 6
#define ANNOUNCE_MAX_VLANS 2          /* 802.1ad outer + 802.1Q inner. */
#define ANNOUNCE_VLAN_DEI 0x1000      /* A TCI's DEI bit, never kept. */
#define ANNOUNCE_DEFAULT_PORT 7788    /* UDP port of dummy packets. */

/* Marker at the start of every dummy packet's UDP payload. */
#define ANNOUNCE_MAGIC "ROAM"
#define ANNOUNCE_PAYLOAD_VERSION 1
#define ANNOUNCE_PAYLOAD_LEN 16

/* Room that announce_compose() may need: Ethernet, two VLAN tags, IPv4,
 * UDP and the payload. */
#define ANNOUNCE_MAX_DUMMY_LEN (14 + 4 * ANNOUNCE_MAX_VLANS + 20 + 8 \
                                + ANNOUNCE_PAYLOAD_LEN)

enum announce_kind {
    ANNOUNCE_NONE = 0,            /* Not an announcement. */
    ANNOUNCE_GARP_REQUEST = 1,    /* ARP request, spa == tpa != 0. */
    ANNOUNCE_GARP_REPLY = 2,      /* ARP reply, spa == tpa != 0. */
    ANNOUNCE_RARP_REQUEST = 3,    /* RARP "request reverse", sha == tha. */
};

/* Why announce_classify() turned a frame down. */
enum announce_reject {
    ANNOUNCE_OK = 0,
    ANNOUNCE_REJECT_TRUNCATED,     /* Shorter than its headers. */
    ANNOUNCE_REJECT_NOT_ARP,       /* Ethertype is neither ARP nor RARP. */
    ANNOUNCE_REJECT_BAD_HTYPE,     /* Hardware type is not Ethernet (1). */
    ANNOUNCE_REJECT_BAD_PTYPE,     /* Protocol type is not IPv4. */
    ANNOUNCE_REJECT_BAD_HLEN,      /* Hardware address length is not 6. */
    ANNOUNCE_REJECT_BAD_PLEN,      /* Protocol address length is not 4. */
    ANNOUNCE_REJECT_BAD_OPCODE,    /* Opcode not valid for the ethertype. */
    ANNOUNCE_REJECT_PROBE,         /* ARP probe: sender IP 0.0.0.0. */
    ANNOUNCE_REJECT_NOT_GRATUITOUS,/* Sender IP differs from target IP. */
    ANNOUNCE_REJECT_BAD_SHA,       /* Sender MAC multicast or zero. */
    ANNOUNCE_REJECT_SHA_MISMATCH,  /* Sender MAC is not the Ethernet source,
                                    * or RARP target MAC is not the sender. */
    ANNOUNCE_REJECT_BAD_SPA,       /* Sender IP not a unicast host
                                    * address (announce_ip_is_host()). */
    ANNOUNCE_N_REJECTS
};

/* What a recognised announcement says.  Addresses in network byte order. */
struct announce_info {
    enum announce_kind kind;
    uint8_t mac[ANNOUNCE_ETH_ADDR_LEN];  /* The announcing VM's MAC. */
    uint32_t ip;                    /* Sender IP; 0 for a RARP request. */
    unsigned int n_vlans;           /* Tags in front of the ARP ethertype. */
    uint16_t vlan_tpid[ANNOUNCE_MAX_VLANS];  /* Network byte order. */
    uint16_t vlan_tci[ANNOUNCE_MAX_VLANS];   /* Network byte order, the
                                              * DEI bit cleared. */
};

/* Where a dummy packet goes.  Build it with announce_dst_init(). */
struct announce_dst {
    uint32_t ip;                          /* Network byte order. */
    uint8_t mac[ANNOUNCE_ETH_ADDR_LEN];   /* Next hop, or RFC 1112 group. */
    uint16_t port;                        /* UDP port, host byte order. */
};

/* A parsed dummy packet (see announce_parse_dummy()). */
struct announce_dummy {
    enum announce_kind kind;
    uint8_t vm_mac[ANNOUNCE_ETH_ADDR_LEN];
    uint32_t vm_ip;                       /* Network byte order. */
    uint32_t dst_ip;                      /* Network byte order. */
    uint16_t port;                        /* Host byte order. */
};

enum announce_kind announce_classify(const void *frame, size_t len,
                                     struct announce_info *info,
                                     enum announce_reject *reject);
const char *announce_kind_to_string(enum announce_kind);
const char *announce_reject_to_string(enum announce_reject);

int announce_dst_init(struct announce_dst *, uint32_t ip,
                      const uint8_t *mac, uint16_t port);
void announce_multicast_mac(uint32_t ip, uint8_t mac[ANNOUNCE_ETH_ADDR_LEN]);
int announce_ip_is_multicast(uint32_t ip);
int announce_ip_is_host(uint32_t ip);

size_t announce_compose(const struct announce_info *, uint32_t vm_ip,
                        const struct announce_dst *,
                        void *buf, size_t buf_size);
int announce_parse_dummy(const void *frame, size_t len,
                         struct announce_dummy *);

uint16_t announce_csum(const void *data, size_t len, uint32_t partial);

#endif /* announce.h */
