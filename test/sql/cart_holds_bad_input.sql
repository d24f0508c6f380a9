-- test/sql/cart_holds_bad_input.sql: bad input to cart holds.  Every case
-- fails with the SQLSTATE SPEC.md names and leaves every table as it was:
-- pg_temp.unchanged() compares an md5 of every row of every backorder table
-- (holds included) with the one taken after the previous case.  Only the
-- code is printed (VERBOSITY sqlstate).  One transaction, rolled back at the
-- end; ON_ERROR_ROLLBACK puts each statement in its own savepoint.
\set VERBOSITY sqlstate
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
\pset tuples_only on
\pset format unaligned
BEGIN;
SET LOCAL TimeZone = 'UTC';

CREATE FUNCTION pg_temp.snap() RETURNS text LANGUAGE sql AS $$
SELECT md5(concat_ws(E'\n',
  (SELECT string_agg(t::text, ',' ORDER BY t.sku) FROM backorder.items t),
  (SELECT string_agg(t::text, ',' ORDER BY t.hold_id, t.sku) FROM backorder.holds t),
  (SELECT string_agg(t::text, ',' ORDER BY t.order_id, t.line_no) FROM backorder.order_lines t),
  (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM backorder.backorders t),
  (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM backorder.receipts t),
  (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM backorder.adjustments t),
  (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM backorder.events t)))
$$;
CREATE TEMP TABLE snapshot (s text);
CREATE FUNCTION pg_temp.mark() RETURNS void LANGUAGE sql AS $$
  DELETE FROM snapshot; INSERT INTO snapshot SELECT pg_temp.snap();
$$;
CREATE FUNCTION pg_temp.unchanged() RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  same boolean;
BEGIN
  SELECT s = pg_temp.snap() INTO same FROM snapshot;
  PERFORM pg_temp.mark();
  RETURN same;
END $$;

-- a little world: stock, a waiting line, an active and an ended hold
INSERT INTO backorder.items (sku) VALUES ('hb-A'), ('hb-W');
INSERT INTO backorder.items (sku, policy) VALUES ('hb-D', 'deny');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('hb-A', 5), ('hb-D', 2);
SELECT order_id, reserved, backordered FROM backorder.place_order('hb-o1', '[{"line_no": 1, "sku": "hb-W", "quantity": 2}]');
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('hb-c1', 'hb-A', 2), ('hb-c1', 'hb-D', 1), ('hb-c2', 'hb-A', 1);
SELECT backorder.release_hold('hb-c2');
SELECT hold_id, sku, held, status FROM backorder.holds WHERE sku LIKE 'hb-%' ORDER BY 1, 2;
SELECT pg_temp.mark();
-- (control: the snapshot does see a change to holds; prints f)
UPDATE backorder.holds SET quantity = 3 WHERE hold_id = 'hb-c1' AND sku = 'hb-A';
SELECT pg_temp.unchanged();

-- ---------------------------------------------------------------- INSERT
-- 1. empty hold_id: expect 23514
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('', 'hb-A', 1);
SELECT pg_temp.unchanged();
-- 2. hold_id of 201 characters: expect 23514 (200 is fine, see 2b)
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES (repeat('x', 201), 'hb-A', 1);
SELECT pg_temp.unchanged();
-- 3. quantity 0: expect 23514
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('hb-c3', 'hb-A', 0);
SELECT pg_temp.unchanged();
-- 4. quantity -1: expect 23514
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('hb-c3', 'hb-A', -1);
SELECT pg_temp.unchanged();
-- 5. unknown sku: expect 23503
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('hb-c3', 'hb-nope', 1);
SELECT pg_temp.unchanged();
-- 6. expires_at in the past: expect 22023
INSERT INTO backorder.holds (hold_id, sku, quantity, expires_at) VALUES ('hb-c3', 'hb-A', 1, now() - interval '1 minute');
SELECT pg_temp.unchanged();
-- 7. expires_at = now(): expect 22023
INSERT INTO backorder.holds (hold_id, sku, quantity, expires_at) VALUES ('hb-c3', 'hb-A', 1, now());
SELECT pg_temp.unchanged();
-- 8. NULL expires_at: expect 23502
INSERT INTO backorder.holds (hold_id, sku, quantity, expires_at) VALUES ('hb-c3', 'hb-A', 1, NULL);
SELECT pg_temp.unchanged();
-- 9. NULL quantity: expect 23502
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('hb-c3', 'hb-A', NULL);
SELECT pg_temp.unchanged();
-- 10. NULL hold_id: expect 23502
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES (NULL, 'hb-A', 1);
SELECT pg_temp.unchanged();
-- 11. NULL sku: expect 23502
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('hb-c3', NULL, 1);
SELECT pg_temp.unchanged();
-- 12. deny item short of the quantity: expect BO001
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('hb-c3', 'hb-D', 2);
SELECT pg_temp.unchanged();
-- 13. duplicate of an active (hold_id, sku): expect 23505
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('hb-c1', 'hb-A', 1);
SELECT pg_temp.unchanged();
-- 14. an engine column supplied (not a restore): expect BO006
INSERT INTO backorder.holds (hold_id, sku, quantity, held) VALUES ('hb-c3', 'hb-A', 1, 1);
SELECT pg_temp.unchanged();
-- 15. status supplied: expect BO006
INSERT INTO backorder.holds (hold_id, sku, quantity, status) VALUES ('hb-c3', 'hb-A', 1, 'active');
SELECT pg_temp.unchanged();
-- 16. one good row and one bad in one statement: expect 23514
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('hb-c3', 'hb-A', 1), ('hb-c4', 'hb-A', 0);
SELECT pg_temp.unchanged();

-- ---------------------------------------------------------------- UPDATE, DELETE
-- 17. quantity 0: expect 23514
UPDATE backorder.holds SET quantity = 0 WHERE hold_id = 'hb-c1' AND sku = 'hb-A';
SELECT pg_temp.unchanged();
-- 18. NULL expires_at: expect 23502
UPDATE backorder.holds SET expires_at = NULL WHERE hold_id = 'hb-c1' AND sku = 'hb-A';
SELECT pg_temp.unchanged();
-- 19. deny: raising beyond available + held: expect BO001
UPDATE backorder.holds SET quantity = 3 WHERE hold_id = 'hb-c1' AND sku = 'hb-D';
SELECT pg_temp.unchanged();
-- 20. an engine column: expect BO006
UPDATE backorder.holds SET held = 0 WHERE hold_id = 'hb-c1' AND sku = 'hb-A';
SELECT pg_temp.unchanged();
-- 21. status: expect BO006
UPDATE backorder.holds SET status = 'released' WHERE hold_id = 'hb-c1' AND sku = 'hb-A';
SELECT pg_temp.unchanged();
-- 22. sku: expect BO006
UPDATE backorder.holds SET sku = 'hb-W' WHERE hold_id = 'hb-c1' AND sku = 'hb-A';
SELECT pg_temp.unchanged();
-- 23. created_at: expect BO006
UPDATE backorder.holds SET created_at = now() - interval '1 day' WHERE hold_id = 'hb-c1' AND sku = 'hb-A';
SELECT pg_temp.unchanged();
-- 24. quantity of an ended (released) hold: expect BO006
UPDATE backorder.holds SET quantity = 2 WHERE hold_id = 'hb-c2' AND sku = 'hb-A';
SELECT pg_temp.unchanged();
-- 25. expires_at of an ended hold: expect BO006
UPDATE backorder.holds SET expires_at = now() + interval '1 hour' WHERE hold_id = 'hb-c2' AND sku = 'hb-A';
SELECT pg_temp.unchanged();
-- 26. DELETE of an active hold: expect BO006
DELETE FROM backorder.holds WHERE hold_id = 'hb-c1' AND sku = 'hb-A';
SELECT pg_temp.unchanged();
-- 27. DELETE of an ended hold: expect BO006
DELETE FROM backorder.holds WHERE hold_id = 'hb-c2';
SELECT pg_temp.unchanged();

-- ---------------------------------------------------------------- functions
-- 28. release_hold(NULL): expect 22004
SELECT backorder.release_hold(NULL);
SELECT pg_temp.unchanged();
-- 29. place_order with a hold_id and lines that are not an array: expect 22023
SELECT order_id FROM backorder.place_order('hb-o2', '{"line_no": 1}', 'hb-c1');
SELECT pg_temp.unchanged();
-- 30. place_order with a hold_id and a NULL order_id: expect 22004
SELECT order_id FROM backorder.place_order(NULL, '[{"line_no": 1, "sku": "hb-A", "quantity": 1}]', 'hb-c1');
SELECT pg_temp.unchanged();
-- 31. place_order with a hold_id, deny line beyond held + available: expect BO001
SELECT order_id FROM backorder.place_order('hb-o2', '[{"line_no": 1, "sku": "hb-D", "quantity": 3}]', 'hb-c1');
SELECT pg_temp.unchanged();
-- 32. place_order with a hold_id and an unknown sku: expect 23503
SELECT order_id FROM backorder.place_order('hb-o2', '[{"line_no": 1, "sku": "hb-A", "quantity": 1}, {"line_no": 2, "sku": "hb-nope", "quantity": 1}]', 'hb-c1');
SELECT pg_temp.unchanged();
-- 33. place_order with a hold_id and a line without quantity: expect 23502
SELECT order_id FROM backorder.place_order('hb-o2', '[{"line_no": 1, "sku": "hb-A"}]', 'hb-c1');
SELECT pg_temp.unchanged();

-- ---------------------------------------------------------------- good input still works
-- 2b. a hold_id of 200 characters is fine
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES (repeat('x', 200), 'hb-A', 1);
SELECT hold_id, sku, held, status FROM backorder.holds WHERE sku LIKE 'hb-%' ORDER BY 1, 2;
SELECT * FROM backorder.check();
ROLLBACK;
