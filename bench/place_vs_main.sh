#!/usr/bin/env bash
# bench/place_vs_main.sh: the in-stock placement of bench/run.sh, side by
# side: bare SQL, this branch's engine, and another branch's engine (main by
# default), interleaved round by round; prints the medians and the ratios.
# Uses the private PostgreSQL copies of /work/tools (pgsandbox.sh NAME and
# NAME-base), one throwaway cluster each.
#
# Usage: bench/place_vs_main.sh SANDBOX [BASE_REF [ROUNDS [SECS]]]
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")

if [[ "${1:-}" != --inner ]]; then
    SB=$1 BASE=${2:-main} ROUNDS=${3:-5} SECS=${4:-8}
    B=$(mktemp -d /tmp/bo-place-vs.XXXXXX); trap 'rm -rf "$B"' EXIT
    chmod 755 "$B"
    mkdir "$B/head" "$B/base"
    git -C "$ROOT" archive HEAD | tar -x -C "$B/head"
    git -C "$ROOT" archive "$BASE" | tar -x -C "$B/base"
    for v in head base; do
        sb=$SB; [[ $v == base ]] && sb=$SB-base
        ( eval "$(/work/tools/pgsandbox.sh "$sb")"
          make -s -C "$B/$v" PG_CONFIG="$PG_CONFIG" >/dev/null
          make -s -C "$B/$v" PG_CONFIG="$PG_CONFIG" install >/dev/null )
    done
    echo "head: $(git -C "$ROOT" rev-parse --short HEAD)  base: $BASE $(git -C "$ROOT" rev-parse --short "$BASE")"
    /work/tools/pgsb-run.sh "$SB-base" bash -c \
        "export BASE_HOST=\$PGHOST BASE_PORT=\$PGPORT; /work/tools/pgsb-run.sh '$SB' '$0' --inner $ROUNDS $SECS"
    exit $?
fi

ROUNDS=$2 SECS=$3
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
qb() { PGHOST=$BASE_HOST PGPORT=$BASE_PORT q "$@"; }
q -c "CREATE DATABASE bench_bare" -c "CREATE DATABASE bench_ext"
qb -c "CREATE DATABASE bench_ext"
q -d bench_bare -f "$BENCH_DIR/bare.sql" >/dev/null
q -d bench_bare -v impl=bare -f "$BENCH_DIR/load.sql" >/dev/null
q -d bench_ext -c "CREATE EXTENSION backorder"
q -d bench_ext -v impl=ext -f "$BENCH_DIR/load.sql" >/dev/null
qb -d bench_ext -c "CREATE EXTENSION backorder"
qb -d bench_ext -v impl=ext -f "$BENCH_DIR/load.sql" >/dev/null

run() {   # run IMPL -> tps
    local impl=$1 script=place.sql host=$PGHOST port=$PGPORT db=bench_ext
    [[ $impl == bare ]] && { script=place_bare.sql; db=bench_bare; }
    [[ $impl == base ]] && { host=$BASE_HOST; port=$BASE_PORT; }
    PGHOST=$host PGPORT=$port pgbench -n -M prepared -c 4 -j 2 -T "$SECS" -f "$BENCH_DIR/$script" "$db" 2>&1 |
        sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p'
}
for impl in bare head base; do SECS=1 run $impl >/dev/null; done
declare -A all
for ((r = 1; r <= ROUNDS; r++)); do
    q -d bench_bare -c CHECKPOINT; q -d bench_ext -c 'VACUUM (ANALYZE)'; qb -d bench_ext -c 'VACUUM (ANALYZE)'
    for impl in bare head base; do
        t=$(run $impl); all[$impl]+="$t "
        echo "round $r $impl: $t tps"
    done
done
med() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
b=$(echo "${all[bare]}" | med); h=$(echo "${all[head]}" | med); m=$(echo "${all[base]}" | med)
echo "place_in_stock median tps: bare $b, head $h, base $m"
awk -v b="$b" -v h="$h" -v m="$m" 'BEGIN { printf "ratios: head/bare %.3f, base/bare %.3f, head/base %.3f\n", h/b, m/b, h/m }'
# the engine's numbers still add up after the run
q -d bench_ext -At -c "SELECT count(*) AS problems FROM backorder.check()" | sed 's/^/head check() problems: /'
