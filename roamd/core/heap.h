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

#ifndef ROAM_HEAP_H
#define ROAM_HEAP_H 1

/* heap: roamd's memory, reported and given back.
 *
 * A VM's arrival reads thousands of rules from the database and the switch
 * at once, and the buffers that held them are freed right after; the
 * allocator keeps such freed memory mapped.  heap_run() gives it back to
 * the kernel (glibc's malloc_trim(), or jemalloc's "arena.<all>.purge"
 * when roamd runs on jemalloc, as it does when Open vSwitch was linked
 * with it) when, at a check at most once a second after roamd did some
 * work, more than 1 MB of the heap is free, as ovsdb-server's
 * --memory-trim-on-compaction does after a compaction.
 *
 * It also feeds Open vSwitch's memory module: "memory/show" over unixctl,
 * and a log line whenever roamd's memory grows, with what roamd holds
 * (database cells, desired, installed and viewed flows, and heap bytes in
 * use). */

struct ovsdb_idl;
struct shash;

void heap_run(struct ovsdb_idl *roam_idl, const struct shash *flowctls);
void heap_wait(void);

#endif /* heap.h */
