-- test/sql/bad_input.sql: a catalogue of bad input.  Every case must fail
-- with the SQLSTATE the contract (SPEC.md, "Errors") names, and leave every
-- table exactly as it was: pg_temp.unchanged() compares an md5 of every row
-- of every backorder table with the one taken after the previous case (and
-- takes the new one).  Each case carries the code it expects in a comment
-- ("expect XXXXX"); the output prints only the code (VERBOSITY sqlstate) so
-- that it stays stable when messages are reworded.
--
-- Everything runs in one transaction that is rolled back at the end
-- (ON_ERROR_ROLLBACK puts each statement in its own savepoint), so the
-- database is left as it was found.  Deferred constraints are therefore not
-- checked here; no case depends on one.
--
-- Runs as a superuser, so a row that sets *all* the NOT NULL engine columns
-- of a table is a restore and is stored as is; cases that supply engine
-- columns supply only some of them (the all-columns case for an ordinary
-- role is in privileges.sql).
\set VERBOSITY sqlstate
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
\pset tuples_only on
\pset format unaligned
BEGIN;
SET LOCAL TimeZone = 'UTC';

CREATE FUNCTION pg_temp.snap() RETURNS text LANGUAGE sql AS $$
SELECT md5(concat_ws(E'\n',
  (SELECT string_agg(t::text, ',' ORDER BY t.sku) FROM backorder.items t),
  (SELECT string_agg(t::text, ',' ORDER BY t.purchase_order_id, t.sku) FROM backorder.purchase_orders t),
  (SELECT string_agg(t::text, ',' ORDER BY t.order_id, t.line_no) FROM backorder.order_lines t),
  (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM backorder.backorders t),
  (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM backorder.receipts t),
  (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM backorder.shipments t),
  (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM backorder.cancellations t),
  (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM backorder.adjustments t),
  (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM backorder.events t)))
$$;
CREATE TEMP TABLE snapshot (s text);
CREATE FUNCTION pg_temp.mark() RETURNS void LANGUAGE sql AS $$
  DELETE FROM snapshot; INSERT INTO snapshot SELECT pg_temp.snap();
$$;
-- true when nothing changed since the last call (or mark()); marks again
CREATE FUNCTION pg_temp.unchanged() RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  same boolean;
BEGIN
  SELECT s = pg_temp.snap() INTO same FROM snapshot;
  PERFORM pg_temp.mark();
  RETURN same;
END $$;

-- A little world to break: stock, a waiting line, a purchase order, a row
-- in every ledger and some events.
INSERT INTO backorder.items (sku) VALUES ('bad-A'), ('bad-Z'), ('bad-M'), ('bad-free');
INSERT INTO backorder.items (sku, policy) VALUES ('bad-D', 'deny');
INSERT INTO backorder.items (sku, backorder_limit) VALUES ('bad-L', 3);
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
  VALUES ('bad-PO1', 'bad-A', 5, '2030-01-01'), ('bad-PO2', 'bad-A', 2, '2030-02-01'),
         ('bad-PO3', 'bad-A', 4, '2030-03-01');
UPDATE backorder.purchase_orders SET status = 'cancelled' WHERE purchase_order_id = 'bad-PO3';
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id) VALUES ('bad-A', 10, NULL), ('bad-A', 2, 'bad-PO2');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('bad-D', 2);
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('bad-M', 9223372036854775807, 'huge count');
SELECT order_id, line_no, reserved, backordered, status FROM backorder.place_order('bad-o1',
  '[{"line_no": 1, "sku": "bad-A", "quantity": 6},
    {"line_no": 2, "sku": "bad-Z", "quantity": 2},
    {"line_no": 3, "sku": "bad-L", "quantity": 3},
    {"line_no": 4, "sku": "bad-A", "quantity": 1}]');
INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('bad-o1', 1, 1);
INSERT INTO backorder.cancellations (order_id, line_no, quantity) VALUES ('bad-o1', 4, NULL);
SELECT sku, on_hand, reserved, backordered FROM backorder.items WHERE sku LIKE 'bad-%' ORDER BY sku;
SELECT purchase_order_id, received, status FROM backorder.purchase_orders WHERE sku = 'bad-A' ORDER BY 1;
SELECT pg_temp.mark();
-- (control: the snapshot does see a change; prints f)
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('bad-free', 1, 'found one');
SELECT pg_temp.unchanged();

-- ---------------------------------------------------------------- items
-- 1. empty sku: expect 23514
INSERT INTO backorder.items (sku) VALUES ('');
SELECT pg_temp.unchanged();
-- 2. 201-character sku: expect 23514
INSERT INTO backorder.items (sku) VALUES (repeat('x', 201));
SELECT pg_temp.unchanged();
-- 3. NULL sku: expect 23502
INSERT INTO backorder.items (sku) VALUES (NULL);
SELECT pg_temp.unchanged();
-- 4. duplicate sku: expect 23505
INSERT INTO backorder.items (sku) VALUES ('bad-A');
SELECT pg_temp.unchanged();
-- 5. negative backorder_limit: expect 23514
INSERT INTO backorder.items (sku, backorder_limit) VALUES ('bad-new', -1);
SELECT pg_temp.unchanged();
-- 6. negative lead_time: expect 23514
INSERT INTO backorder.items (sku, lead_time) VALUES ('bad-new', '-1 day');
SELECT pg_temp.unchanged();
-- 7. NULL lead_time: expect 23502
INSERT INTO backorder.items (sku, lead_time) VALUES ('bad-new', NULL);
SELECT pg_temp.unchanged();
-- 8. NULL policy: expect 23502
INSERT INTO backorder.items (sku, policy) VALUES ('bad-new', NULL);
SELECT pg_temp.unchanged();
-- 9. supplying one engine column (on_hand): expect BO006
INSERT INTO backorder.items (sku, on_hand) VALUES ('bad-new', 0);
SELECT pg_temp.unchanged();
-- 10. supplying two of the three engine columns: expect BO006
INSERT INTO backorder.items (sku, on_hand, reserved) VALUES ('bad-new', 5, 0);
SELECT pg_temp.unchanged();
-- 11-14. updating an engine column or the key: expect BO006 (x4)
UPDATE backorder.items SET on_hand = 100 WHERE sku = 'bad-A';
SELECT pg_temp.unchanged();
UPDATE backorder.items SET reserved = 0 WHERE sku = 'bad-A';
SELECT pg_temp.unchanged();
UPDATE backorder.items SET backordered = 0 WHERE sku = 'bad-Z';
SELECT pg_temp.unchanged();
UPDATE backorder.items SET sku = 'bad-renamed' WHERE sku = 'bad-free';
SELECT pg_temp.unchanged();
-- 15. user columns, bad values: expect 23514, 23514, 23502
UPDATE backorder.items SET backorder_limit = -5 WHERE sku = 'bad-L';
SELECT pg_temp.unchanged();
UPDATE backorder.items SET lead_time = '-2 hours' WHERE sku = 'bad-A';
SELECT pg_temp.unchanged();
UPDATE backorder.items SET policy = NULL WHERE sku = 'bad-A';
SELECT pg_temp.unchanged();
-- 16. DELETE of an item in use (order lines, receipts): expect 23503
DELETE FROM backorder.items WHERE sku = 'bad-A';
SELECT pg_temp.unchanged();
-- 17. DELETE of an item named by a receipt only: expect 23503
DELETE FROM backorder.items WHERE sku = 'bad-D';
SELECT pg_temp.unchanged();

-- ---------------------------------------------------------- place_order
-- 18. unknown sku: expect 23503
SELECT * FROM backorder.place_order('bad-o2', '[{"line_no": 1, "sku": "bad-nope", "quantity": 1}]');
SELECT pg_temp.unchanged();
-- 19. zero quantity: expect 23514
SELECT * FROM backorder.place_order('bad-o2', '[{"line_no": 1, "sku": "bad-A", "quantity": 0}]');
SELECT pg_temp.unchanged();
-- 20. negative quantity: expect 23514
SELECT * FROM backorder.place_order('bad-o2', '[{"line_no": 1, "sku": "bad-A", "quantity": -1}]');
SELECT pg_temp.unchanged();
-- 21. line_no 0: expect 23514
SELECT * FROM backorder.place_order('bad-o2', '[{"line_no": 0, "sku": "bad-A", "quantity": 1}]');
SELECT pg_temp.unchanged();
-- 22-24. a missing key acts like a missing column: expect 23502 (x3)
SELECT * FROM backorder.place_order('bad-o2', '[{"line_no": 1, "sku": "bad-A"}]');
SELECT pg_temp.unchanged();
SELECT * FROM backorder.place_order('bad-o2', '[{"line_no": 1, "quantity": 1}]');
SELECT pg_temp.unchanged();
SELECT * FROM backorder.place_order('bad-o2', '[{"sku": "bad-A", "quantity": 1}]');
SELECT pg_temp.unchanged();
-- 25. a JSON null value for a required key: expect 23502
SELECT * FROM backorder.place_order('bad-o2', '[{"line_no": 1, "sku": "bad-A", "quantity": null}]');
SELECT pg_temp.unchanged();
-- 26. lines NULL: expect 22004
SELECT * FROM backorder.place_order('bad-o2', NULL);
SELECT pg_temp.unchanged();
-- 27. order_id NULL: expect 22004
SELECT * FROM backorder.place_order(NULL, '[{"line_no": 1, "sku": "bad-A", "quantity": 1}]');
SELECT pg_temp.unchanged();
-- 28-32. lines not a non-empty array of objects: expect 22023 (x5)
SELECT * FROM backorder.place_order('bad-o2', '{"line_no": 1, "sku": "bad-A", "quantity": 1}');
SELECT pg_temp.unchanged();
SELECT * FROM backorder.place_order('bad-o2', '[]');
SELECT pg_temp.unchanged();
SELECT * FROM backorder.place_order('bad-o2', '[1, 2]');
SELECT pg_temp.unchanged();
SELECT * FROM backorder.place_order('bad-o2', '"bad-A"');
SELECT pg_temp.unchanged();
SELECT * FROM backorder.place_order('bad-o2', '[{"line_no": 1, "sku": "bad-A", "quantity": 1}, null]');
SELECT pg_temp.unchanged();
-- 33. the same line twice in one call: expect 23505
SELECT * FROM backorder.place_order('bad-o2', '[{"line_no": 1, "sku": "bad-A", "quantity": 1},
                                                {"line_no": 1, "sku": "bad-A", "quantity": 1}]');
SELECT pg_temp.unchanged();
-- 34. a line that already exists: expect 23505
SELECT * FROM backorder.place_order('bad-o1', '[{"line_no": 1, "sku": "bad-A", "quantity": 1}]');
SELECT pg_temp.unchanged();
-- 35. quantity beyond bigint: expect 22003
SELECT * FROM backorder.place_order('bad-o2', '[{"line_no": 1, "sku": "bad-A", "quantity": 9223372036854775808}]');
SELECT pg_temp.unchanged();
-- 36. waiting units would overflow bigint (bad-Z already has 2 waiting): expect 22003
SELECT * FROM backorder.place_order('bad-o2', '[{"line_no": 1, "sku": "bad-Z", "quantity": 9223372036854775807}]');
SELECT pg_temp.unchanged();
-- 37. deny item beyond stock (2 on hand): expect BO001
SELECT * FROM backorder.place_order('bad-o2', '[{"line_no": 1, "sku": "bad-D", "quantity": 3}]');
SELECT pg_temp.unchanged();
-- 38. deny item, two lines that fit only one at a time: expect BO001
SELECT * FROM backorder.place_order('bad-o2', '[{"line_no": 1, "sku": "bad-D", "quantity": 2},
                                                {"line_no": 2, "sku": "bad-D", "quantity": 1}]');
SELECT pg_temp.unchanged();
-- 39. limit 3, 3 waiting, one more: expect BO002
SELECT * FROM backorder.place_order('bad-o2', '[{"line_no": 1, "sku": "bad-L", "quantity": 1}]');
SELECT pg_temp.unchanged();
-- 40. an in-stock line first, then a refused one: nothing persists; expect BO002
SELECT * FROM backorder.place_order('bad-o2', '[{"line_no": 1, "sku": "bad-A", "quantity": 1},
                                                {"line_no": 2, "sku": "bad-L", "quantity": 5}]');
SELECT pg_temp.unchanged();

-- ------------------------------------------------- order_lines directly
-- 41. supplying some engine columns: expect BO006 (x2)
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, reserved)
  VALUES ('bad-o3', 1, 'bad-A', 1, 1);
SELECT pg_temp.unchanged();
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, status)
  VALUES ('bad-o3', 1, 'bad-A', 1, 'shipped');
SELECT pg_temp.unchanged();
-- 42. a missing quantity: expect 23502
INSERT INTO backorder.order_lines (order_id, line_no, sku) VALUES ('bad-o3', 1, 'bad-A');
SELECT pg_temp.unchanged();
-- 43. unknown sku: expect 23503
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity) VALUES ('bad-o3', 1, 'bad-nope', 1);
SELECT pg_temp.unchanged();
-- 44-53. UPDATE of every column but priority: expect BO006 (x10)
UPDATE backorder.order_lines SET order_id = 'bad-o9' WHERE order_id = 'bad-o1' AND line_no = 1;
SELECT pg_temp.unchanged();
UPDATE backorder.order_lines SET line_no = 9 WHERE order_id = 'bad-o1' AND line_no = 1;
SELECT pg_temp.unchanged();
UPDATE backorder.order_lines SET sku = 'bad-Z' WHERE order_id = 'bad-o1' AND line_no = 1;
SELECT pg_temp.unchanged();
UPDATE backorder.order_lines SET quantity = 7 WHERE order_id = 'bad-o1' AND line_no = 1;
SELECT pg_temp.unchanged();
UPDATE backorder.order_lines SET ordered_at = '2001-01-01' WHERE order_id = 'bad-o1' AND line_no = 1;
SELECT pg_temp.unchanged();
UPDATE backorder.order_lines SET reserved = 0 WHERE order_id = 'bad-o1' AND line_no = 1;
SELECT pg_temp.unchanged();
UPDATE backorder.order_lines SET backordered = 0 WHERE order_id = 'bad-o1' AND line_no = 2;
SELECT pg_temp.unchanged();
UPDATE backorder.order_lines SET shipped = 0 WHERE order_id = 'bad-o1' AND line_no = 1;
SELECT pg_temp.unchanged();
UPDATE backorder.order_lines SET cancelled = 0 WHERE order_id = 'bad-o1' AND line_no = 4;
SELECT pg_temp.unchanged();
UPDATE backorder.order_lines SET status = 'cancelled' WHERE order_id = 'bad-o1' AND line_no = 1;
SELECT pg_temp.unchanged();
-- 54. priority NULL: expect 23502
UPDATE backorder.order_lines SET priority = NULL WHERE order_id = 'bad-o1' AND line_no = 2;
SELECT pg_temp.unchanged();
-- 55. DELETE of a line: expect BO006
DELETE FROM backorder.order_lines WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();

-- ---------------------------------------------- backorders (engine only)
-- 56. INSERT: expect BO006 (x2)
INSERT INTO backorder.backorders (order_id, line_no, sku, quantity) VALUES ('bad-o1', 2, 'bad-Z', 1);
SELECT pg_temp.unchanged();
INSERT INTO backorder.backorders DEFAULT VALUES;
SELECT pg_temp.unchanged();
-- 57-68. UPDATE of every column: expect BO006 (x12)
UPDATE backorder.backorders SET id = id + 1000 WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.backorders SET order_id = 'bad-o9' WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.backorders SET line_no = 9 WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.backorders SET sku = 'bad-A' WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.backorders SET quantity = quantity + 1 WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.backorders SET filled = 1 WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.backorders SET cancelled = 1 WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.backorders SET priority = 5 WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.backorders SET created_at = '2001-01-01' WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.backorders SET status = 'filled' WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.backorders SET filled_at = now() WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.backorders SET expected_at = '2030-01-01' WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
-- 69. DELETE: expect BO006
DELETE FROM backorder.backorders;
SELECT pg_temp.unchanged();

-- ---------------------------------------------------- events (engine only)
-- 70. INSERT: expect BO006
INSERT INTO backorder.events (kind, order_id, line_no, sku, quantity)
  VALUES ('backordered', 'bad-o1', 2, 'bad-Z', 1);
SELECT pg_temp.unchanged();
-- 71-80. UPDATE of every column: expect BO006 (x10)
UPDATE backorder.events SET id = id + 1000 WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.events SET at = now() WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.events SET kind = 'cancelled' WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.events SET order_id = 'bad-o9' WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.events SET line_no = 9 WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.events SET sku = 'bad-A' WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.events SET quantity = 0 WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.events SET expected_at = now() WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.events SET detail = '{}' WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.events SET claimed_at = now() WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
-- 81. DELETE: expect BO006
DELETE FROM backorder.events;
SELECT pg_temp.unchanged();

-- ------------------------------------------------------------- receipts
-- 82. zero and negative quantity: expect 23514 (x2)
INSERT INTO backorder.receipts (sku, quantity) VALUES ('bad-A', 0);
SELECT pg_temp.unchanged();
INSERT INTO backorder.receipts (sku, quantity) VALUES ('bad-A', -4);
SELECT pg_temp.unchanged();
-- 83. NULL quantity: expect 23502
INSERT INTO backorder.receipts (sku, quantity) VALUES ('bad-A', NULL);
SELECT pg_temp.unchanged();
-- 84. unknown sku: expect 23503
INSERT INTO backorder.receipts (sku, quantity) VALUES ('bad-nope', 1);
SELECT pg_temp.unchanged();
-- 85. unknown purchase order: expect 23503
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id) VALUES ('bad-A', 1, 'bad-PO9');
SELECT pg_temp.unchanged();
-- 86. a purchase order of another sku: expect 23503
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id) VALUES ('bad-Z', 1, 'bad-PO1');
SELECT pg_temp.unchanged();
-- 87. on hand past bigint (bad-M holds 2^63-1): expect 22003
INSERT INTO backorder.receipts (sku, quantity) VALUES ('bad-M', 1);
SELECT pg_temp.unchanged();
-- 88. supplying one of the two engine columns: expect BO006 (x2)
INSERT INTO backorder.receipts (sku, quantity, allocated) VALUES ('bad-A', 1, 0);
SELECT pg_temp.unchanged();
INSERT INTO backorder.receipts (sku, quantity, on_hand_after) VALUES ('bad-A', 1, 12);
SELECT pg_temp.unchanged();
-- 89-96. append-only: UPDATE of every column, and DELETE: expect BO006 (x9)
UPDATE backorder.receipts SET id = id + 1000 WHERE sku = 'bad-A';
SELECT pg_temp.unchanged();
UPDATE backorder.receipts SET sku = 'bad-Z' WHERE sku = 'bad-A';
SELECT pg_temp.unchanged();
UPDATE backorder.receipts SET quantity = 1 WHERE sku = 'bad-A';
SELECT pg_temp.unchanged();
UPDATE backorder.receipts SET received_at = now() WHERE sku = 'bad-A';
SELECT pg_temp.unchanged();
UPDATE backorder.receipts SET purchase_order_id = 'bad-PO1' WHERE sku = 'bad-A';
SELECT pg_temp.unchanged();
UPDATE backorder.receipts SET reference = 'x' WHERE sku = 'bad-A';
SELECT pg_temp.unchanged();
UPDATE backorder.receipts SET allocated = 0 WHERE sku = 'bad-A';
SELECT pg_temp.unchanged();
UPDATE backorder.receipts SET on_hand_after = 0 WHERE sku = 'bad-A';
SELECT pg_temp.unchanged();
DELETE FROM backorder.receipts WHERE sku = 'bad-A';
SELECT pg_temp.unchanged();

-- ------------------------------------------------------------ shipments
-- 97. more than reserved (line 1 has 5 reserved): expect BO003
INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('bad-o1', 1, 6);
SELECT pg_temp.unchanged();
-- 98. a line with nothing reserved (all waiting): expect BO003
INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('bad-o1', 2, 1);
SELECT pg_temp.unchanged();
-- 99. a cancelled line: expect BO003
INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('bad-o1', 4, 1);
SELECT pg_temp.unchanged();
-- 100. unknown line: expect 23503 (x2)
INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('bad-o1', 9, 1);
SELECT pg_temp.unchanged();
INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('bad-nope', 1, 1);
SELECT pg_temp.unchanged();
-- 101. zero quantity, NULL quantity: expect 23514, 23502
INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('bad-o1', 1, 0);
SELECT pg_temp.unchanged();
INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('bad-o1', 1, NULL);
SELECT pg_temp.unchanged();
-- 102-107. append-only: expect BO006 (x6)
UPDATE backorder.shipments SET quantity = 2 WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.shipments SET line_no = 2 WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.shipments SET order_id = 'bad-o9' WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.shipments SET shipped_at = now() WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.shipments SET on_hand_after = 0 WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
DELETE FROM backorder.shipments;
SELECT pg_temp.unchanged();

-- -------------------------------------------------------- cancellations
-- 108. more than open (line 1: 5 reserved): expect BO004
INSERT INTO backorder.cancellations (order_id, line_no, quantity) VALUES ('bad-o1', 1, 6);
SELECT pg_temp.unchanged();
-- 109. cancel twice: line 4 was cancelled whole; NULL again, and 1 more: expect BO004 (x2)
INSERT INTO backorder.cancellations (order_id, line_no, quantity) VALUES ('bad-o1', 4, NULL);
SELECT pg_temp.unchanged();
INSERT INTO backorder.cancellations (order_id, line_no, quantity) VALUES ('bad-o1', 4, 1);
SELECT pg_temp.unchanged();
-- 110. unknown line: expect 23503
INSERT INTO backorder.cancellations (order_id, line_no, quantity) VALUES ('bad-o1', 9, NULL);
SELECT pg_temp.unchanged();
-- 111. zero quantity: expect 23514
INSERT INTO backorder.cancellations (order_id, line_no, quantity) VALUES ('bad-o1', 1, 0);
SELECT pg_temp.unchanged();
-- 112. supplying some engine columns: expect BO006 (x2)
INSERT INTO backorder.cancellations (order_id, line_no, quantity, waiting_cancelled)
  VALUES ('bad-o1', 2, 1, 1);
SELECT pg_temp.unchanged();
INSERT INTO backorder.cancellations (order_id, line_no, quantity, reserved_cancelled)
  VALUES ('bad-o1', 1, 1, 1);
SELECT pg_temp.unchanged();
-- 113-115. append-only: expect BO006 (x3)
UPDATE backorder.cancellations SET quantity = 1 WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
UPDATE backorder.cancellations SET reason = 'changed my mind' WHERE order_id = 'bad-o1';
SELECT pg_temp.unchanged();
DELETE FROM backorder.cancellations;
SELECT pg_temp.unchanged();
-- 116. cancel_order of an unknown order: expect P0002
SELECT backorder.cancel_order('bad-nope');
SELECT pg_temp.unchanged();
-- 117. cancel_order(NULL): expect 22004
SELECT backorder.cancel_order(NULL);
SELECT pg_temp.unchanged();

-- ---------------------------------------------------------- adjustments
-- 118. zero delta: expect 23514
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('bad-A', 0, 'nothing');
SELECT pg_temp.unchanged();
-- 119. below zero on hand (bad-A has 11): expect BO005
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('bad-A', -12, 'shrinkage');
SELECT pg_temp.unchanged();
-- 120. NULL reason: expect 23502
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('bad-A', 1, NULL);
SELECT pg_temp.unchanged();
-- 121. unknown sku: expect 23503
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('bad-nope', 1, 'count');
SELECT pg_temp.unchanged();
-- 122. on hand past bigint: expect 22003
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('bad-M', 1, 'count');
SELECT pg_temp.unchanged();
-- 123. supplying some engine columns: expect BO006
INSERT INTO backorder.adjustments (sku, delta, reason, taken_back) VALUES ('bad-A', -1, 'count', 0);
SELECT pg_temp.unchanged();
-- 124-125. append-only: expect BO006 (x2)
UPDATE backorder.adjustments SET delta = 1;
SELECT pg_temp.unchanged();
DELETE FROM backorder.adjustments;
SELECT pg_temp.unchanged();

-- ------------------------------------------------------ purchase orders
-- 126. zero quantity: expect 23514
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
  VALUES ('bad-PO9', 'bad-A', 0, '2030-01-01');
SELECT pg_temp.unchanged();
-- 127. no expected_at: expect 23502
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity)
  VALUES ('bad-PO9', 'bad-A', 1);
SELECT pg_temp.unchanged();
-- 128. duplicate line: expect 23505
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
  VALUES ('bad-PO1', 'bad-A', 1, '2030-01-01');
SELECT pg_temp.unchanged();
-- 129. unknown sku: expect 23503
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
  VALUES ('bad-PO9', 'bad-nope', 1, '2030-01-01');
SELECT pg_temp.unchanged();
-- 130. inserted as anything but open: expect BO006 (x2)
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at, status)
  VALUES ('bad-PO9', 'bad-A', 1, '2030-01-01', 'closed');
SELECT pg_temp.unchanged();
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at, status)
  VALUES ('bad-PO9', 'bad-A', 1, '2030-01-01', 'cancelled');
SELECT pg_temp.unchanged();
-- 131-134. status changes not allowed (PO1 open, PO2 closed, PO3 cancelled): expect BO006 (x4)
UPDATE backorder.purchase_orders SET status = 'closed' WHERE purchase_order_id = 'bad-PO1';
SELECT pg_temp.unchanged();
UPDATE backorder.purchase_orders SET status = 'cancelled' WHERE purchase_order_id = 'bad-PO2';
SELECT pg_temp.unchanged();
UPDATE backorder.purchase_orders SET status = 'open' WHERE purchase_order_id = 'bad-PO2';
SELECT pg_temp.unchanged();
UPDATE backorder.purchase_orders SET status = 'open' WHERE purchase_order_id = 'bad-PO3';
SELECT pg_temp.unchanged();
-- 135. a status the table does not know (a change the contract does not allow): expect BO006
UPDATE backorder.purchase_orders SET status = 'lost' WHERE purchase_order_id = 'bad-PO1';
SELECT pg_temp.unchanged();
-- 136-139. other columns users may not change: expect BO006 (x4)
UPDATE backorder.purchase_orders SET received = 5 WHERE purchase_order_id = 'bad-PO1';
SELECT pg_temp.unchanged();
UPDATE backorder.purchase_orders SET sku = 'bad-Z' WHERE purchase_order_id = 'bad-PO1';
SELECT pg_temp.unchanged();
UPDATE backorder.purchase_orders SET purchase_order_id = 'bad-PO8' WHERE purchase_order_id = 'bad-PO1';
SELECT pg_temp.unchanged();
UPDATE backorder.purchase_orders SET ordered_at = '2001-01-01' WHERE purchase_order_id = 'bad-PO1';
SELECT pg_temp.unchanged();
-- 140. user columns, bad values: expect 23514, 23502
UPDATE backorder.purchase_orders SET quantity = 0 WHERE purchase_order_id = 'bad-PO1';
SELECT pg_temp.unchanged();
UPDATE backorder.purchase_orders SET expected_at = NULL WHERE purchase_order_id = 'bad-PO1';
SELECT pg_temp.unchanged();
-- 141. DELETE: expect BO006
DELETE FROM backorder.purchase_orders WHERE purchase_order_id = 'bad-PO3';
SELECT pg_temp.unchanged();

-- ------------------------------------------------------ event functions
-- 142. claim_events(0), (-1), (NULL): expect 22023 (x2), 22004
SELECT count(*) FROM backorder.claim_events(0);
SELECT pg_temp.unchanged();
SELECT count(*) FROM backorder.claim_events(-1);
SELECT pg_temp.unchanged();
SELECT count(*) FROM backorder.claim_events(NULL);
SELECT pg_temp.unchanged();
-- 143. purge_events of a negative interval, of NULL: expect 22023, 22004
SELECT backorder.purge_events('-1 day');
SELECT pg_temp.unchanged();
SELECT backorder.purge_events(NULL);
SELECT pg_temp.unchanged();

-- Everything still adds up.
SELECT count(*) AS problems FROM backorder.check();
ROLLBACK;
