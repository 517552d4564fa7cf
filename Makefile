# The README's entry points. Each target installs missing Debian packages first (scripts/install-deps).
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DPython3_EXECUTABLE=/usr/bin/python3
OUT ?= out/study

.PHONY: all deps build run test test-asan fuzz bench clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The main job: the default study on the embedded default data (fashion-mnist-2), report + plots in $(OUT); a rerun
# resumes the study already there (--resume refuses a directory with nothing to resume).
run: build
	$(BUILD)/bin/widthlab study --out $(OUT) $(if $(wildcard $(OUT)/config.toml),--resume)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1 -O1" -DWIDTHLAB_SANITIZE=ON -DWIDTHLAB_PYTHON=OFF -DWIDTHLAB_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && WIDTHLAB_SANITIZED=1 ctest --output-on-failure -j $(JOBS)

# libFuzzer targets of every input parser (fuzz/README.md), FUZZ_SECONDS each, one after the other; needs clang.
fuzz:
	WIDTHLAB_FUZZ_DEPS=1 scripts/install-deps
	FUZZ_BUILD=$(FUZZ_BUILD) JOBS=$(JOBS) fuzz/run.sh $(FUZZ_SECONDS)

bench: build
	WIDTHLAB_BENCH_DEPS=1 scripts/install-deps
	bench/run_all.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
