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

/* libFuzzer harness: the datapath-action text parser
 * (odp_actions_from_string(), which "ovs-appctl dpctl/add-flow" uses), with
 * roam's roam_gate and roam_announce in it.  Inputs that do not start with
 * a roam action get one in front, so that most reach roam's parsers.
 * Whatever parses is formatted and parsed again: the text must round-trip
 * (roam_gate once wrote an empty nested list as "drop", which it did not
 * parse back), and formatting must not read past the action. */

#include <config.h>

#include <stdint.h>
#include <string.h>

#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    if (!init) {
        init = true;
        vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    }
    if (size < 1 || size > 8192) {
        return 0;
    }

    static const char *prefixes[] = {
        "roam_gate(id=", "roam_gate(id=0x5,", "roam_announce(", "",
    };
    const char *prefix = prefixes[data[0] % 4];
    char *s = xmalloc(strlen(prefix) + size);
    memcpy(s, prefix, strlen(prefix));
    memcpy(s + strlen(prefix), data + 1, size - 1);
    s[strlen(prefix) + size - 1] = '\0';

    struct ofpbuf actions;
    ofpbuf_init(&actions, 0);
    if (!odp_actions_from_string(s, NULL, &actions)) {
        struct ds ds = DS_EMPTY_INITIALIZER;
        struct ofpbuf again;

        format_odp_actions(&ds, actions.data, actions.size, NULL);
        ofpbuf_init(&again, 0);
        /* Open vSwitch's own formatter writes an empty nested list (of
         * clone(), check_pkt_len()) as "drop", which its parser does not
         * take back there: that is not roam's to check. */
        if (odp_actions_from_string(ds_cstr(&ds), NULL, &again)
            && strstr(ds_cstr(&ds), "roam_")
            && !strstr(ds_cstr(&ds), "drop")) {
            __builtin_trap();   /* roam's formatter wrote what its parser
                                 * refuses. */
        }
        ofpbuf_uninit(&again);
        ds_destroy(&ds);
    }
    ofpbuf_uninit(&actions);
    free(s);
    return 0;
}
