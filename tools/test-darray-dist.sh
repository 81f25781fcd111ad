#!/bin/sh
# Runs darray-dist on good and bad command lines and checks exit statuses and
# output. Usage: test-darray-dist.sh path/to/darray-dist
set -u
exe=${1:?usage: $0 path/to/darray-dist}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# good ARGS...: exit 0, something on stdout or in the SVG, nothing on stderr
good() {
    "$exe" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -ne 0 ]; then
        fail "exit $rc (expected 0): darray-dist $*"
        sed 's/^/    /' "$tmp/err"
    elif [ -s "$tmp/err" ]; then
        fail "stderr not empty: darray-dist $*"
    fi
}

# bad ARGS...: exit 2 with a one-line reason on stderr, no crash
bad() {
    "$exe" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -ne 2 ]; then
        fail "exit $rc (expected 2): darray-dist $*"
    elif ! grep -q '^darray-dist: ' "$tmp/err"; then
        fail "no error message: darray-dist $*"
    fi
}

# expect_line TEXT: the last good run printed exactly this line
expect_line() {
    grep -qxF -- "$1" "$tmp/out" || fail "missing line '$1' in output of the last run"
}

# svg_ok FILE: a standalone SVG document
svg_ok() {
    head -n 1 "$1" | grep -q '^<?xml' || fail "$1: no XML declaration"
    grep -q 'xmlns="http://www.w3.org/2000/svg"' "$1" || fail "$1: no SVG namespace"
    tail -n 1 "$1" | grep -qx '</svg>' || fail "$1: does not end with </svg>"
    if command -v xmllint >/dev/null 2>&1; then
        xmllint --noout "$1" || fail "$1: not well-formed XML"
    elif command -v python3 >/dev/null 2>&1; then
        python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$1" || fail "$1: not well-formed XML"
    fi
}

# --- good command lines ---------------------------------------------------
good --help
grep -q '^Usage: darray-dist' "$tmp/out" || fail "--help prints no usage"

good --shape 4x4 --grid 2x2 --dist block
expect_line '4x4 over grid 2x2 (4 ranks): block, block'
expect_line '0 0 1 1'
expect_line '2 2 3 3'
expect_line '  3  rank 3 (1,1): 2x2'

good --shape 8 --dist cyclic
expect_line '0 1 2 3 0 1 2 3'

good --shape 10 --ranks 4 --dist ga
expect_line '0 0 0 1 1 1 2 2 2 3'

good --shape 10 --ranks 4 --dist block
expect_line '0 0 0 1 1 1 2 2 3 3'

good --shape 12 --dist irregular:0:3:7
expect_line '0 0 0 1 1 1 1 2 2 2 2 2'

good --shape 8 --ranks 2 --dist bc:100
expect_line '8 over 2 ranks: block_cyclic(8, asked 100)'

good --shape 6x4 --ranks 2 --dist none,block
expect_line '0 0 1 1'

good --shape 12x6 --grid 3x2 --dist unstructured:7,block
cp "$tmp/out" "$tmp/u1"
good --shape 12x6 --grid 3x2 --dist unstructured:7,block
cmp -s "$tmp/out" "$tmp/u1" || fail "unstructured:7 is not deterministic"
good --shape 12x6 --dist unstructured:7,block --ranks 6 --text

good --shape 70x3 --ranks 70 --dist block,none
grep -q '^  ?  rank 62 ' "$tmp/out" || fail "rank 62 should be drawn as '?'"

good --shape 16x16 --grid 2x2 --dist block_cyclic:2 -o "$tmp/bc.svg"
svg_ok "$tmp/bc.svg"
[ -s "$tmp/out" ] && fail "-o alone should print nothing on stdout"

good --shape 16x16 --grid 0x2 --ranks 4 --dist block,cyclic -o "$tmp/b.svg" --text
svg_ok "$tmp/b.svg"
expect_line '16x16 over grid 2x2 (4 ranks): block, cyclic'

good --shape 300x200 --ranks 12 -o "$tmp/big.svg"
svg_ok "$tmp/big.svg"
good --shape 5000 --ranks 3 --dist cyclic -o "$tmp/long.svg"
svg_ok "$tmp/long.svg"
good --shape 3 --ranks 5 --dist block -o -
grep -q '(empty)' "$tmp/out" || fail "an empty rank should be marked (empty)"

# --- bad command lines ----------------------------------------------------
bad
bad --shape
bad --shape 16x16 --bogus
bad --shape 16x16 extra
bad --shape 0x16
bad --shape -4
bad --shape 16xx16
bad --shape abc
bad --shape 4x4x4
bad --shape 99999999999999999999999
bad --shape 4000000000x4000000000
bad --shape 100000x100000
bad --shape 16x16 --dist blocky
bad --shape 16x16 --dist block,cyclic,block
bad --shape 16 --dist block,cyclic
bad --shape 16x16 --dist 'block,'
bad --shape 16x16 --dist block:3
bad --shape 16 --dist bc:0
bad --shape 16 --dist bc:-2
bad --shape 16 --dist bc:
bad --shape 16 --dist block_cyclic
bad --shape 16 --dist irregular
bad --shape 16 --dist irregular:1:4
bad --shape 16 --dist irregular:0:9:4
bad --shape 16 --dist irregular:0:20
bad --shape 16 --dist irregular:0:x
bad --shape 16 --dist unstructured
bad --shape 16 --dist unstructured:-1
bad --shape 16x16 --grid 3x3 --ranks 4
bad --shape 16x16 --grid 2x2x2
bad --shape 16x16 --grid 2
bad --shape 16x16 --grid -1x4
bad --shape 16x16 --grid 2xq
bad --shape 16x16 --grid 3x0 --ranks 4
bad --shape 16x16 --dist none,block --grid 2x2
bad --shape 16 --ranks 0
bad --shape 16 --ranks -3
bad --shape 16 --ranks many
bad --shape 16 --ranks 1000000
bad --shape 16 --grid 5000
bad --shape 16x16 --grid 3x3 --dist irregular:0:8,block --ranks 9

# an unwritable output file is an I/O failure (1), not a usage error
"$exe" --shape 4 -o "$tmp/no/such/dir/x.svg" >/dev/null 2>&1
rc=$?
[ $rc -eq 1 ] || fail "unwritable -o: exit $rc, expected 1"

if [ $failures -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "all darray-dist checks passed"
