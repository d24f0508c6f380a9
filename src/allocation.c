/*-------------------------------------------------------------------------
 * src/allocation.c
 *		The waiting queue: filling it in fill order (priority DESC, the
 *		line's ordered_at, id) when stock becomes available, taking
 *		reservations back in reverse fill order when stock shrinks, and the
 *		order-line updates both need.
 *
 * Filling k backorders reads k rows of the partial index
 * backorders_queue_idx through a cursor fetched in small batches, so the
 * cost does not depend on how long the queue is.  The caller holds the
 * item row lock, which serialises every change of the SKU's queue.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "nodes/parsenodes.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "backorder.h"

#define OP(o) " OPERATOR(pg_catalog." o ") "
#define FILL_BATCH 64

/* The sku of an order line (unlocked read); false if there is no such line. */
bool
bo_line_sku(const char *order_id, int32 line_no, char **sku)
{
	static const Oid argtypes[] = {TEXTOID, INT4OID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(order_id);
	values[1] = Int32GetDatum(line_no);
	bo_exec(bo_plan(PLAN_LINE_GET,
					"SELECT sku FROM backorder.order_lines"
					" WHERE order_id" OP("=") "$1 AND line_no" OP("=") "$2",
					2, argtypes),
			values, NULL, false, 1);
	if (SPI_processed == 0)
		return false;
	*sku = bo_get_text(0, 1);
	return true;
}

/* Lock an order line (after its item) and read its numbers. */
bool
bo_line_lock(const char *order_id, int32 line_no, BoLine *line)
{
	static const Oid argtypes[] = {TEXTOID, INT4OID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(order_id);
	values[1] = Int32GetDatum(line_no);
	bo_exec(bo_plan(PLAN_LINE_LOCK,
					"SELECT sku, quantity, priority, ordered_at, reserved, backordered, shipped, cancelled"
					"  FROM backorder.order_lines"
					" WHERE order_id" OP("=") "$1 AND line_no" OP("=") "$2 FOR NO KEY UPDATE",
					2, argtypes),
			values, NULL, false, 1);
	if (SPI_processed == 0)
		return false;
	line->order_id = pstrdup(order_id);
	line->line_no = line_no;
	line->sku = bo_get_text(0, 1);
	line->quantity = bo_get_int64(0, 2, NULL);
	line->priority = bo_get_int32(0, 3);
	line->ordered_at = bo_get_timestamptz(0, 4, NULL);
	line->reserved = bo_get_int64(0, 5, NULL);
	line->backordered = bo_get_int64(0, 6, NULL);
	line->shipped = bo_get_int64(0, 7, NULL);
	line->cancelled = bo_get_int64(0, 8, NULL);
	return true;
}

/* Move units between a line's columns; its status follows the numbers. */
void
bo_line_apply(const char *order_id, int32 line_no, int64 d_reserved, int64 d_backordered,
			  int64 d_shipped, int64 d_cancelled)
{
	static const Oid argtypes[] = {TEXTOID, INT4OID, INT8OID, INT8OID, INT8OID, INT8OID};
	Datum		values[6];

	values[0] = CStringGetTextDatum(order_id);
	values[1] = Int32GetDatum(line_no);
	values[2] = Int64GetDatum(d_reserved);
	values[3] = Int64GetDatum(d_backordered);
	values[4] = Int64GetDatum(d_shipped);
	values[5] = Int64GetDatum(d_cancelled);
	bo_exec(bo_plan(PLAN_LINE_APPLY,
					"UPDATE backorder.order_lines SET"
					"  reserved = reserved" OP("+") "$3,"
					"  backordered = backordered" OP("+") "$4,"
					"  shipped = shipped" OP("+") "$5,"
					"  cancelled = cancelled" OP("+") "$6,"
					"  status = CASE"
					"   WHEN cancelled" OP("+") "$6" OP("=") "quantity THEN 'cancelled'"
					"   WHEN shipped" OP("+") "$5" OP("+") "cancelled" OP("+") "$6" OP("=") "quantity THEN 'shipped'"
					"   WHEN backordered" OP("+") "$4" OP(">") "0 THEN 'backordered'"
					"   ELSE 'reserved' END"
					" WHERE order_id" OP("=") "$1 AND line_no" OP("=") "$2",
					6, argtypes),
			values, NULL, false, 0);
}

/*
 * A line gets `units` more waiting units: they join its waiting row, or a
 * new row is written (is_new tells the caller which).  Returns the row id.
 */
int64
alloc_wait(const BoLine *line, int64 units, bool known_new, bool *is_new)
{
	static const Oid grow_types[] = {TEXTOID, INT4OID, INT8OID};
	static const Oid insert_types[] = {TEXTOID, INT4OID, TEXTOID, INT8OID, INT4OID, TIMESTAMPTZOID};
	Datum		values[6];

	values[0] = CStringGetTextDatum(line->order_id);
	values[1] = Int32GetDatum(line->line_no);
	if (!known_new)
	{
		values[2] = Int64GetDatum(units);
		bo_exec(bo_plan(PLAN_BACKORDER_GROW,
						"UPDATE backorder.backorders SET quantity = quantity" OP("+") "$3"
						" WHERE order_id" OP("=") "$1 AND line_no" OP("=") "$2"
						"   AND status" OP("=") "'waiting' RETURNING id",
						3, grow_types),
				values, NULL, false, 0);
		if (SPI_processed > 0)
		{
			*is_new = false;
			return bo_get_int64(0, 1, NULL);
		}
	}
	values[2] = CStringGetTextDatum(line->sku);
	values[3] = Int64GetDatum(units);
	values[4] = Int32GetDatum(line->priority);
	values[5] = TimestampTzGetDatum(line->ordered_at);
	bo_exec(bo_plan(PLAN_BACKORDER_INSERT,
					"INSERT INTO backorder.backorders (order_id, line_no, sku, quantity, filled, cancelled,"
					"  priority, created_at, status, ordered_at)"
					" VALUES ($1, $2, $3, $4, 0, 0, $5, pg_catalog.now(), 'waiting', $6) RETURNING id",
					6, insert_types),
			values, NULL, false, 0);
	*is_new = true;
	return bo_get_int64(0, 1, NULL);
}

typedef struct QueueRow
{
	int64		id;
	char	   *order_id;
	int32		line_no;
	int64		waiting;
} QueueRow;

static ArrayType *
int8_array(Datum *values, int n)
{
	return construct_array(values, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/*
 * Hand gives[i] units to rows[i], for a batch of rows in fill order: their
 * lines first, then the rows, then one `allocated` event each, in fill
 * order -- one statement per table for the whole batch.
 */
static void
fill_rows(const char *sku, const QueueRow *rows, const int64 *gives, int n)
{
	static const Oid line_types[] = {TEXTARRAYOID, INT4ARRAYOID, INT8ARRAYOID};
	static const Oid row_types[] = {INT8ARRAYOID, INT8ARRAYOID};
	static const Oid event_types[] = {TEXTOID, TEXTARRAYOID, INT4ARRAYOID, INT8ARRAYOID, INT8ARRAYOID};
	Datum	   *order_ids = palloc(sizeof(Datum) * n);
	Datum	   *line_nos = palloc(sizeof(Datum) * n);
	Datum	   *ids = palloc(sizeof(Datum) * n);
	Datum	   *units = palloc(sizeof(Datum) * n);
	Datum	   *remaining = palloc(sizeof(Datum) * n);
	Datum		order_id_array,
				line_no_array,
				unit_array;
	Datum		values[5];

	for (int i = 0; i < n; i++)
	{
		order_ids[i] = CStringGetTextDatum(rows[i].order_id);
		line_nos[i] = Int32GetDatum(rows[i].line_no);
		ids[i] = Int64GetDatum(rows[i].id);
		units[i] = Int64GetDatum(gives[i]);
		remaining[i] = Int64GetDatum(rows[i].waiting - gives[i]);
	}

	/* the lines (one waiting row per line, so each appears once) */
	order_id_array = PointerGetDatum(construct_array(order_ids, n, TEXTOID, -1, false, TYPALIGN_INT));
	line_no_array = PointerGetDatum(construct_array(line_nos, n, INT4OID, sizeof(int32), true, TYPALIGN_INT));
	unit_array = PointerGetDatum(int8_array(units, n));
	values[0] = order_id_array;
	values[1] = line_no_array;
	values[2] = unit_array;
	bo_exec(bo_plan(PLAN_LINES_FILL,
					"UPDATE backorder.order_lines l SET"
					"  reserved = l.reserved" OP("+") "u.units,"
					"  backordered = l.backordered" OP("-") "u.units,"
					"  status = CASE WHEN l.backordered" OP("-") "u.units" OP(">") "0"
					"           THEN 'backordered' ELSE 'reserved' END"
					"  FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3))"
					"       AS u(order_id, line_no, units)"
					" WHERE l.order_id" OP("=") "u.order_id AND l.line_no" OP("=") "u.line_no",
					3, line_types),
			values, NULL, false, 0);

	/* the rows: filled when their last waiting unit is allocated */
	values[0] = PointerGetDatum(int8_array(ids, n));
	values[1] = unit_array;
	bo_exec(bo_plan(PLAN_BACKORDER_FILL,
					"UPDATE backorder.backorders b SET filled = b.filled" OP("+") "u.units,"
					"  status = CASE WHEN b.quantity" OP("-") "b.filled" OP("-") "b.cancelled" OP("=") "u.units"
					"           THEN 'filled' ELSE 'waiting' END,"
					"  filled_at = CASE WHEN b.quantity" OP("-") "b.filled" OP("-") "b.cancelled" OP("=") "u.units"
					"              THEN pg_catalog.now() ELSE b.filled_at END"
					"  FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS u(id, units)"
					" WHERE b.id" OP("=") "u.id",
					2, row_types),
			values, NULL, false, 0);

	/* the events, in fill order */
	values[0] = CStringGetTextDatum(sku);
	values[1] = order_id_array;
	values[2] = line_no_array;
	values[3] = unit_array;
	values[4] = PointerGetDatum(int8_array(remaining, n));
	event_allocated_many(values, event_types);
}

/*
 * Allocate the item's available units to its waiting rows in fill order,
 * partial fills allowed, until the units or the queue run out.  Updates
 * the item's reserved and backordered (the caller stores the item).
 * Returns the units allocated.
 */
int64
alloc_fill(BoItem *item)
{
	static const Oid argtypes[] = {TEXTOID, INT8OID};
	int64		units = BO_AVAILABLE(item);
	int64		allocated = 0;
	Datum		values[2];
	Portal		portal;
	SPIPlanPtr	plan;

	if (units <= 0 || item->backordered <= 0)
		return 0;

	/* each waiting row takes at least one unit: no more than `units` rows */
	plan = bo_plan_opts(PLAN_QUEUE_FILL,
						"SELECT id, order_id, line_no, quantity" OP("-") "filled" OP("-") "cancelled"
						"  FROM backorder.backorders"
						" WHERE sku" OP("=") "$1 AND status" OP("=") "'waiting'"
						" ORDER BY priority DESC, ordered_at, id LIMIT $2",
						2, argtypes, CURSOR_OPT_FAST_PLAN);
	values[0] = CStringGetTextDatum(item->sku);
	values[1] = Int64GetDatum(units);
	portal = SPI_cursor_open(NULL, plan, values, NULL, false);

	while (units > 0)
	{
		int			n;
		int			nfill = 0;
		QueueRow	rows[FILL_BATCH];
		int64		gives[FILL_BATCH];

		SPI_cursor_fetch(portal, true, (long) Min(units, FILL_BATCH));
		n = (int) SPI_processed;
		if (n == 0)
			break;
		for (int i = 0; i < n; i++)
		{
			rows[i].id = bo_get_int64(i, 1, NULL);
			rows[i].order_id = bo_get_text(i, 2);
			rows[i].line_no = bo_get_int32(i, 3);
			rows[i].waiting = bo_get_int64(i, 4, NULL);
		}
		SPI_freetuptable(SPI_tuptable);

		for (int i = 0; i < n && units > 0; i++)
		{
			gives[i] = Min(units, rows[i].waiting);
			units -= gives[i];
			allocated += gives[i];
			nfill = i + 1;
		}
		fill_rows(item->sku, rows, gives, nfill);
	}
	SPI_cursor_close(portal);

	item->reserved += allocated;
	item->backordered -= allocated;
	return allocated;
}

/*
 * Take `units` reserved units back from the item's lines in reverse fill
 * order (priority ASC, ordered_at DESC, order_id DESC, line_no DESC); they
 * wait again.  Returns the list of BoTakeBack, in that order.  Updates the
 * item's reserved and backordered.
 */
List *
alloc_take_back(BoItem *item, int64 units)
{
	static const Oid argtypes[] = {TEXTOID};
	List	   *taken = NIL;
	Datum		values[1];
	Portal		portal;
	SPIPlanPtr	plan;
	int64		total = 0;

	plan = bo_plan_opts(PLAN_LINES_TAKE_BACK,
				   "SELECT order_id, line_no, reserved, priority, ordered_at"
				   "  FROM backorder.order_lines"
				   " WHERE sku" OP("=") "$1 AND reserved" OP(">") "0"
				   " ORDER BY priority, ordered_at DESC, order_id DESC, line_no DESC",
				   1, argtypes, CURSOR_OPT_FAST_PLAN);
	values[0] = CStringGetTextDatum(item->sku);
	portal = SPI_cursor_open(NULL, plan, values, NULL, false);

	while (units > 0)
	{
		int			n;
		BoLine		lines[FILL_BATCH];

		SPI_cursor_fetch(portal, true, FILL_BATCH);
		n = (int) SPI_processed;
		if (n == 0)
			break;
		for (int i = 0; i < n; i++)
		{
			memset(&lines[i], 0, sizeof(BoLine));
			lines[i].order_id = bo_get_text(i, 1);
			lines[i].line_no = bo_get_int32(i, 2);
			lines[i].reserved = bo_get_int64(i, 3, NULL);
			lines[i].priority = bo_get_int32(i, 4);
			lines[i].ordered_at = bo_get_timestamptz(i, 5, NULL);
			lines[i].sku = item->sku;
		}
		SPI_freetuptable(SPI_tuptable);

		for (int i = 0; i < n && units > 0; i++)
		{
			BoTakeBack *tb = palloc(sizeof(BoTakeBack));

			tb->order_id = lines[i].order_id;
			tb->line_no = lines[i].line_no;
			tb->units = Min(units, lines[i].reserved);
			bo_line_apply(tb->order_id, tb->line_no, -tb->units, tb->units, 0, 0);
			tb->backorder_id = alloc_wait(&lines[i], tb->units, false, &tb->is_new);
			units -= tb->units;
			total += tb->units;
			taken = lappend(taken, tb);
		}
	}
	SPI_cursor_close(portal);

	item->reserved -= total;
	item->backordered = bo_add(item->backordered, total, "backordered units");
	return taken;
}
