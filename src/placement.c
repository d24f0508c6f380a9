/*-------------------------------------------------------------------------
 * src/placement.c
 *		Placing demand: the order_lines BEFORE INSERT trigger that reserves
 *		what is available and queues the rest, place_order(), and the item
 *		row helpers (lock, store) every other path uses too.
 *
 * An in-stock line costs one conditional update of its item row (the same
 * statement a hand-written reservation would use), plus the line itself.  A short line also writes its backorder row, its
 * promised date and a `backordered` event.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "backorder.h"

PG_FUNCTION_INFO_V1(backorder_tg_place);
PG_FUNCTION_INFO_V1(backorder_place_order);

static const char *const line_engine_cols[] = {"reserved", "backordered", "shipped", "cancelled", "status"};

#define OP(o) " OPERATOR(pg_catalog." o ") "

/*
 * Fill *item from the first SPI result row, whose columns from `col` on are
 * policy (as text), backorder_limit, on_hand, reserved, backordered, held,
 * next_hold_expiry.
 */
static void
item_from_result(BoItem *item, const char *sku, int col)
{
	bool		isnull;

	item->sku = pstrdup(sku);
	item->deny = strcmp(bo_get_text(0, col), "deny") == 0;
	item->backorder_limit = bo_get_int64(0, col + 1, &isnull);
	item->has_limit = !isnull;
	item->on_hand = bo_get_int64(0, col + 2, NULL);
	item->reserved = bo_get_int64(0, col + 3, NULL);
	item->backordered = bo_get_int64(0, col + 4, NULL);
	item->held = bo_get_int64(0, col + 5, NULL);
	item->next_hold_expiry = bo_get_timestamptz(0, col + 6, &isnull);
	item->has_hold_expiry = !isnull;
	item->queue_moved = false;
}

/* Lock the item row (FOR NO KEY UPDATE) and read it; false if no such sku. */
bool
bo_item_lock(const char *sku, BoItem *item)
{
	static const Oid argtypes[] = {TEXTOID};
	SPIPlanPtr	plan = bo_plan(PLAN_ITEM_LOCK,
							   "SELECT policy::pg_catalog.text, backorder_limit, on_hand, reserved, backordered,"
							   "  held, next_hold_expiry"
							   "  FROM backorder.items WHERE sku" OP("=") "$1 FOR NO KEY UPDATE",
							   1, argtypes);
	Datum		values[1];

	values[0] = CStringGetTextDatum(sku);
	bo_exec(plan, values, NULL, false, 1);
	if (SPI_processed == 0)
		return false;
	item_from_result(item, sku, 1);
	return true;
}

/*
 * Write back the stock numbers of a locked item.  When expiring holds moved
 * units to the queue as the item was locked, its promises are recomputed
 * now: after the caller's own row locks, as the lock order wants.
 */
void
bo_item_store(BoItem *item)
{
	static const Oid argtypes[] = {TEXTOID, INT8OID, INT8OID, INT8OID, INT8OID, TIMESTAMPTZOID};
	SPIPlanPtr	plan = bo_plan(PLAN_ITEM_SET_ALL,
							   "UPDATE backorder.items SET on_hand = $2, reserved = $3, backordered = $4,"
							   "  held = $5, next_hold_expiry = $6"
							   " WHERE sku" OP("=") "$1",
							   6, argtypes);
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};

	values[0] = CStringGetTextDatum(item->sku);
	values[1] = Int64GetDatum(item->on_hand);
	values[2] = Int64GetDatum(item->reserved);
	values[3] = Int64GetDatum(item->backordered);
	values[4] = Int64GetDatum(item->held);
	values[5] = TimestampTzGetDatum(item->next_hold_expiry);
	if (!item->has_hold_expiry)
		nulls[5] = 'n';
	bo_exec(plan, values, nulls, false, 0);
	if (item->queue_moved)
	{
		item->queue_moved = false;
		eta_emit(item->sku, eta_recompute(item->sku, NULL, 0));
	}
}

/*
 * The common case in one statement: reserve the whole quantity if the item
 * has it available (locking the row) and no hold of it may be due.  False
 * when it has not, or when there is no such item: the caller then takes the
 * general path (which expires due holds first).
 */
static bool
reserve_in_stock(const char *sku, int64 quantity)
{
	static const Oid argtypes[] = {TEXTOID, INT8OID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(sku);
	values[1] = Int64GetDatum(quantity);
	bo_exec(bo_plan(PLAN_ITEM_RESERVE,
					"UPDATE backorder.items SET reserved = reserved" OP("+") "$2"
					" WHERE sku" OP("=") "$1"
					"   AND on_hand" OP("-") "reserved" OP("-") "held" OP(">=") "$2"
					"   AND (next_hold_expiry IS NULL OR next_hold_expiry" OP(">") "pg_catalog.now())",
					2, argtypes),
			values, NULL, false, 0);
	return SPI_processed == 1;
}

static Datum
get_attr(Relation rel, HeapTuple tuple, const char *name, bool *isnull)
{
	return heap_getattr(tuple, SPI_fnumber(RelationGetDescr(rel), name), RelationGetDescr(rel), isnull);
}

static HeapTuple
set_line_columns(Relation rel, HeapTuple tuple, int64 reserved, int64 backordered, const char *status)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			cols[5];
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	for (int i = 0; i < 5; i++)
		cols[i] = SPI_fnumber(desc, line_engine_cols[i]);
	values[0] = Int64GetDatum(reserved);
	values[1] = Int64GetDatum(backordered);
	values[2] = Int64GetDatum(0);
	values[3] = Int64GetDatum(0);
	values[4] = CStringGetTextDatum(status);
	return heap_modify_tuple_by_cols(tuple, desc, 5, cols, values, nulls);
}

/*
 * BEFORE INSERT on order_lines: reserve min(quantity, available), queue the
 * rest (allow) or refuse the line (deny), within the item's backorder limit.
 */
Datum
backorder_tg_place(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	HeapTuple	tuple;
	bool		n_order,
				n_line,
				n_sku,
				n_qty,
				n_prio,
				n_at;
	Datum		d_order,
				d_line,
				d_sku,
				d_qty,
				d_prio,
				d_at;
	BoLine		line;
	BoItem		item;
	BoScope		scope;
	int64		available,
				take,
				shortfall;

	bo_check_trigger(fcinfo, "backorder_tg_place", true, true, TRIGGER_EVENT_INSERT);
	rel = trigdata->tg_relation;
	tuple = trigdata->tg_trigtuple;
	if (bo_row_origin(rel, tuple, line_engine_cols, lengthof(line_engine_cols)) == ROW_RESTORED)
		return PointerGetDatum(tuple);

	d_order = get_attr(rel, tuple, "order_id", &n_order);
	d_line = get_attr(rel, tuple, "line_no", &n_line);
	d_sku = get_attr(rel, tuple, "sku", &n_sku);
	d_qty = get_attr(rel, tuple, "quantity", &n_qty);
	d_prio = get_attr(rel, tuple, "priority", &n_prio);
	d_at = get_attr(rel, tuple, "ordered_at", &n_at);

	/*
	 * Bad input: touch nothing; the table's constraints report it (the
	 * engine columns are filled consistently, so that the constraint that
	 * fails is the one about the bad column).
	 */
	if (n_order || n_line || n_sku || n_qty || n_prio || n_at ||
		DatumGetInt64(d_qty) <= 0 || DatumGetInt32(d_line) <= 0)
		return PointerGetDatum(set_line_columns(rel, tuple,
												n_qty ? 0 : Max(DatumGetInt64(d_qty), 0), 0, "reserved"));

	memset(&line, 0, sizeof(line));
	line.order_id = TextDatumGetCString(d_order);
	line.line_no = DatumGetInt32(d_line);
	line.sku = TextDatumGetCString(d_sku);
	line.quantity = DatumGetInt64(d_qty);
	line.priority = DatumGetInt32(d_prio);
	line.ordered_at = DatumGetTimestampTz(d_at);

	bo_scope_enter(&scope, rel->rd_rel->relowner);
	if (reserve_in_stock(line.sku, line.quantity))
	{
		bo_scope_leave(&scope);
		return PointerGetDatum(set_line_columns(rel, tuple, line.quantity, 0, "reserved"));
	}
	if (!bo_item_lock(line.sku, &item))
		bo_error_unknown_sku(line.sku);

	available = BO_AVAILABLE(&item);
	take = Min(line.quantity, Max(available, 0));
	shortfall = line.quantity - take;
	if (shortfall > 0)
	{
		if (item.deny)
			bo_error_insufficient_stock(line.sku, line.quantity, Max(available, 0));
		if (item.has_limit && bo_add(item.backordered, shortfall, "backordered units") > item.backorder_limit)
			bo_error_limit(line.sku, item.backordered, shortfall, item.backorder_limit);
	}
	item.reserved += take;
	item.backordered = bo_add(item.backordered, shortfall, "backordered units");
	bo_item_store(&item);

	if (shortfall > 0)
	{
		bool		fresh;
		int64		id;
		List	   *changes;
		TimestampTz eta = 0;
		bool		has_eta;

		line.reserved = take;
		id = alloc_wait(&line, shortfall, true, &fresh);
		changes = eta_recompute(line.sku, &id, 1);
		has_eta = eta_lookup(changes, id, &eta);
		event_backordered(line.order_id, line.line_no, line.sku, shortfall, has_eta, eta);
		eta_emit(line.sku, changes);
	}
	bo_scope_leave(&scope);

	return PointerGetDatum(set_line_columns(rel, tuple, take, shortfall,
											shortfall > 0 ? "backordered" : "reserved"));
}

/*
 * The skus named in a place_order lines array, as a text[] to lock in
 * order, or NULL when they name fewer than two items; raises 22023 unless
 * lines is a non-empty array of objects.
 */
static ArrayType *
place_order_skus(Jsonb *lines)
{
	int			n;
	Datum	   *skus;
	int			nskus = 0;

	if (!JB_ROOT_IS_ARRAY(lines) || JB_ROOT_IS_SCALAR(lines) || JB_ROOT_COUNT(lines) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lines must be a non-empty JSON array of objects")));
	n = JB_ROOT_COUNT(lines);
	skus = palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
	{
		JsonbValue *elem = getIthJsonbValueFromContainer(&lines->root, i);
		JsonbValue *sku;

		if (elem == NULL || elem->type != jbvBinary || !JsonContainerIsObject(elem->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("lines must be a non-empty JSON array of objects"),
					 errdetail("Element %d is not an object.", i)));
		sku = getKeyJsonValueFromContainer(elem->val.binary.data, "sku", 3, NULL);
		if (sku != NULL && sku->type == jbvString)
			skus[nskus++] = PointerGetDatum(cstring_to_text_with_len(sku->val.string.val,
																	   sku->val.string.len));
	}
	/* one item (or none) needs no lock ordering: its line's trigger locks it */
	for (int i = 1; i < nskus; i++)
		if (!datumIsEqual(skus[i], skus[0], false, -1))
			return construct_array(skus, nskus, TEXTOID, -1, false, TYPALIGN_INT);
	return NULL;
}

/*
 * place_order(order_id text, lines jsonb) returns setof order_lines
 *
 * Locks the items of all lines in sku order first, then their promise locks
 * in the same order, so that two calls (or a call and a recompute of
 * promised dates) never wait for each other in a cycle; then inserts the
 * lines as one statement in the array's order.
 */
Datum
backorder_place_order(PG_FUNCTION_ARGS)
{
	static const Oid lock_types[] = {TEXTARRAYOID};
	static const Oid insert_types[] = {TEXTOID, JSONBOID};
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ArrayType  *skus;
	BoScope		scope;
	Datum		values[2];
	MemoryContext caller_context;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("order_id must not be NULL")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("lines must not be NULL")));
	skus = place_order_skus(PG_GETARG_JSONB_P(1));

	InitMaterializedSRF(fcinfo, 0);
	caller_context = CurrentMemoryContext;
	bo_scope_enter(&scope, bo_owner());

	if (skus != NULL)
	{
		List	   *locked = NIL;
		ListCell   *lc;

		values[0] = PointerGetDatum(skus);
		bo_exec(bo_plan(PLAN_ITEMS_LOCK_MANY,
						"SELECT sku FROM backorder.items WHERE sku" OP("=") "ANY ($1)"
						" ORDER BY sku COLLATE pg_catalog.\"C\" FOR NO KEY UPDATE",
						1, lock_types),
				values, NULL, false, 0);
		for (uint64 i = 0; i < SPI_processed; i++)
			locked = lappend(locked, bo_get_text((int) i, 1));

		/*
		 * The promise locks too, in the same order: lines are placed in the
		 * array's order, and a line that waits takes its SKU's promise lock.
		 */
		foreach(lc, locked)
			eta_lock((const char *) lfirst(lc));
	}

	values[0] = PG_GETARG_DATUM(0);
	values[1] = PG_GETARG_DATUM(1);
	PG_TRY();
	{
		bo_exec(bo_plan(PLAN_PLACE_INSERT,
					"INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, priority, ordered_at)"
					" SELECT $1,"
					"  CAST(e.v" OP("->>") "'line_no' AS pg_catalog.int4),"
					"  e.v" OP("->>") "'sku',"
					"  CAST(e.v" OP("->>") "'quantity' AS pg_catalog.int8),"
					"  COALESCE(CAST(e.v" OP("->>") "'priority' AS pg_catalog.int4), 0),"
					"  COALESCE(CAST(e.v" OP("->>") "'ordered_at' AS pg_catalog.timestamptz), pg_catalog.now())"
					" FROM pg_catalog.jsonb_array_elements($2) WITH ORDINALITY AS e(v, n)"
					" ORDER BY e.n"
					" RETURNING *",
					2, insert_types),
			values, NULL, false, 0);
	}
	PG_CATCH();
	{
		bo_rethrow_without_context(caller_context);
	}
	PG_END_TRY();

	for (uint64 i = 0; i < SPI_processed; i++)
		tuplestore_puttuple(rsinfo->setResult, SPI_tuptable->vals[i]);

	bo_scope_leave(&scope);
	return (Datum) 0;
}
