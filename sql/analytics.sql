-- sql/analytics.sql: analytics and replenishment: backorder_stats() (how
-- often and how long items backorder) and reorder_suggestions() (what to
-- buy, from demand, its spread and the lead time).  Part of the install
-- script.

-- Both functions read a SKU's order lines by time: one index range per
-- item, and with quantity included the scan need not visit the table.
-- Every column in it is immutable, so updates of a line stay HOT.
CREATE INDEX order_lines_sku_ordered_at_idx
    ON @extschema@.order_lines (sku, ordered_at) INCLUDE (quantity);

-- The inverse standard normal distribution function (src/stats.c).
CREATE FUNCTION @extschema@.normal_quantile(p float8)
    RETURNS float8
    AS 'MODULE_PATHNAME', 'backorder_normal_quantile'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.normal_quantile(float8) IS
  'The standard normal quantile of p, 0 < p < 1: the z with P(Z <= z) = p';
REVOKE ALL ON FUNCTION @extschema@.normal_quantile(float8) FROM PUBLIC;

-- Per item with order lines placed at or after since: how many lines and
-- units backordered, how long their filled backorders waited, and what of
-- them still waits.
--
-- A backorder row carries its line's sku and ordered_at (engine copies of
-- columns that never change), so the rows of the lines placed since then
-- are found without joining order_lines; by the invariant that check()
-- verifies, a line's waiting units are the waiting units of its rows.
CREATE FUNCTION @extschema@.backorder_stats(
        since timestamptz DEFAULT pg_catalog.now() OPERATOR(pg_catalog.-) '90 days'::interval)
RETURNS TABLE (sku text,
               lines bigint,
               backordered_lines bigint,
               backorder_rate numeric,
               units bigint,
               backordered_units bigint,
               unit_fill_rate numeric,
               filled_backorders bigint,
               avg_wait interval,
               p90_wait interval,
               waiting_units bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
#variable_conflict use_column
BEGIN
    IF since IS NULL THEN
        RAISE EXCEPTION 'since must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass a timestamp, or leave the argument out for the last 90 days.';
    END IF;

    RETURN QUERY
    WITH demand AS (
        -- per item with lines placed since then: one grouped pass over
        -- them (every line's sku is an item's: order_lines' foreign key)
        SELECT l.sku,
               pg_catalog.count(*) AS lines,
               pg_catalog.sum(l.quantity) AS units
          FROM @extschema@.order_lines l
         WHERE l.ordered_at OPERATOR(pg_catalog.>=) since
         GROUP BY l.sku),
    backorders AS (
        -- one grouped pass over the rows of the lines placed since then
        SELECT b.sku,
               pg_catalog.count(DISTINCT (b.order_id, b.line_no)) AS backordered_lines,
               pg_catalog.sum(b.quantity) AS backordered_units,
               pg_catalog.count(*) FILTER (WHERE b.status OPERATOR(pg_catalog.=) 'filled')
                 AS filled_backorders,
               pg_catalog.avg(b.filled_at OPERATOR(pg_catalog.-) b.created_at)
                 FILTER (WHERE b.status OPERATOR(pg_catalog.=) 'filled') AS avg_wait,
               pg_catalog.percentile_cont(0.9) WITHIN GROUP
                 (ORDER BY b.filled_at OPERATOR(pg_catalog.-) b.created_at)
                 FILTER (WHERE b.status OPERATOR(pg_catalog.=) 'filled') AS p90_wait,
               pg_catalog.sum((b.quantity OPERATOR(pg_catalog.-) b.filled) OPERATOR(pg_catalog.-) b.cancelled)
                 FILTER (WHERE b.status OPERATOR(pg_catalog.=) 'waiting') AS waiting_units
          FROM @extschema@.backorders b
         WHERE b.ordered_at OPERATOR(pg_catalog.>=) since
         GROUP BY b.sku),
    stats AS (
        SELECT d.sku,
               d.lines,
               COALESCE(bo.backordered_lines, 0) AS backordered_lines,
               d.units,
               COALESCE(bo.backordered_units, 0) AS backordered_units,
               COALESCE(bo.filled_backorders, 0) AS filled_backorders,
               bo.avg_wait,
               bo.p90_wait,
               COALESCE(bo.waiting_units, 0) AS waiting_units
          FROM demand d
          LEFT JOIN backorders bo ON bo.sku OPERATOR(pg_catalog.=) d.sku)
    SELECT s.sku,
           s.lines,
           s.backordered_lines,
           pg_catalog.trim_scale(s.backordered_lines::numeric OPERATOR(pg_catalog./) s.lines)
             AS backorder_rate,
           s.units::bigint,
           s.backordered_units::bigint,
           pg_catalog.trim_scale(GREATEST(0::numeric,
               1::numeric OPERATOR(pg_catalog.-)
               (s.backordered_units::numeric OPERATOR(pg_catalog./) s.units))) AS unit_fill_rate,
           s.filled_backorders,
           s.avg_wait,
           s.p90_wait,
           s.waiting_units::bigint
      FROM stats s
     ORDER BY 4 DESC, s.sku;
END
$$;
COMMENT ON FUNCTION @extschema@.backorder_stats(timestamptz) IS
  'Per item with order lines placed at or after since: lines and units, how many of them were backordered, '
  'how long their filled backorders waited (average, p90) and how many units still wait; '
  'sorted by backorder_rate DESC, sku';
REVOKE ALL ON FUNCTION @extschema@.backorder_stats(timestamptz) FROM PUBLIC;

-- Per item: the daily demand over the last horizon_days whole days before
-- today (session time zone; days without orders count as 0), its population
-- standard deviation, the lead time (observed median of purchase-order
-- receipts, else the configured one), and from them safety stock, reorder
-- point and the quantity to order now.
--
-- The figures are computed from exact integer sums: over N days with daily
-- totals d, S = sum(d) and Q = sum(d^2), the mean is S / N and the variance
-- (N Q - S^2) / N^2, so that ceil() never sees a rounded mean.
CREATE FUNCTION @extschema@.reorder_suggestions(
        horizon_days integer DEFAULT 90,
        service_level numeric DEFAULT 0.95)
RETURNS TABLE (sku text,
               daily_demand numeric,
               demand_stddev numeric,
               lead_time_days numeric,
               safety_stock bigint,
               reorder_point bigint,
               "position" bigint,
               suggested_quantity bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE
-- runs as the extension's owner, so that a caller granted EXECUTE on it
-- needs no grant on the internal helper normal_quantile
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
#variable_conflict use_column
DECLARE
    n numeric := horizon_days;      -- days in the horizon
    z numeric;                      -- standard normal quantile of service_level
    first_day timestamptz;
    today timestamptz;
BEGIN
    IF horizon_days IS NULL THEN
        RAISE EXCEPTION 'horizon_days must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF service_level IS NULL THEN
        RAISE EXCEPTION 'service_level must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF horizon_days OPERATOR(pg_catalog.<=) 0
       OR horizon_days OPERATOR(pg_catalog.>) (CURRENT_DATE OPERATOR(pg_catalog.-) '4713-01-01 BC'::date) THEN
        RAISE EXCEPTION 'horizon_days % is out of range', horizon_days
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The horizon must be at least 1 day and start after 4713 BC.';
    END IF;
    IF service_level OPERATOR(pg_catalog.<) 0.5
       OR service_level OPERATOR(pg_catalog.>=) 1
       OR service_level::float8 OPERATOR(pg_catalog.>=) 1 THEN
        RAISE EXCEPTION 'service_level % is out of range', service_level
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The service level must be at least 0.5 and below 1.';
    END IF;

    z := @extschema@.normal_quantile(service_level::float8)::numeric;
    -- whole days before today, in the session's time zone
    today := CURRENT_DATE::timestamptz;
    first_day := (CURRENT_DATE OPERATOR(pg_catalog.-) horizon_days)::timestamptz;

    RETURN QUERY
    WITH demand AS (
        -- per item, S and Q of its daily totals over the horizon (0
        -- without orders): for each item one range of
        -- order_lines_sku_ordered_at_idx, read index-only, so the cost is
        -- the horizon's lines whatever the length of the history
        SELECT i.sku,
               COALESCE(dm.s, 0) AS s,
               COALESCE(dm.q, 0) AS q
          FROM @extschema@.items i
         CROSS JOIN LATERAL (
               SELECT pg_catalog.sum(dt.total) AS s,
                      pg_catalog.sum(dt.total OPERATOR(pg_catalog.*) dt.total) AS q
                 FROM (SELECT pg_catalog.sum(l.quantity) AS total
                         FROM @extschema@.order_lines l
                        WHERE l.sku OPERATOR(pg_catalog.=) i.sku
                          AND l.ordered_at OPERATOR(pg_catalog.>=) first_day
                          AND l.ordered_at OPERATOR(pg_catalog.<) today
                        GROUP BY pg_catalog.date_trunc('day', l.ordered_at)) dt) dm),
    observed AS (
        SELECT r.sku,
               pg_catalog.percentile_cont(0.5) WITHIN GROUP
                 (ORDER BY r.received_at OPERATOR(pg_catalog.-) p.ordered_at) AS lead_time
          FROM @extschema@.receipts r
          JOIN @extschema@.purchase_orders p
            ON p.purchase_order_id OPERATOR(pg_catalog.=) r.purchase_order_id
           AND p.sku OPERATOR(pg_catalog.=) r.sku
         WHERE r.purchase_order_id IS NOT NULL
         GROUP BY r.sku),
    figures AS (
        SELECT sl.sku,
               dm.s,
               -- N^2 times the variance: N Q - S^2, an exact integer
               ((n OPERATOR(pg_catalog.*) dm.q) OPERATOR(pg_catalog.-) (dm.s OPERATOR(pg_catalog.*) dm.s))
                 AS n2var,
               -- lead time in seconds; a negative observed median
               -- (receipts dated before their purchase order) counts as 0
               GREATEST(0::numeric,
                   pg_catalog.extract('epoch', COALESCE(o.lead_time, i.lead_time))) AS secs,
               sl.projected AS position
          FROM @extschema@.stock_levels sl
          JOIN @extschema@.items i ON i.sku OPERATOR(pg_catalog.=) sl.sku
          JOIN demand dm ON dm.sku OPERATOR(pg_catalog.=) sl.sku
          LEFT JOIN observed o ON o.sku OPERATOR(pg_catalog.=) sl.sku),
    stock AS (
        SELECT f.sku,
               f.s OPERATOR(pg_catalog./) n AS daily_demand,
               pg_catalog.sqrt(f.n2var OPERATOR(pg_catalog./) (n OPERATOR(pg_catalog.*) n))
                 AS demand_stddev,
               f.secs OPERATOR(pg_catalog./) 86400 AS lead_time_days,
               -- z * stddev * sqrt(lead days) = z * sqrt(N^2 var * secs / (N^2 * 86400))
               pg_catalog.ceil(z OPERATOR(pg_catalog.*) pg_catalog.sqrt(
                   (f.n2var OPERATOR(pg_catalog.*) f.secs)
                   OPERATOR(pg_catalog./)
                   ((n OPERATOR(pg_catalog.*) n) OPERATOR(pg_catalog.*) 86400)))::bigint
                 AS safety_stock,
               -- daily demand * lead days = S * secs / (N * 86400)
               pg_catalog.ceil((f.s OPERATOR(pg_catalog.*) f.secs)
                   OPERATOR(pg_catalog./) (n OPERATOR(pg_catalog.*) 86400))::bigint
                 AS lead_time_demand,
               f.position
          FROM figures f),
    plan AS (
        SELECT st.*,
               (st.lead_time_demand OPERATOR(pg_catalog.+) st.safety_stock) AS reorder_point
          FROM stock st)
    SELECT p.sku,
           pg_catalog.trim_scale(p.daily_demand),
           pg_catalog.trim_scale(p.demand_stddev),
           pg_catalog.trim_scale(p.lead_time_days),
           p.safety_stock,
           p.reorder_point,
           p.position,
           CASE WHEN p.position OPERATOR(pg_catalog.<) p.reorder_point
                THEN (p.reorder_point OPERATOR(pg_catalog.-) p.position)
                ELSE 0 END::bigint
      FROM plan p
     ORDER BY p.sku;
END
$$;
COMMENT ON FUNCTION @extschema@.reorder_suggestions(integer, numeric) IS
  'Per item: mean and population standard deviation of daily demand over the last horizon_days whole days '
  '(cancelled units included, days without orders as 0), lead time in days (observed median, else configured), '
  'safety stock ceil(z * stddev * sqrt(lead time)) for the service level, reorder point, stock position '
  '(available + incoming - backordered) and the quantity to order now; sorted by sku';
REVOKE ALL ON FUNCTION @extschema@.reorder_suggestions(integer, numeric) FROM PUBLIC;
