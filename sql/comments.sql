-- sql/comments.sql: the comments on every column of the 1.0 tables and
-- views and on the trigger functions that the other parts leave without one
-- (every table, column, view and function of schema backorder has a comment;
-- test/sql/every_object_commented.sql fails when one lacks it).  Last part of the install
-- script; sql/backorder--1.0--1.1.sql repeats it (section "comments").
-- Comments on objects new in 1.1 are written next to the objects.

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
