# NFCS core — the two commands that do everything on a fresh Debian 12 machine:
#   make run    install deps, configure, build, run configs/default.yaml, say where the output is
#   make test   install deps, configure, build, run every test (ctest)
# and for CI and maintainers:
#   make test-sanitize   ASan + UBSan build, every test but the long physics runs (ctest -LE long)
#   make test-single     single-precision build, the tests labelled `single`
#   make test-tsan       ThreadSanitizer build (engine loops on one thread), the tests labelled `io_thread`
#   make mutants         the suite against deliberate faults (scripts/mutants.py; ~10 min, not in CI)
#   make fuzz            a libFuzzer campaign on every harness of tests/fuzz (FUZZ_SECONDS each, default 300)
#   make fuzz-ci         each harness for a short fixed number of executions (CI)
BUILD      ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
CONFIG     ?= configs/default.yaml
OUT        ?= out/default.h5
CTEST_ARGS ?=

.PHONY: all deps configure build run test test-sanitize test-single test-tsan fuzz fuzz-build fuzz-ci mutants bench bench-compare clean help

all: build

help:
	@echo "make run | test | test-sanitize | test-single | mutants | bench | build | clean"

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DNFCS_WERROR=ON $(CMAKE_ARGS) >$(BUILD).configure.log 2>&1 \
	  || (cat $(BUILD).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@mkdir -p $(dir $(OUT))
	$(BUILD)/nfcs run $(CONFIG) -o $(OUT)
	@echo
	@$(BUILD)/nfcs info $(OUT)
	@echo
	@/usr/bin/python3 analysis/nfcs_analyze.py $(OUT) -o $(basename $(OUT))_analysis >/dev/null
	@echo "The run's output is in $(OUT); its summary and plots are in $(basename $(OUT))_analysis/"

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# AddressSanitizer + UndefinedBehaviorSanitizer build of everything, and the tests under it (the
# long physics runs, label `long`, are run once, by `make test`)
test-sanitize:
	@$(MAKE) --no-print-directory test BUILD=build-san BUILD_TYPE=RelWithDebInfo \
	  CMAKE_ARGS="-DNFCS_SANITIZE=address,undefined -DNFCS_BUILD_BENCH=OFF -DNFCS_CUDA=OFF $(CMAKE_ARGS)" CTEST_ARGS="-LE long"

# the engine in single precision: the tests labelled `single` (the field's validation, the
# coordinator, the file layout), with round-off bounds scaled to float
test-single:
	@$(MAKE) --no-print-directory test BUILD=build-single \
	  CMAKE_ARGS="-DNFCS_PRECISION=single -DNFCS_BUILD_BENCH=OFF -DNFCS_CUDA=OFF $(CMAKE_ARGS)" CTEST_ARGS="-L single"

# ThreadSanitizer: the coordinator against its I/O thread (sinks, errors, signals, restarts); the
# engine's OpenMP loops run on one thread there (TSan cannot see into libgomp)
test-tsan:
	@$(MAKE) --no-print-directory test BUILD=build-tsan BUILD_TYPE=RelWithDebInfo \
	  CMAKE_ARGS="-DNFCS_SANITIZE=thread -DNFCS_BUILD_BENCH=OFF -DNFCS_CUDA=OFF $(CMAKE_ARGS)" CTEST_ARGS="-L io_thread"

# libFuzzer (clang-14): the config loader, the --set parser, the effective-YAML round trip, the HDF5
# readers; the engine built with ASan + UBSan and one thread.  `make fuzz` runs a campaign (fork
# mode: it goes on after a finding; each finding lands in build-fuzz/findings/) with the readers'
# child-process guard off, so that crashes inside libhdf5 itself show as findings; `make fuzz-ci`
# a short deterministic run of each harness from its seed corpus, guard on (what users run: the
# seeds include files that crash or hang libhdf5, refused with 65).
FUZZ_SECONDS ?= 300
FUZZ_HARNESSES = config set roundtrip h5
# per harness: the longest input, and 10 s at most for one (longer is a finding: a hang)
FUZZ_ARGS = case $$h in h5) a="-max_len=16384 -timeout=60";; set) a="-max_len=2048 -timeout=10";; *) a="-max_len=4096 -timeout=10";; esac
fuzz-build: deps
	@CC=clang-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNFCS_WERROR=ON -DNFCS_FUZZ=ON \
	  -DNFCS_SANITIZE=address,undefined -DNFCS_CUDA=OFF -DNFCS_OPENMP=OFF -DNFCS_BUILD_TESTS=OFF -DNFCS_BUILD_BENCH=OFF \
	  >build-fuzz.configure.log 2>&1 || (cat build-fuzz.configure.log; exit 1)
	@cmake --build build-fuzz -j $(JOBS)

fuzz: fuzz-build
	@mkdir -p build-fuzz/findings
	@for h in $(FUZZ_HARNESSES); do \
	  mkdir -p build-fuzz/corpus/$$h; \
	  echo "fuzz_$$h: $(FUZZ_SECONDS) s"; $(FUZZ_ARGS); \
	  NFCS_NO_PREFLIGHT=1 ASAN_OPTIONS=detect_leaks=1 build-fuzz/tests/fuzz/fuzz_$$h -fork=$(JOBS) -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
	    -max_total_time=$(FUZZ_SECONDS) $$a -artifact_prefix=build-fuzz/findings/$$h- \
	    build-fuzz/corpus/$$h tests/fuzz/corpus/$$h 2>build-fuzz/fuzz_$$h.log; \
	  grep -E "^#[0-9]+: cov|INFO: fuzzed for|stat::number_of_executed_units|crashes:|DONE" build-fuzz/fuzz_$$h.log | tail -2; \
	done; ls build-fuzz/findings

fuzz-ci: fuzz-build
	@for h in $(FUZZ_HARNESSES); do \
	  runs=20000; [ $$h = h5 ] && runs=600; $(FUZZ_ARGS); \
	  rm -rf build-fuzz/ci-corpus/$$h; mkdir -p build-fuzz/ci-corpus/$$h; \
	  NFCS_PREFLIGHT_SECONDS=2 build-fuzz/tests/fuzz/fuzz_$$h -seed=1 -runs=$$runs $$a -artifact_prefix=build-fuzz/ci-$$h- \
	    build-fuzz/ci-corpus/$$h tests/fuzz/corpus/$$h >build-fuzz/fuzz-ci-$$h.log 2>&1 || { tail -60 build-fuzz/fuzz-ci-$$h.log; exit 1; }; \
	  echo "fuzz_$$h: $$runs runs, nothing found"; \
	done

# every deliberate fault of scripts/mutants.py must make a test fail (not in CI)
mutants: deps
	@/usr/bin/python3 scripts/mutants.py

bench: build
	$(BUILD)/bench/nfcs_microbench --benchmark_min_time=0.2

# the short benchmark (bench/baseline, ~10 s) against the committed baseline of this machine class
# (bench/baselines/): printed with a warning per regression beyond 50 %, never failing on noise
BASELINE ?= bench/baselines/vm-2core-debian12.json
bench-compare: build
	@bench/baseline $(BUILD)/bench-now.json $(BUILD)/nfcs && /usr/bin/python3 bench/compare $(BASELINE) $(BUILD)/bench-now.json \
	  || echo "warning: the benchmark comparison did not run"

clean:
	rm -rf build build-san build-single build-tsan build-fuzz build-fuzz.configure.log build-mutants build.configure.log build-san.configure.log build-single.configure.log build-tsan.configure.log
