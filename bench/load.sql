-- bench/load.sql: the data every implementation starts from.  Run with
-- psql -v impl=bare|bare_nofk|plpgsql|ext, as a superuser.
--
-- Rows are written the way pg_restore writes them: every column given and
-- session_replication_role = replica, so no trigger fires (the extension
-- stores such rows as they are; see "restore" in shared/SPEC.md).  The
-- numbers are kept consistent (on hand = receipts, backordered = waiting
-- units), so backorder.check() stays clean.
--
--   S1..S10000   in stock (10^12 units each): placement in stock
--   HOT          in stock: placement on one hot SKU
--   Z1..Z10000   no stock, policy allow: every line backordered
--   F10K, F200K  10,000 / 200,000 waiting backorders of one unit: receipts
--   E20K         20,000 waiting; one purchase order covers all of them
--   E2K          20,000 waiting; one purchase order covers the first 2,000
--   W20K         20,000 waiting: waiting_orders
--   L20K         20,000 waiting, no stock: placement behind a long queue
--   P10K, P50K   10,000 / 50,000 waiting, covered by one open purchase order
--                that the receipts name (bench/receive_po.sql)
-- bare and bare_nofk get the S, HOT and Z items only.
\set ON_ERROR_STOP on
SET session_replication_role = replica;

CREATE SEQUENCE public.bench_order_seq;
CREATE SEQUENCE public.bench_queue_seq;

-- (1.1: no trigger fires here, so the extension's items.held, when it has
-- one, starts at 0 through a default that lasts as long as the load)
SELECT pg_catalog.count(*) > 0 AS has_held FROM pg_catalog.pg_attribute
 WHERE attrelid = 'backorder.items'::regclass AND attname = 'held' AND NOT attisdropped \gset
\if :has_held
ALTER TABLE backorder.items ALTER COLUMN held SET DEFAULT 0;
\endif

INSERT INTO backorder.items (sku, on_hand, reserved, backordered)
SELECT 'S' || g, 1000000000000, 0, 0 FROM generate_series(1, 10000) g
UNION ALL SELECT 'HOT', 1000000000000, 0, 0
UNION ALL SELECT 'Z' || g, 0, 0, 0 FROM generate_series(1, 10000) g;

\if :{?impl}
\else
\set impl ext
\endif
SELECT :'impl' IN ('bare', 'bare_nofk') AS is_bare \gset
\if :is_bare
\quit
\endif

INSERT INTO backorder.receipts (sku, quantity, received_at, allocated, on_hand_after)
SELECT sku, on_hand, '2020-01-01', 0, on_hand FROM backorder.items WHERE on_hand > 0;

INSERT INTO backorder.items (sku, on_hand, reserved, backordered)
SELECT s, 0, 0, 0 FROM unnest(ARRAY['F10K', 'F200K', 'E20K', 'E2K', 'W20K', 'L20K', 'P10K', 'P50K']) s;

-- Append n waiting backorders of one unit to a SKU's queue (also used by
-- bench/run.sh to top the receipt queues up between runs).
CREATE FUNCTION public.bench_queue(p_sku text, n integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('session_replication_role') <> 'replica' THEN
        RAISE 'bench_queue writes rows as a restore does: SET session_replication_role = replica';
    END IF;
    CREATE TEMP TABLE bench_q ON COMMIT DROP AS
    SELECT 'q' || k AS order_id, p_sku AS sku,
           timestamptz '2020-01-01' + k * interval '1 second' AS ordered_at
      FROM (SELECT nextval('public.bench_queue_seq') AS k FROM generate_series(1, n)) s;
    INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, priority, ordered_at,
                                       reserved, backordered, shipped, cancelled, status)
    SELECT order_id, 1, sku, 1, 0, ordered_at, 0, 1, 0, 0, 'backordered' FROM bench_q;
    INSERT INTO backorder.backorders (order_id, line_no, sku, quantity, filled, cancelled, priority,
                                      created_at, status, ordered_at)
    SELECT order_id, 1, sku, 1, 0, 0, 0, ordered_at, 'waiting', ordered_at FROM bench_q ORDER BY ordered_at;
    UPDATE backorder.items SET backordered = backordered + n WHERE sku = p_sku;
    DROP TABLE bench_q;
END
$$;

SELECT public.bench_queue('F10K', 10000);
SELECT public.bench_queue('F200K', 200000);
SELECT public.bench_queue('E20K', 20000);
SELECT public.bench_queue('E2K', 20000);
SELECT public.bench_queue('W20K', 20000);
SELECT public.bench_queue('L20K', 20000);
SELECT public.bench_queue('P10K', 10000);
SELECT public.bench_queue('P50K', 50000);

-- The purchase orders go in through the engine, which promises the dates.
SET session_replication_role = origin;
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
VALUES ('PO-E', 'E20K', 20000, '2030-01-01'), ('PO-E', 'E2K', 2000, '2030-01-01'),
       -- receipts name these; each covers its whole queue, topped up or not
       ('PO-P', 'P10K', 10000000, '2030-01-01'), ('PO-P', 'P50K', 10000000, '2030-01-01');

\if :has_held
ALTER TABLE backorder.items ALTER COLUMN held DROP DEFAULT;
\endif
