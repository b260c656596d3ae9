#!/usr/bin/env bash
# One call on a machine with an NVIDIA GPU: the conformance suite on the CUDA backend (the CGL
# tests of VALIDATION.md, and CPU vs GPU on the same runs), then the benchmark (strang and
# etdrk4 at 256^2 .. 4096^2, double and single), printed as tables and written as JSON to
# ${OUT:-bench/results}.
#
#   bench/gpu.sh                 build here (needs the Debian packages of scripts/install-deps.sh)
#   NFCS_GPU_BUNDLE=DIR bench/gpu.sh
#                                run prebuilt binaries: DIR/bin-double, DIR/bin-single (nfcs, the
#                                tests and the CUDA module libnfcs_cuda.so) and DIR/lib (the
#                                libraries they need, the loader included), for GPU machines where
#                                the dependencies cannot be installed
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench/results}
mkdir -p "$OUT"
GRIDS=${GRIDS:-256,1024,2048,4096}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | tee "$OUT/gpu_device.txt"
date -u +%Y-%m-%dT%H:%M:%SZ >> "$OUT/gpu_device.txt"

if [ -n "${NFCS_GPU_BUNDLE:-}" ]; then
  B=$NFCS_GPU_BUNDLE
  # the GPU driver's and the toolkit's libraries where this machine keeps them
  extra=""
  for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu /usr/lib64 \
           $(python3 -c 'import nvidia.cufft, os; print(os.path.join(list(nvidia.cufft.__path__)[0], "lib"))' 2>/dev/null) \
           $(python3 -c 'import nvidia.cublas, os; print(os.path.join(list(nvidia.cublas.__path__)[0], "lib"))' 2>/dev/null); do
    [ -d "$d" ] && extra="$extra:$d"
  done
  for lib in libcuda.so.1 libcufft.so.12 libcublas.so.13 libcublasLt.so.13; do
    p=$(ldconfig -p 2>/dev/null | awk -v l="$lib" '$1 == l {print $NF; exit}')
    [ -n "$p" ] && extra="$extra:$(dirname "$p")"
  done
  # started through the loader, the executable's folder is not where the CUDA module is looked for: say it
  run() { local prec=$1; shift; local exe=$1; shift
          NFCS_MODULE_PATH="$B/bin-$prec" "$B/lib/ld-linux-x86-64.so.2" --library-path "$B/lib$extra" "$B/bin-$prec/$exe" "$@"; }
else
  cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DNFCS_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="90-real;90-virtual" >/dev/null &&
    cmake --build build-gpu -j >/dev/null || exit 1
  cmake -S . -B build-gpu-single -DCMAKE_BUILD_TYPE=Release -DNFCS_CUDA=ON -DNFCS_PRECISION=single >/dev/null &&
    cmake --build build-gpu-single -j >/dev/null || exit 1
  run() {
    local prec=$1; shift; local exe=$1; shift
    local dir=build-gpu; [ "$prec" = single ] && dir=build-gpu-single
    if [ "$exe" = nfcs ]; then "$dir/nfcs" "$@"; else "$dir/tests/$exe" "$@"; fi
  }
fi

status=0
PARTS=${PARTS:-cgl,kuramoto}
for prec in double single; do
  case ",$PARTS," in *,cgl,*)
  echo "== conformance suite on cuda ($prec): the VALIDATION.md CGL tests, and CPU vs GPU"
  NFCS_TEST_BACKEND=cuda XDG_CACHE_HOME=/tmp/nfcs-cache run $prec test_cgl 2>&1 | tee "$OUT/gpu_conformance_$prec.txt" | grep -E "vs cpu|order|PASSED|FAILED|ERROR|skipped"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1 ;;
  esac
done
case ",$PARTS," in *,kuramoto,*)
  echo "== conformance suite on cuda: the VALIDATION.md Kuramoto tests, and CPU vs GPU"
  NFCS_TEST_BACKEND=cuda run double test_kuramoto 2>&1 | tee "$OUT/gpu_conformance_kuramoto.txt" | grep -E "vs cpu|R_inf|R = |period|PASSED|FAILED|ERROR|skipped"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  echo "== Kuramoto benchmark on cuda (double)"
  run double nfcs bench --device cuda --no-cgl --no-targets --oscillators 10000,100000,1000000,10000000,100000000 \
    --coupling mean_field --min-time 0.5 --json "$OUT/gpu_bench_kuramoto_mf.json" 2>&1 | tee "$OUT/gpu_bench_kuramoto_mf.txt"
  run double nfcs bench --device cuda --no-cgl --no-targets --oscillators 1000,4000,10000,30000 --coupling matrix \
    --min-time 0.5 --json "$OUT/gpu_bench_kuramoto_dense.json" 2>&1 | tee "$OUT/gpu_bench_kuramoto_dense.txt"
  run double nfcs bench --device cuda --no-cgl --no-targets --oscillators 50000,500000,5000000 --coupling sparse \
    --min-time 0.5 --json "$OUT/gpu_bench_kuramoto_sparse.json" 2>&1 | tee "$OUT/gpu_bench_kuramoto_sparse.txt"
  run double nfcs bench --device cuda --no-cgl --no-targets --oscillators 10000 --coupling matrix --ensemble 64 \
    --min-time 0.5 --json "$OUT/gpu_bench_ensemble.json" 2>&1 | tee "$OUT/gpu_bench_ensemble.txt" ;;
esac
for prec in double single; do
  case ",$PARTS," in *,cgl,*) ;; *) continue ;; esac
  echo "== benchmark on cuda ($prec)"
  run $prec nfcs bench --device cuda --grid "$GRIDS" --scheme strang,etdrk4 --no-kuramoto --no-targets --min-time 0.5 \
    --json "$OUT/gpu_bench_$prec.json" 2>&1 | tee "$OUT/gpu_bench_$prec.txt"
done
exit $status
