/*-------------------------------------------------------------------------
 * src/backorder.h
 *		Declarations shared by the files of the backorder engine.
 *
 * Lock order, everywhere: a purchase-order line (receipts only), then the
 * item row, then its hold rows (1.1), then order lines, then their backorder
 * rows, and last the SKU's promise lock (eta.c).  Several items are always
 * locked in sku order, the lines of one order (cancel_order) in line_no
 * order.  A priority update locks its line first (the executor does) and
 * then only backorder rows and the promise lock, never the item row.  The
 * promise lock is held to the end of the transaction, so a statement takes
 * it only after its last row lock: receipts, cancellations and positive
 * adjustments defer their recomputes to the end of the statement
 * (eta_defer_or_recompute, flushed by AFTER STATEMENT triggers), and
 * cancel_order recomputes after it has cancelled every line and filled
 * every queue.  A user's UPDATE of a hold locks the hold row first (the
 * executor does) and then its item: against engine work on the same sku
 * that already holds the item and needs that very hold row, PostgreSQL's
 * deadlock detector decides (40P01 for one of them).
 * The availability feed (channels.c) reads the items a transaction changed
 * at its commit, when it holds every lock it will take, and locks no row.
 * A row written to an attached shop table (attach.c) is locked by the
 * shop's statement before the engine takes any of these: shop rows come
 * first.
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
	PLAN_PO_OPEN_SPLIT,
	PLAN_BACKORDER_SET_ETA,
	PLAN_LINE_GET,
	PLAN_LINE_LOCK,
	PLAN_LINE_APPLY,
	PLAN_LINES_TAKE_BACK,
	PLAN_ORDER_SKUS,
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
	PLAN_ORDER_LINES_LOCK,
	PLAN_LINE_ORDERED_AT,
	PLAN_EVENT_INSERT_PENDING,
	PLAN_EVENTS_SET_ETA,
	/* holds.c (1.1) */
	PLAN_HOLDS_EXPIRE_DUE,
	PLAN_HOLDS_NEXT_EXPIRY,
	PLAN_HOLD_FIND,
	PLAN_HOLD_DELETE_ENDED,
	PLAN_HOLD_END,
	PLAN_HOLDS_OF_CART,
	PLAN_HOLDS_LOCK_CART,
	PLAN_HOLDS_BREAK,
	PLAN_HOLDS_DUE_SKUS,
	PLAN_HOLD_RESTORED,
	/* the item plans for a database still on the 1.0 schema (no held) */
	PLAN_ITEM_LOCK_10,
	PLAN_ITEM_SET_ALL_10,
	PLAN_ITEM_RESERVE_10,
	PLAN_EVENTS_AVAILABILITY,
	PLAN_EVENTS_AVAILABILITY_ONE,
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
extern int	bo_engine_depth(void);
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
	int64		held;			/* (1.1) units kept for carts by active holds */
	bool		has_hold_expiry;	/* next_hold_expiry is not NULL */
	TimestampTz next_hold_expiry;	/* never later than the earliest active
									 * hold's expires_at */
	bool		queue_moved;	/* units went to the queue before the caller's
								 * own work: bo_item_store re-promises */
	bool		holds_expired;	/* due holds were expired as it was locked */
	int64		hold_units_expired; /* the units that freed */
} BoItem;

/* available = on hand - reserved - held: what a new order can take now */
#define BO_AVAILABLE(item) ((item)->on_hand - (item)->reserved - (item)->held)

extern bool bo_item_lock(const char *sku, BoItem *item);
extern void bo_item_write(const BoItem *item);
extern void bo_item_store(BoItem *item);
extern Datum bo_place_order(FunctionCallInfo fcinfo, const char *hold_id);

/* ---- holds.c (1.1): cart holds ---- */
extern bool bo_has_holds(void);
extern bool holds_due(const BoItem *item);
extern int64 holds_expire_due(BoItem *item);
extern int64 holds_break(BoItem *item, int64 units);
extern void holds_cart_begin(const char *hold_id, const Datum *line_skus, int nskus);
extern bool holds_cart_covers(const char *sku);
extern int64 holds_cart_take(const char *sku, int64 units);
extern void holds_cart_end(void);
extern void holds_cart_reset(void);

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

/* ---- ledger.c ---- */
extern void ledger_cancel_waiting(const char *order_id, int32 line_no, const char *sku, int64 units);

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
extern List *eta_recompute_after_receipt(const char *sku, const char *po_id, TimestampTz po_expected_at,
												 int64 supply_shift, int64 allocated);
extern bool eta_lookup(List *changes, int64 id, TimestampTz *eta);
extern bool eta_of(int64 backorder_id, TimestampTz *eta);
extern void eta_emit(const char *sku, List *changes);
extern void eta_defer(const char *sku);
extern bool eta_defer_or_recompute(Relation rel, const char *sku);
extern void eta_defer_receipt(Relation rel, const char *sku, const char *po_id, TimestampTz po_expected_at,
							  int64 supply_shift, int64 allocated);
extern void eta_defer_take_back(Relation rel, const char *sku, int n, const int64 *event_ids,
								const int64 *backorder_ids, const bool *is_new);
extern void eta_reset_deferred(void);

/* ---- events.c: the outbox ---- */
extern void event_backordered(const char *order_id, int32 line_no, const char *sku, int64 units,
							  bool has_eta, TimestampTz eta);
extern void event_allocated_many(Datum *values, const Oid *argtypes);
extern int64 event_backordered_pending(const char *order_id, int32 line_no, const char *sku, int64 units);
extern void event_set_etas(const int64 *event_ids, const int64 *backorder_ids, int n);
extern void event_cancelled(const char *order_id, int32 line_no, const char *sku, int64 units);
extern void event_eta_changed_many(const char *sku, List *changes);

/* ---- channels.c: the availability_changed feed (1.1) ---- */
extern void channels_reset(void);
extern void channels_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
									  SubTransactionId parentSubid, void *arg);

#endif							/* BACKORDER_H */
