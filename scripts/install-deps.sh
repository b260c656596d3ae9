#!/usr/bin/env bash
# Install the Debian 12 packages NFCS core needs to build, test and analyse.
# Idempotent: asks dpkg which packages are missing and installs only those.
# Quick (well under a second) when everything is present.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libfftw3-dev            # FFTW3 double+single, with libfftw3_omp
  libopenblas-dev         # BLAS::BLAS (OpenBLAS)
  libhdf5-dev hdf5-tools  # HDF5 C + HL, h5dump
  openmpi-bin libopenmpi-dev   # MPI: mpirun -n P nfcs run (Debian's FFTW-MPI is built on OpenMPI)
  libfftw3-mpi-dev        # FFTW-MPI: the field's slabs
  libhdf5-openmpi-dev     # parallel HDF5 (installs beside the serial one)
  libfyaml-dev            # YAML parser
  libmicrohttpd-dev       # the live-metrics server (monitor.listen)
  libssl-dev              # libcrypto: SHA-256 of the model (model_hash)
  libcmocka-dev           # unit tests
  libbenchmark-dev        # Google Benchmark microbenchmarks
  clang-14 libclang-rt-14-dev  # libFuzzer harnesses of tests/fuzz (make fuzz, make fuzz-ci)
  librandom123-dev        # Philox counter-based RNG (header only)
  python3 python3-numpy python3-h5py python3-scipy python3-matplotlib python3-pil
  python3-xarray python3-h5netcdf   # post-analysis: xarray over h5netcdf
  python3-yaml            # tests: the effective config read back as YAML
  python3-prometheus-client curl   # tests: live metrics scraped and parsed by a real client
)

# --with-paraview: also ParaView and a virtual X server, for the sidecar's test (tests/test_paraview.py,
# skipped without them) and scripts/paraview_render.py; about 0.5 GB, so not by default
# --with-promtool: Prometheus's promtool (tests/test_monitor.py lints the live text with it where present)
# --with-peers: XMDS2 3.1, for the peers' comparison (bench/peers/peers.py)
for opt in "$@"; do
  case "$opt" in
    --with-paraview) PACKAGES+=(paraview python3-paraview xvfb xauth) ;;
    --with-peers) PACKAGES+=(xmds2) ;;
    --with-promtool) PACKAGES+=(prometheus) ;;   # promtool: the monitor test's strict lint of the text
    *) echo "install-deps: unknown option $opt (--with-paraview, --with-promtool, --with-peers)" >&2; exit 64 ;;
  esac
done

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
