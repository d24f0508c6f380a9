/*-------------------------------------------------------------------------
 * src/channels.c
 *		Sales channels (1.1): the availability_changed feed, and switching
 *		it on and off as channels come and go.
 *
 * The feed.  While at least one channel exists, each transaction that
 * changes items' available writes, at commit, one availability_changed
 * event per item whose available at commit differs from its available
 * before the transaction first changed it, after every other event of the
 * transaction, in sku order (COLLATE "C", the engine's lock order).
 *
 *	- items_availability (AFTER UPDATE, row) notes in backend memory, per
 *	  transaction, each sku's available before its first change (the OLD
 *	  row of that change) and the subtransaction that made it.  When that
 *	  subtransaction aborts the note goes with it (the change it saw was
 *	  undone, and the row lock with it: the next change reads the value
 *	  before *it*); when it commits, the note passes to its parent.
 *	- items_availability_feed (a constraint trigger, DEFERRABLE INITIALLY
 *	  DEFERRED) fires at commit, after every statement of the transaction,
 *	  and therefore after all of its other events.  The first one to fire
 *	  writes every noted sku's event in one INSERT, reading available at
 *	  commit (the transaction holds the rows' locks, so nobody else can
 *	  change them any more); the others find nothing left to write.
 *	  PostgreSQL discards the queued firings of an aborted subtransaction
 *	  itself.  One NOTIFY backorder_events goes with the events.
 *
 * Cost.  Both item triggers are created disabled.  The statement trigger
 * on channels (tg_channels_changed) enables them when the first channel
 * appears and disables them when the last one goes (ALTER TABLE ... ENABLE
 * / DISABLE TRIGGER as the extension's owner): with no channel the
 * placement paths run exactly as without the feature.  Channel changes are
 * serialised by a SHARE UPDATE EXCLUSIVE lock on channels (it does not
 * conflict with the rows' own writes), and the count is read with the
 * latest snapshot, so two concurrent changes cannot leave the triggers in
 * the wrong state.  Switching takes PostgreSQL's SHARE ROW EXCLUSIVE lock
 * on items until commit: the first and the last channel are created and
 * deleted in a quiet moment, like other DDL.  A transaction that still has
 * feed firings queued on items when it deletes the last channel cannot
 * disable the triggers (PostgreSQL refuses ALTER TABLE then): they stay
 * enabled, write nothing (the feed checks at commit that a channel exists)
 * and are disabled by the next channel change that finds none.
 *
 * Lock order: the feed reads items at commit, after the transaction took
 * every lock it holds; it takes no new row lock.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "backorder.h"

PG_FUNCTION_INFO_V1(backorder_tg_channels_changed);
PG_FUNCTION_INFO_V1(backorder_tg_availability_note);
PG_FUNCTION_INFO_V1(backorder_tg_availability_feed);

#define OP(o) " OPERATOR(pg_catalog." o ") "
#define EVENTS_CHANNEL "backorder_events"
#define NOTE_TRIGGER "items_availability"
#define FEED_TRIGGER "items_availability_feed"

/* a sku is at most 200 characters of at most 4 bytes */
#define SKU_KEY_SIZE 808

typedef struct AvailNote
{
	char		sku[SKU_KEY_SIZE];	/* hash key */
	int64		before;			/* available before the first change */
	SubTransactionId subid;		/* the subtransaction that made it */
} AvailNote;

/* this transaction's notes: a hash made once per backend (in
 * TopMemoryContext), emptied when they are written and at the end of every
 * transaction; nnotes counts its entries */
static HTAB *notes = NULL;
static long nnotes = 0;

/* Forget every note. */
static void
notes_clear(void)
{
	HASH_SEQ_STATUS status;
	AvailNote  *note;

	if (nnotes == 0)
		return;
	hash_seq_init(&status, notes);
	while ((note = hash_seq_search(&status)) != NULL)
		hash_search(notes, note->sku, HASH_REMOVE, NULL);
	nnotes = 0;
}

/* ---------------------------------------------------------------- notes */

/* available = on_hand - reserved - held of an items row; held counts 0 in a
 * schema that has no such column (1.0 installs being upgraded) */
static int64
row_available(HeapTuple tuple, TupleDesc desc)
{
	static const char *const cols[] = {"on_hand", "reserved", "held"};
	int64		v[3] = {0, 0, 0};

	for (int i = 0; i < 3; i++)
	{
		int			attnum = SPI_fnumber(desc, cols[i]);
		bool		isnull;
		Datum		d;

		if (attnum <= 0)
			continue;
		d = heap_getattr(tuple, attnum, desc, &isnull);
		if (!isnull)
			v[i] = DatumGetInt64(d);
	}
	return v[0] - v[1] - v[2];
}

static void
note_before(const char *sku, int64 before)
{
	AvailNote  *note;
	bool		found;

	if (strlen(sku) >= SKU_KEY_SIZE)
		elog(ERROR, "backorder: sku \"%s\" is too long for the availability feed", sku);
	if (notes == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = SKU_KEY_SIZE;
		ctl.entrysize = sizeof(AvailNote);
		ctl.hcxt = TopMemoryContext;
		notes = hash_create("backorder availability notes", 64, &ctl,
							HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}
	note = hash_search(notes, sku, HASH_ENTER, &found);
	if (!found)
	{
		nnotes++;
		note->before = before;
		note->subid = GetCurrentSubTransactionId();
	}
}

/* The end of the transaction: its notes are forgotten. */
void
channels_reset(void)
{
	notes_clear();
}

/*
 * A subtransaction ends: an aborted one takes its notes with it, a
 * committed one hands them to its parent.
 */
void
channels_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						  SubTransactionId parentSubid, void *arg)
{
	HASH_SEQ_STATUS status;
	AvailNote  *note;

	if (nnotes == 0 || (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB))
		return;
	hash_seq_init(&status, notes);
	while ((note = hash_seq_search(&status)) != NULL)
	{
		if (note->subid != mySubid)
			continue;
		if (event == SUBXACT_EVENT_ABORT_SUB)
		{
			hash_search(notes, note->sku, HASH_REMOVE, NULL);
			nnotes--;
		}
		else
			note->subid = parentSubid;
	}
}

/* AFTER UPDATE OF on_hand, reserved, held ON items, FOR EACH ROW */
Datum
backorder_tg_availability_note(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	int64		before,
				after;
	bool		isnull;
	Datum		sku;

	bo_check_trigger(fcinfo, "backorder_tg_availability_note", false, true, TRIGGER_EVENT_UPDATE);
	desc = RelationGetDescr(trigdata->tg_relation);
	before = row_available(trigdata->tg_trigtuple, desc);
	after = row_available(trigdata->tg_newtuple, desc);
	if (before != after)
	{
		sku = heap_getattr(trigdata->tg_trigtuple, SPI_fnumber(desc, "sku"), desc, &isnull);
		if (!isnull)
			note_before(TextDatumGetCString(sku), before);
	}
	return PointerGetDatum(NULL);
}

/* ----------------------------------------------------------------- feed */

/*
 * The event's columns, from items row i and the noted value n.before: every
 * availability_changed event is written by one of the two plans below.
 */
#define FEED_AVAILABLE "(i.on_hand" OP("-") "i.reserved" OP("-") "i.held)"
#define FEED_INSERT \
	"INSERT INTO backorder.events (at, kind, order_id, line_no, sku, quantity, expected_at, detail)" \
	" SELECT pg_catalog.now(), 'availability_changed', NULL, NULL, i.sku, " FEED_AVAILABLE ", NULL," \
	"        pg_catalog.jsonb_build_object('old', n.before, 'new', " FEED_AVAILABLE ")"
#define FEED_FILTER \
	" WHERE " FEED_AVAILABLE OP("<>") "n.before" \
	"   AND EXISTS (SELECT FROM backorder.channels)"

/*
 * Write one availability_changed event per noted sku whose available moved,
 * in sku order: skus and befores are the n noted skus and their values
 * before the transaction's first change.  The common case, a transaction
 * that changed one item (a placement, a receipt), has a plan of its own:
 * one index probe of items, no arrays, no sort.
 */
static void
feed_write(int n, Datum *skus, Datum *befores)
{
	Datum		values[2];
	BoScope		scope;

	bo_scope_enter(&scope, bo_owner());
	if (n == 1)
	{
		static const Oid argtypes[] = {TEXTOID, INT8OID};

		values[0] = skus[0];
		values[1] = befores[0];
		bo_exec(bo_plan(PLAN_EVENTS_AVAILABILITY_ONE,
						FEED_INSERT
						"   FROM backorder.items i, (SELECT $2 AS before) n"
						FEED_FILTER
						"   AND i.sku" OP("=") "$1",
						2, argtypes),
				values, NULL, false, 0);
	}
	else
	{
		static const Oid argtypes[] = {TEXTARRAYOID, INT8ARRAYOID};

		values[0] = PointerGetDatum(construct_array(skus, n, TEXTOID, -1, false, TYPALIGN_INT));
		values[1] = PointerGetDatum(construct_array(befores, n, INT8OID, sizeof(int64),
													FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		bo_exec(bo_plan(PLAN_EVENTS_AVAILABILITY,
						FEED_INSERT
						"   FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS n(sku, before)"
						"   JOIN backorder.items i ON i.sku" OP("=") "n.sku"
						FEED_FILTER
						"  ORDER BY i.sku COLLATE pg_catalog.\"C\"",
						2, argtypes),
				values, NULL, false, 0);
	}
	if (SPI_processed > 0)
		Async_Notify(EVENTS_CHANNEL, NULL);
	bo_scope_leave(&scope);
}

/* CONSTRAINT TRIGGER ... AFTER UPDATE ON items, DEFERRABLE INITIALLY DEFERRED */
Datum
backorder_tg_availability_feed(PG_FUNCTION_ARGS)
{
	HASH_SEQ_STATUS status;
	AvailNote  *note;
	Datum	   *skus;
	Datum	   *befores;
	long		n;
	int			i = 0;

	bo_check_trigger(fcinfo, "backorder_tg_availability_feed", false, true, TRIGGER_EVENT_UPDATE);
	n = nnotes;
	if (n == 0)
		return PointerGetDatum(NULL);

	skus = palloc(sizeof(Datum) * n);
	befores = palloc(sizeof(Datum) * n);
	hash_seq_init(&status, notes);
	while ((note = hash_seq_search(&status)) != NULL)
	{
		skus[i] = CStringGetTextDatum(note->sku);
		befores[i] = Int64GetDatum(note->before);
		i++;
	}
	/* written once: a later firing (or a later change) starts afresh */
	notes_clear();

	feed_write(i, skus, befores);
	return PointerGetDatum(NULL);
}

/* ------------------------------------------------------- switching it */

/* Does channels hold a row, in the latest snapshot (committed by anyone,
 * or written by this transaction)? */
static bool
channels_exist(Relation channels)
{
	Snapshot	snapshot;
	TableScanDesc scan;
	bool		any;

	CommandCounterIncrement();
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	scan = table_beginscan(channels, snapshot, 0, NULL);
	any = heap_getnext(scan, ForwardScanDirection) != NULL;
	table_endscan(scan);
	UnregisterSnapshot(snapshot);
	return any;
}

/* Is the items trigger of that name enabled (in any mode)? */
static bool
items_trigger_enabled(Relation items, const char *name)
{
	TriggerDesc *trigdesc = items->trigdesc;

	if (trigdesc != NULL)
		for (int i = 0; i < trigdesc->numtriggers; i++)
			if (strcmp(trigdesc->triggers[i].tgname, name) == 0)
				return trigdesc->triggers[i].tgenabled != TRIGGER_DISABLED;
	elog(ERROR, "backorder: trigger \"%s\" on table \"backorder.items\" is missing", name);
	pg_unreachable();
}

/* AFTER INSERT OR DELETE ON channels, FOR EACH STATEMENT */
Datum
backorder_tg_channels_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Oid			items_oid;
	Relation	items;
	bool		want,
				enabled,
				pending;
	BoScope		scope;

	bo_check_trigger(fcinfo, "backorder_tg_channels_changed", false, false, -1);

	/* one channel change at a time decides; rows' own writes go on */
	LockRelationOid(RelationGetRelid(trigdata->tg_relation), ShareUpdateExclusiveLock);
	want = channels_exist(trigdata->tg_relation);

	items_oid = get_relname_relid("items", RelationGetNamespace(trigdata->tg_relation));
	if (!OidIsValid(items_oid))
		elog(ERROR, "backorder: table backorder.items is missing");
	items = table_open(items_oid, AccessShareLock);
	enabled = items_trigger_enabled(items, NOTE_TRIGGER) && items_trigger_enabled(items, FEED_TRIGGER);
	pending = AfterTriggerPendingOnRel(items_oid);
	table_close(items, AccessShareLock);

	if (want == enabled || (!want && pending))
		return PointerGetDatum(NULL);

	bo_scope_enter(&scope, bo_owner());
	if (SPI_execute(want ?
					"ALTER TABLE backorder.items ENABLE TRIGGER " NOTE_TRIGGER ", ENABLE TRIGGER " FEED_TRIGGER :
					"ALTER TABLE backorder.items DISABLE TRIGGER " NOTE_TRIGGER ", DISABLE TRIGGER " FEED_TRIGGER,
					false, 0) < 0)
		elog(ERROR, "backorder: switching the availability feed failed");
	bo_scope_leave(&scope);
	return PointerGetDatum(NULL);
}
