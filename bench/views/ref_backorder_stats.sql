-- reference: backorder_stats() by hand, lines placed in the last 90 days
WITH d AS (SELECT sku, count(*) AS lines, sum(quantity) AS units FROM backorder.order_lines
            WHERE ordered_at >= now() - interval '90 days' GROUP BY sku),
b AS (SELECT sku, count(DISTINCT (order_id, line_no)) AS bl, sum(quantity) AS bu,
             count(*) FILTER (WHERE status = 'filled') AS fb,
             avg(filled_at - created_at) FILTER (WHERE status = 'filled') AS avg_wait,
             percentile_cont(0.9) WITHIN GROUP (ORDER BY filled_at - created_at) FILTER (WHERE status = 'filled') AS p90,
             sum(quantity - filled - cancelled) FILTER (WHERE status = 'waiting') AS wu
        FROM backorder.backorders WHERE ordered_at >= now() - interval '90 days' GROUP BY sku)
SELECT d.sku, d.lines, COALESCE(b.bl, 0), trim_scale(COALESCE(b.bl, 0)::numeric / d.lines), d.units,
       COALESCE(b.bu, 0), trim_scale(greatest(0, 1 - COALESCE(b.bu, 0)::numeric / d.units)),
       COALESCE(b.fb, 0), b.avg_wait, b.p90, COALESCE(b.wu, 0)
  FROM d LEFT JOIN b ON b.sku = d.sku
 ORDER BY 4 DESC, 1;
