#!/usr/bin/env bash
# scripts/run-tests.sh: run inside a cluster (PGHOST/PGPORT/PGUSER set, as
# pg_virtualenv does).  Runs every suite, even after a failure, and prints
# one line per suite and the total "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()

suite() {   # suite NAME COMMAND...: run, count by exit status
  local name=$1; shift
  echo "=== $name"
  if "$@"; then
    passed=$((passed + 1)); echo "--- $name: ok"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "--- $name: FAILED"
  fi
}

regress() {
  make -s installcheck ISOLATION= \
    || { cat regression.diffs 2>/dev/null | head -200; return 1; }
}

isolation() {
  [ -n "$(ls test/specs/*.spec 2>/dev/null)" ] || return 0
  make -s installcheck REGRESS= \
    || { cat output_iso/regression.diffs 2>/dev/null | head -200; return 1; }
}

pgtap() {
  [ -n "$(ls test/pgtap/*.sql 2>/dev/null)" ] || return 0
  psql -X -q -c 'CREATE DATABASE backorder_tap' >/dev/null &&
  psql -X -q -d backorder_tap -c 'CREATE EXTENSION pgtap; CREATE EXTENSION backorder' >/dev/null &&
  pg_prove -d backorder_tap test/pgtap/*.sql
  local rc=$?
  psql -X -q -c 'DROP DATABASE IF EXISTS backorder_tap' >/dev/null
  return $rc
}

suite "pg_regress (test/sql)" regress
suite "isolation (test/specs)" isolation
suite "pgTAP (test/pgtap)" pgtap
for t in test/scripts/*.sh; do
  [ -e "$t" ] || continue
  suite "$t" bash "$t"
done

echo
if ((failed)); then echo "failed suites: ${failures[*]}"; fi
echo "tests: $passed passed, $failed failed"
((failed == 0))
