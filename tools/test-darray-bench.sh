#!/usr/bin/env bash
# darray-bench --quick at 2 ranks: the JSON it writes must be well formed,
# start with a run description, and carry every field on every result; the
# SVG must be well-formed XML. Speed is not checked.
#   test-darray-bench.sh DARRAY_BENCH JSON_OUT SVG_OUT
set -euo pipefail
bench=$1 json=$2 svg=$3
rm -f "$json" "$svg"
start=$(date +%s)
python3 "$bench" --quick --ranks 2 --json "$json" --svg "$svg"
echo "darray-bench --quick took $(( $(date +%s) - start )) s"
python3 - "$json" "$svg" <<'PY'
import json, sys, xml.dom.minidom
path, svg = sys.argv[1], sys.argv[2]
lines = open(path).read().splitlines()
assert len(lines) >= 2, "no results in %s" % path
desc = json.loads(lines[0])
for k in ("darray_version", "mpi_library", "machine", "tunables", "ranks"):
    assert k in desc, "run description lacks %s: %s" % (k, lines[0][:300])
for k in ("cores", "numa_nodes", "l1d_bytes", "l2_bytes", "l3_bytes"):
    assert k in desc["machine"], "machine lacks %s" % k
need = ["case", "impl", "bytes", "elements", "ranks", "reps", "median_us", "min_us",
        "max_us", "rate", "rate_unit"]
impls = set()
for n, line in enumerate(lines[1:], 2):
    r = json.loads(line)
    if r.get("unsupported"):  # an operation a fabric provider lacks: not a failure
        continue
    assert not r.get("error"), "line %d: %s" % (n, line)
    for k in need:
        assert k in r, "line %d lacks %s: %s" % (n, k, line)
    assert isinstance(r["case"], str) and r["case"], "line %d: case" % n
    for k in ("bytes", "elements", "ranks", "reps"):
        assert isinstance(r[k], int) and r[k] >= 0, "line %d: %s" % (n, k)
    for k in ("median_us", "min_us", "max_us", "rate"):
        assert isinstance(r[k], (int, float)) and r[k] >= 0, "line %d: %s" % (n, k)
    assert r["min_us"] <= r["median_us"] <= r["max_us"], "line %d: min <= median <= max" % n
    assert r["ranks"] == 2 and r["reps"] >= 1, "line %d" % n
    assert r["rate_unit"] in ("GB/s", "Mop/s", "Melem/s"), "line %d: rate_unit" % n
    impls.add(r["impl"])
for i in ("darray", "mpi", "memcpy"):
    assert i in impls, "no %s results" % i
cases = {json.loads(l)["case"] for l in lines[1:]}
for c in ("get-1elem", "get-1elem-rma", "put-contig-8MiB", "get-box-1024x1024"):
    assert c in cases, "case %s missing" % c
xml.dom.minidom.parse(svg)
print("%d results, impls %s: well formed" % (len(lines) - 1, sorted(impls)))
PY
