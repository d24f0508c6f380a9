/*-------------------------------------------------------------------------
 * examples/channel_sync.c
 *		A stock-sync worker for backorder's sales channels (1.1): the
 *		pattern for pushing availability to a web shop and marketplaces.
 *
 * It claims events from backorder.events with backorder.claim_events(),
 * and for the availability_changed ones reads backorder.channel_stock for
 * their skus and prints one JSON line per channel and sku:
 *
 *	{"channel":"marketplace","sku":"A-1","published":3,"orderable":true}
 *
 * the shape a marketplace client would push (a real worker replaces
 * print_stock() with the channel's API call).  When a batch holds several
 * events of one sku, the sku is read once, after the claim: the newest
 * value wins (channel_stock is read in the claiming transaction, after
 * every event of the batch committed, so it is never older than any of
 * them).
 *
 *	channel_sync [--batch N] [--timeout S] [--retries N] [--once] [--full]
 *	             [--others FILE] [CONNINFO]
 *
 * Sharing the outbox.  claim_events() hands out events of every kind, and
 * a claimed event is gone for every other claimer.  Two independent
 * claimers (this worker and a customer mailer such as examples/consumer)
 * would each take events the other needs, and skipping the kinds one does
 * not handle would lose them.  So in a shop that runs both, channel_sync
 * is the outbox's one claimer and a dispatcher: availability_changed
 * events become channel lines on stdout, and every other event is handed
 * on, unchanged, as the same JSON line examples/consumer prints, to
 * --others FILE (a file or a named pipe the mailer reads; default: stdout,
 * where those lines are told apart by their "kind" key).  Nothing is
 * skipped, nothing is claimed twice.  Run one channel_sync per database:
 * with one worker, the last line printed for a channel and sku is always
 * channel_stock's current value once the events are drained (two workers
 * could print an older read after a newer one).
 *
 * Changing a channel's buffer, share or backorders flag changes what it
 * publishes without changing any item's available, so it writes no event:
 * run channel_sync --once --full after such a change (--full first prints
 * every row of channel_stock, a complete resync, then goes on as usual).
 *
 * The loop, delivery, signals and reconnection are examples/consumer's;
 * both programs take them from examples/feed_client.c, with the options
 * --batch, --timeout, --retries, --once and CONNINFO and the JSON line of
 * a handed-on event: LISTEN backorder_events; claim a batch in its own
 * transaction, print and flush it (channel lines and handed-on events)
 * before COMMIT, so a failed write rolls the claim back and a lost
 * connection redelivers the batch (at least once; pushing the same stock
 * twice is harmless); wait with select() for a notification, --timeout or
 * SIGINT/SIGTERM (exit 0); a lost connection is retried --retries times
 * with a doubling back-off, then exit 2.  Exit 1: bad usage or an SQL
 * error.  This file holds what is channel_sync's own: --full, --others,
 * the dispatch of a batch, the channel_stock reads and main().
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed_client.h"

#define PROG "channel_sync"
#define FEED_KIND "availability_changed"

/* the skus' rows of channel_stock, one line each, in a stable order */
static const char *const stock_sql =
	"SELECT channel, sku, published, orderable FROM backorder.channel_stock"
	" WHERE sku OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[])"
	" ORDER BY sku COLLATE pg_catalog.\"C\", channel COLLATE pg_catalog.\"C\"";

static const char *const full_sql =
	"SELECT channel, sku, published, orderable FROM backorder.channel_stock"
	" ORDER BY sku COLLATE pg_catalog.\"C\", channel COLLATE pg_catalog.\"C\"";

static feed_options opt = FEED_OPTIONS_DEFAULT;
static bool opt_full = false;
static const char *opt_others = NULL;	/* NULL: stdout */

/* where events of other kinds go */
static FILE *others_out = NULL;

/* --full: done once connected (again, if the connection broke during it) */
static bool full_done = false;

static void
usage(FILE *out)
{
	fprintf(out,
			"usage: " PROG " [--batch N] [--timeout S] [--retries N] [--once] [--full]\n"
			"                    [--others FILE] [CONNINFO]\n"
			"  Claims backorder events; for each availability_changed sku prints one\n"
			"  JSON line per channel: {\"channel\",\"sku\",\"published\",\"orderable\"}.\n"
			FEED_USAGE_OPTIONS
			"  --full        first print every row of channel_stock (a resync)\n"
			"  --others FILE append the events of other kinds there, one JSON line\n"
			"                each as examples/consumer prints them (default: stdout)\n"
			FEED_USAGE_END);
}

static void
parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--full") == 0)
			opt_full = true;
		else if (strcmp(argv[i], "--others") == 0 && i + 1 < argc)
			opt_others = argv[++i];
		else
			feed_parse_option(&opt, argc, argv, &i, usage);
	}
}

/*
 * Every row of a channel_stock result as one line.  A real worker pushes
 * (channel, sku, published, orderable) to the channel's API here.
 */
static void
print_stock(FILE *out, const PGresult *res)
{
	for (int r = 0; r < PQntuples(res); r++)
	{
		fputs("{\"channel\":", out);
		feed_put_json_string(out, PQgetvalue(res, r, 0));
		fputs(",\"sku\":", out);
		feed_put_json_string(out, PQgetvalue(res, r, 1));
		fprintf(out, ",\"published\":%s,\"orderable\":%s}\n", PQgetvalue(res, r, 2),
				strcmp(PQgetvalue(res, r, 3), "t") == 0 ? "true" : "false");
	}
}

/* Append s to a text[] literal being built in buf (quoted, escaped). */
static void
array_append(char **buf, size_t *len, size_t *cap, const char *s)
{
	/* a comma, the quotes, every byte escaped, then room for "}" and NUL */
	size_t		need = *len + 2 * strlen(s) + 6;

	if (need > *cap)
	{
		*cap = need * 2;
		*buf = realloc(*buf, *cap);
		if (*buf == NULL)
		{
			fprintf(stderr, PROG ": out of memory\n");
			exit(FEED_EXIT_USAGE_OR_SQL);
		}
	}
	if (*len > 1)
		(*buf)[(*len)++] = ',';
	(*buf)[(*len)++] = '"';
	for (; *s; s++)
	{
		if (*s == '"' || *s == '\\')
			(*buf)[(*len)++] = '\\';
		(*buf)[(*len)++] = *s;
	}
	(*buf)[(*len)++] = '"';
	(*buf)[*len] = '\0';
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/*
 * The distinct skus of the batch's availability_changed events as a text[]
 * literal ("{...}"), or NULL when it has none.  Events of other kinds are
 * handed on to others_out meanwhile, as examples/consumer prints them.
 */
static char *
dispatch_batch(const PGresult *res, const int *colno)
{
	int			n = PQntuples(res);
	const char **skus = malloc(sizeof(char *) * (n > 0 ? n : 1));
	int			nskus = 0;
	char	   *buf = NULL;
	size_t		len = 0,
				cap = 0;

	if (skus == NULL)
	{
		fprintf(stderr, PROG ": out of memory\n");
		exit(FEED_EXIT_USAGE_OR_SQL);
	}
	for (int r = 0; r < n; r++)
	{
		if (strcmp(PQgetvalue(res, r, colno[FEED_COL_KIND]), FEED_KIND) == 0)
			skus[nskus++] = PQgetvalue(res, r, colno[FEED_COL_SKU]);
		else
			feed_print_event(others_out, res, r, colno);
	}
	if (nskus > 0)
	{
		/* several events of a sku: it is read once (the newest value) */
		qsort(skus, nskus, sizeof(char *), compare_strings);
		cap = 64;
		buf = malloc(cap);
		if (buf == NULL)
		{
			fprintf(stderr, PROG ": out of memory\n");
			exit(FEED_EXIT_USAGE_OR_SQL);
		}
		buf[len++] = '{';
		for (int i = 0; i < nskus; i++)
			if (i == 0 || strcmp(skus[i], skus[i - 1]) != 0)
				array_append(&buf, &len, &cap, skus[i]);
		buf[len++] = '}';
		buf[len] = '\0';
	}
	free(skus);
	return buf;
}

/* Flush what was printed; on failure roll the claim back and exit 1. */
static void
flush_or_die(PGconn *conn)
{
	if (fflush(stdout) != 0 || ferror(stdout) ||
		fflush(others_out) != 0 || ferror(others_out))
	{
		fprintf(stderr, PROG ": writing failed: %s; the claim is rolled back\n", strerror(errno));
		feed_rollback_exit(conn);
	}
}

/*
 * Claim one batch in its own transaction, hand on the other events, read
 * and print the channel stock of the availability_changed skus.  *claimed
 * gets the number of events.  FEED_LOST when the connection broke (the
 * transaction is then rolled back by the server and its events are
 * claimable again).
 */
static feed_step
claim_batch(PGconn *conn, int *claimed)
{
	int			colno[FEED_NCOLUMNS];
	PGresult   *res;
	char	   *skus;
	int			n;

	*claimed = 0;
	if (feed_claim(conn, opt.batch, &res, colno) == FEED_LOST)
		return FEED_LOST;
	n = PQntuples(res);
	skus = dispatch_batch(res, colno);
	PQclear(res);

	if (skus != NULL)
	{
		feed_step	r = feed_query(conn, stock_sql, skus,
								   "reading backorder.channel_stock failed", &res);

		free(skus);
		if (r == FEED_LOST)
			return FEED_LOST;
		print_stock(stdout, res);
		PQclear(res);
	}

	/* out before COMMIT: if a write fails, the claim rolls back */
	flush_or_die(conn);
	if (feed_commit(conn) == FEED_LOST)
		return FEED_LOST;
	*claimed = n;
	return FEED_OK;
}

/* --full: every row of channel_stock, before the first claim. */
static feed_step
full_sync(PGconn *conn)
{
	PGresult   *res;

	if (feed_query(conn, full_sql, NULL, "reading backorder.channel_stock failed",
				   &res) == FEED_LOST)
		return FEED_LOST;
	print_stock(stdout, res);
	PQclear(res);
	if (fflush(stdout) != 0 || ferror(stdout))
	{
		fprintf(stderr, PROG ": writing failed: %s\n", strerror(errno));
		exit(FEED_EXIT_USAGE_OR_SQL);
	}
	return FEED_OK;
}

/* feed_run's step: with --full, the resync first, then a batch. */
static feed_step
sync_step(PGconn *conn, int *claimed)
{
	*claimed = 0;
	if (opt_full && !full_done)
	{
		/* LISTENing already: nothing committed after this read is missed */
		if (full_sync(conn) == FEED_LOST)
			return FEED_LOST;
		full_done = true;
	}
	return claim_batch(conn, claimed);
}

int
main(int argc, char **argv)
{
	int			status;

	feed_init(PROG, "backorder_channel_sync");
	parse_args(argc, argv);
	feed_setup_signals();
	others_out = stdout;
	if (opt_others != NULL && strcmp(opt_others, "-") != 0)
	{
		others_out = fopen(opt_others, "a");
		if (others_out == NULL)
		{
			fprintf(stderr, PROG ": --others %s: %s\n", opt_others, strerror(errno));
			return FEED_EXIT_USAGE_OR_SQL;
		}
	}

	status = feed_run(&opt, sync_step);
	if (others_out != stdout)
		fclose(others_out);
	return status;
}
