-- Promised dates: a waiting row's expected_at is the expected_at of the
-- first open purchase-order line (by expected_at, purchase_order_id) whose
-- running total of incoming units reaches the row's running total of
-- waiting units (fill order); NULL when none does.  eta_changed for every
-- row that stays waiting and gets another date; none for a row just written.
\set VERBOSITY terse
\set SHOW_CONTEXT never
SET timezone = 'UTC';
-- the queue with its dates, and the events written since the last call
CREATE FUNCTION pg_temp.queue() RETURNS TABLE (order_id text, waiting bigint, priority int,
  queue_position bigint, units_ahead bigint, expected_at timestamptz, eta_source text)
LANGUAGE sql AS $$
  SELECT order_id, waiting, priority, queue_position, units_ahead,
         CASE WHEN eta_source = 'purchase_order' THEN expected_at END, eta_source
    FROM backorder.waiting_orders WHERE sku = 'E-1' ORDER BY queue_position $$;
CREATE TABLE pg_temp.seen (id bigint);
INSERT INTO pg_temp.seen VALUES (0);
CREATE FUNCTION pg_temp.new_events() RETURNS TABLE (kind text, order_id text, quantity bigint,
  expected_at timestamptz, detail jsonb)
LANGUAGE sql AS $$
  SELECT kind, order_id, quantity, expected_at, detail FROM backorder.events
   WHERE sku = 'E-1' AND id > (SELECT max(id) FROM pg_temp.seen) ORDER BY id;
$$;
CREATE FUNCTION pg_temp.mark() RETURNS void LANGUAGE sql AS $$
  INSERT INTO pg_temp.seen SELECT coalesce(max(id), 0) FROM backorder.events $$;

INSERT INTO backorder.items (sku, lead_time) VALUES ('E-1', '10 days');
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at) VALUES
  ('eA', 1, 'E-1', 2, '2026-05-01 00:00+00'),
  ('eB', 1, 'E-1', 3, '2026-05-02 00:00+00');
-- no purchase order: dates come from the lead time
SELECT * FROM pg_temp.queue();
SELECT kind, order_id, quantity, expected_at FROM pg_temp.new_events();
SELECT pg_temp.mark();

-- 1. exactly covered: one PO of 5 covers A (2) and B (2 + 3 = 5)
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
VALUES ('P1', 'E-1', 5, '2026-06-01 00:00+00');
SELECT * FROM pg_temp.queue();
SELECT * FROM pg_temp.new_events();
SELECT pg_temp.mark();

-- 2. split across two POs: P1 shrinks to 3 (B loses its date), then P2 brings
-- 4 a week later (B gets P2's date): each statement is one change
BEGIN;
UPDATE backorder.purchase_orders SET quantity = 3 WHERE purchase_order_id = 'P1';
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
VALUES ('P2', 'E-1', 4, '2026-06-08 00:00+00');
COMMIT;
SELECT * FROM pg_temp.queue();
SELECT * FROM pg_temp.new_events();
SELECT pg_temp.mark();

-- 3. an uncovered tail: C (4) reaches 9 > 7 incoming; its backordered event has no date
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at)
VALUES ('eC', 1, 'E-1', 4, '2026-05-03 00:00+00');
SELECT * FROM pg_temp.queue();
SELECT * FROM pg_temp.new_events();
SELECT pg_temp.mark();

-- 4. priority reordering: C goes first; C 4 -> P2, A 6 -> P2, B 9 -> none
UPDATE backorder.order_lines SET priority = 5 WHERE order_id = 'eC';
SELECT * FROM pg_temp.queue();
SELECT * FROM pg_temp.new_events();
SELECT pg_temp.mark();

-- 5. PO slip: P1 moves behind P2; supply order P2 (4), P1 (3): C 4 -> P2, A 6 -> P1, B -> none
UPDATE backorder.purchase_orders SET expected_at = '2026-06-15 00:00+00' WHERE purchase_order_id = 'P1';
SELECT * FROM pg_temp.queue();
SELECT * FROM pg_temp.new_events();
SELECT pg_temp.mark();
-- the same date again changes nothing
UPDATE backorder.purchase_orders SET expected_at = '2026-06-15 00:00+00' WHERE purchase_order_id = 'P1';
SELECT count(*) AS events FROM pg_temp.new_events();

-- 6. PO cancel: without P2 only P1's 3 remain: nothing covers C (4), so nobody has a date
UPDATE backorder.purchase_orders SET status = 'cancelled' WHERE purchase_order_id = 'P2';
SELECT * FROM pg_temp.queue();
SELECT * FROM pg_temp.new_events();
SELECT pg_temp.mark();

-- 7. a new row ahead of the others: D (priority 9, 1 unit) is written with
-- P1's date and gets no eta_changed; C, A, B stay within P3's units
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
VALUES ('P3', 'E-1', 8, '2026-06-22 00:00+00');
SELECT * FROM pg_temp.queue();
SELECT pg_temp.mark();
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, priority, ordered_at)
VALUES ('eD', 1, 'E-1', 1, 9, '2026-05-04 00:00+00');
SELECT * FROM pg_temp.queue();
SELECT * FROM pg_temp.new_events();
SELECT pg_temp.mark();

-- 8. partial receipt against P1 (2 of 3): D and 1 of C are filled; P1 keeps 1 open;
-- allocated events first, then the eta_changed they cause, in fill order
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id) VALUES ('E-1', 2, 'P1')
RETURNING allocated, on_hand_after;
SELECT purchase_order_id, quantity, received, status FROM backorder.purchase_orders WHERE sku = 'E-1' ORDER BY 1;
SELECT * FROM pg_temp.queue();
SELECT * FROM pg_temp.new_events();
SELECT pg_temp.mark();

-- 9. a positive adjustment of 2 fills C down to 1 unit, which P1's last open
-- unit now covers: allocated, then C's eta_changed (06-22 -> 06-15)
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('E-1', 2, 'found in the back')
RETURNING allocated;
SELECT * FROM pg_temp.queue();
SELECT * FROM pg_temp.new_events();
SELECT pg_temp.mark();

-- 10. cancelling C's waiting unit: a cancelled event; A and B keep P3's date
INSERT INTO backorder.cancellations (order_id, line_no, quantity) VALUES ('eC', 1, 1);
SELECT * FROM pg_temp.queue();
SELECT * FROM pg_temp.new_events();
SELECT pg_temp.mark();

-- 11. a lead_time change moves no stored date and emits nothing
UPDATE backorder.items SET lead_time = '30 days' WHERE sku = 'E-1';
SELECT count(*) AS events FROM pg_temp.new_events();

SELECT sku, incoming, projected, next_expected_at FROM backorder.stock_levels WHERE sku = 'E-1';
SELECT sku, lead_time, waiting_lines, waiting_units, next_expected_at FROM backorder.lead_times WHERE sku = 'E-1';
SELECT * FROM backorder.check();
