-- Every table, column, view and function of schema backorder has a comment
-- (COMMENT ON).  The query lists what lacks one: it must list nothing.
-- First it proves it can see a missing comment: a table made without
-- comments inside a rolled-back transaction shows up (table, the column
-- left bare, function).
\set uncommented 'SELECT kind, name FROM ( SELECT CASE c.relkind WHEN ''v'' THEN ''view'' WHEN ''m'' THEN ''materialized view'' ELSE ''table'' END AS kind, c.oid::regclass::text AS name FROM pg_catalog.pg_class c WHERE c.relnamespace = ''backorder''::regnamespace AND c.relkind IN (''r'', ''p'', ''v'', ''m'', ''f'') AND pg_catalog.obj_description(c.oid, ''pg_class'') IS NULL UNION ALL SELECT ''column'', c.oid::regclass::text || ''.'' || pg_catalog.quote_ident(a.attname) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped WHERE c.relnamespace = ''backorder''::regnamespace AND c.relkind IN (''r'', ''p'', ''v'', ''m'', ''f'') AND pg_catalog.col_description(c.oid, a.attnum) IS NULL UNION ALL SELECT CASE p.prokind WHEN ''p'' THEN ''procedure'' WHEN ''a'' THEN ''aggregate'' ELSE ''function'' END, p.oid::regprocedure::text FROM pg_catalog.pg_proc p WHERE p.pronamespace = ''backorder''::regnamespace AND pg_catalog.obj_description(p.oid, ''pg_proc'') IS NULL ) missing ORDER BY kind, name'
BEGIN;
CREATE TABLE backorder.uncommented_probe (probe integer, bare integer);
CREATE FUNCTION backorder.uncommented_probe_fn() RETURNS integer LANGUAGE sql AS 'SELECT 1';
COMMENT ON COLUMN backorder.uncommented_probe.probe IS 'commented';
SELECT * FROM (:uncommented) AS missing WHERE name LIKE 'backorder.uncommented\_probe%';
ROLLBACK;
-- the extension as installed: nothing lacks a comment
:uncommented;
-- and there is something to comment (the query looks in the right schema)
SELECT count(*) > 100 AS many_objects_checked
  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'backorder'::regnamespace AND a.attnum > 0 AND c.relkind IN ('r', 'v');
