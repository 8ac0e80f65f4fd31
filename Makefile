# yibao: policy language -> checked bytecode -> VM that settles claims.
#
#   make          build bin/yibao
#   make demo     settle the shipped example claims and print the settlements
#   make test     unit tests (cmocka) + golden tests, under ASan+UBSan
#   make bench    the benchmark (generated corpus; VM vs native C vs Lua 5.4)
#   make fuzz     each libFuzzer target of tests/fuzz/ for FUZZ_SECONDS seconds (default 60), in turn
#
# Generated sources (flex/bison) go to build/, never into the source tree.

CC      ?= cc
CSTD    := -std=c11 -D_POSIX_C_SOURCE=200809L
WARN    := -Wall -Wextra -Werror -Wno-unused-parameter
LAYERS  := base lang compiler vm io store api lsp
INC     = $(patsubst %,-I%,$(LAYERS)) -Iinclude -Icli -Ibuild/gen -I/usr/include/postgresql $(FFI_CFLAGS)
CFLAGS  ?= -O2 -g
DEPS_PKGS := flex bison libcmocka-dev libffi-dev pkg-config clang libsqlite3-dev libpq-dev postgresql libsodium-dev chromium python3-distributed libmicrohttpd-dev curl fonts-noto-cjk
BENCH_PKGS := lua5.4 liblua5.4-dev

NATIVE_LIBS := build/native/libcapitation.so build/native/libnativekinds.so # extern fn: see below

SO_MAJOR := 0
SO_MINOR := 3
SO_REAL  := libyibao.so.$(SO_MAJOR).$(SO_MINOR).0
SO_NAME  := libyibao.so.$(SO_MAJOR)

# the floors, bottom up: base <- lang <- compiler -> vm <- io <- store <- api <- cli
# (lsp/, the language server, stands on compiler/ and io/'s JSON scanners; cli/ runs it)
LIB_SRC  := $(foreach d,$(LAYERS),$(wildcard $(d)/*.c))

REL_OBJ  := $(patsubst %.c,build/rel/%.o,$(LIB_SRC)) build/rel/gen/parser.tab.o build/rel/gen/lexer.yy.o
TST_OBJ  := $(patsubst %.c,build/tst/%.o,$(LIB_SRC)) build/tst/gen/parser.tab.o build/tst/gen/lexer.yy.o
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# libffi calls a policy's native functions (vm/native.c); dlopen finds them
FFI_LIBS := $(shell pkg-config --libs libffi 2>/dev/null || echo -lffi)
FFI_CFLAGS := $(shell pkg-config --cflags libffi 2>/dev/null)
LIBS     := -lsqlite3 -lpq -lsodium $(FFI_LIBS) -ldl -pthread -lm

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,build/tst/tests/%,$(UNIT_SRC)) build/tst/tests/test_claim_reader_nosimd

.PHONY: all deps bench-deps demo test bench bench-serve fuzz clean install
all: deps bin/yibao build/rel/$(SO_REAL) $(NATIVE_LIBS)

# ---- Debian packages: installed when root, otherwise the exact command ----
deps: PKGS = $(DEPS_PKGS)
bench-deps: PKGS = $(DEPS_PKGS) $(BENCH_PKGS)
deps bench-deps:
	@missing=""; for p in $(PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null || exit 1; \
	  else \
	    echo "missing Debian packages; run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

# ---- generated front end ----
# grouped targets (&:): one bison/flex run makes both files, even under make -j
build/gen/parser.tab.c build/gen/parser.tab.h &: lang/parser.y | deps
	@mkdir -p build/gen
	bison -Wall -Werror --defines=build/gen/parser.tab.h -o build/gen/parser.tab.c $<

build/gen/lexer.yy.c build/gen/lexer.yy.h &: lang/lexer.l build/gen/parser.tab.h | deps
	@mkdir -p build/gen
	flex --header-file=build/gen/lexer.yy.h -o build/gen/lexer.yy.c $<

# generated code is not ours to hold to -Werror on unused functions
GEN_WARN := -Wno-unused-function -Wno-sign-compare -Wno-unused-but-set-variable

build/rel/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(GEN_WARN) $(INC) $(CFLAGS) -MMD -MP -c $< -o $@
build/tst/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(GEN_WARN) $(INC) -O1 -g $(SAN) -MMD -MP -c $< -o $@

build/rel/%.o: %.c build/gen/parser.tab.h build/gen/lexer.yy.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) $(CFLAGS) -MMD -MP -c $< -o $@
build/tst/%.o: %.c build/gen/parser.tab.h build/gen/lexer.yy.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) -O1 -g $(SAN) -MMD -MP -c $< -o $@

# Keep one indirect jump per opcode in the dispatch loop: GCC would otherwise
# merge them, and the CPU could no longer predict the next opcode from the last.
DISPATCH_FLAGS := -fno-gcse -fno-crossjumping
build/rel/vm/interp.o: CFLAGS += $(DISPATCH_FLAGS)

build/rel/libyibao.a: $(REL_OBJ)
	ar rcs $@ $^
build/tst/libyibao.a: $(TST_OBJ)
	ar rcs $@ $^

# ---- libyibao.so: the same objects built position-independent; only yibao_* exported ----
PIC_OBJ  := $(patsubst build/rel/%,build/pic/%,$(REL_OBJ))
build/pic/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(GEN_WARN) $(INC) $(CFLAGS) -fPIC -MMD -MP -c $< -o $@
build/pic/%.o: %.c build/gen/parser.tab.h build/gen/lexer.yy.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) $(CFLAGS) -fPIC -MMD -MP -c $< -o $@
build/pic/vm/interp.o: CFLAGS += $(DISPATCH_FLAGS)
build/rel/$(SO_REAL): $(PIC_OBJ) api/libyibao.map
	$(CC) -shared -Wl,-soname,$(SO_NAME) -Wl,--version-script=api/libyibao.map -o $@ $(PIC_OBJ) $(LIBS)
	ln -sf $(SO_REAL) build/rel/$(SO_NAME)
	ln -sf $(SO_REAL) build/rel/libyibao.so

# ---- shared objects a policy's native functions bind to (`extern fn`, spec.md 4.19;
# named at load: --native capitation=build/native/libcapitation.so): the county
# drug list of examples/variant-jiahe-native.yb, and the tests' every-kind library ----
build/native/libcapitation.so: examples/native/capitation.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) -fPIC -shared -o $@ $<
build/native/libnativekinds.so: tests/native/kinds.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) -fPIC -shared -o $@ $<

# ---- the example host: under the sanitizers against the static library (make test),
# and against the shared one, found through pkg-config as a bureau would build it ----
build/tst/examples/host: examples/host/host.c build/tst/libyibao.a
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -Iinclude -O1 -g $(SAN) -o $@ $< build/tst/libyibao.a $(LIBS)
build/rel/examples/host: examples/host/host.c build/rel/$(SO_REAL)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -Iinclude $(CFLAGS) -o $@ $< build/rel/$(SO_REAL)

# ---- make install PREFIX=... (DESTDIR for packaging) ----
PREFIX ?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man3
	install -m 755 bin/yibao $(DESTDIR)$(PREFIX)/bin/yibao
	install -m 644 build/rel/libyibao.a $(DESTDIR)$(PREFIX)/lib/libyibao.a
	install -m 755 build/rel/$(SO_REAL) $(DESTDIR)$(PREFIX)/lib/$(SO_REAL)
	ln -sf $(SO_REAL) $(DESTDIR)$(PREFIX)/lib/$(SO_NAME)
	ln -sf $(SO_REAL) $(DESTDIR)$(PREFIX)/lib/libyibao.so
	install -m 644 include/yibao.h $(DESTDIR)$(PREFIX)/include/yibao.h
	sed -e 's#@PREFIX@#$(PREFIX)#g' -e 's#@VERSION@#$(SO_MAJOR).$(SO_MINOR).0#g' api/yibao.pc.in >$(DESTDIR)$(PREFIX)/lib/pkgconfig/yibao.pc
	install -m 644 docs/man/yibao.1 $(DESTDIR)$(PREFIX)/share/man/man1/yibao.1
	install -m 644 docs/man/yibao.3 $(DESTDIR)$(PREFIX)/share/man/man3/yibao.3

CLI_SRC  := $(wildcard cli/*.c)
CLI_LIBS := -lmicrohttpd # yibao serve (cli/serve_http.c)

bin/yibao: $(patsubst %.c,build/rel/%.o,$(CLI_SRC)) build/rel/libyibao.a
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS) $(CLI_LIBS)

build/tst/bin/yibao: $(patsubst %.c,build/tst/%.o,$(CLI_SRC)) build/tst/libyibao.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ $(LIBS) $(CLI_LIBS)

# the portable switch dispatch, built and tested beside the computed-goto one
build/tst/vm/interp_switch.o: vm/interp.c build/gen/parser.tab.h build/gen/lexer.yy.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) -O1 -g $(SAN) -DYB_SWITCH_DISPATCH -MMD -MP -c $< -o $@

build/tst/bin/yibao-switch: $(patsubst %.c,build/tst/%.o,$(CLI_SRC)) build/tst/vm/interp_switch.o $(filter-out build/tst/vm/interp.o,$(TST_OBJ))
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ $(LIBS) $(CLI_LIBS)

# the claim reader's portable path (no SSE2, no computed goto), tested beside the vectorised one
build/tst/io/json_fastpath_nosimd.o: io/json_fastpath.c build/gen/parser.tab.h build/gen/lexer.yy.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) -O1 -g $(SAN) -DYB_NO_SIMD -DYB_SWITCH_DISPATCH -MMD -MP -c $< -o $@

build/tst/tests/test_claim_reader_nosimd: tests/unit/test_claim_reader.c build/tst/io/json_fastpath_nosimd.o build/tst/libyibao.a | deps
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) -O1 -g $(SAN) -MMD -MP -o $@ $< build/tst/io/json_fastpath_nosimd.o build/tst/libyibao.a -lcmocka $(LIBS)

build/tst/tests/%: tests/unit/%.c build/tst/libyibao.a | deps
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) -O1 -g $(SAN) -MMD -MP -o $@ $< build/tst/libyibao.a -lcmocka $(LIBS)

# ---- fuzz targets (libFuzzer: clang, ASan+UBSan) ----
# tests/fuzz/fuzz_*.c, one target each, linked against the library built from
# LIB_SRC with clang (a new library file is picked up by itself).  Other
# people's code is not held to -Werror under a second compiler; ours is.
FUZZ_CC      := clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN     := $(patsubst %,build/fuzz/%,$(FUZZ_TARGETS))
FUZZ_OBJ     := $(patsubst %.c,build/fuzz/%.o,$(LIB_SRC)) build/fuzz/gen/parser.tab.o build/fuzz/gen/lexer.yy.o
FUZZ_SECONDS ?= 60

build/fuzz/gen/%.o: build/gen/%.c | deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CSTD) $(filter-out -Werror,$(WARN)) $(GEN_WARN) $(INC) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
build/fuzz/%.o: %.c build/gen/parser.tab.h build/gen/lexer.yy.h | deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CSTD) $(filter-out -Werror,$(WARN)) $(INC) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
build/fuzz/libyibao.a: $(FUZZ_OBJ)
	ar rcs $@ $^
# fuzz_ybc's seeds: the policies compiled by the compiler under test (kept
# .ybc files would go stale at the next change of the format)
FUZZ_GEN_SEEDS := build/fuzz/seeds/fuzz_ybc/.made
$(FUZZ_GEN_SEEDS): build/tst/bin/yibao tests/fuzz/make_seeds.sh $(wildcard examples/*.yb stdlib-policies/*.yb tests/golden/*/*.yb tests/golden/*/*/*.yb)
	@YIBAO=build/tst/bin/yibao bash tests/fuzz/make_seeds.sh ybc $(dir $@) && touch $@
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h build/fuzz/libyibao.a | deps
	$(FUZZ_CC) $(CSTD) $(WARN) $(INC) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer -DYB_FUZZ_ROOT='"$(CURDIR)"' \
	  -o $@ $< build/fuzz/libyibao.a $(LIBS)

# ---- the jobs ----
# the standard Hunan policy over a small realistic corpus (326 claims, 40 members, 2025),
# then the batch reports (per-community capitation spending, the bureau's targets)
demo: deps bin/yibao
	./bin/yibao run stdlib-policies/hunan.yb examples/corpus.jsonl --report -

test: all $(NATIVE_LIBS) build/tst/bin/yibao build/tst/bin/yibao-switch $(UNIT_BIN) $(FUZZ_BIN) $(FUZZ_GEN_SEEDS) build/tst/examples/host build/rel/examples/host
	@YIBAO_SWITCH=build/tst/bin/yibao-switch YIBAO_FUZZ="$(FUZZ_BIN)" bash tests/run_all.sh build/tst/bin/yibao $(UNIT_BIN)

bench: bench-deps bin/yibao
	@bash bench/run.sh
	@bash bench/serve.sh
	@bash bench/jobs.sh

# yibao serve alone under load (requests/s, p50/p99): bench/serve.sh
bench-serve: deps bin/yibao
	@bash bench/serve.sh

# One target at a time, one process each (the machine has 2 cores).  New inputs
# go to build/fuzz/corpus/TARGET, never into the seeds; a crash is written to
# build/fuzz/crashes/ and stops the run.
fuzz: deps $(FUZZ_BIN) $(FUZZ_GEN_SEEDS)
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$t build/fuzz/crashes; \
	  dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
	  gen=; [ -d build/fuzz/seeds/$$t ] && gen=build/fuzz/seeds/$$t; \
	  echo "== $$t: $(FUZZ_SECONDS) s"; \
	  build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 $$dict \
	    -artifact_prefix=build/fuzz/crashes/$$t- build/fuzz/corpus/$$t tests/fuzz/corpus/$$t $$gen || exit 1; \
	done

clean:
	rm -rf build bin

# header dependencies of every object, the command line's and the unit tests' included
-include $(REL_OBJ:.o=.d) $(TST_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d) $(PIC_OBJ:.o=.d) build/tst/vm/interp_switch.d build/tst/io/json_fastpath_nosimd.d
-include $(patsubst %.c,build/rel/%.d,$(CLI_SRC)) $(patsubst %.c,build/tst/%.d,$(CLI_SRC)) $(UNIT_BIN:=.d)
