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

#include "announce.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#define ETH_TYPE_IP    0x0800
#define ETH_TYPE_ARP   0x0806
#define ETH_TYPE_RARP  0x8035
#define ETH_TYPE_VLAN  0x8100
#define ETH_TYPE_QINQ  0x88a8

#define ARP_HTYPE_ETH  1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY   2
#define RARP_OP_REQUEST 3

#define ETH_HDR_LEN  14
#define VLAN_HDR_LEN 4
#define ARP_HDR_LEN  28
#define IP_HDR_LEN   20
#define UDP_HDR_LEN  8

static uint16_t
get_be16(const uint8_t *p)
{
    return (uint16_t) ((p[0] << 8) | p[1]);
}

static void
put_be16(uint8_t *p, uint16_t x)
{
    p[0] = x >> 8;
    p[1] = x;
}

static int
mac_is_zero(const uint8_t *mac)
{
    static const uint8_t zero[ANNOUNCE_ETH_ADDR_LEN];

    return !memcmp(mac, zero, ANNOUNCE_ETH_ADDR_LEN);
}

/* Classifies the Ethernet frame of 'len' bytes at 'frame'.  Returns the kind
 * of announcement and fills in '*info' if it is one; otherwise returns
 * ANNOUNCE_NONE and leaves '*info' unspecified.  If 'reject' is nonnull,
 * stores there why the frame was turned down (ANNOUNCE_OK if it was not).
 * Reads no byte past 'len'. */
static uint32_t
get_u32_unaligned(const uint8_t *p)
{
    uint32_t x;

    memcpy(&x, p, sizeof x);
    return x;
}

enum announce_kind
announce_classify(const void *frame_, size_t len, struct announce_info *info,
                  enum announce_reject *reject)
{
    const uint8_t *frame = frame_;
    enum announce_reject why = ANNOUNCE_OK;
    enum announce_kind kind = ANNOUNCE_NONE;
    const uint8_t *arp;
    size_t ofs = 12;
    uint16_t ethertype;
    uint16_t op;

    memset(info, 0, sizeof *info);
    if (len < ETH_HDR_LEN) {
        why = ANNOUNCE_REJECT_TRUNCATED;
        goto out;
    }

    ethertype = get_be16(frame + ofs);
    while (ethertype == ETH_TYPE_VLAN || ethertype == ETH_TYPE_QINQ) {
        if (info->n_vlans >= ANNOUNCE_MAX_VLANS) {
            why = ANNOUNCE_REJECT_NOT_ARP;
            goto out;
        }
        if (len < ofs + VLAN_HDR_LEN + 2) {
            why = ANNOUNCE_REJECT_TRUNCATED;
            goto out;
        }
        memcpy(&info->vlan_tpid[info->n_vlans], frame + ofs, 2);
        memcpy(&info->vlan_tci[info->n_vlans], frame + ofs + 2, 2);
        /* The DEI bit is not kept: Open vSwitch's flow cannot hold it, so
         * the slow path could not keep it either (lib/announce.h). */
        info->vlan_tci[info->n_vlans] &= ~htons(ANNOUNCE_VLAN_DEI);
        info->n_vlans++;
        ofs += VLAN_HDR_LEN;
        ethertype = get_be16(frame + ofs);
    }
    ofs += 2;

    if (ethertype != ETH_TYPE_ARP && ethertype != ETH_TYPE_RARP) {
        why = ANNOUNCE_REJECT_NOT_ARP;
        goto out;
    }
    if (len < ofs + ARP_HDR_LEN) {
        why = ANNOUNCE_REJECT_TRUNCATED;
        goto out;
    }

    arp = frame + ofs;
    op = get_be16(arp + 6);
    if (get_be16(arp) != ARP_HTYPE_ETH) {
        why = ANNOUNCE_REJECT_BAD_HTYPE;
    } else if (get_be16(arp + 2) != ETH_TYPE_IP) {
        why = ANNOUNCE_REJECT_BAD_PTYPE;
    } else if (arp[4] != ANNOUNCE_ETH_ADDR_LEN) {
        why = ANNOUNCE_REJECT_BAD_HLEN;
    } else if (arp[5] != 4) {
        why = ANNOUNCE_REJECT_BAD_PLEN;
    } else if (ethertype == ETH_TYPE_RARP) {
        /* QEMU's self-announcement: "request reverse" for its own MAC. */
        if (op != RARP_OP_REQUEST) {
            why = ANNOUNCE_REJECT_BAD_OPCODE;
        } else if (memcmp(arp + 8, arp + 18, ANNOUNCE_ETH_ADDR_LEN)) {
            why = ANNOUNCE_REJECT_SHA_MISMATCH;
        } else {
            kind = ANNOUNCE_RARP_REQUEST;
        }
    } else if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY) {
        why = ANNOUNCE_REJECT_BAD_OPCODE;
    } else if (!memcmp(arp + 14, "\0\0\0\0", 4)) {
        why = ANNOUNCE_REJECT_PROBE;
    } else if (memcmp(arp + 14, arp + 24, 4)) {
        why = ANNOUNCE_REJECT_NOT_GRATUITOUS;
    } else if (!announce_ip_is_host(get_u32_unaligned(arp + 14))) {
        why = ANNOUNCE_REJECT_BAD_SPA;
    } else {
        kind = (op == ARP_OP_REQUEST
                ? ANNOUNCE_GARP_REQUEST : ANNOUNCE_GARP_REPLY);
        memcpy(&info->ip, arp + 14, 4);
    }

    if (kind != ANNOUNCE_NONE) {
        if (mac_is_zero(arp + 8) || (arp[8] & 1)) {
            why = ANNOUNCE_REJECT_BAD_SHA;
            kind = ANNOUNCE_NONE;
        } else if (memcmp(arp + 8, frame + 6, ANNOUNCE_ETH_ADDR_LEN)) {
            why = ANNOUNCE_REJECT_SHA_MISMATCH;
            kind = ANNOUNCE_NONE;
        } else {
            memcpy(info->mac, arp + 8, ANNOUNCE_ETH_ADDR_LEN);
        }
    }

out:
    info->kind = kind;
    if (reject) {
        *reject = why;
    }
    return kind;
}

const char *
announce_kind_to_string(enum announce_kind kind)
{
    switch (kind) {
    case ANNOUNCE_NONE:
        return "none";
    case ANNOUNCE_GARP_REQUEST:
        return "garp-request";
    case ANNOUNCE_GARP_REPLY:
        return "garp-reply";
    case ANNOUNCE_RARP_REQUEST:
        return "rarp-request";
    }
    return "<invalid>";
}

const char *
announce_reject_to_string(enum announce_reject why)
{
    switch (why) {
    case ANNOUNCE_OK:
        return "ok";
    case ANNOUNCE_REJECT_TRUNCATED:
        return "truncated";
    case ANNOUNCE_REJECT_NOT_ARP:
        return "not ARP or RARP";
    case ANNOUNCE_REJECT_BAD_HTYPE:
        return "hardware type is not Ethernet";
    case ANNOUNCE_REJECT_BAD_PTYPE:
        return "protocol type is not IPv4";
    case ANNOUNCE_REJECT_BAD_HLEN:
        return "hardware address length is not 6";
    case ANNOUNCE_REJECT_BAD_PLEN:
        return "protocol address length is not 4";
    case ANNOUNCE_REJECT_BAD_OPCODE:
        return "opcode is not an announcement";
    case ANNOUNCE_REJECT_PROBE:
        return "ARP probe (sender IP 0.0.0.0)";
    case ANNOUNCE_REJECT_NOT_GRATUITOUS:
        return "sender IP differs from target IP";
    case ANNOUNCE_REJECT_BAD_SHA:
        return "sender MAC is zero or multicast";
    case ANNOUNCE_REJECT_SHA_MISMATCH:
        return "sender MAC does not match Ethernet source";
    case ANNOUNCE_REJECT_BAD_SPA:
        return "sender IP is not a unicast host address";
    case ANNOUNCE_N_REJECTS:
        break;
    }
    return "<invalid>";
}

/* Returns nonzero if 'ip' (network byte order) can be a host's unicast
 * address: not in 0.0.0.0/8 ("this network"), 127.0.0.0/8 (loopback),
 * 224.0.0.0/4 (multicast) or 240.0.0.0/4 (reserved, with the limited
 * broadcast 255.255.255.255). */
int
announce_ip_is_host(uint32_t ip)
{
    const uint8_t *b = (const uint8_t *) &ip;

    return b[0] != 0 && b[0] != 127 && b[0] < 224;
}

/* Returns nonzero if 'ip' (network byte order) is in 224.0.0.0/4. */
int
announce_ip_is_multicast(uint32_t ip)
{
    const uint8_t *b = (const uint8_t *) &ip;

    return (b[0] & 0xf0) == 0xe0;
}

/* Stores in 'mac' the RFC 1112 group MAC of multicast 'ip' (network byte
 * order): 01:00:5e followed by the low 23 bits of the address. */
void
announce_multicast_mac(uint32_t ip, uint8_t mac[ANNOUNCE_ETH_ADDR_LEN])
{
    const uint8_t *b = (const uint8_t *) &ip;

    mac[0] = 0x01;
    mac[1] = 0x00;
    mac[2] = 0x5e;
    mac[3] = b[1] & 0x7f;
    mac[4] = b[2];
    mac[5] = b[3];
}

/* Initialises 'dst' to send dummy packets to 'ip' (network byte order) on
 * UDP 'port' (host byte order).  For a multicast 'ip', 'mac' must be null,
 * all-zeros or the RFC 1112 group MAC, and the group MAC is used.  For a
 * unicast 'ip', 'mac' is the next hop's MAC and must be a nonzero unicast
 * address.
 * Returns 0 or EINVAL. */
int
announce_dst_init(struct announce_dst *dst, uint32_t ip, const uint8_t *mac,
                  uint16_t port)
{
    uint8_t group[ANNOUNCE_ETH_ADDR_LEN];

    memset(dst, 0, sizeof *dst);
    if (!ip || !port) {
        return EINVAL;
    }
    if (announce_ip_is_multicast(ip)) {
        announce_multicast_mac(ip, group);
        if (mac && !mac_is_zero(mac)
            && memcmp(mac, group, ANNOUNCE_ETH_ADDR_LEN)) {
            return EINVAL;
        }
        memcpy(dst->mac, group, ANNOUNCE_ETH_ADDR_LEN);
    } else {
        if (!mac || mac_is_zero(mac) || (mac[0] & 1)) {
            return EINVAL;
        }
        memcpy(dst->mac, mac, ANNOUNCE_ETH_ADDR_LEN);
    }
    dst->ip = ip;
    dst->port = port;
    return 0;
}

/* Returns the Internet checksum of 'len' bytes at 'data', folded together
 * with 'partial' (a running 32-bit sum of 16-bit big-endian words). */
uint16_t
announce_csum(const void *data_, size_t len, uint32_t partial)
{
    const uint8_t *data = data_;
    uint32_t sum = partial;
    size_t i;

    for (i = 0; i + 1 < len; i += 2) {
        sum += get_be16(data + i);
    }
    if (len & 1) {
        sum += data[len - 1] << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum & 0xffff;
}

static uint32_t
ip_words(uint32_t ip)
{
    const uint8_t *b = (const uint8_t *) &ip;

    return get_be16(b) + get_be16(b + 2);
}

/* Composes in 'buf' (of 'buf_size' bytes) the dummy IPv4/UDP packet for
 * announcement 'info' of a VM whose IPv4 address is 'vm_ip' (network byte
 * order; for a GARP normally 'info->ip'), addressed as 'dst' says.  The
 * packet carries the announcement's VLAN tags.  Returns its length, or 0 if
 * 'vm_ip' is 0, 'info' is not an announcement or 'buf' is too small. */
size_t
announce_compose(const struct announce_info *info, uint32_t vm_ip,
                 const struct announce_dst *dst, void *buf_, size_t buf_size)
{
    size_t l2_len = ETH_HDR_LEN + VLAN_HDR_LEN * info->n_vlans;
    size_t ip_len = IP_HDR_LEN + UDP_HDR_LEN + ANNOUNCE_PAYLOAD_LEN;
    size_t total = l2_len + ip_len;
    uint8_t *buf = buf_;
    uint8_t *ip, *udp, *pl;
    uint32_t pseudo;
    uint16_t csum;
    unsigned int i;

    if (!vm_ip || info->kind == ANNOUNCE_NONE
        || info->n_vlans > ANNOUNCE_MAX_VLANS || buf_size < total) {
        return 0;
    }

    memset(buf, 0, total);
    memcpy(buf, dst->mac, ANNOUNCE_ETH_ADDR_LEN);
    memcpy(buf + 6, info->mac, ANNOUNCE_ETH_ADDR_LEN);
    for (i = 0; i < info->n_vlans; i++) {
        memcpy(buf + 12 + 4 * i, &info->vlan_tpid[i], 2);
        memcpy(buf + 14 + 4 * i, &info->vlan_tci[i], 2);
    }
    put_be16(buf + l2_len - 2, ETH_TYPE_IP);

    ip = buf + l2_len;
    ip[0] = 0x45;
    put_be16(ip + 2, ip_len);
    put_be16(ip + 6, 0x4000);           /* Don't fragment. */
    ip[8] = 64;                         /* TTL. */
    ip[9] = 17;                         /* UDP. */
    memcpy(ip + 12, &vm_ip, 4);
    memcpy(ip + 16, &dst->ip, 4);
    put_be16(ip + 10, announce_csum(ip, IP_HDR_LEN, 0));

    udp = ip + IP_HDR_LEN;
    put_be16(udp, dst->port);
    put_be16(udp + 2, dst->port);
    put_be16(udp + 4, UDP_HDR_LEN + ANNOUNCE_PAYLOAD_LEN);

    pl = udp + UDP_HDR_LEN;
    memcpy(pl, ANNOUNCE_MAGIC, 4);
    pl[4] = ANNOUNCE_PAYLOAD_VERSION;
    pl[5] = info->kind;
    memcpy(pl + 8, info->mac, ANNOUNCE_ETH_ADDR_LEN);

    pseudo = ip_words(vm_ip) + ip_words(dst->ip) + 17
             + UDP_HDR_LEN + ANNOUNCE_PAYLOAD_LEN;
    csum = announce_csum(udp, UDP_HDR_LEN + ANNOUNCE_PAYLOAD_LEN, pseudo);
    put_be16(udp + 6, csum ? csum : 0xffff);
    return total;
}

/* Parses 'frame' ('len' bytes) as a dummy packet made by announce_compose(),
 * verifying its IPv4 and UDP checksums and its marker.  Returns 0 and fills
 * '*d', or EINVAL if it is not a well-formed dummy packet. */
int
announce_parse_dummy(const void *frame_, size_t len, struct announce_dummy *d)
{
    const uint8_t *frame = frame_;
    const uint8_t *ip, *udp, *pl;
    size_t ofs = 12;
    uint32_t pseudo;
    uint32_t src, dst;
    uint16_t ulen;

    memset(d, 0, sizeof *d);
    while (len >= ofs + 2 && (get_be16(frame + ofs) == ETH_TYPE_VLAN
                              || get_be16(frame + ofs) == ETH_TYPE_QINQ)) {
        ofs += VLAN_HDR_LEN;
    }
    if (len < ofs + 2 + IP_HDR_LEN + UDP_HDR_LEN + ANNOUNCE_PAYLOAD_LEN
        || get_be16(frame + ofs) != ETH_TYPE_IP) {
        return EINVAL;
    }
    ip = frame + ofs + 2;
    if (ip[0] != 0x45 || ip[9] != 17 || announce_csum(ip, IP_HDR_LEN, 0)
        || get_be16(ip + 2) != IP_HDR_LEN + UDP_HDR_LEN
                               + ANNOUNCE_PAYLOAD_LEN) {
        return EINVAL;
    }
    udp = ip + IP_HDR_LEN;
    ulen = get_be16(udp + 4);
    if (ulen != UDP_HDR_LEN + ANNOUNCE_PAYLOAD_LEN) {
        return EINVAL;
    }
    memcpy(&src, ip + 12, 4);
    memcpy(&dst, ip + 16, 4);
    pseudo = ip_words(src) + ip_words(dst) + 17 + ulen;
    if (get_be16(udp + 6) && announce_csum(udp, ulen, pseudo)) {
        return EINVAL;
    }
    pl = udp + UDP_HDR_LEN;
    if (memcmp(pl, ANNOUNCE_MAGIC, 4) || pl[4] != ANNOUNCE_PAYLOAD_VERSION
        || pl[5] < ANNOUNCE_GARP_REQUEST || pl[5] > ANNOUNCE_RARP_REQUEST) {
        return EINVAL;
    }
    d->kind = pl[5];
    memcpy(d->vm_mac, pl + 8, ANNOUNCE_ETH_ADDR_LEN);
    d->vm_ip = src;
    d->dst_ip = dst;
    d->port = get_be16(udp + 2);
    return 0;
}
