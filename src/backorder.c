/*-------------------------------------------------------------------------
 * src/backorder.c
 *		Module entry: _PG_init registers the transaction callbacks that
 *		reset the engine's per-transaction state, and reserves the GUC
 *		prefix "backorder".
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "utils/guc.h"

#include "backorder.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static void
backorder_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			bo_reset_engine_depth();
			eta_reset_deferred();
			holds_cart_reset();
			channels_reset();
			break;
		default:
			break;
	}
}

void
_PG_init(void)
{
	RegisterXactCallback(backorder_xact_callback, NULL);
	RegisterSubXactCallback(bo_subxact_callback, NULL);
	RegisterSubXactCallback(channels_subxact_callback, NULL);
	MarkGUCPrefixReserved("backorder");
}
