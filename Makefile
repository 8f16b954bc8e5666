# SPDX-License-Identifier: MIT
# One non-recursive Makefile for the whole suite (STYLE.md, "Makefile").
#   make            build bin/echo, bin/echo_mt, bin/web_hello, ... (objects in build/release/)
#   make run        start the main demo on its default address
#   make check      install what is missing, then run every unit and integration test
#   make asan/tsan  the same tests against a sanitizer build (objects and binaries in build/<variant>/)
# The user's CC, CFLAGS, CPPFLAGS, LDFLAGS, PREFIX and DESTDIR keep their usual meaning; the flags
# the code needs live in REQUIRED_CFLAGS, so `make CFLAGS=-O0` cannot drop them.

.DELETE_ON_ERROR:
.SUFFIXES:
.DEFAULT_GOAL := all

CFLAGS ?= -O2 -g
PREFIX ?= /usr/local
PKG_CONFIG ?= pkg-config
PYTHON ?= /usr/bin/python3
VARIANT ?= release

REQUIRED_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_FILE_OFFSET_BITS=64 -pthread -Wall -Wextra -Wpedantic -Wshadow \
                   -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla -MMD -MP
ifdef WERROR
REQUIRED_CFLAGS += -Werror
endif

ifeq ($(VARIANT),asan)
SAN_FLAGS := -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else ifeq ($(VARIANT),tsan)
SAN_FLAGS := -O1 -fsanitize=thread
else ifneq ($(VARIANT),release)
$(error VARIANT must be release, asan or tsan)
endif

BUILD := build/$(VARIANT)
# Release binaries go to bin/, as the lab names them; sanitizer builds keep theirs apart.
BINDIR := $(if $(filter release,$(VARIANT)),bin,$(BUILD)/bin)

OPENSSL_CFLAGS := $(shell $(PKG_CONFIG) --cflags openssl)
ALL_CFLAGS = $(REQUIRED_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) $(OPENSSL_CFLAGS) -Icommon
ALL_LDFLAGS = -pthread $(LDFLAGS) $(SAN_FLAGS)

# A program exists once its folder has sources; later programs join by being written.
PROGRAMS := $(foreach p,echo echo_mt web_hello fileserver formapp,$(if $(wildcard $(p)/*.c),$(p)))
COMMON_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard common/*.c))
LIBCOMMON := $(BUILD)/libcommon.a

# Extra link libraries per program (OpenSSL, libcrypt) are added here as the programs need them.
# HTTPS (common/tls.c) is part of libcommon, so every program and the unit tests link OpenSSL.
COMMON_LIBS := $(shell $(PKG_CONFIG) --libs openssl)
# formapp's login checks passwords with crypt_r() (common/users.c), and so do its unit tests.
$(BINDIR)/formapp $(BINDIR)/check_unit: COMMON_LIBS += $(shell $(PKG_CONFIG) --libs libcrypt)

all: $(addprefix $(BINDIR)/,$(PROGRAMS)) $(BINDIR)/loadgen

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBCOMMON): $(COMMON_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

define program_rule
$(BINDIR)/$(1): $(patsubst %.c,$(BUILD)/%.o,$(wildcard $(1)/*.c)) $(LIBCOMMON)
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $$(COMMON_LIBS)
endef
$(foreach p,$(PROGRAMS),$(eval $(call program_rule,$(p))))

# bench/loadgen.c: the project's own load generator (bench/ and the stress tests use it).
$(BINDIR)/loadgen: $(BUILD)/bench/loadgen.o $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# Unit tests: one Check runner; tests/check_<module>.c defines suite_<module>(). The list of
# suites is made from the file names, so a new suite file cannot be forgotten by the runner.
CHECK_SRCS := $(sort $(wildcard tests/check_*.c))
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check)

$(BUILD)/tests/suites.inc: $(CHECK_SRCS) Makefile
	@mkdir -p $(@D)
	printf '%s\n' $(patsubst tests/check_%.c,'SUITE(%)',$(filter-out tests/check_main.c,$(CHECK_SRCS))) > $@

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -I$(BUILD)/tests -c -o $@ $<
$(BUILD)/tests/check_main.o: $(BUILD)/tests/suites.inc

$(BINDIR)/check_unit: $(patsubst %.c,$(BUILD)/%.o,$(CHECK_SRCS)) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(COMMON_LIBS)

# ---- running things -------------------------------------------------------------------------

RUN_PROGRAM := $(if $(filter fileserver,$(PROGRAMS)),fileserver,echo_mt)
run: all
ifeq ($(RUN_PROGRAM),fileserver)
	$(BINDIR)/fileserver -d www
else
	$(BINDIR)/echo_mt
endif

deps:
	@tests/install-deps.sh

# A self-signed certificate for localhost, 127.0.0.1 and ::1 in certs/ (git-ignored), for the
# HTTPS exercises. An existing one is kept; tools/make-cert.sh --force certs replaces it.
cert:
	@if [ -e certs/cert.pem ] && [ -e certs/key.pem ]; then \
	    echo "certs/cert.pem and certs/key.pem exist (tools/make-cert.sh --force certs replaces them)"; \
	else tools/make-cert.sh certs; fi

# The tests of one variant: unit suites, then the real binaries over real sockets.
test: all $(BINDIR)/check_unit
	$(BINDIR)/check_unit
	cd tests/integration && BIN_DIR=$(abspath $(BINDIR)) VARIANT=$(VARIANT) \
	    $(PYTHON) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

check: deps
	@$(MAKE) --no-print-directory test

asan: deps
	@$(MAKE) --no-print-directory VARIANT=asan test

tsan: deps
	@$(MAKE) --no-print-directory VARIANT=tsan test

# Speed, side by side with the anchors (the handout's Python programs, nginx); never a test.
bench: all
	bench/echo
	bench/http
	if [ -x bench/formapp ]; then bench/formapp; fi

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	for p in $(PROGRAMS); do install -m 755 $(BINDIR)/$$p $(DESTDIR)$(PREFIX)/bin/lab4-$$p || exit 1; done
	# formapp finds these from its own location: PREFIX/bin/../share/lab4/formapp
	install -d $(DESTDIR)$(PREFIX)/share/lab4/formapp/templates
	install -m 644 formapp/templates/*.html $(DESTDIR)$(PREFIX)/share/lab4/formapp/templates
	install -m 644 formapp/users $(DESTDIR)$(PREFIX)/share/lab4/formapp/users

uninstall:
	for p in echo echo_mt web_hello fileserver formapp; do rm -f $(DESTDIR)$(PREFIX)/bin/lab4-$$p; done
	rm -rf $(DESTDIR)$(PREFIX)/share/lab4/formapp

clean:
	rm -rf build bin

.PHONY: all run deps cert test check asan tsan bench install uninstall clean

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d)
