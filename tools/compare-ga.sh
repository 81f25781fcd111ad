#!/usr/bin/env bash
# Run the GA-style test programs (tests/ga) against libdarray-ga and against
# Debian's Global Arrays 5.8 at 1-4 processes, and require identical answers
# (meson suite ga-reference; tests/ga/compare_ga.sh says what is compared).
# Not part of tools/test.sh or CI: installing GA pulls in Open MPI, gfortran
# and ScaLAPACK, and the real-GA runs take minutes at 3-4 processes on two
# cores. Run as root on Debian 12 from anywhere in the repository:
#   bash tools/compare-ga.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DEBIAN_FRONTEND=noninteractive
ga_packages=(libglobalarrays-dev libarmci-mpi-dev libscalapack-mpich-dev)
missing=()
for p in "${ga_packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if ((${#missing[@]})); then
    echo "compare-ga: installing ${missing[*]}"
    apt-get update
    apt-get install -y --no-install-recommends "${ga_packages[@]}"
fi

# setup.sh puts the mpicc/mpirun alternatives back on MPICH (the GA packages
# may have switched them to Open MPI) and builds both trees.
bash tools/setup.sh
meson configure build -Dga_reference=enabled >/dev/null
meson compile -C build
export HWLOC_COMPONENTS=-pci
meson test -C build --no-rebuild --print-errorlogs --suite ga-reference
