-- test/sql/cart_holds.sql: cart holds (SPEC.md, "backorder.holds (1.1: cart
-- holds)"), one scenario per bullet, each ending with backorder.check()
-- (no rows when the numbers agree).  Lazy expiry needs holds that fall due:
-- they are made to expire 3 s after the test begins (pg_temp.due), and one
-- pg_sleep_until lets them all fall due at once, far into the test.
\set VERBOSITY terse
SET TimeZone = 'UTC';

CREATE VIEW pg_temp.h AS
SELECT hold_id, sku, quantity, held, status FROM backorder.holds
 WHERE starts_with(sku, 'h-') ORDER BY sku, hold_id;
CREATE VIEW pg_temp.stock AS
SELECT sku, on_hand, reserved, held, available, backordered FROM backorder.stock_levels
 WHERE starts_with(sku, 'h-') ORDER BY sku;
CREATE FUNCTION pg_temp.lines(p text) RETURNS TABLE (order_id text, line_no int, sku text,
    reserved bigint, backordered bigint, status text)
LANGUAGE sql AS $$
  SELECT order_id, line_no, sku, reserved, backordered, status FROM backorder.order_lines
   WHERE starts_with(order_id, p) ORDER BY order_id, line_no $$;

-- ==== stock_levels: held is appended last; available = on_hand - reserved - held
SELECT attname FROM pg_attribute
 WHERE attrelid = 'backorder.stock_levels'::regclass AND attnum > 0 ORDER BY attnum;

-- ==== due holds for the expiry scenarios below (they fall due during the sleep)
CREATE TEMP TABLE due AS SELECT now() + interval '3 s' AS at;
INSERT INTO backorder.items (sku) VALUES ('h-E'), ('h-F'), ('h-G'), ('h-I'), ('h-X');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('h-E', 2), ('h-F', 3), ('h-G', 4), ('h-I', 1), ('h-X', 2);
INSERT INTO backorder.holds (hold_id, sku, quantity, expires_at) VALUES
  ('cE', 'h-E', 2, (SELECT at FROM due)),
  ('cF', 'h-F', 2, (SELECT at FROM due)),
  ('cG1', 'h-G', 1, (SELECT at FROM due)),
  ('cG2', 'h-G', 3, (SELECT at FROM due)),
  ('cI', 'h-I', 1, (SELECT at FROM due)),
  ('cX', 'h-X', 2, (SELECT at FROM due));
SELECT * FROM pg_temp.h;
-- h-E's last two units are held: an order waits behind the hold
SELECT order_id, line_no, reserved, backordered, status
  FROM backorder.place_order('h-oE1', '[{"line_no": 1, "sku": "h-E", "quantity": 1}]');

-- ==== INSERT: held = min(quantity, available)
INSERT INTO backorder.items (sku) VALUES ('h-A');
INSERT INTO backorder.items (sku, policy) VALUES ('h-D', 'deny');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('h-A', 5), ('h-D', 3);
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('c1', 'h-A', 2);
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('c2', 'h-A', 4);
-- allow: holds what is available, possibly 0, and stays active
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('c3', 'h-A', 1);
-- deny: a hold that cannot hold its whole quantity fails
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('c1', 'h-D', 4);
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('c1', 'h-D', 3);
SELECT * FROM pg_temp.h WHERE sku IN ('h-A', 'h-D');
SELECT * FROM pg_temp.stock WHERE sku IN ('h-A', 'h-D');
-- expires_at defaults to now() + 15 minutes, created_at to now()
SELECT DISTINCT expires_at - created_at AS lasts, created_at <= now() AS created_before
  FROM backorder.holds WHERE sku IN ('h-A', 'h-D');
-- expires_at <= now(): 22023
INSERT INTO backorder.holds (hold_id, sku, quantity, expires_at) VALUES ('c9', 'h-A', 1, now());
-- an active (hold_id, sku): 23505
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('c1', 'h-A', 1);
SELECT * FROM backorder.check();

-- ==== a hold never creates a backorder row, never takes reserved or waiting units
INSERT INTO backorder.items (sku) VALUES ('h-W');
SELECT order_id, line_no, reserved, backordered, status
  FROM backorder.place_order('h-oW1', '[{"line_no": 1, "sku": "h-W", "quantity": 2}]');
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('cW', 'h-W', 2);
SELECT count(*) AS backorder_rows FROM backorder.backorders WHERE sku = 'h-W';
-- a receipt fills the queue first; only what is left is available (the hold keeps 0)
INSERT INTO backorder.receipts (sku, quantity) VALUES ('h-W', 3);
SELECT * FROM pg_temp.h WHERE sku = 'h-W';
SELECT * FROM pg_temp.stock WHERE sku = 'h-W';
SELECT * FROM pg_temp.lines('h-oW');
-- a later expires_at changes nothing else: the hold keeps holding 0 of 2
UPDATE backorder.holds SET expires_at = now() + interval '1 hour' WHERE hold_id = 'cW' AND sku = 'h-W';
SELECT * FROM pg_temp.h WHERE sku = 'h-W';
-- a new quantity takes what is available now: min(3, 1 + 0)
UPDATE backorder.holds SET quantity = 3 WHERE hold_id = 'cW' AND sku = 'h-W';
SELECT * FROM pg_temp.h WHERE sku = 'h-W';
SELECT * FROM pg_temp.stock WHERE sku = 'h-W';
SELECT * FROM backorder.check();

-- ==== UPDATE of an active hold: quantity, expires_at
INSERT INTO backorder.items (sku) VALUES ('h-U');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('h-U', 4);
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('cU1', 'h-U', 3), ('cU2', 'h-U', 2);
SELECT * FROM pg_temp.h WHERE sku = 'h-U';
-- raising: held = min(new quantity, available + old held) = min(5, 0 + 3)
UPDATE backorder.holds SET quantity = 5 WHERE hold_id = 'cU1' AND sku = 'h-U';
SELECT * FROM pg_temp.h WHERE sku = 'h-U';
-- an order waits behind the holds
SELECT order_id, line_no, reserved, backordered, status
  FROM backorder.place_order('h-oU1', '[{"line_no": 1, "sku": "h-U", "quantity": 2}]');
-- lowering frees units: they go to the queue in fill order
UPDATE backorder.holds SET quantity = 1 WHERE hold_id = 'cU1' AND sku = 'h-U';
SELECT * FROM pg_temp.h WHERE sku = 'h-U';
SELECT * FROM pg_temp.lines('h-oU');
SELECT * FROM pg_temp.stock WHERE sku = 'h-U';
-- expires_at <= now() expires the hold at once, freeing its units
UPDATE backorder.holds SET expires_at = now() WHERE hold_id = 'cU2' AND sku = 'h-U';
SELECT * FROM pg_temp.h WHERE sku = 'h-U';
SELECT * FROM pg_temp.stock WHERE sku = 'h-U';
-- a later expires_at is kept
UPDATE backorder.holds SET expires_at = now() + interval '1 hour' WHERE hold_id = 'cU1' AND sku = 'h-U';
SELECT expires_at - now() > interval '59 minutes' AS later FROM backorder.holds WHERE hold_id = 'cU1' AND sku = 'h-U';
-- deny: raising beyond available + old held fails
UPDATE backorder.holds SET quantity = 4 WHERE hold_id = 'c1' AND sku = 'h-D';
UPDATE backorder.holds SET quantity = 2 WHERE hold_id = 'c1' AND sku = 'h-D';
SELECT * FROM pg_temp.h WHERE sku = 'h-D';
-- anything else fails with BO006: another column, an ended hold, DELETE
UPDATE backorder.holds SET held = 0 WHERE hold_id = 'cU1' AND sku = 'h-U';
UPDATE backorder.holds SET status = 'released' WHERE hold_id = 'cU1' AND sku = 'h-U';
UPDATE backorder.holds SET hold_id = 'cU9' WHERE hold_id = 'cU1' AND sku = 'h-U';
UPDATE backorder.holds SET quantity = 3 WHERE hold_id = 'cU2' AND sku = 'h-U';
DELETE FROM backorder.holds WHERE hold_id = 'cU2';
SELECT * FROM pg_temp.h WHERE sku = 'h-U';
SELECT * FROM backorder.check();

-- ==== an ended hold is replaced by a new INSERT of its (hold_id, sku)
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('cU2', 'h-U', 1);
SELECT * FROM pg_temp.h WHERE sku = 'h-U';
SELECT * FROM backorder.check();

-- ==== release_hold: every active hold of the cart; units go to the queue first
INSERT INTO backorder.items (sku) VALUES ('h-R1'), ('h-R2');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('h-R1', 2), ('h-R2', 3);
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('cR', 'h-R1', 2), ('cR', 'h-R2', 1);
SELECT order_id, line_no, reserved, backordered, status
  FROM backorder.place_order('h-oR1', '[{"line_no": 1, "sku": "h-R1", "quantity": 1}]');
SELECT backorder.release_hold('cR') AS released;
SELECT * FROM pg_temp.h WHERE sku LIKE 'h-R%';
SELECT * FROM pg_temp.lines('h-oR');
SELECT * FROM pg_temp.stock WHERE sku LIKE 'h-R%';
-- nothing (left) to release: 0, not an error
SELECT backorder.release_hold('cR') AS released;
SELECT backorder.release_hold('no-such-cart') AS released;
SELECT * FROM backorder.check();

-- ==== place_order(order_id, lines, hold_id): the cart's held units first
INSERT INTO backorder.items (sku) VALUES ('h-P'), ('h-Q');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('h-P', 2), ('h-Q', 5);
-- the cart holds the last two; another customer's order waits behind it
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('cP', 'h-P', 2), ('cP', 'h-Q', 3);
SELECT order_id, line_no, reserved, backordered, status
  FROM backorder.place_order('h-oP0', '[{"line_no": 1, "sku": "h-P", "quantity": 1}]');
-- the cart checks out: two lines of h-P share its 2 held units (array
-- order); h-Q has a line of 1: converted, the 2 left over are freed
SELECT order_id, line_no, sku, reserved, backordered, status
  FROM backorder.place_order('h-oP1',
    '[{"line_no": 1, "sku": "h-P", "quantity": 1},
      {"line_no": 2, "sku": "h-Q", "quantity": 1},
      {"line_no": 3, "sku": "h-P", "quantity": 2}]', 'cP');
SELECT * FROM pg_temp.h WHERE sku IN ('h-P', 'h-Q');
SELECT * FROM pg_temp.stock WHERE sku IN ('h-P', 'h-Q');
SELECT * FROM pg_temp.lines('h-oP');
SELECT * FROM backorder.check();

-- ==== a held sku without a line of the order is released; deny lines
INSERT INTO backorder.items (sku, policy) VALUES ('h-N', 'deny');
INSERT INTO backorder.items (sku) VALUES ('h-O');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('h-N', 3), ('h-O', 2);
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('cN', 'h-N', 2), ('cN', 'h-O', 2);
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('cN2', 'h-N', 1);
-- deny: held 2 + available 0 cannot cover 3: BO001, nothing changes
SELECT order_id FROM backorder.place_order('h-oN1', '[{"line_no": 1, "sku": "h-N", "quantity": 3}]', 'cN');
SELECT * FROM pg_temp.h WHERE sku IN ('h-N', 'h-O');
-- held 2 cover 2
SELECT order_id, line_no, sku, reserved, backordered, status
  FROM backorder.place_order('h-oN1', '[{"line_no": 1, "sku": "h-N", "quantity": 2}]', 'cN');
SELECT * FROM pg_temp.h WHERE sku IN ('h-N', 'h-O');
SELECT * FROM pg_temp.stock WHERE sku IN ('h-N', 'h-O');
-- a NULL hold_id acts like the two-argument form (cN2 keeps its unit)
SELECT order_id, line_no, sku, reserved, backordered, status
  FROM backorder.place_order('h-oN2', '[{"line_no": 1, "sku": "h-O", "quantity": 1}]', NULL);
-- a cart without holds: the lines are served as usual
SELECT order_id, line_no, sku, reserved, backordered, status
  FROM backorder.place_order('h-oN3', '[{"line_no": 1, "sku": "h-O", "quantity": 1}]', 'no-such-cart');
SELECT * FROM pg_temp.h WHERE sku IN ('h-N', 'h-O');
SELECT * FROM backorder.check();

-- ==== a negative adjustment breaks holds first (latest expires_at, then
-- hold_id DESC), then takes reservations back
INSERT INTO backorder.items (sku) VALUES ('h-B');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('h-B', 6);
SELECT order_id, line_no, reserved, backordered, status
  FROM backorder.place_order('h-oB1', '[{"line_no": 1, "sku": "h-B", "quantity": 2}]');
INSERT INTO backorder.holds (hold_id, sku, quantity, expires_at) VALUES
  ('cB1', 'h-B', 2, '2099-01-01 00:00+00'),
  ('cB2', 'h-B', 1, '2099-06-01 00:00+00'),
  ('cB3', 'h-B', 1, '2099-01-01 00:00+00');
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('h-B', -3, 'dropped a box')
  RETURNING allocated, taken_back, on_hand_after;
SELECT * FROM pg_temp.h WHERE sku = 'h-B';
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('h-B', -2, 'dropped another')
  RETURNING allocated, taken_back, on_hand_after;
SELECT * FROM pg_temp.h WHERE sku = 'h-B';
SELECT * FROM pg_temp.stock WHERE sku = 'h-B';
SELECT * FROM pg_temp.lines('h-oB');
SELECT * FROM backorder.check();

-- ==== expiry: the due holds made above fall due now
SELECT pg_sleep_until((SELECT at FROM due) + interval '0.1 s');
-- until the engine works on their sku, views and items.held still count them
SELECT * FROM pg_temp.stock WHERE sku IN ('h-E', 'h-F', 'h-G', 'h-I', 'h-X');
-- an order on h-E: the hold is expired first, its units go to the waiting
-- order in fill order, and the new order never finds them held
SELECT order_id, line_no, reserved, backordered, status
  FROM backorder.place_order('h-oE2', '[{"line_no": 1, "sku": "h-E", "quantity": 1}]');
SELECT * FROM pg_temp.lines('h-oE');
-- a receipt on h-F
INSERT INTO backorder.receipts (sku, quantity) VALUES ('h-F', 1);
-- a hold inserted on h-I takes the expired hold's unit
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('cI2', 'h-I', 1);
-- an expired hold converts nothing: the line is served from available
SELECT order_id, line_no, sku, reserved, backordered, status
  FROM backorder.place_order('h-oX1', '[{"line_no": 1, "sku": "h-X", "quantity": 1}]', 'cX');
SELECT * FROM pg_temp.h WHERE sku IN ('h-E', 'h-F', 'h-G', 'h-I', 'h-X');
-- expire_holds() expires what is left (h-G: 1 + 3 units) and returns the units
SELECT backorder.expire_holds() AS expired;
SELECT backorder.expire_holds() AS expired;
SELECT * FROM pg_temp.h WHERE sku IN ('h-E', 'h-F', 'h-G', 'h-I', 'h-X');
SELECT * FROM pg_temp.stock WHERE sku IN ('h-E', 'h-F', 'h-G', 'h-I', 'h-X');
SELECT * FROM backorder.check();

-- ==== no event is written for holds: every event of these skus is an order's
SELECT kind, order_id, sku, quantity FROM backorder.events
 WHERE starts_with(sku, 'h-') ORDER BY id;

-- ==== restore: a 1.0 items row (no held) gets held = 0; holds rows are
-- stored whole, and a restored active hold still expires
INSERT INTO backorder.items (sku, on_hand, reserved, backordered) VALUES ('h-S', 3, 0, 0);
INSERT INTO backorder.items (sku, on_hand, reserved, backordered, held) VALUES ('h-T', 3, 0, 0, 2);
INSERT INTO backorder.receipts (sku, quantity, allocated, on_hand_after) VALUES ('h-S', 3, 0, 3), ('h-T', 3, 0, 3);
INSERT INTO backorder.holds (hold_id, sku, quantity, expires_at, created_at, held, status) VALUES
  ('cT1', 'h-T', 2, '2000-01-01 00:15+00', '2000-01-01 00:00+00', 2, 'active'),
  ('cT0', 'h-T', 1, '2000-01-01 00:15+00', '2000-01-01 00:00+00', 0, 'released');
SELECT * FROM pg_temp.stock WHERE sku IN ('h-S', 'h-T');
SELECT * FROM pg_temp.h WHERE sku = 'h-T';
SELECT * FROM backorder.check();
SELECT order_id, line_no, sku, reserved, backordered, status
  FROM backorder.place_order('h-oT1', '[{"line_no": 1, "sku": "h-T", "quantity": 3}]');
SELECT * FROM pg_temp.h WHERE sku = 'h-T';
SELECT * FROM backorder.check();

-- ==== privileges: what SPEC.md grants an application role is enough
CREATE ROLE backorder_holds_app;
GRANT USAGE ON SCHEMA backorder TO backorder_holds_app;
GRANT INSERT ON backorder.holds, backorder.items, backorder.receipts TO backorder_holds_app;
GRANT UPDATE (quantity, expires_at) ON backorder.holds TO backorder_holds_app;
GRANT SELECT ON backorder.holds, backorder.stock_levels TO backorder_holds_app;
GRANT EXECUTE ON FUNCTION backorder.place_order(text, jsonb, text), backorder.release_hold(text),
  backorder.expire_holds() TO backorder_holds_app;
SET ROLE backorder_holds_app;
INSERT INTO backorder.items (sku) VALUES ('h-V');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('h-V', 3);
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('cV', 'h-V', 2), ('cV2', 'h-V', 1);
UPDATE backorder.holds SET quantity = 1 WHERE hold_id = 'cV' AND sku = 'h-V';
SELECT order_id, line_no, reserved, status
  FROM backorder.place_order('h-oV1', '[{"line_no": 1, "sku": "h-V", "quantity": 1}]', 'cV');
SELECT backorder.release_hold('cV2') AS released, backorder.expire_holds() >= 0 AS expired;
-- and still cannot set an engine column
INSERT INTO backorder.holds (hold_id, sku, quantity, held, status) VALUES ('cV3', 'h-V', 1, 1, 'active');
UPDATE backorder.holds SET held = 5 WHERE hold_id = 'cV' AND sku = 'h-V';
RESET ROLE;
SELECT * FROM pg_temp.h WHERE sku = 'h-V';
SELECT * FROM backorder.check();

-- the role is the cluster's: drop it, so the suite can run again in the same cluster
DROP OWNED BY backorder_holds_app;
DROP ROLE backorder_holds_app;
