-- sql/views.sql: the DBA's views of stock, the waiting queue and lead
-- times.  Part of the install script.

CREATE VIEW @extschema@.stock_levels AS
SELECT i.sku,
       i.policy,
       i.on_hand,
       i.reserved,
       i.on_hand OPERATOR(pg_catalog.-) i.reserved OPERATOR(pg_catalog.-) i.held AS available,
       i.backordered,
       COALESCE(s.incoming, 0)::bigint AS incoming,
       (i.on_hand OPERATOR(pg_catalog.-) i.reserved OPERATOR(pg_catalog.-) i.held
        OPERATOR(pg_catalog.+) COALESCE(s.incoming, 0)::bigint
        OPERATOR(pg_catalog.-) i.backordered) AS projected,
       s.next_expected_at,
       i.held
  FROM @extschema@.items i
  LEFT JOIN (
        -- one grouped pass over the open purchase-order lines; a filter on
        -- sku reaches it through the join clause (that sku's lines only)
        SELECT p.sku,
               pg_catalog.sum(p.quantity OPERATOR(pg_catalog.-) p.received) AS incoming,
               pg_catalog.min(p.expected_at) AS next_expected_at
          FROM @extschema@.purchase_orders p
         WHERE p.status OPERATOR(pg_catalog.=) 'open'
           AND p.quantity OPERATOR(pg_catalog.>) p.received
         GROUP BY p.sku) s ON s.sku OPERATOR(pg_catalog.=) i.sku;
COMMENT ON VIEW @extschema@.stock_levels IS
  'Per item: on hand, reserved, available (on hand - reserved - held), backordered, incoming from open purchase orders, projected, next expected date and units held for carts';

CREATE VIEW @extschema@.waiting_orders AS
SELECT b.id AS backorder_id,
       b.order_id,
       b.line_no,
       b.sku,
       (b.quantity OPERATOR(pg_catalog.-) b.filled OPERATOR(pg_catalog.-) b.cancelled) AS waiting,
       b.priority,
       b.created_at AS waiting_since,
       pg_catalog.now() OPERATOR(pg_catalog.-) b.created_at AS waited,
       pg_catalog.row_number() OVER w AS queue_position,
       COALESCE(pg_catalog.sum(b.quantity OPERATOR(pg_catalog.-) b.filled OPERATOR(pg_catalog.-) b.cancelled)
                OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::bigint AS units_ahead,
       COALESCE(b.expected_at, pg_catalog.now() OPERATOR(pg_catalog.+) i.lead_time) AS expected_at,
       CASE WHEN b.expected_at IS NULL THEN 'lead_time' ELSE 'purchase_order' END AS eta_source
  FROM @extschema@.backorders b
  JOIN @extschema@.items i ON i.sku OPERATOR(pg_catalog.=) b.sku
 WHERE b.status OPERATOR(pg_catalog.=) 'waiting'
WINDOW w AS (PARTITION BY b.sku ORDER BY b.priority DESC, b.ordered_at, b.id);
COMMENT ON VIEW @extschema@.waiting_orders IS
  'One row per waiting backorder, with its place in the SKU''s queue and its promised date';

-- Each figure is one grouped pass over the rows it sums (a per-item
-- subquery would scan the filled history once per item); a filter on sku
-- reaches every group (the join clauses carry it into each subquery), so
-- one item's row reads only that item's rows, through backorders_sku_idx.
CREATE VIEW @extschema@.lead_times AS
SELECT i.sku,
       i.lead_time,
       o.observed_lead_time,
       COALESCE(w.waiting_lines, 0)::bigint AS waiting_lines,
       COALESCE(w.waiting_units, 0)::bigint AS waiting_units,
       w.oldest_waiting_since,
       f.avg_wait,
       f.p90_wait,
       s.next_expected_at
  FROM @extschema@.items i
  LEFT JOIN (
        SELECT r.sku,
               pg_catalog.percentile_cont(0.5) WITHIN GROUP
                 (ORDER BY r.received_at OPERATOR(pg_catalog.-) p.ordered_at) AS observed_lead_time
          FROM @extschema@.receipts r
          JOIN @extschema@.purchase_orders p
            ON p.purchase_order_id OPERATOR(pg_catalog.=) r.purchase_order_id
           AND p.sku OPERATOR(pg_catalog.=) r.sku
         GROUP BY r.sku) o ON o.sku OPERATOR(pg_catalog.=) i.sku
  LEFT JOIN (
        SELECT b.sku,
               pg_catalog.count(*) AS waiting_lines,
               pg_catalog.sum(b.quantity OPERATOR(pg_catalog.-) b.filled OPERATOR(pg_catalog.-) b.cancelled) AS waiting_units,
               pg_catalog.min(b.created_at) AS oldest_waiting_since
          FROM @extschema@.backorders b
         WHERE b.status OPERATOR(pg_catalog.=) 'waiting'
         GROUP BY b.sku) w ON w.sku OPERATOR(pg_catalog.=) i.sku
  LEFT JOIN (
        SELECT b.sku,
               pg_catalog.avg(b.filled_at OPERATOR(pg_catalog.-) b.created_at) AS avg_wait,
               pg_catalog.percentile_cont(0.9) WITHIN GROUP
                 (ORDER BY b.filled_at OPERATOR(pg_catalog.-) b.created_at) AS p90_wait
          FROM @extschema@.backorders b
         WHERE b.status OPERATOR(pg_catalog.=) 'filled'
         GROUP BY b.sku) f ON f.sku OPERATOR(pg_catalog.=) i.sku
  LEFT JOIN (
        SELECT p.sku,
               pg_catalog.min(p.expected_at) AS next_expected_at
          FROM @extschema@.purchase_orders p
         WHERE p.status OPERATOR(pg_catalog.=) 'open'
           AND p.quantity OPERATOR(pg_catalog.>) p.received
         GROUP BY p.sku) s ON s.sku OPERATOR(pg_catalog.=) i.sku;
COMMENT ON VIEW @extschema@.lead_times IS
  'Per item: configured and observed lead time, what waits, how long filled backorders waited, next expected date';
