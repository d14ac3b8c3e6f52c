#!/usr/bin/env bash
# Coverage-guided fuzzing of the SAC, safetensors, NPY and CSV readers and the live-stream packet parser with libFuzzer (`make fuzz`).
#
# Each harness in Fuzz/ is compiled together with SeismicIO's sources (swiftc -sanitize=fuzzer,address;
# SwiftPM cannot build a libFuzzer executable without breaking the normal `swift build`), seeded with
# the test fixtures, and run for FUZZ_SECONDS seconds (default 60). A crash input is written to
# .build/fuzz/crashes/<format>/; copy it to Tests/Fixtures/fuzz/<format>/ once fixed, where
# ReaderFuzzTests.fuzzerFindingsStayFixed replays it. Exits non-zero when any harness crashed.
#
#   FUZZ_SECONDS=600 make fuzz          FUZZ_TARGETS="sac npy" scripts/fuzz.sh
set -u
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
TARGETS=${FUZZ_TARGETS:-"sac safetensors npy csv packets"}
SWIFTC=${SWIFTC:-swiftc}
OUT=.build/fuzz
HDF5_CFLAGS=$(pkg-config --cflags hdf5 2>/dev/null || echo "-I/usr/include/hdf5/serial")
HDF5_LIBS=$(pkg-config --libs hdf5 2>/dev/null || echo "-L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5")
mkdir -p "$OUT"

harness() { case $1 in sac) echo FuzzSAC ;; safetensors) echo FuzzSafeTensors ;; npy) echo FuzzNPY ;; csv) echo FuzzCSV ;; packets) echo FuzzStreamPackets ;; esac; }

seed() {  # copies the seed corpus of format $1 into $2 (the fuzzer adds what it finds there)
    mkdir -p "$2"
    case $1 in
        sac) cp Tests/Fixtures/sac/*.sac Tests/Fixtures/sac/*.SAC Tests/Fixtures/sac/*.swap "$2"/ ;;
        safetensors) cp Tests/Fixtures/fuzz-seeds/safetensors/* "$2"/ ;;
        npy) find Tests/Fixtures -name '*.npy' -size -2k | head -60 | while read -r f; do cp "$f" "$2/$(echo "$f" | tr / _)"; done ;;
        csv) cp Tests/Fixtures/stead_mini/merged.csv "$2"/; printf 'a,b\n"x,1","y""z"\n' > "$2/quoted.csv" ;;
        packets) printf "{'EHZ', 1585265558.718, 16450, 16431, 16412}" > "$2/shake"; printf '1585265558.7,0.1,-0.2,9.8\n' > "$2/line" ;;
    esac
    [ -d "Tests/Fixtures/fuzz/$1" ] && cp Tests/Fixtures/fuzz/"$1"/* "$2"/ 2>/dev/null
    return 0
}

failed=0
for t in $TARGETS; do
    h=$(harness "$t")
    [ -n "$h" ] || { echo "unknown fuzz target $t (sac, safetensors, npy, csv, packets)"; exit 2; }
    echo "== building $OUT/fuzz-$t"
    # shellcheck disable=SC2046,SC2086
    $SWIFTC -parse-as-library -sanitize=fuzzer,address -O -module-name "SeismicIO$h" \
        -I Sources/CHDF5 -Xcc ${HDF5_CFLAGS} ${HDF5_LIBS} \
        $(find Sources/SeismicIO -name '*.swift' | sort) $([ "$t" = packets ] && echo Sources/SeismicTorch/Monitor/StreamPackets.swift) \
        "Fuzz/$h.swift" -o "$OUT/fuzz-$t" \
        2> >(grep -v "Cannot export local symbol" >&2) || { echo "building fuzz-$t failed"; exit 2; }
    corpus="$OUT/corpus/$t"
    seed "$t" "$corpus"
    mkdir -p "$OUT/crashes/$t"
    echo "== fuzzing $t for ${SECONDS_EACH} s (corpus $corpus)"
    if ! "$OUT/fuzz-$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$OUT/crashes/$t/" "$corpus" 2>"$OUT/$t.log"; then
        failed=1
        echo "!! fuzz-$t found a crash: $(ls -t "$OUT/crashes/$t" | head -1)"
        grep -E "ERROR|Fatal error|SUMMARY" "$OUT/$t.log" | head -5
    fi
    grep -E "stat::number_of_executed_units|stat::new_units_added|Done [0-9]+ runs" "$OUT/$t.log"
done
exit $failed
