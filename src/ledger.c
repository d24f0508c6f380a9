/*-------------------------------------------------------------------------
 * src/ledger.c
 *		The four ledgers, applied by BEFORE INSERT triggers that fill their
 *		engine columns: receipts (stock in, queue filled), shipments
 *		(reserved units leave), cancellations (waiting units first, then
 *		reserved ones, which go to the queue) and adjustments (counts,
 *		damage; a shortfall takes reservations back).
 *
 * Each trigger locks the item row before any order line, so that every
 * path takes its locks in the same order.  Promises are recomputed at the
 * end of the statement (after its last row lock); the `backordered` events
 * of a negative adjustment get their dates then.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/rel.h"

#include "backorder.h"

PG_FUNCTION_INFO_V1(backorder_tg_receive);
PG_FUNCTION_INFO_V1(backorder_tg_ship);
PG_FUNCTION_INFO_V1(backorder_tg_cancel);
PG_FUNCTION_INFO_V1(backorder_tg_adjust);

#define OP(o) " OPERATOR(pg_catalog." o ") "

static const char *const receipt_engine_cols[] = {"allocated", "on_hand_after"};
static const char *const shipment_engine_cols[] = {"on_hand_after"};
static const char *const cancellation_engine_cols[] = {"waiting_cancelled", "reserved_cancelled"};
static const char *const adjustment_engine_cols[] = {"allocated", "taken_back", "on_hand_after"};

/* A ledger row being inserted, and the engine columns to fill in. */
typedef struct LedgerRow
{
	Relation	rel;
	HeapTuple	tuple;
	int			ncols;
	int			cols[3];
	Datum		values[3];
	bool		nulls[3];
} LedgerRow;

static void
ledger_begin(LedgerRow *row, TriggerData *trigdata, const char *const *engine_cols, int ncols)
{
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);

	row->rel = trigdata->tg_relation;
	row->tuple = trigdata->tg_trigtuple;
	row->ncols = ncols;
	for (int i = 0; i < ncols; i++)
	{
		row->cols[i] = SPI_fnumber(desc, engine_cols[i]);
		row->values[i] = Int64GetDatum(0);
		row->nulls[i] = false;
	}
}

static Datum
ledger_get(LedgerRow *row, const char *name, bool *isnull)
{
	TupleDesc	desc = RelationGetDescr(row->rel);

	return heap_getattr(row->tuple, SPI_fnumber(desc, name), desc, isnull);
}

static void
ledger_set(LedgerRow *row, int i, int64 value)
{
	row->values[i] = Int64GetDatum(value);
}

/* The row with its engine columns filled in (zeros unless set). */
static Datum
ledger_finish(LedgerRow *row)
{
	return PointerGetDatum(heap_modify_tuple_by_cols(row->tuple, RelationGetDescr(row->rel),
													 row->ncols, row->cols, row->values, row->nulls));
}

/*
 * After stock became available: fill the queue and store the item.  Returns
 * the units allocated; *repromise tells the caller to have the SKU's
 * promises recomputed (eta_defer_or_recompute, once out of the engine
 * scope: at the end of the statement, after its last row lock).
 *
 * Units that expiring holds freed as the item was locked (bo_item_lock)
 * moved the queue too.  bo_item_store would recompute for them at once,
 * taking the promise lock before the statement's later row locks; instead
 * the statement's deferred recompute covers them (*holds_moved: the queue
 * moved in a way a receipt's narrow recompute does not know of).
 */
static int64
fill_and_store(BoItem *item, bool supply_changed, bool *repromise, bool *holds_moved)
{
	int64		allocated = alloc_fill(item);

	*holds_moved = item->queue_moved;
	item->queue_moved = false;
	bo_item_store(item);
	*repromise = allocated > 0 || supply_changed || *holds_moved;
	return allocated;
}

/* What a receipt did to the purchase-order line it names (src/eta.c). */
typedef struct PoReceived
{
	char	   *po_id;
	TimestampTz expected_at;
	int64		supply_shift;
} PoReceived;

/*
 * How many outstanding units the receipt took off the line, from the row
 * PLAN_PO_RECEIVE returned: an uncancelled line is open exactly while
 * received < quantity, so before the receipt it had quantity - (received -
 * quantity received now) outstanding units if that is positive.
 */
static int64
po_supply_shift(int64 received_now)
{
	bool		isnull;
	int64		quantity = bo_get_int64(0, 1, NULL);
	int64		received = bo_get_int64(0, 2, NULL);
	char	   *status = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
														   3, &isnull));
	int64		outstanding_before = quantity - (received - received_now);

	if (strcmp(status, "cancelled") == 0 || outstanding_before <= 0)
		return 0;
	return Min(outstanding_before, received_now);
}

static void
lock_item_or_fail(const char *sku, BoItem *item)
{
	if (!bo_item_lock(sku, item))
		bo_error_unknown_sku(sku);
}

/* Lock the line's item, then the line. */
static void
lock_line_and_item(const char *order_id, int32 line_no, BoLine *line, BoItem *item)
{
	char	   *sku;

	if (!bo_line_sku(order_id, line_no, &sku))
		bo_error_unknown_line(order_id, line_no);
	lock_item_or_fail(sku, item);
	if (!bo_line_lock(order_id, line_no, line))
		bo_error_unknown_line(order_id, line_no);
}

/*
 * BEFORE INSERT on receipts: on hand grows; the queue is filled in fill
 * order; a named purchase-order line counts the units as received.
 */
Datum
backorder_tg_receive(PG_FUNCTION_ARGS)
{
	static const Oid po_types[] = {TEXTOID, TEXTOID, INT8OID};
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	LedgerRow	row;
	bool		n_sku,
				n_qty,
				n_po;
	Datum		d_sku,
				d_qty,
				d_po;
	char	   *sku;
	int64		quantity;
	BoScope		scope;
	BoItem		item;
	int64		allocated;
	bool		repromise;
	bool		holds_moved;
	PoReceived	received = {0};

	bo_check_trigger(fcinfo, "backorder_tg_receive", true, true, TRIGGER_EVENT_INSERT);
	if (bo_row_origin(trigdata->tg_relation, trigdata->tg_trigtuple,
					  receipt_engine_cols, lengthof(receipt_engine_cols)) == ROW_RESTORED)
		return PointerGetDatum(trigdata->tg_trigtuple);
	ledger_begin(&row, trigdata, receipt_engine_cols, lengthof(receipt_engine_cols));

	d_sku = ledger_get(&row, "sku", &n_sku);
	d_qty = ledger_get(&row, "quantity", &n_qty);
	d_po = ledger_get(&row, "purchase_order_id", &n_po);
	if (n_sku || n_qty || DatumGetInt64(d_qty) <= 0)
		return ledger_finish(&row);		/* constraints report it */
	sku = TextDatumGetCString(d_sku);
	quantity = DatumGetInt64(d_qty);
	if (!n_po)
		received.po_id = TextDatumGetCString(d_po);	/* outlives the scope */

	bo_scope_enter(&scope, row.rel->rd_rel->relowner);
	if (!n_po)
	{
		Datum		values[3];
		const char *po = received.po_id;

		values[0] = d_po;
		values[1] = d_sku;
		values[2] = d_qty;
		bo_exec(bo_plan(PLAN_PO_RECEIVE,
						"UPDATE backorder.purchase_orders SET received = received" OP("+") "$3,"
						"  status = CASE WHEN status" OP("=") "'cancelled' THEN 'cancelled'"
						"   WHEN received" OP("+") "$3" OP(">=") "quantity THEN 'closed' ELSE 'open' END"
						" WHERE purchase_order_id" OP("=") "$1 AND sku" OP("=") "$2"
						" RETURNING quantity, received, status, expected_at",
						3, po_types),
				values, NULL, false, 0);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("purchase order \"%s\" has no line for sku \"%s\"", po, sku),
					 errdetail("Key (purchase_order_id, sku)=(%s, %s) is not present in table \"backorder.purchase_orders\".",
							   po, sku)));
		received.expected_at = bo_get_timestamptz(0, 4, NULL);
		received.supply_shift = po_supply_shift(quantity);
		SPI_freetuptable(SPI_tuptable);
	}
	lock_item_or_fail(sku, &item);
	item.on_hand = bo_add(item.on_hand, quantity, "on hand");
	allocated = fill_and_store(&item, false, &repromise, &holds_moved);
	bo_scope_leave(&scope);
	if (!n_po)
		eta_defer_receipt(row.rel, sku, received.po_id, received.expected_at,
						  received.supply_shift, allocated);
	if (repromise && (n_po || holds_moved))
		(void) eta_defer_or_recompute(row.rel, sku);

	ledger_set(&row, 0, allocated);
	ledger_set(&row, 1, item.on_hand);
	return ledger_finish(&row);
}

/* BEFORE INSERT on shipments: reserved units turn shipped and leave on hand. */
Datum
backorder_tg_ship(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	LedgerRow	row;
	bool		n_order,
				n_line,
				n_qty;
	Datum		d_order,
				d_line,
				d_qty;
	int64		quantity;
	BoScope		scope;
	BoItem		item;
	BoLine		line;

	bo_check_trigger(fcinfo, "backorder_tg_ship", true, true, TRIGGER_EVENT_INSERT);
	if (bo_row_origin(trigdata->tg_relation, trigdata->tg_trigtuple,
					  shipment_engine_cols, lengthof(shipment_engine_cols)) == ROW_RESTORED)
		return PointerGetDatum(trigdata->tg_trigtuple);
	ledger_begin(&row, trigdata, shipment_engine_cols, lengthof(shipment_engine_cols));

	d_order = ledger_get(&row, "order_id", &n_order);
	d_line = ledger_get(&row, "line_no", &n_line);
	d_qty = ledger_get(&row, "quantity", &n_qty);
	if (n_order || n_line || n_qty || DatumGetInt64(d_qty) <= 0)
		return ledger_finish(&row);
	quantity = DatumGetInt64(d_qty);

	bo_scope_enter(&scope, row.rel->rd_rel->relowner);
	lock_line_and_item(TextDatumGetCString(d_order), DatumGetInt32(d_line), &line, &item);
	if (quantity > line.reserved)
		bo_error_over_shipment(line.order_id, line.line_no, quantity, line.reserved);
	bo_line_apply(line.order_id, line.line_no, -quantity, 0, quantity, 0);
	item.on_hand -= quantity;
	item.reserved -= quantity;
	bo_item_store(&item);
	bo_scope_leave(&scope);

	ledger_set(&row, 0, item.on_hand);
	return ledger_finish(&row);
}

/*
 * Cancel `units` waiting units of a line (they are its waiting row's) and
 * write the `cancelled` event.  The caller holds the item and the line.
 */
void
ledger_cancel_waiting(const char *order_id, int32 line_no, const char *sku, int64 units)
{
	static const Oid bo_types[] = {TEXTOID, INT4OID, INT8OID};
	Datum		values[3];

	values[0] = CStringGetTextDatum(order_id);
	values[1] = Int32GetDatum(line_no);
	values[2] = Int64GetDatum(units);
	bo_exec(bo_plan(PLAN_BACKORDER_CANCEL,
					"UPDATE backorder.backorders SET cancelled = cancelled" OP("+") "$3,"
					"  status = CASE WHEN quantity" OP("-") "filled" OP("-") "cancelled" OP("-") "$3"
					"   " OP("=") "0 THEN 'cancelled' ELSE 'waiting' END"
					" WHERE order_id" OP("=") "$1 AND line_no" OP("=") "$2 AND status" OP("=") "'waiting'",
					3, bo_types),
			values, NULL, false, 0);
	event_cancelled(order_id, line_no, sku, units);
}

/*
 * BEFORE INSERT on cancellations: waiting units are cancelled first, then
 * reserved ones, which go at once to the SKU's queue.  A NULL quantity
 * cancels every open unit.
 */
Datum
backorder_tg_cancel(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	LedgerRow	row;
	bool		n_order,
				n_line,
				n_qty;
	Datum		d_order,
				d_line,
				d_qty;
	int64		quantity;
	int64		open;
	int64		waiting_cancelled;
	int64		reserved_cancelled;
	BoScope		scope;
	BoItem		item;
	BoLine		line;
	bool		repromise;
	bool		holds_moved;
	char	   *sku;
	MemoryContext caller_context = CurrentMemoryContext;

	bo_check_trigger(fcinfo, "backorder_tg_cancel", true, true, TRIGGER_EVENT_INSERT);
	if (bo_row_origin(trigdata->tg_relation, trigdata->tg_trigtuple,
					  cancellation_engine_cols, lengthof(cancellation_engine_cols)) == ROW_RESTORED)
		return PointerGetDatum(trigdata->tg_trigtuple);
	ledger_begin(&row, trigdata, cancellation_engine_cols, lengthof(cancellation_engine_cols));

	d_order = ledger_get(&row, "order_id", &n_order);
	d_line = ledger_get(&row, "line_no", &n_line);
	d_qty = ledger_get(&row, "quantity", &n_qty);
	if (n_order || n_line || (!n_qty && DatumGetInt64(d_qty) <= 0))
		return ledger_finish(&row);

	bo_scope_enter(&scope, row.rel->rd_rel->relowner);
	lock_line_and_item(TextDatumGetCString(d_order), DatumGetInt32(d_line), &line, &item);
	open = line.reserved + line.backordered;
	if (n_qty)
	{
		if (open == 0)
			bo_error_over_cancellation(line.order_id, line.line_no, -1, 0);
		quantity = open;
	}
	else
		quantity = DatumGetInt64(d_qty);
	if (quantity > open)
		bo_error_over_cancellation(line.order_id, line.line_no, quantity, open);

	waiting_cancelled = Min(quantity, line.backordered);
	reserved_cancelled = quantity - waiting_cancelled;
	if (waiting_cancelled > 0)
		ledger_cancel_waiting(line.order_id, line.line_no, line.sku, waiting_cancelled);
	bo_line_apply(line.order_id, line.line_no, -reserved_cancelled, -waiting_cancelled, 0, quantity);
	item.reserved -= reserved_cancelled;
	item.backordered -= waiting_cancelled;
	(void) fill_and_store(&item, waiting_cancelled > 0, &repromise, &holds_moved);
	sku = MemoryContextStrdup(caller_context, line.sku);	/* SPI memory goes */
	bo_scope_leave(&scope);
	if (repromise)
		(void) eta_defer_or_recompute(row.rel, sku);

	if (n_qty)
	{
		/* record the number; the quantity column is not an engine column */
		row.cols[row.ncols] = SPI_fnumber(RelationGetDescr(row.rel), "quantity");
		row.values[row.ncols] = Int64GetDatum(quantity);
		row.nulls[row.ncols] = false;
		row.ncols++;
	}
	ledger_set(&row, 0, waiting_cancelled);
	ledger_set(&row, 1, reserved_cancelled);
	return ledger_finish(&row);
}

/*
 * BEFORE INSERT on adjustments.  A positive delta acts like a receipt
 * without a purchase order.  A negative one lowers on hand (never below
 * 0); what on hand no longer covers is taken from holds first (holds.c),
 * then back from reservations in reverse fill order, and those units wait
 * again.
 */
Datum
backorder_tg_adjust(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	LedgerRow	row;
	bool		n_sku,
				n_delta,
				n_reason;
	Datum		d_sku,
				d_delta;
	char	   *sku;
	int64		delta;
	BoScope		scope;
	BoItem		item;
	int64		allocated = 0;
	int64		taken_back = 0;
	bool		repromise = false;
	bool		holds_moved;
	List	   *taken = NIL;
	int			ntaken = 0;
	int64	   *event_ids = NULL;
	int64	   *backorder_ids = NULL;
	bool	   *is_new = NULL;
	MemoryContext caller_context = CurrentMemoryContext;

	bo_check_trigger(fcinfo, "backorder_tg_adjust", true, true, TRIGGER_EVENT_INSERT);
	if (bo_row_origin(trigdata->tg_relation, trigdata->tg_trigtuple,
					  adjustment_engine_cols, lengthof(adjustment_engine_cols)) == ROW_RESTORED)
		return PointerGetDatum(trigdata->tg_trigtuple);
	ledger_begin(&row, trigdata, adjustment_engine_cols, lengthof(adjustment_engine_cols));

	d_sku = ledger_get(&row, "sku", &n_sku);
	d_delta = ledger_get(&row, "delta", &n_delta);
	(void) ledger_get(&row, "reason", &n_reason);
	if (n_sku || n_delta || n_reason || DatumGetInt64(d_delta) == 0)
		return ledger_finish(&row);
	sku = TextDatumGetCString(d_sku);
	delta = DatumGetInt64(d_delta);

	bo_scope_enter(&scope, row.rel->rd_rel->relowner);
	lock_item_or_fail(sku, &item);
	if (delta > 0)
	{
		item.on_hand = bo_add(item.on_hand, delta, "on hand");
		allocated = fill_and_store(&item, false, &repromise, &holds_moved);
	}
	else
	{
		int64		on_hand = item.on_hand + delta;
		ListCell   *lc;
		int			i = 0;
		bool		moved;

		if (on_hand < 0)
			bo_error_negative_stock(sku, item.on_hand, delta);
		/* (1.1) holds are broken first, then reservations taken back */
		if (on_hand < item.reserved + item.held)
			(void) holds_break(&item, Min(item.reserved + item.held - on_hand, item.held));
		if (on_hand < item.reserved)
		{
			taken_back = item.reserved - on_hand;
			taken = alloc_take_back(&item, taken_back);
		}
		item.on_hand = on_hand;
		/*
		 * Units that expiring holds freed as the item was locked moved the
		 * queue too: the one recompute at the end of the statement covers
		 * both (rows the take-back just wrote are fresh: no eta_changed for
		 * them).
		 */
		moved = item.queue_moved;
		item.queue_moved = false;
		bo_item_store(&item);
		repromise = moved && taken == NIL;

		/*
		 * one `backordered` event per line; its date is set once promised
		 * (the arrays outlive the SPI memory)
		 */
		ntaken = list_length(taken);
		event_ids = MemoryContextAlloc(caller_context, sizeof(int64) * Max(ntaken, 1));
		backorder_ids = MemoryContextAlloc(caller_context, sizeof(int64) * Max(ntaken, 1));
		is_new = MemoryContextAlloc(caller_context, sizeof(bool) * Max(ntaken, 1));
		foreach(lc, taken)
		{
			BoTakeBack *tb = lfirst(lc);

			event_ids[i] = event_backordered_pending(tb->order_id, tb->line_no, sku, tb->units);
			backorder_ids[i] = tb->backorder_id;
			is_new[i] = tb->is_new;
			i++;
		}
	}
	bo_scope_leave(&scope);
	if (repromise)
		(void) eta_defer_or_recompute(row.rel, sku);
	if (ntaken > 0)
		eta_defer_take_back(row.rel, sku, ntaken, event_ids, backorder_ids, is_new);

	ledger_set(&row, 0, allocated);
	ledger_set(&row, 1, taken_back);
	ledger_set(&row, 2, item.on_hand);
	return ledger_finish(&row);
}
