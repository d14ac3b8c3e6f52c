#!/usr/bin/env bash
# Coverage-guided fuzzing of the SAC, safetensors, NPY, CSV and HDF5 readers, the live-stream packet
# parser and the ONNX import with libFuzzer (`make fuzz`).
#
# Each harness in Fuzz/ is compiled together with SeismicIO's sources (swiftc -sanitize=fuzzer,address;
# SwiftPM cannot build a libFuzzer executable without breaking the normal `swift build`), seeded with
# the test fixtures, and run for FUZZ_SECONDS seconds (default 60). A crash input is written to
# .build/fuzz/crashes/<format>/; copy it to Tests/Fixtures/fuzz/<format>/ once fixed, where
# ReaderFuzzTests.fuzzerFindingsStayFixed (ONNX: ONNXImportValidationTests.fuzzerFindingsStayFixed)
# replays it. Exits non-zero when any harness crashed.
#
# hdf5: HDF5File (SeismicIO) read as a prepared dataset is read; the dataset rules themselves are in
#   SeismicTorch (PreparedDataset.load) and not in this target. libhdf5 is not instrumented.
# onnx: ONNXImport with the protobuf decoding: SwiftProtobuf is compiled as its own instrumented module
#   (from .build/checkouts, `swift package resolve` fetches it), and the SeismicIO, SeismicNN and
#   SeismicONNX sources with the SeismicTorch files the import needs as one module; empty modules of
#   those names let their `import` lines resolve. The C kernels are compiled with AddressSanitizer.
#
#   FUZZ_SECONDS=600 make fuzz          FUZZ_TARGETS="sac npy" scripts/fuzz.sh
#   FUZZ_BUILD=only scripts/fuzz.sh     (compile the harnesses; FUZZ_BUILD=skip runs the ones built)
set -u
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
TARGETS=${FUZZ_TARGETS:-"sac mseed safetensors npy csv packets hdf5 onnx"}
CLANG=${CLANG:-clang}
BUILD=${FUZZ_BUILD:-yes}
# The Swift runtime's backtracer reads the stack in ways AddressSanitizer reports after a fatalError.
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}
SWIFTC=${SWIFTC:-swiftc}
OUT=.build/fuzz
HDF5_CFLAGS=$(pkg-config --cflags hdf5 2>/dev/null || echo "-I/usr/include/hdf5/serial")
HDF5_LIBS=$(pkg-config --libs hdf5 2>/dev/null || echo "-L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5")
mkdir -p "$OUT"

harness() { case $1 in sac) echo FuzzSAC ;; mseed) echo FuzzMiniSEED ;; safetensors) echo FuzzSafeTensors ;; npy) echo FuzzNPY ;; csv) echo FuzzCSV ;; packets) echo FuzzStreamPackets ;; hdf5) echo FuzzHDF5 ;; onnx) echo FuzzONNX ;; esac; }

seed() {  # copies the seed corpus of format $1 into $2 (the fuzzer adds what it finds there)
    mkdir -p "$2"
    case $1 in
        sac) cp Tests/Fixtures/sac/*.sac Tests/Fixtures/sac/*.SAC Tests/Fixtures/sac/*.swap "$2"/ ;;
        mseed) cp Tests/Fixtures/fuzz-seeds/mseed/* "$2"/ ;;
        safetensors) cp Tests/Fixtures/fuzz-seeds/safetensors/* "$2"/ ;;
        npy) find Tests/Fixtures -name '*.npy' -size -2k | head -60 | while read -r f; do cp "$f" "$2/$(echo "$f" | tr / _)"; done ;;
        csv) cp Tests/Fixtures/stead_mini/merged.csv "$2"/; printf 'a,b\n"x,1","y""z"\n' > "$2/quoted.csv" ;;
        hdf5) cp Tests/Fixtures/fuzz-seeds/hdf5/*.h5 Tests/Fixtures/hdf5/*.h5 "$2"/ ;;
        onnx) cp Tests/Fixtures/fuzz-seeds/onnx/*.onnx "$2"/ ;;
        packets) printf "{'EHZ', 1585265558.718, 16450, 16431, 16412}" > "$2/shake"; printf '1585265558.7,0.1,-0.2,9.8\n' > "$2/line" ;;
    esac
    [ -d "Tests/Fixtures/fuzz/$1" ] && cp Tests/Fixtures/fuzz/"$1"/* "$2"/ 2>/dev/null
    return 0
}

# The ONNX import target (see the top): SwiftProtobuf, then the import with what it needs as one module.
build_onnx() {
    local mod="$OUT/onnx-modules" protobuf=.build/checkouts/swift-protobuf/Sources/SwiftProtobuf
    [ -d "$protobuf" ] || swift package resolve >/dev/null || return 1
    mkdir -p "$mod/CSeismicKernels" "$mod/kernels"
    # Compiled once (minutes); `rm -rf .build/fuzz/onnx-modules` after swift-protobuf is updated.
    # shellcheck disable=SC2046
    [ -f "$mod/SwiftProtobuf.o" ] || $SWIFTC -parse-as-library -sanitize=fuzzer,address -O -wmo -module-name SwiftProtobuf \
        -package-name swift_protobuf -c -emit-module -emit-module-path "$mod/SwiftProtobuf.swiftmodule" \
        $(find "$protobuf" -name '*.swift' | sort) -o "$mod/SwiftProtobuf.o" || return 1
    for m in SeismicIO SeismicNN SeismicONNX; do
        : > "$mod/$m.swift"
        $SWIFTC -parse-as-library -module-name "$m" -emit-module -emit-module-path "$mod/$m.swiftmodule" "$mod/$m.swift" || return 1
    done
    printf 'module CSeismicKernels {\n    umbrella "%s"\n    export *\n}\n' "$PWD/Sources/CSeismicKernels/include" > "$mod/CSeismicKernels/module.modulemap"
    for c in Sources/CSeismicKernels/*.c; do
        $CLANG -O3 -ffp-contract=fast -fsanitize=address -fPIC -I Sources/CSeismicKernels/include -c "$c" \
            -o "$mod/kernels/$(basename "$c" .c).o" || return 1
    done
    # shellcheck disable=SC2046,SC2086
    $SWIFTC -parse-as-library -sanitize=fuzzer,address -O -module-name SeismicFuzzONNX -I "$mod" \
        -I Sources/CHDF5 -I Sources/CMiniSEED -I Sources/CBLAS -lmseed -Xcc -fmodule-map-file="$mod/CSeismicKernels/module.modulemap" -Xcc ${HDF5_CFLAGS} ${HDF5_LIBS} \
        $(find Sources/SeismicIO Sources/SeismicNN -name '*.swift' | sort) Sources/SeismicONNX/onnx.pb.swift \
        Sources/SeismicTorch/Export/ONNXImport.swift Sources/SeismicTorch/Export/ONNXTensorData.swift \
        Sources/SeismicTorch/Models/ConvNet.swift Sources/SeismicTorch/Models/ModelCard.swift \
        Sources/SeismicTorch/Models/ModelCardValidation.swift Sources/SeismicTorch/Models/ModelOutputError.swift \
        Sources/SeismicTorch/Models/Checkpoint.swift Sources/SeismicTorch/Array+Safe.swift "$mod/SwiftProtobuf.o" "$mod"/kernels/*.o \
        Fuzz/FuzzONNX.swift -o "$OUT/fuzz-onnx"
}

failed=0
for t in $TARGETS; do
    h=$(harness "$t")
    [ -n "$h" ] || { echo "unknown fuzz target $t (sac, mseed, safetensors, npy, csv, packets, hdf5, onnx)"; exit 2; }
    if [ "$BUILD" != skip ]; then
        echo "== building $OUT/fuzz-$t"
        if [ "$t" = onnx ]; then
            build_onnx 2> >(grep -v "Cannot export local symbol" >&2) || { echo "building fuzz-$t failed"; exit 2; }
        else
            # shellcheck disable=SC2046,SC2086
            $SWIFTC -parse-as-library -sanitize=fuzzer,address -O -module-name "SeismicIO$h" \
                -I Sources/CHDF5 -I Sources/CMiniSEED -Xcc ${HDF5_CFLAGS} ${HDF5_LIBS} -lmseed \
                $(find Sources/SeismicIO -name '*.swift' | sort) $([ "$t" = packets ] && echo Sources/SeismicTorch/Monitor/StreamPackets.swift) \
                "Fuzz/$h.swift" -o "$OUT/fuzz-$t" \
                2> >(grep -v "Cannot export local symbol" >&2) || { echo "building fuzz-$t failed"; exit 2; }
        fi
    fi
    [ "$BUILD" = only ] && continue
    corpus="$OUT/corpus/$t"
    seed "$t" "$corpus"
    mkdir -p "$OUT/crashes/$t"
    echo "== fuzzing $t for ${SECONDS_EACH} s (corpus $corpus)"
    # libhdf5 1.10.8 allocates sizes read from the file (H5C_protect loading an object header of
    # 0x1a1a1a1a1a1a1a1a bytes, Tests/Fixtures/fuzz/hdf5/): glibc's malloc returns NULL, libhdf5
    # fails the call and we throw, so the fuzzer's allocator does the same; and that error path
    # leaks 56 bytes inside libhdf5 (H5FL_blk_malloc), so leak detection is off for this target.
    # A huge allocation by our Swift code still traps, as it would outside the fuzzer.
    extra=()
    # libhdf5 1.10.8 has memory-safety bugs of its own on corrupt attribute messages
    # (Tests/Fixtures/fuzz-libhdf5-unfixed/): the hdf5 target keeps fuzzing past crashes (fork mode)
    # and sorts each one afterwards by the first frame outside the sanitizer runtime: inside
    # libhdf5 is upstream's (reported, not a failure), anywhere else is ours (a failure).
    [ "$t" = hdf5 ] && extra=(-detect_leaks=0 -fork=1 -ignore_crashes=1)
    asan=${ASAN_OPTIONS:-$([ "$t" = hdf5 ] && echo allocator_may_return_null=1:detect_leaks=0)}
    before=$(ls "$OUT/crashes/$t" | sort)
    # (hdf5: fork mode exits non-zero after any crash; its crashes are sorted below instead.)
    if ! ASAN_OPTIONS=$asan "$OUT/fuzz-$t" "${extra[@]}" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$OUT/crashes/$t/" "$corpus" 2>"$OUT/$t.log" && [ "$t" != hdf5 ]; then
        failed=1
        echo "!! fuzz-$t found a crash: $(ls -t "$OUT/crashes/$t" | head -1)"
        grep -E "ERROR|Fatal error|SUMMARY" "$OUT/$t.log" | head -5
    fi
    if [ "$t" = hdf5 ]; then
        upstream=0
        for f in $(comm -13 <(echo "$before") <(ls "$OUT/crashes/$t" | sort)); do
            frame=$(ASAN_OPTIONS=$asan "$OUT/fuzz-$t" -detect_leaks=0 -runs=1 "$OUT/crashes/$t/$f" 2>&1 \
                | grep -E '^ +#[0-9]+ ' | grep -v -E 'libclang_rt|__asan|__interceptor|compiler-rt|sanitizer_common' | head -1)
            if [[ "$frame" == *libhdf5* ]]; then upstream=$((upstream + 1)); mv "$OUT/crashes/$t/$f" "$OUT/crashes/$t/libhdf5-$f"
            else failed=1; echo "!! fuzz-hdf5: a crash outside libhdf5: $OUT/crashes/$t/$f ($frame)"; fi
        done
        echo "fuzz-hdf5: $upstream crashes inside libhdf5 itself (upstream bugs, see Tests/Fixtures/fuzz-libhdf5-unfixed/README.md)"
    fi
    grep -E "stat::number_of_executed_units|stat::new_units_added|Done [0-9]+ runs" "$OUT/$t.log"
done
exit $failed
