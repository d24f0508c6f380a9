/*-------------------------------------------------------------------------
 * src/cancel_order.c
 *		cancel_order(): every open unit of an order cancelled at once.
 *
 * The order's items are locked in sku order, then its lines in line_no
 * order; the units cancelled are the lines' open units as they are once
 * those locks are held (a line another transaction shipped or cancelled
 * meanwhile is cancelled for what is left, one with nothing left gets no
 * row).  Every line is cancelled (waiting units, then reserved ones)
 * before any freed unit goes to a queue, so the order's own lines never
 * receive them; the queues are filled after that, and promises are
 * recomputed last, after every row lock (src/backorder.h, lock order).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "backorder.h"

PG_FUNCTION_INFO_V1(backorder_cancel_order);

#define OP(o) " OPERATOR(pg_catalog." o ") "

/* One item of the order, locked, with what the cancellation changed. */
typedef struct CancelItem
{
	BoItem		item;
	bool		waiting_cancelled;	/* its queue changed: re-promise */
	int64		allocated;
} CancelItem;

/* The order's skus in byte order (unlocked read: a line's sku never changes). */
static int
order_skus(Datum order_id, CancelItem **items)
{
	static const Oid argtypes[] = {TEXTOID};
	Datum		values[1];
	int			n;

	values[0] = order_id;
	bo_exec(bo_plan(PLAN_ORDER_SKUS,
					"SELECT DISTINCT sku COLLATE pg_catalog.\"C\" FROM backorder.order_lines"
					" WHERE order_id" OP("=") "$1 ORDER BY 1",
					1, argtypes),
			values, NULL, false, 0);
	n = (int) SPI_processed;
	*items = palloc0(sizeof(CancelItem) * Max(n, 1));
	for (int i = 0; i < n; i++)
		(*items)[i].item.sku = bo_get_text(i, 1);
	SPI_freetuptable(SPI_tuptable);
	return n;
}

static CancelItem *
find_item(CancelItem *items, int n, const char *sku)
{
	for (int i = 0; i < n; i++)
		if (strcmp(items[i].item.sku, sku) == 0)
			return &items[i];
	elog(ERROR, "backorder: sku \"%s\" of the order is not locked", sku);
	pg_unreachable();
}

/* The ledger row of one line's cancellation, applied already. */
static void
write_cancellation(Datum order_id, int32 line_no, Datum reason, bool reason_null,
				   int64 waiting, int64 reserved)
{
	static const Oid argtypes[] = {TEXTOID, INT4OID, TEXTOID, INT8OID, INT8OID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};

	values[0] = order_id;
	values[1] = Int32GetDatum(line_no);
	values[2] = reason;
	nulls[2] = reason_null ? 'n' : ' ';
	values[3] = Int64GetDatum(waiting);
	values[4] = Int64GetDatum(reserved);
	/*
	 * Written with its engine columns set, by the owner: the cancellations
	 * trigger stores it as it is (as it does a restored row) and applies
	 * nothing a second time.
	 */
	bo_exec(bo_plan(PLAN_CANCEL_INSERT,
					"INSERT INTO backorder.cancellations"
					" (order_id, line_no, quantity, reason, waiting_cancelled, reserved_cancelled)"
					" VALUES ($1, $2, $4" OP("+") "$5, $3, $4, $5)",
					5, argtypes),
			values, nulls, false, 0);
}

/*
 * Lock the order's lines of the locked skus (line_no order) and cancel
 * every open unit of each.  Returns the units cancelled.
 */
static int64
cancel_lines(Datum order_id, Datum reason, bool reason_null, CancelItem *items, int nitems)
{
	static const Oid argtypes[] = {TEXTOID, TEXTARRAYOID};
	Datum	   *skus = palloc(sizeof(Datum) * nitems);
	Datum		values[2];
	int			n;
	int64		total = 0;
	int32	   *line_nos;
	char	  **line_skus;
	int64	   *reserved;
	int64	   *waiting;

	for (int i = 0; i < nitems; i++)
		skus[i] = CStringGetTextDatum(items[i].item.sku);
	values[0] = order_id;
	values[1] = PointerGetDatum(construct_array(skus, nitems, TEXTOID, -1, false, TYPALIGN_INT));
	bo_exec(bo_plan(PLAN_ORDER_LINES_LOCK,
					"SELECT line_no, sku, reserved, backordered FROM backorder.order_lines"
					" WHERE order_id" OP("=") "$1 AND sku" OP("=") "ANY ($2)"
					" ORDER BY line_no FOR NO KEY UPDATE",
					2, argtypes),
			values, NULL, false, 0);
	n = (int) SPI_processed;
	line_nos = palloc(sizeof(int32) * Max(n, 1));
	line_skus = palloc(sizeof(char *) * Max(n, 1));
	reserved = palloc(sizeof(int64) * Max(n, 1));
	waiting = palloc(sizeof(int64) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		line_nos[i] = bo_get_int32(i, 1);
		line_skus[i] = bo_get_text(i, 2);
		reserved[i] = bo_get_int64(i, 3, NULL);
		waiting[i] = bo_get_int64(i, 4, NULL);
	}
	SPI_freetuptable(SPI_tuptable);

	for (int i = 0; i < n; i++)
	{
		char	   *oid = TextDatumGetCString(order_id);
		CancelItem *ci;
		int64		units;

		if (reserved[i] + waiting[i] == 0)
			continue;
		units = reserved[i] + waiting[i];
		total = bo_add(total, units, "units cancelled");
		ci = find_item(items, nitems, line_skus[i]);
		if (waiting[i] > 0)
		{
			ledger_cancel_waiting(oid, line_nos[i], line_skus[i], waiting[i]);
			ci->waiting_cancelled = true;
		}
		bo_line_apply(oid, line_nos[i], -reserved[i], -waiting[i], 0, units);
		ci->item.reserved -= reserved[i];
		ci->item.backordered -= waiting[i];
		write_cancellation(order_id, line_nos[i], reason, reason_null, waiting[i], reserved[i]);
	}
	return total;
}

/*
 * cancel_order(order_id text, reason text) returns bigint
 */
Datum
backorder_cancel_order(PG_FUNCTION_ARGS)
{
	BoScope		scope;
	CancelItem *items;
	int			nitems;
	int64		total;
	char	   *order_id;
	Datum		reason = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("order_id must not be NULL")));
	order_id = text_to_cstring(PG_GETARG_TEXT_PP(0));

	bo_scope_enter(&scope, bo_owner());
	nitems = order_skus(PG_GETARG_DATUM(0), &items);
	if (nitems == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("order \"%s\" does not exist", order_id)));

	/* items in sku order, then the lines */
	for (int i = 0; i < nitems; i++)
		if (!bo_item_lock(items[i].item.sku, &items[i].item))
			bo_error_unknown_sku(items[i].item.sku);
	total = cancel_lines(PG_GETARG_DATUM(0), reason, PG_ARGISNULL(1), items, nitems);

	/* every line is cancelled: now the freed units go to the queues */
	for (int i = 0; i < nitems; i++)
	{
		items[i].allocated = alloc_fill(&items[i].item);
		bo_item_store(&items[i].item);
	}
	/* and promises last, after every row lock */
	for (int i = 0; i < nitems; i++)
		if (items[i].allocated > 0 || items[i].waiting_cancelled)
			eta_emit(items[i].item.sku, eta_recompute(items[i].item.sku, NULL, 0));
	bo_scope_leave(&scope);

	PG_RETURN_INT64(total);
}
