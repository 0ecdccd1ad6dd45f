#!/usr/bin/env bash
# Regenerate every picture the README uses (and the two of the campaign), in assets/.
#
#   assets/pictures.sh            # all of them
#   assets/pictures.sh NAME...    # only these (file names without .png)
#
# THREADLINE  the binary (default: target/release/threadline; build it first)
# PYTHON      the CPython recorded for simulated-vs-cpython and asyncio-simulated-vs-cpython
#             (default python3; the README's captions say 3.11 / 3.11.7)
# PYTHON312   the CPython 3.12 recorded for gil-simulated-vs-inferred: only 3.12+ has the
#             inferred GIL lane (default ~/.pyenv/versions/3.12.1/bin/python3)
#
# Needs xvfb-run. Every picture is the 1280x800 window in the dark theme, taken once the run
# (or the game's next choice, the statistics, the prediction's runs) is done. Traces and
# schedules go to a temporary directory; nothing else in the repository is written.
# Look at the pictures afterwards: a picture is one run, and the runs vary.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin=${THREADLINE:-target/release/threadline}
case $bin in /*) ;; */*) bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin") ;; *) bin=$(command -v "$bin") ;; esac
cd "$here"
[ -x "$bin" ] || { echo "no binary at $bin (set THREADLINE, or cargo build --release)" >&2; exit 1; }
PYTHON=${PYTHON:-python3}
PYTHON312=${PYTHON312:-$HOME/.pyenv/versions/3.12.1/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

want() { [ ${#only[@]} -eq 0 ] && return 0; local n; for n in "${only[@]}"; do [ "$n" = "$1" ] && return 0; done; return 1; }
only=("$@")
failed=()

# squashed PNG: true when the output panel came out 90 px high instead of its 260 (the
# window's first frame is sometimes laid out before it has its full size, and egui keeps that
# height): its top edge, a grey line across the window, is at y=708 instead of y=540.
# Without Pillow nothing is checked.
squashed() {
    python3 - "$1" <<'PY' 2>/dev/null
import sys
try:
    from PIL import Image
except ImportError:
    sys.exit(1)
im = Image.open(sys.argv[1]).convert("RGB")
line = {im.getpixel((x, 708)) for x in range(600, 1250, 10)}
sys.exit(0 if len(line) == 1 and line != {im.getpixel((700, 709))} else 1)
PY
}

# shot NAME ARGS...: the app's window with ARGS, saved as assets/NAME.png (from $shot_dir when
# set); taken again, up to three more times, when its output panel came out squashed
shot() {
    local name=$1 try; shift
    want "$name" || return 0
    echo "== $name: threadline$(printf ' %q' "$@")"
    for try in 1 2 3 4; do
        rm -f "$tmp/$name.png"
        if ! (cd "${shot_dir:-.}" && timeout 120 xvfb-run -a -s "-screen 0 1280x800x24" \
                "$bin" --screenshot "$tmp/$name.png" --theme dark "$@") || [ ! -s "$tmp/$name.png" ]; then
            echo "   FAILED: $name" >&2
            failed+=("$name")
            return 0
        fi
        squashed "$tmp/$name.png" || break
        echo "   the output panel came out squashed; again"
    done
    mv "$tmp/$name.png" "assets/$name.png"
}

# fastest_run OUT.json SCENARIO ARGS...: the headless run with the smallest wall time of five
fastest_run() {
    local out=$1 best='' i wall; shift
    for i in 1 2 3 4 5; do
        wall=$("$bin" run "$@" --json --out "$tmp/try.json" | sed -n 's/^  "wall_ms": \([0-9.]*\),$/\1/p')
        if [ -z "$best" ] || awk "BEGIN { exit !($wall < $best) }"; then best=$wall; mv "$tmp/try.json" "$out"; fi
    done
    echo "   $1: fastest of five runs $best ms"
}

# --- The first screen: a semaphore with more threads than permits
shot semaphore-8-threads-2-permits --scenario semaphore --set THREADS=8 --set PERMITS=2 --set HOLD=0.3

# --- Using the app: the code panel marks each deadlocked thread's line
shot code-panel-deadlock --scenario deadlock

# --- The code panel's bytecode view: playing the scheduler in race-counter, Thread-1 can run
# next and waits at the loop's back edge, the only 3.10+ switch point of `counter += 1`
shot bytecode-view --scenario race-counter --play 1,1,1,1,1,2 \
    --bytecode "$(grep -n 'counter += 1  #' saved-scenarios/race-counter.py | cut -d: -f1)"

# --- Compare: free-threaded (top) above the same work under one GIL (bottom). Both runs are
# made headless and the top one opened as a trace: run live in the window, the free-threaded
# threads share the two cores with Xvfb's software rendering and come out barely faster. Each
# is the fastest of five runs, the one least disturbed by whatever else the machine is doing.
if want compare-gil-vs-free-threaded; then
    fastest_run "$tmp/cpu-bound-free-threaded.json" cpu-bound-free-threaded --set N=8000000 --set THREADS=2
    fastest_run "$tmp/cpu-bound-threads.json" cpu-bound-threads --set N=8000000 --set THREADS=2
    # opened from $tmp by its bare name, so the title reads "— cpu-bound-free-threaded.json —"
    shot_dir=$tmp shot compare-gil-vs-free-threaded cpu-bound-free-threaded.json \
        --scenario cpu-bound-free-threaded --set N=8000000 --set THREADS=2 \
        --compare cpu-bound-threads.json
fi

# --- Run in CPython too: the semaphore simulated above its CPython recording
if want simulated-vs-cpython; then
    "$bin" record semaphore --set THREADS=4 --set PERMITS=2 --set HOLD=0.3 --python "$PYTHON" \
        --out "$tmp/semaphore-cpython.json" >/dev/null
    shot simulated-vs-cpython --scenario semaphore --set THREADS=4 --set PERMITS=2 --set HOLD=0.3 \
        --compare "$tmp/semaphore-cpython.json"
fi

# --- The profile: four CPU-bound threads (headline: waiting for the GIL at line 20)
shot profile-cpu-bound-threads --scenario cpu-bound-threads --set THREADS=4 --set N=3000000 --profile line

# --- The profile's critical path through the semaphore's holders
shot profile-semaphore-critical-path --scenario semaphore --profile path

# --- race-counter simulated above a CPython 3.12 recording with its inferred GIL lane
if want gil-simulated-vs-inferred; then
    "$bin" record race-counter --set ITERATIONS=300000 --python "$PYTHON312" --out "$tmp/race-312.json" >/dev/null
    shot gil-simulated-vs-inferred --scenario race-counter --set ITERATIONS=300000 --compare "$tmp/race-312.json"
fi

# --- The table of three
shot cpu-bound-threads-gil --scenario cpu-bound-threads --set N=8000000
shot queue-full-timeouts --scenario queue-put-timeout
shot race-counter-call --scenario race-counter-call --set ITERATIONS=200000

# --- You are the scheduler: explore finds the lost update (x += 1 split), the game follows it
if want play-the-scheduler-race || want play-the-scheduler-lost-update; then
    # explore's exit status is 1 when it finds a failing schedule, which is what we want
    "$bin" explore race-counter --set ITERATIONS=2 --split --check "counter == THREADS * ITERATIONS" \
        --out "$tmp/race.schedule" >"$tmp/explore-race.txt" || true
    grep -v '^#' "$tmp/race.schedule" >/dev/null || { cat "$tmp/explore-race.txt" >&2; exit 1; }
    # "N:T2" in the schedule: the choice where Thread-2 runs between Thread-1's load and store;
    # --play-to N follows the first N choices, so the picture is taken at that one
    race_choice=$(grep -v '^#' "$tmp/race.schedule" | grep -o '[0-9]*:T2' | head -1 | cut -d: -f1)
    race_end=$(grep -v '^#' "$tmp/race.schedule" | grep -o 'end:[0-9]*' | cut -d: -f2)
    shot play-the-scheduler-race --scenario race-counter --set ITERATIONS=2 --split \
        --play "$tmp/race.schedule" --play-to "$race_choice"
    shot play-the-scheduler-lost-update --scenario race-counter --set ITERATIONS=2 --split \
        --play "$tmp/race.schedule" --play-to "$race_end"
fi
if want play-the-scheduler-deadlock; then
    "$bin" explore deadlock --set HOLD=0 --out "$tmp/deadlock.schedule" >"$tmp/explore-deadlock.txt" || true
    dl_end=$(grep -v '^#' "$tmp/deadlock.schedule" | grep -o 'end:[0-9]*' | cut -d: -f2)
    shot play-the-scheduler-deadlock --scenario deadlock --set HOLD=0 \
        --play "$tmp/deadlock.schedule" --play-to "$dl_end"
fi

# --- asyncio: the blocker's slow step holds the loop while the ticker waits ready
shot asyncio-blocking-call --scenario asyncio-blocking-call
if want asyncio-simulated-vs-cpython; then
    "$bin" record asyncio-blocking-call --python "$PYTHON" --out "$tmp/asyncio-cpython.json" >/dev/null
    shot asyncio-simulated-vs-cpython --scenario asyncio-blocking-call --compare "$tmp/asyncio-cpython.json"
fi

# --- The campaign: a challenge's card, and Predict, then run (the GUI runs a challenge under
# its own GIL mode: 3.9 for challenge 1, 3.10+ for challenge 3).
# Known gaps at 1280x800: the card shows the goal, "Not won yet" and Play / Hint / Show me, but
# not the proof the README's caption names (that comes from pressing Show me; no flag does it);
# and the prediction's bars sit below the left panel's fold (only its first two lines show).
shot challenge-card --scenario challenge-03-impossible-under-310 --show-me
shot predict-then-run --scenario challenge-01-lost-update --predict "counter = 1"

if [ ${#failed[@]} -gt 0 ]; then
    echo "failed: ${failed[*]}" >&2
    exit 1
fi
echo "done"
