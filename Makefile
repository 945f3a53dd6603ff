# tincay: one Makefile, pkg-config, no autotools.
#   make            bin/tincayd and bin/tincayctl
#   make run        install deps, build, start tincayd on config/tincay.json
#                   [CONFIG=file] [LISTEN=host:port] (a copy beside CONFIG,
#                   see scripts/run: no tracked file is edited)
#   make check      install deps, build, run every suite, then again under
#                   ASan/UBSan; the store's tests and the integration suite
#                   on both engines, SQLite and PostgreSQL [ENGINES=sqlite]
#   make bench      bounded load on loopback, prints figures (also builds
#                   build/clear, the unencrypted yardstick); SQLite, then
#                   PostgreSQL under a throwaway cluster [ENGINES=sqlite];
#                   Kannel, the peer, in rounds between tincayd's (Debian's
#                   kannel package is installed on demand)
#   make fuzz       run the libFuzzer targets for a while (needs clang)
#   make chaos      kill -9 tincayd 1000 times under load: nothing lost; then
#                   two daemons on one PostgreSQL database, one killed at
#                   random each time
#   make install    [PREFIX=/usr/local] [DESTDIR=]: programs, man pages,
#                   the systemd unit, sysusers.d, tmpfiles.d, the example configs
#   make deb        build/deb/tincay_*.deb with dpkg-buildpackage, then lintian
#   make vm-test    the .deb installed and its service run in a Debian 12 VM

CC	?= cc
PKGS	 = libevent libcurl sqlite3 libpq libcjson libcrypto
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=all
SAN	 = $(if $(SANITIZE),$(SANFLAGS))
O	 = $(if $(SANITIZE),build/san,build/normal)
BIN	 = $(if $(SANITIZE),$(O)/bin,bin)

WARN	 = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wformat=2 -Wpointer-arith -Wcast-qual -Wwrite-strings \
	   -Wno-unused-parameter -Werror
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_DEFAULT_SOURCE -pthread $(WARN) $(SAN) -MMD -MP \
	   $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS	 = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
LDFLAGS	+= $(SAN) -pthread

# Two libraries: the core (config, store, router, handlers, text, phones,
# calendar) that both programs link, and the network side (HTTP server,
# delivery, providers) that only tincayd links. `make layers` fails if the
# core or tincayctl reaches libevent or libcurl.
CORE_SRCS = $(wildcard core/*.c store/*.c config/*.c handlers/*.c web/*.c)
NET_SRCS = $(filter-out daemon/main.c,$(wildcard daemon/*.c daemon/providers/*.c))
CTL_SRCS = $(wildcard ctl/*.c)
CORE_PKGS = sqlite3 libpq libcjson libcrypto
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
FUZZ_SRCS = $(wildcard tests/fuzz/fuzz_*.c)

CORE_OBJS = $(CORE_SRCS:%.c=$(O)/%.o)
NET_OBJS = $(NET_SRCS:%.c=$(O)/%.o)
CORE_LIB = $(O)/libtincay-core.a
NET_LIB	 = $(O)/libtincay-net.a
CTL_OBJS = $(CTL_SRCS:%.c=$(O)/%.o)
UNITS	 = $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/%)
REPLAYS	 = $(FUZZ_SRCS:tests/fuzz/%.c=$(O)/tests/%-replay)

all: $(BIN)/tincayd $(BIN)/tincayctl

deps:
	@scripts/install-deps

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(CORE_LIB): $(CORE_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(NET_LIB): $(NET_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN)/tincayd: $(O)/daemon/main.o $(NET_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The admin tool links the core only, and only the core's packages.
$(BIN)/tincayctl: $(CTL_OBJS) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -Wl,--as-needed -o $@ $^ \
	    $(shell pkg-config --libs $(CORE_PKGS) 2>/dev/null) -lm

$(O)/tests/test_%: tests/unit/test_%.c $(NET_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.a,$^) $(LDLIBS) $(shell pkg-config --libs cmocka)

$(O)/tests/fuzz_%-replay: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(NET_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.a,$^) $(LDLIBS)

# The layering, checked on every build of the suites: no core object may
# need a symbol of libevent or libcurl, and tincayctl must not load them.
layers: $(CORE_LIB) $(BIN)/tincayctl
	@scripts/check-layers $(CORE_LIB) $(BIN)/tincayctl

CONFIG	?= config/tincay.json
LISTEN	?=

run: deps
	@$(MAKE) --no-print-directory all
	exec scripts/run $(CONFIG) $(LISTEN)

# The manual pages, checked by mandoc (warnings are errors).
MANS	 = man/tincayd.8 man/tincayctl.8 man/tincay.json.5

man-lint:
	mandoc -T lint -W warning $(MANS)

# make install: the unit is rewritten to find tincayd in $(SBINDIR).
PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
DOCDIR	?= $(PREFIX)/share/doc/tincay
LIBDIR_SYSTEMD ?= $(PREFIX)/lib
UNITDIR	?= $(LIBDIR_SYSTEMD)/systemd/system
INSTALL	?= install

install: $(BIN)/tincayd $(BIN)/tincayctl
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR) $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(LIBDIR_SYSTEMD)/sysusers.d \
	    $(DESTDIR)$(LIBDIR_SYSTEMD)/tmpfiles.d
	$(INSTALL) -m 0755 $(BIN)/tincayd $(BIN)/tincayctl $(DESTDIR)$(SBINDIR)
	$(INSTALL) -m 0644 man/tincayd.8 man/tincayctl.8 $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 0644 man/tincay.json.5 $(DESTDIR)$(MANDIR)/man5
	sed 's|/usr/sbin/tincayd|$(SBINDIR)/tincayd|g' systemd/tincay.service \
	    > $(DESTDIR)$(UNITDIR)/tincay.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/tincay.service
	$(INSTALL) -m 0644 systemd/tincay.sysusers \
	    $(DESTDIR)$(LIBDIR_SYSTEMD)/sysusers.d/tincay.conf
	$(INSTALL) -m 0644 systemd/tincay.tmpfiles \
	    $(DESTDIR)$(LIBDIR_SYSTEMD)/tmpfiles.d/tincay.conf
	$(INSTALL) -m 0644 config/tincay.json.example config/example-full.json \
	    README.md $(DESTDIR)$(DOCDIR)

# The binary package, built from a copy of the tree in $(DEBDIR) (so that
# its clean step leaves this build alone): $(DEBDIR)/tincay_*.deb.
# debhelper is installed on demand.
DEBDIR	?= build/deb

deb:
	@TINCAY_DEB=1 scripts/install-deps
	rm -rf $(DEBDIR) && mkdir -p $(DEBDIR)/tincay
	tar --exclude=./build --exclude=./bin --exclude=./var --exclude=./.git \
	    --exclude=__pycache__ \
	    -cf - . | tar -C $(DEBDIR)/tincay -xf -
	cd $(DEBDIR)/tincay && dpkg-buildpackage -us -uc -b
	@ls $(DEBDIR)/*.deb
	lintian --fail-on error,warning $(DEBDIR)/tincay_*_*.deb

# The store's engines the suites run on: sqlite, pg or both. The units,
# replays and chaos slice run once; with sqlite, the integration suite on
# SQLite; with pg, PG_UNITS and the integration suite again on PostgreSQL,
# under one throwaway cluster (scripts/pg-scratch run: stopped and removed
# also when a suite fails). PG_UNITS: the units that open a store, each
# test on a database of its own (tests/unit/engine.h); those about SQLite
# itself skip there, saying why.
ENGINES	?= sqlite pg
PG_UNITS = $(addprefix $(O)/tests/,test_engine test_shred test_store test_users \
	   test_seal test_batch test_router test_casework test_escalate \
	   test_review test_stats test_signup test_receipt test_plea \
	   test_provider test_city test_console)

# The suites, for the build chosen by SANITIZE.
suites: all layers man-lint $(UNITS) $(REPLAYS)
	@scripts/run-unit $(UNITS)
	@scripts/run-replay $(REPLAYS)
ifneq ($(filter sqlite,$(ENGINES)),)
	@TINCAYD=$(BIN)/tincayd TINCAYCTL=$(BIN)/tincayctl \
	    python3 tests/integration/run.py
endif
ifneq ($(filter pg,$(ENGINES)),)
	@scripts/pg-scratch run env TINCAY_TEST_ENGINE=pg \
	    TINCAYD=$(BIN)/tincayd TINCAYCTL=$(BIN)/tincayctl sh -c '\
	    rc=0; echo "== engine pg: units"; \
	    scripts/run-unit $(PG_UNITS) || rc=1; \
	    echo "== engine pg: integration"; \
	    python3 tests/integration/run.py || rc=1; \
	    echo "== engine pg: two daemons, kill -9"; \
	    python3 scripts/chaos.py --nodes 2 --cycles $(CHAOS_SLICE) || rc=1; \
	    exit $$rc'
endif
	@TINCAYD=$(BIN)/tincayd TINCAYCTL=$(BIN)/tincayctl \
	    python3 scripts/chaos.py --cycles $(CHAOS_SLICE)

# kill -9 under load: a slice in every make check, make chaos in full.
CHAOS_SLICE = 20
CHAOS_CYCLES = 1000

SANENV	 = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Every suite, normal then under ASan/UBSan; SANITIZE=1: only the latter.
check: deps
ifeq ($(SANITIZE),)
	@$(MAKE) --no-print-directory suites
	@echo "== again under ASan/UBSan =="
	@$(SANENV) $(MAKE) --no-print-directory SANITIZE=1 suites
else
	@$(SANENV) $(MAKE) --no-print-directory suites
endif

# The probes (the box's floor: one row; tincayd's roofline: the same work)
# and the sink bench.py runs beside tincayd; pin times
# one PIN check with the daemon's own core, plea one plain-language check.
BENCH_BINS = build/bench/probe build/bench/same build/bench/sink \
	     build/bench/pin build/bench/plea

build/bench/probe: bench/probe.c bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(shell pkg-config --libs libevent sqlite3)

build/bench/same: bench/same.c bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(shell pkg-config --libs libevent libcurl \
	    sqlite3)

build/bench/sink: bench/sink.c bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(shell pkg-config --libs libevent)

build/bench/pin: bench/pin.c build/normal/libtincay-core.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(shell pkg-config --libs $(CORE_PKGS)) -lm

build/bench/plea: bench/plea.c build/normal/libtincay-core.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(shell pkg-config --libs $(CORE_PKGS)) -lm

# The bench's yardstick for encryption at rest: the same programs built
# with TINCAY_SEAL_CLEAR (sealing and keyed hashing are copies; tincayd
# warns at start). Never installed.
CLEAR_BINS = build/clear/bin/tincayd build/clear/bin/tincayctl

clear-build:
	@$(MAKE) --no-print-directory O=build/clear BIN=build/clear/bin \
	    CPPFLAGS="$(CPPFLAGS) -DTINCAY_SEAL_CLEAR" $(CLEAR_BINS)

# Kannel is the bench's peer only (scripts/kannel.py): make check never
# needs it.
bench:
	@TINCAY_KANNEL=1 scripts/install-deps
	@$(MAKE) --no-print-directory all $(BENCH_BINS) clear-build
	python3 scripts/bench.py --engines "$(ENGINES)"

chaos: deps
	@$(MAKE) --no-print-directory all
	python3 scripts/chaos.py --cycles $(CHAOS_CYCLES) --inflight-max 5
ifneq ($(filter pg,$(ENGINES)),)
	scripts/pg-scratch run env TINCAY_TEST_ENGINE=pg python3 \
	    scripts/chaos.py --nodes 2 --cycles $(CHAOS_CYCLES) --inflight-max 5
endif

fuzz:
	@TINCAY_FUZZ=1 scripts/install-deps
	scripts/fuzz $(FUZZ_SRCS)

# Install the .deb in a Debian 12 VM (debootstrap, qemu) and check the
# service as systemd runs it. Root, minutes: not part of make check.
vm-test:
	@scripts/vm-test

clean:
	rm -rf build bin

.PHONY: all deps run suites check bench fuzz clean layers chaos man-lint install deb \
	clear-build vm-test

# The compiler's dependency files; the package's and the VM's trees under
# build hold other *.d (tmpfiles.d, invoke-rc.d).
-include $(shell find build \( -path build/deb -o -path build/vm \) -prune -o \
	-name '*.d' -type f -print 2>/dev/null)
