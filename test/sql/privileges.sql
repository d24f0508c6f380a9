-- test/sql/privileges.sql: privileges and search_path safety (SPEC.md,
-- "Privileges and safety").
--  1. nothing in schema backorder is granted to PUBLIC;
--  2. every SECURITY DEFINER function has its search_path pinned;
--  3. an application role with exactly the grants the contract lists does
--     the whole job, and still cannot set an engine column;
--  4. objects a hostile role creates in public (now(), =, +, sum(), lower(),
--     tables named like the engine's...), with search_path = public,
--     pg_catalog, change nothing the engine does: the same scenario run
--     before and after them leaves identical rows (ids, prefixes and the
--     wall clock normalised).
-- It runs in a database of its own (autocommit, deferred constraints and
-- all), so that it leaves nothing in the shared regression database; the
-- database and the roles are dropped at the end (DROP OWNED, DROP ROLE), so
-- the test can run again in the same cluster.
\set VERBOSITY sqlstate
\set SHOW_CONTEXT never
SELECT current_database() AS regress_db \gset

-- in case an earlier run stopped half-way
SET client_min_messages = warning;
DROP DATABASE IF EXISTS backorder_privileges;
DROP ROLE IF EXISTS backorder_priv_app;
DROP ROLE IF EXISTS backorder_priv_hostile;
RESET client_min_messages;
CREATE DATABASE backorder_privileges;
\c backorder_privileges
CREATE EXTENSION backorder;
SET TimeZone = 'UTC';

-- ------------------------------------------------- 1. nothing for PUBLIC
-- every relation (table, view, sequence) and function of the schema, and
-- the schema itself, with the privileges PUBLIC holds on it (NULL ACLs
-- read as their defaults: functions default to EXECUTE for PUBLIC)
SELECT c.relkind::text AS kind, c.relname AS name, a.privilege_type
  FROM pg_class c
  CROSS JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault(
        CASE WHEN c.relkind = 'S' THEN 's'::"char" ELSE 'r'::"char" END, c.relowner))) a
 WHERE c.relnamespace = 'backorder'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'S', 'p', 'f')
   AND a.grantee = 0
UNION ALL
SELECT 'function', p.oid::regprocedure::text, a.privilege_type
  FROM pg_proc p
  CROSS JOIN LATERAL aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
 WHERE p.pronamespace = 'backorder'::regnamespace AND a.grantee = 0
UNION ALL
SELECT 'schema', n.nspname, a.privilege_type
  FROM pg_namespace n
  CROSS JOIN LATERAL aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
 WHERE n.nspname = 'backorder' AND a.grantee = 0
ORDER BY 1, 2, 3;
-- the same through information_schema (grantee PUBLIC)
SELECT table_name, privilege_type FROM information_schema.table_privileges
 WHERE table_schema = 'backorder' AND grantee = 'PUBLIC';
SELECT routine_name, privilege_type FROM information_schema.routine_privileges
 WHERE routine_schema = 'backorder' AND grantee = 'PUBLIC';
SELECT object_name, object_type FROM information_schema.usage_privileges
 WHERE object_schema = 'backorder' AND grantee = 'PUBLIC' AND object_type = 'SEQUENCE';
-- and the objects that check covers are really there
SELECT count(*) > 0 AS has_tables FROM pg_class
 WHERE relnamespace = 'backorder'::regnamespace AND relkind = 'r';
SELECT count(*) > 0 AS has_functions FROM pg_proc WHERE pronamespace = 'backorder'::regnamespace;

-- ----------------------------- 2. SECURITY DEFINER means a pinned path
-- (lists the offenders: none)
SELECT p.oid::regprocedure AS security_definer_without_search_path
  FROM pg_proc p
 WHERE p.pronamespace = 'backorder'::regnamespace AND p.prosecdef
   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%');
-- a pinned path must not start with a schema others can write to
SELECT p.oid::regprocedure AS function, c AS setting
  FROM pg_proc p, unnest(p.proconfig) c
 WHERE p.pronamespace = 'backorder'::regnamespace AND p.prosecdef
   AND c LIKE 'search\_path=%' AND c NOT LIKE 'search\_path=pg\_catalog%';

-- ------------------------------------------ 3. the application role
CREATE ROLE backorder_priv_app LOGIN;
GRANT USAGE ON SCHEMA backorder TO backorder_priv_app;
GRANT INSERT ON backorder.items, backorder.order_lines, backorder.purchase_orders,
      backorder.receipts, backorder.shipments, backorder.cancellations, backorder.adjustments
   TO backorder_priv_app;
GRANT UPDATE (policy, backorder_limit, lead_time) ON backorder.items TO backorder_priv_app;
GRANT UPDATE (priority) ON backorder.order_lines TO backorder_priv_app;
GRANT UPDATE (quantity, expected_at, status) ON backorder.purchase_orders TO backorder_priv_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA backorder TO backorder_priv_app;
GRANT SELECT ON ALL TABLES IN SCHEMA backorder TO backorder_priv_app;

-- The whole job, as one psql variable run twice (prefix :p).  Every
-- operator in the scenario's own WHERE clauses is qualified, so that only
-- the engine is on trial when the hostile objects exist.
\set scenario 'INSERT INTO backorder.items (sku, lead_time) VALUES (:''skuA'', ''10 days''); INSERT INTO backorder.items (sku, backorder_limit, lead_time) VALUES (:''skuB'', 5, ''3 days''); INSERT INTO backorder.items (sku, policy) VALUES (:''skuD'', ''deny''); UPDATE backorder.items SET lead_time = ''7 days'' WHERE sku OPERATOR(pg_catalog.=) :''skuA''; INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at) VALUES (:''po1'', :''skuA'', 4, ''2031-01-10 00:00+00''), (:''po2'', :''skuA'', 6, ''2031-01-05 00:00+00''), (:''po1'', :''skuB'', 3, ''2031-02-01 00:00+00''); INSERT INTO backorder.receipts (sku, quantity) VALUES (:''skuA'', 3); INSERT INTO backorder.receipts (sku, quantity, reference) VALUES (:''skuD'', 5, ''first delivery''); SELECT count(*) AS lines FROM backorder.place_order(:''o1'', pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(''line_no'', 1, ''sku'', :''skuA'', ''quantity'', 5, ''ordered_at'', ''2030-06-01T00:00:00Z''), pg_catalog.jsonb_build_object(''line_no'', 2, ''sku'', :''skuB'', ''quantity'', 2, ''ordered_at'', ''2030-06-01T00:00:00Z''), pg_catalog.jsonb_build_object(''line_no'', 3, ''sku'', :''skuD'', ''quantity'', 2))); SELECT count(*) AS lines FROM backorder.place_order(:''o2'', pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(''line_no'', 1, ''sku'', :''skuA'', ''quantity'', 6, ''priority'', 1, ''ordered_at'', ''2030-06-02T00:00:00Z''))); SELECT count(*) AS lines FROM backorder.place_order(:''o3'', pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(''line_no'', 1, ''sku'', :''skuA'', ''quantity'', 1), pg_catalog.jsonb_build_object(''line_no'', 2, ''sku'', :''skuB'', ''quantity'', 1, ''priority'', -1))); UPDATE backorder.order_lines SET priority = 2 WHERE order_id OPERATOR(pg_catalog.=) :''o1'' AND line_no OPERATOR(pg_catalog.=) 1; INSERT INTO backorder.receipts (sku, quantity, purchase_order_id) VALUES (:''skuA'', 4, :''po2''); INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES (:''o1'', 1, 2); INSERT INTO backorder.cancellations (order_id, line_no, quantity, reason) VALUES (:''o2'', 1, 1, ''partial''); INSERT INTO backorder.cancellations (order_id, line_no, quantity) VALUES (:''o3'', 2, NULL); INSERT INTO backorder.adjustments (sku, delta, reason) VALUES (:''skuA'', -2, ''damaged''); INSERT INTO backorder.adjustments (sku, delta, reason) VALUES (:''skuB'', 1, ''found''); UPDATE backorder.purchase_orders SET quantity = 9 WHERE purchase_order_id OPERATOR(pg_catalog.=) :''po1'' AND sku OPERATOR(pg_catalog.=) :''skuA''; UPDATE backorder.purchase_orders SET expected_at = ''2031-01-03 00:00+00'' WHERE purchase_order_id OPERATOR(pg_catalog.=) :''po1'' AND sku OPERATOR(pg_catalog.=) :''skuA''; UPDATE backorder.purchase_orders SET status = ''cancelled'' WHERE purchase_order_id OPERATOR(pg_catalog.=) :''po1'' AND sku OPERATOR(pg_catalog.=) :''skuB''; UPDATE backorder.items SET policy = ''deny'', backorder_limit = 0 WHERE sku OPERATOR(pg_catalog.=) :''skuB''; SELECT backorder.cancel_order(:''o2'', ''customer asked'') AS cancelled_units; SELECT count(*) AS claimed FROM backorder.claim_events(1000) e WHERE pg_catalog.starts_with(e.order_id, :''p''); SELECT pg_catalog.substr(sku, 4) AS sku, on_hand, reserved, available, backordered, incoming, projected, next_expected_at FROM backorder.stock_levels WHERE pg_catalog.starts_with(sku, :''p'') ORDER BY 1; SELECT pg_catalog.substr(order_id, 4) AS order_id, line_no, waiting, priority, queue_position, units_ahead, eta_source, CASE WHEN eta_source OPERATOR(pg_catalog.=) ''purchase_order'' THEN expected_at END AS expected_at FROM backorder.waiting_orders WHERE pg_catalog.starts_with(sku, :''p'') ORDER BY sku, queue_position; SELECT pg_catalog.substr(sku, 4) AS sku, lead_time, observed_lead_time IS NOT NULL AS observed, waiting_lines, waiting_units FROM backorder.lead_times WHERE pg_catalog.starts_with(sku, :''p'') ORDER BY 1; SELECT count(*) AS problems FROM backorder.check();'

-- Everything of one run, with the prefix, ids and the clock taken out
-- (a timestamp the engine wrote with now() must be within the last hour).
CREATE FUNCTION pg_temp.norm(p text) RETURNS text
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
SELECT replace(concat_ws(E'\n',
  (SELECT string_agg(concat_ws(' ', sku, policy, backorder_limit, lead_time, on_hand, reserved, backordered), E'\n' ORDER BY sku)
     FROM backorder.items WHERE starts_with(sku, p)),
  (SELECT string_agg(concat_ws(' ', order_id, line_no, sku, quantity, priority,
                               CASE WHEN ordered_at > now() - interval '1 hour' AND ordered_at <= now()
                                    THEN 'now' ELSE ordered_at::text END,
                               reserved, backordered, shipped, cancelled, status), E'\n' ORDER BY order_id, line_no)
     FROM backorder.order_lines WHERE starts_with(order_id, p)),
  (SELECT string_agg(concat_ws(' ', order_id, line_no, sku, quantity, filled, cancelled, priority, status,
                               created_at > now() - interval '1 hour', filled_at IS NULL OR filled_at >= created_at,
                               filled_at IS NOT NULL, expected_at), E'\n' ORDER BY order_id, line_no, id)
     FROM backorder.backorders WHERE starts_with(order_id, p)),
  (SELECT string_agg(concat_ws(' ', purchase_order_id, sku, quantity, received, status, expected_at,
                               ordered_at > now() - interval '1 hour'), E'\n' ORDER BY purchase_order_id, sku)
     FROM backorder.purchase_orders WHERE starts_with(sku, p)),
  (SELECT string_agg(concat_ws(' ', 'receipt', sku, quantity, purchase_order_id, reference, allocated, on_hand_after,
                               received_at > now() - interval '1 hour'), E'\n' ORDER BY id)
     FROM backorder.receipts WHERE starts_with(sku, p)),
  (SELECT string_agg(concat_ws(' ', 'shipment', order_id, line_no, quantity, on_hand_after,
                               shipped_at > now() - interval '1 hour'), E'\n' ORDER BY id)
     FROM backorder.shipments WHERE starts_with(order_id, p)),
  (SELECT string_agg(concat_ws(' ', 'cancellation', order_id, line_no, quantity, reason, waiting_cancelled,
                               reserved_cancelled, cancelled_at > now() - interval '1 hour'), E'\n' ORDER BY id)
     FROM backorder.cancellations WHERE starts_with(order_id, p)),
  (SELECT string_agg(concat_ws(' ', 'adjustment', sku, delta, reason, allocated, taken_back, on_hand_after,
                               adjusted_at > now() - interval '1 hour'), E'\n' ORDER BY id)
     FROM backorder.adjustments WHERE starts_with(sku, p)),
  (SELECT string_agg(concat_ws(' ', 'event', kind, order_id, line_no, sku, quantity, expected_at, detail,
                               at > now() - interval '1 hour', claimed_at IS NOT NULL), E'\n' ORDER BY id)
     FROM backorder.events WHERE starts_with(order_id, p))), p, '<p>')
$$;
CREATE TEMP TABLE runs (run int, result text);

-- run 1: the application role, an ordinary session
\set p 'pa-'
\set skuA :p A
\set skuB :p B
\set skuD :p D
\set o1 :p o1
\set o2 :p o2
\set o3 :p o3
\set po1 :p PO1
\set po2 :p PO2
SET ROLE backorder_priv_app;
:scenario
RESET ROLE;
INSERT INTO runs SELECT 1, pg_temp.norm('pa-');

-- the application role cannot set an engine column, however it tries:
-- every INSERT below supplies engine columns (all of them, or some):
-- expect BO006 (x9)
SET ROLE backorder_priv_app;
INSERT INTO backorder.items (sku, on_hand, reserved, backordered) VALUES ('pa-X', 100, 0, 0);
INSERT INTO backorder.items (sku, on_hand) VALUES ('pa-X', 100);
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, reserved, backordered, shipped, cancelled, status)
  VALUES ('pa-o9', 1, 'pa-A', 5, 5, 0, 0, 0, 'reserved');
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at, received)
  VALUES ('pa-PO9', 'pa-A', 5, '2031-01-01', 5);
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at, status)
  VALUES ('pa-PO9', 'pa-A', 5, '2031-01-01', 'closed');
INSERT INTO backorder.receipts (sku, quantity, allocated, on_hand_after) VALUES ('pa-A', 1, 0, 1000);
INSERT INTO backorder.shipments (order_id, line_no, quantity, on_hand_after) VALUES ('pa-o1', 1, 1, 1000);
INSERT INTO backorder.cancellations (order_id, line_no, quantity, waiting_cancelled, reserved_cancelled)
  VALUES ('pa-o1', 1, 1, 0, 1);
INSERT INTO backorder.adjustments (sku, delta, reason, allocated, taken_back, on_hand_after)
  VALUES ('pa-A', 5, 'x', 0, 0, 1000);
-- columns and tables it was not granted: PostgreSQL's own refusal,
-- expect 42501 (x7)
UPDATE backorder.items SET on_hand = 1000 WHERE sku OPERATOR(pg_catalog.=) 'pa-A';
UPDATE backorder.order_lines SET reserved = 0 WHERE order_id OPERATOR(pg_catalog.=) 'pa-o1';
UPDATE backorder.purchase_orders SET received = 0 WHERE sku OPERATOR(pg_catalog.=) 'pa-A';
INSERT INTO backorder.backorders (id, order_id, line_no, sku, quantity, filled, cancelled, priority, created_at, status, ordered_at)
  VALUES (1000000, 'pa-o1', 1, 'pa-A', 1, 0, 0, 0, now(), 'waiting', now());
INSERT INTO backorder.events (at, kind, order_id, line_no, sku, quantity)
  VALUES (now(), 'backordered', 'pa-o1', 1, 'pa-A', 1);
DELETE FROM backorder.events;
DELETE FROM backorder.receipts;
-- granted columns, forbidden changes (cancelled -> open, open -> closed):
-- expect BO006 (x2)
UPDATE backorder.purchase_orders SET status = 'open' WHERE sku OPERATOR(pg_catalog.=) 'pa-B';
UPDATE backorder.purchase_orders SET status = 'closed' WHERE purchase_order_id OPERATOR(pg_catalog.=) 'pa-PO1'
   AND sku OPERATOR(pg_catalog.=) 'pa-A';
RESET ROLE;
SELECT pg_temp.norm('pa-') = result AS nothing_changed FROM runs WHERE run = 1;

-- -------------------------------------------------- 4. a hostile role
CREATE ROLE backorder_priv_hostile;
GRANT CREATE ON SCHEMA public TO backorder_priv_hostile;
SET ROLE backorder_priv_hostile;
SET search_path = public, pg_catalog;
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql
  AS $$ SELECT '2000-01-01 00:00+00'::pg_catalog.timestamptz $$;
CREATE FUNCTION public.clock_timestamp() RETURNS timestamptz LANGUAGE sql
  AS $$ SELECT '2000-01-01 00:00+00'::pg_catalog.timestamptz $$;
CREATE FUNCTION public.statement_timestamp() RETURNS timestamptz LANGUAGE sql
  AS $$ SELECT '2000-01-01 00:00+00'::pg_catalog.timestamptz $$;
CREATE FUNCTION public.evil_text_eq(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.evil_text_eq);
CREATE FUNCTION public.evil_int8_plus(bigint, bigint) RETURNS bigint LANGUAGE sql
  AS $$ SELECT $1 OPERATOR(pg_catalog.-) $2 $$;
CREATE OPERATOR public.+ (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.evil_int8_plus);
CREATE FUNCTION public.evil_int8_minus(bigint, bigint) RETURNS bigint LANGUAGE sql
  AS $$ SELECT $1 OPERATOR(pg_catalog.+) $2 $$;
CREATE OPERATOR public.- (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.evil_int8_minus);
CREATE FUNCTION public.evil_int8_cmp(bigint, bigint) RETURNS boolean LANGUAGE sql AS $$ SELECT false $$;
CREATE OPERATOR public.< (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.evil_int8_cmp);
CREATE OPERATOR public.> (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.evil_int8_cmp);
CREATE OPERATOR public.<= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.evil_int8_cmp);
CREATE OPERATOR public.>= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.evil_int8_cmp);
CREATE OPERATOR public.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.evil_int8_cmp);
CREATE FUNCTION public.evil_int4_cmp(integer, integer) RETURNS boolean LANGUAGE sql AS $$ SELECT false $$;
CREATE OPERATOR public.= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = public.evil_int4_cmp);
CREATE FUNCTION public.evil_jsonb_get(jsonb, text) RETURNS text LANGUAGE sql AS $$ SELECT '666' $$;
CREATE OPERATOR public.->> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = public.evil_jsonb_get);
CREATE FUNCTION public.evil_sum(numeric, bigint) RETURNS numeric LANGUAGE sql AS $$ SELECT 42::numeric $$;
CREATE AGGREGATE public.sum(bigint) (SFUNC = public.evil_sum, STYPE = numeric);
CREATE FUNCTION public.evil_min(timestamptz, timestamptz) RETURNS timestamptz LANGUAGE sql
  AS $$ SELECT '2000-01-01 00:00+00'::pg_catalog.timestamptz $$;
CREATE AGGREGATE public.min(timestamptz) (SFUNC = public.evil_min, STYPE = timestamptz);
CREATE FUNCTION public.evil_count(bigint, anyelement) RETURNS bigint LANGUAGE sql AS $$ SELECT 7::bigint $$;
CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
CREATE FUNCTION public.upper(text) RETURNS text LANGUAGE sql AS $$ SELECT 'EVIL' $$;
CREATE FUNCTION public.char_length(text) RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION public."coalesce"(bigint, bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT 666::bigint $$;
CREATE FUNCTION public.greatest(bigint, bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT 666::bigint $$;
CREATE FUNCTION public.least(bigint, bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT 666::bigint $$;
CREATE FUNCTION public.jsonb_array_elements(jsonb) RETURNS SETOF jsonb LANGUAGE sql
  AS $$ SELECT '{"line_no": 1, "sku": "evil", "quantity": 1}'::pg_catalog.jsonb $$;
CREATE FUNCTION public.jsonb_build_object(text, bigint) RETURNS jsonb LANGUAGE sql
  AS $$ SELECT '{"evil": 1}'::pg_catalog.jsonb $$;
CREATE FUNCTION public.to_jsonb(timestamptz) RETURNS jsonb LANGUAGE sql AS $$ SELECT '"evil"'::pg_catalog.jsonb $$;
CREATE FUNCTION public.nextval(regclass) RETURNS bigint LANGUAGE sql AS $$ SELECT 1::bigint $$;
CREATE FUNCTION public.pg_notify(text, text) RETURNS void LANGUAGE sql AS $$ SELECT $$;
CREATE FUNCTION public.format(text, text) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
CREATE TABLE public.items (sku text, policy text, backorder_limit bigint, lead_time interval,
                           on_hand bigint, reserved bigint, backordered bigint);
INSERT INTO public.items VALUES ('pb-A', 'allow', NULL, '0', 1000, 0, 0);
CREATE TABLE public.order_lines (order_id text, line_no int, sku text, quantity bigint, priority int,
                                 ordered_at timestamptz, reserved bigint, backordered bigint,
                                 shipped bigint, cancelled bigint, status text);
INSERT INTO public.order_lines VALUES ('pb-o1', 1, 'pb-A', 5, 0, '2000-01-01', 5, 0, 0, 0, 'reserved');
CREATE TABLE public.backorders (id bigint, order_id text, line_no int, sku text, quantity bigint,
                                filled bigint, cancelled bigint, priority int, created_at timestamptz,
                                status text, filled_at timestamptz, expected_at timestamptz,
                                ordered_at timestamptz);
CREATE TABLE public.events (id bigint, at timestamptz, kind text, order_id text, line_no int, sku text,
                            quantity bigint, expected_at timestamptz, detail jsonb, claimed_at timestamptz);
CREATE TABLE public.purchase_orders (purchase_order_id text, sku text, quantity bigint,
                                     ordered_at timestamptz, expected_at timestamptz, received bigint,
                                     status text);
INSERT INTO public.purchase_orders VALUES ('pb-PO1', 'pb-A', 1000, '2000-01-01', '2000-01-02', 0, 'open');
CREATE TABLE public.receipts (id bigint, sku text, quantity bigint);
CREATE TABLE public.policy (x int);
RESET ROLE;
RESET search_path;

-- run 2: the application role again, public first on its path
\set p 'pb-'
\set skuA :p A
\set skuB :p B
\set skuD :p D
\set o1 :p o1
\set o2 :p o2
\set o3 :p o3
\set po1 :p PO1
\set po2 :p PO2
SET ROLE backorder_priv_app;
SET search_path = public, pg_catalog;
:scenario
RESET search_path;
RESET ROLE;
INSERT INTO runs SELECT 2, pg_temp.norm('pb-');
-- the hostile objects are still there, and changed nothing
SELECT count(*) AS hostile_objects FROM pg_proc WHERE pronamespace = 'public'::regnamespace
   AND proowner = 'backorder_priv_hostile'::regrole;
SELECT (SELECT result FROM runs WHERE run = 1) = (SELECT result FROM runs WHERE run = 2) AS identical_runs;
-- (on failure, what differs)
SELECT r, line FROM (
  (SELECT 'run 1 only' AS r, unnest(string_to_array(result, E'\n')) AS line FROM runs WHERE run = 1
   EXCEPT ALL
   SELECT 'run 1 only', unnest(string_to_array(result, E'\n')) FROM runs WHERE run = 2)
  UNION ALL
  (SELECT 'run 2 only', unnest(string_to_array(result, E'\n')) FROM runs WHERE run = 2
   EXCEPT ALL
   SELECT 'run 2 only', unnest(string_to_array(result, E'\n')) FROM runs WHERE run = 1)) d
ORDER BY 1, 2;
-- the runs did work: lines, waiting rows, events, ledger rows
SELECT count(*) AS rows_per_run FROM unnest(string_to_array((SELECT result FROM runs WHERE run = 1), E'\n'));

-- ----------------------------------------------------------- clean up
DROP OWNED BY backorder_priv_hostile CASCADE;
DROP OWNED BY backorder_priv_app CASCADE;
DROP ROLE backorder_priv_hostile;
DROP ROLE backorder_priv_app;
SELECT count(*) AS roles_left FROM pg_roles WHERE rolname LIKE 'backorder\_priv\_%';
\c :regress_db
DROP DATABASE backorder_privileges;
