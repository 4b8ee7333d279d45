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

/* test-release: forces the interleaving in which a host releases a VM from
 * a stale view of the roam database while another host claims it, for
 * tests/agent/release.sh.
 *
 * Usage: test-release ROAM_DB OVS_DB HOST < COMMANDS
 *
 * It runs roamd/hypervisor/vif.c as HOST's roamd would, but lets the test decide when
 * each database connection catches up:
 *   sync      catch both replicas up, run vif, commit; prints the status
 *   stale     catch up only the Open vSwitch replica (so the roam replica
 *             misses whatever changed meanwhile), run vif, commit; prints
 *             the status ("success", "try again", ...) */

#include <config.h>

#include <stdio.h>
#include <string.h>

#include "db/chassis.h"
#include "db/roamdb.h"
#include "roamd/core/context.h"
#include "roamd/core/link-monitor.h"
#include "db/roam-idl.h"
#include "roamd/hypervisor/vif.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"
#include "vswitch-idl.h"

/* Runs 'idl' until it has caught up with its server. */
static void
catch_up(struct ovsdb_idl *idl)
{
    long long int deadline = time_msec() + 10000;
    unsigned int seqno;

    /* Wait for the initial contents, then for a moment of quiet. */
    do {
        seqno = ovsdb_idl_get_seqno(idl);
        ovsdb_idl_run(idl);
        ovsdb_idl_wait(idl);
        poll_timer_wait(200);
        poll_block();
        ovsdb_idl_run(idl);
    } while ((seqno != ovsdb_idl_get_seqno(idl)
              || !ovsdb_idl_has_ever_connected(idl))
             && time_msec() < deadline);
}

static void
step(struct ovsdb_idl *ovs_idl, struct roamdb *db, const char *host,
     struct link_monitor *lm)
{
    struct ovsdb_idl *roam_idl = roamdb_idl(db);
    struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(roam_idl);
    const struct roamrec_host *chassis = chassis_run(roam_idl, NULL, host);
    struct sset activated = SSET_INITIALIZER(&activated);
    enum ovsdb_idl_txn_status status;
    struct vif_table vifs;
    struct roamd_ctx ctx = {
        .ovs_idl = ovs_idl,
        .db = db,
        .roam_idl = roam_idl,
        .roam_txn = txn,
        .chassis = chassis,
        .links = lm,
    };

    vif_table_init(&vifs);
    vif_table_build(&vifs, &ctx);
    vif_run(&ctx, &vifs, &activated);
    vif_table_destroy(&vifs);
    status = ovsdb_idl_txn_commit_block(txn);
    printf("%s\n", ovsdb_idl_txn_status_to_string(status));
    ovsdb_idl_txn_destroy(txn);
    sset_destroy(&activated);
}

int
main(int argc, char *argv[])
{
    struct ovsdb_idl *ovs_idl, *roam_idl;
    struct roamdb *db;
    struct link_monitor *lm;
    char line[256];

    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    if (argc != 4) {
        ovs_fatal(0, "usage: %s ROAM_DB OVS_DB HOST < COMMANDS", argv[0]);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    db = roamdb_create(argv[1]);
    roam_idl = roamdb_idl(db);
    ovs_idl = ovsdb_idl_create(argv[2], &ovsrec_idl_class, false, true);
    vif_register_ovs_idl(ovs_idl);
    lm = link_monitor_create();

    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strcmp(line, "sync")) {
            catch_up(ovs_idl);
            catch_up(roam_idl);
            step(ovs_idl, db, argv[3], lm);
        } else if (!strcmp(line, "stale")) {
            catch_up(ovs_idl);
            step(ovs_idl, db, argv[3], lm);
        } else if (line[0]) {
            printf("unknown command %s\n", line);
        }
    }
    link_monitor_destroy(lm);
    ovsdb_idl_destroy(ovs_idl);
    roamdb_destroy(db);
    return 0;
}
