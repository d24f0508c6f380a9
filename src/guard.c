/*-------------------------------------------------------------------------
 * src/guard.c
 *		Who may write what: engine columns, append-only ledgers, the
 *		engine-only tables (backorders, events), no TRUNCATE, and the
 *		restore exception (a restored backorder row without ordered_at,
 *		our column, takes its line's).
 *
 * A row whose engine columns are all left out is applied by the engine.  A
 * row that arrives with every NOT NULL engine column set, written by a
 * superuser or the table's owner (pg_restore does this), is stored as it is
 * and applied to nothing.  Anything in between fails with BO006.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/datum.h"
#include "utils/rel.h"

#include "backorder.h"

PG_FUNCTION_INFO_V1(backorder_tg_forbid);
PG_FUNCTION_INFO_V1(backorder_tg_restore_only);
PG_FUNCTION_INFO_V1(backorder_tg_item_insert);

/* a restore is recognised by the 1.0 engine columns; 1.1 adds these */
static const char *const item_engine_cols[] = {"on_hand", "reserved", "backordered"};
static const char *const item_engine_cols_1_1[] = {"held", "next_hold_expiry"};
/* the contract's NOT NULL engine columns; ordered_at, ours, is derived */
static const char *const backorder_engine_cols[] = {
	"order_id", "line_no", "sku", "quantity", "filled", "cancelled",
	"priority", "created_at", "status"
};
/* (order_id and line_no are NULL in availability_changed events, 1.1) */
static const char *const event_engine_cols[] = {
	"at", "kind", "sku", "quantity"
};

static bool
attr_is_null(Relation rel, HeapTuple tuple, const char *name)
{
	int			attnum = SPI_fnumber(RelationGetDescr(rel), name);
	bool		isnull;

	if (attnum <= 0)
		elog(ERROR, "backorder: column \"%s\" missing from \"%s\"", name, RelationGetRelationName(rel));
	(void) heap_getattr(tuple, attnum, RelationGetDescr(rel), &isnull);
	return isnull;
}

/*
 * Classify a row being inserted: left out by the user, or restored whole.
 * Raises BO006 for everything else.
 */
BoRowOrigin
bo_row_origin(Relation rel, HeapTuple tuple, const char *const *engine_cols, int ncols)
{
	int			nset = 0;
	const char *first_set = NULL;
	const char *first_missing = NULL;

	for (int i = 0; i < ncols; i++)
	{
		if (attr_is_null(rel, tuple, engine_cols[i]))
		{
			if (first_missing == NULL)
				first_missing = engine_cols[i];
		}
		else
		{
			nset++;
			if (first_set == NULL)
				first_set = engine_cols[i];
		}
	}
	if (nset == 0)
		return ROW_FROM_USER;
	if (nset == ncols &&
		(superuser() || pg_class_ownercheck(RelationGetRelid(rel), GetUserId())))
		return ROW_RESTORED;
	if (nset == ncols)
		bo_error_engine_managed(rel, first_set);
	ereport(ERROR,
			(errcode(ERRCODE_BO_ENGINE_MANAGED),
			 errmsg("column \"%s\" of table \"backorder.%s\" is maintained by the engine",
					first_set, RelationGetRelationName(rel)),
			 errdetail("A row may set all of its engine columns (a restore) or none; column \"%s\" is missing.",
					   first_missing)));
	pg_unreachable();
}

/*
 * The first column of an UPDATE OF trigger that the statement names in its
 * SET list (a statement trigger), or whose value changes (a row trigger,
 * as 1.0 created them); NULL if none.
 */
static const char *
changed_column(TriggerData *trigdata)
{
	Trigger    *trigger = trigdata->tg_trigger;
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);
	bool		for_row = TRIGGER_FIRED_FOR_ROW(trigdata->tg_event);

	for (int i = 0; i < trigger->tgnattr; i++)
	{
		int			attnum = trigger->tgattr[i];
		Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
		bool		oldnull,
					newnull;
		Datum		oldval,
					newval;

		if (!for_row)
		{
			if (bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber, trigdata->tg_updatedcols))
				return NameStr(att->attname);
			continue;
		}
		oldval = heap_getattr(trigdata->tg_trigtuple, attnum, desc, &oldnull);
		newval = heap_getattr(trigdata->tg_newtuple, attnum, desc, &newnull);
		if (oldnull != newnull ||
			(!oldnull && !datumIsEqual(oldval, newval, att->attbyval, att->attlen)))
			return NameStr(att->attname);
	}
	return NULL;
}

/*
 * BEFORE UPDATE / DELETE (row or statement) and BEFORE TRUNCATE: refuse
 * unless the engine writes (the engine never truncates).
 * The trigger's first argument says what is allowed instead.
 */
Datum
backorder_tg_forbid(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const char *why;
	const char *table;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"backorder_tg_forbid\" must be fired BEFORE")));

	if (bo_engine_active())
	{
		if (TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
			return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
								   trigdata->tg_newtuple : trigdata->tg_trigtuple);
		return PointerGetDatum(NULL);
	}

	why = trigdata->tg_trigger->tgnargs > 0 ? trigdata->tg_trigger->tgargs[0] : "the engine maintains it";
	table = RelationGetRelationName(trigdata->tg_relation);

	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) && trigdata->tg_trigger->tgnattr > 0)
	{
		const char *column = changed_column(trigdata);

		if (column != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_BO_ENGINE_MANAGED),
					 errmsg("column \"%s\" of table \"backorder.%s\" may not be updated", column, table),
					 errdetail("In backorder.%s, %s.", table, why)));
		ereport(ERROR,
				(errcode(ERRCODE_BO_ENGINE_MANAGED),
				 errmsg("engine-maintained columns of table \"backorder.%s\" may not be updated", table),
				 errdetail("In backorder.%s, %s.", table, why)));
	}
	ereport(ERROR,
			(errcode(ERRCODE_BO_ENGINE_MANAGED),
			 errmsg("%s on table \"backorder.%s\" is not allowed",
					TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) ? "DELETE" :
					TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event) ? "TRUNCATE" : "UPDATE", table),
			 errdetail("In backorder.%s, %s.", table, why)));
	pg_unreachable();
}

/*
 * A restored backorder row that does not carry ordered_at (our column, not
 * the contract's: a restore may name exactly the contract's columns) takes
 * it from its order line, or from its own created_at if the line is not
 * there (yet).
 */
static HeapTuple
restored_backorder(Relation rel, HeapTuple tuple)
{
	static const Oid argtypes[] = {TEXTOID, INT4OID};
	TupleDesc	desc = RelationGetDescr(rel);
	int			col = SPI_fnumber(desc, "ordered_at");
	Datum		values[2];
	Datum		ordered_at;
	bool		isnull;
	bool		null = false;
	BoScope		scope;

	(void) heap_getattr(tuple, col, desc, &isnull);
	if (!isnull)
		return tuple;
	ordered_at = heap_getattr(tuple, SPI_fnumber(desc, "created_at"), desc, &isnull);
	values[0] = heap_getattr(tuple, SPI_fnumber(desc, "order_id"), desc, &isnull);
	values[1] = heap_getattr(tuple, SPI_fnumber(desc, "line_no"), desc, &isnull);
	bo_scope_enter(&scope, rel->rd_rel->relowner);
	bo_exec(bo_plan(PLAN_LINE_ORDERED_AT,
					"SELECT ordered_at FROM backorder.order_lines"
					" WHERE order_id OPERATOR(pg_catalog.=) $1 AND line_no OPERATOR(pg_catalog.=) $2",
					2, argtypes),
			values, NULL, true, 1);
	if (SPI_processed > 0)
		ordered_at = TimestampTzGetDatum(bo_get_timestamptz(0, 1, NULL));
	bo_scope_leave(&scope);
	return heap_modify_tuple_by_cols(tuple, desc, 1, &col, &ordered_at, &null);
}

/*
 * BEFORE INSERT on backorders and events: the engine writes them; a
 * restore may bring rows back; nobody else may insert.
 */
Datum
backorder_tg_restore_only(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	bool		is_events;

	bo_check_trigger(fcinfo, "backorder_tg_restore_only", true, true, TRIGGER_EVENT_INSERT);
	rel = trigdata->tg_relation;
	if (bo_engine_active())
		return PointerGetDatum(trigdata->tg_trigtuple);

	is_events = strcmp(RelationGetRelationName(rel), "events") == 0;
	if (bo_row_origin(rel, trigdata->tg_trigtuple,
					  is_events ? event_engine_cols : backorder_engine_cols,
					  is_events ? lengthof(event_engine_cols) : lengthof(backorder_engine_cols))
		== ROW_RESTORED)
		return is_events ? PointerGetDatum(trigdata->tg_trigtuple) :
			PointerGetDatum(restored_backorder(rel, trigdata->tg_trigtuple));
	ereport(ERROR,
			(errcode(ERRCODE_BO_ENGINE_MANAGED),
			 errmsg("table \"backorder.%s\" is written by the engine only", RelationGetRelationName(rel)),
			 errdetail("%s", is_events ?
					   "Events are written by the engine; consumers use claim_events and purge_events." :
					   "Backorder rows are written when order lines cannot be reserved.")));
	pg_unreachable();
}

/*
 * BEFORE INSERT on items: stock starts at zero.  A restore is recognised by
 * the 1.0 engine columns (on_hand, reserved, backordered): a row from a 1.0
 * dump has no held, which then starts at 0 (1.1).  A row from the user may
 * set none of the engine columns, the 1.1 ones included.
 */
Datum
backorder_tg_item_insert(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	HeapTuple	tuple;
	TupleDesc	desc;
	int			cols[4];
	Datum		values[4] = {Int64GetDatum(0), Int64GetDatum(0), Int64GetDatum(0), Int64GetDatum(0)};
	bool		nulls[4] = {false, false, false, false};

	bo_check_trigger(fcinfo, "backorder_tg_item_insert", true, true, TRIGGER_EVENT_INSERT);
	rel = trigdata->tg_relation;
	tuple = trigdata->tg_trigtuple;
	desc = RelationGetDescr(rel);
	if (!bo_has_holds())
	{
		/* a database still on the 1.0 schema */
		if (bo_row_origin(rel, tuple, item_engine_cols, lengthof(item_engine_cols)) == ROW_RESTORED)
			return PointerGetDatum(tuple);
		for (int i = 0; i < 3; i++)
			cols[i] = SPI_fnumber(desc, item_engine_cols[i]);
		return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, 3, cols, values, nulls));
	}
	if (bo_row_origin(rel, tuple, item_engine_cols, lengthof(item_engine_cols)) == ROW_RESTORED)
	{
		if (!attr_is_null(rel, tuple, "held"))
			return PointerGetDatum(tuple);
		cols[0] = SPI_fnumber(desc, "held");
		return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, 1, cols, values, nulls));
	}
	for (int i = 0; i < (int) lengthof(item_engine_cols_1_1); i++)
		if (!attr_is_null(rel, tuple, item_engine_cols_1_1[i]))
			bo_error_engine_managed(rel, item_engine_cols_1_1[i]);

	for (int i = 0; i < 3; i++)
		cols[i] = SPI_fnumber(desc, item_engine_cols[i]);
	cols[3] = SPI_fnumber(desc, "held");
	return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, 4, cols, values, nulls));
}
