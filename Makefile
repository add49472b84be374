# NAP Consult: the commands a newcomer needs. Each target installs what is missing first.
#
#   make run     build and start the demo server on http://127.0.0.1:8080
#   make test    build and run every test suite
#   make check   the same tests under AddressSanitizer + UndefinedBehaviorSanitizer (clang),
#                plus a short smoke run of every fuzzer
#   make bench   the benchmarks (tests/bench), reported side by side with their peers
#   make format / make lint    clang-format / clang-tidy over the project's C++

BUILD       ?= build
CHECK_BUILD ?= build-check
LISTEN      ?= 127.0.0.1:8080
DB          ?= data/napconsult.db
JOBS        ?= $(shell nproc)
GENERATOR   := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
CXX_SOURCES  = $(shell git ls-files '*.cpp' '*.hpp' '*.h' 2>/dev/null || find crdt server agendas exports tests -name '*.[ch]pp')

.PHONY: all bootstrap build run test check bench format lint clean

all: build

bootstrap:
	@scripts/bootstrap run

build: bootstrap
	@cmake -S . -B $(BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@mkdir -p $(dir $(DB))
	$(BUILD)/bin/napconsult demo --listen $(LISTEN) --db $(DB)

test:
	@scripts/bootstrap test
	@cmake -S . -B $(BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

check:
	@scripts/bootstrap test
	@CXX=clang++ cmake -S . -B $(CHECK_BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=clang++ -DNAPC_SANITIZE=ON -DNAPC_FUZZ=ON -DNAPC_BENCH=OFF >/dev/null
	@cmake --build $(CHECK_BUILD) -j $(JOBS)
	cd $(CHECK_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 900

bench: build
	@scripts/bootstrap test
	tests/bench/run

format:
	@scripts/bootstrap test
	clang-format -i $(filter %.cpp %.hpp %.h,$(CXX_SOURCES))

lint: build
	@scripts/bootstrap test
	run-clang-tidy -quiet -p $(BUILD) '^$(CURDIR)/(crdt|server|agendas|exports)/' \
	  || clang-tidy -p $(BUILD) --quiet $(filter %.cpp,$(filter crdt/% server/% agendas/% exports/%,$(CXX_SOURCES)))

clean:
	rm -rf $(BUILD) $(CHECK_BUILD)
