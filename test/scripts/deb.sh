#!/usr/bin/env bash
# test/scripts/deb.sh: the Debian package.
#   1. `make deb` builds postgresql-15-backorder_<version>_<arch>.deb with
#      Debian's tooling (debian/, pg_buildext, dpkg-buildpackage -us -uc -b);
#   2. its contents (dpkg -c) are exactly the extension's files (module,
#      bitcode, control file, install and upgrade scripts, docs) and match
#      the sources; its control data (dpkg -I) names the package, version and
#      the PostgreSQL dependency;
#   3. it is installed into a PostgreSQL that has no backorder files (no
#      `make install` first), and the regression suite (pg_regress, test/sql)
#      runs against the installed package, then a 1.0 -> default_version
#      upgrade with the packaged scripts.
# Step 3 has two modes (BACKORDER_DEB_MODE=install|extract, default: auto):
#   install  (auto when the suite runs against the system PostgreSQL, as
#            scripts/test.sh does on a CI machine, and we are root or have
#            sudo): the files `make install` put there are removed (or an
#            installed package purged), `apt-get install ./….deb`, then
#            `make installcheck` in the cluster given by PGHOST/PGPORT.  The
#            package stays installed (the same build `make install` made).
#   extract  (auto otherwise, e.g. under a private relocated copy of PostgreSQL, whose
#            pg_config is a private relocated copy): never touches the system
#            PostgreSQL: a scratch relocated copy of the system's PostgreSQL
#            with every backorder file removed, the package unpacked into it
#            with `dpkg -x`, a throwaway cluster started from it with pg_ctl,
#            and `make installcheck` against that cluster.
# Prints "deb: N passed, N failed"; exits non-zero on a failure.
set -uo pipefail
cd "$(dirname "$0")/../.."

passed=0
failed=0
ok()    { passed=$((passed + 1)); echo "ok - $1"; }
fail()  { failed=$((failed + 1)); echo "not ok - $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1"; echo "#   expected: $3"; echo "#   got:      $2"; fi; }
finish() { echo "deb: $passed passed, $failed failed"; [ "$failed" = 0 ]; exit; }

pgv=$(cat debian/pgversions)
version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
default_version=$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" backorder.control)
pkg=postgresql-$pgv-backorder
deb=build/deb/${pkg}_${version}_${arch}.deb
work=$(mktemp -d)
scratch=""
cleanup() {
  if [ -n "$scratch" ] && [ -f "$scratch/run/data/postmaster.pid" ]; then
    as_pg "$scratch/usr/lib/postgresql/$pgv/bin/pg_ctl -D $scratch/run/data -m immediate stop" >/dev/null 2>&1
  fi
  rm -rf "$work" ${scratch:+"$scratch"}
}
trap cleanup EXIT
as_pg() {   # run a server command as postgres when we are root (initdb refuses root)
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi
}

# ------------------------------------------------------------------ 1. build
git status --porcelain --untracked-files=all > "$work/status.before" 2>/dev/null
start=$(date +%s)
if make -s deb > "$work/make-deb.log" 2>&1 && [ -f "$deb" ]; then
  ok "make deb built $deb ($(( $(date +%s) - start )) s)"
else
  fail "make deb built $deb"; tail -30 "$work/make-deb.log" | sed 's/^/#   /'
  finish
fi
git status --porcelain --untracked-files=all > "$work/status.after" 2>/dev/null
if cmp -s "$work/status.before" "$work/status.after"; then
  ok "the work tree is left as it was (git status, untracked files included)"
else
  fail "the work tree is left as it was"; diff "$work/status.before" "$work/status.after" | sed 's/^/#   /'
fi

# --------------------------------------------------------------- 2. contents
dpkg -c "$deb" | awk '$1 !~ /^d/ {sub(/^\.\//, "", $6); print $6}' | sort > "$work/files"
echo "# dpkg -c: $(wc -l < "$work/files") files"
sed 's/^/#   /' "$work/files"
{
  echo "usr/lib/postgresql/$pgv/lib/backorder.so"
  echo "usr/share/postgresql/$pgv/extension/backorder.control"
  echo "usr/share/postgresql/$pgv/extension/backorder--1.0.sql"
  echo "usr/share/postgresql/$pgv/extension/backorder--$default_version.sql"
  for f in sql/backorder--*--*.sql; do echo "usr/share/postgresql/$pgv/extension/${f#sql/}"; done
  echo "usr/share/doc/$pkg/copyright"
  echo "usr/share/doc/$pkg/changelog.Debian.gz"
} | sort -u > "$work/expected"
check "the package has the module, control file, install scripts 1.0 and $default_version, every upgrade script, copyright" \
  "$(comm -23 "$work/expected" "$work/files" | tr '\n' ' ')" ""
extra=$(comm -13 "$work/expected" "$work/files" \
  | grep -v -e "^usr/lib/postgresql/$pgv/lib/bitcode/backorder" -e "^usr/share/doc/$pkg/" | tr '\n' ' ')
check "nothing else in it but JIT bitcode and docs (no test, example or build file)" "$extra" ""
dpkg -x "$deb" "$work/root"
ext=$work/root/usr/share/postgresql/$pgv/extension
cmp -s "$ext/backorder.control" backorder.control && ok "packaged control file = backorder.control" \
  || fail "packaged control file = backorder.control"
cmp -s "$ext/backorder--1.0.sql" sql/backorder--1.0.sql && ok "packaged 1.0 script = sql/backorder--1.0.sql (frozen)" \
  || fail "packaged 1.0 script = sql/backorder--1.0.sql (frozen)"
parts=$(make -s --no-print-directory -f Makefile -f - print-sql-parts <<'EOF'
print-sql-parts:
	@echo $(SQL_PARTS)
EOF
)
cmp -s "$ext/backorder--$default_version.sql" <(cat $parts) \
  && ok "packaged $default_version script = the SQL_PARTS ($parts)" \
  || fail "packaged $default_version script = the SQL_PARTS ($parts)"
for f in sql/backorder--*--*.sql; do
  cmp -s "$ext/${f#sql/}" "$f" || fail "packaged ${f#sql/} = $f"
done
info=$(dpkg-deb -f "$deb" Package Version Architecture Depends)
echo "$info" | sed 's/^/# /'
check "control data: package, version, architecture" \
  "$(dpkg-deb -f "$deb" Package)/$(dpkg-deb -f "$deb" Version)/$(dpkg-deb -f "$deb" Architecture)" "$pkg/$version/$arch"
dpkg-deb -f "$deb" Depends | grep -q "postgresql-$pgv\b" && ok "depends on postgresql-$pgv" \
  || fail "depends on postgresql-$pgv"

# ---------------------------------------------- 3. install, then the suite
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo -n"
mode=${BACKORDER_DEB_MODE:-auto}
if [ "$mode" = auto ]; then
  mode=extract
  if [ "$(pg_config --sharedir)" = "/usr/share/postgresql/$pgv" ] && $sudo true 2>/dev/null; then
    mode=install
  fi
fi
echo "# mode: $mode"
src=$(ls -d build/deb/src/backorder-*)

if [ "$mode" = install ]; then
  pgc=/usr/lib/postgresql/$pgv/bin/pg_config
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    $sudo dpkg --purge "$pkg" >/dev/null
  fi
  # what `make install` left: the files the package is about to own
  while read -r f; do
    [ -e "/$f" ] && ! dpkg -S "/$f" >/dev/null 2>&1 && $sudo rm -f "/$f"
  done < "$work/files"
  $sudo rm -rf "/usr/lib/postgresql/$pgv/lib/bitcode/backorder"
  left=$(ls "$($pgc --sharedir)/extension" "$($pgc --pkglibdir)" 2>/dev/null | grep -c '^backorder')
  check "no backorder file in the PostgreSQL before the package is installed" "$left" 0
  if $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$deb" > "$work/apt.log" 2>&1; then
    ok "apt-get install ./$deb"
  else
    fail "apt-get install ./$deb"; tail -20 "$work/apt.log" | sed 's/^/#   /'
  fi
  check "dpkg owns the installed control file" \
    "$(dpkg -S "$($pgc --sharedir)/extension/backorder.control" 2>/dev/null | cut -d: -f1)" "$pkg"
else
  # a relocated copy of the system's PostgreSQL, as developers on a shared machine use,
  # makes, without any backorder file, and the package unpacked into it
  scratch=$(mktemp -d /tmp/backorder-deb.XXXXXX)
  chmod 755 "$scratch"
  mkdir -p "$scratch/usr/lib/postgresql" "$scratch/usr/share/postgresql" "$scratch/usr/include"
  cp -a "/usr/lib/postgresql/$pgv" "$scratch/usr/lib/postgresql/"
  cp -a "/usr/share/postgresql/$pgv" "$scratch/usr/share/postgresql/"
  ln -s /usr/include/postgresql "$scratch/usr/include/postgresql"
  rm -rf "$scratch/usr/lib/postgresql/$pgv/lib/backorder.so" "$scratch/usr/lib/postgresql/$pgv/lib/bitcode/backorder" \
         "$scratch/usr/lib/postgresql/$pgv/lib/bitcode/backorder.index.bc" \
         "$scratch"/usr/share/postgresql/$pgv/extension/backorder[.-]*
  pgc=$scratch/usr/lib/postgresql/$pgv/bin/pg_config
  left=$(ls "$($pgc --sharedir)/extension" "$($pgc --pkglibdir)" 2>/dev/null | grep -c '^backorder')
  check "no backorder file in the scratch PostgreSQL ($($pgc --sharedir)) before the package" "$left" 0
  if dpkg -x "$deb" "$scratch"; then ok "dpkg -x $deb into the scratch PostgreSQL"; else fail "dpkg -x into the scratch PostgreSQL"; fi
  check "the scratch PostgreSQL finds the packaged control file" \
    "$(cmp -s "$($pgc --sharedir)/extension/backorder.control" "$ext/backorder.control" && echo yes)" yes
  bin=$($pgc --bindir)
  port=$(( 20000 + RANDOM % 20000 ))
  mkdir "$scratch/run"
  [ "$(id -u)" = 0 ] && chown postgres "$scratch/run"
  as_pg "$bin/initdb -D $scratch/run/data -U postgres -A trust >/dev/null" \
    && as_pg "$bin/pg_ctl -D $scratch/run/data -l $scratch/run/log -w -o '-p $port -k $scratch/run -c listen_addresses=' start >/dev/null" \
    || { fail "a throwaway cluster from the scratch PostgreSQL"; cat "$scratch/run/log" 2>/dev/null; finish; }
  ok "a throwaway cluster from the scratch PostgreSQL (port $port)"
  export PGHOST=$scratch/run PGPORT=$port PGUSER=postgres
fi

# the regression suite, from the package's source tree, against the package
if make -C "$src" -s installcheck PG_CONFIG="$pgc" ISOLATION= > "$work/installcheck.log" 2>&1; then
  ok "regression suite against the installed package: $(grep -c '\.\.\. ok' "$work/installcheck.log") tests passed"
else
  fail "regression suite against the installed package"
  grep -E '\.\.\. (ok|FAILED)|failed' "$work/installcheck.log" | sed 's/^/#   /'
  head -60 "$src/regression.diffs" 2>/dev/null | sed 's/^/#   /'
fi
db="bo_deb_$$"
up=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -d postgres 2>&1 <<SQL
CREATE DATABASE $db;
\c $db
CREATE EXTENSION backorder VERSION '1.0';
INSERT INTO backorder.items (sku) VALUES ('A');
SELECT count(*) FROM backorder.place_order('o1', '[{"line_no": 1, "sku": "A", "quantity": 2}]');
ALTER EXTENSION backorder UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'backorder';
SELECT count(*) FROM backorder.check();
SELECT backordered FROM backorder.items;
\c postgres
DROP DATABASE $db;
SQL
)
check "packaged scripts: CREATE EXTENSION VERSION '1.0', ALTER EXTENSION UPDATE to $default_version, rows kept" \
  "$(echo $up)" "1 $default_version 0 2"

finish
