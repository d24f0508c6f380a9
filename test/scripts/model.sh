#!/usr/bin/env bash
# test/scripts/model.sh: the random model check (test/model/model.py) against
# the installed extension, in the cluster that PGHOST/PGPORT/PGUSER name
# (pg_virtualenv sets them; the extension is installed, not created).  Makes
# its own database per seed and drops it afterwards.
#
# CI runs four seeds with MODEL_OPS operations each (default 2500: about a
# minute and a half in all on the 2-core CI machine).  The full run (about
# half an hour; prints progress every 1000 steps):
#
#   pg_virtualenv -v 15 env MODEL_OPS=100000 MODEL_SEEDS=1 MODEL_FULL_EVERY=1000 \
#     MODEL_VERBOSE=1 bash test/scripts/model.sh
#
# Env: MODEL_OPS (operations per seed), MODEL_SEEDS (space-separated seeds),
# MODEL_FULL_EVERY (steps between full comparisons), MODEL_VERBOSE=1.
set -euo pipefail
cd "$(dirname "$0")/../.."

ops=${MODEL_OPS:-2500}
seeds=${MODEL_SEEDS:-"1 2 3 4"}
full_every=${MODEL_FULL_EVERY:-250}
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
db="backorder_model_$$"

dropdb_quiet() { psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" >/dev/null; }
cleanup() { dropdb_quiet 2>/dev/null || true; }
trap cleanup EXIT

rc=0
for seed in $seeds; do
  dropdb_quiet
  psql -X -q -d postgres -c "CREATE DATABASE $db" >/dev/null
  psql -X -q -d "$db" -c "CREATE EXTENSION backorder" >/dev/null
  if ! "$py" test/model/model.py --dbname "$db" --seed "$seed" --ops "$ops" \
        --full-every "$full_every" ${MODEL_VERBOSE:+-v}; then
    echo "model: seed $seed FAILED (rerun: MODEL_SEEDS=$seed MODEL_OPS=$ops bash test/scripts/model.sh)"
    rc=1
  fi
done
exit $rc
