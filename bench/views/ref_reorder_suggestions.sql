-- reference: reorder_suggestions() by hand (90 days, service level 0.95)
WITH days AS (SELECT sku, sum(quantity) AS total FROM backorder.order_lines
               WHERE ordered_at >= (current_date - 90)::timestamptz AND ordered_at < current_date::timestamptz
               GROUP BY sku, date_trunc('day', ordered_at)),
dm AS (SELECT sku, sum(total) AS s, sum(total * total) AS q FROM days GROUP BY sku),
obs AS (SELECT r.sku, percentile_cont(0.5) WITHIN GROUP (ORDER BY r.received_at - p.ordered_at) AS lt
          FROM backorder.receipts r JOIN backorder.purchase_orders p USING (purchase_order_id, sku)
         GROUP BY r.sku),
inc AS (SELECT sku, sum(quantity - received) AS incoming FROM backorder.purchase_orders
         WHERE status = 'open' AND quantity > received GROUP BY sku),
f AS (SELECT i.sku, COALESCE(dm.s, 0) AS s, 90 * COALESCE(dm.q, 0) - COALESCE(dm.s, 0) ^ 2 AS n2var,
             greatest(0, extract(epoch FROM COALESCE(obs.lt, i.lead_time))) AS secs,
             i.on_hand - i.reserved + COALESCE(inc.incoming, 0) - i.backordered AS position
        FROM backorder.items i LEFT JOIN dm ON dm.sku = i.sku LEFT JOIN obs ON obs.sku = i.sku
        LEFT JOIN inc ON inc.sku = i.sku),
st AS (SELECT sku, s / 90.0 AS daily, sqrt(n2var / 8100) AS sd, secs / 86400 AS ltd,
              ceil(1.6448536269514722 * sqrt(n2var * secs / (8100 * 86400)))::bigint AS ss,
              ceil(s * secs / (90 * 86400))::bigint AS ltdem, position FROM f)
SELECT sku, trim_scale(daily), sd, trim_scale(ltd), ss, ltdem + ss,
       position, greatest(0, ltdem + ss - position) FROM st ORDER BY sku;
