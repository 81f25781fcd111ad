#!/usr/bin/env bash
# Install what darray needs on Debian 12 (as root) and build it twice:
#   build/      debugoptimized, what the demo and users run
#   build-san/  debug with AddressSanitizer + UndefinedBehaviorSanitizer
# Safe to run again: apt is skipped when every package is already installed,
# existing build directories are reconfigured and rebuilt incrementally.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DEBIAN_FRONTEND=noninteractive

packages=(
    gcc libc6-dev pkg-config meson ninja-build python3   # toolchain (libc6-dev: gcc only recommends it)
    mpich libmpich-dev                                    # MPI (MPICH; provides mpiexec.mpich)
    libhwloc-dev                                          # topology
    libfabric-dev                                         # raw-fabric RMA baseline in bench/
    libcriterion-dev                                      # unit tests
    python3-numpy                                         # .npy files checked by NumPy (tests/mpi/npy_check.py)
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    apt-get update
    apt-get install -y --no-install-recommends "${packages[@]}"
fi

# If Open MPI is installed too (for example pulled in by libscalapack-mpich-dev),
# the mpicc/mpirun alternatives may point at it; darray is built and tested
# with MPICH.
select_alternative() { # name target
    if [[ -e "$2" ]] && update-alternatives --query "$1" >/dev/null 2>&1 &&
        [[ "$(readlink -f "/etc/alternatives/$1")" != "$(readlink -f "$2")" ]]; then
        echo "setup: selecting $2 for $1"
        update-alternatives --set "$1" "$2"
    fi
}
select_alternative mpi /usr/bin/mpicc.mpich
select_alternative mpirun /usr/bin/mpirun.mpich

# configure DIR OPTIONS...: set up a build directory, or update the options
# of an existing one (wiping it if meson can no longer read it).
configure() {
    local dir=$1
    shift
    if [[ -f "$dir/build.ninja" ]]; then
        meson configure "$dir" "$@" >/dev/null || meson setup --wipe "$dir" "$@"
    else
        rm -rf "$dir"
        meson setup "$dir" "$@"
    fi
}

configure build -Dbuildtype=debugoptimized -Db_sanitize=none
configure build-san -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

meson compile -C build
meson compile -C build-san
