/*-------------------------------------------------------------------------
 * src/eta.c
 *		Promised dates: backorders.expected_at, kept current by merging a
 *		SKU's waiting rows (fill order) with its open purchase-order lines
 *		(expected_at, purchase_order_id) by running totals, and the
 *		eta_changed events that follow.  Also the per-statement set of SKUs
 *		whose promises a user statement (purchase orders, priorities, the
 *		receipts, cancellations and adjustments ledgers) made stale,
 *		recomputed once per SKU by an AFTER STATEMENT trigger after the
 *		statement's last row lock.
 *
 * Cost of one recompute: the PO lines, the waiting rows the PO lines cover
 * (plus the first one they do not), and the rows that had a date before;
 * a SKU without purchase orders and without dates costs one probe.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "backorder.h"

PG_FUNCTION_INFO_V1(backorder_tg_eta_flush);
PG_FUNCTION_INFO_V1(backorder_tg_priority);

#define OP(o) " OPERATOR(pg_catalog." o ") "
#define ETA_BATCH 256
/* field 4 of the promise lock's tag: keeps clear of pg_advisory_lock's keys */
#define ETA_LOCK_CLASS 0x424F

/* skus whose promises must be recomputed at the end of a statement */
typedef struct DeferredSku
{
	char	   *sku;
	int			depth;			/* engine depth of the deferring statement */
	/* take-backs (negative adjustments): rows just written, pending events */
	int			nfresh;
	int64	   *fresh;
	int			nevents;
	int64	   *event_ids;		/* `backordered` events awaiting their date */
	int64	   *event_rows;		/* ... from these backorder rows */
	bool		reordered;		/* a priority update changed the queue order */
	/*
	 * A statement whose only change to the SKU was one receipt naming a
	 * purchase-order line: only the rows whose date can move are
	 * re-promised (eta_recompute_after_receipt).  Any other change (full)
	 * needs the whole merge.
	 */
	bool		full;
	int			nreceipts;
	char	   *po_id;
	TimestampTz po_expected_at;
	int64		supply_shift;
	int64		allocated;
} DeferredSku;

static List *deferred_skus = NIL;	/* of DeferredSku, in TopTransactionContext */

typedef struct Supply
{
	int			n;
	int64	   *cum;			/* running total of incoming units */
	TimestampTz *at;
} Supply;

static void
load_supply(const char *sku, Supply *supply)
{
	static const Oid argtypes[] = {TEXTOID};
	Datum		values[1];
	int64		running = 0;

	values[0] = CStringGetTextDatum(sku);
	bo_exec(bo_plan(PLAN_PO_OPEN,
					"SELECT quantity" OP("-") "received, expected_at"
					"  FROM backorder.purchase_orders"
					" WHERE sku" OP("=") "$1 AND status" OP("=") "'open' AND quantity" OP(">") "received"
					" ORDER BY expected_at, purchase_order_id",
					1, argtypes),
			values, NULL, false, 0);
	supply->n = (int) SPI_processed;
	supply->cum = palloc(sizeof(int64) * Max(supply->n, 1));
	supply->at = palloc(sizeof(TimestampTz) * Max(supply->n, 1));
	for (int i = 0; i < supply->n; i++)
	{
		running = bo_add(running, bo_get_int64(i, 1, NULL), "incoming units");
		supply->cum[i] = running;
		supply->at[i] = bo_get_timestamptz(i, 2, NULL);
	}
	SPI_freetuptable(SPI_tuptable);
}

typedef struct QueuePos
{
	int64		id;
	char	   *order_id;
	int32		line_no;
	int64		waiting;
	bool		had_old;
	TimestampTz old_eta;
	int32		priority;
	TimestampTz ordered_at;
} QueuePos;

static void
read_pos(int i, QueuePos *pos)
{
	bool		isnull;

	pos->id = bo_get_int64(i, 1, NULL);
	pos->order_id = bo_get_text(i, 2);
	pos->line_no = bo_get_int32(i, 3);
	pos->waiting = bo_get_int64(i, 4, NULL);
	pos->old_eta = bo_get_timestamptz(i, 5, &isnull);
	pos->had_old = !isnull;
	pos->priority = bo_get_int32(i, 6);
	pos->ordered_at = bo_get_timestamptz(i, 7, NULL);
}

static bool
is_fresh(int64 id, const int64 *fresh_ids, int nfresh)
{
	for (int i = 0; i < nfresh; i++)
		if (fresh_ids[i] == id)
			return true;
	return false;
}

/* Remember a row's new date if it differs (store_etas writes them). */
static List *
set_eta(List *changes, const QueuePos *pos, bool has_new, TimestampTz new_eta,
		const int64 *fresh_ids, int nfresh)
{
	EtaChange  *change;

	if (pos->had_old == has_new && (!has_new || pos->old_eta == new_eta))
		return changes;

	change = palloc(sizeof(EtaChange));
	change->id = pos->id;
	change->order_id = pos->order_id;
	change->line_no = pos->line_no;
	change->waiting = pos->waiting;
	change->had_old = pos->had_old;
	change->old_eta = pos->old_eta;
	change->has_new = has_new;
	change->new_eta = new_eta;
	change->fresh = is_fresh(pos->id, fresh_ids, nfresh);
	return lappend(changes, change);
}

static int
int64_cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/*
 * Write the new dates in one statement and return the changes it made, in
 * the order given (fill order).
 *
 * A row another transaction holds locked is left alone.  We hold the
 * SKU's promise lock, so that transaction has not recomputed yet (it would
 * hold the promise lock), and every path that locks a backorder row
 * recomputes the SKU's promises later in the same statement: it will see
 * our committed work and store the row's date then.  Waiting for the row
 * instead could close a cycle (it waits for the promise lock we hold).
 */
static List *
store_etas(List *changes)
{
	static const Oid argtypes[] = {INT8ARRAYOID, TIMESTAMPTZARRAYOID};
	int			n = list_length(changes);
	Datum	   *ids;
	Datum	   *etas;
	bool	   *eta_nulls;
	int			dims[1];
	int			lbs[1] = {1};
	Datum		values[2];
	int64	   *stored;
	int			nstored;
	List	   *done = NIL;
	ListCell   *lc;
	int			i = 0;

	if (n == 0)
		return NIL;
	ids = palloc(sizeof(Datum) * n);
	etas = palloc(sizeof(Datum) * n);
	eta_nulls = palloc(sizeof(bool) * n);
	foreach(lc, changes)
	{
		EtaChange  *change = lfirst(lc);

		ids[i] = Int64GetDatum(change->id);
		etas[i] = TimestampTzGetDatum(change->new_eta);
		eta_nulls[i] = !change->has_new;
		i++;
	}
	dims[0] = n;
	values[0] = PointerGetDatum(construct_array(ids, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[1] = PointerGetDatum(construct_md_array(etas, eta_nulls, 1, dims, lbs, TIMESTAMPTZOID,
												   sizeof(TimestampTz), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	bo_exec(bo_plan(PLAN_BACKORDER_SET_ETA,
					"WITH todo AS ("
					"  SELECT u.id, u.eta FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS u(id, eta)),"
					" free AS ("
					"  SELECT b.id FROM backorder.backorders b"
					"   WHERE b.id" OP("=") "ANY ($1) FOR NO KEY UPDATE SKIP LOCKED)"
					" UPDATE backorder.backorders b SET expected_at = todo.eta"
					"   FROM todo, free"
					"  WHERE b.id" OP("=") "todo.id AND free.id" OP("=") "todo.id"
					" RETURNING b.id",
					2, argtypes),
			values, NULL, false, 0);

	nstored = (int) SPI_processed;
	stored = palloc(sizeof(int64) * Max(nstored, 1));
	for (int j = 0; j < nstored; j++)
		stored[j] = bo_get_int64(j, 1, NULL);
	SPI_freetuptable(SPI_tuptable);
	if (nstored == n)
		return changes;
	qsort(stored, nstored, sizeof(int64), int64_cmp);
	foreach(lc, changes)
	{
		EtaChange  *change = lfirst(lc);

		if (bsearch(&change->id, stored, nstored, sizeof(int64), int64_cmp) != NULL)
			done = lappend(done, change);
	}
	return done;
}

#define QUEUE_COLUMNS \
	"SELECT id, order_id, line_no, quantity" OP("-") "filled" OP("-") "cancelled," \
	"       expected_at, priority, ordered_at FROM backorder.backorders"

/*
 * Does the SKU have an open purchase-order line with units outstanding, or
 * does the first waiting row carry a date?  Dates cover a prefix of the
 * queue in fill order, so if the first row has none, no row has one; with
 * neither, no row has or gets a date.
 */
static bool
has_supply_or_promises(Datum *values)
{
	static const Oid argtypes[] = {TEXTOID};
	bool		isnull;
	bool		result;

	bo_exec(bo_plan(PLAN_ETA_PROBE,
					"SELECT EXISTS (SELECT 1 FROM backorder.purchase_orders"
					"                WHERE sku" OP("=") "$1 AND status" OP("=") "'open'"
					"                  AND quantity" OP(">") "received)"
					"    OR COALESCE((SELECT expected_at IS NOT NULL FROM backorder.backorders"
					"                  WHERE sku" OP("=") "$1 AND status" OP("=") "'waiting'"
					"                  ORDER BY priority DESC, ordered_at, id LIMIT 1), false)",
					1, argtypes),
			values, NULL, false, 1);
	result = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_freetuptable(SPI_tuptable);
	return result;
}

/* The queue of a SKU in fill order, from its first waiting row, as a cursor. */
static Portal
open_queue(Datum sku, int64 limit)
{
	static const Oid walk_types[] = {TEXTOID, INT8OID};
	Datum		walk_values[2];

	walk_values[0] = sku;
	walk_values[1] = Int64GetDatum(limit);
	return SPI_cursor_open(NULL,
						   bo_plan_opts(PLAN_QUEUE_ETA,
										QUEUE_COLUMNS
										" WHERE sku" OP("=") "$1 AND status" OP("=") "'waiting'"
										" ORDER BY priority DESC, ordered_at, id LIMIT $2",
										2, walk_types, CURSOR_OPT_FAST_PLAN),
						   walk_values, NULL, false);
}

/*
 * The merge of the queue (fill order) with the supply (running totals),
 * from the front of the queue: covered rows get the date of the first
 * purchase-order line whose running total reaches theirs, the rows after
 * them none.  Dates are monotone in fill order and cover a prefix of the
 * queue, so the walk stops
 *   - after the first row whose running total exceeds stop_after units
 *     (stop_after < 0: never; the caller knows no later row changes), and
 *   - past the covered rows, at the first row (not just written) that has
 *     no date: every row after it has none either; unless to_end (the
 *     queue order changed: a row that kept its date may have moved behind
 *     rows without one), which walks the whole queue.
 * A SKU whose supply covers n units costs at most n + 1 rows plus the
 * previously promised rows that lose their date.
 *
 * (A row another transaction holds locked keeps its old date; see
 * store_etas.  That transaction recomputes before it commits, and the rows
 * it locks and keeps waiting are its own line's, or the first row.)
 */
static List *
merge_queue(Datum sku, const Supply *supply, int64 stop_after, bool to_end,
			const int64 *fresh_ids, int nfresh)
{
	List	   *changes = NIL;
	int64		total = supply->n > 0 ? supply->cum[supply->n - 1] : 0;
	int64		running = 0;
	int			p = 0;
	bool		beyond = (supply->n == 0);
	bool		done = false;
	long		fetch = 0;
	Portal		portal;

	portal = open_queue(sku, PG_INT64_MAX);
	while (!done)
	{
		int			n;
		QueuePos   *batch;

		/*
		 * each row waits for at least one unit: while covered, fetch no more
		 * than can be covered, plus one; past them, a few rows, then more
		 */
		if (!beyond)
			fetch = (long) Min(ETA_BATCH, total - running + 1);
		else
			fetch = fetch < 16 ? 16 : Min(ETA_BATCH, fetch * 4);
		if (stop_after >= 0)
			fetch = (long) Min(fetch, Max(stop_after - running, 0) + 1);
		SPI_cursor_fetch(portal, true, fetch);
		n = (int) SPI_processed;
		if (n == 0)
			break;
		batch = palloc(sizeof(QueuePos) * n);
		for (int i = 0; i < n; i++)
			read_pos(i, &batch[i]);
		SPI_freetuptable(SPI_tuptable);

		for (int i = 0; i < n && !done; i++)
		{
			bool		fresh = is_fresh(batch[i].id, fresh_ids, nfresh);

			if (beyond)
			{
				if (!batch[i].had_old && !fresh && !to_end)
				{
					done = true;	/* no date here, none after */
					break;
				}
				changes = set_eta(changes, &batch[i], false, 0, fresh_ids, nfresh);
				continue;
			}
			running = bo_add(running, batch[i].waiting, "waiting units");
			while (p < supply->n && supply->cum[p] < running)
				p++;
			if (p < supply->n)
				changes = set_eta(changes, &batch[i], true, supply->at[p], fresh_ids, nfresh);
			else
			{
				changes = set_eta(changes, &batch[i], false, 0, fresh_ids, nfresh);
				beyond = true;
			}
			/* past stop_after units no row changes (the first row is always seen) */
			if (stop_after >= 0 && running > stop_after)
				done = true;
		}
		pfree(batch);
	}
	SPI_cursor_close(portal);
	return changes;
}

/*
 * The promise lock of a SKU: a transaction-level advisory lock, taken as
 * the last lock of every statement that recomputes promises.  Whoever holds
 * it has seen every committed change of the SKU's queue and supply, and
 * every uncommitted one will be recomputed again by its own transaction
 * after this one commits.  It is separate from the item row lock so that a
 * priority update, which holds its order line before any trigger runs,
 * never waits for the item row while a receipt holding that row waits for
 * the line.  Under it nothing waits for a row lock (see set_eta), so its
 * holder always finishes.
 */
void
eta_lock(const char *sku)
{
	LOCKTAG		tag;
	uint64		h = hash_bytes_extended((const unsigned char *) sku, strlen(sku), 0);

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) (h >> 32), (uint32) h, ETA_LOCK_CLASS);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}

/*
 * Recompute the promised dates of one SKU's waiting rows, under its promise
 * lock.  Returns the rows whose date changed, in fill order
 * (rows in fresh_ids, just written, are flagged so no event is emitted).
 */
static List *
recompute(const char *sku, bool reordered, const int64 *fresh_ids, int nfresh)
{
	Supply		supply;
	Datum		values[1];

	eta_lock(sku);
	values[0] = CStringGetTextDatum(sku);
	if (!reordered && !has_supply_or_promises(values))
		return NIL;				/* every row has no date and keeps none */
	load_supply(sku, &supply);
	return store_etas(merge_queue(values[0], &supply, -1, reordered, fresh_ids, nfresh));
}

List *
eta_recompute(const char *sku, const int64 *fresh_ids, int nfresh)
{
	return recompute(sku, false, fresh_ids, nfresh);
}

/*
 * After a receipt that named purchase-order line (po_id, po_expected_at),
 * took supply_shift units off its outstanding units and allocated
 * `allocated` units to the front of the queue.
 *
 * When the two are equal, the running totals of the rest of the queue and
 * of that line and every line after it (in (expected_at,
 * purchase_order_id) order) fall by the same amount: a row whose running
 * total is still above the units of the lines before the named one keeps
 * its date.  Only the rows within those units can move (to an earlier
 * line), and the first waiting row, which the fill may have left locked and
 * part-filled.  Otherwise (a receipt larger than the line, or a closed or
 * cancelled line) the whole merge runs.
 */
List *
eta_recompute_after_receipt(const char *sku, const char *po_id, TimestampTz po_expected_at,
							int64 supply_shift, int64 allocated)
{
	static const Oid argtypes[] = {TEXTOID, TIMESTAMPTZOID, TEXTOID};
	Supply		supply;
	Datum		values[3];
	int64		before = 0;
	int64		running = 0;

	if (supply_shift != allocated)
		return eta_recompute(sku, NULL, 0);
	if (allocated == 0)
		return NIL;				/* neither the queue nor the supply moved */

	eta_lock(sku);
	values[0] = CStringGetTextDatum(sku);
	values[1] = TimestampTzGetDatum(po_expected_at);
	values[2] = CStringGetTextDatum(po_id);
	bo_exec(bo_plan(PLAN_PO_OPEN_SPLIT,
					"SELECT quantity" OP("-") "received, expected_at,"
					"       expected_at" OP("<") "$2 OR expected_at" OP("=") "$2"
					"         AND purchase_order_id" OP("<") "$3"
					"  FROM backorder.purchase_orders"
					" WHERE sku" OP("=") "$1 AND status" OP("=") "'open' AND quantity" OP(">") "received"
					" ORDER BY expected_at, purchase_order_id",
					3, argtypes),
			values, NULL, false, 0);
	supply.n = (int) SPI_processed;
	supply.cum = palloc(sizeof(int64) * Max(supply.n, 1));
	supply.at = palloc(sizeof(TimestampTz) * Max(supply.n, 1));
	for (int i = 0; i < supply.n; i++)
	{
		bool		isnull;

		running = bo_add(running, bo_get_int64(i, 1, NULL), "incoming units");
		supply.cum[i] = running;
		supply.at[i] = bo_get_timestamptz(i, 2, NULL);
		if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3, &isnull)))
			before = running;
	}
	SPI_freetuptable(SPI_tuptable);
	return store_etas(merge_queue(values[0], &supply, before, false, NULL, 0));
}

/* The new date of a row listed in changes; false if NULL or not listed. */
bool
eta_lookup(List *changes, int64 id, TimestampTz *eta)
{
	ListCell   *lc;

	foreach(lc, changes)
	{
		EtaChange  *change = lfirst(lc);

		if (change->id == id)
		{
			*eta = change->new_eta;
			return change->has_new;
		}
	}
	return false;
}

/* The stored date of a backorder row; false when NULL. */
bool
eta_of(int64 backorder_id, TimestampTz *eta)
{
	static const Oid argtypes[] = {INT8OID};
	Datum		values[1];
	bool		isnull = true;

	values[0] = Int64GetDatum(backorder_id);
	bo_exec(bo_plan(PLAN_BACKORDER_ETA_OF,
					"SELECT expected_at FROM backorder.backorders WHERE id" OP("=") "$1",
					1, argtypes),
			values, NULL, false, 1);
	if (SPI_processed > 0)
		*eta = bo_get_timestamptz(0, 1, &isnull);
	return !isnull;
}

/* One eta_changed event per changed row that was not just written. */
void
eta_emit(const char *sku, List *changes)
{
	event_eta_changed_many(sku, changes);
}

/*
 * Remember that a SKU's promises must be recomputed at the end of the
 * current statement.  The entry records the engine depth of the statement
 * (0 for a user's own statement), so that the AFTER STATEMENT trigger of a
 * statement the engine runs inside another one (a receipt's update of its
 * purchase-order line) flushes only what that inner statement deferred.
 */
static DeferredSku *
entry_for(const char *sku)
{
	int			depth = bo_engine_depth();
	ListCell   *lc;
	DeferredSku *d;
	MemoryContext old;

	foreach(lc, deferred_skus)
	{
		d = (DeferredSku *) lfirst(lc);
		if (d->depth == depth && strcmp(d->sku, sku) == 0)
			return d;
	}
	old = MemoryContextSwitchTo(TopTransactionContext);
	d = palloc0(sizeof(DeferredSku));
	d->sku = pstrdup(sku);
	d->depth = depth;
	deferred_skus = lappend(deferred_skus, d);
	MemoryContextSwitchTo(old);
	return d;
}

void
eta_defer(const char *sku)
{
	entry_for(sku)->full = true;
}

static DeferredSku *
deferred_entry(const char *sku)
{
	DeferredSku *d = entry_for(sku);

	d->full = true;
	return d;
}

static int64 *
append_ids(int64 *ids, int have, const int64 *more, int n)
{
	int64	   *all;

	if (n == 0)
		return ids;
	all = MemoryContextAlloc(TopTransactionContext, sizeof(int64) * (have + n));
	if (have > 0)
		memcpy(all, ids, sizeof(int64) * have);
	memcpy(all + have, more, sizeof(int64) * n);
	return all;
}

/* Recompute one SKU's promises, then date its pending `backordered` events. */
static void
repromise(const char *sku, const int64 *fresh, int nfresh,
		  const int64 *event_ids, const int64 *event_rows, int nevents)
{
	List	   *changes = eta_recompute(sku, fresh, nfresh);

	event_set_etas(event_ids, event_rows, nevents);
	eta_emit(sku, changes);
}

/*
 * The flush of one SKU's entries (several only when statements at several
 * depths deferred it): a lone receipt naming a purchase-order line
 * re-promises only the rows whose date can move; anything else merges the
 * whole covered queue (the whole queue when its order changed).
 */
static void
repromise_group(List *group, const int64 *fresh, int nfresh,
				const int64 *event_ids, const int64 *event_rows, int nevents)
{
	DeferredSku *d = (DeferredSku *) linitial(group);
	bool		reordered = false;
	List	   *changes;
	ListCell   *lc;

	foreach(lc, group)
		reordered |= ((DeferredSku *) lfirst(lc))->reordered;
	if (list_length(group) == 1 && !d->full && d->nreceipts == 1)
		changes = eta_recompute_after_receipt(d->sku, d->po_id, d->po_expected_at,
											  d->supply_shift, d->allocated);
	else
		changes = recompute(d->sku, reordered, fresh, nfresh);
	event_set_etas(event_ids, event_rows, nevents);
	eta_emit(d->sku, changes);
}

/*
 * A negative adjustment took reserved units back into n backorder rows
 * (is_new: written just now) and wrote their `backordered` events without
 * a date: recompute and date them at the end of the statement, or now
 * without the flush trigger (see eta_defer_or_recompute).  Called outside
 * the engine scope.
 */
void
eta_defer_take_back(Relation rel, const char *sku, int n, const int64 *event_ids,
					const int64 *backorder_ids, const bool *is_new)
{
	int64	   *fresh = palloc(sizeof(int64) * Max(n, 1));
	int			nfresh = 0;
	BoScope		scope;

	for (int i = 0; i < n; i++)
		if (is_new[i])
			fresh[nfresh++] = backorder_ids[i];

	if (rel->trigdesc != NULL && rel->trigdesc->trig_insert_after_statement)
	{
		DeferredSku *d = deferred_entry(sku);

		d->fresh = append_ids(d->fresh, d->nfresh, fresh, nfresh);
		d->nfresh += nfresh;
		d->event_ids = append_ids(d->event_ids, d->nevents, event_ids, n);
		d->event_rows = append_ids(d->event_rows, d->nevents, backorder_ids, n);
		d->nevents += n;
		return;
	}
	bo_scope_enter(&scope, rel->rd_rel->relowner);
	repromise(sku, fresh, nfresh, event_ids, backorder_ids, n);
	bo_scope_leave(&scope);
}

/*
 * A ledger row changed a SKU's queue or supply: defer the recompute to the
 * end of the statement when the ledger has its AFTER STATEMENT flush
 * trigger (1.1), so that the promise lock comes after every row lock of
 * the statement; without it (1.0's objects, before ALTER EXTENSION UPDATE)
 * recompute now.  Called outside the engine scope.  Returns true if
 * deferred.
 */
bool
eta_defer_or_recompute(Relation rel, const char *sku)
{
	BoScope		scope;

	if (rel->trigdesc != NULL && rel->trigdesc->trig_insert_after_statement)
	{
		eta_defer(sku);
		return true;
	}
	bo_scope_enter(&scope, rel->rd_rel->relowner);
	eta_emit(sku, eta_recompute(sku, NULL, 0));
	bo_scope_leave(&scope);
	return false;
}

/*
 * A receipt named purchase-order line (po_id, po_expected_at), took
 * supply_shift units off its outstanding units and allocated `allocated`
 * units: defer as eta_defer_or_recompute does, remembering what moved, so
 * that a statement of one receipt re-promises only the rows whose date can
 * change.  Called outside the engine scope.
 */
void
eta_defer_receipt(Relation rel, const char *sku, const char *po_id, TimestampTz po_expected_at,
				  int64 supply_shift, int64 allocated)
{
	BoScope		scope;

	if (rel->trigdesc != NULL && rel->trigdesc->trig_insert_after_statement)
	{
		DeferredSku *d = entry_for(sku);

		if (++d->nreceipts == 1)
		{
			d->po_id = MemoryContextStrdup(TopTransactionContext, po_id);
			d->po_expected_at = po_expected_at;
			d->supply_shift = supply_shift;
			d->allocated = allocated;
		}
		return;
	}
	bo_scope_enter(&scope, rel->rd_rel->relowner);
	eta_emit(sku, eta_recompute_after_receipt(sku, po_id, po_expected_at, supply_shift, allocated));
	bo_scope_leave(&scope);
}

void
eta_reset_deferred(void)
{
	/* the memory goes with TopTransactionContext */
	deferred_skus = NIL;
}

static int
deferred_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(((const DeferredSku *) lfirst(a))->sku, ((const DeferredSku *) lfirst(b))->sku);
}

/*
 * AFTER ... FOR EACH STATEMENT on purchase_orders, order_lines and the
 * ledgers (receipts, cancellations, adjustments): recompute the promises of
 * every SKU the statement deferred, in sku order (byte order, as everywhere
 * in the engine), after every row lock of the statement.  Entries of an
 * enclosing statement (lower depth) stay for its own flush.  No item row
 * is locked: the promise lock serialises recomputes.
 */
Datum
backorder_tg_eta_flush(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	int			depth = bo_engine_depth();
	List	   *flush = NIL;
	List	   *keep = NIL;
	ListCell   *lc;
	BoScope		scope;
	MemoryContext old;

	bo_check_trigger(fcinfo, "backorder_tg_eta_flush", false, false, -1);
	if (deferred_skus == NIL)
		return PointerGetDatum(NULL);

	old = MemoryContextSwitchTo(TopTransactionContext);
	foreach(lc, deferred_skus)
	{
		DeferredSku *d = (DeferredSku *) lfirst(lc);

		if (d->depth < depth)
			keep = lappend(keep, d);
		else
			flush = lappend(flush, d);
	}
	MemoryContextSwitchTo(old);
	deferred_skus = keep;
	if (flush == NIL)
		return PointerGetDatum(NULL);
	list_sort(flush, deferred_cmp);

	bo_scope_enter(&scope, trigdata->tg_relation->rd_rel->relowner);
	for (int i = 0; i < list_length(flush);)
	{
		DeferredSku *d = (DeferredSku *) list_nth(flush, i);
		int64	   *fresh = d->fresh;
		int64	   *event_ids = d->event_ids;
		int64	   *event_rows = d->event_rows;
		int			nfresh = d->nfresh;
		int			nevents = d->nevents;
		int			j;

		/* entries of one sku from several depths: one recompute */
		for (j = i + 1; j < list_length(flush); j++)
		{
			DeferredSku *e = (DeferredSku *) list_nth(flush, j);

			if (strcmp(e->sku, d->sku) != 0)
				break;
			fresh = append_ids(fresh, nfresh, e->fresh, e->nfresh);
			nfresh += e->nfresh;
			event_ids = append_ids(event_ids, nevents, e->event_ids, e->nevents);
			event_rows = append_ids(event_rows, nevents, e->event_rows, e->nevents);
			nevents += e->nevents;
		}
		repromise_group(list_truncate(list_copy_tail(flush, i), j - i),
						fresh, nfresh, event_ids, event_rows, nevents);
		i = j;
	}
	bo_scope_leave(&scope);
	return PointerGetDatum(NULL);
}

/*
 * AFTER UPDATE OF priority on order_lines (when it changes): the line's
 * backorder rows follow, and the SKU's promises are recomputed at the end
 * of the statement.  No stock moves, so the item row is not locked: the
 * line is already locked, and every other path locks the item before its
 * lines.
 */
Datum
backorder_tg_priority(PG_FUNCTION_ARGS)
{
	static const Oid argtypes[] = {TEXTOID, INT4OID, INT4OID};
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	HeapTuple	newtuple;
	TupleDesc	desc;
	bool		isnull;
	char	   *order_id;
	char	   *sku;
	Datum		values[3];
	BoScope		scope;

	bo_check_trigger(fcinfo, "backorder_tg_priority", false, true, TRIGGER_EVENT_UPDATE);
	rel = trigdata->tg_relation;
	newtuple = trigdata->tg_newtuple;
	desc = RelationGetDescr(rel);

	order_id = TextDatumGetCString(heap_getattr(newtuple, SPI_fnumber(desc, "order_id"), desc, &isnull));
	sku = TextDatumGetCString(heap_getattr(newtuple, SPI_fnumber(desc, "sku"), desc, &isnull));
	values[0] = CStringGetTextDatum(order_id);
	values[1] = heap_getattr(newtuple, SPI_fnumber(desc, "line_no"), desc, &isnull);
	values[2] = heap_getattr(newtuple, SPI_fnumber(desc, "priority"), desc, &isnull);

	bo_scope_enter(&scope, rel->rd_rel->relowner);
	bo_exec(bo_plan(PLAN_BACKORDER_SET_PRIORITY,
					"UPDATE backorder.backorders SET priority = $3"
					" WHERE order_id" OP("=") "$1 AND line_no" OP("=") "$2"
					" RETURNING status" OP("=") "'waiting'",
					3, argtypes),
			values, NULL, false, 0);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		waiting_null;

		if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &waiting_null)))
		{
			deferred_entry(sku)->reordered = true;
			break;
		}
	}
	bo_scope_leave(&scope);
	return PointerGetDatum(NULL);
}
