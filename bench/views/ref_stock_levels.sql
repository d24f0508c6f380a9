-- reference: stock_levels by hand (one grouped pass over the open lines)
SELECT i.sku, i.policy, i.on_hand, i.reserved, i.on_hand - i.reserved AS available, i.backordered,
       COALESCE(s.incoming, 0)::bigint AS incoming,
       i.on_hand - i.reserved + COALESCE(s.incoming, 0)::bigint - i.backordered AS projected,
       s.next_expected_at
  FROM backorder.items i
  LEFT JOIN (SELECT sku, sum(quantity - received) AS incoming, min(expected_at) AS next_expected_at
               FROM backorder.purchase_orders WHERE status = 'open' AND quantity > received
              GROUP BY sku) s ON s.sku = i.sku;
