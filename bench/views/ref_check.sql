-- reference: the invariants of check() by hand, summed per SKU and per line
WITH lw AS (SELECT order_id, line_no, sum(quantity - filled - cancelled) AS w, count(*) AS n
              FROM backorder.backorders WHERE status = 'waiting' GROUP BY order_id, line_no),
sh AS (SELECT order_id, line_no, sum(quantity) AS q FROM backorder.shipments GROUP BY order_id, line_no),
ca AS (SELECT order_id, line_no, sum(quantity) AS q FROM backorder.cancellations GROUP BY order_id, line_no),
lines AS (SELECT l.*, COALESCE(lw.w, 0) AS w, COALESCE(lw.n, 0) AS n, COALESCE(sh.q, 0) AS sq, COALESCE(ca.q, 0) AS cq
            FROM backorder.order_lines l
            LEFT JOIN lw USING (order_id, line_no) LEFT JOIN sh USING (order_id, line_no)
            LEFT JOIN ca USING (order_id, line_no)),
ls AS (SELECT sku, sum(reserved) AS r, sum(backordered) AS b, sum(sq) AS sq FROM lines GROUP BY sku),
rc AS (SELECT sku, sum(quantity) AS q FROM backorder.receipts GROUP BY sku),
ad AS (SELECT sku, sum(delta) AS d FROM backorder.adjustments GROUP BY sku),
qw AS (SELECT sku, sum(quantity - filled - cancelled) AS w FROM backorder.backorders
        WHERE status = 'waiting' GROUP BY sku)
SELECT i.sku, 'item' FROM backorder.items i
  LEFT JOIN ls ON ls.sku = i.sku LEFT JOIN rc ON rc.sku = i.sku
  LEFT JOIN ad ON ad.sku = i.sku LEFT JOIN qw ON qw.sku = i.sku
 WHERE i.on_hand <> COALESCE(rc.q, 0) + COALESCE(ad.d, 0) - COALESCE(ls.sq, 0) OR i.on_hand < 0
    OR i.reserved <> COALESCE(ls.r, 0) OR i.reserved > i.on_hand
    OR i.backordered <> COALESCE(qw.w, 0) OR i.backordered <> COALESCE(ls.b, 0)
    OR (i.on_hand - i.reserved > 0 AND i.backordered > 0)
UNION ALL
SELECT sku, 'line' FROM lines
 WHERE quantity <> reserved + backordered + shipped + cancelled OR shipped <> sq OR cancelled <> cq
    OR backordered <> w OR n > 1
    OR status <> CASE WHEN cancelled = quantity THEN 'cancelled' WHEN shipped + cancelled = quantity THEN 'shipped'
                      WHEN backordered > 0 THEN 'backordered' ELSE 'reserved' END;
