#!/usr/bin/env bash
# bench/eta_vs_update.sh: time to recompute the promised dates of a SKU with
# 20,000 waiting rows after its covering purchase order moves, next to a
# plain UPDATE of 20,000 rows, in the same run and session (issue 3).
# Every move changes every row's date (20,000 eta_changed events each).
#   bench/eta_vs_update.sh            # makes its own throwaway cluster
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PGPORT:-}" ]; then
  make -s install >/dev/null
  exec pg_virtualenv -t -v 15 -o synchronous_commit=off "$0" "$@"
fi
ROWS=${ROWS:-20000}
ROUNDS=${ROUNDS:-5}
db="backorder_eta_bench_$$"
trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
psql -X -q -d postgres -c "CREATE DATABASE $db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<SQL
CREATE EXTENSION backorder;
INSERT INTO backorder.items (sku) VALUES ('ETA');
DO \$\$ BEGIN
  FOR b IN 0 .. ($ROWS - 1) / 1000 LOOP
    INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at)
    SELECT 'o' || g, 1, 'ETA', 1, '2026-01-01'::timestamptz + g * interval '1 second'
      FROM generate_series(b * 1000 + 1, least(b * 1000 + 1000, $ROWS)) g;
    COMMIT;
  END LOOP;
END \$\$;
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
VALUES ('PO', 'ETA', $ROWS, '2027-01-01');
CREATE TABLE plain AS SELECT g AS id, now() AS expected_at FROM generate_series(1, $ROWS) g;
VACUUM ANALYZE;
SQL
psql -X -At -d "$db" <<SQL | tee /tmp/eta_bench_$$.txt
\timing on
$(for r in $(seq 1 "$ROUNDS"); do
  echo "\\echo eta round $r"
  echo "UPDATE backorder.purchase_orders SET expected_at = expected_at + interval '1 day' WHERE purchase_order_id = 'PO';"
  echo "\\echo plain round $r"
  echo "UPDATE plain SET expected_at = expected_at + interval '1 day';"
done)
SQL
psql -X -At -d "$db" -c "SELECT 'eta_changed events: ' || count(*) FROM backorder.events WHERE kind = 'eta_changed'"
python3 - /tmp/eta_bench_$$.txt <<'PY'
import re, sys, statistics
kind = None; t = {'eta': [], 'plain': []}
for line in open(sys.argv[1]):
    m = re.match(r'(eta|plain) round', line)
    if m: kind = m.group(1); continue
    m = re.match(r'Time: ([0-9.]+) ms', line)
    if m and kind: t[kind].append(float(m.group(1))); kind = None
e, p = statistics.median(t['eta']), statistics.median(t['plain'])
print(f"| recompute after the PO moves (20,000 rows) | plain UPDATE of 20,000 rows | ratio |")
print(f"|---|---|---|")
print(f"| {e:.0f} ms | {p:.0f} ms | {e/p:.2f}x |")
PY
rm -f /tmp/eta_bench_$$.txt
