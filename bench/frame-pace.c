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

/* frame-pace: a client that sends one IPv4/UDP frame every INTERVAL_US
 * microseconds, sleeping in between, for bench/run-bench-edge's flip
 * trials.
 *
 * Usage: frame-pace IFACE SRC_MAC DST_MAC SRC_IP DST_IP SECONDS INTERVAL_US
 *
 * Each frame is the same: SRC_MAC -> DST_MAC, SRC_IP -> DST_IP, UDP 7000 ->
 * 7000, 32 bytes of payload.  The sends follow an absolute schedule
 * (clock_nanosleep() with TIMER_ABSTIME, timer slack 1 ns), so a late wake
 * does not shift the frames after it; a frame whose time has passed goes
 * at once.  Between frames the process sleeps: unlike a Python loop, it
 * leaves its core to whatever else runs there.  Only ever run inside a
 * namespace the benchmark created. */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"

#define FRAME_LEN 74            /* Ethernet 14 + IPv4 20 + UDP 8 + 32. */

static int
parse_mac(const char *s, uint8_t mac[6])
{
    unsigned int m[6];
    char extra;

    if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3], &m[4],
               &m[5], &extra) != 6) {
        return EINVAL;
    }
    for (int i = 0; i < 6; i++) {
        if (m[i] > 0xff) {
            return EINVAL;
        }
        mac[i] = m[i];
    }
    return 0;
}

static void
build(uint8_t *f, const uint8_t src_mac[6], const uint8_t dst_mac[6],
      struct in_addr src, struct in_addr dst)
{
    static const char payload[] = "roam-edge-bench";

    bench_udp_frame(f, FRAME_LEN, src_mac, dst_mac, src.s_addr, dst.s_addr,
                    7000, 7000);
    memcpy(f + 42, payload, sizeof payload - 1);
}

static void
timespec_add_ns(struct timespec *ts, long ns)
{
    ts->tv_nsec += ns;
    while (ts->tv_nsec >= 1000000000L) {
        ts->tv_nsec -= 1000000000L;
        ts->tv_sec++;
    }
}

int
main(int argc, char *argv[])
{
    uint8_t frame[FRAME_LEN], src_mac[6], dst_mac[6];
    struct in_addr src, dst;
    struct sockaddr_ll sll;
    struct timespec next, end;
    double secs;
    long interval_us, sent = 0;
    int fd;

    if (argc != 8 || parse_mac(argv[2], src_mac) || parse_mac(argv[3], dst_mac)
        || !inet_aton(argv[4], &src) || !inet_aton(argv[5], &dst)) {
        fprintf(stderr, "usage: %s IFACE SRC_MAC DST_MAC SRC_IP DST_IP "
                "SECONDS INTERVAL_US\n", argv[0]);
        return 2;
    }
    secs = atof(argv[6]);
    interval_us = atol(argv[7]);
    if (secs <= 0 || secs > 86400 || interval_us < 1
        || interval_us > 1000000) {
        fprintf(stderr, "%s: SECONDS must be in (0, 86400], INTERVAL_US in "
                "[1, 1000000]\n", argv[0]);
        return 2;
    }
    build(frame, src_mac, dst_mac, src, dst);

    fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (fd < 0) {
        perror("socket");
        return 1;
    }
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = if_nametoindex(argv[1]);
    sll.sll_halen = 6;
    memcpy(sll.sll_addr, dst_mac, 6);
    if (!sll.sll_ifindex) {
        fprintf(stderr, "%s: no interface %s\n", argv[0], argv[1]);
        return 1;
    }

    /* Wake when asked, not up to 50 us later. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    clock_gettime(CLOCK_MONOTONIC, &next);
    end = next;
    timespec_add_ns(&end, (long) (secs * 1e9));
    while (next.tv_sec < end.tv_sec
           || (next.tv_sec == end.tv_sec && next.tv_nsec < end.tv_nsec)) {
        if (sendto(fd, frame, FRAME_LEN, 0, (struct sockaddr *) &sll,
                   sizeof sll) < 0 && errno != ENOBUFS && errno != EAGAIN) {
            perror("sendto");
            return 1;
        }
        sent++;
        timespec_add_ns(&next, interval_us * 1000L);
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL)
               == EINTR) {
            continue;
        }
    }
    printf("sent %ld frames\n", sent);
    close(fd);
    return 0;
}
