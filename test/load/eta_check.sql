-- test/load/eta_check.sql: waiting rows whose stored expected_at differs
-- from SPEC's promise rule, recomputed here in plain SQL (independently of
-- src/eta.c): the first open purchase-order line, by (expected_at,
-- purchase_order_id), whose running total of incoming units reaches the
-- row's running total of waiting units in fill order; NULL if none.
WITH queue AS (
    SELECT b.id, b.sku, b.expected_at,
           sum(b.quantity - b.filled - b.cancelled)
             OVER (PARTITION BY b.sku ORDER BY b.priority DESC, b.ordered_at, b.id) AS running
      FROM backorder.backorders b
     WHERE b.status = 'waiting'),
supply AS (
    SELECT p.sku, p.expected_at,
           sum(p.quantity - p.received)
             OVER (PARTITION BY p.sku ORDER BY p.expected_at, p.purchase_order_id) AS cum
      FROM backorder.purchase_orders p
     WHERE p.status = 'open' AND p.quantity > p.received)
SELECT q.sku, q.id, q.expected_at AS stored,
       (SELECT s.expected_at FROM supply s
         WHERE s.sku = q.sku AND s.cum >= q.running ORDER BY s.cum LIMIT 1) AS by_rule
  FROM queue q
 WHERE q.expected_at IS DISTINCT FROM
       (SELECT s.expected_at FROM supply s
         WHERE s.sku = q.sku AND s.cum >= q.running ORDER BY s.cum LIMIT 1);
