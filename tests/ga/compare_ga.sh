#!/usr/bin/env bash
# Run one GA-style test program twice at the same process count, built
# against libdarray-ga and against the real GA, and require identical
# observable answers (the lines process 0 prints with the prefix "@ ").
#   compare_ga.sh SECONDS MPIEXEC NP DARRAY_EXE REAL_GA_EXE
# Both runs must also pass their own checks (exit status 0).
#
# ARMCI_USE_WIN_ALLOCATE=0: Debian's GA over ARMCI-MPI (MPI_Win_allocate
# windows, its default) returns stale data for a get of a process's own
# elements after local writes; with windows over memory ARMCI allocates
# itself (MPI_Win_create) it does not. darray needs no such setting.
set -uo pipefail
seconds=$1 mpiexec=$2 np=$3 darray_exe=$4 ga_exe=$5

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() { # name exe [env...]
    local name=$1 exe=$2
    shift 2
    env "$@" timeout --kill-after=10 "$seconds" "$mpiexec" -n "$np" "$exe" >"$out/$name.log" 2>&1
    local rc=$?
    grep '^@ ' "$out/$name.log" >"$out/$name.answers"
    if ((rc != 0)); then
        echo "compare_ga: $name build failed at $np processes (exit $rc):"
        tail -n 20 "$out/$name.log"
        return 1
    fi
}

status=0
run darray "$darray_exe" || status=1
run real-ga "$ga_exe" ARMCI_USE_WIN_ALLOCATE=0 || status=1
if ! diff -u "$out/real-ga.answers" "$out/darray.answers" >"$out/diff"; then
    echo "compare_ga: answers differ at $np processes (- real GA, + darray-ga):"
    cat "$out/diff"
    status=1
fi
if ((status == 0)); then
    echo "compare_ga: $(wc -l <"$out/darray.answers") answers identical at $np processes"
fi
exit $status
