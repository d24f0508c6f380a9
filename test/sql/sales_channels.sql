-- Sales channels (1.1): backorder.channels, the view channel_stock and the
-- availability_changed feed (SPEC.md, "backorder.channels").
--  1. bad input: SQLSTATE, nothing changed; the channel name cannot change;
--  2. channel_stock: floor, buffer, share, orderable (backorders flag,
--     policy, backorder_limit headroom), exact values;
--  3. the feed: nothing without a channel; one event per item per
--     transaction with {"old", "new"}; none when available ends where it
--     began; after every other event of the transaction, in sku order;
--     savepoints; rolled-back transactions; a channel created or deleted in
--     the transaction; the item triggers switched on and off with channels;
--  4. an application role with the grants SPEC lists manages channels.
-- The feed acts on every item of the database, so this runs in a database
-- of its own.
\set VERBOSITY terse
\set SHOW_CONTEXT never
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS backorder_channels_test;
DROP ROLE IF EXISTS backorder_channels_app;
RESET client_min_messages;
CREATE DATABASE backorder_channels_test;
\c backorder_channels_test
CREATE EXTENSION backorder;
\set VERBOSITY terse
\set SHOW_CONTEXT never

-- err(statement): the SQLSTATE of a failing statement
CREATE FUNCTION pg_temp.err(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;
-- the availability_changed events after a given id
CREATE VIEW pg_temp.feed AS
SELECT id, sku, quantity, detail, order_id, line_no, expected_at
  FROM backorder.events WHERE kind = 'availability_changed';
-- the feed's item triggers: enabled (O) or disabled (D)
CREATE VIEW pg_temp.switch AS
SELECT tgname, tgenabled FROM pg_trigger
 WHERE tgrelid = 'backorder.items'::regclass AND tgname LIKE 'items_availability%';

------------------------------------------------------------------------
-- 1. Bad input
------------------------------------------------------------------------
INSERT INTO backorder.channels (channel) VALUES ('web');
SELECT pg_temp.err($$INSERT INTO backorder.channels (channel) VALUES ('')$$) AS empty_name,
       pg_temp.err($$INSERT INTO backorder.channels (channel) VALUES (repeat('x', 101))$$) AS name_101,
       pg_temp.err($$INSERT INTO backorder.channels (channel) VALUES (repeat('é', 101))$$) AS name_101_multibyte,
       pg_temp.err($$INSERT INTO backorder.channels (channel, buffer) VALUES ('b', -1)$$) AS buffer_negative,
       pg_temp.err($$INSERT INTO backorder.channels (channel, share) VALUES ('s', 0)$$) AS share_zero,
       pg_temp.err($$INSERT INTO backorder.channels (channel, share) VALUES ('s', -0.5)$$) AS share_negative,
       pg_temp.err($$INSERT INTO backorder.channels (channel, share) VALUES ('s', 1.0001)$$) AS share_above_1;
SELECT pg_temp.err($$INSERT INTO backorder.channels (channel) VALUES (NULL)$$) AS null_channel,
       pg_temp.err($$INSERT INTO backorder.channels (channel, buffer) VALUES ('n', NULL)$$) AS null_buffer,
       pg_temp.err($$INSERT INTO backorder.channels (channel, share) VALUES ('n', NULL)$$) AS null_share,
       pg_temp.err($$INSERT INTO backorder.channels (channel, backorders) VALUES ('n', NULL)$$) AS null_backorders,
       pg_temp.err($$INSERT INTO backorder.channels (channel) VALUES ('web')$$) AS duplicate;
SELECT pg_temp.err($$UPDATE backorder.channels SET buffer = -1$$) AS update_buffer,
       pg_temp.err($$UPDATE backorder.channels SET share = 2$$) AS update_share,
       pg_temp.err($$UPDATE backorder.channels SET share = NULL$$) AS update_share_null,
       pg_temp.err($$UPDATE backorder.channels SET channel = 'shop'$$) AS rename,
       pg_temp.err($$UPDATE backorder.channels SET channel = 'shop', buffer = 1$$) AS rename_and_buffer,
       pg_temp.err($$TRUNCATE backorder.channels$$) AS truncate;
-- nothing changed; the longest name and the bounds of share are fine
SELECT * FROM backorder.channels;
INSERT INTO backorder.channels VALUES (repeat('é', 100), 0, 1, false), ('a', 5, 0.0001, true);
SELECT pg_catalog.char_length(channel), buffer, share, backorders FROM backorder.channels ORDER BY 1;
-- setting the name to itself is no change; the other columns change freely
UPDATE backorder.channels SET channel = channel, buffer = 1 WHERE channel = 'web';
UPDATE backorder.channels SET share = 0.9, backorders = true WHERE channel = 'web';
SELECT * FROM backorder.channels WHERE channel = 'web';
DELETE FROM backorder.channels;
SELECT * FROM pg_temp.switch ORDER BY 1;

------------------------------------------------------------------------
-- 2. channel_stock
------------------------------------------------------------------------
-- A 10 available, B 3, C 0 (allow, no limit), D 0 (deny), E 0 (allow, 5 of
-- 5 waiting: no headroom), F 0 (allow, 2 of 5 waiting), G 0 (allow, limit 0)
INSERT INTO backorder.items (sku, policy, backorder_limit) VALUES
  ('A', 'allow', NULL), ('B', 'deny', NULL), ('C', 'allow', NULL), ('D', 'deny', NULL),
  ('E', 'allow', 5), ('F', 'allow', 5), ('G', 'allow', 0);
INSERT INTO backorder.receipts (sku, quantity) VALUES ('A', 12), ('B', 3);
SELECT count(*) FROM backorder.place_order('o-a', '[{"line_no": 1, "sku": "A", "quantity": 2}]');
SELECT count(*) FROM backorder.place_order('o-e', '[{"line_no": 1, "sku": "E", "quantity": 5}]');
SELECT count(*) FROM backorder.place_order('o-f', '[{"line_no": 1, "sku": "F", "quantity": 2}]');
-- no channel: no rows, and no availability_changed event was written
SELECT count(*) AS rows_without_channels FROM backorder.channel_stock;
SELECT count(*) AS feed_without_channels FROM pg_temp.feed;
INSERT INTO backorder.channels (channel, buffer, share, backorders) VALUES
  ('web', 0, 1, false),            -- the shop itself: everything
  ('market', 2, 0.5, true),        -- half, minus 2, takes backorders
  ('third', 0, 0.33, false),       -- floor(available x 0.33)
  ('bigbuffer', 20, 1, true);      -- buffer above stock: 0 published
SELECT * FROM backorder.channel_stock ORDER BY channel, sku;
-- the columns and their types
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'backorder.channel_stock'::regclass AND attnum > 0 ORDER BY attnum;
-- headroom: the limit raised, F fills up, E's limit removed
UPDATE backorder.items SET backorder_limit = 6 WHERE sku = 'E';
SELECT count(*) FROM backorder.place_order('o-f2', '[{"line_no": 1, "sku": "F", "quantity": 3}]');
SELECT channel, sku, orderable FROM backorder.channel_stock
 WHERE sku IN ('E', 'F') AND channel = 'market' ORDER BY sku;
UPDATE backorder.items SET backorder_limit = NULL WHERE sku = 'E';
UPDATE backorder.items SET policy = 'deny' WHERE sku = 'C';
SELECT channel, sku, orderable FROM backorder.channel_stock
 WHERE sku IN ('C', 'E', 'F') AND channel = 'market' ORDER BY sku;
-- changing channels and items settings wrote no availability_changed event
SELECT count(*) AS feed_events FROM pg_temp.feed;

------------------------------------------------------------------------
-- 3. The feed
------------------------------------------------------------------------
SELECT * FROM pg_temp.switch ORDER BY 1;
SELECT max(id) AS start FROM backorder.events \gset
-- one transaction, several changes of A: one event, old = before the
-- first change, new = at commit
BEGIN;
INSERT INTO backorder.receipts (sku, quantity) VALUES ('A', 5);
SELECT count(*) FROM backorder.place_order('o-1', '[{"line_no": 1, "sku": "A", "quantity": 4}]');
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('A', -2, 'damaged');
COMMIT;
SELECT id - :start AS n, sku, quantity, detail, order_id, line_no, expected_at FROM pg_temp.feed WHERE id > :start;
-- available back where it began: nothing
SELECT max(id) AS start FROM backorder.events \gset
BEGIN;
INSERT INTO backorder.receipts (sku, quantity) VALUES ('A', 5), ('B', 1);
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('A', -5, 'recount'), ('B', -1, 'recount');
COMMIT;
SELECT count(*) AS events_when_nothing_moved FROM backorder.events WHERE id > :start;
-- a single statement in autocommit: one event
INSERT INTO backorder.receipts (sku, quantity) VALUES ('B', 2);
SELECT sku, quantity, detail FROM pg_temp.feed WHERE id > :start;
-- other events first, then the feed in sku order (C and G before F in
-- sku order though changed after; allocated events of C's receipt first)
SELECT max(id) AS start FROM backorder.events \gset
UPDATE backorder.items SET policy = 'allow' WHERE sku = 'C';
BEGIN;
INSERT INTO backorder.receipts (sku, quantity) VALUES ('F', 9);
SELECT count(*) FROM backorder.place_order('o-c', '[{"line_no": 1, "sku": "C", "quantity": 4}]');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('C', 6);
INSERT INTO backorder.receipts (sku, quantity) VALUES ('B', 1);
COMMIT;
SELECT id - :start AS n, kind, order_id, line_no, sku, quantity, detail
  FROM backorder.events WHERE id > :start ORDER BY id;
-- an order that takes C's last 2 units and waits for 8: its own
-- transaction's events, backordered first
SELECT max(id) AS start FROM backorder.events \gset
SELECT count(*) FROM backorder.place_order('o-g', '[{"line_no": 1, "sku": "C", "quantity": 10}]');
SELECT kind, sku, quantity, detail FROM backorder.events WHERE id > :start ORDER BY id;
-- a receipt that the queue takes whole: available stays 0, no event
SELECT max(id) AS start FROM backorder.events \gset
INSERT INTO backorder.receipts (sku, quantity) VALUES ('C', 3);
SELECT kind, sku, quantity FROM backorder.events WHERE id > :start ORDER BY id;
-- savepoints: a change rolled back to its savepoint does not count; the
-- first change that stays gives "old"
SELECT max(id) AS start FROM backorder.events \gset
SELECT sku, available FROM backorder.stock_levels WHERE sku IN ('A', 'B') ORDER BY sku;
BEGIN;
SAVEPOINT s1;
INSERT INTO backorder.receipts (sku, quantity) VALUES ('A', 100);
ROLLBACK TO SAVEPOINT s1;
INSERT INTO backorder.receipts (sku, quantity) VALUES ('A', 1);
SAVEPOINT s2;
INSERT INTO backorder.receipts (sku, quantity) VALUES ('B', 7);
SAVEPOINT s3;
INSERT INTO backorder.receipts (sku, quantity) VALUES ('B', 1);
RELEASE SAVEPOINT s3;
RELEASE SAVEPOINT s2;
SAVEPOINT s4;
INSERT INTO backorder.receipts (sku, quantity) VALUES ('C', 50);
ROLLBACK TO SAVEPOINT s4;
COMMIT;
SELECT sku, quantity, detail FROM pg_temp.feed WHERE id > :start ORDER BY id;
-- only a rolled-back subtransaction changed anything: nothing
SELECT max(id) AS start FROM backorder.events \gset
BEGIN;
SAVEPOINT s;
INSERT INTO backorder.receipts (sku, quantity) VALUES ('A', 3);
ROLLBACK TO SAVEPOINT s;
COMMIT;
-- an error caught in a subtransaction (a plpgsql exception block)
DO $$
BEGIN
  BEGIN
    INSERT INTO backorder.receipts (sku, quantity) VALUES ('A', 3);
    PERFORM 1 / 0;
  EXCEPTION WHEN division_by_zero THEN NULL;
  END;
END $$;
-- a rolled-back transaction
BEGIN;
INSERT INTO backorder.receipts (sku, quantity) VALUES ('A', 3);
ROLLBACK;
SELECT count(*) AS events_of_undone_changes FROM backorder.events WHERE id > :start;
-- a failing statement after a change in the same transaction: nothing
BEGIN;
INSERT INTO backorder.receipts (sku, quantity) VALUES ('A', 3);
INSERT INTO backorder.receipts (sku, quantity) VALUES ('A', -3);
COMMIT;
SELECT count(*) AS events_of_failed_transaction FROM backorder.events WHERE id > :start;

-- the last channel deleted in the transaction: nothing at commit
BEGIN;
INSERT INTO backorder.receipts (sku, quantity) VALUES ('A', 2);
DELETE FROM backorder.channels;
COMMIT;
SELECT count(*) AS events_after_last_channel_deleted FROM backorder.events WHERE id > :start;
-- (the triggers stay on until the next channel change: they had work queued)
SELECT * FROM pg_temp.switch ORDER BY 1;
INSERT INTO backorder.channels (channel) VALUES ('tmp');
DELETE FROM backorder.channels;
SELECT * FROM pg_temp.switch ORDER BY 1;
-- no channel: nothing
INSERT INTO backorder.receipts (sku, quantity) VALUES ('A', 2);
SELECT count(*) FROM backorder.place_order('o-2', '[{"line_no": 1, "sku": "A", "quantity": 1}]');
SELECT count(*) AS events_without_channels FROM pg_temp.feed WHERE id > :start;
-- a channel created in the transaction, before the change: an event
SELECT sku, available FROM backorder.stock_levels WHERE sku = 'A';
BEGIN;
INSERT INTO backorder.channels (channel) VALUES ('web');
SELECT count(*) FROM backorder.place_order('o-3', '[{"line_no": 1, "sku": "A", "quantity": 1}]');
COMMIT;
SELECT sku, quantity, detail FROM pg_temp.feed WHERE id > :start;
SELECT * FROM pg_temp.switch ORDER BY 1;
-- the feed and the items agree; check() is clean
SELECT e.sku, e.quantity = s.available AS last_event_is_current
  FROM (SELECT DISTINCT ON (sku) sku, quantity FROM pg_temp.feed ORDER BY sku, id DESC) e
  JOIN backorder.stock_levels s USING (sku) ORDER BY 1;
SELECT * FROM backorder.check();

------------------------------------------------------------------------
-- 4. An application role with the grants SPEC lists
------------------------------------------------------------------------
CREATE ROLE backorder_channels_app;
GRANT USAGE ON SCHEMA backorder TO backorder_channels_app;
GRANT SELECT ON ALL TABLES IN SCHEMA backorder TO backorder_channels_app;
GRANT INSERT ON backorder.items, backorder.order_lines, backorder.receipts TO backorder_channels_app;
GRANT INSERT, UPDATE, DELETE ON backorder.channels TO backorder_channels_app;
GRANT EXECUTE ON FUNCTION backorder.place_order(text, jsonb) TO backorder_channels_app;
GRANT SELECT ON pg_temp.feed, pg_temp.switch TO backorder_channels_app;
SET ROLE backorder_channels_app;
DELETE FROM backorder.channels;
SELECT * FROM pg_temp.switch ORDER BY 1;
INSERT INTO backorder.channels VALUES ('app', 1, 0.5, false);
SELECT * FROM pg_temp.switch ORDER BY 1;
UPDATE backorder.channels SET buffer = 0;
SELECT pg_temp.err($$UPDATE backorder.channels SET channel = 'other'$$) AS rename;
SELECT max(id) AS start FROM backorder.events \gset
INSERT INTO backorder.receipts (sku, quantity) VALUES ('A', 4);
SELECT sku, quantity, detail FROM pg_temp.feed WHERE id > :start;
SELECT channel, sku, available, published, orderable FROM backorder.channel_stock WHERE sku = 'A';
-- still no way to write an event
SELECT pg_temp.err($$INSERT INTO backorder.events (at, kind, sku, quantity)
                     VALUES (now(), 'availability_changed', 'A', 1)$$) AS write_event;
RESET ROLE;

\c :regress_db
DROP DATABASE backorder_channels_test;
DROP ROLE backorder_channels_app;
