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

/* libFuzzer harness: roam's three OpenFlow actions' wire decoders, as a
 * switch meets them in a flow_mod or packet_out.  The input's first byte
 * picks the OpenFlow version and the action (roam_rewrite, roam_announce,
 * roam_gate, or any action list); the rest is the action's body after
 * roam's experimenter header, so that most inputs reach roam's own
 * checks.  Whatever decodes is checked, formatted, parsed back from its
 * text and encoded again: text and wire forms must agree (a flow the
 * switch took must be one ovs-ofctl can add again). */

#include <config.h>

#include <stdint.h>
#include <string.h>

#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-parse.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "flow.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum ofp_version versions[] = {
    OFP10_VERSION, OFP13_VERSION, OFP15_VERSION,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    if (!init) {
        init = true;
        vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    }
    if (size < 1 || size > 4096) {
        return 0;
    }

    enum ofp_version version = versions[data[0] % 3];
    unsigned int kind = (data[0] >> 2) % 4;
    struct ofpbuf in, ofpacts;
    uint64_t stub[1024 / 8];

    ofpbuf_init(&in, 64 + size);
    if (kind < 3) {
        /* Experimenter header: type 0xffff, length, "ROAM", subtype. */
        size_t body = size - 1;
        size_t len = ROUND_UP(10 + body, 8);
        uint8_t *h = ofpbuf_put_zeros(&in, len);

        h[0] = 0xff;
        h[1] = 0xff;
        h[2] = len >> 8;
        h[3] = len;
        memcpy(h + 4, "ROAM", 4);
        h[8] = 0;
        h[9] = kind + 1;
        memcpy(h + 10, data + 1, body);
    } else {
        ofpbuf_put(&in, data + 1, size - 1);
    }

    ofpbuf_use_stub(&ofpacts, stub, sizeof stub);
    enum ofperr error = ofpacts_pull_openflow_actions(&in, in.size, version,
                                                      NULL, NULL, &ofpacts);
    if (!error) {
        struct ofpact_check_params cp = {
            .match = NULL, .max_ports = OFPP_MAX, .table_id = 0,
            .n_tables = 255,
        };
        struct match match;

        match_init_catchall(&match);
        cp.match = &match;
        ofpacts_check(ofpacts.data, ofpacts.size, &cp);

        /* Text, and back. */
        struct ds s = DS_EMPTY_INITIALIZER;
        struct ofpact_format_params fp = { .s = &s };
        ofpacts_format(ofpacts.data, ofpacts.size, &fp);

        struct ofpbuf back;
        enum ofputil_protocol usable;
        struct ofpact_parse_params pp = {
            .ofpacts = &back, .usable_protocols = &usable,
        };
        ofpbuf_init(&back, 0);
        char *perr = ofpacts_parse_actions(ds_cstr(&s), &pp);
        if (perr) {
            if (strstr(ds_cstr(&s), "roam_")) {
                /* A roam action the wire took but the text refuses. */
                __builtin_trap();
            }
            free(perr);
        }
        ofpbuf_uninit(&back);
        ds_destroy(&s);

        /* Wire, again. */
        struct ofpbuf out;
        ofpbuf_init(&out, 0);
        ofpacts_put_openflow_actions(ofpacts.data, ofpacts.size, &out,
                                     version);
        ofpbuf_uninit(&out);
    }
    ofpbuf_uninit(&ofpacts);
    ofpbuf_uninit(&in);
    return 0;
}
