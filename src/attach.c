/*-------------------------------------------------------------------------
 * src/attach.c
 *		Attaching the engine to a shop's own tables (1.1): attach_order_lines,
 *		attach_shipments, attach_receipts, detach, the row trigger they
 *		install on the shop's table, and the guard of the two tables that
 *		record them (attachments, attached_lines).
 *
 * A row of an attached table is turned into engine values by one kept
 * plan per attachment,
 *		SELECT <primary key as text>, CAST((expr) AS type), ...
 *		  FROM (SELECT ($1).*) AS s
 * whose $1 is the row itself.  The plan is prepared and run with
 * search_path = pg_catalog, pg_temp, as the role whose statement fired the
 * trigger; the engine's writes that follow run as the extension's owner.
 * The plans live in a hash keyed by the table's OID and are dropped when
 * its relcache entry is invalidated: any ALTER TABLE, and attach / detach
 * themselves (they create or drop the trigger on it).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parse_coerce.h"
#include "parser/parser.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"

#include "backorder.h"

PG_FUNCTION_INFO_V1(backorder_attach_order_lines);
PG_FUNCTION_INFO_V1(backorder_attach_shipments);
PG_FUNCTION_INFO_V1(backorder_attach_receipts);
PG_FUNCTION_INFO_V1(backorder_detach);
PG_FUNCTION_INFO_V1(backorder_tg_attached);
PG_FUNCTION_INFO_V1(backorder_tg_attach_guard);
PG_FUNCTION_INFO_V1(backorder_evt_attach_dropped);

#define OP(o) " OPERATOR(pg_catalog." o ") "
#define ATTACH_TRIGGER "backorder_attached"
#define PINNED_SEARCH_PATH "pg_catalog, pg_temp"
#define REASON_UPDATED "attached row updated"
#define REASON_DELETED "attached row deleted"

/* ---- the three kinds and their arguments ---- */

typedef enum AttachKind
{
	KIND_ORDER_LINES,
	KIND_SHIPMENTS,
	KIND_RECEIPTS
} AttachKind;

typedef struct AttachArg
{
	const char *name;			/* argument name, key in definition */
	const char *type;			/* the value is cast to it */
	bool		required;
} AttachArg;

/* columns of the eval plan: 1 = the row key, then these in order */
static const AttachArg order_args[] = {
	{"order_id", "pg_catalog.text", true},
	{"sku", "pg_catalog.text", true},
	{"quantity", "pg_catalog.int8", true},
	{"line_no", "pg_catalog.int4", false},
	{"priority", "pg_catalog.int4", false},
	{"ordered_at", "pg_catalog.timestamptz", false},
};
enum
{
	COL_KEY = 0, COL_ORDER, COL_SKU, COL_QTY, COL_LINE, COL_PRIO, COL_AT
};

static const AttachArg shipment_args[] = {
	{"order_line", "pg_catalog.text", true},
	{"quantity", "pg_catalog.int8", true},
};
static const AttachArg receipt_args[] = {
	{"sku", "pg_catalog.text", true},
	{"quantity", "pg_catalog.int8", true},
	{"purchase_order_id", "pg_catalog.text", false},
	{"reference", "pg_catalog.text", false},
};

#define MAX_ARGS 6

static const char *const kind_names[] = {"order_lines", "shipments", "receipts"};

static const AttachArg *
kind_args(AttachKind kind, int *nargs)
{
	switch (kind)
	{
		case KIND_ORDER_LINES:
			*nargs = lengthof(order_args);
			return order_args;
		case KIND_SHIPMENTS:
			*nargs = lengthof(shipment_args);
			return shipment_args;
		default:
			*nargs = lengthof(receipt_args);
			return receipt_args;
	}
}

/* ---- the per-table cache ---- */

/*
 * The fast path: when every expression is a bare column of the row (and the
 * primary key is one column), its values are read from the row and cast the
 * way CAST would (the same pg_cast function, a relabel or I/O conversion),
 * without running the eval plan.
 */
typedef enum FastMode
{
	FAST_NULL,					/* argument left out */
	FAST_SAME,					/* binary compatible */
	FAST_FUNC,					/* a one-argument cast function */
	FAST_IO						/* output, then input */
} FastMode;

typedef struct FastCol
{
	AttrNumber	attnum;
	FastMode	mode;
	int16		typlen;
	Oid			collation;
	Oid			ioparam;
	FmgrInfo	fn;				/* cast or output function */
	FmgrInfo	in;				/* input function (FAST_IO) */
} FastCol;

typedef struct AttachEntry
{
	Oid			relid;			/* hash key */
	bool		valid;
	AttachKind	kind;
	Oid			owner;			/* the extension's owner: engine writes */
	Oid			lines;			/* shipments: the order-line table */
	SPIPlanPtr	eval;			/* row -> key and values, run as the invoker */
	SPIPlanPtr	key;			/* row -> key alone (UPDATE, DELETE) */
	bool		fast;			/* cols below instead of the plans */
	int			ncols;
	FastCol		cols[MAX_ARGS + 1];
} AttachEntry;

static HTAB *attach_cache = NULL;

static void
attach_relcache_callback(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	AttachEntry *entry;

	if (attach_cache == NULL)
		return;
	if (OidIsValid(relid))
	{
		entry = hash_search(attach_cache, &relid, HASH_FIND, NULL);
		if (entry != NULL)
			entry->valid = false;
		return;
	}
	hash_seq_init(&status, attach_cache);
	while ((entry = hash_seq_search(&status)) != NULL)
		entry->valid = false;
}

static void
attach_cache_init(void)
{
	HASHCTL		ctl;

	if (attach_cache != NULL)
		return;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(AttachEntry);
	attach_cache = hash_create("backorder attachments", 16, &ctl, HASH_ELEM | HASH_BLOBS);
	CacheRegisterRelcacheCallback(attach_relcache_callback, (Datum) 0);
}

/* ---- search_path pinned for the shop's expressions ---- */

static int
pin_search_path(void)
{
	int			nest = NewGUCNestLevel();

	(void) set_config_option("search_path", PINNED_SEARCH_PATH, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return nest;
}

static void
unpin_search_path(int nest)
{
	AtEOXact_GUC(true, nest);
}

/* ---- building the eval query ---- */

/*
 * An expression must be one scalar expression: "SELECT (expr)" must parse
 * as exactly one plain SELECT of one target and nothing else, so that an
 * argument can never smuggle in a FROM, a second statement or a set
 * operation.  Syntax errors are PostgreSQL's own.
 */
static void
check_expression(const char *name, const char *expr)
{
	List	   *raw = raw_parser(psprintf("SELECT (%s)", expr), RAW_PARSE_DEFAULT);
	SelectStmt *stmt;

	if (list_length(raw) == 1 && IsA(((RawStmt *) linitial(raw))->stmt, SelectStmt))
	{
		stmt = (SelectStmt *) ((RawStmt *) linitial(raw))->stmt;
		if (stmt->op == SETOP_NONE && list_length(stmt->targetList) == 1 &&
			stmt->fromClause == NIL && stmt->whereClause == NULL &&
			stmt->groupClause == NIL && stmt->havingClause == NULL &&
			stmt->windowClause == NIL && stmt->sortClause == NIL &&
			stmt->limitCount == NULL && stmt->limitOffset == NULL &&
			stmt->lockingClause == NIL && stmt->withClause == NULL &&
			stmt->distinctClause == NIL && stmt->intoClause == NULL &&
			stmt->valuesLists == NIL)
			return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("expression for %s is not a single scalar expression: %s", name, expr)));
}

/* The primary key's columns of rel, as "s.col" references; 22023 if none. */
static List *
primary_key_columns(Relation rel)
{
	Oid			pk = RelationGetPrimaryKeyIndex(rel);
	HeapTuple	tp;
	Form_pg_index index;
	List	   *cols = NIL;

	if (!OidIsValid(pk))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("table \"%s\" has no primary key", RelationGetRelationName(rel)),
				 errdetail("An attached table's rows are known to the engine by their primary key.")));
	tp = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pk));
	if (!HeapTupleIsValid(tp))
		elog(ERROR, "cache lookup failed for index %u", pk);
	index = (Form_pg_index) GETSTRUCT(tp);
	for (int i = 0; i < index->indnkeyatts; i++)
	{
		AttrNumber	attnum = index->indkey.values[i];
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);

		cols = lappend(cols, psprintf("s.%s", quote_identifier(NameStr(att->attname))));
	}
	ReleaseSysCache(tp);
	return cols;
}

/*
 * "SELECT <key>, CAST((e1) AS t1), ... FROM (SELECT ($1).*) AS s".  The key
 * is the primary key as text: one column cast to text, several as a row
 * literal.  exprs[i] NULL: the argument was left out (a NULL of its type).
 */
static char *
eval_sql(Relation rel, AttachKind kind, char **exprs, bool key_only)
{
	StringInfoData sql;
	List	   *pk = primary_key_columns(rel);
	ListCell   *lc;
	int			nargs;
	const AttachArg *args = kind_args(kind, &nargs);

	if (key_only)
		nargs = 0;
	initStringInfo(&sql);
	if (list_length(pk) == 1)
		appendStringInfo(&sql, "SELECT CAST(%s AS pg_catalog.text)", (char *) linitial(pk));
	else
	{
		appendStringInfoString(&sql, "SELECT CAST(ROW(");
		foreach(lc, pk)
			appendStringInfo(&sql, "%s%s", foreach_current_index(lc) > 0 ? ", " : "", (char *) lfirst(lc));
		appendStringInfoString(&sql, ") AS pg_catalog.text)");
	}
	for (int i = 0; i < nargs; i++)
	{
		if (exprs[i] != NULL)
			appendStringInfo(&sql, ",\n CAST((%s) AS %s)", exprs[i], args[i].type);
		else
			appendStringInfo(&sql, ",\n CAST(NULL AS %s)", args[i].type);
	}
	appendStringInfoString(&sql, "\n FROM (SELECT ($1).*) AS s");
	return sql.data;
}

/* Prepare the eval query as the current user, search_path pinned. */
static SPIPlanPtr
prepare_eval(Relation rel, const char *sql)
{
	Oid			argtypes[1] = {rel->rd_rel->reltype};
	int			nest = pin_search_path();
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, 1, argtypes, CURSOR_OPT_GENERIC_PLAN);

	unpin_search_path(nest);
	if (plan == NULL)
		elog(ERROR, "backorder: SPI_prepare failed for \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	return plan;
}

/* ---- the fast path ---- */

/* The attribute an expression names when it is a bare column, else 0. */
static AttrNumber
bare_column(TupleDesc desc, const char *expr)
{
	List	   *raw = raw_parser(psprintf("SELECT (%s)", expr), RAW_PARSE_DEFAULT);
	SelectStmt *stmt = (SelectStmt *) ((RawStmt *) linitial(raw))->stmt;
	ResTarget  *target = (ResTarget *) linitial(stmt->targetList);
	ColumnRef  *ref;
	const char *name;

	if (!IsA(target->val, ColumnRef))
		return 0;
	ref = (ColumnRef *) target->val;
	if (list_length(ref->fields) != 1 || !IsA(linitial(ref->fields), String))
		return 0;
	name = strVal(linitial(ref->fields));
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return att->attnum;
	}
	return 0;
}

/* Set up fc to cast column attnum to target as CAST does; false if it cannot. */
static bool
fast_col(FastCol *fc, TupleDesc desc, AttrNumber attnum, Oid target)
{
	Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
	Oid			funcid = InvalidOid;
	Oid			func;
	bool		isvarlena;

	memset(fc, 0, sizeof(*fc));
	fc->attnum = attnum;
	fc->typlen = att->attlen;
	fc->collation = att->attcollation;
	if (get_typtype(att->atttypid) != TYPTYPE_BASE)
		return false;
	switch (find_coercion_pathway(target, att->atttypid, COERCION_EXPLICIT, &funcid))
	{
		case COERCION_PATH_RELABELTYPE:
			fc->mode = FAST_SAME;
			return true;
		case COERCION_PATH_FUNC:
			if (get_func_nargs(funcid) != 1)
				return false;
			fmgr_info_cxt(funcid, &fc->fn, TopMemoryContext);
			fc->mode = FAST_FUNC;
			return true;
		case COERCION_PATH_COERCEVIAIO:
			getTypeOutputInfo(att->atttypid, &func, &isvarlena);
			fmgr_info_cxt(func, &fc->fn, TopMemoryContext);
			getTypeInputInfo(target, &func, &fc->ioparam);
			fmgr_info_cxt(func, &fc->in, TopMemoryContext);
			fc->mode = FAST_IO;
			return true;
		default:
			return false;
	}
}

static Oid
type_oid_of(const char *name)
{
	if (strcmp(name, "pg_catalog.text") == 0)
		return TEXTOID;
	if (strcmp(name, "pg_catalog.int8") == 0)
		return INT8OID;
	if (strcmp(name, "pg_catalog.int4") == 0)
		return INT4OID;
	return TIMESTAMPTZOID;
}

/* Whether the attachment can take the fast path; fills entry->cols. */
static bool
fast_setup(AttachEntry *entry, Relation rel, char **exprs)
{
	TupleDesc	desc = RelationGetDescr(rel);
	Oid			pk = RelationGetPrimaryKeyIndex(rel);
	HeapTuple	tp;
	Form_pg_index index;
	AttrNumber	keyatt;
	int			nargs;
	const AttachArg *args = kind_args(entry->kind, &nargs);

	if (!OidIsValid(pk))
		return false;
	tp = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pk));
	if (!HeapTupleIsValid(tp))
		return false;
	index = (Form_pg_index) GETSTRUCT(tp);
	keyatt = index->indnkeyatts == 1 ? index->indkey.values[0] : 0;
	ReleaseSysCache(tp);
	if (keyatt <= 0 || !fast_col(&entry->cols[0], desc, keyatt, TEXTOID))
		return false;
	for (int i = 0; i < nargs; i++)
	{
		AttrNumber	attnum;

		if (exprs[i] == NULL)
		{
			memset(&entry->cols[i + 1], 0, sizeof(FastCol));
			entry->cols[i + 1].mode = FAST_NULL;
			continue;
		}
		attnum = bare_column(desc, exprs[i]);
		if (attnum <= 0 || !fast_col(&entry->cols[i + 1], desc, attnum, type_oid_of(args[i].type)))
			return false;
	}
	entry->ncols = nargs + 1;
	return true;
}

static Datum
fast_value(FastCol *fc, HeapTuple tuple, TupleDesc desc, bool *isnull)
{
	Datum		d;

	if (fc->mode == FAST_NULL)
	{
		*isnull = true;
		return (Datum) 0;
	}
	d = heap_getattr(tuple, fc->attnum, desc, isnull);
	if (*isnull)
		return (Datum) 0;
	if (fc->typlen == -1)
		d = PointerGetDatum(PG_DETOAST_DATUM_PACKED(d));
	switch (fc->mode)
	{
		case FAST_FUNC:
			return FunctionCall1Coll(&fc->fn, fc->collation, d);
		case FAST_IO:
			return InputFunctionCall(&fc->in, OutputFunctionCall(&fc->fn, d), fc->ioparam, -1);
		default:
			return d;
	}
}

/* ---- the entry of an attached table ---- */

/* a copy in the context of the SPI caller, which outlives this SPI call */
static char *
upper_strdup(const char *s, int len)
{
	char	   *r = SPI_palloc(len + 1);

	memcpy(r, s, len);
	r[len] = '\0';
	return r;
}

/* Read the attachment of relid (as the owner): false when there is none. */
static bool
read_attachment(Oid relid, AttachKind *kind, Oid *lines, char **exprs)
{
	static const Oid argtypes[] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};
	char	   *kindname;
	bool		isnull;
	Jsonb	   *def;
	int			nargs;
	const AttachArg *args;

	bo_exec(bo_plan(PLAN_ATTACH_DEF,
					"SELECT kind, lines, definition FROM backorder.attachments"
					" WHERE source" OP("=") "$1",
					1, argtypes),
			values, NULL, true, 1);
	if (SPI_processed == 0)
		return false;
	kindname = bo_get_text(0, 1);
	*kind = strcmp(kindname, "order_lines") == 0 ? KIND_ORDER_LINES :
		strcmp(kindname, "shipments") == 0 ? KIND_SHIPMENTS : KIND_RECEIPTS;
	*lines = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	if (isnull)
		*lines = InvalidOid;
	def = DatumGetJsonbP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
	args = kind_args(*kind, &nargs);
	for (int i = 0; i < nargs; i++)
	{
		JsonbValue *v = getKeyJsonValueFromContainer(&def->root, args[i].name, strlen(args[i].name), NULL);

		exprs[i] = (v != NULL && v->type == jbvString) ?
			upper_strdup(v->val.string.val, v->val.string.len) : NULL;
	}
	return true;
}

/* The cache entry of an attached table, (re)built when invalid. */
static AttachEntry *
attach_entry(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	AttachEntry *entry;
	bool		found;
	BoScope		scope;
	AttachKind	kind = KIND_ORDER_LINES;
	Oid			lines = InvalidOid;
	char	   *exprs[MAX_ARGS];
	Oid			owner;
	SPIPlanPtr	plan,
				keyplan;

	attach_cache_init();
	entry = hash_search(attach_cache, &relid, HASH_ENTER, &found);
	if (found && entry->valid && entry->eval != NULL && SPI_plan_is_valid(entry->eval) &&
		SPI_plan_is_valid(entry->key))
		return entry;
	if (!found)
		entry->eval = entry->key = NULL;
	entry->valid = false;
	if (entry->eval != NULL)
		SPI_freeplan(entry->eval);
	if (entry->key != NULL)
		SPI_freeplan(entry->key);
	entry->eval = entry->key = NULL;

	owner = bo_owner();
	bo_scope_enter(&scope, owner);
	found = read_attachment(relid, &kind, &lines, exprs);
	bo_scope_leave(&scope);
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" has the backorder trigger but no attachment",
						RelationGetRelationName(rel)),
				 errhint("Drop trigger \"%s\" on it, or attach it again.", ATTACH_TRIGGER)));

	plan = prepare_eval(rel, eval_sql(rel, kind, exprs, false));
	keyplan = prepare_eval(rel, eval_sql(rel, kind, exprs, true));
	if (SPI_keepplan(plan) != 0 || SPI_keepplan(keyplan) != 0)
		elog(ERROR, "backorder: SPI_keepplan failed");
	entry->kind = kind;
	entry->owner = owner;
	entry->lines = lines;
	entry->eval = plan;
	entry->key = keyplan;
	entry->fast = fast_setup(entry, rel, exprs);
	entry->valid = true;
	return entry;
}

/*
 * Run the eval plan over one row (as the invoker, search_path pinned) and
 * deform its result into values/nulls.
 */
static void
eval_plan(SPIPlanPtr plan, Relation rel, HeapTuple tuple, Datum *values, bool *nulls)
{
	Datum		arg[1];
	int			nest;

	arg[0] = heap_copy_tuple_as_datum(tuple, RelationGetDescr(rel));
	nest = pin_search_path();
	bo_exec(plan, arg, NULL, false, 1);
	unpin_search_path(nest);
	if (SPI_processed != 1)
		elog(ERROR, "backorder: attached row evaluated to " UINT64_FORMAT " rows", SPI_processed);
	heap_deform_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, values, nulls);
}

static void
eval_row(AttachEntry *entry, Relation rel, HeapTuple tuple, Datum *values, bool *nulls)
{
	if (entry->fast)
	{
		for (int i = 0; i < entry->ncols; i++)
			values[i] = fast_value(&entry->cols[i], tuple, RelationGetDescr(rel), &nulls[i]);
		return;
	}
	eval_plan(entry->eval, rel, tuple, values, nulls);
}

/* The row's primary key as text. */
static Datum
eval_key(AttachEntry *entry, Relation rel, HeapTuple tuple)
{
	Datum		key;
	bool		isnull;

	if (entry->fast)
		return fast_value(&entry->cols[0], tuple, RelationGetDescr(rel), &isnull);
	eval_plan(entry->key, rel, tuple, &key, &isnull);
	return key;
}

/* ---- engine writes (as the owner) ---- */

static void
place_line(Oid relid, Datum *v, bool *n)
{
	static const Oid argtypes[] = {TEXTOID, INT4OID, TEXTOID, INT8OID, INT4OID, TIMESTAMPTZOID,
	REGCLASSOID, TEXTOID};
	Datum		values[8];
	char		nulls[8];
	static const int cols[] = {COL_ORDER, COL_LINE, COL_SKU, COL_QTY, COL_PRIO, COL_AT};

	for (int i = 0; i < 6; i++)
	{
		values[i] = v[cols[i]];
		nulls[i] = n[cols[i]] ? 'n' : ' ';
	}
	values[6] = ObjectIdGetDatum(relid);
	nulls[6] = ' ';
	values[7] = v[COL_KEY];
	nulls[7] = ' ';
	bo_exec(bo_plan(PLAN_ATTACH_PLACE,
					"WITH l AS ("
					" INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, priority, ordered_at)"
					" SELECT $1,"
					"  COALESCE($2, (SELECT pg_catalog.max(m.line_no) FROM backorder.order_lines m"
					"                 WHERE m.order_id" OP("=") "$1)" OP("+") "1, 1),"
					"  $3, $4, COALESCE($5, 0), COALESCE($6, pg_catalog.now())"
					" RETURNING order_id, line_no)"
					" INSERT INTO backorder.attached_lines (source, row_key, order_id, line_no)"
					" SELECT $7, $8, l.order_id, l.line_no FROM l"
					" ON CONFLICT (source, row_key) DO UPDATE"
					"  SET order_id = EXCLUDED.order_id, line_no = EXCLUDED.line_no",
					8, argtypes),
			values, nulls, false, 0);
}

/* The order line placed for a row of source: false when there is none. */
static bool
find_line(Oid source, Datum key, char **order_id, int32 *line_no)
{
	static const Oid argtypes[] = {REGCLASSOID, TEXTOID};
	Datum		values[2] = {ObjectIdGetDatum(source), key};

	bo_exec(bo_plan(PLAN_ATTACH_FIND,
					"SELECT order_id, line_no FROM backorder.attached_lines"
					" WHERE source" OP("=") "$1 AND row_key" OP("=") "$2",
					2, argtypes),
			values, NULL, false, 1);
	if (SPI_processed == 0)
		return false;
	{
		char	   *text = bo_get_text(0, 1);

		/* in the caller's context: it outlives this engine scope */
		*order_id = upper_strdup(text, strlen(text));
	}
	*line_no = bo_get_int32(0, 2);
	return true;
}

static void
rekey_line(Oid source, Datum old_key, Datum new_key)
{
	static const Oid argtypes[] = {REGCLASSOID, TEXTOID, TEXTOID};
	Datum		values[3] = {ObjectIdGetDatum(source), old_key, new_key};

	bo_exec(bo_plan(PLAN_ATTACH_REKEY,
					"UPDATE backorder.attached_lines SET row_key = $3"
					" WHERE source" OP("=") "$1 AND row_key" OP("=") "$2",
					3, argtypes),
			values, NULL, false, 0);
}

/* Cancel units of a line (all open ones when units < 0; none if none open). */
static void
cancel_units(const char *order_id, int32 line_no, int64 units, const char *reason)
{
	static const Oid argtypes[] = {TEXTOID, INT4OID, INT8OID, TEXTOID};
	Datum		values[4];
	char		nulls[4] = {' ', ' ', units < 0 ? 'n' : ' ', ' '};

	values[0] = CStringGetTextDatum(order_id);
	values[1] = Int32GetDatum(line_no);
	values[2] = Int64GetDatum(units);
	values[3] = CStringGetTextDatum(reason);
	bo_exec(bo_plan(PLAN_ATTACH_CANCEL,
					"INSERT INTO backorder.cancellations (order_id, line_no, quantity, reason)"
					" SELECT l.order_id, l.line_no, $3, $4 FROM backorder.order_lines l"
					" WHERE l.order_id" OP("=") "$1 AND l.line_no" OP("=") "$2"
					"  AND ($3 IS NOT NULL OR l.reserved" OP("+") "l.backordered" OP(">") "0)",
					4, argtypes),
			values, nulls, false, 0);
}

/* ---- the trigger on the shop's table ---- */

static void
changed_forbidden(Relation rel, const char *what, const char *order_id, int32 line_no)
{
	ereport(ERROR,
			(errcode(ERRCODE_BO_ENGINE_MANAGED),
			 errmsg("the %s of a row of attached table \"%s\" may not change (order \"%s\" line %d)",
					what, RelationGetRelationName(rel), order_id, line_no),
			 errdetail("Its order line is placed; lower the quantity or delete the row to cancel units.")));
}

static bool
text_differs(Datum a, bool an, Datum b, bool bn)
{
	if (an || bn)
		return an != bn;
	return !DatumGetBool(DirectFunctionCall2Coll(texteq, C_COLLATION_OID, a, b));
}

static void
attached_update(AttachEntry *entry, Relation rel, HeapTuple oldtup, HeapTuple newtup)
{
	Datum		ov[7],
				nv[7];
	bool		on[7],
				nn[7];
	char	   *order_id;
	int32		line_no;
	BoScope		scope;
	bool		found;
	Datum		old_key = eval_key(entry, rel, oldtup);

	bo_scope_enter(&scope, entry->owner);
	found = find_line(RelationGetRelid(rel), old_key, &order_id, &line_no);
	bo_scope_leave(&scope);
	if (!found)
		return;					/* a row placed before the attach: not ours */

	/* the values, as the invoker */
	eval_row(entry, rel, oldtup, ov, on);
	eval_row(entry, rel, newtup, nv, nn);

	bo_scope_enter(&scope, entry->owner);
	{
		if (text_differs(ov[COL_KEY], false, nv[COL_KEY], false))
			rekey_line(RelationGetRelid(rel), ov[COL_KEY], nv[COL_KEY]);
		if (text_differs(ov[COL_ORDER], on[COL_ORDER], nv[COL_ORDER], nn[COL_ORDER]))
			changed_forbidden(rel, "order_id", order_id, line_no);
		if (text_differs(ov[COL_SKU], on[COL_SKU], nv[COL_SKU], nn[COL_SKU]))
			changed_forbidden(rel, "sku", order_id, line_no);
		if (on[COL_LINE] != nn[COL_LINE] ||
			(!on[COL_LINE] && DatumGetInt32(ov[COL_LINE]) != DatumGetInt32(nv[COL_LINE])))
			changed_forbidden(rel, "line_no", order_id, line_no);
		if (nn[COL_QTY])
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("quantity of a row of attached table \"%s\" is NULL (order \"%s\" line %d)",
							RelationGetRelationName(rel), order_id, line_no)));
		if (!on[COL_QTY])
		{
			int64		oldq = DatumGetInt64(ov[COL_QTY]);
			int64		newq = DatumGetInt64(nv[COL_QTY]);

			if (newq > oldq)
				ereport(ERROR,
						(errcode(ERRCODE_BO_ENGINE_MANAGED),
						 errmsg("quantity of order \"%s\" line %d may not rise: from " INT64_FORMAT " to " INT64_FORMAT,
								order_id, line_no, oldq, newq),
						 errdetail("A row of attached table \"%s\" may only lower its quantity (a cancellation); add a row for more units.",
								   RelationGetRelationName(rel))));
			if (newq < oldq)
				cancel_units(order_id, line_no, oldq - newq, REASON_UPDATED);
		}
	}
	bo_scope_leave(&scope);
}

static void
attached_delete(AttachEntry *entry, Relation rel, HeapTuple oldtup)
{
	Datum		key = eval_key(entry, rel, oldtup);
	char	   *order_id;
	int32		line_no;
	BoScope		scope;

	bo_scope_enter(&scope, entry->owner);
	if (find_line(RelationGetRelid(rel), key, &order_id, &line_no))
		cancel_units(order_id, line_no, -1, REASON_DELETED);
	bo_scope_leave(&scope);
}

static void
attached_ship(AttachEntry *entry, Relation rel, HeapTuple tuple)
{
	static const Oid argtypes[] = {TEXTOID, INT4OID, INT8OID};
	Datum		v[3];
	bool		n[3];
	char	   *order_id;
	int32		line_no;
	BoScope		scope;
	Datum		values[3];

	eval_row(entry, rel, tuple, v, n);
	if (n[1])
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("order_line of a row of attached table \"%s\" is NULL", RelationGetRelationName(rel))));
	bo_scope_enter(&scope, entry->owner);
	if (!OidIsValid(entry->lines) || !find_line(entry->lines, v[1], &order_id, &line_no))
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("row %s of attached table \"%s\" has no order line",
						TextDatumGetCString(v[1]),
						OidIsValid(entry->lines) ? get_rel_name(entry->lines) : "?"),
				 errdetail("Key (source, row_key)=(%s, %s) is not present in table \"backorder.attached_lines\".",
						   OidIsValid(entry->lines) ? get_rel_name(entry->lines) : "?",
						   TextDatumGetCString(v[1]))));
	values[0] = CStringGetTextDatum(order_id);
	values[1] = Int32GetDatum(line_no);
	values[2] = v[2];
	bo_exec(bo_plan(PLAN_ATTACH_SHIP,
					"INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ($1, $2, $3)",
					3, argtypes),
			values, n[2] ? "  n" : "   ", false, 0);
	bo_scope_leave(&scope);
}

static void
attached_receive(AttachEntry *entry, Relation rel, HeapTuple tuple)
{
	static const Oid argtypes[] = {TEXTOID, INT8OID, TEXTOID, TEXTOID};
	Datum		v[5];
	bool		n[5];
	char		nulls[4];
	BoScope		scope;

	eval_row(entry, rel, tuple, v, n);
	for (int i = 0; i < 4; i++)
		nulls[i] = n[i + 1] ? 'n' : ' ';
	bo_scope_enter(&scope, entry->owner);
	bo_exec(bo_plan(PLAN_ATTACH_RECEIVE,
					"INSERT INTO backorder.receipts (sku, quantity, purchase_order_id, reference)"
					" VALUES ($1, $2, $3, $4)",
					4, argtypes),
			v + 1, nulls, false, 0);
	bo_scope_leave(&scope);
}

static void attached_row(TriggerData *trigdata, Relation rel);

/*
 * AFTER INSERT OR UPDATE OR DELETE, FOR EACH ROW, on an attached table.
 */
Datum
backorder_tg_attached(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	MemoryContext caller_context;

	bo_check_trigger(fcinfo, "backorder_tg_attached", false, true, -1);
	rel = trigdata->tg_relation;
	caller_context = CurrentMemoryContext;
	PG_TRY();
	{
		attached_row(trigdata, rel);
	}
	PG_CATCH();
	{
		/* the shop sees the engine's error, not the engine's query text */
		bo_rethrow_without_context(caller_context);
	}
	PG_END_TRY();
	return PointerGetDatum(NULL);
}

/* The work of the trigger for one row of an attached table. */
static void
attached_row(TriggerData *trigdata, Relation rel)
{
	AttachEntry *entry;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "backorder: SPI_connect failed");
	entry = attach_entry(rel);

	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		if (entry->kind == KIND_ORDER_LINES)
		{
			Datum		v[7];
			bool		n[7];
			BoScope		scope;

			eval_row(entry, rel, trigdata->tg_trigtuple, v, n);
			bo_scope_enter(&scope, entry->owner);
			place_line(RelationGetRelid(rel), v, n);
			bo_scope_leave(&scope);
		}
		else if (entry->kind == KIND_SHIPMENTS)
			attached_ship(entry, rel, trigdata->tg_trigtuple);
		else
			attached_receive(entry, rel, trigdata->tg_trigtuple);
	}
	else if (entry->kind == KIND_ORDER_LINES && TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		attached_update(entry, rel, trigdata->tg_trigtuple, trigdata->tg_newtuple);
	else if (entry->kind == KIND_ORDER_LINES && TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		attached_delete(entry, rel, trigdata->tg_trigtuple);

	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "backorder: SPI_finish failed");
}

/* ---- attach and detach ---- */

static bool
is_attached(Oid relid)
{
	static const Oid argtypes[] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};

	bo_exec(bo_plan(PLAN_ATTACH_EXISTS,
					"SELECT kind FROM backorder.attachments WHERE source" OP("=") "$1",
					1, argtypes),
			values, NULL, false, 1);
	return SPI_processed > 0;
}

/*
 * Open source for attach/detach: an ordinary table outside schema backorder
 * (22023) that the caller owns (42501), locked against concurrent writes
 * and DDL as CREATE TRIGGER would lock it.
 */
static Relation
open_source(Oid relid)
{
	char		relkind = get_rel_relkind(relid);
	Relation	rel;

	if (relkind == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (relkind != RELKIND_RELATION ||
		get_rel_namespace(relid) == get_namespace_oid("backorder", false))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not an ordinary table of the shop", get_rel_name(relid)),
				 errdetail("Only ordinary tables outside schema backorder can be attached.")));
	if (!pg_class_ownercheck(relid, GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of table %s", get_rel_name(relid))));
	rel = table_open(relid, ShareRowExclusiveLock);
	return rel;
}

static char *
qualified_name(Relation rel)
{
	return quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
									  RelationGetRelationName(rel));
}

/* The text arguments of an attach call, checked: required ones not NULL. */
static void
get_exprs(FunctionCallInfo fcinfo, AttachKind kind, char **exprs)
{
	int			nargs;
	const AttachArg *args = kind_args(kind, &nargs);

	for (int i = 0; i < nargs; i++)
	{
		if (PG_ARGISNULL(i + 1))
		{
			if (args[i].required)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("%s must not be NULL", args[i].name)));
			exprs[i] = NULL;
			continue;
		}
		exprs[i] = TextDatumGetCString(PG_GETARG_DATUM(i + 1));
		check_expression(args[i].name, exprs[i]);
	}
}

/* The attached order-line table a shipments attachment ships from (22023). */
static Oid
shipment_lines(FunctionCallInfo fcinfo)
{
	if (!PG_ARGISNULL(3))
	{
		Oid			lines = PG_GETARG_OID(3);

		bo_exec(bo_plan(PLAN_ATTACH_LINES_OF,
						"SELECT source FROM backorder.attachments"
						" WHERE kind" OP("=") "'order_lines' AND source" OP("=") "$1",
						1, (Oid[]) {REGCLASSOID}),
				(Datum[]) {ObjectIdGetDatum(lines)}, NULL, false, 1);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("table \"%s\" is not attached as order lines", get_rel_name(lines))));
		return lines;
	}
	bo_exec(bo_plan(PLAN_ATTACH_LINES_ANY,
					"SELECT source FROM backorder.attachments WHERE kind" OP("=") "'order_lines' LIMIT 2",
					0, NULL),
			NULL, NULL, false, 2);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lines must name the attached order-line table"),
				 errdetail(SPI_processed == 0 ? "No table is attached as order lines." :
						   "Several tables are attached as order lines.")));
	return DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &(bool) {false}));
}

/* definition jsonb: {"arg": "expression" or null, ...} */
static Datum
definition_of(AttachKind kind, char **exprs)
{
	int			nargs;
	const AttachArg *args = kind_args(kind, &nargs);
	JsonbParseState *state = NULL;
	JsonbValue	k,
				v;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < nargs; i++)
	{
		k.type = jbvString;
		k.val.string.val = (char *) args[i].name;
		k.val.string.len = strlen(args[i].name);
		pushJsonbValue(&state, WJB_KEY, &k);
		if (exprs[i] == NULL)
			v.type = jbvNull;
		else
		{
			v.type = jbvString;
			v.val.string.val = exprs[i];
			v.val.string.len = strlen(exprs[i]);
		}
		pushJsonbValue(&state, WJB_VALUE, &v);
	}
	return JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL)));
}

static void
attach(FunctionCallInfo fcinfo, AttachKind kind)
{
	static const Oid argtypes[] = {REGCLASSOID, TEXTOID, JSONBOID, REGCLASSOID};
	Oid			relid;
	Relation	rel;
	char	   *exprs[MAX_ARGS];
	Oid			lines = InvalidOid;
	BoScope		scope;
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', 'n'};

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source must not be NULL")));
	relid = PG_GETARG_OID(0);
	rel = open_source(relid);
	(void) primary_key_columns(rel);	/* 22023 before anything else */
	get_exprs(fcinfo, kind, exprs);

	/* the expressions, resolved and checked as the caller (PostgreSQL's errors) */
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "backorder: SPI_connect failed");
	SPI_freeplan(prepare_eval(rel, eval_sql(rel, kind, exprs, false)));

	bo_scope_enter(&scope, bo_owner());
	if (is_attached(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("table \"%s\" is already attached", RelationGetRelationName(rel)),
				 errdetail("Key (source)=(%s) already exists in table \"backorder.attachments\"; detach it first.",
						   RelationGetRelationName(rel))));
	if (kind == KIND_SHIPMENTS)
	{
		lines = shipment_lines(fcinfo);
		nulls[3] = ' ';
	}
	values[0] = ObjectIdGetDatum(relid);
	values[1] = CStringGetTextDatum(kind_names[kind]);
	values[2] = definition_of(kind, exprs);
	values[3] = ObjectIdGetDatum(lines);
	bo_exec(bo_plan(PLAN_ATTACH_INSERT,
					"INSERT INTO backorder.attachments (source, kind, definition, attached_at, lines)"
					" VALUES ($1, $2, $3, pg_catalog.now(), $4)",
					4, argtypes),
			values, nulls, false, 0);
	if (SPI_execute(psprintf("CREATE TRIGGER " ATTACH_TRIGGER " AFTER INSERT%s ON %s"
							 " FOR EACH ROW EXECUTE FUNCTION backorder.tg_attached()",
							 kind == KIND_ORDER_LINES ? " OR UPDATE OR DELETE" : "",
							 qualified_name(rel)), false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "backorder: CREATE TRIGGER failed");
	bo_scope_leave(&scope);
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "backorder: SPI_finish failed");
	table_close(rel, NoLock);
}

Datum
backorder_attach_order_lines(PG_FUNCTION_ARGS)
{
	attach(fcinfo, KIND_ORDER_LINES);
	PG_RETURN_VOID();
}

Datum
backorder_attach_shipments(PG_FUNCTION_ARGS)
{
	attach(fcinfo, KIND_SHIPMENTS);
	PG_RETURN_VOID();
}

Datum
backorder_attach_receipts(PG_FUNCTION_ARGS)
{
	attach(fcinfo, KIND_RECEIPTS);
	PG_RETURN_VOID();
}

/* detach(source): drop the trigger and the records; placed lines stay. */
Datum
backorder_detach(PG_FUNCTION_ARGS)
{
	static const Oid argtypes[] = {REGCLASSOID};
	Oid			relid;
	Relation	rel;
	BoScope		scope;
	Datum		values[1];

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source must not be NULL")));
	relid = PG_GETARG_OID(0);
	rel = open_source(relid);
	values[0] = ObjectIdGetDatum(relid);

	bo_scope_enter(&scope, bo_owner());
	if (!is_attached(relid))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("table \"%s\" is not attached", RelationGetRelationName(rel))));
	bo_exec(bo_plan(PLAN_ATTACH_DELETE,
					"WITH l AS (DELETE FROM backorder.attached_lines WHERE source" OP("=") "$1)"
					" DELETE FROM backorder.attachments WHERE source" OP("=") "$1",
					1, argtypes),
			values, NULL, false, 0);
	if (SPI_execute(psprintf("DROP TRIGGER IF EXISTS " ATTACH_TRIGGER " ON %s", qualified_name(rel)),
					false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "backorder: DROP TRIGGER failed");
	bo_scope_leave(&scope);
	table_close(rel, NoLock);
	PG_RETURN_VOID();
}

/* ---- the guard of attachments and attached_lines ---- */

static const char *const attachment_cols[] = {"source", "kind", "definition", "attached_at"};
static const char *const attached_line_cols[] = {"source", "row_key", "order_id", "line_no"};

/*
 * BEFORE INSERT (row) and BEFORE UPDATE / DELETE / TRUNCATE (statement) on
 * the two tables: only the engine writes them; a restore may bring rows back.
 */
Datum
backorder_tg_attach_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	bool		is_lines;

	bo_check_trigger(fcinfo, "backorder_tg_attach_guard", true,
					 TRIGGER_FIRED_FOR_ROW(((TriggerData *) fcinfo->context)->tg_event), -1);
	rel = trigdata->tg_relation;
	is_lines = strcmp(RelationGetRelationName(rel), "attached_lines") == 0;
	if (TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
	{
		if (!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
			ereport(ERROR,
					(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
					 errmsg("function \"backorder_tg_attach_guard\" was called by the wrong trigger")));
		if (bo_engine_active() ||
			bo_row_origin(rel, trigdata->tg_trigtuple,
						  is_lines ? attached_line_cols : attachment_cols, 4) == ROW_RESTORED)
			return PointerGetDatum(trigdata->tg_trigtuple);
	}
	else if (bo_engine_active())
		return PointerGetDatum(NULL);

	ereport(ERROR,
			(errcode(ERRCODE_BO_ENGINE_MANAGED),
			 errmsg("%s on table \"backorder.%s\" is not allowed",
					TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ? "INSERT" :
					TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? "UPDATE" :
					TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) ? "DELETE" : "TRUNCATE",
					RelationGetRelationName(rel)),
			 errdetail("In backorder.%s, the engine writes every row: use attach_order_lines, attach_shipments, attach_receipts and detach.",
					   RelationGetRelationName(rel))));
	pg_unreachable();
}

/* ---- a dropped shop table takes its attachment with it ---- */

/*
 * sql_drop event trigger: the attachments and attached_lines rows of every
 * dropped table go too (its trigger went with it), so that no attachment
 * names a table that no longer exists.  Does nothing while the extension's
 * own tables are being dropped.
 */
Datum
backorder_evt_attach_dropped(PG_FUNCTION_ARGS)
{
	Oid			nsp;
	BoScope		scope;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"backorder_evt_attach_dropped\" was not called by event trigger manager")));
	nsp = get_namespace_oid("backorder", true);
	if (!OidIsValid(nsp) || !OidIsValid(get_relname_relid("attachments", nsp)) ||
		!OidIsValid(get_relname_relid("attached_lines", nsp)) ||
		!OidIsValid(get_relname_relid("items", nsp)))
		PG_RETURN_VOID();

	bo_scope_enter(&scope, bo_owner());
	bo_exec(bo_plan(PLAN_ATTACH_DROPPED,
					"WITH d AS (SELECT o.objid FROM pg_catalog.pg_event_trigger_dropped_objects() o"
					"            WHERE o.classid" OP("=") "CAST('pg_catalog.pg_class' AS pg_catalog.regclass)"
					"              AND o.objsubid" OP("=") "0),"
					" l AS (DELETE FROM backorder.attached_lines a USING d"
					"        WHERE a.source" OP("=") "CAST(d.objid AS pg_catalog.regclass))"
					" DELETE FROM backorder.attachments a USING d"
					"  WHERE a.source" OP("=") "CAST(d.objid AS pg_catalog.regclass)",
					0, NULL),
			NULL, NULL, false, 0);
	bo_scope_leave(&scope);
	PG_RETURN_VOID();
}
