#!/usr/bin/env bash
# bench_seedlink.sh STATIONS SECONDS [STATUS_EVERY]: `seismic monitor` against a live SeedLink
# server on loopback (seismic-bench seedlink-server: STATIONS stations × 3 channels at 100 Hz,
# records released in real time). Prints the monitor's status lines (latency median and 99th
# percentile from the record that completes a window to its classification, resident memory,
# CPU) and the CPU per station. The server speaks SeedLink 3.1 and 4.0; the monitor takes 4.0
# unless PROTOCOL=3.1. Build first: swift build -c release --product seismic --product seismic-bench
set -euo pipefail
stations=${1:-20}
seconds=${2:-120}
every=${3:-60}
bin=${BIN:-.build/release}
out=$(mktemp -d)
trap 'rm -rf "$out"; kill $server 2>/dev/null || true' EXIT
"$bin/seismic-bench" seedlink-server "$stations" "$((seconds + 30))" > "$out/server.log" &
server=$!
for _ in $(seq 100); do grep -q '^port' "$out/server.log" 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^port/ {print $2; exit}' "$out/server.log")
streams=$(for ((s = 0; s < stations; s++)); do printf 'XX_S%03d:HN?,' "$s"; done)
streams=${streams%,}
# Ctrl-C after SECONDS: the monitor classifies what is complete and prints its summary.
timeout -s INT "$seconds" "$bin/seismic" monitor --model earthquake-real \
    --source "seedlink://127.0.0.1:$port?streams=$streams${PROTOCOL:+&protocol=$PROTOCOL}" --units m/s2 --sensitivity 400000 \
    --status-every "$every" > "$out/monitor.out" 2> "$out/monitor.err" || true
grep -E 'status after|session of' "$out/monitor.err" | sed -E 's/; SeedLink[^:]*:.*; resident/; … resident/'
cpu=$(grep 'session of' "$out/monitor.err" | sed -E 's/.*CPU ([0-9.]+) s.*/\1/')
echo "stations $stations, $seconds s: CPU $cpu s, $(awk -v c="$cpu" -v s="$seconds" -v n="$stations" 'BEGIN { printf "%.2f %% of a core per station", 100 * c / s / n }'); $(grep -c . "$out/monitor.out" || true) output lines"
