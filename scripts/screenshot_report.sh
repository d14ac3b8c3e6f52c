#!/usr/bin/env bash
# Renders a run's report.html in headless Chromium and writes a PNG beside it, to look at the plots
# as a reader sees them. Installs Debian's chromium when it is missing.
# Usage: scripts/screenshot_report.sh [demo-run/report.html] [out.png] [height-in-pixels]
set -euo pipefail
report=${1:-demo-run/report.html}
out=${2:-${report%.html}.png}
height=${3:-4000}
[ -f "$report" ] || { echo "screenshot_report: $report does not exist (run make demo first)" >&2; exit 1; }
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium >/dev/null
  browser=$(command -v chromium)
fi
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1300,"$height" \
  --screenshot="$(realpath -m "$out")" "file://$(realpath "$report")" 2>/dev/null
echo "wrote $out"
