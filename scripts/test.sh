#!/usr/bin/env bash
# scripts/test.sh: every test of backorder, on a fresh Debian 12 machine.
# Installs what is missing, builds (warnings are errors), installs the
# extension, starts a throwaway cluster with pg_virtualenv and runs
# scripts/run-tests.sh inside it: pg_regress, isolation specs, pgTAP and
# the test/scripts/*.sh suites.  Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
make -s clean
make -s PG_CFLAGS="-std=gnu11 -Wall -Wextra -Wno-unused-parameter -Werror"
make -s install >/dev/null
exec pg_virtualenv -t -v 15 \
  -o 'max_connections=120' -o 'shared_buffers=256MB' -o 'fsync=on' \
  scripts/run-tests.sh "$@"
