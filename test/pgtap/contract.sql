-- test/pgtap/contract.sql: the shape of the contract (SPEC.md) and its
-- error codes, checked with pgTAP.  Runs in a transaction that is rolled back.
BEGIN;
SELECT plan(70);

-- schema and tables
SELECT has_schema('backorder');
SELECT has_table('backorder', t, 'table backorder.' || t) FROM unnest(ARRAY[
  'items', 'order_lines', 'backorders', 'receipts', 'purchase_orders',
  'shipments', 'cancellations', 'adjustments', 'events', 'holds']) AS t;
SELECT has_view('backorder', v, 'view backorder.' || v) FROM unnest(ARRAY[
  'stock_levels', 'waiting_orders', 'lead_times']) AS v;
SELECT has_type('backorder', 'policy', 'type backorder.policy');
SELECT enum_has_labels('backorder', 'policy', ARRAY['allow', 'deny'], 'policy labels');

-- columns of the contract
SELECT columns_are('backorder', 'items',
  ARRAY['sku', 'policy', 'backorder_limit', 'lead_time', 'on_hand', 'reserved', 'backordered',
        'held', 'next_hold_expiry'], 'items columns (1.1: held, and the internal next_hold_expiry)');
SELECT columns_are('backorder', 'holds',
  ARRAY['hold_id', 'sku', 'quantity', 'expires_at', 'created_at', 'held', 'status'], 'holds columns');
SELECT columns_are('backorder', 'order_lines',
  ARRAY['order_id', 'line_no', 'sku', 'quantity', 'priority', 'ordered_at', 'reserved', 'backordered',
        'shipped', 'cancelled', 'status'], 'order_lines columns');
SELECT columns_are('backorder', 'receipts',
  ARRAY['id', 'sku', 'quantity', 'received_at', 'purchase_order_id', 'reference', 'allocated', 'on_hand_after'],
  'receipts columns');
SELECT columns_are('backorder', 'adjustments',
  ARRAY['id', 'sku', 'delta', 'reason', 'adjusted_at', 'allocated', 'taken_back', 'on_hand_after'],
  'adjustments columns');
SELECT columns_are('backorder', 'cancellations',
  ARRAY['id', 'order_id', 'line_no', 'quantity', 'reason', 'cancelled_at', 'waiting_cancelled', 'reserved_cancelled'],
  'cancellations columns');
SELECT columns_are('backorder', 'shipments',
  ARRAY['id', 'order_id', 'line_no', 'quantity', 'shipped_at', 'on_hand_after'], 'shipments columns');
SELECT columns_are('backorder', 'purchase_orders',
  ARRAY['purchase_order_id', 'sku', 'quantity', 'ordered_at', 'expected_at', 'received', 'status'],
  'purchase_orders columns');
SELECT col_is_pk('backorder', 'items', 'sku', 'items pk');
SELECT col_is_pk('backorder', 'order_lines', ARRAY['order_id', 'line_no'], 'order_lines pk');
SELECT col_is_pk('backorder', 'purchase_orders', ARRAY['purchase_order_id', 'sku'], 'purchase_orders pk');
SELECT col_type_is('backorder', 'items', 'on_hand', 'bigint', 'quantities are bigint');
SELECT col_type_is('backorder', 'order_lines', 'line_no', 'integer', 'line_no is integer');
SELECT col_hasnt_default('backorder', 'items', c, 'engine column items.' || c || ' has no default')
  FROM unnest(ARRAY['on_hand', 'reserved', 'backordered', 'held']) AS c;
SELECT col_hasnt_default('backorder', 'holds', c, 'engine column holds.' || c || ' has no default')
  FROM unnest(ARRAY['held', 'status']) AS c;
SELECT col_default_is('backorder', 'items', 'lead_time', '14 days'::interval::text, 'lead_time defaults to 14 days');
SELECT col_is_fk('backorder', 'order_lines', 'sku', 'order_lines.sku references items');

-- functions
SELECT has_function('backorder', 'place_order', ARRAY['text', 'jsonb'], 'place_order(text, jsonb)');
SELECT function_returns('backorder', 'place_order', ARRAY['text', 'jsonb'], 'setof backorder.order_lines', 'place_order returns setof order_lines');
SELECT has_function('backorder', 'place_order', ARRAY['text', 'jsonb', 'text'], 'place_order(text, jsonb, text)');
SELECT function_returns('backorder', 'place_order', ARRAY['text', 'jsonb', 'text'], 'setof backorder.order_lines',
  'place_order with a hold_id returns setof order_lines');
SELECT has_function('backorder', 'release_hold', ARRAY['text'], 'release_hold(text)');
SELECT has_function('backorder', 'expire_holds', 'expire_holds()');
SELECT has_function('backorder', 'cancel_order', ARRAY['text', 'text'], 'cancel_order(text, text)');
SELECT function_returns('backorder', 'cancel_order', ARRAY['text', 'text'], 'bigint', 'cancel_order returns bigint');
SELECT has_function('backorder', 'claim_events', ARRAY['integer'], 'claim_events(integer)');
SELECT has_function('backorder', 'purge_events', ARRAY['interval'], 'purge_events(interval)');
SELECT has_function('backorder', 'check', 'check()');

-- nothing granted to PUBLIC
SELECT is((SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
                 aclexplode(c.relacl) a
            WHERE n.nspname = 'backorder' AND a.grantee = 0), 0::bigint, 'no table, view or sequence privilege for PUBLIC');
SELECT is((SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace,
                 aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
            WHERE n.nspname = 'backorder' AND a.grantee = 0), 0::bigint, 'no function privilege for PUBLIC');

-- behaviour and error codes
INSERT INTO backorder.items (sku) VALUES ('T-A');
INSERT INTO backorder.items (sku, policy) VALUES ('T-D', 'deny');
INSERT INTO backorder.items (sku, backorder_limit) VALUES ('T-L', 1);
INSERT INTO backorder.receipts (sku, quantity) VALUES ('T-A', 2);
SELECT results_eq(
  $$SELECT reserved, backordered, status FROM backorder.place_order('t1', '[{"line_no": 1, "sku": "T-A", "quantity": 3}]')$$,
  $$VALUES (2::bigint, 1::bigint, 'backordered'::text)$$, 'place_order reserves 2 and backorders 1');
SELECT throws_ok($$INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity) VALUES ('t2', 1, 'T-D', 1)$$,
  'BO001', NULL, 'deny item without stock: BO001');
SELECT throws_ok($$INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity) VALUES ('t2', 1, 'T-L', 2)$$,
  'BO002', NULL, 'beyond backorder_limit: BO002');
SELECT throws_ok($$INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('t1', 1, 3)$$,
  'BO003', NULL, 'shipping beyond reserved: BO003');
SELECT throws_ok($$INSERT INTO backorder.cancellations (order_id, line_no, quantity) VALUES ('t1', 1, 4)$$,
  'BO004', NULL, 'cancelling beyond open: BO004');
SELECT throws_ok($$INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('T-A', -3, 'x')$$,
  'BO005', NULL, 'adjusting below zero: BO005');
SELECT throws_ok($$UPDATE backorder.items SET on_hand = 100 WHERE sku = 'T-A'$$,
  'BO006', NULL, 'engine column update: BO006');
SELECT throws_ok($$DELETE FROM backorder.receipts$$, 'BO006', NULL, 'ledger delete: BO006');
SELECT throws_ok($$INSERT INTO backorder.items (sku) VALUES ('')$$, '23514', NULL, 'empty sku: 23514');
SELECT throws_ok($$INSERT INTO backorder.items (sku) VALUES (repeat('x', 201))$$, '23514', NULL, '201-character sku: 23514');
SELECT lives_ok($$INSERT INTO backorder.items (sku) VALUES (repeat('x', 200))$$, '200-character sku is fine');
SELECT throws_ok($$INSERT INTO backorder.receipts (sku, quantity) VALUES ('NOPE', 1)$$, '23503', NULL, 'unknown sku: 23503');
SELECT throws_ok($$SELECT backorder.cancel_order('nope')$$, 'P0002', NULL, 'unknown order: P0002');
SELECT throws_ok($$SELECT * FROM backorder.claim_events(0)$$, '22023', NULL, 'claim_events(0): 22023');
SELECT throws_ok($$SELECT backorder.purge_events(NULL)$$, '22004', NULL, 'purge_events(NULL): 22004');
SELECT throws_ok($$SELECT backorder.purge_events('-1 day')$$, '22023', NULL, 'negative interval: 22023');
SELECT throws_ok($$SELECT * FROM backorder.place_order('t3', '[]')$$, '22023', NULL, 'empty lines: 22023');

INSERT INTO backorder.receipts (sku, quantity) VALUES ('T-A', 1);
SELECT results_eq($$SELECT reserved, backordered, status FROM backorder.order_lines WHERE order_id = 't1'$$,
  $$VALUES (3::bigint, 0::bigint, 'reserved'::text)$$, 'a receipt fills the waiting unit');
SELECT is((SELECT count(*) FROM backorder.events WHERE order_id = 't1' AND kind = 'allocated'), 1::bigint,
  'one allocated event');
SELECT is_empty($$SELECT * FROM backorder.check()$$, 'check() finds nothing wrong');

SELECT * FROM finish();
ROLLBACK;
