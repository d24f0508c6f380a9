-- Events: the outbox seen from the consumer's side.  claim_events and
-- purge_events arguments; what a claim returns and marks; what purge
-- removes; nobody but the engine writes events; kinds, quantities and
-- details of a small scenario; events of a rolled-back transaction.
--
-- claim_events and purge_events act on every event of the database, so the
-- scenario runs in a database of its own, away from the events other tests
-- leave behind.  Errors are shown as their SQLSTATE, the contract.
\set VERBOSITY terse
\set SHOW_CONTEXT never
SELECT current_database() AS regress_db \gset
CREATE DATABASE backorder_events_test;
\c backorder_events_test
CREATE EXTENSION backorder;
\set VERBOSITY terse
\set SHOW_CONTEXT never
SET TIME ZONE 'UTC';
SET DateStyle = 'ISO, YMD';

-- err(statement): the SQLSTATE of a failing statement
CREATE FUNCTION pg_temp.err(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;

------------------------------------------------------------------------
-- Arguments
------------------------------------------------------------------------
SELECT pg_temp.err('SELECT * FROM backorder.claim_events(0)') AS zero,
       pg_temp.err('SELECT * FROM backorder.claim_events(-1)') AS negative,
       pg_temp.err('SELECT * FROM backorder.claim_events(-2147483648)') AS int_min,
       pg_temp.err('SELECT * FROM backorder.claim_events(NULL)') AS null_max;
SELECT pg_temp.err($$SELECT backorder.purge_events(NULL)$$) AS null_interval,
       pg_temp.err($$SELECT backorder.purge_events('-1 second')$$) AS minus_second,
       pg_temp.err($$SELECT backorder.purge_events('-3 days')$$) AS minus_days;
-- valid arguments on an empty outbox: nothing to claim, nothing to purge
SELECT count(*) AS claimed FROM backorder.claim_events(1);
SELECT count(*) AS claimed FROM backorder.claim_events();
SELECT count(*) AS claimed FROM backorder.claim_events(2147483647);
SELECT backorder.purge_events('0') AS purged_zero,
       backorder.purge_events('1 day') AS purged_day;

------------------------------------------------------------------------
-- A small scenario: kinds, quantities, expected_at and detail
------------------------------------------------------------------------
INSERT INTO backorder.items (sku) VALUES ('EV-1'), ('EV-2');
-- EV-2 has a purchase order for 10 units expected on 2031-03-01
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
VALUES ('EP-1', 'EV-2', 10, '2031-03-01 00:00:00+00');

-- ev1 line 1 wants 5 EV-1, none in stock: 5 units wait (event 1, backordered 5,
-- no purchase order: expected_at NULL); the event's "at" is the placing
-- transaction's now()
BEGIN;
SELECT now() AS t_place \gset
SELECT order_id, line_no, reserved, backordered, status
  FROM backorder.place_order('ev1', '[{"line_no": 1, "sku": "EV-1", "quantity": 5}]');
SELECT count(*) AS events, bool_and(at = :'t_place') AS at_is_now FROM backorder.events;
COMMIT;

-- 2 received: allocated 2, 3 still waiting (event 2)
INSERT INTO backorder.receipts (sku, quantity) VALUES ('EV-1', 2);
-- 1 more: allocated 1, 2 still waiting (event 3)
INSERT INTO backorder.receipts (sku, quantity) VALUES ('EV-1', 1);
-- cancel the order: the 2 waiting units emit cancelled 2 (event 4); the 3
-- reserved units are cancelled silently
SELECT backorder.cancel_order('ev1') AS cancelled_units;

-- ev2 wants 4 EV-2: all 4 wait, covered by EP-1 (running total 4 <= 10):
-- backordered 4 expected 2031-03-01 (event 5).
-- ev3 wants 8 EV-2: running total 12 > 10, no purchase order covers it:
-- backordered 8, expected_at NULL (event 6).
SELECT order_id, line_no, reserved, backordered, status
  FROM backorder.place_order('ev2', '[{"line_no": 1, "sku": "EV-2", "quantity": 4}]');
SELECT order_id, line_no, reserved, backordered, status
  FROM backorder.place_order('ev3', '[{"line_no": 1, "sku": "EV-2", "quantity": 8}]');
-- cancelling ev2's 4 waiting units (event 7, cancelled 4) brings ev3 to a
-- running total of 8 <= 10: its row stays waiting and gets an expected_at,
-- so eta_changed 8, NULL -> 2031-03-01 (event 8), after the change
INSERT INTO backorder.cancellations (order_id, line_no, quantity) VALUES ('ev2', 1, NULL);

SELECT id, kind, order_id, line_no, sku, quantity, expected_at, detail
  FROM backorder.events ORDER BY id;
-- the detail of an allocated event is exactly {"remaining": n}; of an
-- eta_changed event {"old", "new"}
SELECT id, kind, detail OPERATOR(pg_catalog.=) jsonb_build_object('remaining', 3) AS remaining_3
  FROM backorder.events WHERE id = 2;
SELECT id, (detail->>'old') IS NULL AS old_null, (detail->>'new')::timestamptz AS new
  FROM backorder.events WHERE kind = 'eta_changed';

------------------------------------------------------------------------
-- Events of a rolled-back transaction are gone
------------------------------------------------------------------------
-- EV-1 now has 3 units available (ev1's reserved units, cancelled).
-- From here on event ids depend on how many identity values the
-- rolled-back work used, so later events are shown by order, not by id.
BEGIN;
-- reserves 3, 7 wait (backordered 7); 1 received: allocated 1, 6 remain
SELECT order_id, reserved, backordered FROM backorder.place_order('ev-rb', '[{"line_no": 1, "sku": "EV-1", "quantity": 10}]');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('EV-1', 1);
SELECT kind, quantity, detail FROM backorder.events WHERE order_id = 'ev-rb' ORDER BY id;
ROLLBACK;
SELECT count(*) AS rolled_back_events FROM backorder.events WHERE order_id = 'ev-rb';
-- and a failing statement leaves none either (deny item, BO001)
INSERT INTO backorder.items (sku, policy) VALUES ('EV-D', 'deny');
SELECT pg_temp.err($$SELECT * FROM backorder.place_order('ev-deny', '[{"line_no": 1, "sku": "EV-1", "quantity": 10}, {"line_no": 2, "sku": "EV-D", "quantity": 1}]')$$) AS deny;
SELECT count(*) AS failed_events FROM backorder.events WHERE order_id = 'ev-deny';
SELECT count(*) AS events FROM backorder.events;

------------------------------------------------------------------------
-- Claiming: oldest first, at most max_events, each event once; a claim
-- that rolls back leaves its events claimable
------------------------------------------------------------------------
BEGIN;
SELECT id, kind, order_id FROM backorder.claim_events(3);
ROLLBACK;
SELECT count(*) FILTER (WHERE claimed_at IS NULL) AS unclaimed FROM backorder.events;
SELECT id, kind, order_id FROM backorder.claim_events(3);
SELECT id FROM backorder.claim_events(2);
-- a claim returns the event's columns as they were written
SELECT c.id, c.kind, c.quantity, c.expected_at, c.detail
  FROM backorder.claim_events() c
  JOIN backorder.events e ON e.id = c.id
 WHERE (c.at, c.kind, c.order_id, c.line_no, c.sku, c.quantity, c.expected_at, c.detail)
       IS NOT DISTINCT FROM (e.at, e.kind, e.order_id, e.line_no, e.sku, e.quantity, e.expected_at, e.detail);
SELECT count(*) AS claimed_again FROM backorder.claim_events(100);
SELECT count(*) FILTER (WHERE claimed_at IS NULL) AS unclaimed,
       count(*) FILTER (WHERE claimed_at IS NOT NULL) AS claimed
  FROM backorder.events;

------------------------------------------------------------------------
-- Purging removes claimed events older than the interval, nothing else
------------------------------------------------------------------------
-- ev4 wants 4 EV-1: reserves the 3 available, 1 waits (unclaimed event)
SELECT order_id, reserved, backordered FROM backorder.place_order('ev4', '[{"line_no": 1, "sku": "EV-1", "quantity": 4}]');
-- events of known age, brought in as a restore does (a superuser supplying
-- every engine column): 3 and 1 days old, claimed or not
INSERT INTO backorder.events (id, at, kind, order_id, line_no, sku, quantity, claimed_at) VALUES
  (101, now() - interval '3 days', 'backordered', 'old', 1, 'EV-1', 1, now() - interval '3 days'),
  (102, now() - interval '3 days', 'backordered', 'old', 2, 'EV-1', 1, NULL),
  (103, now() - interval '1 day',  'backordered', 'old', 3, 'EV-1', 1, now() - interval '1 day'),
  (104, now() - interval '1 day',  'backordered', 'old', 4, 'EV-1', 1, NULL);
-- nothing is 4 days old
SELECT backorder.purge_events('4 days') AS purged;
-- older than 2 days and claimed: 101 only (102 is unclaimed)
SELECT backorder.purge_events('2 days') AS purged;
SELECT id, claimed_at IS NOT NULL AS claimed FROM backorder.events WHERE id > 100 ORDER BY id;
-- older than 12 hours and claimed: 103
SELECT backorder.purge_events('12 hours') AS purged;
-- older than 0: every claimed event of an earlier transaction (events 1
-- to 8); the unclaimed ones stay (ev4's, 102, 104)
SELECT backorder.purge_events('0') AS purged;
SELECT order_id, line_no, kind, quantity, claimed_at IS NOT NULL AS claimed
  FROM backorder.events ORDER BY id;

------------------------------------------------------------------------
-- Only the engine writes events (BO006)
------------------------------------------------------------------------
SELECT pg_temp.err($$UPDATE backorder.events SET claimed_at = now() WHERE claimed_at IS NULL$$) AS claim_by_hand,
       pg_temp.err($$UPDATE backorder.events SET claimed_at = NULL$$) AS unclaim,
       pg_temp.err($$UPDATE backorder.events SET detail = '{}' WHERE false$$) AS update_no_rows,
       pg_temp.err($$DELETE FROM backorder.events$$) AS delete_all,
       pg_temp.err($$DELETE FROM backorder.events WHERE id = 104$$) AS delete_one;
-- an INSERT that leaves every engine column out, or sets only some
SELECT pg_temp.err($$INSERT INTO backorder.events (detail) VALUES ('{}')$$) AS insert_none,
       pg_temp.err($$INSERT INTO backorder.events (kind, order_id, line_no, sku, quantity)
                     VALUES ('cancelled', 'ev1', 1, 'EV-1', 1)$$) AS insert_some;
-- a role that is neither superuser nor owner, even with table privileges
-- and a whole row, gets BO006 too; with EXECUTE on the functions it
-- claims and purges
CREATE ROLE regress_backorder_events_app;
GRANT USAGE ON SCHEMA backorder TO regress_backorder_events_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON backorder.events TO regress_backorder_events_app;
GRANT EXECUTE ON FUNCTION backorder.claim_events(integer), backorder.purge_events(interval)
  TO regress_backorder_events_app;
SET ROLE regress_backorder_events_app;
SELECT pg_temp.err($$INSERT INTO backorder.events (at, kind, order_id, line_no, sku, quantity)
                     VALUES (now(), 'cancelled', 'ev1', 1, 'EV-1', 1)$$) AS insert_whole,
       pg_temp.err($$UPDATE backorder.events SET claimed_at = now()$$) AS update,
       pg_temp.err($$DELETE FROM backorder.events$$) AS delete;
-- the two oldest unclaimed: ev4's event (id below 100), then 102
SELECT order_id, line_no, kind FROM backorder.claim_events(2);
-- 102 is 3 days old and now claimed
SELECT backorder.purge_events('2 days') AS purged;
RESET ROLE;
SELECT order_id, line_no, claimed_at IS NOT NULL AS claimed FROM backorder.events ORDER BY id;
SELECT order_id, line_no FROM backorder.claim_events();
SELECT count(*) AS unclaimed FROM backorder.events WHERE claimed_at IS NULL;
SELECT count(*) AS events FROM backorder.events;

SELECT * FROM backorder.check();

\c :regress_db
DROP DATABASE backorder_events_test;
DROP ROLE regress_backorder_events_app;
