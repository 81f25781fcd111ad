#!/usr/bin/env bash
# Install, build, and run the demo on 4 ranks: pictures of how a small 2-D
# array is distributed over the ranks, then arrays in use (put, get,
# accumulate, gather, scatter-accumulate from any rank).
# (On a 2-core machine the 4 ranks share cores; that is fine for the demo.
# No -bind-to: binding 2 busy-polling ranks to each core did not help.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash tools/setup.sh

echo
echo "=== mpiexec.mpich -n 4 build/examples/dist_demo"
timeout --kill-after=10 120 mpiexec.mpich -n 4 build/examples/dist_demo

echo
echo "=== mpiexec.mpich -n 4 build/examples/array_demo"
timeout --kill-after=10 120 mpiexec.mpich -n 4 build/examples/array_demo
