# Benchmarks: each prints ratios against a baseline measured in the same run.
noinst_PROGRAMS += bench/bench-actions
bench_bench_actions_SOURCES = bench/bench-actions.c
bench_bench_actions_CPPFLAGS = $(AM_CPPFLAGS) $(OVS_CPPFLAGS)
bench_bench_actions_CFLAGS = $(AM_CFLAGS) -Wno-missing-field-initializers
bench_bench_actions_LDADD = $(OVS_LIBS)

noinst_PROGRAMS += bench/frame-blast
bench_frame_blast_SOURCES = bench/frame-blast.c bench/frame.h
bench_frame_blast_LDADD = lib/libroam.la

noinst_PROGRAMS += bench/frame-pace
bench_frame_pace_SOURCES = bench/frame-pace.c bench/frame.h
bench_frame_pace_LDADD = lib/libroam.la

EXTRA_DIST += \
	bench/edge-trial.py \
	bench/run-bench-actions \
	bench/run-bench-edge \
	bench/run-bench-datapath \
	bench/run-bench-handover \
	bench/run-bench-gateway \
	bench/run-bench-idle \
	bench/run-bench-propagation \
	bench/run-bench-switchover \
	bench/trace-switchover
