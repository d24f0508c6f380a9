# backorder: PGXS build.  `make`, `make install`, `make installcheck`.
EXTENSION = backorder
EXTVERSION = $(shell sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" $(EXTENSION).control)

MODULE_big = backorder
OBJS = src/backorder.o src/spi_util.o src/errors.o src/guard.o src/placement.o \
       src/allocation.o src/ledger.o src/purchase_orders.o src/eta.o src/events.o src/stats.o \
       src/cancel_order.o src/holds.o src/channels.o \
       src/attach.o

# the install script of the current version is built from its parts, in this
# order; sql/backorder--1.0.sql is 1.0 frozen as it shipped (never edited), and
# sql/backorder--A--B.sql are the hand-written upgrade scripts
SQL_PARTS = sql/schema.sql sql/engine.sql sql/holds.sql sql/api.sql sql/views.sql sql/analytics.sql sql/channels.sql \
             sql/attach.sql \
             sql/comments.sql
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA = sql/$(EXTENSION)--1.0.sql $(wildcard sql/$(EXTENSION)--*--*.sql)

# -Wno-unused-parameter: PostgreSQL's own headers (and every fmgr callback) trip it
PG_CFLAGS = -std=gnu11 -Wall -Wextra -Wno-unused-parameter

TESTS = $(sort $(wildcard test/sql/*.sql))
REGRESS = $(patsubst test/sql/%.sql,%,$(TESTS))
REGRESS_OPTS = --inputdir=test --load-extension=$(EXTENSION)
ISOLATION = $(patsubst test/specs/%.spec,%,$(sort $(wildcard test/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test --load-extension=$(EXTENSION)

EXTRA_CLEAN = $(DATA_built) examples/consumer examples/channel_sync build

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS)
	cat $^ > $@

# every engine file includes the shared header (PGXS does not track headers)
$(OBJS): src/backorder.h

# the outbox consumer example (libpq), built with the extension
all: examples/consumer examples/channel_sync
examples/consumer: examples/consumer.c examples/feed_client.c examples/feed_client.h
	$(MAKE) -C examples consumer
examples/channel_sync: examples/channel_sync.c examples/feed_client.c examples/feed_client.h
	$(MAKE) -C examples channel_sync

.PHONY: bench
bench:
	bench/run.sh

# the Debian package (debian/, pg_buildext, dpkg-buildpackage), built from a
# copy of the tree into build/deb/: see scripts/build-deb.sh
.PHONY: deb
deb:
	scripts/build-deb.sh
