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
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "backorder.h"

PG_FUNCTION_INFO_V1(backorder_claim_events);
PG_FUNCTION_INFO_V1(backorder_purge_events);

#define OP(o) " OPERATOR(pg_catalog." o ") "
#define EVENTS_CHANNEL "backorder_events"

static void
event_write(const char *kind, const char *order_id, int32 line_no, const char *sku, int64 units,
			bool has_eta, TimestampTz eta, bool has_remaining, int64 remaining,
			bool eta_change, bool has_old, TimestampTz old_eta)
{
	static const Oid argtypes[] = {TEXTOID, TEXTOID, INT4OID, TEXTOID, INT8OID,
	TIMESTAMPTZOID, INT8OID, TIMESTAMPTZOID, BOOLOID};
	Datum		values[9];
	char		nulls[9] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};

	values[0] = CStringGetTextDatum(kind);
	values[1] = CStringGetTextDatum(order_id);
	values[2] = Int32GetDatum(line_no);
	values[3] = CStringGetTextDatum(sku);
	values[4] = Int64GetDatum(units);
	values[5] = TimestampTzGetDatum(eta);
	nulls[5] = has_eta ? ' ' : 'n';
	values[6] = Int64GetDatum(remaining);
	nulls[6] = has_remaining ? ' ' : 'n';
	values[7] = TimestampTzGetDatum(old_eta);
	nulls[7] = has_old ? ' ' : 'n';
	values[8] = BoolGetDatum(eta_change);
	bo_exec(bo_plan(PLAN_EVENT_INSERT,
					"INSERT INTO backorder.events (at, kind, order_id, line_no, sku, quantity, expected_at, detail)"
					" VALUES (pg_catalog.now(), $1, $2, $3, $4, $5, $6,"
					"  CASE WHEN $9 THEN pg_catalog.jsonb_build_object('old', $8, 'new', $6)"
					"       WHEN $7 IS NOT NULL THEN pg_catalog.jsonb_build_object('remaining', $7)"
					"  END)",
					9, argtypes),
			values, nulls, false, 0);
	Async_Notify(EVENTS_CHANNEL, NULL);
}

void
event_backordered(const char *order_id, int32 line_no, const char *sku, int64 units,
				  bool has_eta, TimestampTz eta)
{
	event_write("backordered", order_id, line_no, sku, units, has_eta, eta, false, 0, false, false, 0);
}

void
event_allocated(const char *order_id, int32 line_no, const char *sku, int64 units, int64 remaining)
{
	event_write("allocated", order_id, line_no, sku, units, false, 0, true, remaining, false, false, 0);
}

void
event_cancelled(const char *order_id, int32 line_no, const char *sku, int64 units)
{
	event_write("cancelled", order_id, line_no, sku, units, false, 0, false, 0, false, false, 0);
}

void
event_eta_changed(const char *order_id, int32 line_no, const char *sku, int64 units,
				  bool has_old, TimestampTz old_eta, bool has_new, TimestampTz new_eta)
{
	event_write("eta_changed", order_id, line_no, sku, units, has_new, new_eta, false, 0,
				true, has_old, old_eta);
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
