/*-------------------------------------------------------------------------
 * src/ledger.c
 *		The four ledgers, applied by BEFORE INSERT triggers that fill their
 *		engine columns: receipts (stock in, queue filled), shipments
 *		(reserved units leave), cancellations (waiting units first, then
 *		reserved ones, which go to the queue) and adjustments (counts,
 *		damage; a shortfall takes reservations back).  Also cancel_order().
 *
 * Each trigger locks the item row before any order line, so that every
 * path takes its locks in the same order.
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
PG_FUNCTION_INFO_V1(backorder_cancel_order);

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

/* After stock became available: fill the queue, store the item, re-promise. */
static int64
fill_and_store(BoItem *item, bool supply_changed)
{
	int64		allocated = alloc_fill(item);

	bo_item_store(item);
	if (allocated > 0 || supply_changed)
		eta_emit(item->sku, eta_recompute(item->sku, NULL, 0));
	return allocated;
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

	bo_scope_enter(&scope, row.rel->rd_rel->relowner);
	if (!n_po)
	{
		Datum		values[3];
		char	   *po = TextDatumGetCString(d_po);

		values[0] = d_po;
		values[1] = d_sku;
		values[2] = d_qty;
		bo_exec(bo_plan(PLAN_PO_RECEIVE,
						"UPDATE backorder.purchase_orders SET received = received" OP("+") "$3,"
						"  status = CASE WHEN status" OP("=") "'cancelled' THEN 'cancelled'"
						"   WHEN received" OP("+") "$3" OP(">=") "quantity THEN 'closed' ELSE 'open' END"
						" WHERE purchase_order_id" OP("=") "$1 AND sku" OP("=") "$2",
						3, po_types),
				values, NULL, false, 0);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("purchase order \"%s\" has no line for sku \"%s\"", po, sku),
					 errdetail("Key (purchase_order_id, sku)=(%s, %s) is not present in table \"backorder.purchase_orders\".",
							   po, sku)));
	}
	lock_item_or_fail(sku, &item);
	item.on_hand = bo_add(item.on_hand, quantity, "on hand");
	allocated = fill_and_store(&item, !n_po);
	bo_scope_leave(&scope);

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
 * BEFORE INSERT on cancellations: waiting units are cancelled first, then
 * reserved ones, which go at once to the SKU's queue.  A NULL quantity
 * cancels every open unit.
 */
Datum
backorder_tg_cancel(PG_FUNCTION_ARGS)
{
	static const Oid bo_types[] = {TEXTOID, INT4OID, INT8OID};
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
	{
		Datum		values[3];

		values[0] = CStringGetTextDatum(line.order_id);
		values[1] = Int32GetDatum(line.line_no);
		values[2] = Int64GetDatum(waiting_cancelled);
		bo_exec(bo_plan(PLAN_BACKORDER_CANCEL,
						"UPDATE backorder.backorders SET cancelled = cancelled" OP("+") "$3,"
						"  status = CASE WHEN quantity" OP("-") "filled" OP("-") "cancelled" OP("-") "$3"
						"   " OP("=") "0 THEN 'cancelled' ELSE 'waiting' END"
						" WHERE order_id" OP("=") "$1 AND line_no" OP("=") "$2 AND status" OP("=") "'waiting'",
						3, bo_types),
				values, NULL, false, 0);
		event_cancelled(line.order_id, line.line_no, line.sku, waiting_cancelled);
	}
	bo_line_apply(line.order_id, line.line_no, -reserved_cancelled, -waiting_cancelled, 0, quantity);
	item.reserved -= reserved_cancelled;
	item.backordered -= waiting_cancelled;
	(void) fill_and_store(&item, waiting_cancelled > 0);
	bo_scope_leave(&scope);

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
		allocated = fill_and_store(&item, false);
	}
	else
	{
		int64		on_hand = item.on_hand + delta;
		List	   *taken = NIL;
		List	   *changes;
		ListCell   *lc;
		int64	   *fresh;
		int			nfresh = 0;
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
		 * queue too: one recompute below covers both (rows the take-back
		 * just wrote are fresh: no eta_changed for them).
		 */
		moved = item.queue_moved;
		item.queue_moved = false;
		bo_item_store(&item);
		if (taken == NIL && moved)
			eta_emit(sku, eta_recompute(sku, NULL, 0));

		if (taken != NIL)
		{
			fresh = palloc(sizeof(int64) * list_length(taken));
			foreach(lc, taken)
			{
				BoTakeBack *tb = lfirst(lc);

				if (tb->is_new)
					fresh[nfresh++] = tb->backorder_id;
			}
			changes = eta_recompute(sku, fresh, nfresh);
			foreach(lc, taken)
			{
				BoTakeBack *tb = lfirst(lc);
				TimestampTz eta = 0;
				bool		has_eta = eta_of(tb->backorder_id, &eta);

				event_backordered(tb->order_id, tb->line_no, sku, tb->units, has_eta, eta);
			}
			eta_emit(sku, changes);
		}
	}
	bo_scope_leave(&scope);

	ledger_set(&row, 0, allocated);
	ledger_set(&row, 1, taken_back);
	ledger_set(&row, 2, item.on_hand);
	return ledger_finish(&row);
}

/*
 * cancel_order(order_id text, reason text) returns bigint
 *
 * One cancellations row (quantity NULL: every open unit) per line with open
 * units, written in sku order so that items are locked in the global order.
 */
Datum
backorder_cancel_order(PG_FUNCTION_ARGS)
{
	static const Oid exists_types[] = {TEXTOID};
	static const Oid insert_types[] = {TEXTOID, TEXTOID};
	Datum		values[2];
	char		nulls[2] = {' ', ' '};
	BoScope		scope;
	int64		total;
	char	   *order_id;
	MemoryContext caller_context;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("order_id must not be NULL")));
	order_id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	values[0] = PG_GETARG_DATUM(0);
	values[1] = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);
	nulls[1] = PG_ARGISNULL(1) ? 'n' : ' ';

	caller_context = CurrentMemoryContext;
	bo_scope_enter(&scope, bo_owner());
	bo_exec(bo_plan(PLAN_ORDER_EXISTS,
					"SELECT 1 FROM backorder.order_lines WHERE order_id" OP("=") "$1 LIMIT 1",
					1, exists_types),
			values, NULL, false, 1);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("order \"%s\" does not exist", order_id)));

	PG_TRY();
	{
		bo_exec(bo_plan(PLAN_CANCEL_INSERT,
					"INSERT INTO backorder.cancellations (order_id, line_no, quantity, reason)"
					" SELECT l.order_id, l.line_no, NULL, $2 FROM backorder.order_lines l"
					"  WHERE l.order_id" OP("=") "$1"
					"    AND l.reserved" OP("+") "l.backordered" OP(">") "0"
					"  ORDER BY l.sku COLLATE pg_catalog.\"C\", l.line_no"
					" RETURNING quantity",
					2, insert_types),
			values, nulls, false, 0);
	}
	PG_CATCH();
	{
		bo_rethrow_without_context(caller_context);
	}
	PG_END_TRY();
	total = 0;
	for (uint64 i = 0; i < SPI_processed; i++)
		total = bo_add(total, bo_get_int64((int) i, 1, NULL), "units cancelled");
	bo_scope_leave(&scope);

	PG_RETURN_INT64(total);
}
