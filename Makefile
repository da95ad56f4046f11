# tsun-proxy: one Makefile for GNU make and bmake.
# Each library is compiled in one compiler run, so no per-object rules
# (and no pattern rules) are needed.

PROG_VERSION=	0.1.0

OS!=		uname -s
# manual pages: share/man on Linux, man on the BSDs
MANSUB!=	[ "$(OS)" = Linux ] && echo share/man || echo man

PREFIX?=	/usr/local
SBINDIR?=	$(PREFIX)/sbin
LIBEXECDIR?=	$(PREFIX)/libexec/tsun-proxy
SYSCONFDIR?=	/etc
MANDIR?=	$(PREFIX)/$(MANSUB)
SYSTEMDUNITDIR?= $(PREFIX)/lib/systemd/system
DESTDIR?=
INSTALL?=	install

BUILD?=		build
CC?=		cc
OPT?=		-O2
SAN?=
SECCOMP?=	1
FUZZTIME?=	60
FUZZRUNS?=

TOP!=		pwd

BSD_CFLAGS!=	pkg-config --cflags libbsd-overlay 2>/dev/null || true
BSD_LIBS!=	pkg-config --libs libbsd-overlay libbsd-ctor 2>/dev/null || true
DEP_CFLAGS!=	pkg-config --cflags libmosquitto libconfuse openssl 2>/dev/null || true
DEP_LIBS!=	pkg-config --libs libmosquitto libconfuse openssl 2>/dev/null || echo -lmosquitto -lconfuse -lssl -lcrypto
# seccomp-bpf for the workers on Linux (SECCOMP=0 for sanitizers, valgrind)
SECCOMP_CFLAGS!= [ "$(SECCOMP)" = 1 ] && pkg-config --exists libseccomp 2>/dev/null && echo -DTSUN_SECCOMP || true
SECCOMP_LIBS!=	[ "$(SECCOMP)" = 1 ] && pkg-config --libs libseccomp 2>/dev/null || true
TEST_HOOKS?=	0
HOOK_CFLAGS!=	[ "$(TEST_HOOKS)" = 1 ] && echo -DTSUN_TEST_HOOKS || true
CHECK_CFLAGS!=	pkg-config --cflags check 2>/dev/null || true
CHECK_LIBS!=	pkg-config --libs check 2>/dev/null || echo -lcheck

WARN=		-Wall -Wextra -Werror -Wshadow -Wpointer-arith \
		-Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter \
		-Wmissing-declarations -Wformat=2 -Wno-format-nonliteral \
		-Wno-format-truncation
DEFS=		-D_GNU_SOURCE -DTSUN_VERSION=\"$(PROG_VERSION)\" \
		-DLIBEXECDIR=\"$(LIBEXECDIR)\" -DSYSCONFDIR=\"$(SYSCONFDIR)\"
ALL_CFLAGS=	-std=gnu11 $(OPT) -g $(SAN) $(WARN) $(DEFS) -I$(TOP) \
		$(BSD_CFLAGS) $(DEP_CFLAGS) $(SECCOMP_CFLAGS) $(HOOK_CFLAGS) $(CFLAGS)
LIBS=		$(DEP_LIBS) $(BSD_LIBS) $(SECCOMP_LIBS) -lm $(LDFLAGS)

HDRS!=		ls common/*.h cfgd/*.h proxyd/*.h mqttd/*.h 2>/dev/null
COMMON_SRCS!=	ls $(TOP)/common/*.c
CFGD_SRCS!=	ls $(TOP)/cfgd/*.c | grep -v '/cfgd\.c$$'
PROXYD_SRCS!=	ls $(TOP)/proxyd/*.c | grep -v '/proxyd\.c$$'
MQTTD_SRCS!=	ls $(TOP)/mqttd/*.c | grep -v '/mqttd\.c$$'
UNIT_TESTS!=	ls tests/unit/test_*.c 2>/dev/null || true
UNIT_HELPERS!=	ls tests/unit/*.c | grep -v '/test_[^/]*\.c$$' || true
FUZZERS!=	ls tests/fuzz/fuzz_*.c 2>/dev/null || true

LIBCOMMON=	$(BUILD)/libcommon.a
LIBCFGD=	$(BUILD)/libcfgd.a
LIBPROXYD=	$(BUILD)/libproxyd.a
LIBMQTTD=	$(BUILD)/libmqttd.a
ALLLIBS=	$(LIBPROXYD) $(LIBMQTTD) $(LIBCFGD) $(LIBCOMMON)

PROGS=		$(BUILD)/tsun-cfgd $(BUILD)/tsun-proxyd $(BUILD)/tsun-mqttd \
		$(BUILD)/tsun-ctl

DEP_PKGS=	libbsd-overlay libmosquitto libconfuse openssl

all: depcheck $(PROGS)

# one line naming a missing library instead of a page of compiler errors
depcheck:
	@sh mk/depcheck.sh "$(OS)" $(DEP_PKGS)

$(LIBCOMMON): $(COMMON_SRCS) $(HDRS)
	@mkdir -p $(BUILD)/obj/common
	rm -f $(BUILD)/obj/common/*.o $@
	cd $(BUILD)/obj/common && $(CC) $(ALL_CFLAGS) -c $(COMMON_SRCS)
	ar rcs $@ $(BUILD)/obj/common/*.o

$(LIBCFGD): $(CFGD_SRCS) $(HDRS)
	@mkdir -p $(BUILD)/obj/cfgd
	rm -f $(BUILD)/obj/cfgd/*.o $@
	cd $(BUILD)/obj/cfgd && $(CC) $(ALL_CFLAGS) -c $(CFGD_SRCS)
	ar rcs $@ $(BUILD)/obj/cfgd/*.o

$(LIBPROXYD): $(PROXYD_SRCS) $(HDRS)
	@mkdir -p $(BUILD)/obj/proxyd
	rm -f $(BUILD)/obj/proxyd/*.o $@
	cd $(BUILD)/obj/proxyd && $(CC) $(ALL_CFLAGS) -c $(PROXYD_SRCS)
	ar rcs $@ $(BUILD)/obj/proxyd/*.o

$(LIBMQTTD): $(MQTTD_SRCS) $(HDRS)
	@mkdir -p $(BUILD)/obj/mqttd
	rm -f $(BUILD)/obj/mqttd/*.o $@
	cd $(BUILD)/obj/mqttd && $(CC) $(ALL_CFLAGS) -c $(MQTTD_SRCS)
	ar rcs $@ $(BUILD)/obj/mqttd/*.o

$(BUILD)/tsun-cfgd: cfgd/cfgd.c $(LIBCFGD) $(LIBCOMMON)
	$(CC) $(ALL_CFLAGS) -o $@ cfgd/cfgd.c $(LIBCFGD) $(LIBCOMMON) $(LIBS)

$(BUILD)/tsun-ctl: $(BUILD)/tsun-cfgd
	rm -f $@
	ln $(BUILD)/tsun-cfgd $@

$(BUILD)/tsun-proxyd: proxyd/proxyd.c $(LIBPROXYD) $(LIBCOMMON)
	$(CC) $(ALL_CFLAGS) -o $@ proxyd/proxyd.c $(LIBPROXYD) $(LIBCOMMON) $(LIBS)

$(BUILD)/tsun-mqttd: mqttd/mqttd.c $(LIBMQTTD) $(LIBCOMMON)
	$(CC) $(ALL_CFLAGS) -o $@ mqttd/mqttd.c $(LIBMQTTD) $(LIBCOMMON) $(LIBS)

# Check unit tests: each tests/unit/test_*.c is its own program.
unit-build: depcheck-unit $(ALLLIBS)
	@mkdir -p $(BUILD)/tests
	@for t in $(UNIT_TESTS); do \
		n=`basename $$t .c`; \
		echo "CC $(BUILD)/tests/$$n"; \
		$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $(BUILD)/tests/$$n \
		    $$t $(UNIT_HELPERS) $(ALLLIBS) $(LIBS) $(CHECK_LIBS) \
		    || exit 1; \
	done

depcheck-unit:
	@sh mk/depcheck.sh "$(OS)" $(DEP_PKGS) check

unit: unit-build
	@fail=0; for t in $(UNIT_TESTS); do \
		n=`basename $$t .c`; \
		CK_DEFAULT_TIMEOUT=60 $(BUILD)/tests/$$n || fail=1; \
	done; exit $$fail

# The sanitizer build: its own directory, never build/.
asan:
	$(MAKE) BUILD=build-asan OPT="-O1" \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    SECCOMP=0 all unit

e2e: all
	sh tests/e2e/run.sh $(BUILD)

e2e-asan:
	$(MAKE) BUILD=build-asan OPT="-O1" \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    SECCOMP=0 e2e

deps:
	sh mk/deps.sh

lint:
	sh mk/lint.sh

fuzz-smoke:
	sh tests/fuzz/run.sh 5

fuzz:
	sh tests/fuzz/run.sh $(FUZZTIME) $(FUZZRUNS)

# the same Makefile under the other make: GNU make runs bmake, bmake
# runs gmake (whichever exists)
other-make:
	@if command -v bmake >/dev/null 2>&1 && [ "$(MAKE)" != bmake ]; then \
		bmake BUILD=build-bmake all; \
	elif command -v gmake >/dev/null 2>&1; then \
		gmake BUILD=build-bmake all; \
	else echo "other-make: no second make installed"; fi

valgrind:
	sh tests/valgrind/run.sh

check: deps
	$(MAKE) all
	$(MAKE) other-make
	$(MAKE) unit
	$(MAKE) asan
	$(MAKE) lint
	$(MAKE) e2e
	$(MAKE) e2e-asan
	$(MAKE) valgrind
	$(MAKE) fuzz-smoke

# The pkg-config flags are read when make starts: what deps installs
# is seen only by a new make, hence the sub-make after it.
run: deps
	$(MAKE) all
	sh mk/run.sh $(BUILD)

bench: deps
	$(MAKE) all
	sh tests/bench/run.sh $(BUILD)

install: deps
	$(MAKE) all
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(SYSCONFDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 555 $(BUILD)/tsun-cfgd $(DESTDIR)$(SBINDIR)/tsun-cfgd
	rm -f $(DESTDIR)$(SBINDIR)/tsun-ctl
	ln $(DESTDIR)$(SBINDIR)/tsun-cfgd $(DESTDIR)$(SBINDIR)/tsun-ctl
	$(INSTALL) -m 555 $(BUILD)/tsun-proxyd $(DESTDIR)$(LIBEXECDIR)/tsun-proxyd
	$(INSTALL) -m 555 $(BUILD)/tsun-mqttd $(DESTDIR)$(LIBEXECDIR)/tsun-mqttd
	$(INSTALL) -m 600 etc/tsun-proxy.conf \
	    $(DESTDIR)$(SYSCONFDIR)/tsun-proxy.conf.example
	for m in man/*.5; do $(INSTALL) -m 444 $$m $(DESTDIR)$(MANDIR)/man5/; done
	for m in man/*.8; do $(INSTALL) -m 444 $$m $(DESTDIR)$(MANDIR)/man8/; done
	sh mk/install-service.sh "$(OS)" "$(DESTDIR)" "$(SYSTEMDUNITDIR)" \
	    "$(SYSCONFDIR)" "$(SBINDIR)"

install-user:
	sh mk/install-user.sh

clean:
	rm -rf build build-asan build-fuzz build-bmake build-vg build-hooks

.PHONY: all depcheck depcheck-unit unit unit-build asan e2e e2e-asan deps lint fuzz fuzz-smoke check run \
	other-make valgrind \
	bench install install-user clean
