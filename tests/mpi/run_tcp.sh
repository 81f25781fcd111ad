#!/usr/bin/env bash
# run_tcp.sh TIMEOUT NP MPIEXEC PROGRAM: runs an MPI test over UCX's TCP
# transport. This MPICH/UCX pair sometimes hangs inside MPI_Finalize over
# TCP, even for a plain MPI program (docs/mpi-issues.md). A run counts as
# passed only if the program exits 0, or if every rank reached MPI_Finalize
# (each leaves a marker file: tests/mpi/finalize_marker.c) and only the
# teardown hung; any failure or a hang before MPI_Finalize fails.
set -u
limit=$1 np=$2 mpiexec=$3 prog=$4
markers=$(mktemp -d)
trap 'rm -rf "$markers"' EXIT
export DA_TEST_MARKER_DIR=$markers
"$mpiexec" -n "$np" "$prog" &
pid=$!
start=$SECONDS all_since=
while kill -0 "$pid" 2>/dev/null; do
    sleep 0.5
    n=$(ls "$markers" | wc -l)
    if [ "$n" -ge "$np" ] && [ -z "$all_since" ]; then all_since=$SECONDS; fi
    if [ -n "$all_since" ] && [ $((SECONDS - all_since)) -ge 10 ]; then
        kill -TERM "$pid" 2>/dev/null; sleep 2; kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        echo "note: all $np ranks passed their checks; MPI_Finalize then hung over UCX TCP (known issue, docs/mpi-issues.md)"
        exit 0
    fi
    if [ $((SECONDS - start)) -ge "$limit" ]; then
        kill -TERM "$pid" 2>/dev/null; sleep 2; kill -KILL "$pid" 2>/dev/null
        echo "timeout after ${limit}s with $(ls "$markers" | wc -l) of $np ranks at MPI_Finalize"
        exit 124
    fi
done
wait "$pid"
