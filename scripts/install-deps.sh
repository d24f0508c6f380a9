#!/usr/bin/env bash
# scripts/install-deps.sh: install the Debian packages backorder needs to
# build, test and benchmark, if any is missing (apt-get update once, then
# apt-get install -y).  Safe to run again.
set -euo pipefail

# build-essential: gcc, make; postgresql-15: the server and pg_virtualenv;
# postgresql-server-dev-15: PGXS, pg_regress, pg_isolation_regress;
# postgresql-15-pgtap + libtap-parser-sourcehandler-pgtap-perl: pgTAP and
# pg_prove; libpq-dev: examples/consumer.c; python3: the model check.
# Release (make deb, test/scripts/deb.sh, cron.sh, meta.sh):
# dpkg-dev + debhelper + fakeroot: dpkg-buildpackage and dh;
# postgresql-server-dev-all: pg_buildext and dh's pgxs_loop sequence;
# postgresql-15-cron: pg_cron for test/scripts/cron.sh.
# postgresql-15-auto-failover: pg_autoctl, for test/scripts/failover.sh.
PACKAGES=(
  build-essential
  postgresql-15
  postgresql-server-dev-15
  postgresql-15-pgtap
  libtap-parser-sourcehandler-pgtap-perl
  libpq-dev
  python3
  dpkg-dev
  debhelper
  fakeroot
  postgresql-server-dev-all
  postgresql-15-cron
  postgresql-15-auto-failover
)

missing=()
for p in "${PACKAGES[@]}"; do
  [[ "$p" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
