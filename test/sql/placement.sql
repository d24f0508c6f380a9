-- Placing demand: reserve min(quantity, available), queue the rest (allow),
-- refuse it (deny, BO001), respect backorder_limit (BO002); place_order.
\set VERBOSITY terse
\set SHOW_CONTEXT never
-- err(statement): the SQLSTATE and message of a failing statement
CREATE FUNCTION pg_temp.err(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

INSERT INTO backorder.items (sku) VALUES ('P-A'), ('P-B');
INSERT INTO backorder.items (sku, policy) VALUES ('P-DENY', 'deny');
INSERT INTO backorder.items (sku, backorder_limit) VALUES ('P-LIM', 3);
SELECT sku, policy, backorder_limit, lead_time, on_hand, reserved, backordered
  FROM backorder.items WHERE sku LIKE 'P-%' ORDER BY sku;

INSERT INTO backorder.receipts (sku, quantity) VALUES ('P-A', 5), ('P-DENY', 2), ('P-LIM', 1);

-- in stock: reserved in full
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at)
VALUES ('o1', 1, 'P-A', 2, '2026-01-01 10:00+00')
RETURNING order_id, line_no, quantity, priority, reserved, backordered, shipped, cancelled, status;

-- partly in stock: 3 reserved, 1 waits; a backorder row and an event
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at)
VALUES ('o2', 1, 'P-A', 4, '2026-01-01 11:00+00')
RETURNING order_id, line_no, quantity, reserved, backordered, status;
SELECT order_id, line_no, sku, quantity, filled, cancelled, priority, status, filled_at, expected_at
  FROM backorder.backorders WHERE sku = 'P-A';
SELECT kind, order_id, line_no, sku, quantity, expected_at, detail FROM backorder.events WHERE sku = 'P-A' ORDER BY id;

-- several lines in one statement are served in the order they arrive
INSERT INTO backorder.receipts (sku, quantity) VALUES ('P-B', 3);
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at) VALUES
  ('o3', 1, 'P-B', 2, '2026-01-02 00:00+00'),
  ('o3', 2, 'P-B', 2, '2026-01-01 00:00+00'),
  ('o3', 3, 'P-B', 1, '2026-01-03 00:00+00')
RETURNING order_id, line_no, reserved, backordered, status;
SELECT sku, on_hand, reserved, backordered FROM backorder.items WHERE sku = 'P-B';

-- deny: a line that cannot be reserved whole is refused, nothing persists
SELECT pg_temp.err('INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity) VALUES (''o4'', 1, ''P-DENY'', 3)');
SELECT count(*) AS lines FROM backorder.order_lines WHERE order_id = 'o4';
SELECT sku, on_hand, reserved, backordered FROM backorder.items WHERE sku = 'P-DENY';
-- ... a line that fits is reserved
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity) VALUES ('o4', 1, 'P-DENY', 2)
RETURNING reserved, backordered, status;

-- limit: at most 3 units may wait
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity) VALUES ('o5', 1, 'P-LIM', 4)
RETURNING reserved, backordered;
SELECT pg_temp.err('INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity) VALUES (''o5'', 2, ''P-LIM'', 1)');
SELECT pg_temp.err('INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity) VALUES (''o5'', 2, ''P-LIM'', 1), (''o5'', 3, ''P-LIM'', 0)');
SELECT sku, on_hand, reserved, backordered FROM backorder.items WHERE sku = 'P-LIM';
-- a lower limit or a deny policy does not touch units already waiting
UPDATE backorder.items SET backorder_limit = 0, policy = 'deny' WHERE sku = 'P-LIM';
SELECT sku, on_hand, reserved, backordered FROM backorder.items WHERE sku = 'P-LIM';
SELECT order_id, line_no, quantity - filled - cancelled AS waiting, status FROM backorder.backorders WHERE sku = 'P-LIM';

-- place_order: lines in the array's order, defaults for priority / ordered_at
INSERT INTO backorder.items (sku) VALUES ('P-C'), ('P-D');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('P-C', 1), ('P-D', 10);
SELECT order_id, line_no, sku, quantity, priority, ordered_at = now() AS ordered_now,
       reserved, backordered, status
  FROM backorder.place_order('o6', '[
    {"line_no": 2, "sku": "P-D", "quantity": 3, "priority": 7},
    {"line_no": 1, "sku": "P-C", "quantity": 2, "priority": null, "ordered_at": "2026-02-01T09:00:00Z"},
    {"line_no": 3, "sku": "P-C", "quantity": 1, "ordered_at": null}]');
SELECT order_id, line_no, priority, ordered_at = '2026-02-01 09:00+00' AS given_time
  FROM backorder.order_lines WHERE order_id = 'o6' ORDER BY line_no;
-- fill order on P-C: line 1 (ordered 2026-02-01) before line 3 (ordered now)
SELECT order_id, line_no, quantity, priority, ordered_at = '2026-02-01 09:00+00' AS given_time
  FROM backorder.backorders WHERE sku = 'P-C' ORDER BY priority DESC, ordered_at, id;

-- place_order fails whole: the second line is refused, the first is not kept
SELECT pg_temp.err('SELECT * FROM backorder.place_order(''o7'', ''[{"line_no": 1, "sku": "P-D", "quantity": 1},
                                             {"line_no": 2, "sku": "P-DENY", "quantity": 1}]'')');
SELECT count(*) FROM backorder.order_lines WHERE order_id = 'o7';
SELECT sku, on_hand, reserved FROM backorder.items WHERE sku = 'P-D';

-- bad lines values
SELECT pg_temp.err('SELECT * FROM backorder.place_order(''o8'', ''{"line_no": 1}'')');
SELECT pg_temp.err('SELECT * FROM backorder.place_order(''o8'', ''[]'')');
SELECT pg_temp.err('SELECT * FROM backorder.place_order(''o8'', ''[1, 2]'')');
SELECT pg_temp.err('SELECT * FROM backorder.place_order(''o8'', NULL)');
SELECT pg_temp.err('SELECT * FROM backorder.place_order(NULL, ''[{"line_no": 1, "sku": "P-D", "quantity": 1}]'')');
SELECT pg_temp.err('SELECT * FROM backorder.place_order(''o8'', ''[{"line_no": 1, "sku": "P-D"}]'')');
SELECT pg_temp.err('SELECT * FROM backorder.place_order(''o8'', ''[{"line_no": 1, "sku": "NOPE", "quantity": 1}]'')');
SELECT pg_temp.err('SELECT * FROM backorder.place_order(''o8'', ''[{"line_no": 1, "sku": "P-D", "quantity": 1},
                                             {"line_no": 1, "sku": "P-D", "quantity": 1}]'')');

SELECT * FROM backorder.check();
