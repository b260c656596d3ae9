# NFCS core — the two commands that do everything on a fresh Debian 12 machine:
#   make run    install deps, configure, build, run configs/default.yaml, say where the output is
#   make test   install deps, configure, build, run every test (ctest)
BUILD      ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
CONFIG     ?= configs/default.yaml
OUT        ?= out/default.h5

.PHONY: all deps configure build run test test-sanitize bench clean help

all: build

help:
	@echo "make run | test | test-sanitize | bench | build | clean"

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
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# AddressSanitizer + UndefinedBehaviorSanitizer build of everything, and the tests under it
test-sanitize:
	@$(MAKE) --no-print-directory test BUILD=build-san BUILD_TYPE=RelWithDebInfo \
	  CMAKE_ARGS="-DNFCS_SANITIZE=address,undefined -DNFCS_BUILD_BENCH=OFF -DNFCS_CUDA=OFF $(CMAKE_ARGS)"

bench: build
	$(BUILD)/bench/nfcs_microbench --benchmark_min_time=0.2

clean:
	rm -rf build build-san build.configure.log build-san.configure.log
