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

#include "db/saved-rules.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "db/roam-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-flow.h"
#include "util.h"

/* Returns 'r' as one string of a VM's 'saved_rules' (malloc()'d).  A table
 * or cookie of 0 is left out, as ovs-ofctl leaves it out. */
char *
saved_rule_format(const struct saved_rule *r)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_format(&s, "%s ", r->direction);
    if (r->table_id) {
        ds_put_format(&s, "table=%"PRIu8",", r->table_id);
    }
    ds_put_format(&s, "priority=%"PRIu16",", r->priority);
    if (r->cookie) {
        ds_put_format(&s, "cookie=%#"PRIx64",", r->cookie);
    }
    if (r->match[0]) {
        ds_put_format(&s, "%s,", r->match);
    }
    ds_put_format(&s, "actions=%s", r->actions);
    return ds_steal_cstr(&s);
}

static int OVS_PRINTF_FORMAT(3, 4)
parse_error(const char *s, char **errorp, const char *format, ...)
{
    if (errorp) {
        va_list args;
        char *msg;

        va_start(args, format);
        msg = xvasprintf(format, args);
        va_end(args);
        *errorp = xasprintf("saved rule \"%s\": %s", s, msg);
        free(msg);
    }
    return EINVAL;
}

/* Parses 's', one string of a VM's 'saved_rules', into 'r', whose strings
 * the caller then owns (saved_rule_destroy()).  Returns 0, or EINVAL with
 * a malloc()'d message in '*errorp' (if nonnull), leaving 'r' empty.  Only
 * the rule's shape is checked here: whether its match and actions parse
 * is up to whoever installs it. */
int
saved_rule_parse(const char *s, struct saved_rule *r, char **errorp)
{
    unsigned int table, priority;
    const char *rest, *actions;
    uint64_t cookie;
    int n = 0;

    memset(r, 0, sizeof *r);
    if (!strncmp(s, "send ", 5)) {
        r->direction = "send";
        rest = s + 5;
    } else if (!strncmp(s, "receive ", 8)) {
        r->direction = "receive";
        rest = s + 8;
    } else {
        return parse_error(s, errorp, "must begin with \"send\" or "
                           "\"receive\"");
    }
    /* table=, priority= and cookie=, each optional, come first. */
    table = 0;
    priority = OFP_DEFAULT_PRIORITY;
    cookie = 0;
    for (;;) {
        n = 0;
        if (!(sscanf(rest, "table=%u%n", &table, &n) == 1
              || sscanf(rest, "priority=%u%n", &priority, &n) == 1
              || sscanf(rest, "cookie=%"SCNx64"%n", &cookie, &n) == 1)
            || !n) {
            break;
        }
        rest += n;
        if (*rest != ',') {
            return parse_error(s, errorp, "no \"actions=\"");
        }
        rest++;
    }
    if (table > 254 || priority > UINT16_MAX) {
        return parse_error(s, errorp, "table or priority out of range");
    }
    if (!strncmp(rest, "actions=", 8)) {
        r->match = xstrdup("");
        actions = rest + 8;
    } else if ((actions = strstr(rest, ",actions="))) {
        r->match = xmemdup0(rest, actions - rest);
        actions += 9;
    } else {
        return parse_error(s, errorp, "no \"actions=\"");
    }
    r->table_id = table;
    r->priority = priority;
    r->cookie = cookie;
    r->actions = xstrdup(actions);
    return 0;
}

void
saved_rule_destroy(struct saved_rule *r)
{
    if (r) {
        free(r->match);
        free(r->actions);
        r->match = r->actions = NULL;
    }
}

/* How many rules 'vm' has saved, in either encoding (see above). */
size_t
saved_rules_count(const struct roamrec_vm *vm)
{
    return vm->n_saved_rules ? vm->n_saved_rules : vm->n_rules;
}

/* Stores 'vm''s 'i'th saved rule in 'r' (saved_rule_parse()).  Returns 0,
 * or EINVAL with a malloc()'d message in '*errorp' (if nonnull) for a bad
 * database row. */
int
saved_rules_get(const struct roamrec_vm *vm, size_t i, struct saved_rule *r,
                char **errorp)
{
    const struct roamrec_rule *row;

    if (vm->n_saved_rules) {
        return saved_rule_parse(vm->saved_rules[i], r, errorp);
    }
    row = vm->rules[i];
    memset(r, 0, sizeof *r);
    if (strcmp(row->direction, "send") && strcmp(row->direction, "receive")) {
        return parse_error(row->match, errorp, "bad direction");
    }
    r->direction = !strcmp(row->direction, "send") ? "send" : "receive";
    r->table_id = row->table_id;
    r->priority = row->priority;
    r->cookie = (uint64_t) row->cookie;
    r->match = xstrdup(row->match);
    r->actions = xstrdup(row->actions);
    return 0;
}

/* Returns 'vm''s 'i'th saved rule as the database holds it (for a rule of
 * the Rule table, its match). */
const char *
saved_rules_text(const struct roamrec_vm *vm, size_t i)
{
    return vm->n_saved_rules ? vm->saved_rules[i] : vm->rules[i]->match;
}
