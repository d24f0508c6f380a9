-- sql/channels.sql (1.1): sales channels and stock sync: the table
-- backorder.channels, the view backorder.channel_stock and the triggers of
-- the availability_changed feed (src/channels.c).  Part of the install
-- script; the same objects are created by the 1.0 -> 1.1 upgrade script.
--
-- The feed's two triggers on items are created DISABLED: they are enabled
-- only while at least one channel exists (the statement trigger on
-- channels switches them), so that a shop without channels pays nothing
-- for the feed on its placement paths.

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
