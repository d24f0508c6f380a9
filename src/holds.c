/*-------------------------------------------------------------------------
 * src/holds.c
 *		Cart holds (1.1): the holds BEFORE INSERT / UPDATE triggers, expiry
 *		(lazy, as an item is locked, and expire_holds()), release_hold(),
 *		breaking holds for a negative adjustment, and converting a cart's
 *		holds in place_order(order_id, lines, hold_id).
 *
 * An item's held is the sum of its active holds' held.  Its internal
 * next_hold_expiry is never later than the earliest expires_at of its
 * active holds (NULL when it has none): the in-stock placement statement
 * checks it with the stock numbers, so a SKU with no due hold pays nothing;
 * when it is due, bo_item_lock expires the due holds first (and recomputes
 * it).  It may be early (a hold ended or was pushed later): that costs one
 * extra look, never a missed expiry.  Freed units go to the queue in fill
 * order, like a receipt's.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "catalog/namespace.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "backorder.h"

PG_FUNCTION_INFO_V1(backorder_tg_hold_insert);
PG_FUNCTION_INFO_V1(backorder_tg_hold_update);
PG_FUNCTION_INFO_V1(backorder_release_hold);
PG_FUNCTION_INFO_V1(backorder_expire_holds);
PG_FUNCTION_INFO_V1(backorder_place_order_hold);

#define OP(o) " OPERATOR(pg_catalog." o ") "

static const char *const hold_engine_cols[] = {"held", "status"};

/* The cart of the place_order call running now (NULL outside one). */
typedef struct CartHold
{
	char	   *sku;
	int64		held;			/* units the hold held when the call began */
	int64		used;			/* of them, reserved by lines of the call */
	bool		has_line;		/* the order has a line of this sku */
} CartHold;

typedef struct Cart
{
	char	   *hold_id;
	int			n;
	CartHold   *holds;
} Cart;

static Cart *cart = NULL;

/* ---- the schema: 1.1, or 1.0 not updated yet ---- */

static int	holds_schema = -1;	/* -1 unknown, 0 1.0 (no items.held), 1 1.1 */
static Oid	items_relid = InvalidOid;
static bool callback_registered = false;

static void
holds_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == items_relid)
		holds_schema = -1;
}

/*
 * Has backorder.items the 1.1 column held?  The library serves a database
 * still on the 1.0 schema too, until ALTER EXTENSION backorder UPDATE: the
 * item plans then leave held out (it is 0).  Known until items changes.
 */
bool
bo_has_holds(void)
{
	if (holds_schema < 0)
	{
		Oid			nsp;

		if (!callback_registered)
		{
			CacheRegisterRelcacheCallback(holds_relcache_callback, (Datum) 0);
			callback_registered = true;
		}
		nsp = get_namespace_oid("backorder", false);
		items_relid = get_relname_relid("items", nsp);
		if (!OidIsValid(items_relid))
			elog(ERROR, "backorder: table backorder.items is missing");
		holds_schema = get_attnum(items_relid, "held") != InvalidAttrNumber ? 1 : 0;
	}
	return holds_schema == 1;
}

static TimestampTz
tx_now(void)
{
	return GetCurrentTransactionStartTimestamp();
}

/* ---- expiry ---- */

/* May one of the item's active holds be due (expires_at <= now())? */
bool
holds_due(const BoItem *item)
{
	return item->has_hold_expiry && item->next_hold_expiry <= tx_now();
}

/* Recompute the item's next_hold_expiry from its active holds. */
static void
refresh_next_expiry(BoItem *item)
{
	static const Oid argtypes[] = {TEXTOID};
	Datum		values[1];
	bool		isnull;

	values[0] = CStringGetTextDatum(item->sku);
	bo_exec(bo_plan(PLAN_HOLDS_NEXT_EXPIRY,
					"SELECT pg_catalog.min(expires_at) FROM backorder.holds"
					" WHERE sku" OP("=") "$1 AND status" OP("=") "'active'",
					1, argtypes),
			values, NULL, false, 1);
	item->next_hold_expiry = bo_get_timestamptz(0, 1, &isnull);
	item->has_hold_expiry = !isnull;
}

/* A new or changed active hold expiring at `at`. */
static void
note_expiry(BoItem *item, TimestampTz at)
{
	if (!item->has_hold_expiry || at < item->next_hold_expiry)
	{
		item->has_hold_expiry = true;
		item->next_hold_expiry = at;
	}
}

/* Units freed from holds go to the queue in fill order (the caller stores). */
static void
free_units(BoItem *item)
{
	if (alloc_fill(item) > 0)
		item->queue_moved = true;
}

/*
 * Expire every due hold of a locked item (status expired, held 0), free
 * their units to the queue and write the item back; its promises are
 * recomputed by the caller's bo_item_store.  Returns the units freed.
 */
int64
holds_expire_due(BoItem *item)
{
	static const Oid argtypes[] = {TEXTOID};
	Datum		values[1];
	int64		freed = 0;

	values[0] = CStringGetTextDatum(item->sku);
	bo_exec(bo_plan(PLAN_HOLDS_EXPIRE_DUE,
					"UPDATE backorder.holds h SET status = 'expired', held = 0"
					"  FROM (SELECT hold_id, held FROM backorder.holds"
					"         WHERE sku" OP("=") "$1 AND status" OP("=") "'active'"
					"           AND expires_at" OP("<=") "pg_catalog.now() FOR UPDATE) d"
					" WHERE h.sku" OP("=") "$1 AND h.hold_id" OP("=") "d.hold_id"
					" RETURNING d.held",
					1, argtypes),
			values, NULL, false, 0);
	for (uint64 i = 0; i < SPI_processed; i++)
		freed += bo_get_int64((int) i, 1, NULL);
	item->holds_expired = true;
	item->held -= freed;
	refresh_next_expiry(item);
	if (freed > 0)
		free_units(item);
	bo_item_write(item);
	return freed;
}

/* ---- breaking holds (negative adjustments) ---- */

/*
 * Take `units` held units away from the item's active holds, the latest
 * expires_at first, then hold_id DESC; the holds stay active with fewer
 * units held.  Updates item->held; returns the units taken.
 */
int64
holds_break(BoItem *item, int64 units)
{
	static const Oid argtypes[] = {TEXTOID, INT8OID};
	Datum		values[2];
	int64		broken = 0;

	if (units <= 0)
		return 0;
	values[0] = CStringGetTextDatum(item->sku);
	values[1] = Int64GetDatum(units);
	bo_exec(bo_plan(PLAN_HOLDS_BREAK,
					"WITH w AS ("
					"  SELECT hold_id, held,"
					"         CAST(pg_catalog.sum(held) OVER (ORDER BY expires_at DESC, hold_id DESC) AS pg_catalog.int8) AS upto"
					"    FROM backorder.holds"
					"   WHERE sku" OP("=") "$1 AND status" OP("=") "'active' AND held" OP(">") "0)"
					" UPDATE backorder.holds h"
					"    SET held = h.held" OP("-") "pg_catalog.int8smaller(w.held, $2" OP("-") "(w.upto" OP("-") "w.held))"
					"   FROM w"
					"  WHERE h.sku" OP("=") "$1 AND h.hold_id" OP("=") "w.hold_id"
					"    AND w.upto" OP("-") "w.held" OP("<") "$2"
					" RETURNING pg_catalog.int8smaller(w.held, $2" OP("-") "(w.upto" OP("-") "w.held))",
					2, argtypes),
			values, NULL, false, 0);
	for (uint64 i = 0; i < SPI_processed; i++)
		broken += bo_get_int64((int) i, 1, NULL);
	item->held -= broken;
	return broken;
}

/* ---- ending one hold ---- */

/*
 * End the active hold (hold_id, sku) with `status`; returns the units it
 * held, or -1 when it is not active.
 */
static int64
end_hold(const char *hold_id, const char *sku, const char *status)
{
	static const Oid argtypes[] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];

	values[0] = CStringGetTextDatum(hold_id);
	values[1] = CStringGetTextDatum(sku);
	values[2] = CStringGetTextDatum(status);
	bo_exec(bo_plan(PLAN_HOLD_END,
					"UPDATE backorder.holds h SET status = $3, held = 0"
					"  FROM (SELECT held FROM backorder.holds"
					"         WHERE hold_id" OP("=") "$1 AND sku" OP("=") "$2"
					"           AND status" OP("=") "'active' FOR UPDATE) d"
					" WHERE h.hold_id" OP("=") "$1 AND h.sku" OP("=") "$2"
					" RETURNING d.held",
					3, argtypes),
			values, NULL, false, 0);
	if (SPI_processed == 0)
		return -1;
	return bo_get_int64(0, 1, NULL);
}

/* The skus of a cart's active holds, in sku (byte) order. */
static List *
cart_skus(const char *hold_id)
{
	static const Oid argtypes[] = {TEXTOID};
	Datum		values[1];
	List	   *skus = NIL;

	values[0] = CStringGetTextDatum(hold_id);
	bo_exec(bo_plan(PLAN_HOLDS_OF_CART,
					"SELECT sku FROM backorder.holds"
					" WHERE hold_id" OP("=") "$1 AND status" OP("=") "'active'"
					" ORDER BY sku COLLATE pg_catalog.\"C\"",
					1, argtypes),
			values, NULL, false, 0);
	for (uint64 i = 0; i < SPI_processed; i++)
		skus = lappend(skus, bo_get_text((int) i, 1));
	return skus;
}

/* ---- the triggers ---- */

static Datum
hold_attr(Relation rel, HeapTuple tuple, const char *name, bool *isnull)
{
	return heap_getattr(tuple, SPI_fnumber(RelationGetDescr(rel), name), RelationGetDescr(rel), isnull);
}

static HeapTuple
set_hold_columns(Relation rel, HeapTuple tuple, int64 held, const char *status)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			cols[2];
	Datum		values[2];
	bool		nulls[2] = {false, false};

	cols[0] = SPI_fnumber(desc, "held");
	cols[1] = SPI_fnumber(desc, "status");
	values[0] = Int64GetDatum(held);
	values[1] = CStringGetTextDatum(status);
	return heap_modify_tuple_by_cols(tuple, desc, 2, cols, values, nulls);
}

static bool
hold_id_ok(Datum d)
{
	text	   *t = DatumGetTextPP(d);
	int			len = pg_mbstrlen_with_len(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));

	return len >= 1 && len <= 200;
}

/*
 * A restored hold (pg_restore): stored as it is; an active one lowers its
 * item's next_hold_expiry, so that it still expires.
 */
static void
hold_restored(Relation rel, HeapTuple tuple)
{
	static const Oid argtypes[] = {TEXTOID, TIMESTAMPTZOID};
	bool		n_sku,
				n_status,
				n_exp;
	Datum		d_sku = hold_attr(rel, tuple, "sku", &n_sku);
	Datum		d_status = hold_attr(rel, tuple, "status", &n_status);
	Datum		d_exp = hold_attr(rel, tuple, "expires_at", &n_exp);
	Datum		values[2];
	BoScope		scope;
	char	   *status;

	if (n_sku || n_status || n_exp)
		return;
	status = TextDatumGetCString(d_status);
	if (strcmp(status, "active") != 0)
		return;
	values[0] = d_sku;
	values[1] = d_exp;
	bo_scope_enter(&scope, rel->rd_rel->relowner);
	bo_exec(bo_plan(PLAN_HOLD_RESTORED,
					"UPDATE backorder.items"
					"   SET next_hold_expiry = pg_catalog.timestamptz_smaller(COALESCE(next_hold_expiry, $2), $2)"
					" WHERE sku" OP("=") "$1",
					2, argtypes),
			values, NULL, false, 0);
	bo_scope_leave(&scope);
}

/*
 * BEFORE INSERT on holds: held = min(quantity, available) (BO001 for a deny
 * item that cannot hold it all).  An ended hold of the same (hold_id, sku)
 * is replaced; an active one is a duplicate (23505).
 */
Datum
backorder_tg_hold_insert(PG_FUNCTION_ARGS)
{
	static const Oid find_types[] = {TEXTOID, TEXTOID};
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	HeapTuple	tuple;
	bool		n_id,
				n_sku,
				n_qty,
				n_exp,
				n_created;
	Datum		d_id,
				d_sku,
				d_qty,
				d_exp;
	char	   *hold_id;
	char	   *sku;
	int64		quantity;
	TimestampTz expires_at;
	BoScope		scope;
	BoItem		item;
	Datum		values[2];
	int64		available,
				take;

	bo_check_trigger(fcinfo, "backorder_tg_hold_insert", true, true, TRIGGER_EVENT_INSERT);
	rel = trigdata->tg_relation;
	tuple = trigdata->tg_trigtuple;
	if (bo_row_origin(rel, tuple, hold_engine_cols, lengthof(hold_engine_cols)) == ROW_RESTORED)
	{
		hold_restored(rel, tuple);
		return PointerGetDatum(tuple);
	}

	d_id = hold_attr(rel, tuple, "hold_id", &n_id);
	d_sku = hold_attr(rel, tuple, "sku", &n_sku);
	d_qty = hold_attr(rel, tuple, "quantity", &n_qty);
	d_exp = hold_attr(rel, tuple, "expires_at", &n_exp);
	(void) hold_attr(rel, tuple, "created_at", &n_created);

	/* bad input: touch nothing, the table's constraints report it */
	if (n_id || n_sku || n_qty || n_exp || n_created ||
		DatumGetInt64(d_qty) <= 0 || !hold_id_ok(d_id))
		return PointerGetDatum(set_hold_columns(rel, tuple, 0, "active"));

	hold_id = TextDatumGetCString(d_id);
	sku = TextDatumGetCString(d_sku);
	quantity = DatumGetInt64(d_qty);
	expires_at = DatumGetTimestampTz(d_exp);
	if (expires_at <= tx_now())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("expires_at of hold \"%s\" of sku \"%s\" must be later than now()", hold_id, sku),
				 errdetail("expires_at is %s, now() is %s.",
						   timestamptz_to_str(expires_at), timestamptz_to_str(tx_now()))));

	bo_scope_enter(&scope, rel->rd_rel->relowner);
	if (!bo_item_lock(sku, &item))
		bo_error_unknown_sku(sku);

	/* an active hold of the cart and sku is a duplicate; an ended one goes */
	values[0] = d_id;
	values[1] = d_sku;
	bo_exec(bo_plan(PLAN_HOLD_FIND,
					"SELECT status FROM backorder.holds"
					" WHERE hold_id" OP("=") "$1 AND sku" OP("=") "$2 FOR UPDATE",
					2, find_types),
			values, NULL, false, 1);
	if (SPI_processed > 0)
	{
		if (strcmp(bo_get_text(0, 1), "active") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("duplicate key value violates unique constraint \"holds_pkey\""),
					 errdetail("Key (hold_id, sku)=(%s, %s) already exists.", hold_id, sku),
					 errhint("Cart \"%s\" holds sku \"%s\" already: UPDATE its quantity, or release it first.",
							 hold_id, sku)));
		bo_exec(bo_plan(PLAN_HOLD_DELETE_ENDED,
						"DELETE FROM backorder.holds"
						" WHERE hold_id" OP("=") "$1 AND sku" OP("=") "$2",
						2, find_types),
				values, NULL, false, 0);
	}

	available = Max(BO_AVAILABLE(&item), 0);
	take = Min(quantity, available);
	if (take < quantity && item.deny)
		bo_error_insufficient_stock(sku, quantity, available);
	item.held += take;
	note_expiry(&item, expires_at);
	bo_item_store(&item);
	bo_scope_leave(&scope);

	return PointerGetDatum(set_hold_columns(rel, tuple, take, "active"));
}

/* The first of the columns users may not change whose value changes, or NULL. */
static const char *
changed_fixed_column(Relation rel, HeapTuple oldtup, HeapTuple newtup)
{
	static const char *const fixed[] = {"hold_id", "sku", "created_at", "held", "status"};
	TupleDesc	desc = RelationGetDescr(rel);

	for (int i = 0; i < (int) lengthof(fixed); i++)
	{
		int			attnum = SPI_fnumber(desc, fixed[i]);
		Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
		bool		oldnull,
					newnull;
		Datum		oldval = heap_getattr(oldtup, attnum, desc, &oldnull);
		Datum		newval = heap_getattr(newtup, attnum, desc, &newnull);

		if (oldnull != newnull ||
			(!oldnull && !datumIsEqual(oldval, newval, att->attbyval, att->attlen)))
			return fixed[i];
	}
	return NULL;
}

/*
 * BEFORE UPDATE on holds.  The engine's own updates pass.  Users may change
 * quantity and expires_at of an active hold: a new quantity makes held
 * min(quantity, available + old held) (BO001 for a deny item short of it),
 * units no longer held go to the queue; an expires_at <= now() expires it
 * at once; a later one changes nothing else.
 */
Datum
backorder_tg_hold_update(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	HeapTuple	oldtup,
				newtup;
	const char *column;
	char	   *status;
	char	   *hold_id;
	char	   *sku;
	bool		isnull,
				n_qty,
				n_exp;
	Datum		d_qty,
				d_exp;
	int64		old_held,
				old_quantity,
				quantity,
				new_held;
	TimestampTz old_exp,
				expires_at;
	BoScope		scope;
	BoItem		item;

	bo_check_trigger(fcinfo, "backorder_tg_hold_update", true, true, TRIGGER_EVENT_UPDATE);
	rel = trigdata->tg_relation;
	oldtup = trigdata->tg_trigtuple;
	newtup = trigdata->tg_newtuple;
	if (bo_engine_active())
		return PointerGetDatum(newtup);

	hold_id = TextDatumGetCString(hold_attr(rel, oldtup, "hold_id", &isnull));
	sku = TextDatumGetCString(hold_attr(rel, oldtup, "sku", &isnull));
	status = TextDatumGetCString(hold_attr(rel, oldtup, "status", &isnull));
	old_held = DatumGetInt64(hold_attr(rel, oldtup, "held", &isnull));
	old_quantity = DatumGetInt64(hold_attr(rel, oldtup, "quantity", &isnull));
	old_exp = DatumGetTimestampTz(hold_attr(rel, oldtup, "expires_at", &isnull));

	/* a due hold is expired before any change: it is no longer active */
	if (strcmp(status, "active") == 0 && old_exp <= tx_now())
		status = "expired";
	if (strcmp(status, "active") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_BO_ENGINE_MANAGED),
				 errmsg("hold \"%s\" of sku \"%s\" is %s and may not be changed", hold_id, sku, status),
				 errdetail("In backorder.holds, users may update quantity and expires_at of an active hold only.")));
	column = changed_fixed_column(rel, oldtup, newtup);
	if (column != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_BO_ENGINE_MANAGED),
				 errmsg("column \"%s\" of table \"backorder.holds\" may not be updated", column),
				 errdetail("In backorder.holds, users may update quantity and expires_at of an active hold only.")));

	d_qty = hold_attr(rel, newtup, "quantity", &n_qty);
	d_exp = hold_attr(rel, newtup, "expires_at", &n_exp);
	if (n_qty || n_exp || DatumGetInt64(d_qty) <= 0)
		return PointerGetDatum(newtup);		/* constraints report it */
	quantity = DatumGetInt64(d_qty);
	expires_at = DatumGetTimestampTz(d_exp);

	bo_scope_enter(&scope, rel->rd_rel->relowner);
	if (!bo_item_lock(sku, &item))
		bo_error_unknown_sku(sku);
	if (expires_at <= tx_now())
	{
		/* expired at once: it holds nothing any more */
		status = "expired";
		new_held = 0;
	}
	else if (quantity != old_quantity)
	{
		int64		can = Max(BO_AVAILABLE(&item), 0) + old_held;

		new_held = Min(quantity, can);
		if (new_held < quantity && item.deny)
			bo_error_insufficient_stock(sku, quantity, can);
		note_expiry(&item, expires_at);
	}
	else
	{
		/* only expires_at moves (later): the hold keeps what it holds */
		new_held = old_held;
		note_expiry(&item, expires_at);
	}
	item.held += new_held - old_held;
	if (new_held < old_held)
		free_units(&item);
	bo_item_store(&item);
	bo_scope_leave(&scope);

	return PointerGetDatum(set_hold_columns(rel, newtup, new_held, status));
}

/* ---- release_hold, expire_holds ---- */

/*
 * release_hold(hold_id text) returns bigint: ends every active hold of the
 * cart as released (items locked in sku order); returns the units freed.
 */
Datum
backorder_release_hold(PG_FUNCTION_ARGS)
{
	char	   *hold_id;
	BoScope		scope;
	List	   *skus;
	ListCell   *lc;
	int64		total = 0;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("hold_id must not be NULL")));
	hold_id = text_to_cstring(PG_GETARG_TEXT_PP(0));

	bo_scope_enter(&scope, bo_owner());
	skus = cart_skus(hold_id);
	foreach(lc, skus)
	{
		const char *sku = (const char *) lfirst(lc);
		BoItem		item;
		int64		freed;

		if (!bo_item_lock(sku, &item))
			continue;
		freed = end_hold(hold_id, sku, "released");
		if (freed > 0)
		{
			total = bo_add(total, freed, "units released");
			item.held -= freed;
			free_units(&item);
			bo_item_store(&item);
		}
		else if (item.queue_moved)
			bo_item_store(&item);
	}
	bo_scope_leave(&scope);
	PG_RETURN_INT64(total);
}

/*
 * expire_holds() returns bigint: expires every due hold of every sku (items
 * locked in sku order, one at a time); returns the units freed.
 */
Datum
backorder_expire_holds(PG_FUNCTION_ARGS)
{
	BoScope		scope;
	List	   *skus = NIL;
	ListCell   *lc;
	int64		total = 0;

	bo_scope_enter(&scope, bo_owner());
	bo_exec(bo_plan(PLAN_HOLDS_DUE_SKUS,
					"SELECT DISTINCT sku COLLATE pg_catalog.\"C\" FROM backorder.holds"
					" WHERE status" OP("=") "'active' AND expires_at" OP("<=") "pg_catalog.now()"
					" ORDER BY 1",
					0, NULL),
			NULL, NULL, false, 0);
	for (uint64 i = 0; i < SPI_processed; i++)
		skus = lappend(skus, bo_get_text((int) i, 1));

	foreach(lc, skus)
	{
		BoItem		item;

		if (!bo_item_lock((const char *) lfirst(lc), &item))
			continue;
		/* (next_hold_expiry is never late; this only guards against it) */
		if (!item.holds_expired)
			item.hold_units_expired = holds_expire_due(&item);
		total = bo_add(total, item.hold_units_expired, "units expired");
		if (item.queue_moved)
			bo_item_store(&item);
	}
	bo_scope_leave(&scope);
	PG_RETURN_INT64(total);
}

/* ---- place_order(order_id, lines, hold_id): converting a cart ---- */

static int
cstring_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp((const char *) lfirst(a), (const char *) lfirst(b));
}

/*
 * Before the lines of a place_order with a hold_id are inserted: lock the
 * items of the lines and of the cart's active holds in sku order (expiring
 * due holds), then their promise locks, then the cart's hold rows; remember
 * what each hold holds.
 */
void
holds_cart_begin(const char *hold_id, const Datum *line_skus, int nskus)
{
	static const Oid argtypes[] = {TEXTOID};
	List	   *skus = cart_skus(hold_id);
	List	   *moved = NIL;
	ListCell   *lc;
	Datum		values[1];
	Cart	   *c;
	char	   *prev = NULL;

	for (int i = 0; i < nskus; i++)
		skus = lappend(skus, TextDatumGetCString(line_skus[i]));
	list_sort(skus, cstring_cmp);

	foreach(lc, skus)
	{
		char	   *sku = (char *) lfirst(lc);
		BoItem	   *item;

		if (prev != NULL && strcmp(prev, sku) == 0)
			continue;
		prev = sku;
		item = palloc(sizeof(BoItem));
		if (bo_item_lock(sku, item) && item->queue_moved)
			moved = lappend(moved, item);
	}
	prev = NULL;
	foreach(lc, skus)
	{
		char	   *sku = (char *) lfirst(lc);

		if (prev != NULL && strcmp(prev, sku) == 0)
			continue;
		prev = sku;
		eta_lock(sku);
	}
	foreach(lc, moved)
		bo_item_store((BoItem *) lfirst(lc));

	values[0] = CStringGetTextDatum(hold_id);
	bo_exec(bo_plan(PLAN_HOLDS_LOCK_CART,
					"SELECT sku, held FROM backorder.holds"
					" WHERE hold_id" OP("=") "$1 AND status" OP("=") "'active'"
					" ORDER BY sku COLLATE pg_catalog.\"C\" FOR UPDATE",
					1, argtypes),
			values, NULL, false, 0);

	c = palloc(sizeof(Cart));
	c->hold_id = pstrdup(hold_id);
	c->n = (int) SPI_processed;
	c->holds = palloc0(sizeof(CartHold) * Max(c->n, 1));
	for (int i = 0; i < c->n; i++)
	{
		c->holds[i].sku = bo_get_text(i, 1);
		c->holds[i].held = bo_get_int64(i, 2, NULL);
		for (int j = 0; j < nskus; j++)
		{
			char	   *s = TextDatumGetCString(line_skus[j]);

			if (strcmp(s, c->holds[i].sku) == 0)
				c->holds[i].has_line = true;
		}
	}
	cart = c;
}

static CartHold *
cart_hold(const char *sku)
{
	if (cart == NULL)
		return NULL;
	for (int i = 0; i < cart->n; i++)
		if (strcmp(cart->holds[i].sku, sku) == 0)
			return &cart->holds[i];
	return NULL;
}

/* Does the running place_order hold units of this sku for its cart? */
bool
holds_cart_covers(const char *sku)
{
	CartHold   *h = cart_hold(sku);

	return h != NULL && h->held > h->used;
}

/*
 * A line of the running place_order takes up to `units` of its cart's held
 * units of the sku (those earlier lines did not use).  Returns the units
 * taken; the caller moves them from the item's held to its reserved.
 */
int64
holds_cart_take(const char *sku, int64 units)
{
	CartHold   *h = cart_hold(sku);
	int64		take;

	if (h == NULL)
		return 0;
	take = Min(units, h->held - h->used);
	h->used += take;
	return take;
}

/*
 * After the lines: every active hold of the cart ends, converted when the
 * order has a line of its sku (units left over are freed), released
 * otherwise.
 */
void
holds_cart_end(void)
{
	Cart	   *c = cart;

	cart = NULL;
	if (c == NULL)
		return;
	for (int i = 0; i < c->n; i++)
	{
		CartHold   *h = &c->holds[i];
		int64		freed = h->held - h->used;

		(void) end_hold(c->hold_id, h->sku, h->has_line ? "converted" : "released");
		if (freed > 0)
		{
			BoItem		item;

			if (!bo_item_lock(h->sku, &item))
				continue;
			item.held -= freed;
			free_units(&item);
			bo_item_store(&item);
		}
	}
}

void
holds_cart_reset(void)
{
	cart = NULL;
}

/*
 * place_order(order_id text, lines jsonb, hold_id text) returns setof
 * order_lines: a NULL hold_id acts like the two-argument form.
 */
Datum
backorder_place_order_hold(PG_FUNCTION_ARGS)
{
	return bo_place_order(fcinfo, PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2)));
}
