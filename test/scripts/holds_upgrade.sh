#!/usr/bin/env bash
# test/scripts/holds_upgrade.sh: a database that ran 1.0 is updated to 1.1
# (ALTER EXTENSION backorder UPDATE) and cart holds work on it: items.held
# starts at 0 on the old rows, holds hold, convert and release,
# stock_levels shows held last, check() stays clean; and the holds objects
# of the updated database are those of a fresh 1.1 install.
# Runs in a throwaway cluster (PGHOST/PGPORT/PGUSER set; the extension
# installed, not created).  Prints "holds_upgrade: N passed, N failed".
set -uo pipefail
db="bo_holds_upg_$$"
fresh="bo_holds_fresh_$$"
passed=0
failed=0
ok()   { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "not ok - $1"; }
val()  { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
cleanup() {
  for d in "$db" "$fresh"; do
    psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1
  done
}
trap cleanup EXIT
psql -X -q -d postgres -c "CREATE DATABASE $db" -c "CREATE DATABASE $fresh" >/dev/null || exit 1

# 1.0, with stock, reservations and a waiting line
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL' || { echo "1.0 setup failed"; exit 1; }
CREATE EXTENSION backorder VERSION '1.0';
INSERT INTO backorder.items (sku) VALUES ('U-1'), ('U-2');
INSERT INTO backorder.items (sku, policy) VALUES ('U-D', 'deny');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('U-1', 5), ('U-2', 1), ('U-D', 2);
SELECT count(*) FROM backorder.place_order('old-1', '[{"line_no": 1, "sku": "U-1", "quantity": 2},
                                                      {"line_no": 2, "sku": "U-2", "quantity": 3}]');
SQL
[ "$(val "$db" "SELECT extversion FROM pg_extension WHERE extname = 'backorder'")" = 1.0 ] \
  && ok "1.0 installed" || fail "1.0 installed"

if val "$db" "ALTER EXTENSION backorder UPDATE" >/dev/null; then ok "ALTER EXTENSION backorder UPDATE"
else fail "ALTER EXTENSION backorder UPDATE"; fi
[ "$(val "$db" "SELECT extversion FROM pg_extension WHERE extname = 'backorder'")" = 1.1 ] \
  && ok "now 1.1" || fail "now 1.1"
[ "$(val "$db" "SELECT string_agg(sku || ':' || held, ' ' ORDER BY sku) FROM backorder.items")" = "U-1:0 U-2:0 U-D:0" ] \
  && ok "old items have held = 0" || fail "old items have held = 0"
[ "$(val "$db" "SELECT attname FROM pg_attribute WHERE attrelid = 'backorder.stock_levels'::regclass ORDER BY attnum DESC LIMIT 1")" = held ] \
  && ok "stock_levels.held comes last" || fail "stock_levels.held comes last"

# holds on the updated database
out=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" 2>&1 <<'SQL'
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('cart', 'U-1', 2), ('cart', 'U-D', 2)
  RETURNING sku, held, status;
SELECT 'new order', order_id, reserved, backordered FROM backorder.place_order('new-1', '[{"line_no": 1, "sku": "U-1", "quantity": 2}]');
SELECT 'checkout', order_id, sku, reserved, backordered FROM backorder.place_order('new-2',
  '[{"line_no": 1, "sku": "U-1", "quantity": 2}]', 'cart');
SELECT 'hold', sku, held, status FROM backorder.holds ORDER BY sku;
INSERT INTO backorder.holds (hold_id, sku, quantity, expires_at) VALUES ('cart2', 'U-1', 1, now() + interval '1 hour');
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('U-1', -1, 'dropped') RETURNING 'adjust', taken_back;
SELECT 'released', backorder.release_hold('cart2');
SELECT 'expired', backorder.expire_holds();
SELECT 'stock', sku, on_hand, reserved, held, available, backordered FROM backorder.stock_levels ORDER BY sku;
SELECT 'problems', count(*) FROM backorder.check();
SQL
)
want="U-1|2|active
U-D|2|active
new order|new-1|1|1
checkout|new-2|U-1|2|0
hold|U-1|0|converted
hold|U-D|0|released
adjust|1
released|0
expired|0
stock|U-1|4|4|0|0|2
stock|U-2|1|1|0|0|2
stock|U-D|2|0|0|2|0
problems|0"
if [ "$out" = "$want" ]; then ok "holds hold, convert and release after the update; check() clean"
else fail "holds after the update"; diff <(echo "$want") <(echo "$out") | sed 's/^/#   /'; fi

# the holds objects are those of a fresh 1.1 install
psql -X -q -d "$fresh" -c "CREATE EXTENSION backorder" >/dev/null
objs="SELECT 'col ' || attrelid::regclass || '.' || attname || ' ' || attnum || ' ' || format_type(atttypid, atttypmod)
        || ' ' || attnotnull || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
        || ' ' || coalesce(col_description(attrelid, attnum), '')
   FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE attrelid IN ('backorder.items'::regclass, 'backorder.holds'::regclass, 'backorder.stock_levels'::regclass)
    AND attnum > 0 AND NOT attisdropped
 UNION ALL SELECT 'con ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
  WHERE conrelid IN ('backorder.items'::regclass, 'backorder.holds'::regclass)
 UNION ALL SELECT 'trg ' || pg_get_triggerdef(oid) FROM pg_trigger
  WHERE NOT tgisinternal AND tgrelid IN ('backorder.items'::regclass, 'backorder.holds'::regclass)
 UNION ALL SELECT 'fn ' || oid::regprocedure || ' ' || md5(pg_get_functiondef(oid)) || ' '
        || coalesce(proacl::text, '') || ' ' || coalesce(obj_description(oid, 'pg_proc'), '')
   FROM pg_proc WHERE pronamespace = 'backorder'::regnamespace
 UNION ALL SELECT 'view ' || pg_get_viewdef('backorder.stock_levels'::regclass)
 UNION ALL SELECT 'acl ' || relname || ' ' || coalesce(relacl::text, '') || ' ' || coalesce(obj_description(oid), '')
   FROM pg_class WHERE relnamespace = 'backorder'::regnamespace
 UNION ALL SELECT 'idx ' || pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'backorder.holds'::regclass
 UNION ALL SELECT 'cfg ' || unnest(extconfig)::regclass FROM pg_extension WHERE extname = 'backorder'
 ORDER BY 1"
if [ "$(val "$db" "$objs")" = "$(val "$fresh" "$objs")" ]; then
  ok "items, holds, stock_levels, functions, privileges and comments as in a fresh 1.1"
else
  fail "objects differ from a fresh 1.1"; diff <(val "$fresh" "$objs") <(val "$db" "$objs") | head -20 | sed 's/^/#   /'
fi
echo "holds_upgrade: $passed passed, $failed failed"
((failed == 0))
