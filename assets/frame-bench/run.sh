#!/usr/bin/env bash
# Frame-time figures for the README (issue 11, part 5): the release app in a virtual
# display, measuring the UI thread's work per frame (`--frame-stats N`) in three cases:
#   1. 256 threads on a semaphore, running live;
#   2. a replay of a ~1 M-event trace, zoomed out (the whole run on screen), and of a
#      10 M-event one zoomed out and zoomed in;
#   3. the code panel on a 2 000-line file.
# Usage: assets/frame-bench/run.sh [path/to/threadline]   (needs xvfb-run)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../target/release/threadline}
frames=${FRAMES:-300}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp   # a fresh profile: no remembered state
x() { env -u WAYLAND_DISPLAY xvfb-run -a -s "-screen 0 1280x800x24" "$@"; }

echo "== 256 threads on a semaphore, live"
x "$bin" --scenario "$here/semaphore_256.py" --run --frame-stats "$frames"

echo "== replay of a 1 M-event trace, zoomed out"
"$bin" run "$here/million_events.py" --out "$tmp/million.json" >/dev/null
"$bin" summarize "$tmp/million.json" --json | grep '"events"'
x "$bin" open "$tmp/million.json" --frame-stats "$frames"

echo "== replay of a 10 M-event trace (lock-counter, 4 threads), zoomed out, then zoomed in to 2 ms"
"$bin" run lock-counter --set THREADS=4 --set ITERATIONS=850000 --out "$tmp/ten.tltrace" >/dev/null 2>&1
"$bin" summarize "$tmp/ten.tltrace" | grep -o '[0-9]* events'
x "$bin" open "$tmp/ten.tltrace" --frame-stats "$frames"
x "$bin" open "$tmp/ten.tltrace" --zoom-ms 2 --frame-stats "$frames"

echo "== the code panel on a 2 000-line file"
python3 - "$tmp/long.py" <<'PY'
import sys
text = '"""2 000 lines\n\nA long file for the code panel.\n\nTopic: Benchmarks\n"""\nimport threading\nlock = threading.Lock()\n'
n = 0
while text.count("\n") < 1996:
    text += f"def f{n}(x):\n    with lock:\n        return x + {n}\n\n"
    n += 1
text += "print(sum(f(1) for f in [f0, f1, f2]))\n"
open(sys.argv[1], "w").write(text)
PY
wc -l "$tmp/long.py"
x "$bin" --scenario "$tmp/long.py" --run --frame-stats "$frames"
