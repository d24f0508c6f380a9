#!/usr/bin/env bash
# test/scripts/upgrade.sh: upgrading from 1.0 (SPEC.md, "Upgrading from 1.0").
#
# Runs in a cluster given by PGHOST/PGPORT/PGUSER (as pg_virtualenv sets
# them; the extension installed, not created).  Makes its own databases and
# drops them:
#   1. old: CREATE EXTENSION backorder VERSION '1.0' and a 1.0 workload
#      (waiting orders, purchase orders with promised dates, receipts,
#      shipments, cancellations, adjustments, claimed and unclaimed events);
#      every row of every table, every sequence, the promised dates and the
#      views are recorded, and the database is dumped (pg_dump -Fc);
#   2. ALTER EXTENSION backorder UPDATE: the version is the control file's
#      default_version, every row is kept (on the columns 1.0 had), the
#      promised dates and the views are unchanged, check() is clean;
#   3. new: a fresh CREATE EXTENSION backorder; its objects and the upgraded
#      database's must be identical: normalised `pg_dump --schema-only`
#      (plain, and --binary-upgrade, the only mode in which pg_dump prints the
#      extension's member objects), statements sorted so that order does not
#      matter but everything inside a statement (column order, defaults,
#      constraints, function bodies, ACLs, comments) does; and catalog
#      queries over schema backorder (columns, defaults, constraints,
#      indexes, triggers, functions, views, types, sequences, ACLs, comments,
#      extension members and config tables).  A mismatch prints the diff;
#   4. restored: the 1.0 dump restored (pg_restore) into a new database,
#      where CREATE EXTENSION in the dump makes the default version and the
#      1.0 rows are restored into the new version's tables (SPEC.md's
#      restore rule): every row equals the upgraded database's (all
#      columns), check() clean, its objects identical to the fresh install's;
#   5. the same next steps (receipt, order, cancellation, adjustment,
#      purchase order, claims) on the upgraded and the restored database give
#      the same results, check() clean on both;
#   6. the 1.1 features on the old data: see "1.1 FEATURE CHECKS" below.
# Prints "upgrade: N passed, N failed"; exits non-zero on a failure.
set -uo pipefail
cd "$(dirname "$0")/../.."

old="bo_up_old_$$"
new="bo_up_new_$$"
rst="bo_up_rst_$$"
work=$(mktemp -d)
passed=0
failed=0
default_version=$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" backorder.control)

cleanup() {
  for d in "$old" "$new" "$rst"; do
    psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1
  done
  rm -rf "$work"
}
trap cleanup EXIT

ok()    { passed=$((passed + 1)); echo "ok - $1"; }
fail()  { failed=$((failed + 1)); echo "not ok - $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1"; echo "#   expected: $3"; echo "#   got:      $2"; fi; }
q()     { psql -X -q -v ON_ERROR_STOP=1 -d "$@"; }          # q DB [psql args]
val()   { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
same_files() {   # same_files WHAT FILE1 FILE2: ok when equal, else the diff
  if cmp -s "$2" "$3"; then
    ok "$1"
  else
    fail "$1"
    diff -u "$2" "$3" | head -${DIFF_LINES:-80} | sed 's/^/#   /'
  fi
}
check_clean() {   # check_clean DB WHAT
  local out
  out=$(val "$1" "SELECT sku || ': ' || problem FROM backorder.check() ORDER BY 1" 2>&1)
  if [ -z "$out" ]; then ok "check() clean on $2"; else fail "check() clean on $2"; echo "$out" | head -20 | sed 's/^/#   /'; fi
}

# ------------------------------------------------------------ 1. 1.0 database
q postgres -c "CREATE DATABASE $old" -c "CREATE DATABASE $new" -c "CREATE DATABASE $rst" >/dev/null || exit 1
# The 1.0 workload runs on the installed module, the new version's: between
# installing a new package and ALTER EXTENSION UPDATE, every 1.0 database
# runs the new module on its 1.0 objects, so that must work.
q "$old" -c "CREATE EXTENSION backorder VERSION '1.0'" >/dev/null || { echo "CREATE EXTENSION VERSION '1.0' failed"; exit 1; }
workload_1_0() {
  q "$old" -v bulk=120 -f test/scripts/shop_history.sql || return
  q "$old" <<'SQL'
SELECT count(*) FROM backorder.claim_events(40);
SQL
}
if workload_1_0 >/dev/null 2>"$work/workload.err"; then
  ok "the 1.0 workload runs on 1.0 objects with the installed module"
else
  fail "the 1.0 workload runs on 1.0 objects with the installed module (a 1.0 database must keep working until ALTER EXTENSION UPDATE)"
  sed 's/^/#   /' "$work/workload.err"
fi

check "1.0 installed" "$(val "$old" "SELECT extversion FROM pg_extension WHERE extname = 'backorder'")" "1.0"
busy=$(val "$old" "SELECT (SELECT count(*) FROM backorder.backorders WHERE status = 'waiting') > 0
  AND (SELECT count(*) FROM backorder.backorders WHERE status = 'filled') > 0
  AND (SELECT count(*) FROM backorder.backorders WHERE status = 'cancelled') > 0
  AND (SELECT count(*) FROM backorder.backorders WHERE status = 'waiting' AND expected_at IS NOT NULL) > 0
  AND (SELECT count(*) FROM backorder.events WHERE claimed_at IS NULL) > 0
  AND (SELECT count(*) FROM backorder.events WHERE claimed_at IS NOT NULL) > 0
  AND (SELECT count(DISTINCT status) FROM backorder.purchase_orders) = 3
  AND (SELECT count(*) FROM backorder.cancellations) > 0
  AND (SELECT count(*) FROM backorder.shipments) > 0
  AND (SELECT count(*) FROM backorder.adjustments WHERE taken_back > 0) > 0")
echo "# 1.0 database: $(val "$old" "SELECT (SELECT count(*) FROM backorder.order_lines) || ' lines, '
  || (SELECT count(*) FROM backorder.backorders WHERE status = 'waiting') || ' waiting rows ('
  || (SELECT count(*) FROM backorder.backorders WHERE status = 'waiting' AND expected_at IS NOT NULL) || ' with a promised date), '
  || (SELECT count(*) FROM backorder.events WHERE claimed_at IS NULL) || ' unclaimed events'")"
check "the 1.0 workload left waiting, filled, cancelled and promised rows, claimed and unclaimed events" "$busy" t
check_clean "$old" "the 1.0 database"

# The tables, views and sequences as 1.0 has them, and each table's key.
# relations TAG: lines "kind name columns key" (columns comma-joined, quoted)
relations() {
  val "$1" "
    SELECT c.relkind::text || ' ' || c.relname || ' '
           || (SELECT string_agg(pg_catalog.quote_ident(a.attname), ',' ORDER BY a.attnum)
                 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) || ' '
           || coalesce((SELECT string_agg(pg_catalog.quote_ident(a.attname), ',' ORDER BY k.ord)
                          FROM pg_catalog.pg_index i
                          CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                         WHERE i.indrelid = c.oid AND i.indisprimary), '1')
      FROM pg_catalog.pg_class c
     WHERE c.relnamespace = 'backorder'::regnamespace AND c.relkind IN ('r', 'v', 'S')
     ORDER BY c.relname"
}
relations "$old" > "$work/relations.1.0"

# rows DB TAG [all]: every table (the columns 1.0 had, or all of them now),
# every sequence, one file per relation; views without the clock
rows() {
  local db=$1 tag=$2 kind name cols key
  while read -r kind name cols key; do
    if [ "${3:-}" = all ] && [ "$kind" != S ]; then
      cols=$(val "$db" "SELECT string_agg(pg_catalog.quote_ident(attname), ',' ORDER BY attnum)
        FROM pg_catalog.pg_attribute WHERE attrelid = 'backorder.$name'::regclass AND attnum > 0 AND NOT attisdropped")
    fi
    case $kind in
      r) psql -X -q -v ON_ERROR_STOP=1 -d "$db" \
           -c "COPY (SELECT $cols FROM backorder.$name ORDER BY $key) TO STDOUT" > "$work/$tag.$name" 2>&1 ;;
      S) val "$db" "SELECT last_value, is_called FROM backorder.$name" > "$work/$tag.$name" 2>&1 ;;
      v) case $name in    # what depends on now() is left out
           waiting_orders) cols=${cols/,waited/}
                           cols=${cols/expected_at/CASE WHEN eta_source = \'purchase_order\' THEN expected_at END} ;;
         esac
         psql -X -q -v ON_ERROR_STOP=1 -d "$db" \
           -c "COPY (SELECT $cols FROM backorder.$name ORDER BY 1, 2, 3) TO STDOUT" > "$work/$tag.$name" 2>&1 ;;
    esac
  done < "$work/relations.1.0"
}
# compare_rows TAG1 TAG2 WHAT [kinds]
compare_rows() {
  local bad=0 kind name rest
  while read -r kind name rest; do
    [[ "${4:-rvS}" == *"$kind"* ]] || continue
    if ! cmp -s "$work/$1.$name" "$work/$2.$name"; then
      bad=1
      echo "# $3: $name differs:"
      diff "$work/$1.$name" "$work/$2.$name" | head -20 | sed 's/^/#   /'
    fi
  done < "$work/relations.1.0"
  [ $bad = 0 ] && ok "$3" || fail "$3"
}
rows "$old" before
promised="SELECT id, order_id, line_no, sku, expected_at FROM backorder.backorders
            WHERE status = 'waiting' AND expected_at IS NOT NULL ORDER BY id"
val "$old" "$promised" > "$work/promised.before"
if pg_dump -Fc -d "$old" -f "$work/old-1.0.dump" 2>"$work/dump.err"; then
  ok "pg_dump -Fc of the 1.0 database"
else
  fail "pg_dump -Fc of the 1.0 database"; sed 's/^/#   /' "$work/dump.err"
fi

# ------------------------------------------------------------- 2. the update
if q "$old" -c "ALTER EXTENSION backorder UPDATE" >/dev/null 2>"$work/update.err"; then
  ok "ALTER EXTENSION backorder UPDATE"
else
  fail "ALTER EXTENSION backorder UPDATE"; sed 's/^/#   /' "$work/update.err"
fi
check "the upgraded version is default_version" \
  "$(val "$old" "SELECT extversion FROM pg_extension WHERE extname = 'backorder'")" "$default_version"
rows "$old" after
compare_rows before after "every row of every table kept (the columns 1.0 had)" r
compare_rows before after "every sequence kept" S
compare_rows before after "views show the same (the columns 1.0 had, clock left out)" v
val "$old" "$promised" > "$work/promised.after"
[ -s "$work/promised.before" ] || fail "there are promised dates to compare"
same_files "promised dates unchanged ($(wc -l < "$work/promised.before") waiting rows with one)" \
  "$work/promised.before" "$work/promised.after"
check_clean "$old" "the upgraded database"
check "no events written by the update" \
  "$(val "$old" "SELECT count(*) FROM backorder.events")" "$(wc -l < "$work/before.events")"

# ------------------------------------------------- 3. same objects as fresh
q "$new" -c "CREATE EXTENSION backorder" >/dev/null || fail "CREATE EXTENSION backorder (fresh)"
check "a fresh install makes default_version" \
  "$(val "$new" "SELECT extversion FROM pg_extension WHERE extname = 'backorder'")" "$default_version"

# normalise_dump FILE: pg_dump output as sorted statements.  Dropped: what
# differs between any two databases (OIDs, relfilenodes, frozen xids, the
# restrict key, the server's version line), and the traces of dropped columns
# (pg_dump --binary-upgrade recreates them; they are not visible objects).
# Kept, in its statement as pg_dump prints it: everything else.
normalise_dump() {
  python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
drop = re.compile(r"binary_upgrade_set_next_|pg_catalog\.setval\(|binary_upgrade_set_missing_value|"
                  r"pg\.dropped\.|relfrozenxid|^\\(un)?restrict |^-- Dumped |^-- TOC entry|"
                  r"^-- Dependencies:|^-- For binary upgrade, (must preserve|set |recreate dropped|set up missing)", re.M)
# split at pg_dump's object headers: "--\n-- Name: ...; Type: ...\n--"
parts = re.split(r"\n--\n(?=-- (?:Data for )?Name: )", "\n" + text)
blocks = []
for part in parts:
    kept = []
    for para in re.split(r"\n\s*\n", part):
        para = para.strip("\n")
        if not para.strip() or para.strip() == "--" or drop.search(para):
            continue
        lines = [l.rstrip().rstrip(",") for l in para.split("\n") if l.strip() != "--"]
        if lines:
            kept.append("\n".join(lines))
    if kept:
        # the empty extension's config tables are OIDs: compared by name in
        # the catalog queries instead
        kept = [re.sub(r"(binary_upgrade_create_empty_extension\('[^']*', '[^']*', \w+, '[^']*'), '\{[0-9,]*\}'",
                       r"\1, '{config table oids}'", k) for k in kept]
        blocks.append("\n".join(kept))
print("\n\n".join(sorted(blocks)))
PY
}
schema_dump() {   # schema_dump DB TAG
  pg_dump --schema-only -d "$1" > "$work/$2.dump.sql" 2>"$work/$2.dump.err" \
    || { echo "# pg_dump --schema-only of $1 failed:"; sed 's/^/#   /' "$work/$2.dump.err"; }
  pg_dump --schema-only --binary-upgrade -d "$1" > "$work/$2.bdump.sql" 2>"$work/$2.bdump.err" \
    || { echo "# pg_dump --schema-only --binary-upgrade of $1 failed:"; sed 's/^/#   /' "$work/$2.bdump.err"; }
  normalise_dump "$work/$2.dump.sql" > "$work/$2.dump"
  normalise_dump "$work/$2.bdump.sql" > "$work/$2.bdump"
}

# catalog DB: every object of schema backorder, one line each, sorted
catalog_sql=$(cat <<'SQL'
WITH rel AS (
  SELECT c.oid, c.relname, c.relkind FROM pg_catalog.pg_class c
   WHERE c.relnamespace = 'backorder'::regnamespace
), cols AS (
  SELECT r.relname, a.*, row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS pos
    FROM rel r JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
)
SELECT 'relation ' || relname || ': kind ' || c.relkind::text || ', persistence ' || c.relpersistence::text
       || ', owner ' || c.relowner::regrole || ', acl ' || coalesce(c.relacl::text, '-')
       || ', options ' || coalesce(c.reloptions::text, '-') || ', rls ' || c.relrowsecurity || '/' || c.relforcerowsecurity
       || ', replident ' || c.relreplident::text || ', comment ' || coalesce(pg_catalog.obj_description(c.oid, 'pg_class'), '-')
  FROM pg_catalog.pg_class c WHERE c.relnamespace = 'backorder'::regnamespace AND c.relkind <> 'i'
UNION ALL
SELECT 'column ' || relname || '.' || attname || ': position ' || pos || ', type '
       || pg_catalog.format_type(atttypid, atttypmod) || ', not null ' || attnotnull
       || ', default ' || coalesce((SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attrdef d
                                     WHERE d.adrelid = attrelid AND d.adnum = attnum), '-')
       || ', identity ' || coalesce(nullif(attidentity::text, ''), '-') || ', generated ' || coalesce(nullif(attgenerated::text, ''), '-')
       || ', collation ' || coalesce((SELECT collname FROM pg_catalog.pg_collation WHERE oid = attcollation), '-')
       || ', storage ' || attstorage::text || ', stattarget ' || attstattarget
       || ', acl ' || coalesce(attacl::text, '-')
       || ', options ' || coalesce((SELECT array_agg(o ORDER BY o)::text FROM unnest(attoptions) AS o
                                     WHERE o NOT LIKE 'pg\_attver=%'), '-')   -- (this server's per-column LSN)
       || ', comment ' || coalesce(pg_catalog.col_description(attrelid, attnum), '-')
  FROM cols
UNION ALL
SELECT 'constraint ' || con.conrelid::regclass || ' ' || con.conname || ': ' || con.contype::text || ' '
       || pg_catalog.pg_get_constraintdef(con.oid) || ', deferrable ' || con.condeferrable || '/' || con.condeferred
       || ', validated ' || con.convalidated || ', comment ' || coalesce(pg_catalog.obj_description(con.oid, 'pg_constraint'), '-')
  FROM pg_catalog.pg_constraint con WHERE con.connamespace = 'backorder'::regnamespace
UNION ALL
SELECT 'index ' || i.indexrelid::regclass || ': ' || pg_catalog.pg_get_indexdef(i.indexrelid)
       || ', primary ' || i.indisprimary || ', clustered ' || i.indisclustered || ', replident ' || i.indisreplident
       || ', comment ' || coalesce(pg_catalog.obj_description(i.indexrelid, 'pg_class'), '-')
  FROM pg_catalog.pg_index i JOIN rel r ON r.oid = i.indrelid
UNION ALL
SELECT 'trigger ' || t.tgrelid::regclass || ' ' || t.tgname || ': ' || pg_catalog.pg_get_triggerdef(t.oid)
       || ', enabled ' || t.tgenabled::text || ', comment ' || coalesce(pg_catalog.obj_description(t.oid, 'pg_trigger'), '-')
  FROM pg_catalog.pg_trigger t JOIN rel r ON r.oid = t.tgrelid WHERE NOT t.tgisinternal
UNION ALL
SELECT 'function ' || p.oid::regprocedure || ': owner ' || p.proowner::regrole || ', acl ' || coalesce(p.proacl::text, '-')
       || ', comment ' || coalesce(pg_catalog.obj_description(p.oid, 'pg_proc'), '-')
       || ', kind ' || p.prokind::text || ', definer ' || p.prosecdef || ', leakproof ' || p.proleakproof
       || ', strict ' || p.proisstrict || ', volatile ' || p.provolatile::text || ', parallel ' || p.proparallel::text
       || ', cost ' || p.procost || ', rows ' || p.prorows || ', config ' || coalesce(p.proconfig::text, '-')
       || E',\n' || CASE WHEN p.prokind IN ('f', 'p', 'w') THEN pg_catalog.pg_get_functiondef(p.oid)
                         ELSE p.prosrc END
  FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'backorder'::regnamespace
UNION ALL
SELECT 'view ' || r.relname || E':\n' || pg_catalog.pg_get_viewdef(r.oid)
  FROM rel r WHERE r.relkind IN ('v', 'm')
UNION ALL
SELECT 'rule ' || rw.ev_class::regclass || ' ' || rw.rulename || ': ' || pg_catalog.pg_get_ruledef(rw.oid)
  FROM pg_catalog.pg_rewrite rw JOIN rel r ON r.oid = rw.ev_class WHERE rw.rulename <> '_RETURN'
UNION ALL
SELECT 'policy ' || pol.polrelid::regclass || ' ' || pol.polname || ': ' || pol.polcmd::text || ' ' || pol.polpermissive
       || ' ' || pol.polroles::text || ' ' || coalesce(pg_catalog.pg_get_expr(pol.polqual, pol.polrelid), '-')
       || ' ' || coalesce(pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid), '-')
  FROM pg_catalog.pg_policy pol JOIN rel r ON r.oid = pol.polrelid
UNION ALL
SELECT 'type ' || t.oid::regtype || ': kind ' || t.typtype::text || ', owner ' || t.typowner::regrole
       || ', acl ' || coalesce(t.typacl::text, '-') || ', comment ' || coalesce(pg_catalog.obj_description(t.oid, 'pg_type'), '-')
       || ', labels ' || coalesce((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                                     FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid), '-')
       || ', base ' || coalesce(pg_catalog.format_type(nullif(t.typbasetype, 0), t.typtypmod), '-')
       || ', default ' || coalesce(t.typdefault, '-')
  FROM pg_catalog.pg_type t
 WHERE t.typnamespace = 'backorder'::regnamespace AND t.typcategory <> 'A'
   AND (t.typrelid = 0 OR EXISTS (SELECT FROM rel r WHERE r.oid = t.typrelid AND r.relkind = 'c'))
UNION ALL
SELECT 'sequence ' || s.seqrelid::regclass || ': ' || pg_catalog.format_type(s.seqtypid, NULL) || ' start ' || s.seqstart
       || ' increment ' || s.seqincrement || ' min ' || s.seqmin || ' max ' || s.seqmax || ' cache ' || s.seqcache
       || ' cycle ' || s.seqcycle
       || ', owned by ' || coalesce((SELECT d.refobjid::regclass || '.' || a.attname FROM pg_catalog.pg_depend d
                                      JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                                     WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
                                       AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')), '-')
  FROM pg_catalog.pg_sequence s JOIN rel r ON r.oid = s.seqrelid
UNION ALL
SELECT 'schema backorder: owner ' || n.nspowner::regrole || ', acl ' || coalesce(n.nspacl::text, '-')
       || ', comment ' || coalesce(pg_catalog.obj_description(n.oid, 'pg_namespace'), '-')
  FROM pg_catalog.pg_namespace n WHERE n.nspname = 'backorder'
UNION ALL
SELECT 'extension backorder: version ' || e.extversion || ', schema ' || e.extnamespace::regnamespace
       || ', relocatable ' || e.extrelocatable || ', config '
       || coalesce((SELECT string_agg(c.oid::regclass::text || ' [' || coalesce(e.extcondition[k.i], '') || ']', ', '
                                      ORDER BY c.oid::regclass::text)
                      FROM generate_subscripts(e.extconfig, 1) AS k(i)
                      JOIN pg_catalog.pg_class c ON c.oid = e.extconfig[k.i]), '-')
  FROM pg_catalog.pg_extension e WHERE e.extname = 'backorder'
UNION ALL
SELECT 'member ' || pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid)
  FROM pg_catalog.pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'backorder')
UNION ALL
SELECT 'init privileges ' || pg_catalog.pg_describe_object(ip.classoid, ip.objoid, ip.objsubid) || ': ' || ip.privtype::text
       || ' ' || ip.initprivs::text
  FROM pg_catalog.pg_init_privs ip
 WHERE EXISTS (SELECT FROM pg_catalog.pg_depend d
                WHERE d.classid = ip.classoid AND d.objid = ip.objoid AND d.deptype = 'e'
                  AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'backorder'))
UNION ALL
SELECT 'event trigger ' || et.evtname || ': ' || et.evtevent || ' ' || et.evtfoid::regprocedure || ' '
       || et.evtenabled::text || ' ' || coalesce(et.evttags::text, '-')
  FROM pg_catalog.pg_event_trigger et
ORDER BY 1
SQL
)
catalog() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$catalog_sql" > "$work/$2.catalog" 2>&1; }

schema_dump "$new" fresh
schema_dump "$old" upgraded
catalog "$new" fresh
catalog "$old" upgraded
echo "# compared: $(grep -c . "$work/fresh.bdump") lines of pg_dump --binary-upgrade statements, $(wc -l < "$work/fresh.catalog") catalog lines"
[ "$(grep -c '^member ' "$work/fresh.catalog")" -gt 30 ] && grep -q '^CREATE TABLE backorder.items' "$work/fresh.bdump" \
  && ok "the comparison sees the extension's member objects" || fail "the comparison sees the extension's member objects"
same_files "pg_dump --schema-only: upgraded = fresh $default_version" "$work/fresh.dump" "$work/upgraded.dump"
same_files "pg_dump --schema-only --binary-upgrade (every member object): upgraded = fresh $default_version" \
  "$work/fresh.bdump" "$work/upgraded.bdump"
same_files "catalogs of schema backorder: upgraded = fresh $default_version" "$work/fresh.catalog" "$work/upgraded.catalog"

# ----------------------------------------- 4. a 1.0 dump restored into 1.1
if pg_restore --exit-on-error -d "$rst" "$work/old-1.0.dump" 2>"$work/restore.err"; then
  ok "pg_restore of the 1.0 dump into a server whose default is $default_version"
else
  fail "pg_restore of the 1.0 dump into a server whose default is $default_version"; sed 's/^/#   /' "$work/restore.err" | head -20
fi
check "the restore made version $default_version" \
  "$(val "$rst" "SELECT extversion FROM pg_extension WHERE extname = 'backorder'")" "$default_version"
rows "$rst" restored
compare_rows before restored "every 1.0 row restored (the columns 1.0 had) and every sequence" rS
rows "$old" upgraded-all all
rows "$rst" restored-all all
compare_rows upgraded-all restored-all "restored rows = upgraded rows, every column (new columns at their starting values)" r
compare_rows before restored "views on the restored copy show the same" v
check_clean "$rst" "the restored database"
schema_dump "$rst" restored
catalog "$rst" restored
same_files "pg_dump --schema-only --binary-upgrade: restored = fresh $default_version" "$work/fresh.bdump" "$work/restored.bdump"
same_files "catalogs of schema backorder: restored = fresh $default_version" "$work/fresh.catalog" "$work/restored.catalog"

# the comparison can fail: a changed comment, default and grant on the fresh
# database show up in both the dump and the catalog comparison
q "$new" >/dev/null <<'SQL'
COMMENT ON COLUMN backorder.items.sku IS 'changed';
ALTER TABLE backorder.items ALTER COLUMN lead_time SET DEFAULT '15 days';
GRANT SELECT ON backorder.items TO pg_monitor;
SQL
schema_dump "$new" mutated
catalog "$new" mutated
n_dump=$(diff "$work/fresh.bdump" "$work/mutated.bdump" | grep -c '^>')
n_cat=$(diff "$work/fresh.catalog" "$work/mutated.catalog" | grep -c '^>')
check "a changed comment, default and grant differ in the dump (3) and the catalogs (3)" "$n_dump $n_cat" "3 3"

# --------------------------------- 5. the engine goes on, the same on both
next_steps="
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id, reference, received_at)
  VALUES ('A', 25, 'P1', 'after upgrade', '2030-06-01 00:00+00') RETURNING 'receipt', id, allocated, on_hand_after;
INSERT INTO backorder.receipts (sku, quantity, received_at) VALUES ('B', 4, '2030-06-01 00:00+00'), ('C', 6, '2030-06-01 00:00+00')
  RETURNING 'receipt', id, allocated;
SELECT 'line', order_id, line_no, reserved, backordered, status FROM backorder.place_order('after-1',
  '[{\"line_no\": 1, \"sku\": \"A\", \"quantity\": 40, \"priority\": 5, \"ordered_at\": \"2030-03-01T00:00:00Z\"},
    {\"line_no\": 2, \"sku\": \"C\", \"quantity\": 30}, {\"line_no\": 3, \"sku\": \"D\", \"quantity\": 1}]');
INSERT INTO backorder.shipments (order_id, line_no, quantity, shipped_at) VALUES ('after-1', 3, 1, '2030-06-02 00:00+00')
  RETURNING 'shipment', id, on_hand_after;
INSERT INTO backorder.adjustments (sku, delta, reason, adjusted_at) SELECT 'C', -least(on_hand, 4), 'count', '2030-06-02 00:00+00'
  FROM backorder.items WHERE sku = 'C' RETURNING 'adjustment', id, taken_back;
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, ordered_at, expected_at)
  VALUES ('P5', 'C', 50, '2030-06-01 00:00+00', '2031-04-01 00:00+00') RETURNING 'po', received, status;
UPDATE backorder.purchase_orders SET expected_at = '2031-01-20 00:00+00' WHERE purchase_order_id = 'P1' AND sku = 'B'
  RETURNING 'po update', status;
SELECT 'cancel_order', backorder.cancel_order('bulk-7');
SELECT 'claimed', count(*), min(id), max(id) FROM backorder.claim_events(25);
SELECT 'waiting', sku, count(*), sum(waiting), max(expected_at) FILTER (WHERE eta_source = 'purchase_order')
  FROM backorder.waiting_orders GROUP BY sku ORDER BY sku;
SELECT 'stock', sku, on_hand, reserved, available, backordered, incoming FROM backorder.stock_levels ORDER BY sku;
SELECT 'ids', (SELECT max(id) FROM backorder.backorders), (SELECT max(id) FROM backorder.events);"
out_old=$(psql -X -A -t -v ON_ERROR_STOP=1 -d "$old" -c "$next_steps" 2>&1)
out_rst=$(psql -X -A -t -v ON_ERROR_STOP=1 -d "$rst" -c "$next_steps" 2>&1)
echo "$out_old" | head -8 | sed 's/^/# upgraded: /'
if [ "$out_old" = "$out_rst" ] && ! grep -q ERROR <<<"$out_old"; then
  ok "the next receipt, order, shipment, adjustment, purchase order, cancel, claim: same on upgraded and restored"
else
  fail "the next receipt, order, shipment, adjustment, purchase order, cancel, claim: same on upgraded and restored"
  diff <(echo "$out_old") <(echo "$out_rst") | sed 's/^/#   /'
  grep ERROR <<<"$out_old" | sed 's/^/#   upgraded: /'
fi
check_clean "$old" "the upgraded database after the next steps"
check_clean "$rst" "the restored database after the next steps"

# ============================================================================
# 6. 1.1 FEATURE CHECKS on the old data.
# Add one function per 1.1 feature below and list it in feature_checks: each
# gets a database name (the upgraded one, then the restored one; both hold the
# 1.0 workload above plus the next steps of 5) and reports with ok/fail/check.
# Use skus A, B, C (allow) and D (deny) and new order ids; do not assume
# exact stock numbers beyond what the step itself sets up.
# ============================================================================
# Cart holds on an item of the 1.0 workload: a hold keeps units, the order
# with its hold_id converts it.
holds_on_old_data() {   # DB WHAT
  local db=$1 what=$2
  q "$db" -c "INSERT INTO backorder.receipts (sku, quantity, reference) VALUES ('A', 1000, 'upgrade check')" >/dev/null
  check "holds on $what: a hold on an old item holds its units" \
    "$(val "$db" "INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('upg-cart', 'A', 2) RETURNING held || ' ' || status")" \
    "2 active"
  check "holds on $what: items.held counts it" \
    "$(val "$db" "SELECT held FROM backorder.items WHERE sku = 'A'")" "2"
  check "holds on $what: the order with the cart's hold_id converts it" \
    "$(val "$db" "SELECT reserved || ' ' || status FROM backorder.place_order('UPG-H1', '[{\"line_no\": 1, \"sku\": \"A\", \"quantity\": 2}]', 'upg-cart')") $(val "$db" "SELECT status || ' ' || held FROM backorder.holds WHERE hold_id = 'upg-cart'")" \
    "2 reserved converted 0"
  check_clean "$db" "$what after holds"
}

# Sales channels: with a channel, a receipt writes availability_changed.
channels_on_old_data() {   # DB WHAT
  local db=$1 what=$2
  q "$db" -c "INSERT INTO backorder.channels (channel, buffer, share) VALUES ('upg-web', 1, 0.5)" >/dev/null
  check "channels on $what: channel_stock has a row per item" \
    "$(val "$db" "SELECT (SELECT count(*) FROM backorder.channel_stock) = (SELECT count(*) FROM backorder.items)")" "t"
  local before
  before=$(val "$db" "SELECT available FROM backorder.stock_levels WHERE sku = 'A'")
  q "$db" -c "INSERT INTO backorder.receipts (sku, quantity) VALUES ('A', 3)" >/dev/null
  check "channels on $what: a receipt writes availability_changed with old and new" \
    "$(val "$db" "SELECT quantity || ' ' || (detail->>'old') || ' ' || (detail->>'new') FROM backorder.events WHERE kind = 'availability_changed' AND sku = 'A' ORDER BY id DESC LIMIT 1")" \
    "$((before + 3)) $before $((before + 3))"
}

# Attaching: a shop table attached after the update flows into the engine.
attach_on_old_data() {   # DB WHAT
  local db=$1 what=$2
  q "$db" -c "CREATE TABLE public.upg_shop_lines (id serial PRIMARY KEY, order_ref text NOT NULL, sku text NOT NULL, qty integer NOT NULL)" \
          -c "SELECT backorder.attach_order_lines('public.upg_shop_lines', 'order_ref', 'sku', 'qty')" \
          -c "INSERT INTO public.upg_shop_lines (order_ref, sku, qty) VALUES ('UPG-S1', 'A', 2)" >/dev/null
  check "attach on $what: a row of an attached shop table places its line" \
    "$(val "$db" "SELECT line_no || ' ' || quantity || ' ' || reserved FROM backorder.order_lines WHERE order_id = 'UPG-S1'")" "1 2 2"
  check_clean "$db" "$what after attach"
}

feature_checks() {   # feature_checks DB WHAT
  holds_on_old_data "$1" "$2"
  channels_on_old_data "$1" "$2"
  attach_on_old_data "$1" "$2"
}
feature_checks "$old" "the upgraded database"
feature_checks "$rst" "the restored database"
# ============================================================================

echo "upgrade: $passed passed, $failed failed"
[ "$failed" = 0 ]
