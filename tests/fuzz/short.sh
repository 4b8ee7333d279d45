# A short run of each libFuzzer harness (tools/fuzz, tests/fuzz/fuzz-*.c),
# built with clang's fuzzer, address and undefined-behaviour sanitizers:
# announce_classify(), the three actions' wire decoders and the datapath
# action parser.  Each runs 200,000 inputs, or 60 s, from its seeds; any
# crash, leak or sanitizer report fails the test.  The long runs are in
# docs/benchmarks.md.

fuzz_built() {
    if ! command -v clang >/dev/null; then
        echo "SKIP: needs clang (tools/install-deps)"
        exit 77
    fi
    # One build for the whole suite.
    if [ ! -x "$ROAM_BUILDDIR/tests/fuzz/fuzz-odp-parse" ] \
       || [ -n "$(find "$ROAM_SRCDIR/tests/fuzz" "$ROAM_SRCDIR/datapath-ext" \
                  "$ROAM_SRCDIR/lib/announce.c" -newer \
                  "$ROAM_BUILDDIR/tests/fuzz/fuzz-odp-parse" -name '*.[ch]' \
                  2>/dev/null | head -1)" ]; then
        check "$ROAM_SRCDIR/tools/fuzz" build
    fi
}

fuzz_short() {
    fuzz_built
    "$ROAM_SRCDIR/tools/fuzz" run "$1" 200000 60 | tee "$T/fuzz.out"
    check_contains "$(cat "$T/fuzz.out")" "crashes: 0"
}

test_announce() {
    fuzz_short announce
}

test_actions() {
    fuzz_short actions
}

test_odp_parse() {
    fuzz_short odp-parse
}
