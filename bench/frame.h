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

#ifndef ROAM_BENCH_FRAME_H
#define ROAM_BENCH_FRAME_H 1

/* frame: the IPv4/UDP frame the benchmarks' senders (frame-blast,
 * frame-pace) send, built in place. */

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "announce.h"

/* Fills the 'len' bytes at 'f' (at least 42) with an Ethernet frame from
 * 'src_mac' to 'dst_mac' carrying IPv4 (TTL 64, header checksum set) from
 * 'src' to 'dst' (network byte order) and UDP from 'sport' to 'dport' with
 * no checksum; the payload is zeros. */
static inline void
bench_udp_frame(uint8_t *f, size_t len, const uint8_t src_mac[6],
                const uint8_t dst_mac[6], uint32_t src, uint32_t dst,
                uint16_t sport, uint16_t dport)
{
    uint16_t csum;

    memset(f, 0, len);
    memcpy(f, dst_mac, 6);
    memcpy(f + 6, src_mac, 6);
    f[12] = 0x08;
    f[14] = 0x45;
    f[16] = (len - 14) >> 8;
    f[17] = (len - 14) & 0xff;
    f[22] = 64;
    f[23] = 17;
    memcpy(f + 26, &src, 4);
    memcpy(f + 30, &dst, 4);
    csum = htons(announce_csum(f + 14, 20, 0));
    memcpy(f + 24, &csum, 2);
    f[34] = sport >> 8;
    f[35] = sport & 0xff;
    f[36] = dport >> 8;
    f[37] = dport & 0xff;
    f[38] = (len - 34) >> 8;
    f[39] = (len - 34) & 0xff;
}

#endif /* frame.h */
