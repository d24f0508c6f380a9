#!/usr/bin/env bash
# test/scripts/bench_quick.sh: smoke test of the benchmark.  Runs
# `bench/run.sh --quick` (its own throwaway cluster, about 2 minutes) and
# fails only if the runner fails (a script error, a pgbench failure, or the
# implementations disagreeing), never on a missed performance target.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bench/run.sh --quick
