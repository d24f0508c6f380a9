/*-------------------------------------------------------------------------
 * src/events.c
 *		The outbox: events written in the transaction that made the change,
 *		NOTIFY backorder_events at its commit, and the consumers' side:
 *		claim_events() and purge_events().
 *
 * Claiming marks events with claimed_at.  The partial index on unclaimed
 * ids keeps a claim as cheap with millions of claimed events as with none;
 * FOR UPDATE SKIP LOCKED keeps concurrent claimers apart; a claim that
 * rolls back leaves its events unclaimed; an event committed late (with a
 * lower id) is simply still unclaimed when it becomes visible.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/async.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "backorder.h"

PG_FUNCTION_INFO_V1(backorder_claim_events);
PG_FUNCTION_INFO_V1(backorder_purge_events);

#define OP(o) " OPERATOR(pg_catalog." o ") "
#define EVENTS_CHANNEL "backorder_events"

/* One event, detail NULL (backordered, cancelled). */
static void
event_write(const char *kind, const char *order_id, int32 line_no, const char *sku, int64 units,
			bool has_eta, TimestampTz eta)
{
	static const Oid argtypes[] = {TEXTOID, TEXTOID, INT4OID, TEXTOID, INT8OID, TIMESTAMPTZOID};
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};

	values[0] = CStringGetTextDatum(kind);
	values[1] = CStringGetTextDatum(order_id);
	values[2] = Int32GetDatum(line_no);
	values[3] = CStringGetTextDatum(sku);
	values[4] = Int64GetDatum(units);
	values[5] = TimestampTzGetDatum(eta);
	nulls[5] = has_eta ? ' ' : 'n';
	bo_exec(bo_plan(PLAN_EVENT_INSERT,
					"INSERT INTO backorder.events (at, kind, order_id, line_no, sku, quantity, expected_at)"
					" VALUES (pg_catalog.now(), $1, $2, $3, $4, $5, $6)",
					6, argtypes),
			values, nulls, false, 0);
	Async_Notify(EVENTS_CHANNEL, NULL);
}

void
event_backordered(const char *order_id, int32 line_no, const char *sku, int64 units,
				  bool has_eta, TimestampTz eta)
{
	event_write("backordered", order_id, line_no, sku, units, has_eta, eta);
}

/*
 * A `backordered` event whose expected_at is set later, once the SKU's
 * promises are recomputed (event_set_etas).  Returns its id.
 */
int64
event_backordered_pending(const char *order_id, int32 line_no, const char *sku, int64 units)
{
	static const Oid argtypes[] = {TEXTOID, INT4OID, TEXTOID, INT8OID};
	Datum		values[4];

	values[0] = CStringGetTextDatum(order_id);
	values[1] = Int32GetDatum(line_no);
	values[2] = CStringGetTextDatum(sku);
	values[3] = Int64GetDatum(units);
	bo_exec(bo_plan(PLAN_EVENT_INSERT_PENDING,
					"INSERT INTO backorder.events (at, kind, order_id, line_no, sku, quantity, expected_at)"
					" VALUES (pg_catalog.now(), 'backordered', $1, $2, $3, $4, NULL) RETURNING id",
					4, argtypes),
			values, NULL, false, 0);
	Async_Notify(EVENTS_CHANNEL, NULL);
	return bo_get_int64(0, 1, NULL);
}

/*
 * Each pending `backordered` event (event_ids[i]) takes the stored
 * expected_at of its backorder row (backorder_ids[i]).
 */
void
event_set_etas(const int64 *event_ids, const int64 *backorder_ids, int n)
{
	static const Oid argtypes[] = {INT8ARRAYOID, INT8ARRAYOID};
	Datum	   *e = palloc(sizeof(Datum) * Max(n, 1));
	Datum	   *b = palloc(sizeof(Datum) * Max(n, 1));
	Datum		values[2];

	if (n == 0)
		return;
	for (int i = 0; i < n; i++)
	{
		e[i] = Int64GetDatum(event_ids[i]);
		b[i] = Int64GetDatum(backorder_ids[i]);
	}
	values[0] = PointerGetDatum(construct_array(e, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[1] = PointerGetDatum(construct_array(b, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	bo_exec(bo_plan(PLAN_EVENTS_SET_ETA,
					"UPDATE backorder.events e SET expected_at = b.expected_at"
					"  FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS u(event_id, backorder_id),"
					"       backorder.backorders b"
					" WHERE e.id" OP("=") "u.event_id AND b.id" OP("=") "u.backorder_id",
					2, argtypes),
			values, NULL, false, 0);
}

void
event_cancelled(const char *order_id, int32 line_no, const char *sku, int64 units)
{
	event_write("cancelled", order_id, line_no, sku, units, false, 0);
}

/*
 * One allocated event per element of the arrays in values (sku, order_ids,
 * line_nos, units, remaining), in array order (fill order).
 */
void
event_allocated_many(Datum *values, const Oid *argtypes)
{
	bo_exec(bo_plan(PLAN_EVENTS_ALLOCATED_MANY,
					"INSERT INTO backorder.events (at, kind, order_id, line_no, sku, quantity, expected_at, detail)"
					" SELECT pg_catalog.now(), 'allocated', e.order_id, e.line_no, $1, e.units, NULL,"
					"        pg_catalog.jsonb_build_object('remaining', e.remaining)"
					"   FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4),"
					"                   pg_catalog.unnest($5)) WITH ORDINALITY AS e(order_id, line_no, units, remaining, n)"
					"  ORDER BY e.n",
					5, argtypes),
			values, NULL, false, 0);
	Async_Notify(EVENTS_CHANNEL, NULL);
}

/*
 * One eta_changed event per change that is not flagged fresh, written in
 * one statement in the list's order (fill order).
 */
void
event_eta_changed_many(const char *sku, List *changes)
{
	static const Oid argtypes[] = {TEXTOID, TEXTARRAYOID, INT4ARRAYOID, INT8ARRAYOID,
	TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID};
	int			n = 0;
	int			cap = list_length(changes);
	Datum	   *order_ids,
			   *line_nos,
			   *units,
			   *olds,
			   *news;
	bool	   *old_nulls,
			   *new_nulls;
	int			dims[1];
	int			lbs[1] = {1};
	Datum		values[6];
	ListCell   *lc;

	if (cap == 0)
		return;
	order_ids = palloc(sizeof(Datum) * cap);
	line_nos = palloc(sizeof(Datum) * cap);
	units = palloc(sizeof(Datum) * cap);
	olds = palloc(sizeof(Datum) * cap);
	news = palloc(sizeof(Datum) * cap);
	old_nulls = palloc(sizeof(bool) * cap);
	new_nulls = palloc(sizeof(bool) * cap);
	foreach(lc, changes)
	{
		EtaChange  *change = lfirst(lc);

		if (change->fresh)
			continue;
		order_ids[n] = CStringGetTextDatum(change->order_id);
		line_nos[n] = Int32GetDatum(change->line_no);
		units[n] = Int64GetDatum(change->waiting);
		olds[n] = TimestampTzGetDatum(change->old_eta);
		old_nulls[n] = !change->had_old;
		news[n] = TimestampTzGetDatum(change->new_eta);
		new_nulls[n] = !change->has_new;
		n++;
	}
	if (n == 0)
		return;
	dims[0] = n;
	values[0] = CStringGetTextDatum(sku);
	values[1] = PointerGetDatum(construct_array(order_ids, n, TEXTOID, -1, false, TYPALIGN_INT));
	values[2] = PointerGetDatum(construct_array(line_nos, n, INT4OID, sizeof(int32), true, TYPALIGN_INT));
	values[3] = PointerGetDatum(construct_array(units, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[4] = PointerGetDatum(construct_md_array(olds, old_nulls, 1, dims, lbs, TIMESTAMPTZOID,
												   sizeof(TimestampTz), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[5] = PointerGetDatum(construct_md_array(news, new_nulls, 1, dims, lbs, TIMESTAMPTZOID,
												   sizeof(TimestampTz), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	bo_exec(bo_plan(PLAN_EVENTS_ETA_MANY,
					"INSERT INTO backorder.events (at, kind, order_id, line_no, sku, quantity, expected_at, detail)"
					" SELECT pg_catalog.now(), 'eta_changed', e.order_id, e.line_no, $1, e.units, e.new,"
					"        pg_catalog.jsonb_build_object('old', e.old, 'new', e.new)"
					"   FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4),"
					"                   pg_catalog.unnest($5), pg_catalog.unnest($6)) WITH ORDINALITY"
					"        AS e(order_id, line_no, units, old, new, n)"
					"  ORDER BY e.n",
					6, argtypes),
			values, NULL, false, 0);
	Async_Notify(EVENTS_CHANNEL, NULL);
}

/* claim_events(max_events integer) returns setof events */
Datum
backorder_claim_events(PG_FUNCTION_ARGS)
{
	static const Oid argtypes[] = {INT4OID};
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BoScope		scope;
	Datum		values[1];

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("max_events must not be NULL")));
	if (PG_GETARG_INT32(0) < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_events must be at least 1, not %d", PG_GETARG_INT32(0))));

	InitMaterializedSRF(fcinfo, 0);
	bo_scope_enter(&scope, bo_owner());
	values[0] = PG_GETARG_DATUM(0);
	bo_exec(bo_plan(PLAN_EVENTS_CLAIM,
					"WITH picked AS ("
					"  SELECT id FROM backorder.events WHERE claimed_at IS NULL"
					"   ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED),"
					" claimed AS ("
					"  UPDATE backorder.events e SET claimed_at = pg_catalog.now()"
					"    FROM picked WHERE e.id" OP("=") "picked.id AND e.claimed_at IS NULL"
					"  RETURNING e.*)"
					" SELECT * FROM claimed ORDER BY id",
					1, argtypes),
			values, NULL, false, 0);
	for (uint64 i = 0; i < SPI_processed; i++)
		tuplestore_puttuple(rsinfo->setResult, SPI_tuptable->vals[i]);
	bo_scope_leave(&scope);
	return (Datum) 0;
}

/* purge_events(older_than interval) returns bigint */
Datum
backorder_purge_events(PG_FUNCTION_ARGS)
{
	static const Oid argtypes[] = {INTERVALOID};
	Interval	zero;
	BoScope		scope;
	Datum		values[1];
	int64		purged;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("older_than must not be NULL")));
	memset(&zero, 0, sizeof(zero));
	if (DatumGetInt32(DirectFunctionCall2(interval_cmp, PG_GETARG_DATUM(0), IntervalPGetDatum(&zero))) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("older_than must not be negative: %s",
						DatumGetCString(DirectFunctionCall1(interval_out, PG_GETARG_DATUM(0))))));

	bo_scope_enter(&scope, bo_owner());
	values[0] = PG_GETARG_DATUM(0);
	bo_exec(bo_plan(PLAN_EVENTS_PURGE,
					"DELETE FROM backorder.events"
					" WHERE claimed_at IS NOT NULL AND at" OP("<") "(pg_catalog.now()" OP("-") "$1)",
					1, argtypes),
			values, NULL, false, 0);
	purged = (int64) SPI_processed;
	bo_scope_leave(&scope);
	PG_RETURN_INT64(purged);
}
