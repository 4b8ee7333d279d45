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

/* roamd: roam's agent.
 *
 * Thin main: options, connections, role selection and the one poll loop.
 * Each iteration runs the core modules (roamd/core: link_monitor, appctl,
 * fdbpin, chassis, bridges with one flowctl per bridge, libvirt_monitor),
 * fills a struct roamd_ctx, and hands it to the module of this host's role
 * (Host.role in the roam database; "hypervisor" is the role this roamd
 * runs: roamd/hypervisor), then commits each database's transaction and
 * sleeps in poll_block() until something happens. */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "db/chassis.h"
#include "db/migration.h"
#include "db/roam-idl.h"
#include "db/roamdb.h"
#include "roamd/core/appctl.h"
#include "roamd/core/bridges.h"
#include "roamd/core/context.h"
#include "roamd/core/fdbpin.h"
#include "roamd/core/heap.h"
#include "roamd/core/libvirt-monitor.h"
#include "roamd/core/link-monitor.h"
#include "roamd/core/pinctrl.h"
#include "roamd/edge/edge.h"
#include "roamd/edge/edge-config.h"
#include "roamd/gateway/gateway.h"
#include "roamd/hypervisor/hypervisor.h"
#include "roamd/hypervisor/vif.h"
#include "command-line.h"
#include "daemon.h"
#include "dirs.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "timeval.h"
#include "stream-ssl.h"
#include "stream.h"
#include "unixctl.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(roamd);

struct roamd {
    char *host_name;
    struct ovsdb_idl_loop ovs_loop;
    struct roamdb *db;
    struct ovsdb_idl_loop roam_loop;
    const struct roamrec_host *chassis;
    struct shash flowctls;      /* Bridge name -> struct flowctl *. */
    struct hypervisor *hypervisor;      /* The hypervisor role. */
    struct gateway *gateway;            /* The gateway role. */
    struct edge *edge;                  /* The client-edge role (then the
                                         * only one), or NULL. */
    bool runs_hypervisor;       /* This iteration runs the hypervisor... */
    bool runs_gateway;          /* ...or the gateway role. */
    struct link_monitor *links;
    struct libvirt_monitor *libvirt;    /* Or NULL, without --libvirt. */
    struct appctl *vswitchd;            /* ovs-vswitchd's control socket. */
    struct fdbpin *pins;
    struct pinctrl *pinctrl;
    long long int retention_ms;         /* --migration-retention. */
    long long int next_expiry;
    bool exiting;
};

static unixctl_cb_func roamd_exit;
static unixctl_cb_func roamd_status;
static unixctl_cb_func roamd_pins;
static bool roamd_runs_hypervisor(const struct roamd *);
static void roamd_libvirt_events(struct roamd *);

static void
usage(void)
{
    printf("%s: roam agent\n"
           "usage: %s [OPTIONS]\n"
           "\nOptions:\n"
           "  --db=REMOTE        roam database (default: %s)\n"
           "  --ovs-db=REMOTE    Open vSwitch database (default:\n"
           "                     unix:%s/db.sock)\n"
           "  --host=NAME        this host's name in the roam database\n"
           "                     (default: the system host name)\n"
           "  --unixctl=SOCKET   control socket (default: %s/roamd.PID.ctl)\n"
           "  --straggler-timeout=MS  how long a departed VM's receive rules\n"
           "                     point at the uplink (default 10000)\n"
           "  --activate-timeout=MS   how long an arriving VM may take to\n"
           "                     send its first frame, and a paused VM to\n"
           "                     resume elsewhere (default 10000)\n"
           "  --rescan-budget=PCT  at most this share of the time goes to\n"
           "                     re-reading flow tables for hand-added\n"
           "                     rules (default 5)\n"
           "  --buffer-packets=N how many frames to hold per arriving VM\n"
           "                     (default 4096)\n"
           "  --activation=switch|agent  who opens an arriving VM's gate on\n"
           "                     its first frame: the switch itself\n"
           "                     (default), or roamd (a baseline)\n"
           "  --libvirt[=URI]    follow libvirt's domain events, for the\n"
           "                     pause and resume notices (default URI\n"
           "                     qemu:///system)\n"
           "  --ovs-vswitchd=TARGET  ovs-vswitchd's control socket: a path,\n"
           "                     or a name in the Open vSwitch rundir, as\n"
           "                     ovs-appctl -t takes it (default\n"
           "                     ovs-vswitchd)\n"
           "  --migration-retention=MS  how long finished Migration rows\n"
           "                     stay (default 86400000, a day)\n"
           "  --role=client-edge  run as a client site's edge controller,\n"
           "                     with no roam database (other roles come\n"
           "                     from Host.role), configured by:\n"
           "  --edge-bridge=BRIDGE   the client site's switch (br-edge)\n"
           "  --edge-pair=VPN/VPN[=PREFIX]  two VPNs that reach the same\n"
           "                     subnet in two datacenters; a VPN is\n"
           "                     vlan:ID@PORT or vni:ID@PORT (repeatable)\n"
           "  --edge-client=PORT a client-facing port (repeatable)\n"
           "  --edge-gateway-mac=MAC  only frames from this MAC on a VPN\n"
           "                     teach or move an address\n"
           "  --edge-mode=controller|learn  who checks and flips: roamd\n"
           "                     (default) or the switch's learn actions\n"
           "  --edge-hold=MS     after a flip, a late packet from the old\n"
           "                     VPN does not flip back for MS (2000)\n"
           "  -h, --help         show this help\n"
           "  -V, --version      show the version\n",
           program_name, program_name, ROAMDB_DEFAULT_REMOTE, ovs_rundir(),
           ovs_rundir());
    daemon_usage();
    vlog_usage();
    stream_usage("--db", false, false, false);
}

/* What the command line sets. */
struct roamd_options {
    char *db_remote;
    char *ovs_remote;
    char *host_name;
    const char *unixctl_path;
    const char *libvirt_uri;            /* Or NULL, without --libvirt. */
    const char *vswitchd_target;
    long long int retention_ms;
    struct hypervisor_options hv;
    bool edge;                          /* --role=client-edge. */
    bool db_given;                      /* --db on the command line. */
    struct edge_config edge_config;
};

/* Returns the value of option 'name', 'arg', as a number from 'min' to
 * 'max', or exits with 'what' (what the option takes) if it is not one. */
static long long int
parse_number(const char *name, const char *arg, long long int min,
             long long int max, const char *what)
{
    long long int value;

    if (!str_to_llong(arg, 10, &value) || value < min || value > max) {
        ovs_fatal(0, "--%s takes %s", name, what);
    }
    return value;
}

/* roamd's long options. */
enum {
    OPT_DB = UCHAR_MAX + 1,
    OPT_OVS_DB,
    OPT_HOST,
    OPT_UNIXCTL,
    OPT_STRAGGLER,
    OPT_ACTIVATE,
    OPT_BUFFER,
    OPT_RESCAN_BUDGET,
    OPT_ACTIVATION,
    OPT_LIBVIRT,
    OPT_OVS_VSWITCHD,
    OPT_RETENTION,
    OPT_ROLE,
    OPT_EDGE_BRIDGE,
    OPT_EDGE_PAIR,
    OPT_EDGE_CLIENT,
    OPT_EDGE_GATEWAY_MAC,
    OPT_EDGE_MODE,
    OPT_EDGE_HOLD,
    DAEMON_OPTION_ENUMS,
    VLOG_OPTION_ENUMS,
    SSL_OPTION_ENUMS,
};
static const struct option long_options[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"ovs-db", required_argument, NULL, OPT_OVS_DB},
    {"host", required_argument, NULL, OPT_HOST},
    {"unixctl", required_argument, NULL, OPT_UNIXCTL},
    {"straggler-timeout", required_argument, NULL, OPT_STRAGGLER},
    {"activate-timeout", required_argument, NULL, OPT_ACTIVATE},
    {"buffer-packets", required_argument, NULL, OPT_BUFFER},
    {"rescan-budget", required_argument, NULL, OPT_RESCAN_BUDGET},
    {"activation", required_argument, NULL, OPT_ACTIVATION},
    {"libvirt", optional_argument, NULL, OPT_LIBVIRT},
    {"ovs-vswitchd", required_argument, NULL, OPT_OVS_VSWITCHD},
    {"migration-retention", required_argument, NULL, OPT_RETENTION},
    {"role", required_argument, NULL, OPT_ROLE},
    {"edge-bridge", required_argument, NULL, OPT_EDGE_BRIDGE},
    {"edge-pair", required_argument, NULL, OPT_EDGE_PAIR},
    {"edge-client", required_argument, NULL, OPT_EDGE_CLIENT},
    {"edge-gateway-mac", required_argument, NULL, OPT_EDGE_GATEWAY_MAC},
    {"edge-mode", required_argument, NULL, OPT_EDGE_MODE},
    {"edge-hold", required_argument, NULL, OPT_EDGE_HOLD},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    DAEMON_LONG_OPTIONS,
    VLOG_LONG_OPTIONS,
    STREAM_SSL_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

/* Exits with 'error', an --edge-* option's complaint, if there is one. */
static void
edge_option(char *error)
{
    if (error) {
        ovs_fatal(0, "%s", error);
    }
}

static void
parse_options(int argc, char *argv[], struct roamd_options *o)
{
    char *short_options = ovs_cmdl_long_options_to_short_options(
        long_options);
    int c;

    *o = (struct roamd_options) {
        .db_remote = xstrdup(ROAMDB_DEFAULT_REMOTE),
        .ovs_remote = xasprintf("unix:%s/db.sock", ovs_rundir()),
        .vswitchd_target = "ovs-vswitchd",
        .retention_ms = 24LL * 3600 * 1000,
        .hv = {
            .straggler_ms = 10000,
            .activate_ms = 10000,
            .buffer_packets = 4096,
            .rescan_budget = 5,
        },
    };
    edge_config_init(&o->edge_config);
    while ((c = getopt_long(argc, argv, short_options, long_options,
                            NULL)) != -1) {
        switch (c) {
        case OPT_DB:
            o->db_given = true;
            free(o->db_remote);
            o->db_remote = xstrdup(optarg);
            break;
        case OPT_OVS_DB:
            free(o->ovs_remote);
            o->ovs_remote = xstrdup(optarg);
            break;
        case OPT_HOST:
            free(o->host_name);
            o->host_name = xstrdup(optarg);
            break;
        case OPT_UNIXCTL:
            o->unixctl_path = optarg;
            break;
        case OPT_STRAGGLER:
            o->hv.straggler_ms = parse_number("straggler-timeout", optarg, 0,
                                              LLONG_MAX, "milliseconds");
            break;
        case OPT_ACTIVATE:
            o->hv.activate_ms = parse_number("activate-timeout", optarg, 1,
                                             LLONG_MAX, "milliseconds");
            break;
        case OPT_BUFFER:
            o->hv.buffer_packets = parse_number(
                "buffer-packets", optarg, 0, 1000000,
                "a number of frames from 0 to 1000000");
            break;
        case OPT_RESCAN_BUDGET:
            o->hv.rescan_budget = parse_number("rescan-budget", optarg, 1,
                                               100, "a percentage from 1 "
                                               "to 100");
            break;
        case OPT_ACTIVATION:
            if (strcmp(optarg, "agent") && strcmp(optarg, "switch")) {
                ovs_fatal(0, "--activation takes \"switch\" or \"agent\"");
            }
            o->hv.agent_activation = !strcmp(optarg, "agent");
            break;
        case OPT_LIBVIRT:
            o->libvirt_uri = optarg ? optarg : "qemu:///system";
            break;
        case OPT_OVS_VSWITCHD:
            o->vswitchd_target = optarg;
            break;
        case OPT_RETENTION:
            o->retention_ms = parse_number("migration-retention", optarg, 0,
                                           LLONG_MAX, "milliseconds");
            break;
        case OPT_ROLE:
            if (strcmp(optarg, "client-edge")) {
                ovs_fatal(0, "--role takes \"client-edge\" (the other "
                          "roles come from the host's row in the roam "
                          "database)");
            }
            o->edge = true;
            break;
        case OPT_EDGE_BRIDGE:
            free(o->edge_config.bridge);
            o->edge_config.bridge = xstrdup(optarg);
            break;
        case OPT_EDGE_PAIR:
            edge_option(edge_config_add_pair(&o->edge_config, optarg));
            break;
        case OPT_EDGE_CLIENT:
            edge_option(edge_config_add_client(&o->edge_config, optarg));
            break;
        case OPT_EDGE_GATEWAY_MAC:
            edge_option(edge_config_set_gateway_mac(&o->edge_config,
                                                    optarg));
            break;
        case OPT_EDGE_MODE:
            edge_option(edge_config_set_mode(&o->edge_config, optarg));
            break;
        case OPT_EDGE_HOLD:
            o->edge_config.hold_ms = parse_number("edge-hold", optarg, 0,
                                                  3600 * 1000,
                                                  "milliseconds, up to an "
                                                  "hour");
            break;
        case 'h':
            usage();
            exit(EXIT_SUCCESS);
        case 'V':
            ovs_print_version(0, 0);
            exit(EXIT_SUCCESS);
        DAEMON_OPTION_HANDLERS
        VLOG_OPTION_HANDLERS
        STREAM_SSL_OPTION_HANDLERS
        case '?':
            exit(EXIT_FAILURE);
        default:
            OVS_NOT_REACHED();
        }
    }
    free(short_options);
    if (optind != argc) {
        ovs_fatal(0, "no arguments expected (use --help for help)");
    }
    if (o->edge) {
        edge_option(edge_config_check(&o->edge_config));
    }
    if (!o->host_name) {
        char name[256];

        if (gethostname(name, sizeof name)) {
            ovs_fatal(errno, "gethostname failed; use --host");
        }
        name[sizeof name - 1] = '\0';
        o->host_name = xstrdup(name);
    }
}

/* One iteration of the loop: the core modules, then the role's. */
static void
roamd_run(struct roamd *roamd, struct unixctl_server *unixctl)
{
    struct ovsdb_idl *ovs_idl = roamd->ovs_loop.idl;
    struct ovsdb_idl *roam_idl = roamdb_idl(roamd->db);
    struct ovsdb_idl_txn *ovs_txn = ovsdb_idl_loop_run(&roamd->ovs_loop);
    struct ovsdb_idl_txn *roam_txn = ovsdb_idl_loop_run(&roamd->roam_loop);
    bool ovs_ready = ovsdb_idl_has_ever_connected(ovs_idl);

    roamd->chassis = (ovsdb_idl_has_ever_connected(roam_idl)
                      ? chassis_run(roam_idl, roam_txn, roamd->host_name)
                      : NULL);
    link_monitor_run(roamd->links);
    appctl_run(roamd->vswitchd);
    fdbpin_run(roamd->pins);
    roamd->runs_hypervisor = roamd_runs_hypervisor(roamd);
    roamd->runs_gateway = (roamd->chassis
                           && !strcmp(roamd->chassis->role, "gateway"));

    struct roamd_ctx ctx = {
        .ovs_idl = ovs_idl,
        .ovs_txn = ovs_txn,
        .db = roamd->db,
        .roam_idl = roam_idl,
        .roam_txn = roam_txn,
        .chassis = roamd->chassis,
        .flowctls = &roamd->flowctls,
        .links = roamd->links,
    };
    if (ovs_ready) {
        bridges_run(ovs_idl, ovs_txn, &roamd->flowctls);
        if (roamd->runs_hypervisor) {
            /* Pause notices first: they are what is timed. */
            hypervisor_run_notices(roamd->hypervisor);
        }
        if (roamd->libvirt) {
            libvirt_monitor_run(roamd->libvirt);
            roamd_libvirt_events(roamd);
        }
        pinctrl_run(roamd->pinctrl, &roamd->flowctls);
    }
    if (roamd->runs_hypervisor) {
        hypervisor_run(roamd->hypervisor, &ctx);
    }
    if (roamd->runs_gateway && ovs_ready) {
        gateway_run(roamd->gateway, &ctx);
    }
    if (ovs_ready) {
        /* Edits the role made go out in this iteration's bundle. */
        bridges_run(ovs_idl, NULL, &roamd->flowctls);
        if (roamd->runs_hypervisor) {
            hypervisor_run_notices(roamd->hypervisor);
        }
    }
    if (roam_txn && time_msec() >= roamd->next_expiry) {
        migration_expire(roam_idl, roam_txn, roamd->chassis,
                         roamd->retention_ms);
        roamd->next_expiry = (time_msec()
                              + MIN(10 * 1000,
                                    roamd->retention_ms / 2 + 100));
    }
    heap_run(roam_idl, &roamd->flowctls);
    unixctl_server_run(unixctl);
    ovsdb_idl_loop_commit_and_wait(&roamd->roam_loop);
    ovsdb_idl_loop_commit_and_wait(&roamd->ovs_loop);
}

/* One iteration of the client-edge role's loop: the Open vSwitch database,
 * the bridges and the role; no roam database. */
static void
roamd_run_edge(struct roamd *roamd, struct unixctl_server *unixctl)
{
    struct ovsdb_idl *ovs_idl = roamd->ovs_loop.idl;
    struct ovsdb_idl_txn *ovs_txn = ovsdb_idl_loop_run(&roamd->ovs_loop);

    if (ovsdb_idl_has_ever_connected(ovs_idl)) {
        struct roamd_ctx ctx = {
            .ovs_idl = ovs_idl,
            .ovs_txn = ovs_txn,
            .flowctls = &roamd->flowctls,
        };

        bridges_run(ovs_idl, ovs_txn, &roamd->flowctls);
        pinctrl_run(roamd->pinctrl, &roamd->flowctls);
        edge_run(roamd->edge, &ctx);
        bridges_run(ovs_idl, NULL, &roamd->flowctls);
    }
    unixctl_server_run(unixctl);
    ovsdb_idl_loop_commit_and_wait(&roamd->ovs_loop);
}

static void
roamd_wait(struct roamd *roamd, struct unixctl_server *unixctl)
{
    chassis_wait();
    heap_wait();
    bridges_wait(&roamd->flowctls);
    link_monitor_wait(roamd->links);
    appctl_wait(roamd->vswitchd);
    fdbpin_wait(roamd->pins);
    if (roamd->libvirt) {
        libvirt_monitor_wait(roamd->libvirt);
    }
    /* (Past, if the last pass had no transaction: then soon, not at
     * once.) */
    poll_timer_wait_until(MAX(roamd->next_expiry, time_msec() + 1000));
    if (roamd->runs_gateway) {
        gateway_wait(roamd->gateway);
    }
    if (roamd->runs_hypervisor) {
        hypervisor_wait(roamd->hypervisor);
    }
    unixctl_server_wait(unixctl);
    if (roamd->exiting) {
        poll_immediate_wake();
    }
}

int
main(int argc, char *argv[])
{
    struct unixctl_server *unixctl;
    struct roamd_options o;
    struct roamd roamd;
    int error;

    ovs_cmdl_proctitle_init(argc, argv);
    set_program_name(argv[0]);
    service_start(&argc, &argv);
    fatal_ignore_sigpipe();
    parse_options(argc, argv, &o);

    memset(&roamd, 0, sizeof roamd);
    roamd.host_name = o.host_name;
    daemonize_start(false);
    error = unixctl_server_create(o.unixctl_path, &unixctl);
    if (error) {
        ovs_fatal(error, "failed to create unixctl server");
    }
    unixctl_command_register("exit", "", 0, 0, roamd_exit, &roamd);
    unixctl_command_register("roamd/status", "", 0, 0, roamd_status,
                             &roamd);
    unixctl_command_register("roamd/pins", "", 0, 0, roamd_pins, &roamd);
    daemonize_complete();

    struct ovsdb_idl *ovs_idl = ovsdb_idl_create(o.ovs_remote,
                                                 &ovsrec_idl_class,
                                                 false, true);
    vif_register_ovs_idl(ovs_idl);
    gateway_register_ovs_idl(ovs_idl);
    bridges_register_ovs_idl(ovs_idl);
    roamd.ovs_loop = (struct ovsdb_idl_loop) OVSDB_IDL_LOOP_INITIALIZER(
        ovs_idl);
    shash_init(&roamd.flowctls);
    roamd.pinctrl = pinctrl_create();
    if (o.edge) {
        /* A client site's edge: no roam database, no other role. */
        if (o.db_given) {
            VLOG_INFO("--db is not used in the client-edge role");
        }
        roamd.edge = edge_create(&o.edge_config, roamd.pinctrl);
        VLOG_INFO("roamd for the client edge: Open vSwitch database %s",
                  o.ovs_remote);
        while (!roamd.exiting) {
            roamd_run_edge(&roamd, unixctl);
            bridges_wait(&roamd.flowctls);
            unixctl_server_wait(unixctl);
            if (roamd.exiting) {
                poll_immediate_wake();
            }
            poll_block();
            if (should_service_stop()) {
                roamd.exiting = true;
            }
        }
        edge_destroy(roamd.edge);
        goto exit;
    }
    roamd.db = roamdb_create(o.db_remote);
    roamd.roam_loop = (struct ovsdb_idl_loop) OVSDB_IDL_LOOP_INITIALIZER(
        roamdb_idl(roamd.db));
    roamd.vswitchd = appctl_create(o.vswitchd_target);
    roamd.pins = fdbpin_create(roamd.vswitchd);
    roamd.retention_ms = o.retention_ms;
    roamd.libvirt = (o.libvirt_uri ? libvirt_monitor_create(o.libvirt_uri)
                     : NULL);
    roamd.hypervisor = hypervisor_create(&o.hv, &roamd.flowctls,
                                         roamd.vswitchd, roamd.pins,
                                         roamd.pinctrl);
    roamd.gateway = gateway_create(o.hv.straggler_ms, roamd.pinctrl);
    roamd.links = link_monitor_create();

    VLOG_INFO("roamd for host %s: roam database %s, Open vSwitch database "
              "%s", roamd.host_name, o.db_remote, o.ovs_remote);
    while (!roamd.exiting) {
        roamd_run(&roamd, unixctl);
        roamd_wait(&roamd, unixctl);
        poll_block();
        if (should_service_stop()) {
            roamd.exiting = true;
        }
    }

    hypervisor_destroy(roamd.hypervisor);
    gateway_destroy(roamd.gateway);
    libvirt_monitor_destroy(roamd.libvirt);
    fdbpin_destroy(roamd.pins);
    appctl_destroy(roamd.vswitchd);
    link_monitor_destroy(roamd.links);
    roamd.roam_loop.idl = NULL;        /* roamdb_destroy() destroys it. */
    ovsdb_idl_loop_destroy(&roamd.roam_loop);
    roamdb_destroy(roamd.db);
exit:
    unixctl_server_destroy(unixctl);
    pinctrl_destroy(roamd.pinctrl);
    bridges_destroy(&roamd.flowctls);
    ovsdb_idl_loop_destroy(&roamd.ovs_loop);
    edge_config_destroy(&o.edge_config);
    service_stop();
    free(o.host_name);
    free(o.db_remote);
    free(o.ovs_remote);
    return 0;
}

static void
roamd_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
           const char *argv[] OVS_UNUSED, void *roamd_)
{
    struct roamd *roamd = roamd_;

    roamd->exiting = true;
    unixctl_command_reply(conn, NULL);
}

static void
roamd_status(struct unixctl_conn *conn, int argc OVS_UNUSED,
             const char *argv[] OVS_UNUSED, void *roamd_)
{
    struct roamd *roamd = roamd_;
    struct ds s = DS_EMPTY_INITIALIZER;

    if (roamd->edge) {
        ds_put_format(&s, "role: client-edge\nOpen vSwitch database: %s\n",
                      ovsdb_idl_is_connected(roamd->ovs_loop.idl)
                      ? "connected" : "not connected");
        unixctl_command_reply(conn, ds_cstr(&s));
        ds_destroy(&s);
        return;
    }
    ds_put_format(&s, "host: %s\n", roamd->host_name);
    ds_put_format(&s, "registered: %s\n", roamd->chassis ? "yes" : "no");
    ds_put_format(&s, "roam database: %s\n",
                  ovsdb_idl_is_connected(roamd->roam_loop.idl)
                  ? "connected" : "not connected");
    ds_put_format(&s, "Open vSwitch database: %s\n",
                  ovsdb_idl_is_connected(roamd->ovs_loop.idl)
                  ? "connected" : "not connected");
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
roamd_pins(struct unixctl_conn *conn, int argc OVS_UNUSED,
           const char *argv[] OVS_UNUSED, void *roamd_)
{
    struct roamd *roamd = roamd_;
    struct ds s = DS_EMPTY_INITIALIZER;

    fdbpin_list(roamd->pins, &s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* Hands libvirt's domain events to the role, for the VMs whose vm-id is
 * the domain's UUID, from this process's own replica: no database round
 * trip. */
static void
roamd_libvirt_events(struct roamd *roamd)
{
    struct libvirt_event ev;

    while (libvirt_monitor_next(roamd->libvirt, &ev)) {
        const struct roamrec_vm *vm;

        VLOG_INFO("libvirt: domain %s (%s) %s%s", ev.name, ev.uuid,
                  libvirt_event_type_name(ev.type),
                  ev.migrated ? " (migration)" : "");
        ROAMREC_VM_FOR_EACH (vm, roamd->roam_loop.idl) {
            if (vm->vm_id && !strcasecmp(vm->vm_id, ev.uuid)) {
                hypervisor_notice(roamd->hypervisor, vm->iface_id, &ev);
            }
        }
    }
}

/* Whether the hypervisor role's modules run: this host's role (Host.role)
 * is "hypervisor", or not known yet (they do nothing without the host's
 * row).  The gateway role runs on a "gateway"; the client-edge role is not
 * part of this roamd. */
static bool
roamd_runs_hypervisor(const struct roamd *roamd)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 60);

    if (!roamd->chassis || !strcmp(roamd->chassis->role, "hypervisor")) {
        return true;
    }
    if (strcmp(roamd->chassis->role, "gateway")) {
        VLOG_WARN_RL(&rl, "host %s has role \"%s\", which this roamd does "
                     "not run; it runs \"hypervisor\" and \"gateway\"",
                     roamd->host_name, roamd->chassis->role);
    }
    return false;
}
