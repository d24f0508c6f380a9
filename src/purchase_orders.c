/*-------------------------------------------------------------------------
 * src/purchase_orders.c
 *		Expected supply: what users may do to purchase-order lines (insert
 *		them open; change quantity and expected_at; cancel them) and the
 *		status the engine keeps (closed exactly while received >= quantity).
 *		Every accepted change marks the SKU's promises for recompute at the
 *		end of the statement (eta.c).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/rel.h"

#include "backorder.h"

PG_FUNCTION_INFO_V1(backorder_tg_po_insert);
PG_FUNCTION_INFO_V1(backorder_tg_po_update);

static const char *const po_engine_cols[] = {"received"};

static char *
text_attr(HeapTuple tuple, TupleDesc desc, const char *name)
{
	bool		isnull;
	Datum		d = heap_getattr(tuple, SPI_fnumber(desc, name), desc, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* BEFORE INSERT on purchase_orders: lines start open with nothing received. */
Datum
backorder_tg_po_insert(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	tuple;
	char	   *status;
	char	   *sku;
	int			col;
	Datum		value = Int64GetDatum(0);
	bool		null = false;

	bo_check_trigger(fcinfo, "backorder_tg_po_insert", true, true, TRIGGER_EVENT_INSERT);
	rel = trigdata->tg_relation;
	desc = RelationGetDescr(rel);
	tuple = trigdata->tg_trigtuple;
	if (bo_row_origin(rel, tuple, po_engine_cols, lengthof(po_engine_cols)) == ROW_RESTORED)
		return PointerGetDatum(tuple);

	status = text_attr(tuple, desc, "status");
	if (status != NULL && strcmp(status, "open") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_BO_ENGINE_MANAGED),
				 errmsg("purchase-order lines are inserted with status \"open\", not \"%s\"", status),
				 errdetail("The engine closes a line when it is fully received; users may cancel an open line.")));

	sku = text_attr(tuple, desc, "sku");
	if (sku != NULL)
		eta_defer(sku);

	col = SPI_fnumber(desc, "received");
	return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, 1, &col, &value, &null));
}

static void
refuse_change(Relation rel, const char *column, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_BO_ENGINE_MANAGED),
			 errmsg("column \"%s\" of table \"backorder.%s\" may not be updated",
					column, RelationGetRelationName(rel)),
			 errdetail("%s", detail)));
}

static bool
attr_changed(HeapTuple oldtup, HeapTuple newtup, TupleDesc desc, const char *name)
{
	int			attnum = SPI_fnumber(desc, name);
	Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
	bool		oldnull,
				newnull;
	Datum		oldval = heap_getattr(oldtup, attnum, desc, &oldnull);
	Datum		newval = heap_getattr(newtup, attnum, desc, &newnull);

	if (oldnull || newnull)
		return oldnull != newnull;
	return !datumIsEqual(oldval, newval, att->attbyval, att->attlen);
}

/*
 * BEFORE UPDATE on purchase_orders.  Users may change quantity and
 * expected_at, and set status from open to cancelled; the engine then sets
 * the status an uncancelled line must have.
 */
Datum
backorder_tg_po_update(PG_FUNCTION_ARGS)
{
	static const char *const fixed[] = {"purchase_order_id", "sku", "ordered_at", "received"};
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	oldtup,
				newtup;
	char	   *old_status,
			   *new_status;
	const char *status;
	bool		isnull;
	int64		quantity,
				received;
	int			col;
	Datum		value;
	bool		null = false;

	bo_check_trigger(fcinfo, "backorder_tg_po_update", true, true, TRIGGER_EVENT_UPDATE);
	rel = trigdata->tg_relation;
	desc = RelationGetDescr(rel);
	oldtup = trigdata->tg_trigtuple;
	newtup = trigdata->tg_newtuple;
	if (bo_engine_active())
		return PointerGetDatum(newtup);

	for (int i = 0; i < (int) lengthof(fixed); i++)
		if (attr_changed(oldtup, newtup, desc, fixed[i]))
			refuse_change(rel, fixed[i],
						  "Users may update quantity, expected_at, and status from open to cancelled.");

	old_status = text_attr(oldtup, desc, "status");
	new_status = text_attr(newtup, desc, "status");
	if (new_status == NULL)
		return PointerGetDatum(newtup);		/* NOT NULL reports it */
	if (strcmp(old_status, new_status) != 0 &&
		!(strcmp(old_status, "open") == 0 && strcmp(new_status, "cancelled") == 0))
		ereport(ERROR,
				(errcode(ERRCODE_BO_ENGINE_MANAGED),
				 errmsg("status of purchase order \"%s\" sku \"%s\" may not change from \"%s\" to \"%s\"",
						text_attr(oldtup, desc, "purchase_order_id"), text_attr(oldtup, desc, "sku"),
						old_status, new_status),
				 errdetail("Users may cancel an open line; the engine opens and closes lines.")));

	quantity = DatumGetInt64(heap_getattr(newtup, SPI_fnumber(desc, "quantity"), desc, &isnull));
	if (isnull)
		return PointerGetDatum(newtup);		/* NOT NULL reports it */
	received = DatumGetInt64(heap_getattr(newtup, SPI_fnumber(desc, "received"), desc, &isnull));

	if (strcmp(new_status, "cancelled") == 0)
		status = "cancelled";
	else
		status = received >= quantity ? "closed" : "open";

	if (attr_changed(oldtup, newtup, desc, "quantity") ||
		attr_changed(oldtup, newtup, desc, "expected_at") ||
		strcmp(old_status, status) != 0)
		eta_defer(text_attr(oldtup, desc, "sku"));

	col = SPI_fnumber(desc, "status");
	value = CStringGetTextDatum(status);
	return PointerGetDatum(heap_modify_tuple_by_cols(newtup, desc, 1, &col, &value, &null));
}
