# NFCS core — the two commands that do everything on a fresh Debian 12 machine:
#   make run    install deps, configure, build, run configs/default.yaml, say where the output is
#   make test   install deps, configure, build, run every test (ctest)
# and for CI and maintainers:
#   make test-sanitize   ASan + UBSan build, every test but the long physics runs (ctest -LE long)
#   make test-single     single-precision build, the tests labelled `single`
#   make test-tsan       ThreadSanitizer build (engine loops on one thread), the tests labelled `io_thread`
#   make mutants         the suite against deliberate faults (scripts/mutants.py; ~10 min, not in CI)
BUILD      ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
CONFIG     ?= configs/default.yaml
OUT        ?= out/default.h5
CTEST_ARGS ?=

.PHONY: all deps configure build run test test-sanitize test-single test-tsan mutants bench clean help

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

# every deliberate fault of scripts/mutants.py must make a test fail (not in CI)
mutants: deps
	@/usr/bin/python3 scripts/mutants.py

bench: build
	$(BUILD)/bench/nfcs_microbench --benchmark_min_time=0.2

clean:
	rm -rf build build-san build-single build-tsan build-mutants build.configure.log build-san.configure.log build-single.configure.log build-tsan.configure.log
