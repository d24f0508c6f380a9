#!/usr/bin/env bash
# test/scripts/meta.sh: META.json is valid PGXN metadata (Meta Spec 1.0.0,
# https://pgxn.org/spec/) and matches backorder.control: parsed with python3's
# json, every required key present with a valid value (name, abstract,
# version, maintainer, license, provides with file and version, meta-spec),
# optional keys of the right shape, files it names present, versions the
# control file's default_version (as a semantic version: 1.1 -> 1.1.0).
# First it shows that the validator rejects broken copies.  Needs no server.
# Prints "meta: N passed, N failed"; exits non-zero on a failure.
set -uo pipefail
cd "$(dirname "$0")/../.."

exec python3 - META.json backorder.control <<'PY'
import copy, json, re, sys

meta_path, control_path = sys.argv[1], sys.argv[2]
control = open(control_path).read()
default_version = re.search(r"^default_version\s*=\s*'([^']*)'", control, re.M).group(1)
ext_name = control_path.rsplit("/", 1)[-1][:-len(".control")]

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-?[a-zA-Z][0-9A-Za-z-]*)?$")
LICENSES = {"agpl_3", "apache_1_1", "apache_2_0", "artistic_1", "artistic_2", "bsd", "freebsd",
            "gfdl_1_2", "gfdl_1_3", "gpl_1", "gpl_2", "gpl_3", "lgpl_2_1", "lgpl_3_0", "mit",
            "mozilla_1_0", "mozilla_1_1", "openssl", "perl_5", "postgresql", "qpl_1_0", "ssleay",
            "sun", "zlib", "open_source", "restricted", "unrestricted", "unknown"}
PHASES = {"configure", "build", "test", "runtime", "develop"}
RELATIONS = {"requires", "recommends", "suggests", "conflicts"}
KNOWN = {"name", "abstract", "version", "maintainer", "license", "provides", "meta-spec",
         "description", "generated_by", "tags", "no_index", "prereqs", "release_status", "resources"}


def semver(v):
    return isinstance(v, str) and SEMVER.match(v) is not None


def as_semver(v):   # PostgreSQL extension versions are X.Y; PGXN wants X.Y.Z
    return v + ".0" if re.fullmatch(r"\d+\.\d+", v) else v


def nonempty_str(v):
    return isinstance(v, str) and v.strip() != ""


def problems(m):
    p = []
    if not isinstance(m, dict):
        return ["the document is not an object"]
    for key in ("name", "abstract", "version", "maintainer", "license", "provides", "meta-spec"):
        if key not in m:
            p.append("required key %s missing" % key)
    for key in m:
        if key not in KNOWN and not key.lower().startswith("x_"):
            p.append("unknown key %s (custom keys start with x_)" % key)
    name = m.get("name")
    if "name" in m and not (isinstance(name, str) and len(name) >= 2
                            and not re.search(r"[\s/\\\x00-\x1f]", name)):
        p.append("name must be 2+ characters without whitespace, slashes or control characters")
    for key in ("abstract", "description", "generated_by"):
        if key in m and not nonempty_str(m[key]):
            p.append("%s must be a non-empty string" % key)
    if "version" in m and not semver(m["version"]):
        p.append("version %r is not a semantic version" % (m["version"],))
    mt = m.get("maintainer")
    if "maintainer" in m and not (nonempty_str(mt) or (isinstance(mt, list) and mt
                                                       and all(nonempty_str(x) for x in mt))):
        p.append("maintainer must be a string or a non-empty list of strings")
    lic = m.get("license")
    if "license" in m:
        if isinstance(lic, str):
            lic = [lic]
        if isinstance(lic, list) and lic:
            for l in lic:
                if l not in LICENSES:
                    p.append("license %r is not one the spec names" % (l,))
        elif not (isinstance(lic, dict) and lic and all(nonempty_str(v) for v in lic.values())):
            p.append("license must be a known name, a list of them, or an object of name: URL")
    pv = m.get("provides")
    if "provides" in m:
        if not (isinstance(pv, dict) and pv):
            p.append("provides must be a non-empty object")
        else:
            for ext, d in pv.items():
                if not isinstance(d, dict):
                    p.append("provides.%s must be an object" % ext)
                    continue
                for key in ("file", "version"):
                    if key not in d:
                        p.append("provides.%s.%s missing" % (ext, key))
                if "version" in d and not semver(d["version"]):
                    p.append("provides.%s.version %r is not a semantic version" % (ext, d["version"]))
                for key in ("file", "docfile", "abstract"):
                    if key in d and not nonempty_str(d[key]):
                        p.append("provides.%s.%s must be a non-empty string" % (ext, key))
    ms = m.get("meta-spec")
    if "meta-spec" in m and not (isinstance(ms, dict) and ms.get("version") == "1.0.0"):
        p.append("meta-spec must be an object with version 1.0.0")
    if "release_status" in m and m["release_status"] not in ("stable", "testing", "unstable"):
        p.append("release_status must be stable, testing or unstable")
    if "tags" in m and not (isinstance(m["tags"], list)
                            and all(nonempty_str(t) and len(t) <= 255 for t in m["tags"])):
        p.append("tags must be a list of non-empty strings")
    pr = m.get("prereqs", {})
    if not isinstance(pr, dict):
        p.append("prereqs must be an object")
    else:
        for phase, rels in pr.items():
            if phase not in PHASES or not isinstance(rels, dict):
                p.append("prereqs.%s is not a phase object" % phase)
                continue
            for rel, deps in rels.items():
                if rel not in RELATIONS or not isinstance(deps, dict):
                    p.append("prereqs.%s.%s is not a relation object" % (phase, rel))
                    continue
                for dep, ver in deps.items():
                    if not (ver == 0 or isinstance(ver, str) and re.fullmatch(
                            r"\s*((==|!=|>=|<=|>|<)?\s*\d+(\.\d+){0,2}\s*)(,\s*(==|!=|>=|<=|>|<)?\s*\d+(\.\d+){0,2}\s*)*", ver)):
                        p.append("prereqs.%s.%s.%s: %r is not a version range" % (phase, rel, dep, ver))
    return p


passed = failed = 0


def check(what, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok - " + what)
    else:
        failed += 1
        print("not ok - " + what + (": " + detail if detail else ""))


try:
    meta = json.load(open(meta_path))
    check("META.json parses as JSON", True)
except Exception as e:   # noqa: BLE001 - any parse error is the failure
    check("META.json parses as JSON", False, str(e))
    print("meta: %d passed, %d failed" % (passed, failed))
    sys.exit(1)

# the validator rejects broken copies
for what, mutate in (
        ("without license", lambda m: m.pop("license")),
        ("with version 1.1", lambda m: m.__setitem__("version", "1.1")),
        ("without provides.backorder.file", lambda m: m["provides"][ext_name].pop("file")),
        ("with meta-spec 2.0.0", lambda m: m["meta-spec"].__setitem__("version", "2.0.0")),
        ("with an unknown key", lambda m: m.__setitem__("homepage", "x"))):
    broken = copy.deepcopy(meta)
    try:
        mutate(broken)
    except Exception:   # noqa: BLE001 - the key is already missing: still broken
        pass
    check("the validator rejects a copy " + what, problems(broken) != [])

found = problems(meta)
check("META.json follows PGXN Meta Spec 1.0.0", found == [], "; ".join(found))
check("name is the extension's (%s)" % ext_name, meta.get("name") == ext_name, repr(meta.get("name")))
want = as_semver(default_version)
check("version is default_version %s (as %s)" % (default_version, want), meta.get("version") == want,
      repr(meta.get("version")))
prov = meta.get("provides", {}).get(ext_name, {})
check("provides %s at version %s" % (ext_name, want), prov.get("version") == want, repr(prov))
for key in ("file", "docfile"):
    if key in prov:
        try:
            open(prov[key]).close()
            ok = True
        except OSError:
            ok = False
        check("provides.%s.%s names a file of the distribution (%s)" % (ext_name, key, prov[key]), ok)
comment = re.search(r"^comment\s*=\s*'([^']*)'", control, re.M)
check("abstract is the control file's comment",
      comment is not None and meta.get("abstract") == comment.group(1), repr(meta.get("abstract")))

print("meta: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
