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

/* frame-blast: sends IPv4/UDP frames from many simulated VMs on a raw
 * socket, for bench/run-bench-datapath's scaling runs.
 *
 * Usage: frame-blast IFACE N_VMS COUNT DST_MAC
 *
 * VM i (0 <= i < N_VMS) has MAC 52:54:00:XX:XX:XX and IP 10.X.X.X, both
 * numbered i + 1, as bench/run-bench-datapath numbers its mapping flows.
 * Frames go round-robin over the VMs, 32 per sendmmsg() call, to DST_MAC and
 * 10.255.255.254.  Only ever run inside a namespace the benchmark created:
 * the frames leave through IFACE and nowhere else. */

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
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"

#define BATCH 32
#define FRAME_LEN 106

static void
vm_addrs(uint32_t i, uint8_t mac[6], uint32_t *ip)
{
    uint32_t n = i + 1;

    mac[0] = 0x52;
    mac[1] = 0x54;
    mac[2] = 0x00;
    mac[3] = n >> 16;
    mac[4] = n >> 8;
    mac[5] = n;
    *ip = htonl(0x0a000000 | n);
}

static void
build(uint8_t *f, const uint8_t dst_mac[6], uint32_t vm)
{
    uint8_t mac[6];
    uint32_t src;

    vm_addrs(vm, mac, &src);
    bench_udp_frame(f, FRAME_LEN, mac, dst_mac, src, htonl(0x0afffffe),
                    5000, 9);
}

int
main(int argc, char *argv[])
{
    static uint8_t frames[BATCH][FRAME_LEN];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    struct sockaddr_ll sll;
    unsigned int dst[6];
    uint8_t dst_mac[6];
    long n_vms, count, sent = 0;
    uint32_t vm = 0;
    int fd, i;

    if (argc != 5 || sscanf(argv[4], "%x:%x:%x:%x:%x:%x", &dst[0], &dst[1],
                            &dst[2], &dst[3], &dst[4], &dst[5]) != 6) {
        fprintf(stderr, "usage: %s IFACE N_VMS COUNT DST_MAC\n", argv[0]);
        return 2;
    }
    n_vms = atol(argv[2]);
    count = atol(argv[3]);
    if (n_vms < 1 || n_vms > 0xffffff || count < 1) {
        fprintf(stderr, "%s: N_VMS must be 1..16777215, COUNT positive\n",
                argv[0]);
        return 2;
    }
    for (i = 0; i < 6; i++) {
        dst_mac[i] = dst[i];
    }

    fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (fd < 0) {
        perror("socket");
        return 1;
    }
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = if_nametoindex(argv[1]);
    sll.sll_halen = 6;
    if (!sll.sll_ifindex) {
        fprintf(stderr, "%s: no interface %s\n", argv[0], argv[1]);
        return 1;
    }
    for (i = 0; i < BATCH; i++) {
        iov[i].iov_base = frames[i];
        iov[i].iov_len = FRAME_LEN;
        memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &sll;
        msgs[i].msg_hdr.msg_namelen = sizeof sll;
    }
    while (sent < count) {
        int n = count - sent < BATCH ? count - sent : BATCH;
        int r;

        for (i = 0; i < n; i++) {
            build(frames[i], dst_mac, vm);
            vm = (vm + 1) % n_vms;
        }
        r = sendmmsg(fd, msgs, n, 0);
        if (r < 0) {
            if (errno == ENOBUFS || errno == EAGAIN) {
                continue;
            }
            perror("sendmmsg");
            return 1;
        }
        sent += r;
    }
    printf("sent %ld frames from %ld VMs\n", sent, n_vms);
    close(fd);
    return 0;
}
