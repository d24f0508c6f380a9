/*-------------------------------------------------------------------------
 * src/spi_util.c
 *		The engine scope (owner switch + engine-write flag), kept SPI plans
 *		and small helpers to read SPI results.
 *
 * Every engine query is prepared once per backend, kept with SPI_keepplan
 * and re-prepared only when PostgreSQL says it is no longer valid (after the
 * extension is dropped and created again, say).  Query texts name every
 * object with its schema and every operator with OPERATOR(pg_catalog.x), so
 * the caller's search_path cannot change what they do.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "common/int.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "backorder.h"

static SPIPlanPtr plans[BO_PLAN_COUNT];

/*
 * engine_depth > 0 while the engine itself writes: the guard triggers then
 * let the write through.  It is restored by bo_scope_leave, and on abort of
 * a (sub)transaction by the callbacks below, so that a caught error can
 * never leave it raised.
 */
static int	engine_depth = 0;
static int *depth_stack = NULL;
static int	depth_stack_len = 0;
static int	depth_stack_size = 0;

/*
 * The kept plan of an engine query, prepared on first use.  Engine queries
 * look rows up by key or walk one SKU's partial index, so their best plan
 * does not depend on the values: they use a generic plan from the start
 * instead of being planned again for each call.
 */
SPIPlanPtr
bo_plan(BoPlanKey key, const char *sql, int nargs, const Oid *argtypes)
{
	return bo_plan_opts(key, sql, nargs, argtypes, CURSOR_OPT_GENERIC_PLAN);
}

/*
 * The same with cursor options: the queue walks read a cursor a batch at a
 * time and stop early, so they are planned for their first rows
 * (CURSOR_OPT_FAST_PLAN): an index scan in fill order, never a sort of the
 * whole queue.
 */
SPIPlanPtr
bo_plan_opts(BoPlanKey key, const char *sql, int nargs, const Oid *argtypes, int cursor_options)
{
	SPIPlanPtr	plan = plans[key];

	if (plan != NULL && SPI_plan_is_valid(plan))
		return plan;
	if (plan != NULL)
	{
		SPI_freeplan(plan);
		plans[key] = NULL;
	}
	plan = SPI_prepare_cursor(sql, nargs, (Oid *) argtypes, cursor_options);
	if (plan == NULL)
		elog(ERROR, "backorder: SPI_prepare failed for \"%s\": %s",
			 sql, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "backorder: SPI_keepplan failed");
	plans[key] = plan;
	return plan;
}

Oid
bo_owner(void)
{
	Oid			nsp = get_namespace_oid("backorder", false);
	Oid			relid = get_relname_relid("items", nsp);
	HeapTuple	tp;
	Oid			owner;

	if (!OidIsValid(relid))
		elog(ERROR, "backorder: table backorder.items is missing");
	tp = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tp))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tp))->relowner;
	ReleaseSysCache(tp);
	return owner;
}

void
bo_scope_enter(BoScope *scope, Oid owner)
{
	GetUserIdAndSecContext(&scope->save_userid, &scope->save_sec_context);
	SetUserIdAndSecContext(owner, scope->save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
	scope->save_depth = engine_depth;
	engine_depth++;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "backorder: SPI_connect failed");
}

void
bo_scope_leave(BoScope *scope)
{
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "backorder: SPI_finish failed");
	engine_depth = scope->save_depth;
	SetUserIdAndSecContext(scope->save_userid, scope->save_sec_context);
}

bool
bo_engine_active(void)
{
	return engine_depth > 0;
}

/* How many engine scopes are open: 0 in a user's own statement. */
int
bo_engine_depth(void)
{
	return engine_depth;
}

void
bo_reset_engine_depth(void)
{
	engine_depth = 0;
	depth_stack_len = 0;
}

/* Subtransaction callback: remember the depth at each savepoint, restore it
 * when the subtransaction aborts. */
void
bo_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	switch (event)
	{
		case SUBXACT_EVENT_START_SUB:
			if (depth_stack_len == depth_stack_size)
			{
				int			newsize = depth_stack_size ? depth_stack_size * 2 : 16;

				if (depth_stack == NULL)
					depth_stack = MemoryContextAlloc(TopMemoryContext, newsize * sizeof(int));
				else
					depth_stack = repalloc(depth_stack, newsize * sizeof(int));
				depth_stack_size = newsize;
			}
			depth_stack[depth_stack_len++] = engine_depth;
			break;
		case SUBXACT_EVENT_COMMIT_SUB:
			if (depth_stack_len > 0)
				depth_stack_len--;
			break;
		case SUBXACT_EVENT_ABORT_SUB:
			if (depth_stack_len > 0)
				engine_depth = depth_stack[--depth_stack_len];
			break;
		default:
			break;
	}
}

int
bo_exec(SPIPlanPtr plan, Datum *values, const char *nulls, bool read_only, long count)
{
	int			rc = SPI_execute_plan(plan, values, nulls, read_only, count);

	if (rc < 0)
		elog(ERROR, "backorder: SPI_execute_plan failed: %s", SPI_result_code_string(rc));
	return rc;
}

int64
bo_get_int64(int row, int col, bool *isnull)
{
	bool		null;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &null);

	if (isnull)
		*isnull = null;
	return null ? 0 : DatumGetInt64(d);
}

int32
bo_get_int32(int row, int col)
{
	bool		null;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &null);

	return null ? 0 : DatumGetInt32(d);
}

char *
bo_get_text(int row, int col)
{
	bool		null;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &null);

	return null ? NULL : TextDatumGetCString(d);
}

TimestampTz
bo_get_timestamptz(int row, int col, bool *isnull)
{
	bool		null;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &null);

	if (isnull)
		*isnull = null;
	return null ? 0 : DatumGetTimestampTz(d);
}

/* a + b, or 22003 naming what overflowed */
int64
bo_add(int64 a, int64 b, const char *what)
{
	int64		r;

	if (pg_add_s64_overflow(a, b, &r))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s would overflow bigint: " INT64_FORMAT " + " INT64_FORMAT,
						what, a, b)));
	return r;
}
