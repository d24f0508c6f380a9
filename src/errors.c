/*-------------------------------------------------------------------------
 * src/errors.c
 *		Every error the engine raises on purpose: the contract's SQLSTATEs
 *		(BO001-BO006 and PostgreSQL's own), with messages that name the sku
 *		or order line and the numbers involved.  Also the trigger-protocol
 *		check shared by all trigger functions.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/rel.h"

#include "backorder.h"

void
bo_error_engine_managed(Relation rel, const char *column)
{
	ereport(ERROR,
			(errcode(ERRCODE_BO_ENGINE_MANAGED),
			 errmsg("column \"%s\" of table \"backorder.%s\" is maintained by the engine",
					column, RelationGetRelationName(rel)),
			 errdetail("Leave it out of INSERT; the engine fills it."),
			 errhint("Only a restore by a superuser or the table owner may supply all engine columns at once.")));
}

void
bo_error_unknown_sku(const char *sku)
{
	ereport(ERROR,
			(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
			 errmsg("sku \"%s\" does not exist", sku),
			 errdetail("Key (sku)=(%s) is not present in table \"backorder.items\".", sku)));
}

void
bo_error_unknown_line(const char *order_id, int32 line_no)
{
	ereport(ERROR,
			(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
			 errmsg("order line \"%s\" line %d does not exist", order_id, line_no),
			 errdetail("Key (order_id, line_no)=(%s, %d) is not present in table \"backorder.order_lines\".",
					   order_id, line_no)));
}

void
bo_error_insufficient_stock(const char *sku, int64 requested, int64 available)
{
	ereport(ERROR,
			(errcode(ERRCODE_BO_INSUFFICIENT_STOCK),
			 errmsg("insufficient stock for sku \"%s\": requested " INT64_FORMAT ", available " INT64_FORMAT,
					sku, requested, available),
			 errdetail("The item's policy is deny: orders beyond stock are refused.")));
}

void
bo_error_limit(const char *sku, int64 waiting, int64 requested, int64 limit)
{
	ereport(ERROR,
			(errcode(ERRCODE_BO_BACKORDER_LIMIT),
			 errmsg("backorder limit exceeded for sku \"%s\": " INT64_FORMAT " units waiting, "
					INT64_FORMAT " more requested, limit " INT64_FORMAT,
					sku, waiting, requested, limit)));
}

void
bo_error_over_shipment(const char *order_id, int32 line_no, int64 requested, int64 reserved)
{
	ereport(ERROR,
			(errcode(ERRCODE_BO_OVER_SHIPMENT),
			 errmsg("over-shipment of order \"%s\" line %d: requested " INT64_FORMAT ", reserved " INT64_FORMAT,
					order_id, line_no, requested, reserved)));
}

void
bo_error_over_cancellation(const char *order_id, int32 line_no, int64 requested, int64 open)
{
	if (requested < 0)
		ereport(ERROR,
				(errcode(ERRCODE_BO_OVER_CANCELLATION),
				 errmsg("over-cancellation of order \"%s\" line %d: nothing open to cancel",
						order_id, line_no),
				 errdetail("The line has 0 reserved and 0 backordered units.")));
	ereport(ERROR,
			(errcode(ERRCODE_BO_OVER_CANCELLATION),
			 errmsg("over-cancellation of order \"%s\" line %d: requested " INT64_FORMAT ", open " INT64_FORMAT,
					order_id, line_no, requested, open)));
}

void
bo_error_negative_stock(const char *sku, int64 on_hand, int64 delta)
{
	ereport(ERROR,
			(errcode(ERRCODE_BO_NEGATIVE_STOCK),
			 errmsg("negative stock for sku \"%s\": on hand " INT64_FORMAT ", delta " INT64_FORMAT,
					sku, on_hand, delta)));
}

/*
 * The trigger protocol: refuse to run from anything but the trigger the
 * install script binds the function to.
 */
void
bo_check_trigger(FunctionCallInfo fcinfo, const char *funcname, bool before, bool row, int event)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by trigger manager", funcname)));
	if (before != (bool) TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		row != (bool) TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		(event >= 0 && (int) (trigdata->tg_event & TRIGGER_EVENT_OPMASK) != event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was called by the wrong trigger", funcname)));
}

/*
 * Re-raise the error being handled without the "SQL statement ..." context
 * line SPI adds: callers of place_order and cancel_order should see the
 * engine's message, not the engine's query text.  Call from PG_CATCH.
 */
void
bo_rethrow_without_context(MemoryContext context)
{
	ErrorData  *edata;

	MemoryContextSwitchTo(context);
	edata = CopyErrorData();
	FlushErrorState();
	edata->context = NULL;
	ReThrowError(edata);
}
