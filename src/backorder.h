/*-------------------------------------------------------------------------
 * src/backorder.h
 *		Declarations shared by the files of the backorder engine.
 *
 * Lock order, everywhere: a purchase-order line (receipts only), then the
 * item row, then order lines, then their backorder rows, and last the SKU's
 * promise lock (eta.c).  Several items are always locked in sku order.  A
 * priority update locks its line first (the executor does) and then only
 * backorder rows and the promise lock, never the item row.  A row written
 * to an attached shop table (attach.c) is locked by the shop's statement
 * before the engine takes any of these: shop rows come first.
 *-------------------------------------------------------------------------
 */
#ifndef BACKORDER_H
#define BACKORDER_H

#include "postgres.h"

#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "nodes/pg_list.h"
#include "utils/timestamp.h"

/* SQLSTATEs of the contract (errors.c raises them) */
#define ERRCODE_BO_INSUFFICIENT_STOCK		MAKE_SQLSTATE('B','O','0','0','1')
#define ERRCODE_BO_BACKORDER_LIMIT			MAKE_SQLSTATE('B','O','0','0','2')
#define ERRCODE_BO_OVER_SHIPMENT			MAKE_SQLSTATE('B','O','0','0','3')
#define ERRCODE_BO_OVER_CANCELLATION		MAKE_SQLSTATE('B','O','0','0','4')
#define ERRCODE_BO_NEGATIVE_STOCK			MAKE_SQLSTATE('B','O','0','0','5')
#define ERRCODE_BO_ENGINE_MANAGED			MAKE_SQLSTATE('B','O','0','0','6')

/* ---- spi_util.c: kept plans, the engine scope, tuple helpers ---- */

typedef enum BoPlanKey
{
	PLAN_ITEM_LOCK,
	PLAN_ITEM_RESERVE,
	PLAN_ITEM_SET_ALL,
	PLAN_ITEMS_LOCK_MANY,
	PLAN_BACKORDER_INSERT,
	PLAN_BACKORDER_GROW,
	PLAN_BACKORDER_FILL,
	PLAN_BACKORDER_CANCEL,
	PLAN_BACKORDER_ETA_OF,
	PLAN_BACKORDER_SET_PRIORITY,
	PLAN_QUEUE_FILL,
	PLAN_QUEUE_ETA,
	PLAN_QUEUE_PROMISED,
	PLAN_BACKORDER_SET_ETA,
	PLAN_LINE_GET,
	PLAN_LINE_LOCK,
	PLAN_LINE_APPLY,
	PLAN_LINES_TAKE_BACK,
	PLAN_ORDER_EXISTS,
	PLAN_PO_RECEIVE,
	PLAN_PO_OPEN,
	PLAN_ETA_PROBE,
	PLAN_EVENT_INSERT,
	PLAN_EVENTS_ETA_MANY,
	PLAN_EVENTS_ALLOCATED_MANY,
	PLAN_LINES_FILL,
	PLAN_EVENTS_CLAIM,
	PLAN_EVENTS_PURGE,
	PLAN_PLACE_INSERT,
	PLAN_CANCEL_INSERT,
	/* attach.c */
	PLAN_ATTACH_DEF,
	PLAN_ATTACH_PLACE,
	PLAN_ATTACH_FIND,
	PLAN_ATTACH_REKEY,
	PLAN_ATTACH_CANCEL,
	PLAN_ATTACH_SHIP,
	PLAN_ATTACH_RECEIVE,
	PLAN_ATTACH_EXISTS,
	PLAN_ATTACH_LINES_OF,
	PLAN_ATTACH_LINES_ANY,
	PLAN_ATTACH_INSERT,
	PLAN_ATTACH_DELETE,
	PLAN_ATTACH_DROPPED,
	BO_PLAN_COUNT
} BoPlanKey;

extern SPIPlanPtr bo_plan(BoPlanKey key, const char *sql, int nargs, const Oid *argtypes);
extern SPIPlanPtr bo_plan_opts(BoPlanKey key, const char *sql, int nargs, const Oid *argtypes,
							   int cursor_options);

/* The engine scope: SPI connected, running as the extension's owner, with
 * the engine-write flag raised so that the guard triggers let us through. */
typedef struct BoScope
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_depth;
} BoScope;

extern void bo_scope_enter(BoScope *scope, Oid owner);
extern void bo_scope_leave(BoScope *scope);
extern bool bo_engine_active(void);
extern void bo_reset_engine_depth(void);
extern void bo_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
								SubTransactionId parentSubid, void *arg);
extern Oid	bo_owner(void);

extern int	bo_exec(SPIPlanPtr plan, Datum *values, const char *nulls, bool read_only, long count);
extern int64 bo_get_int64(int row, int col, bool *isnull);
extern int32 bo_get_int32(int row, int col);
extern char *bo_get_text(int row, int col);
extern TimestampTz bo_get_timestamptz(int row, int col, bool *isnull);
extern int64 bo_add(int64 a, int64 b, const char *what);

/* ---- errors.c: every error the engine raises ---- */
extern void bo_error_engine_managed(Relation rel, const char *column) pg_attribute_noreturn();
extern void bo_error_unknown_sku(const char *sku) pg_attribute_noreturn();
extern void bo_error_unknown_line(const char *order_id, int32 line_no) pg_attribute_noreturn();
extern void bo_error_insufficient_stock(const char *sku, int64 requested, int64 available) pg_attribute_noreturn();
extern void bo_error_limit(const char *sku, int64 waiting, int64 requested, int64 limit) pg_attribute_noreturn();
extern void bo_error_over_shipment(const char *order_id, int32 line_no, int64 requested, int64 reserved) pg_attribute_noreturn();
extern void bo_error_over_cancellation(const char *order_id, int32 line_no, int64 requested, int64 open) pg_attribute_noreturn();
extern void bo_error_negative_stock(const char *sku, int64 on_hand, int64 delta) pg_attribute_noreturn();
extern void bo_rethrow_without_context(MemoryContext context) pg_attribute_noreturn();
extern void bo_check_trigger(FunctionCallInfo fcinfo, const char *funcname, bool before, bool row, int event);

/* ---- guard.c: engine columns and restores ---- */
typedef enum BoRowOrigin
{
	ROW_FROM_USER,				/* engine columns left out: apply it */
	ROW_RESTORED				/* all engine columns set by a privileged role */
} BoRowOrigin;

extern BoRowOrigin bo_row_origin(Relation rel, HeapTuple tuple, const char *const *engine_cols, int ncols);

/* ---- items: lock and write back (placement.c) ---- */
typedef struct BoItem
{
	char	   *sku;
	bool		deny;
	bool		has_limit;
	int64		backorder_limit;
	int64		on_hand;
	int64		reserved;
	int64		backordered;
} BoItem;

extern bool bo_item_lock(const char *sku, BoItem *item);
extern void bo_item_store(const BoItem *item);

/* ---- order lines (allocation.c) ---- */
typedef struct BoLine
{
	char	   *order_id;
	int32		line_no;
	char	   *sku;
	int64		quantity;
	int32		priority;
	TimestampTz ordered_at;
	int64		reserved;
	int64		backordered;
	int64		shipped;
	int64		cancelled;
} BoLine;

extern bool bo_line_sku(const char *order_id, int32 line_no, char **sku);
extern bool bo_line_lock(const char *order_id, int32 line_no, BoLine *line);
extern void bo_line_apply(const char *order_id, int32 line_no, int64 d_reserved, int64 d_backordered,
						  int64 d_shipped, int64 d_cancelled);

/* ---- allocation.c: the queue ---- */
typedef struct BoTakeBack
{
	char	   *order_id;
	int32		line_no;
	int64		units;
	int64		backorder_id;
	bool		is_new;
} BoTakeBack;

extern int64 alloc_fill(BoItem *item);
extern List *alloc_take_back(BoItem *item, int64 units);
extern int64 alloc_wait(const BoLine *line, int64 units, bool known_new, bool *is_new);

/* ---- eta.c: promised dates ---- */
typedef struct EtaChange
{
	int64		id;
	char	   *order_id;
	int32		line_no;
	int64		waiting;
	bool		had_old;
	TimestampTz old_eta;
	bool		has_new;
	TimestampTz new_eta;
	bool		fresh;			/* row just written: no eta_changed event */
} EtaChange;

extern void eta_lock(const char *sku);
extern List *eta_recompute(const char *sku, const int64 *fresh_ids, int nfresh);
extern bool eta_lookup(List *changes, int64 id, TimestampTz *eta);
extern bool eta_of(int64 backorder_id, TimestampTz *eta);
extern void eta_emit(const char *sku, List *changes);
extern void eta_defer(const char *sku);
extern void eta_reset_deferred(void);

/* ---- events.c: the outbox ---- */
extern void event_backordered(const char *order_id, int32 line_no, const char *sku, int64 units,
							  bool has_eta, TimestampTz eta);
extern void event_allocated_many(Datum *values, const Oid *argtypes);
extern void event_cancelled(const char *order_id, int32 line_no, const char *sku, int64 units);
extern void event_eta_changed_many(const char *sku, List *changes);

#endif							/* BACKORDER_H */
