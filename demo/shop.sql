-- demo/shop.sql: a small web shop's day, run by scripts/demo.sh in a
-- throwaway cluster.  Prints the views before and after.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS backorder;

\echo '== The catalogue: three items'
INSERT INTO backorder.items (sku, policy, backorder_limit, lead_time) VALUES
  ('MUG-BLUE', 'allow', NULL, '10 days'),   -- backorders welcome
  ('TEE-M',    'deny',  NULL, '14 days'),   -- out of stock means no
  ('POSTER',   'allow', 5,    '21 days');   -- at most 5 may wait
INSERT INTO backorder.receipts (sku, quantity, reference) VALUES
  ('MUG-BLUE', 3, 'opening stock'), ('TEE-M', 2, 'opening stock'), ('POSTER', 1, 'opening stock');

\echo '== Orders come in: some reserve, some wait'
SELECT order_id, line_no, sku, quantity, reserved, backordered, status
  FROM backorder.place_order('1001', '[{"line_no": 1, "sku": "MUG-BLUE", "quantity": 2},
                                       {"line_no": 2, "sku": "TEE-M", "quantity": 1}]');
SELECT order_id, line_no, sku, quantity, reserved, backordered, status
  FROM backorder.place_order('1002', '[{"line_no": 1, "sku": "MUG-BLUE", "quantity": 4}]');
SELECT order_id, line_no, sku, quantity, reserved, backordered, status
  FROM backorder.place_order('1003', '[{"line_no": 1, "sku": "MUG-BLUE", "quantity": 2, "priority": 5},
                                       {"line_no": 2, "sku": "POSTER", "quantity": 3}]');

\echo '== A T-shirt order beyond stock is refused (deny policy):'
\set ON_ERROR_STOP off
SELECT * FROM backorder.place_order('1004', '[{"line_no": 1, "sku": "TEE-M", "quantity": 5}]');
\set ON_ERROR_STOP on

\echo '== A purchase order for mugs is placed with the supplier'
-- (ordered twelve days ago, so lead_times has an observed lead time to show)
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, ordered_at, expected_at)
VALUES ('PO-77', 'MUG-BLUE', 4, now() - interval '12 days', date_trunc('day', now()) + interval '7 days');

\echo '== BEFORE: stock levels'
SELECT sku, policy, on_hand, reserved, available, backordered, incoming, projected FROM backorder.stock_levels ORDER BY sku;
\echo '== BEFORE: the waiting queue (priority 5 goes first)'
SELECT backorder_id, order_id, line_no, sku, waiting, priority, queue_position, units_ahead,
       expected_at::date AS expected, eta_source
  FROM backorder.waiting_orders ORDER BY sku, queue_position;

\echo '== The supplier slips a week: promised dates move, customers are told'
UPDATE backorder.purchase_orders SET expected_at = expected_at + interval '7 days' WHERE purchase_order_id = 'PO-77';
SELECT kind, order_id, line_no, quantity, detail FROM backorder.events WHERE kind = 'eta_changed' ORDER BY id;

\echo '== The goods arrive: the receipt fills the queue in fill order'
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id, reference)
VALUES ('MUG-BLUE', 4, 'PO-77', 'delivery note 5521')
RETURNING id, sku, quantity, allocated, on_hand_after;

\echo '== Customer 1003 cancels; order 1001 ships'
SELECT backorder.cancel_order('1003', 'customer changed their mind') AS units_cancelled;
INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('1001', 1, 2), ('1001', 2, 1)
RETURNING order_id, line_no, quantity, on_hand_after;

\echo '== AFTER: stock levels'
SELECT sku, policy, on_hand, reserved, available, backordered, incoming, projected FROM backorder.stock_levels ORDER BY sku;
\echo '== AFTER: the waiting queue'
SELECT backorder_id, order_id, line_no, sku, waiting, priority, queue_position, units_ahead,
       expected_at::date AS expected, eta_source
  FROM backorder.waiting_orders ORDER BY sku, queue_position;
\echo '== AFTER: order lines'
SELECT order_id, line_no, sku, quantity, reserved, backordered, shipped, cancelled, status
  FROM backorder.order_lines ORDER BY order_id, line_no;
\echo '== Lead times'
SELECT sku, lead_time, observed_lead_time, waiting_lines, waiting_units FROM backorder.lead_times ORDER BY sku;
\echo '== The outbox: what the shop tells its customers (a mailer claims these)'
SELECT id, kind, order_id, line_no, sku, quantity, expected_at::date AS expected, detail
  FROM backorder.claim_events(50);
\echo '== Mug orders of the last four weeks, loaded from the old shop system (they wait for stock)'
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at)
SELECT 'old-' || d, 1, 'MUG-BLUE', 1 + d % 3, date_trunc('day', now()) - d * interval '1 day' + interval '10 hours'
  FROM generate_series(1, 28, 3) d;
\echo '== Analytics: the five items that backorder most often (lines placed in the last 90 days)'
SELECT sku, lines, backordered_lines, round(backorder_rate, 3) AS backorder_rate,
       round(unit_fill_rate, 3) AS unit_fill_rate, waiting_units
  FROM backorder.backorder_stats() LIMIT 5;
\echo '== Replenishment: what to order (demand over the last 30 days, 95 % service level)'
SELECT sku, round(daily_demand, 2) AS daily_demand, round(lead_time_days, 1) AS lead_time_days,
       safety_stock, reorder_point, "position", suggested_quantity
  FROM backorder.reorder_suggestions(30, 0.95) ORDER BY sku;
\echo '== Cart holds (1.1): the last three red mugs, two carts, one customer waiting'
INSERT INTO backorder.items (sku, lead_time) VALUES ('MUG-RED', '10 days');
INSERT INTO backorder.receipts (sku, quantity, reference) VALUES ('MUG-RED', 3, 'last of the batch');
-- Anna has the last two in her cart and is typing her card number
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('cart-anna', 'MUG-RED', 2)
RETURNING hold_id, sku, quantity, held, status;
-- Ben puts the third in his cart, then walks away (his cart is kept 2 seconds here, 15 minutes by default)
INSERT INTO backorder.holds (hold_id, sku, quantity, expires_at)
VALUES ('cart-ben', 'MUG-RED', 1, now() + interval '2 seconds')
RETURNING hold_id, sku, quantity, held, status;
\echo '== Another customer orders a red mug: nothing is available, the order waits behind the carts'
SELECT order_id, line_no, sku, quantity, reserved, backordered, status
  FROM backorder.place_order('2001', '[{"line_no": 1, "sku": "MUG-RED", "quantity": 1}]');
SELECT sku, on_hand, reserved, held, available, backordered FROM backorder.stock_levels WHERE sku = 'MUG-RED';
\echo '== Anna checks out with her hold_id: her two held mugs are hers'
SELECT order_id, line_no, sku, quantity, reserved, backordered, status
  FROM backorder.place_order('2002', '[{"line_no": 1, "sku": "MUG-RED", "quantity": 2}]', 'cart-anna');
\echo '== Ben''s cart expires; expire_holds (pg_cron runs it every minute) hands his mug to the waiting order'
SELECT pg_sleep(2.1);
SELECT backorder.expire_holds() AS units_freed;
SELECT hold_id, sku, quantity, held, status FROM backorder.holds ORDER BY hold_id;
SELECT order_id, line_no, sku, quantity, reserved, backordered, status
  FROM backorder.order_lines WHERE sku = 'MUG-RED' ORDER BY order_id;
SELECT sku, on_hand, reserved, held, available, backordered FROM backorder.stock_levels WHERE sku = 'MUG-RED';
SELECT kind, order_id, line_no, sku, quantity, detail FROM backorder.events
 WHERE sku = 'MUG-RED' ORDER BY id;
\echo '== Sales channels (1.1): the own shop offers everything and takes backorders;'
\echo '   the marketplace offers half of what is available, keeping 2 back'
INSERT INTO backorder.channels (channel, buffer, share, backorders) VALUES
  ('own-shop', 0, 1, true), ('marketplace', 2, 0.5, false);
SELECT channel, sku, available, published, orderable FROM backorder.channel_stock ORDER BY sku, channel;
\echo '== 10 T-shirts arrive, then order 1005 takes 3: the stock feed (a sync worker claims these)'
INSERT INTO backorder.receipts (sku, quantity, reference) VALUES ('TEE-M', 10, 'delivery 2');
SELECT order_id, line_no, sku, quantity, reserved, status
  FROM backorder.place_order('1005', '[{"line_no": 1, "sku": "TEE-M", "quantity": 3}]');
SELECT id, kind, sku, quantity, detail FROM backorder.events
 WHERE kind = 'availability_changed' ORDER BY id;
\echo '== What each channel may now sell (examples/channel_sync pushes these lines)'
SELECT channel, sku, available, published, orderable FROM backorder.channel_stock
 WHERE sku = 'TEE-M' ORDER BY channel;
\echo '== check(): no rows means every number adds up'
SELECT * FROM backorder.check();
