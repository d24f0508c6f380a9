#!/usr/bin/env bash
# scripts/run-tests.sh: run inside a cluster (PGHOST/PGPORT/PGUSER set, as
# pg_virtualenv does).  Runs every suite, even after a failure, counts each
# pg_regress file, isolation spec, pgTAP assertion and test script, and
# ends with "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()
log=$(mktemp -t backorder_tests.XXXXXX)
trap 'rm -f "$log"' EXIT

count() {   # count NAME PASSED FAILED
  passed=$((passed + $2)); failed=$((failed + $3))
  ((${3} == 0)) || failures+=("$1")
  echo "--- $1: $2 passed, $3 failed"
}

# pg_regress and isolation: one test per file, from "test NAME ... ok|FAILED"
regress_suite() {   # regress_suite NAME DIFFS MAKEARGS...
  local name=$1 diffs=$2; shift 2
  echo "=== $name"
  make -s installcheck "$@" 2>&1 | tee "$log"
  local ok bad
  ok=$(grep -cE '^(ok|test) .*\.\.\. ok' "$log")
  bad=$(grep -cE '^(not ok|test) .*\.\.\. FAILED' "$log")
  if grep -qE 'tests? failed|FAILED' "$log" && ((bad == 0)); then bad=1; fi
  ((bad == 0)) || head -200 "$diffs" 2>/dev/null
  count "$name" "$ok" "$bad"
}

pgtap_suite() {
  echo "=== pgTAP (test/pgtap)"
  [ -n "$(ls test/pgtap/*.sql 2>/dev/null)" ] || return 0
  psql -X -q -c 'DROP DATABASE IF EXISTS backorder_tap' -c 'CREATE DATABASE backorder_tap' >/dev/null
  psql -X -q -d backorder_tap -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION backorder' >/dev/null
  pg_prove -d backorder_tap test/pgtap/*.sql 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]} total bad
  psql -X -q -c 'DROP DATABASE IF EXISTS backorder_tap' >/dev/null
  total=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$log" | tail -1)
  bad=$(sed -n 's/^Failed \([0-9]*\)\/[0-9]* subtests.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
  total=${total:-0}
  if ((rc != 0 && bad == 0)); then bad=1; fi
  count "pgTAP (test/pgtap)" $((total - bad > 0 ? total - bad : 0)) "$bad"
}

script_suite() {   # a test script is one test: its exit status
  echo "=== $1"
  if bash "$1"; then count "$1" 1 0; else count "$1" 0 1; fi
}

regress_suite "pg_regress (test/sql)" regression.diffs ISOLATION=
if [ -n "$(ls test/specs/*.spec 2>/dev/null)" ]; then
  regress_suite "isolation (test/specs)" output_iso/regression.diffs REGRESS=
fi
pgtap_suite
for t in test/scripts/*.sh; do
  [ -e "$t" ] && script_suite "$t"
done

echo
((failed == 0)) || echo "failed suites: ${failures[*]}"
echo "tests: $passed passed, $failed failed"
((failed == 0))
