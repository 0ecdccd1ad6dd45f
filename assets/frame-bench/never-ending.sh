#!/usr/bin/env bash
# Issue 13, part 3: a program that never ends (never_ending.py) left running live in the
# release app for 10 minutes in a virtual display. `--frame-stats` prints, every 30 s, the
# UI thread's frame work over the last 30 s, the process's resident memory and the run's
# event count; at the end the script presses nothing: it closes the window (SIGTERM).
# Usage: assets/frame-bench/never-ending.sh [path/to/threadline] [seconds]   (needs xvfb-run)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../target/release/threadline}
secs=${2:-600}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp   # a fresh profile: no remembered state
timeout --signal=TERM "$secs" env -u WAYLAND_DISPLAY xvfb-run -a -s "-screen 0 1280x800x24" \
    "$bin" --scenario "$here/never_ending.py" --run --frame-stats 100000000 || true
