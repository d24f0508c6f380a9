#!/usr/bin/env bash
# scripts/demo.sh: the main job.  Installs what is missing, builds and
# installs the extension, starts a throwaway PostgreSQL 15 cluster and runs
# the demo shop (demo/shop.sql), printing the views before and after.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
make -s
make -s install >/dev/null
exec pg_virtualenv -t -v 15 psql -X -f demo/shop.sql
