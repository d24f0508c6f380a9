#!/usr/bin/env bash
# scripts/build-deb.sh (make deb): builds the Debian package with Debian's own
# tooling (debian/, pg_buildext, dpkg-buildpackage -us -uc -b) from a copy of
# the source tree, so the work tree stays as it is, and collects
#   build/deb/postgresql-15-backorder_<version>_<arch>.deb
# (and the .buildinfo/.changes) in build/deb/.  Prints the .deb's path last.
# The copy holds the tracked files and the untracked ones git does not
# ignore.  The regression suite is not run at build time (DEB_BUILD_OPTIONS
# and the build profile nocheck; DEB_CHECK=1 runs it, which needs
# postgresql-all): test/scripts/deb.sh runs it against the package.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(dpkg-parsechangelog -S Version)
upstream=${version%-*}
out=build/deb
src=$out/src/backorder-$upstream
rm -rf "$out"
mkdir -p "$src"

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | tar --null -T - -cf - | tar -xf - -C "$src"
else
  tar --exclude=./build --exclude=./.git --exclude='*.o' --exclude='*.bc' --exclude='*.so' \
    --exclude=./results --exclude=./output_iso -cf - . | tar -xf - -C "$src"
fi

profile=(-Pnocheck)
if [ "${DEB_CHECK:-0}" = 1 ]; then
  profile=()
else
  export DEB_BUILD_OPTIONS="nocheck${DEB_BUILD_OPTIONS:+ $DEB_BUILD_OPTIONS}"
fi
case " ${DEB_BUILD_OPTIONS:-} " in
  *" parallel="*) ;;
  *) export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }parallel=$(nproc)" ;;
esac
(cd "$src" && dpkg-buildpackage -us -uc -b "${profile[@]}") > "$out/build.log" 2>&1 \
  || { tail -40 "$out/build.log"; echo "dpkg-buildpackage failed (log: $out/build.log)" >&2; exit 1; }
mv "$out"/src/*.deb "$out"/src/*.buildinfo "$out"/src/*.changes "$out"/
ls "$out"/postgresql-*-backorder_"$version"_*.deb
