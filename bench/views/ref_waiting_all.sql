-- reference: every queue by hand
SELECT b.id, b.order_id, b.line_no, b.sku, b.quantity - b.filled - b.cancelled AS waiting, b.priority,
       b.created_at, now() - b.created_at,
       row_number() OVER w,
       COALESCE(sum(b.quantity - b.filled - b.cancelled) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0),
       COALESCE(b.expected_at, now() + i.lead_time),
       CASE WHEN b.expected_at IS NULL THEN 'lead_time' ELSE 'purchase_order' END
  FROM backorder.backorders b JOIN backorder.items i ON i.sku = b.sku
 WHERE b.status = 'waiting'
WINDOW w AS (PARTITION BY b.sku ORDER BY b.priority DESC, b.ordered_at, b.id);
