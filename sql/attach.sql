-- sql/attach.sql (1.1): attaching the engine to a shop's own tables.  Part
-- of the install script.  The DBA calls attach_order_lines / attach_shipments
-- / attach_receipts once per shop table; src/attach.c installs a row trigger
-- on it that sends every row the application writes there through the
-- engine, in the same transaction.

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
