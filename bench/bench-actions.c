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

/* bench-actions: per-packet cost of executing roam's pseudo-identifier
 * rewrite in the userspace datapath, against baselines measured in the same
 * run.
 *
 * Usage: bench-actions [--iterations N] [--only a|b|c] ACTIONS_A ACTIONS_B
 *                      ACTIONS_C
 *
 * Each ACTIONS_x is a datapath action list in ovs-dpctl syntax, normally the
 * "Datapath actions:" that ofproto/trace prints for (a) a plain output flow,
 * (b) the equivalent chain of set_field actions and (c) roam_rewrite (see
 * bench/run-bench-actions).  For each, a batch of 32 IPv4/UDP packets runs
 * through the userspace datapath's per-packet work: parse the packet into a
 * miniflow (what dpif-netdev does before its lookup) and execute the actions
 * with odp_execute_actions(), whose output lands in a transmit batch as
 * dpif-netdev's does.  Prints ns/packet for each and the ratios c/b and c/a,
 * and the same for action execution alone (no parse).
 *
 * With --only, runs just that configuration once, parse+exec, and prints
 * nothing: run-bench-actions runs it under callgrind with two iteration
 * counts and divides the difference to get instructions per packet. */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csum.h"
#include "dp-packet.h"
#include "flow.h"
#include "odp-execute.h"
#include "odp-util.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

#define BATCH 32

struct output_sink {
    uint64_t n_packets;
};

/* Stands in for dpif-netdev's output: counts the packets a real port would
 * be handed and keeps them (the batch is reused). */
static void
sink_execute(void *sink_, struct dp_packet_batch *batch,
             const struct nlattr *action OVS_UNUSED, bool should_steal)
{
    struct output_sink *sink = sink_;

    sink->n_packets += dp_packet_batch_size(batch);
    ovs_assert(!should_steal);
}

static struct dp_packet *
make_packet(int i)
{
    struct dp_packet *p = dp_packet_new_with_headroom(128, 64);
    struct eth_header *eth;
    struct ip_header *ip;
    struct udp_header *udp;
    size_t l4_len = UDP_HEADER_LEN + 64;

    eth = dp_packet_put_zeros(p, sizeof *eth);
    eth->eth_dst = (struct eth_addr) ETH_ADDR_C(aa, bb, cc, dd, ee, 01);
    eth->eth_src = (struct eth_addr) ETH_ADDR_C(52, 54, 00, 00, 00, 01);
    eth->eth_type = htons(ETH_TYPE_IP);
    ip = dp_packet_put_zeros(p, sizeof *ip);
    ip->ip_ihl_ver = IP_IHL_VER(5, 4);
    ip->ip_tot_len = htons(IP_HEADER_LEN + l4_len);
    ip->ip_ttl = 64;
    ip->ip_proto = IPPROTO_UDP;
    put_16aligned_be32(&ip->ip_src, htonl(0x0a000001));
    put_16aligned_be32(&ip->ip_dst, htonl(0x0a090001));
    ip->ip_csum = csum(ip, sizeof *ip);
    udp = dp_packet_put_zeros(p, l4_len);
    udp->udp_src = htons(1000 + i);
    udp->udp_dst = htons(5678);
    udp->udp_len = htons(l4_len);
    udp->udp_csum = htons(0x1234);
    dp_packet_reset_offsets(p);
    p->l3_ofs = sizeof *eth;
    p->l4_ofs = sizeof *eth + IP_HEADER_LEN;
    return p;
}

static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Runs 'iterations' batches through 'actions', with or without the parse
 * step.  Returns ns/packet. */
static double
run(const struct ofpbuf *actions, long iterations, bool parse)
{
    struct output_sink sink = { 0 };
    struct dp_packet_batch batch;
    struct dp_packet *pkts[BATCH];
    struct netdev_flow_key {
        struct miniflow mf;
        uint64_t buf[FLOW_U64S];
    } key;
    double start = 0, elapsed;
    uint64_t hash = 0;
    long it;
    int i;

    for (i = 0; i < BATCH; i++) {
        pkts[i] = make_packet(i);
    }
    for (it = 0; it < iterations; it++) {
        dp_packet_batch_init(&batch);
        for (i = 0; i < BATCH; i++) {
            dp_packet_batch_add(&batch, pkts[i]);
        }
        if (it == iterations / 10) {
            start = now_ns();    /* Warm up for the first 10%. */
        }
        if (parse) {
            for (i = 0; i < BATCH; i++) {
                miniflow_extract(pkts[i], &key.mf);
                hash += miniflow_hash_5tuple(&key.mf, 0);
            }
        }
        odp_execute_actions(&sink, &batch, false, actions->data,
                            actions->size, sink_execute);
    }
    elapsed = now_ns() - start;
    for (i = 0; i < BATCH; i++) {
        dp_packet_delete(pkts[i]);
    }
    ovs_assert(sink.n_packets == (uint64_t) iterations * BATCH);
    if (hash == 1) {
        printf(" ");           /* Keep the parse from being optimised out. */
    }
    return elapsed / ((double) (iterations - iterations / 10) * BATCH);
}

static void
parse_actions(const char *s, struct ofpbuf *actions)
{
    int error;

    ofpbuf_init(actions, 64);
    error = odp_actions_from_string(s, NULL, actions);
    if (error) {
        ovs_fatal(0, "%s: bad datapath actions (%s)", s, ovs_strerror(error));
    }
}

int
main(int argc, char *argv[])
{
    static const struct option options[] = {
        {"iterations", required_argument, NULL, 'n'},
        {"only", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    long iterations = 2000000;
    int only = -1;
    struct ofpbuf acts[3];
    const char *names[3] = { "a: plain output", "b: set_field chain",
                             "c: roam_rewrite" };
    double full[3], exec[3];
    int c, i;

    set_program_name(argv[0]);
    while ((c = getopt_long(argc, argv, "n:", options, NULL)) != -1) {
        if (c == 'n') {
            iterations = atol(optarg);
        } else if (c == 'o' && optarg[0] >= 'a' && optarg[0] <= 'c'
                   && !optarg[1]) {
            only = optarg[0] - 'a';
        } else {
            exit(EXIT_FAILURE);
        }
    }
    if (argc - optind != 3 || iterations < 10) {
        ovs_fatal(0, "usage: %s [--iterations N] [--only a|b|c] ACTIONS_A "
                  "ACTIONS_B ACTIONS_C", argv[0]);
    }
    odp_execute_init();
    for (i = 0; i < 3; i++) {
        parse_actions(argv[optind + i], &acts[i]);
    }
    if (only >= 0) {
        run(&acts[only], iterations, true);
        return 0;
    }

    /* Interleave the runs so that drift hits every configuration alike, and
     * keep the best of three. */
    for (i = 0; i < 3; i++) {
        full[i] = exec[i] = 1e30;
    }
    for (c = 0; c < 3; c++) {
        for (i = 0; i < 3; i++) {
            full[i] = MIN(full[i], run(&acts[i], iterations, true));
            exec[i] = MIN(exec[i], run(&acts[i], iterations, false));
        }
    }

    printf("%-22s %14s %14s   %s\n", "configuration", "parse+exec ns",
           "exec-only ns", "datapath actions");
    for (i = 0; i < 3; i++) {
        printf("%-22s %14.2f %14.2f   %s\n", names[i], full[i], exec[i],
               argv[optind + i]);
    }
    printf("ratio c/b: %.3f (parse+exec)  %.3f (exec only)\n",
           full[2] / full[1], exec[2] / exec[1]);
    printf("ratio c/a: %.3f (parse+exec)  %.3f (exec only)\n",
           full[2] / full[0], exec[2] / exec[0]);
    for (i = 0; i < 3; i++) {
        ofpbuf_uninit(&acts[i]);
    }
    return 0;
}
