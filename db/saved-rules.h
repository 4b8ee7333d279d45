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

#ifndef ROAM_SAVED_RULES_H
#define ROAM_SAVED_RULES_H 1

/* A VM's saved rules in the roam database, in logical form (S2.1).
 *
 * Each rule is one string of the VM's 'saved_rules' column:
 *
 *     DIRECTION [table=T,]priority=P,[cookie=C,][MATCH,]actions=ACTIONS
 *
 * DIRECTION is "send" or "receive"; the rest is the flow in ovs-ofctl
 * syntax, with the VM's port written "$vm_port" (rules.h).  Table and
 * cookie are left out when 0.  One string per
 * rule keeps the database's copy of a rule, and every replica of it, small:
 * a rule costs one string in a set, not a row of seven columns.
 *
 * Databases written by roam 1.2 and earlier hold a VM's rules as rows of
 * the Rule table, which the VM's 'rules' column names.  Those are read
 * here in the same form, while 'saved_rules' is empty; roamd writes
 * 'saved_rules' and clears 'rules' the next time it saves the VM's rules. */

#include <stddef.h>
#include <stdint.h>

struct roamrec_vm;

struct saved_rule {
    const char *direction;      /* "send" or "receive". */
    uint8_t table_id;
    uint16_t priority;
    uint64_t cookie;
    char *match;                /* Logical form, possibly empty. */
    char *actions;
};

char *saved_rule_format(const struct saved_rule *);
int saved_rule_parse(const char *, struct saved_rule *, char **errorp);
void saved_rule_destroy(struct saved_rule *);

size_t saved_rules_count(const struct roamrec_vm *);
int saved_rules_get(const struct roamrec_vm *, size_t i,
                    struct saved_rule *, char **errorp);
const char *saved_rules_text(const struct roamrec_vm *, size_t i);

#endif /* saved-rules.h */
