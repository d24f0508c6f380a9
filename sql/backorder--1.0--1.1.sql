-- backorder 1.0 -> 1.1 upgrade (ALTER EXTENSION backorder UPDATE TO '1.1').
-- Hand-written: every change the 1.1 sources (sql/schema.sql ... ) make to
-- what 1.0 installed, so that an upgraded database ends with exactly the
-- objects of a fresh CREATE EXTENSION backorder VERSION '1.1'
-- (test/scripts/upgrade.sh compares them).
\echo Use "ALTER EXTENSION backorder UPDATE TO '1.1'" to load this file. \quit

-- ==== contract fixes (issue 10)
-- promises of the ledgers' SKUs are recomputed at the end of the statement
-- (after its last row lock: no deadlock with a priority update)
CREATE TRIGGER receipts_eta AFTER INSERT ON @extschema@.receipts
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_eta_flush();
CREATE TRIGGER cancellations_eta AFTER INSERT ON @extschema@.cancellations
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_eta_flush();
CREATE TRIGGER adjustments_eta AFTER INSERT ON @extschema@.adjustments
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_eta_flush();
-- TRUNCATE of any table fails with BO006
CREATE TRIGGER items_truncate BEFORE TRUNCATE ON @extschema@.items
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');
CREATE TRIGGER purchase_orders_truncate BEFORE TRUNCATE ON @extschema@.purchase_orders
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');
CREATE TRIGGER order_lines_truncate BEFORE TRUNCATE ON @extschema@.order_lines
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');
CREATE TRIGGER backorders_truncate BEFORE TRUNCATE ON @extschema@.backorders
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');
CREATE TRIGGER receipts_truncate BEFORE TRUNCATE ON @extschema@.receipts
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');
CREATE TRIGGER shipments_truncate BEFORE TRUNCATE ON @extschema@.shipments
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');
CREATE TRIGGER cancellations_truncate BEFORE TRUNCATE ON @extschema@.cancellations
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');
CREATE TRIGGER adjustments_truncate BEFORE TRUNCATE ON @extschema@.adjustments
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');
CREATE TRIGGER events_truncate BEFORE TRUNCATE ON @extschema@.events
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');
-- reorder_suggestions runs as the owner: a caller needs no grant on
-- normal_quantile
ALTER FUNCTION @extschema@.reorder_suggestions(integer, numeric) SECURITY DEFINER;

-- ==== performance (issue 11)
-- The waiting queue: one index in fill order for every status (the queue
-- walks and the views' per-SKU history), none on expected_at, and room on
-- each page so that a date change is a HOT update.
DROP INDEX @extschema@.backorders_promised_idx;
DROP INDEX @extschema@.backorders_queue_idx;
CREATE INDEX backorders_queue_idx ON @extschema@.backorders (sku, status, priority DESC, ordered_at, id);
ALTER TABLE @extschema@.backorders SET (fillfactor = 60);
-- The outbox: two index entries per event (purge_events scans the table).
DROP INDEX @extschema@.events_claimed_idx;

-- Each figure is one grouped pass over the rows it sums (a per-item
-- subquery would scan the filled history once per item); a filter on sku
-- reaches every group (the join clauses carry it into each subquery), so
-- one item's row reads only that item's rows, through backorders_sku_idx.
CREATE OR REPLACE VIEW @extschema@.lead_times AS
SELECT i.sku,
       i.lead_time,
       o.observed_lead_time,
       COALESCE(w.waiting_lines, 0)::bigint AS waiting_lines,
       COALESCE(w.waiting_units, 0)::bigint AS waiting_units,
       w.oldest_waiting_since,
       f.avg_wait,
       f.p90_wait,
       s.next_expected_at
  FROM @extschema@.items i
  LEFT JOIN (
        SELECT r.sku,
               pg_catalog.percentile_cont(0.5) WITHIN GROUP
                 (ORDER BY r.received_at OPERATOR(pg_catalog.-) p.ordered_at) AS observed_lead_time
          FROM @extschema@.receipts r
          JOIN @extschema@.purchase_orders p
            ON p.purchase_order_id OPERATOR(pg_catalog.=) r.purchase_order_id
           AND p.sku OPERATOR(pg_catalog.=) r.sku
         GROUP BY r.sku) o ON o.sku OPERATOR(pg_catalog.=) i.sku
  LEFT JOIN (
        SELECT b.sku,
               pg_catalog.count(*) AS waiting_lines,
               pg_catalog.sum(b.quantity OPERATOR(pg_catalog.-) b.filled OPERATOR(pg_catalog.-) b.cancelled) AS waiting_units,
               pg_catalog.min(b.created_at) AS oldest_waiting_since
          FROM @extschema@.backorders b
         WHERE b.status OPERATOR(pg_catalog.=) 'waiting'
         GROUP BY b.sku) w ON w.sku OPERATOR(pg_catalog.=) i.sku
  LEFT JOIN (
        SELECT b.sku,
               pg_catalog.avg(b.filled_at OPERATOR(pg_catalog.-) b.created_at) AS avg_wait,
               pg_catalog.percentile_cont(0.9) WITHIN GROUP
                 (ORDER BY b.filled_at OPERATOR(pg_catalog.-) b.created_at) AS p90_wait
          FROM @extschema@.backorders b
         WHERE b.status OPERATOR(pg_catalog.=) 'filled'
         GROUP BY b.sku) f ON f.sku OPERATOR(pg_catalog.=) i.sku
  LEFT JOIN (
        SELECT p.sku,
               pg_catalog.min(p.expected_at) AS next_expected_at
          FROM @extschema@.purchase_orders p
         WHERE p.status OPERATOR(pg_catalog.=) 'open'
           AND p.quantity OPERATOR(pg_catalog.>) p.received
         GROUP BY p.sku) s ON s.sku OPERATOR(pg_catalog.=) i.sku;

-- check() is redefined once, in the last section, as the 1.1 sources have it


CREATE OR REPLACE FUNCTION @extschema@.backorder_stats(
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

CREATE OR REPLACE FUNCTION @extschema@.reorder_suggestions(
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

-- ==== cart holds (issue 16)
-- items: held (engine, starts at 0; a 1.0 row gets 0) and the internal
-- next_hold_expiry, both last as in a fresh install; reserved + held <= on_hand.
ALTER TABLE @extschema@.items ADD COLUMN held bigint NOT NULL DEFAULT 0;
ALTER TABLE @extschema@.items ALTER COLUMN held DROP DEFAULT;
ALTER TABLE @extschema@.items ADD COLUMN next_hold_expiry timestamptz;
ALTER TABLE @extschema@.items ADD CONSTRAINT items_held_check
        CHECK (held OPERATOR(pg_catalog.>=) 0
               AND reserved OPERATOR(pg_catalog.+) held OPERATOR(pg_catalog.<=) on_hand);
COMMENT ON COLUMN @extschema@.items.held IS 'engine: units of on-hand stock kept for carts by active holds';
COMMENT ON COLUMN @extschema@.items.next_hold_expiry IS
  'engine (internal): never later than the earliest expires_at of the item''s active holds, NULL when it has none; lets an order skip the expiry check';
DROP TRIGGER items_engine_columns ON @extschema@.items;
CREATE TRIGGER items_engine_columns BEFORE UPDATE OF sku, on_hand, reserved, backordered, held, next_hold_expiry ON @extschema@.items
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('users may update policy, backorder_limit and lead_time only');

-- available = on hand - reserved - held; held appended last
CREATE OR REPLACE VIEW @extschema@.stock_levels AS
SELECT i.sku,
       i.policy,
       i.on_hand,
       i.reserved,
       i.on_hand OPERATOR(pg_catalog.-) i.reserved OPERATOR(pg_catalog.-) i.held AS available,
       i.backordered,
       COALESCE(s.incoming, 0)::bigint AS incoming,
       (i.on_hand OPERATOR(pg_catalog.-) i.reserved OPERATOR(pg_catalog.-) i.held
        OPERATOR(pg_catalog.+) COALESCE(s.incoming, 0)::bigint
        OPERATOR(pg_catalog.-) i.backordered) AS projected,
       s.next_expected_at,
       i.held
  FROM @extschema@.items i
  LEFT JOIN (
        -- one grouped pass over the open purchase-order lines; a filter on
        -- sku reaches it through the join clause (that sku's lines only)
        SELECT p.sku,
               pg_catalog.sum(p.quantity OPERATOR(pg_catalog.-) p.received) AS incoming,
               pg_catalog.min(p.expected_at) AS next_expected_at
          FROM @extschema@.purchase_orders p
         WHERE p.status OPERATOR(pg_catalog.=) 'open'
           AND p.quantity OPERATOR(pg_catalog.>) p.received
         GROUP BY p.sku) s ON s.sku OPERATOR(pg_catalog.=) i.sku;
COMMENT ON VIEW @extschema@.stock_levels IS
  'Per item: on hand, reserved, available (on hand - reserved - held), backordered, incoming from open purchase orders, projected, next expected date and units held for carts';

-- the holds table, its triggers, place_order with a hold_id, release_hold,
-- expire_holds (as sql/holds.sql)
-- One row per (cart, sku).  held and status are engine columns.
CREATE TABLE @extschema@.holds (
    hold_id         text NOT NULL
                    CONSTRAINT holds_hold_id_length
                    CHECK (pg_catalog.char_length(hold_id) OPERATOR(pg_catalog.>=) 1
                           AND pg_catalog.char_length(hold_id) OPERATOR(pg_catalog.<=) 200),
    sku             text NOT NULL REFERENCES @extschema@.items (sku),
    quantity        bigint NOT NULL CONSTRAINT holds_quantity_check
                    CHECK (quantity OPERATOR(pg_catalog.>) 0),
    expires_at      timestamptz NOT NULL
                    DEFAULT pg_catalog.now() OPERATOR(pg_catalog.+) '00:15:00'::interval,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    held            bigint NOT NULL,
    status          text NOT NULL CONSTRAINT holds_status_check
                    CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['active', 'released', 'expired', 'converted'])),
    PRIMARY KEY (hold_id, sku),
    -- (a bad quantity is holds_quantity_check's to report)
    CONSTRAINT holds_held_check
        CHECK (quantity OPERATOR(pg_catalog.<=) 0
               OR held OPERATOR(pg_catalog.>=) 0 AND held OPERATOR(pg_catalog.<=) quantity
                  AND (status OPERATOR(pg_catalog.=) 'active' OR held OPERATOR(pg_catalog.=) 0))
);
-- the active holds of a sku by expiry: lazy expiry, expire_holds, breaking
CREATE INDEX holds_active_idx ON @extschema@.holds (sku, expires_at)
    WHERE status OPERATOR(pg_catalog.=) 'active';
COMMENT ON TABLE @extschema@.holds IS
  'Cart holds: available units kept aside for a checking-out cart until expires_at';
COMMENT ON COLUMN @extschema@.holds.hold_id IS 'the cart';
COMMENT ON COLUMN @extschema@.holds.sku IS 'the item held';
COMMENT ON COLUMN @extschema@.holds.quantity IS 'units the cart asks for';
COMMENT ON COLUMN @extschema@.holds.created_at IS 'when the hold was made (or made again after it ended)';
COMMENT ON COLUMN @extschema@.holds.expires_at IS 'after it the hold holds nothing: the engine expires it';
COMMENT ON COLUMN @extschema@.holds.held IS 'engine: units held now (at most quantity)';
COMMENT ON COLUMN @extschema@.holds.status IS 'engine: active, then released, expired or converted';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.holds', '');

CREATE FUNCTION @extschema@.tg_hold_insert() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_hold_insert' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.tg_hold_insert() IS
  'engine: BEFORE INSERT on holds: holds min(quantity, available)';
CREATE FUNCTION @extschema@.tg_hold_update() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_hold_update' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.tg_hold_update() IS
  'engine: BEFORE UPDATE on holds: quantity and expires_at of an active hold';

CREATE TRIGGER holds_insert BEFORE INSERT ON @extschema@.holds
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_hold_insert();
CREATE TRIGGER holds_update BEFORE UPDATE ON @extschema@.holds
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_hold_update();
CREATE TRIGGER holds_delete BEFORE DELETE ON @extschema@.holds
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('holds end by release_hold, expiry or an order, they are not deleted');

CREATE FUNCTION @extschema@.place_order(order_id text, lines jsonb, hold_id text)
    RETURNS SETOF @extschema@.order_lines
    AS 'MODULE_PATHNAME', 'backorder_place_order_hold' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.place_order(text, jsonb, text) IS
  'place_order converting the cart''s holds: its held units are reserved first; every active hold of the cart ends';

CREATE FUNCTION @extschema@.release_hold(hold_id text)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'backorder_release_hold' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.release_hold(text) IS
  'Releases every active hold of the cart; returns the units released';

CREATE FUNCTION @extschema@.expire_holds()
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'backorder_expire_holds' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.expire_holds() IS
  'Expires every due hold of every sku; returns the units freed (run it every minute, e.g. from pg_cron)';
REVOKE ALL ON TABLE @extschema@.holds FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.tg_hold_insert() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.tg_hold_update() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.place_order(text, jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.release_hold(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.expire_holds() FROM PUBLIC;

-- check(): held = the sum of the active holds' held, reserved + held <=
-- on_hand, each hold 0 <= held <= quantity and held 0 unless active
-- check() is redefined once, in the last section, as the 1.1 sources have it

-- ==== channels (issue 12)
-- events: availability_changed events name no order line (order_id and
-- line_no NULL), and the kind CHECK gains the kind.
ALTER TABLE @extschema@.events ALTER COLUMN order_id DROP NOT NULL,
                               ALTER COLUMN line_no DROP NOT NULL;
ALTER TABLE @extschema@.events DROP CONSTRAINT events_kind_check;
ALTER TABLE @extschema@.events ADD CONSTRAINT events_kind_check
                    CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['backordered', 'allocated', 'eta_changed', 'cancelled',
                                                    'availability_changed']));
CREATE TABLE @extschema@.channels (
    channel         text PRIMARY KEY
                    CONSTRAINT channels_channel_length
                    CHECK (pg_catalog.char_length(channel) OPERATOR(pg_catalog.>=) 1
                           AND pg_catalog.char_length(channel) OPERATOR(pg_catalog.<=) 100),
    buffer          bigint NOT NULL DEFAULT 0
                    CONSTRAINT channels_buffer_check CHECK (buffer OPERATOR(pg_catalog.>=) 0),
    share           numeric NOT NULL DEFAULT 1
                    CONSTRAINT channels_share_check
                    CHECK (share OPERATOR(pg_catalog.>) 0 AND share OPERATOR(pg_catalog.<=) 1),
    backorders      boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.channels IS
  'Sales channels (web shop, marketplaces): how much of each item''s available stock each may offer';
COMMENT ON COLUMN @extschema@.channels.channel IS 'the channel''s name, 1 to 100 characters';
COMMENT ON COLUMN @extschema@.channels.buffer IS 'units never offered on this channel (>= 0)';
COMMENT ON COLUMN @extschema@.channels.share IS 'part of available offered on this channel (0 < share <= 1)';
COMMENT ON COLUMN @extschema@.channels.backorders IS
  'the channel takes orders beyond stock for allow items (orderable when nothing is published)';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.channels', '');

CREATE FUNCTION @extschema@.tg_channels_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_channels_changed' LANGUAGE C;
CREATE FUNCTION @extschema@.tg_availability_note() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_availability_note' LANGUAGE C;
CREATE FUNCTION @extschema@.tg_availability_feed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_availability_feed' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.tg_channels_changed() IS
  'Trigger: enables the availability feed''s item triggers while a channel exists, disables them when none is left';
COMMENT ON FUNCTION @extschema@.tg_availability_note() IS
  'Trigger: notes an item''s available before the transaction first changed it';
COMMENT ON FUNCTION @extschema@.tg_availability_feed() IS
  'Deferred trigger: writes the transaction''s availability_changed events at commit, in sku order';

-- channels: users insert, update and delete freely, but the name is the key
CREATE TRIGGER channels_key BEFORE UPDATE OF channel ON @extschema@.channels
    FOR EACH ROW WHEN (OLD.channel IS DISTINCT FROM NEW.channel)
    EXECUTE FUNCTION @extschema@.tg_forbid('a channel keeps its name: insert the new channel and delete the old one');
CREATE TRIGGER channels_feed AFTER INSERT OR DELETE ON @extschema@.channels
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_channels_changed();
CREATE TRIGGER channels_truncate BEFORE TRUNCATE ON @extschema@.channels
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');

-- items: the feed.  items_availability notes each item's available before
-- the transaction first changed it; items_availability_feed (deferred to
-- commit) writes the availability_changed events.
CREATE TRIGGER items_availability AFTER UPDATE OF on_hand, reserved, held ON @extschema@.items
    FOR EACH ROW
    WHEN ((OLD.on_hand OPERATOR(pg_catalog.-) OLD.reserved OPERATOR(pg_catalog.-) OLD.held)
          IS DISTINCT FROM (NEW.on_hand OPERATOR(pg_catalog.-) NEW.reserved OPERATOR(pg_catalog.-) NEW.held))
    EXECUTE FUNCTION @extschema@.tg_availability_note();
CREATE CONSTRAINT TRIGGER items_availability_feed AFTER UPDATE OF on_hand, reserved, held ON @extschema@.items
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN ((OLD.on_hand OPERATOR(pg_catalog.-) OLD.reserved OPERATOR(pg_catalog.-) OLD.held)
          IS DISTINCT FROM (NEW.on_hand OPERATOR(pg_catalog.-) NEW.reserved OPERATOR(pg_catalog.-) NEW.held))
    EXECUTE FUNCTION @extschema@.tg_availability_feed();
ALTER TABLE @extschema@.items DISABLE TRIGGER items_availability, DISABLE TRIGGER items_availability_feed;

CREATE VIEW @extschema@.channel_stock AS
SELECT c.channel,
       i.sku,
       s.available,
       s.published,
       (s.published OPERATOR(pg_catalog.>) 0
        OR (c.backorders AND i.policy OPERATOR(pg_catalog.=) 'allow'::@extschema@.policy
            AND (i.backorder_limit IS NULL
                 OR i.backorder_limit OPERATOR(pg_catalog.>) i.backordered))) AS orderable
  FROM @extschema@.channels c
 CROSS JOIN @extschema@.items i
 CROSS JOIN LATERAL (
        SELECT a.available,
               GREATEST(0::bigint,
                   CAST(pg_catalog.floor(a.available::numeric OPERATOR(pg_catalog.*) c.share) AS bigint)
                   OPERATOR(pg_catalog.-) c.buffer) AS published
          FROM (SELECT i.on_hand OPERATOR(pg_catalog.-) i.reserved OPERATOR(pg_catalog.-) i.held AS available) a) s;
COMMENT ON VIEW @extschema@.channel_stock IS
  'Per channel and item: available, published = greatest(0, floor(available * share) - buffer), orderable';

REVOKE ALL ON @extschema@.channels FROM PUBLIC;
REVOKE ALL ON @extschema@.channel_stock FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.tg_channels_changed() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.tg_availability_note() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.tg_availability_feed() FROM PUBLIC;

-- ==== attach (issue 13)
-- (sql/attach.sql, as a fresh 1.1 install creates it)
-- One row per attached shop table.  Every column is an engine column:
-- written by the attach functions (or brought back by a restore).
CREATE TABLE @extschema@.attachments (
    source          regclass PRIMARY KEY,
    kind            text NOT NULL CONSTRAINT attachments_kind_check
                    CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['order_lines', 'shipments', 'receipts'])),
    definition      jsonb NOT NULL,
    attached_at     timestamptz NOT NULL,
    lines           regclass
);
COMMENT ON TABLE @extschema@.attachments IS
  'Shop tables attached to the engine (attach_order_lines, attach_shipments, attach_receipts); written by the engine only';
COMMENT ON COLUMN @extschema@.attachments.source IS 'the attached shop table';
COMMENT ON COLUMN @extschema@.attachments.kind IS 'order_lines, shipments or receipts: what a row of source is';
COMMENT ON COLUMN @extschema@.attachments.definition IS 'the SQL expressions over a source row, by argument name';
COMMENT ON COLUMN @extschema@.attachments.attached_at IS 'when it was attached';
COMMENT ON COLUMN @extschema@.attachments.lines IS 'shipments: the attached order-line table whose rows they ship';

-- One row per source row placed as an order line: which line it became.
CREATE TABLE @extschema@.attached_lines (
    source          regclass NOT NULL,
    row_key         text NOT NULL,
    order_id        text NOT NULL,
    line_no         integer NOT NULL,
    PRIMARY KEY (source, row_key)
);
COMMENT ON TABLE @extschema@.attached_lines IS
  'Order lines placed from rows of attached shop tables, by the row''s primary key; written by the engine only';
COMMENT ON COLUMN @extschema@.attached_lines.source IS 'the attached shop table';
COMMENT ON COLUMN @extschema@.attached_lines.row_key IS 'the source row''s primary key as text (several columns as a row literal)';
COMMENT ON COLUMN @extschema@.attached_lines.order_id IS 'the order line placed for the row';
COMMENT ON COLUMN @extschema@.attached_lines.line_no IS 'the order line placed for the row';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.attachments', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.attached_lines', '');

CREATE FUNCTION @extschema@.tg_attach_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_attach_guard' LANGUAGE C;
CREATE FUNCTION @extschema@.tg_attached() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_attached' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.tg_attach_guard() IS
  'Trigger: only the engine writes attachments and attached_lines (a restore may bring rows back)';
COMMENT ON FUNCTION @extschema@.tg_attached() IS
  'Trigger installed on an attached shop table: sends each row through the engine';

CREATE TRIGGER attachments_insert BEFORE INSERT ON @extschema@.attachments
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_attach_guard();
CREATE TRIGGER attachments_change BEFORE UPDATE OR DELETE OR TRUNCATE ON @extschema@.attachments
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_attach_guard();
CREATE TRIGGER attached_lines_insert BEFORE INSERT ON @extschema@.attached_lines
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_attach_guard();
CREATE TRIGGER attached_lines_change BEFORE UPDATE OR DELETE OR TRUNCATE ON @extschema@.attached_lines
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_attach_guard();

CREATE FUNCTION @extschema@.attach_order_lines(source regclass, order_id text, sku text,
    quantity text, line_no text DEFAULT NULL, priority text DEFAULT NULL,
    ordered_at text DEFAULT NULL)
    RETURNS void
    AS 'MODULE_PATHNAME', 'backorder_attach_order_lines' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.attach_order_lines(regclass, text, text, text, text, text, text) IS
  'Attaches a shop''s order-line table: each row inserted there places an order line (expressions over the row)';

CREATE FUNCTION @extschema@.attach_shipments(source regclass, order_line text, quantity text,
    lines regclass DEFAULT NULL)
    RETURNS void
    AS 'MODULE_PATHNAME', 'backorder_attach_shipments' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.attach_shipments(regclass, text, text, regclass) IS
  'Attaches a shop''s shipment table: each row inserted there ships units of an attached order line';

CREATE FUNCTION @extschema@.attach_receipts(source regclass, sku text, quantity text,
    purchase_order_id text DEFAULT NULL, reference text DEFAULT NULL)
    RETURNS void
    AS 'MODULE_PATHNAME', 'backorder_attach_receipts' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.attach_receipts(regclass, text, text, text, text) IS
  'Attaches a shop''s stock-movement table: each row inserted there is a goods receipt';

CREATE FUNCTION @extschema@.detach(source regclass)
    RETURNS void
    AS 'MODULE_PATHNAME', 'backorder_detach' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.detach(regclass) IS
  'Removes what was attached to a shop table; order lines placed before stay';

-- A dropped shop table takes its attachment with it (its trigger goes with
-- the table; the engine's lines stay).
CREATE FUNCTION @extschema@.evt_attach_dropped() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'backorder_evt_attach_dropped' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.evt_attach_dropped() IS
  'Event trigger: removes the attachment of a dropped shop table';
CREATE EVENT TRIGGER backorder_attach_dropped ON sql_drop
    EXECUTE FUNCTION @extschema@.evt_attach_dropped();

-- Nothing to PUBLIC.  EXECUTE on the attach functions is for the DBA (the
-- owner of the shop's tables) and is not part of an application role's grants.
REVOKE ALL ON @extschema@.attachments, @extschema@.attached_lines FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.tg_attach_guard(), @extschema@.tg_attached(),
    @extschema@.attach_order_lines(regclass, text, text, text, text, text, text),
    @extschema@.attach_shipments(regclass, text, text, regclass),
    @extschema@.attach_receipts(regclass, text, text, text, text),
    @extschema@.detach(regclass), @extschema@.evt_attach_dropped() FROM PUBLIC;

-- ==== TRUNCATE of holds refused, as on every table of the extension
CREATE TRIGGER holds_truncate BEFORE TRUNCATE ON @extschema@.holds
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');

-- ==== comments (release): every 1.0 column and trigger function gets the
-- comment sql/comments.sql gives it in a fresh 1.1 install (same text).
-- items
COMMENT ON COLUMN @extschema@.items.sku IS 'stock-keeping unit, 1 to 200 characters';
COMMENT ON COLUMN @extschema@.items.policy IS 'allow: accept orders beyond stock as backorders; deny: refuse them';

-- purchase_orders
COMMENT ON COLUMN @extschema@.purchase_orders.purchase_order_id IS 'the purchase order; with sku the key of the line';
COMMENT ON COLUMN @extschema@.purchase_orders.sku IS 'the item ordered from the supplier';
COMMENT ON COLUMN @extschema@.purchase_orders.quantity IS 'units ordered from the supplier (> 0)';
COMMENT ON COLUMN @extschema@.purchase_orders.ordered_at IS 'when the line was ordered from the supplier';
COMMENT ON COLUMN @extschema@.purchase_orders.expected_at IS 'when the units are expected: the promised date of the waiting units it covers';
COMMENT ON COLUMN @extschema@.purchase_orders.status IS 'open; closed (engine) while received >= quantity; cancelled (users)';

-- order_lines
COMMENT ON COLUMN @extschema@.order_lines.order_id IS 'the order; with line_no the key of the line';
COMMENT ON COLUMN @extschema@.order_lines.line_no IS 'line number within the order (> 0)';
COMMENT ON COLUMN @extschema@.order_lines.sku IS 'the item ordered';
COMMENT ON COLUMN @extschema@.order_lines.quantity IS 'units ordered (> 0)';
COMMENT ON COLUMN @extschema@.order_lines.priority IS 'higher is served first; users may update it (it re-sorts the queue)';
COMMENT ON COLUMN @extschema@.order_lines.ordered_at IS 'when the line was ordered: second key of the fill order';
COMMENT ON COLUMN @extschema@.order_lines.reserved IS 'engine: on-hand units kept for the line, not yet shipped';
COMMENT ON COLUMN @extschema@.order_lines.backordered IS 'engine: units of the line waiting for stock';
COMMENT ON COLUMN @extschema@.order_lines.shipped IS 'engine: units shipped (sum of its shipments)';
COMMENT ON COLUMN @extschema@.order_lines.cancelled IS 'engine: units cancelled (sum of its cancellations)';
COMMENT ON COLUMN @extschema@.order_lines.status IS 'engine: cancelled, shipped, backordered or reserved';

-- backorders
COMMENT ON COLUMN @extschema@.backorders.id IS 'engine: identity; last key of the fill order';
COMMENT ON COLUMN @extschema@.backorders.order_id IS 'engine: the order of the waiting line';
COMMENT ON COLUMN @extschema@.backorders.line_no IS 'engine: the waiting line of the order';
COMMENT ON COLUMN @extschema@.backorders.sku IS 'engine: the item the line waits for';
COMMENT ON COLUMN @extschema@.backorders.quantity IS 'engine: units short when the row was written, plus units taken back into it later';
COMMENT ON COLUMN @extschema@.backorders.filled IS 'engine: units allocated to the row since';
COMMENT ON COLUMN @extschema@.backorders.cancelled IS 'engine: units cancelled from the row';
COMMENT ON COLUMN @extschema@.backorders.priority IS 'engine: the line''s priority, kept in step';
COMMENT ON COLUMN @extschema@.backorders.created_at IS 'engine: when the row was written (now() of the writing transaction)';
COMMENT ON COLUMN @extschema@.backorders.status IS 'engine: waiting while units wait; then filled or cancelled';
COMMENT ON COLUMN @extschema@.backorders.filled_at IS 'engine: when its last unit was allocated; NULL unless filled';

-- receipts
COMMENT ON COLUMN @extschema@.receipts.id IS 'identity';
COMMENT ON COLUMN @extschema@.receipts.sku IS 'the item received';
COMMENT ON COLUMN @extschema@.receipts.quantity IS 'units received (> 0)';
COMMENT ON COLUMN @extschema@.receipts.received_at IS 'when the goods were received';
COMMENT ON COLUMN @extschema@.receipts.purchase_order_id IS 'the purchase order the units count against (same sku); NULL for none';
COMMENT ON COLUMN @extschema@.receipts.reference IS 'free text, e.g. the delivery note';
COMMENT ON COLUMN @extschema@.receipts.allocated IS 'engine: units handed to waiting orders by this receipt';
COMMENT ON COLUMN @extschema@.receipts.on_hand_after IS 'engine: the item''s on hand after this receipt (running balance)';

-- shipments
COMMENT ON COLUMN @extschema@.shipments.id IS 'identity';
COMMENT ON COLUMN @extschema@.shipments.order_id IS 'the order of the shipped line';
COMMENT ON COLUMN @extschema@.shipments.line_no IS 'the shipped line of the order';
COMMENT ON COLUMN @extschema@.shipments.quantity IS 'units shipped (> 0), out of the line''s reserved units';
COMMENT ON COLUMN @extschema@.shipments.shipped_at IS 'when the units were shipped';
COMMENT ON COLUMN @extschema@.shipments.on_hand_after IS 'engine: the item''s on hand after this shipment (running balance)';

-- cancellations
COMMENT ON COLUMN @extschema@.cancellations.id IS 'identity';
COMMENT ON COLUMN @extschema@.cancellations.order_id IS 'the order of the cancelled line';
COMMENT ON COLUMN @extschema@.cancellations.line_no IS 'the cancelled line of the order';
COMMENT ON COLUMN @extschema@.cancellations.quantity IS 'units cancelled (> 0); NULL on INSERT cancels every open unit and records the number';
COMMENT ON COLUMN @extschema@.cancellations.reason IS 'free text: why the units were cancelled';
COMMENT ON COLUMN @extschema@.cancellations.cancelled_at IS 'when the units were cancelled';
COMMENT ON COLUMN @extschema@.cancellations.waiting_cancelled IS 'engine: waiting units cancelled (cancelled first)';
COMMENT ON COLUMN @extschema@.cancellations.reserved_cancelled IS 'engine: reserved units cancelled (freed to the queue)';

-- adjustments
COMMENT ON COLUMN @extschema@.adjustments.id IS 'identity';
COMMENT ON COLUMN @extschema@.adjustments.sku IS 'the item counted or corrected';
COMMENT ON COLUMN @extschema@.adjustments.delta IS 'units added (> 0) or removed (< 0) from on hand; never 0';
COMMENT ON COLUMN @extschema@.adjustments.reason IS 'why: a count, damage, shrinkage';
COMMENT ON COLUMN @extschema@.adjustments.adjusted_at IS 'when the stock was corrected';
COMMENT ON COLUMN @extschema@.adjustments.allocated IS 'engine: units of a positive delta handed to waiting orders';
COMMENT ON COLUMN @extschema@.adjustments.taken_back IS 'engine: reserved units a negative delta took back (they wait again)';
COMMENT ON COLUMN @extschema@.adjustments.on_hand_after IS 'engine: the item''s on hand after this adjustment (running balance)';

-- events
COMMENT ON COLUMN @extschema@.events.id IS 'identity: the order events were written in';
COMMENT ON COLUMN @extschema@.events.at IS 'when the event was written';
COMMENT ON COLUMN @extschema@.events.kind IS 'backordered, allocated, eta_changed, cancelled';
COMMENT ON COLUMN @extschema@.events.order_id IS 'the order the event is about';
COMMENT ON COLUMN @extschema@.events.line_no IS 'the line of the order the event is about';
COMMENT ON COLUMN @extschema@.events.sku IS 'the item the event is about';
COMMENT ON COLUMN @extschema@.events.quantity IS 'units concerned (see the kind)';
COMMENT ON COLUMN @extschema@.events.expected_at IS 'the backorder row''s promised date after the change (backordered, eta_changed); NULL otherwise';
COMMENT ON COLUMN @extschema@.events.detail IS 'allocated: {"remaining": n}; eta_changed: {"old": ts, "new": ts}';

-- stock_levels
COMMENT ON COLUMN @extschema@.stock_levels.sku IS 'the item';
COMMENT ON COLUMN @extschema@.stock_levels.policy IS 'allow or deny';
COMMENT ON COLUMN @extschema@.stock_levels.on_hand IS 'units physically in stock and not yet shipped';
COMMENT ON COLUMN @extschema@.stock_levels.reserved IS 'on-hand units promised to order lines';
COMMENT ON COLUMN @extschema@.stock_levels.available IS 'what a new order can take now';
COMMENT ON COLUMN @extschema@.stock_levels.backordered IS 'units ordered that wait for stock';
COMMENT ON COLUMN @extschema@.stock_levels.incoming IS 'units on open purchase-order lines not yet received (0 when none)';
COMMENT ON COLUMN @extschema@.stock_levels.projected IS 'available + incoming - backordered';
COMMENT ON COLUMN @extschema@.stock_levels.next_expected_at IS 'earliest expected_at of an open purchase-order line with units outstanding';

-- waiting_orders
COMMENT ON COLUMN @extschema@.waiting_orders.backorder_id IS 'the waiting backorder row';
COMMENT ON COLUMN @extschema@.waiting_orders.order_id IS 'the order of the waiting line';
COMMENT ON COLUMN @extschema@.waiting_orders.line_no IS 'the waiting line of the order';
COMMENT ON COLUMN @extschema@.waiting_orders.sku IS 'the item it waits for';
COMMENT ON COLUMN @extschema@.waiting_orders.waiting IS 'units still waiting';
COMMENT ON COLUMN @extschema@.waiting_orders.priority IS 'the line''s priority';
COMMENT ON COLUMN @extschema@.waiting_orders.waiting_since IS 'when the backorder row was written';
COMMENT ON COLUMN @extschema@.waiting_orders.waited IS 'now() - waiting_since';
COMMENT ON COLUMN @extschema@.waiting_orders.queue_position IS '1 = next to be filled, per sku';
COMMENT ON COLUMN @extschema@.waiting_orders.units_ahead IS 'waiting units of the sku before it in fill order';
COMMENT ON COLUMN @extschema@.waiting_orders.expected_at IS 'promised date: from a purchase order, else now() + the item''s lead_time';
COMMENT ON COLUMN @extschema@.waiting_orders.eta_source IS 'purchase_order or lead_time';

-- lead_times
COMMENT ON COLUMN @extschema@.lead_times.sku IS 'the item';
COMMENT ON COLUMN @extschema@.lead_times.lead_time IS 'configured replenishment time';
COMMENT ON COLUMN @extschema@.lead_times.observed_lead_time IS 'median of received_at - ordered_at over receipts naming a purchase order; NULL if none';
COMMENT ON COLUMN @extschema@.lead_times.waiting_lines IS 'waiting backorder rows (0 when none)';
COMMENT ON COLUMN @extschema@.lead_times.waiting_units IS 'waiting units (0 when none)';
COMMENT ON COLUMN @extschema@.lead_times.oldest_waiting_since IS 'created_at of the oldest waiting backorder row';
COMMENT ON COLUMN @extschema@.lead_times.avg_wait IS 'average filled_at - created_at over filled backorders';
COMMENT ON COLUMN @extschema@.lead_times.p90_wait IS '90th percentile (percentile_cont) of filled_at - created_at over filled backorders';
COMMENT ON COLUMN @extschema@.lead_times.next_expected_at IS 'earliest expected_at of an open purchase-order line with units outstanding';

-- trigger functions (C)
COMMENT ON FUNCTION @extschema@.tg_forbid() IS
  'Trigger: fails with BO006 (the argument says what is allowed instead)';
COMMENT ON FUNCTION @extschema@.tg_restore_only() IS
  'Trigger: lets a restored row with every engine column set through, fails with BO006 otherwise';
COMMENT ON FUNCTION @extschema@.tg_item_insert() IS
  'Trigger: starts a new item''s engine columns at 0 (or keeps a restored row)';
COMMENT ON FUNCTION @extschema@.tg_place() IS
  'Trigger: places an order line: reserves what is available, queues or refuses the rest';
COMMENT ON FUNCTION @extschema@.tg_priority() IS
  'Trigger: keeps the line''s waiting backorder row in step with a new priority';
COMMENT ON FUNCTION @extschema@.tg_receive() IS
  'Trigger: applies a receipt: on hand grows, the queue is filled in fill order';
COMMENT ON FUNCTION @extschema@.tg_ship() IS
  'Trigger: applies a shipment: reserved units leave on hand';
COMMENT ON FUNCTION @extschema@.tg_cancel() IS
  'Trigger: applies a cancellation: waiting units first, then reserved ones, freed units to the queue';
COMMENT ON FUNCTION @extschema@.tg_adjust() IS
  'Trigger: applies a stock adjustment: allocates a positive delta, takes reservations back for a negative one';
COMMENT ON FUNCTION @extschema@.tg_po_insert() IS
  'Trigger: checks a new purchase-order line (open, nothing received)';
COMMENT ON FUNCTION @extschema@.tg_po_update() IS
  'Trigger: allows the changes users may make to a purchase-order line and keeps its status';
COMMENT ON FUNCTION @extschema@.tg_eta_flush() IS
  'Trigger: recomputes the promised dates of the skus a statement touched';

-- 1.1 view columns
COMMENT ON COLUMN @extschema@.stock_levels.held IS 'units of on-hand stock kept for carts by active holds (1.1)';
COMMENT ON COLUMN @extschema@.channel_stock.channel IS 'the sales channel';
COMMENT ON COLUMN @extschema@.channel_stock.sku IS 'the item';
COMMENT ON COLUMN @extschema@.channel_stock.available IS 'the item''s available units: on_hand - reserved - held';
COMMENT ON COLUMN @extschema@.channel_stock.published IS 'units the channel may offer: greatest(0, floor(available * share) - buffer)';
COMMENT ON COLUMN @extschema@.channel_stock.orderable IS 'the channel may take orders: published > 0, or it takes backorders for an allow item below its backorder_limit';

-- ==== definitions that several 1.1 changes touch, as the 1.1 sources have
-- them: check() sums per SKU in grouped joins (performance) and verifies
-- holds (cart holds); reorder_suggestions runs as the owner (contract
-- fixes) with the grouped body (performance).
CREATE OR REPLACE FUNCTION @extschema@.check()
RETURNS TABLE (sku text, problem text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
WITH line_sums AS (
    SELECT l.sku,
           sum(l.reserved) AS reserved,
           sum(l.backordered) AS backordered
      FROM @extschema@.order_lines l
     GROUP BY l.sku),
shipped_by_line AS (
    SELECT s.order_id, s.line_no, sum(s.quantity) AS quantity
      FROM @extschema@.shipments s GROUP BY s.order_id, s.line_no),
cancelled_by_line AS (
    SELECT c.order_id, c.line_no, sum(c.quantity) AS quantity
      FROM @extschema@.cancellations c GROUP BY c.order_id, c.line_no),
waiting_by_line AS (
    SELECT b.order_id, b.line_no,
           sum(b.quantity - b.filled - b.cancelled) AS waiting,
           count(*) AS rows
      FROM @extschema@.backorders b WHERE b.status = 'waiting'
     GROUP BY b.order_id, b.line_no),
held_by_sku AS (
    SELECT h.sku, sum(h.held) AS held
      FROM @extschema@.holds h WHERE h.status = 'active'
     GROUP BY h.sku),
shipped_by_sku AS (
    SELECT l.sku, sum(s.quantity) AS quantity
      FROM shipped_by_line s
      JOIN @extschema@.order_lines l ON l.order_id = s.order_id AND l.line_no = s.line_no
     GROUP BY l.sku),
received_by_sku AS (
    SELECT r.sku, sum(r.quantity) AS quantity FROM @extschema@.receipts r GROUP BY r.sku),
adjusted_by_sku AS (
    SELECT a.sku, sum(a.delta) AS delta FROM @extschema@.adjustments a GROUP BY a.sku),
waiting_by_sku AS (
    SELECT b.sku, sum(b.quantity - b.filled - b.cancelled) AS waiting
      FROM @extschema@.backorders b WHERE b.status = 'waiting' GROUP BY b.sku),
stock AS (
    SELECT i.sku, i.on_hand, i.reserved, i.backordered, i.held,
           COALESCE(rc.quantity, 0) + COALESCE(ad.delta, 0) - COALESCE(sh.quantity, 0) AS ledger_on_hand,
           COALESCE(ls.reserved, 0) AS lines_reserved,
           COALESCE(hs.held, 0) AS holds_held,
           COALESCE(ls.backordered, 0) AS lines_backordered,
           COALESCE(wt.waiting, 0) AS queue_waiting
      FROM @extschema@.items i
      LEFT JOIN line_sums ls ON ls.sku = i.sku
      LEFT JOIN shipped_by_sku sh ON sh.sku = i.sku
      LEFT JOIN received_by_sku rc ON rc.sku = i.sku
      LEFT JOIN adjusted_by_sku ad ON ad.sku = i.sku
      LEFT JOIN waiting_by_sku wt ON wt.sku = i.sku
      LEFT JOIN held_by_sku hs ON hs.sku = i.sku),
lines AS (
    SELECT l.*, COALESCE(s.quantity, 0) AS ledger_shipped,
           COALESCE(c.quantity, 0) AS ledger_cancelled,
           COALESCE(w.waiting, 0) AS queue_waiting,
           COALESCE(w.rows, 0) AS waiting_rows,
           CASE WHEN l.cancelled = l.quantity THEN 'cancelled'
                WHEN l.shipped + l.cancelled = l.quantity THEN 'shipped'
                WHEN l.backordered > 0 THEN 'backordered'
                ELSE 'reserved' END AS expected_status
      FROM @extschema@.order_lines l
      LEFT JOIN shipped_by_line s ON s.order_id = l.order_id AND s.line_no = l.line_no
      LEFT JOIN cancelled_by_line c ON c.order_id = l.order_id AND c.line_no = l.line_no
      LEFT JOIN waiting_by_line w ON w.order_id = l.order_id AND w.line_no = l.line_no)
SELECT sku, format('on_hand %s differs from receipts + adjustments - shipments = %s', on_hand, ledger_on_hand)
  FROM stock WHERE on_hand <> ledger_on_hand
UNION ALL
SELECT sku, format('on_hand %s is negative', on_hand) FROM stock WHERE on_hand < 0
UNION ALL
SELECT sku, format('reserved %s differs from the sum of its lines'' reserved = %s', reserved, lines_reserved)
  FROM stock WHERE reserved <> lines_reserved
UNION ALL
SELECT sku, format('reserved %s exceeds on_hand %s', reserved, on_hand) FROM stock WHERE reserved > on_hand
UNION ALL
SELECT sku, format('held %s differs from the sum of its active holds'' held = %s', held, holds_held)
  FROM stock WHERE held <> holds_held
UNION ALL
SELECT sku, format('reserved %s + held %s exceeds on_hand %s', reserved, held, on_hand)
  FROM stock WHERE reserved <= on_hand AND reserved + held > on_hand
UNION ALL
SELECT h.sku, format('hold %s: held %s is not between 0 and its quantity %s', h.hold_id, h.held, h.quantity)
  FROM @extschema@.holds h WHERE h.held < 0 OR h.held > h.quantity
UNION ALL
SELECT h.sku, format('hold %s: held %s while %s (only an active hold holds units)', h.hold_id, h.held, h.status)
  FROM @extschema@.holds h WHERE h.status <> 'active' AND h.held <> 0
UNION ALL
SELECT sku, format('backordered %s differs from the waiting units of its backorders = %s', backordered, queue_waiting)
  FROM stock WHERE backordered <> queue_waiting
UNION ALL
SELECT sku, format('backordered %s differs from the sum of its lines'' backordered = %s', backordered, lines_backordered)
  FROM stock WHERE backordered <> lines_backordered
UNION ALL
SELECT sku, format('available %s while %s units are backordered', on_hand - reserved - held, backordered)
  FROM stock WHERE on_hand - reserved - held > 0 AND backordered > 0
UNION ALL
SELECT sku, format('order %s line %s: quantity %s <> reserved %s + backordered %s + shipped %s + cancelled %s',
                   order_id, line_no, quantity, reserved, backordered, shipped, cancelled)
  FROM lines WHERE quantity <> reserved + backordered + shipped + cancelled
UNION ALL
SELECT sku, format('order %s line %s: shipped %s differs from its shipments = %s',
                   order_id, line_no, shipped, ledger_shipped)
  FROM lines WHERE shipped <> ledger_shipped
UNION ALL
SELECT sku, format('order %s line %s: cancelled %s differs from its cancellations = %s',
                   order_id, line_no, cancelled, ledger_cancelled)
  FROM lines WHERE cancelled <> ledger_cancelled
UNION ALL
SELECT sku, format('order %s line %s: backordered %s differs from the waiting units of its backorders = %s',
                   order_id, line_no, backordered, queue_waiting)
  FROM lines WHERE backordered <> queue_waiting
UNION ALL
SELECT sku, format('order %s line %s: %s waiting backorder rows, at most 1 allowed', order_id, line_no, waiting_rows)
  FROM lines WHERE waiting_rows > 1
UNION ALL
SELECT sku, format('order %s line %s: status %s, the numbers say %s', order_id, line_no, status, expected_status)
  FROM lines WHERE status <> expected_status
$$;

ALTER FUNCTION @extschema@.reorder_suggestions(integer, numeric) SECURITY DEFINER;

-- ==== engine-column guards per statement (performance): a BEFORE UPDATE
-- row trigger makes PostgreSQL lock each row once more before updating it
-- (items_engine_columns is recreated per statement with held, above)
DROP TRIGGER order_lines_engine_columns ON @extschema@.order_lines;
CREATE TRIGGER order_lines_engine_columns BEFORE UPDATE OF order_id, line_no, sku, quantity, ordered_at,
    reserved, backordered, shipped, cancelled, status ON @extschema@.order_lines
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('users may update priority only; cancel instead');
