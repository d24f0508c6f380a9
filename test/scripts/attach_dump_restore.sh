#!/usr/bin/env bash
# test/scripts/attach_dump_restore.sh: SPEC.md "Attaching to a shop's own
# tables (1.1)": pg_dump keeps the attachments, a restored database goes on
# flowing.
#
# Runs in a throwaway cluster (PGHOST/PGPORT/PGUSER set; the extension
# installed but not created):
#   1. a shop with three attached tables (uuid key, composite key, receipts)
#      and a shipment table, rows placed, shipped, lowered, deleted;
#   2. pg_dump -Fc, CREATE DATABASE, pg_restore -d;
#   3. the engine's tables, attachments and attached_lines are the same row
#      for row, check() is clean, the shop's triggers are back, and nothing
#      was placed twice;
#   4. the same application statements run on both databases (new rows, a
#      quantity lowered on a row placed before the dump, a shipment of it, a
#      delete) leave both with the same rows.
# Prints "attach_dump_restore: N passed, N failed"; exits non-zero on a failure.
set -uo pipefail
cd "$(dirname "$0")/../.."

src="bo_attach_src_$$"
dst="bo_attach_dst_$$"
work=$(mktemp -d)
passed=0
failed=0

cleanup() {
  for d in "$src" "$dst"; do
    psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1
  done
  rm -rf "$work"
}
trap cleanup EXIT

ok()   { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "not ok - $1"; }
q()    { psql -X -q -v ON_ERROR_STOP=1 -d "$@"; }
val()  { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

# the engine's rows, in a fixed order, without ids or wall-clock times
snapshot() {   # snapshot DB FILE
  psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" >"$2" <<'SQL'
SELECT 'attachment', source::text, kind, definition::text, lines::text FROM backorder.attachments ORDER BY source::text;
SELECT 'attached_line', source::text, row_key, order_id, line_no FROM backorder.attached_lines ORDER BY source::text, row_key;
SELECT 'line', order_id, line_no, sku, quantity, reserved, backordered, shipped, cancelled, status
  FROM backorder.order_lines ORDER BY order_id, line_no;
SELECT 'item', sku, on_hand, reserved, backordered FROM backorder.items ORDER BY sku;
SELECT 'receipt', sku, quantity, reference, allocated, on_hand_after FROM backorder.receipts ORDER BY id;
SELECT 'shipment', order_id, line_no, quantity, on_hand_after FROM backorder.shipments ORDER BY id;
SELECT 'cancellation', order_id, line_no, quantity, reason FROM backorder.cancellations ORDER BY id;
SELECT 'event', kind, order_id, line_no, sku, quantity FROM backorder.events ORDER BY id;
SELECT 'trigger', tgrelid::regclass::text, tgname FROM pg_catalog.pg_trigger
 WHERE tgname = 'backorder_attached' ORDER BY 2;
SQL
}

# ------------------------------------------------------------ 1. the shop
q postgres -c "CREATE DATABASE $src" >/dev/null || exit 1
q "$src" >/dev/null <<'SQL' || { echo "building the source database failed"; exit 1; }
CREATE EXTENSION backorder;
CREATE TABLE public.order_orderline (
    id uuid PRIMARY KEY, order_id uuid NOT NULL, product_sku varchar(255),
    quantity integer NOT NULL, created_at timestamptz NOT NULL);
CREATE SCHEMA shop;
CREATE TABLE shop.order_items (order_no integer, line smallint, article text NOT NULL,
    qty integer NOT NULL, PRIMARY KEY (order_no, line));
CREATE TABLE shop.stock_movements (id bigserial PRIMARY KEY, article text NOT NULL, qty integer NOT NULL);
CREATE TABLE public.order_fulfillmentline (id serial PRIMARY KEY, order_line_id uuid NOT NULL,
    quantity integer NOT NULL);
INSERT INTO backorder.items (sku) VALUES ('A'), ('B');
SELECT backorder.attach_order_lines('public.order_orderline', 'order_id', 'product_sku', 'quantity',
  ordered_at => 'created_at');
SELECT backorder.attach_order_lines('shop.order_items', 'order_no', 'article', 'qty', 'line');
SELECT backorder.attach_receipts('shop.stock_movements', 'article', 'qty', reference => '''move '' || id');
SELECT backorder.attach_shipments('public.order_fulfillmentline', 'order_line_id', 'quantity',
  lines => 'public.order_orderline');
INSERT INTO shop.stock_movements (article, qty) VALUES ('A', 4), ('B', 2);
INSERT INTO public.order_orderline VALUES
  ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1', 'A', 3, '2030-01-01 10:00+00'),
  ('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-0000000000a1', 'B', 5, '2030-01-01 10:00+00'),
  ('00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-0000000000a2', 'A', 4, '2030-01-01 11:00+00');
INSERT INTO shop.order_items VALUES (7, 1, 'A', 2), (7, 2, 'B', 1);
INSERT INTO public.order_fulfillmentline (order_line_id, quantity) VALUES ('00000000-0000-0000-0000-000000000001', 1);
UPDATE public.order_orderline SET quantity = 4 WHERE id = '00000000-0000-0000-0000-000000000002';
DELETE FROM shop.order_items WHERE (order_no, line) = (7, 2);
SQL
[ -z "$(val "$src" 'SELECT * FROM backorder.check()')" ] && ok "source: check() clean" || fail "source: check() clean"

# ------------------------------------------------------------ 2. dump, restore
pg_dump -Fc -f "$work/shop.dump" "$src" || { fail "pg_dump"; exit 1; }
q postgres -c "CREATE DATABASE $dst" >/dev/null || exit 1
if pg_restore -d "$dst" --exit-on-error "$work/shop.dump" 2>"$work/restore.err"; then
  ok "pg_restore without error"
else
  fail "pg_restore without error"; cat "$work/restore.err"
fi

# ------------------------------------------------------------ 3. the same rows
snapshot "$src" "$work/src.1"
snapshot "$dst" "$work/dst.1"
if diff -u "$work/src.1" "$work/dst.1"; then ok "restored: the same attachments, attached lines, engine rows and triggers"
else fail "restored: the same attachments, attached lines, engine rows and triggers"; fi
[ "$(grep -c '^trigger' "$work/dst.1")" = 4 ] && ok "restored: the four shop tables have their trigger" \
  || fail "restored: the four shop tables have their trigger"
[ -z "$(val "$dst" 'SELECT * FROM backorder.check()')" ] && ok "restored: check() clean" || fail "restored: check() clean"

# ------------------------------------------------------------ 4. keeps flowing
for db in "$src" "$dst"; do
  q "$db" >/dev/null <<'SQL' || fail "application statements on $db"
INSERT INTO public.order_orderline VALUES
  ('00000000-0000-0000-0000-000000000004', '00000000-0000-0000-0000-0000000000a3', 'A', 2, '2030-01-02 10:00+00');
INSERT INTO shop.order_items VALUES (8, 1, 'B', 3);
UPDATE public.order_orderline SET quantity = 2 WHERE id = '00000000-0000-0000-0000-000000000003';
INSERT INTO public.order_fulfillmentline (order_line_id, quantity) VALUES ('00000000-0000-0000-0000-000000000001', 2);
INSERT INTO shop.stock_movements (article, qty) VALUES ('A', 3), ('B', 10);
DELETE FROM shop.order_items WHERE (order_no, line) = (7, 1);
SQL
done
snapshot "$src" "$work/src.2"
snapshot "$dst" "$work/dst.2"
if diff -u "$work/src.2" "$work/dst.2"; then ok "after the same statements both databases have the same rows"
else fail "after the same statements both databases have the same rows"; fi
[ "$(val "$dst" "SELECT count(*) FROM backorder.order_lines")" = 7 ] \
  && ok "restored: new rows are placed" || fail "restored: new rows are placed"
[ "$(val "$dst" "SELECT count(*) FROM backorder.cancellations WHERE reason = 'attached row updated'")" = 2 ] \
  && ok "restored: lowering a row placed before the dump cancels" || fail "restored: lowering a row placed before the dump cancels"
[ "$(val "$dst" "SELECT count(*) FROM backorder.receipts")" = 4 ] \
  && ok "restored: receipts flow, nothing applied twice" || fail "restored: receipts flow, nothing applied twice"
[ -z "$(val "$dst" 'SELECT * FROM backorder.check()')" ] && ok "restored, then used: check() clean" \
  || fail "restored, then used: check() clean"

echo "attach_dump_restore: $passed passed, $failed failed"
((failed == 0))
