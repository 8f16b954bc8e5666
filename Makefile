# SPDX-License-Identifier: MIT
# One non-recursive Makefile for the whole suite (STYLE.md, "Makefile").
#   make            build bin/echo, bin/echo_mt, bin/web_hello, ... (objects in build/release/)
#   make run        start the main demo on its default address
#   make check      install what is missing, then run every unit and integration test
#   make asan/tsan  the same tests against a sanitizer build (objects and binaries in build/<variant>/)
#   make PORTABLE=1 [check|asan|...]  the same with every POSIX fallback of common/base/compat.c in
#                   place of its Linux call (the code path of macOS and FreeBSD, tested on Linux);
#                   objects and binaries in build/portable/ (build/portable-asan/, ...)
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

# The folder where the student saved the handout's Python listings (README.md), if any: the tests,
# the lab-notes checker and the benchmarks run them from there. Absolute, as they run elsewhere.
ifneq ($(strip $(HANDOUT_DIR)),)
export HANDOUT_DIR := $(abspath $(HANDOUT_DIR))
endif

REQUIRED_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_FILE_OFFSET_BITS=64 -pthread -Wall -Wextra -Wpedantic -Wshadow \
                   -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla -MMD -MP
ifdef WERROR
REQUIRED_CFLAGS += -Werror
endif

ifneq ($(filter-out 0 1,$(or $(PORTABLE),0)),)
$(error PORTABLE must be 1 (or 0, or unset))
endif
ifeq ($(PORTABLE),1)
REQUIRED_CFLAGS += -DCOMPAT_PORTABLE=1
endif

ifeq ($(VARIANT),asan)
SAN_FLAGS := -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else ifeq ($(VARIANT),tsan)
SAN_FLAGS := -O1 -fsanitize=thread
# GCC 12's ThreadSanitizer runtime now and then loses a signal that arrives while the thread is
# inside the runtime: about 1 SIGTERM in 500 never reaches the handler, and a program waiting in
# net_accept() never stops (seen in CI; 4 hangs in 1,800 runs here, 0 in 1,400 with clang's
# runtime and 0 in 1,500 release runs). Clang's runtime is used instead.
TSAN_CC ?= clang
CC := $(TSAN_CC)
else ifneq ($(VARIANT),release)
$(error VARIANT must be release, asan or tsan)
endif

# Release binaries go to bin/, as the lab names them; sanitizer and portable builds keep theirs
# apart, so their objects never mix.
ifeq ($(PORTABLE),1)
BUILD := build/portable$(if $(filter release,$(VARIANT)),,-$(VARIANT))
BINDIR := $(BUILD)/bin
else
BUILD := build/$(VARIANT)
BINDIR := $(if $(filter release,$(VARIANT)),bin,$(BUILD)/bin)
endif

# macOS: Homebrew's openssl@3 is keg-only, so pkg-config finds it only when told where it is.
ifneq ($(shell command -v brew 2>/dev/null),)
export PKG_CONFIG_PATH := $(shell brew --prefix)/opt/openssl@3/lib/pkgconfig$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH))
endif

OPENSSL_CFLAGS := $(shell $(PKG_CONFIG) --cflags openssl)
# Includes name their layer ("base/io.h", "http/http.h"); tests also reach program modules
# ("formapp/session.h") from the top folder.
ALL_CFLAGS = $(REQUIRED_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) $(OPENSSL_CFLAGS) -Icommon
ALL_LDFLAGS = -pthread $(LDFLAGS) $(SAN_FLAGS)

# A program exists once its folder has sources; later programs join by being written.
PROGRAMS := $(foreach p,echo echo_mt web_hello fileserver formapp labcheck,$(if $(wildcard $(p)/*.c),$(p)))
# common/ by layer: base/ (sockets, I/O, logs, options), tls/ (a connection's bytes, plain or
# TLS), http/ (the HTTP/1.1 engine and its parsers). ARCHITECTURE.md draws them.
COMMON_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard common/base/*.c common/tls/*.c common/http/*.c))
LIBCOMMON := $(BUILD)/libcommon.a

# HTTPS (common/tls.c) is part of libcommon, so every program and the unit tests link OpenSSL;
# formapp's password hashes (PBKDF2, formapp/users.c) come from it too.
COMMON_LIBS := $(shell $(PKG_CONFIG) --libs openssl)

all: $(addprefix $(BINDIR)/,$(PROGRAMS)) $(BINDIR)/loadgen $(BINDIR)/echo_bare

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

# bench/loadgen.c: the project's own load generator (bench/echo uses it; test_bench_tools checks it).
$(BINDIR)/loadgen: $(BUILD)/bench/loadgen.o $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# bench/echo_bare.c: the barest echo server of each design, anchors for bench/echo (tested too);
# from libcommon only compat (its poller, SCHED_BATCH).
$(BINDIR)/echo_bare: $(BUILD)/bench/echo_bare.o $(LIBCOMMON)
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
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -I. -I$(BUILD)/tests -c -o $@ $<
$(BUILD)/tests/check_main.o: $(BUILD)/tests/suites.inc

# The modules of a program that have a suite of their own (formapp's guards, session table,
# users file and templates; labcheck's parsers) are linked into the runner beside libcommon.
PROGRAM_MODULES := formapp/guard formapp/session formapp/template formapp/users \
                   labcheck/response labcheck/byteranges
$(BINDIR)/check_unit: $(patsubst %.c,$(BUILD)/%.o,$(CHECK_SRCS)) \
                      $(patsubst %,$(BUILD)/%.o,$(PROGRAM_MODULES)) $(LIBCOMMON)
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

# The trace files of captures/ (committed; tests/integration/test_captures.py reads them back):
# each demo of lab-notes.md recorded on lo with dumpcap. Needs root or capture rights, and the
# notes' ports free; classmate.pcapng needs root (a network namespace).
captures: all
	BIN_DIR=$(abspath $(BINDIR)) tools/make-captures.sh captures

# The tests of one variant: unit suites, then the real binaries over real sockets. Those read
# Linux's /proc and use ip, tmux and prlimit: elsewhere they are skipped, saying so (on Linux,
# `make PORTABLE=1 check` runs them on the code path of macOS and FreeBSD).
test: all $(BINDIR)/check_unit
	$(BINDIR)/check_unit
ifeq ($(shell uname -s),Linux)
	cd tests/integration && BIN_DIR=$(abspath $(BINDIR)) VARIANT=$(VARIANT) \
	    $(PYTHON) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)
	cd tests/stress && BIN_DIR=$(abspath $(BINDIR)) VARIANT=$(VARIANT) STRESS=short \
	    $(PYTHON) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)
	@$(MAKE) --no-print-directory browser
else
	@echo "integration, stress and browser tests: skipped: they are Linux-side (/proc, ip, tmux," \
	      "prlimit); make PORTABLE=1 check on Linux runs them on this system's code path"
endif

# Load and fault tests (tests/stress) at full size: 10,000 connections, 1 GiB echoed, 500
# slowloris clients. `make test` runs the same tests in a short form.
stress: all
	cd tests/stress && BIN_DIR=$(abspath $(BINDIR)) VARIANT=$(VARIANT) STRESS=full \
	    $(PYTHON) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# Browser tests (tests/browser): Debian's chromium driven by playwright-core, pinned in
# package-lock.json; npm never downloads a browser of its own (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD).
# Where chromium or node is missing (macOS, FreeBSD), the target says so and is skipped, not failed.
browser: all
	@if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null 2>&1 || \
	    ! command -v npm >/dev/null 2>&1; then \
	    echo "browser: skipped: needs /usr/bin/chromium, node and npm (Debian: make deps)"; \
	else \
	    if [ ! -d tests/browser/node_modules ]; then \
	        (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) || exit 1; \
	    fi; \
	    cd tests/browser && echo "BIN_DIR=$(abspath $(BINDIR)) node --test browser.test.mjs" && \
	    BIN_DIR=$(abspath $(BINDIR)) VARIANT=$(VARIANT) node --test browser.test.mjs; \
	fi

# The integration suite once under valgrind memcheck (issue 8). build/valgrind/bin holds one
# script per program that execs valgrind on the release binary, its report going to
# build/valgrind/logs/PID.log (not stderr, which the tests read). An invalid access, a use of an
# uninitialised value or a definitely lost block makes the server exit 99, so its test fails;
# and any report in any log fails the run afterwards, whatever the test looked at.
# valgrind runs one thread at a time; --fair-sched=yes hands that turn round in order, where the
# default lets a busy thread (a login's password hash) keep it while others starve for minutes.
VALGRIND_BIN := build/valgrind$(if $(filter 1,$(PORTABLE)),-portable)/bin
VALGRIND_LOGS := build/valgrind$(if $(filter 1,$(PORTABLE)),-portable)/logs
VALGRIND_OPTS := --quiet --fair-sched=yes --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
                 --errors-for-leak-kinds=definite,indirect --log-file=$(abspath $(VALGRIND_LOGS))/%%p.log
# Where valgrind is missing (macOS on Apple silicon has none), the run says so and is skipped.
valgrind: deps
	@if command -v valgrind >/dev/null 2>&1; then $(MAKE) --no-print-directory valgrind-run; \
	else echo "valgrind: skipped: valgrind is not installed (Debian: make deps)"; fi

valgrind-run: all
	@rm -rf $(VALGRIND_LOGS) && mkdir -p $(VALGRIND_BIN) $(VALGRIND_LOGS)
	for p in $(PROGRAMS); do \
	    printf '#!/bin/sh\nexec valgrind $(VALGRIND_OPTS) %s "$$@"\n' $(abspath $(BINDIR))/$$p \
	        > $(VALGRIND_BIN)/$$p && chmod +x $(VALGRIND_BIN)/$$p || exit 1; \
	done
	ln -sf $(abspath $(BINDIR))/loadgen $(VALGRIND_BIN)/loadgen
	ln -sf $(abspath $(BINDIR))/echo_bare $(VALGRIND_BIN)/echo_bare
	cd tests/integration && BIN_DIR=$(abspath $(VALGRIND_BIN)) VARIANT=valgrind \
	    $(PYTHON) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)
	@if grep -l '^==[0-9]*==' $(VALGRIND_LOGS)/*.log; then \
	    grep -h -A 12 '^==[0-9]*==' $(VALGRIND_LOGS)/*.log | head -n 200; \
	    echo "valgrind: reports in the logs above"; exit 1; \
	else echo "valgrind: $$(ls $(VALGRIND_LOGS) | wc -l) server runs, no report"; fi

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
	for p in echo echo_mt web_hello fileserver formapp labcheck; do \
	    rm -f $(DESTDIR)$(PREFIX)/bin/lab4-$$p; done
	rm -rf $(DESTDIR)$(PREFIX)/share/lab4/formapp

# ---- fuzzing (tests/fuzz, issue 8) ----------------------------------------------------------
# One libFuzzer target per parser, built with clang (libFuzzer is clang's) from the common
# sources it needs, compiled right here with the sanitizers, not from gcc's libcommon.a.
# `make fuzz` runs each for FUZZ_SECONDS on a scratch copy of its seeds, so the committed corpus
# stays small; it fails when a target crashes (the input is kept as build/fuzz/crash-*).
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_DIR := build/fuzz
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -g -O1
FUZZ_TARGETS := http_request chunked range url_path cookie form_urlencoded form_multipart \
                template lineasm http_response
FUZZ_SRCS_http_request := common/http/http.c common/base/num.c
FUZZ_SRCS_chunked := common/http/chunked.c common/base/num.c
FUZZ_SRCS_range := common/http/range.c common/base/num.c
FUZZ_SRCS_url_path := common/http/url.c common/base/buf.c common/base/num.c
FUZZ_SRCS_cookie := common/http/cookie.c common/http/http_date.c common/base/buf.c common/base/num.c
FUZZ_SRCS_form_urlencoded := common/http/form.c common/http/http.c common/http/url.c common/base/buf.c \
                             common/base/num.c
FUZZ_SRCS_form_multipart := $(FUZZ_SRCS_form_urlencoded)
FUZZ_SRCS_template := formapp/template.c common/http/url.c common/base/buf.c common/base/num.c
FUZZ_SRCS_lineasm := common/base/lineasm.c
# labcheck's response parser, with the Content-Range and multipart/byteranges reader it feeds.
FUZZ_SRCS_http_response := labcheck/response.c labcheck/byteranges.c common/base/num.c
# A request or response head may be up to the header limits long; the other inputs stay small.
FUZZ_OPTS_http_request := -max_len=20000
FUZZ_OPTS_http_response := -max_len=20000

define fuzz_rule
$(FUZZ_DIR)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(FUZZ_SRCS_$(1)) $(wildcard common/*/*.h formapp/*.h labcheck/*.h)
	@mkdir -p $$(@D)
	$(FUZZ_CC) $(filter-out -MMD -MP,$(REQUIRED_CFLAGS)) $(FUZZ_FLAGS) -Icommon -I. -o $$@ \
	    tests/fuzz/fuzz_$(1).c $(FUZZ_SRCS_$(1))
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))

fuzz: $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	    run=$(FUZZ_DIR)/corpus-run/$$t; rm -rf $$run; mkdir -p $$run; \
	    cp tests/fuzz/corpus/$$t/* $$run/; \
	    case $$t in http_request) opts='$(FUZZ_OPTS_http_request)';; \
	        http_response) opts='$(FUZZ_OPTS_http_response)';; *) opts=;; esac; \
	    if $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	        -dict=tests/fuzz/http.dict -artifact_prefix=$(FUZZ_DIR)/crash-$$t- \
	        $$opts $$run > $(FUZZ_DIR)/$$t.log 2>&1; then \
	        echo "fuzz_$$t: $$(grep -o 'Done [0-9]* runs' $(FUZZ_DIR)/$$t.log | tail -n 1)"; \
	    else \
	        tail -n 40 $(FUZZ_DIR)/$$t.log; echo "fuzz_$$t: FAILED (see $(FUZZ_DIR)/$$t.log)"; \
	        exit 1; \
	    fi; \
	done

clean:
	rm -rf build bin

.PHONY: all run deps cert captures test browser check asan tsan bench install uninstall clean fuzz stress \
        valgrind valgrind-run

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d $(BUILD)/*/*/*/*.d)
