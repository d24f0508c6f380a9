-- reference: lead_times by hand (one grouped pass per figure)
SELECT i.sku, i.lead_time, o.observed, COALESCE(w.lines, 0), COALESCE(w.units, 0), w.oldest,
       f.avg_wait, f.p90_wait, s.next_expected_at
  FROM backorder.items i
  LEFT JOIN (SELECT r.sku, percentile_cont(0.5) WITHIN GROUP (ORDER BY r.received_at - p.ordered_at) AS observed
               FROM backorder.receipts r
               JOIN backorder.purchase_orders p USING (purchase_order_id, sku)
              GROUP BY r.sku) o ON o.sku = i.sku
  LEFT JOIN (SELECT sku, count(*) AS lines, sum(quantity - filled - cancelled) AS units, min(created_at) AS oldest
               FROM backorder.backorders WHERE status = 'waiting' GROUP BY sku) w ON w.sku = i.sku
  LEFT JOIN (SELECT sku, avg(filled_at - created_at) AS avg_wait,
                    percentile_cont(0.9) WITHIN GROUP (ORDER BY filled_at - created_at) AS p90_wait
               FROM backorder.backorders WHERE status = 'filled' GROUP BY sku) f ON f.sku = i.sku
  LEFT JOIN (SELECT sku, min(expected_at) AS next_expected_at FROM backorder.purchase_orders
              WHERE status = 'open' AND quantity > received GROUP BY sku) s ON s.sku = i.sku;
