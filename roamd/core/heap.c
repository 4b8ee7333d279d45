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

#include "roamd/core/heap.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>

#include "coverage.h"
#include "memory.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "roamd/core/flowctl.h"
#include "simap.h"
#include "timeval.h"

VLOG_DEFINE_THIS_MODULE(heap);

/* mallinfo2() is glibc's, from 2.33; malloc_trim() is checked for by Open
 * vSwitch's configure (its config.h is ours). */
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 33)
#define HAVE_MALLINFO2 1
#else
#define HAVE_MALLINFO2 0
#endif
#ifndef HAVE_DECL_MALLOC_TRIM
#define HAVE_DECL_MALLOC_TRIM 0
#endif

COVERAGE_DEFINE(heap_trim);

/* Open vSwitch, and roamd with it, may be linked with jemalloc
 * (tools/ovs-build).  glibc's mallinfo2() and malloc_trim() then see only
 * glibc's own heap, which nothing uses: ask jemalloc instead, through its
 * mallctl(), looked up at run time so that either allocator works. */
typedef int mallctl_func(const char *name, void *oldp, size_t *oldlenp,
                         void *newp, size_t newlen);
#define JE_ARENAS_ALL "4096"    /* jemalloc's MALLCTL_ARENAS_ALL. */

static mallctl_func *
je_mallctl(void)
{
    static bool looked_up;
    static mallctl_func *mallctl;

    if (!looked_up) {
        looked_up = true;
        mallctl = (mallctl_func *) dlsym(RTLD_DEFAULT, "mallctl");
    }
    return mallctl;
}

/* Reads jemalloc's size_t statistic 'name' into '*value', with 'refresh'
 * after refreshing its statistics (which are otherwise as of the last
 * refresh).  Returns 0 or a positive errno value. */
static int
je_stat(mallctl_func *mallctl, const char *name, bool refresh,
        size_t *value)
{
    uint64_t epoch = 1;
    size_t len = sizeof epoch;

    if (refresh && mallctl("epoch", &epoch, &len, &epoch, len)) {
        return EINVAL;
    }
    len = sizeof *value;
    return mallctl(name, value, &len, NULL, 0) ? EINVAL : 0;
}

#define HEAP_CHECK_MS 1000
#define HEAP_TRIM_MIN (1024 * 1024)

static long long int next_check;
static bool busy;               /* The loop ran since the last check. */

/* Gives free heap back to the kernel if there is much of it. */
static void
heap_trim(void)
{
    mallctl_func *mallctl = je_mallctl();
    if (mallctl) {
        size_t dirty, page;

        /* Pages freed but still mapped, given back at once rather than
         * after jemalloc's own decay time. */
        if (!je_stat(mallctl, "stats.arenas." JE_ARENAS_ALL ".pdirty", true,
                     &dirty)
            && !je_stat(mallctl, "arenas.page", false, &page)
            && dirty * page > HEAP_TRIM_MIN
            && !mallctl("arena." JE_ARENAS_ALL ".purge", NULL, NULL, NULL,
                        0)) {
            COVERAGE_INC(heap_trim);
            VLOG_DBG("gave back free heap (%zu kB)", dirty * page / 1024);
        }
        return;
    }
#if HAVE_MALLINFO2 && HAVE_DECL_MALLOC_TRIM
    struct mallinfo2 mi = mallinfo2();

    if (mi.fordblks > HEAP_TRIM_MIN) {
        COVERAGE_INC(heap_trim);
        malloc_trim(0);
        VLOG_DBG("gave back free heap (%zu kB free, %zu kB in use)",
                 mi.fordblks / 1024, mi.uordblks / 1024);
    }
#endif
}

static void
heap_report(struct ovsdb_idl *roam_idl, const struct shash *flowctls)
{
    struct simap usage = SIMAP_INITIALIZER(&usage);
    struct shash_node *node;

    if (roam_idl) {
        ovsdb_idl_get_memory_usage(roam_idl, &usage);
    }
    SHASH_FOR_EACH (node, flowctls) {
        flowctl_get_memory_usage(node->data, &usage);
    }
    mallctl_func *mallctl = je_mallctl();
    size_t allocated;
    if (mallctl) {
        if (!je_stat(mallctl, "stats.allocated", true, &allocated)) {
            simap_increase(&usage, "heap-in-use-kB", allocated / 1024);
        }
    } else {
#if HAVE_MALLINFO2
        struct mallinfo2 mi = mallinfo2();

        /* Small blocks in the heap, and large ones mapped on their own. */
        simap_increase(&usage, "heap-in-use-kB",
                       (mi.uordblks + mi.hblkhd) / 1024);
#endif
    }
    memory_report(&usage);
    simap_destroy(&usage);
}

/* Trims and reports roamd's memory (see heap.h).  'roam_idl' may be
 * NULL. */
void
heap_run(struct ovsdb_idl *roam_idl, const struct shash *flowctls)
{
    memory_run();
    if (memory_should_report()) {
        heap_report(roam_idl, flowctls);
    }
    if (time_msec() >= next_check) {
        heap_trim();
        next_check = time_msec() + HEAP_CHECK_MS;
        busy = false;
    } else {
        busy = true;
    }
}

void
heap_wait(void)
{
    memory_wait();
    /* Work since the last check may have freed memory: check once more
     * after it.  An idle roamd is not woken. */
    if (busy) {
        poll_timer_wait_until(next_check);
    }
}
