#!/usr/bin/env bash
# Seed the fuzz corpora from files the project already has (not copied into git):
# the catalog and the hostile Python files for `compile` and `run`, the trace fixture and
# the hostile JSON files for `trace`. `sliders` keeps its own small seeds in fuzz/corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p fuzz/corpus/compile fuzz/corpus/run fuzz/corpus/trace
cp saved-scenarios/*.py fuzz/corpus/compile/
cp sim-core/tests/corpus/*.py fuzz/corpus/compile/
cp saved-scenarios/*.py fuzz/corpus/run/
cp sim-core/tests/fixtures/trace-v1.json sim-core/tests/corpus/*.json fuzz/corpus/trace/
