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

/* libFuzzer harness: announce_classify() on any frame, then, for what it
 * accepts, announce_compose() and announce_parse_dummy() on the result,
 * and announce_parse_dummy() on the input itself.  The classifier runs on
 * every frame a VM sends through a roam_announce flow, in the datapath. */

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "announce.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct announce_info info;
    enum announce_reject why;
    struct announce_dummy dummy;

    if (announce_classify(data, size, &info, &why) != ANNOUNCE_NONE) {
        uint8_t buf[ANNOUNCE_MAX_DUMMY_LEN];
        struct announce_dst dst;
        size_t len;

        if (info.kind == ANNOUNCE_NONE || why != ANNOUNCE_OK
            || info.n_vlans > ANNOUNCE_MAX_VLANS) {
            __builtin_trap();
        }
        if (!announce_dst_init(&dst, htonl(0xe9010101), NULL, 0)) {
            len = announce_compose(&info, info.ip ? info.ip
                                   : htonl(0x0a000001),
                                   &dst, buf, sizeof buf);
            if (len && announce_parse_dummy(buf, len, &dummy)) {
                __builtin_trap();   /* What we compose must parse. */
            }
        }
    }
    (void) announce_parse_dummy(data, size, &dummy);
    return 0;
}
