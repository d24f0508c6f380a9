/*-------------------------------------------------------------------------
 * examples/consumer.c
 *		An outbox consumer for backorder: the pattern for a shop's mailer.
 *
 * It claims customer events from backorder.events (backordered, allocated,
 * eta_changed, cancelled) with backorder.claim_events() and prints each as
 * one JSON line on stdout.  A real mailer keeps this loop and replaces the
 * feed_print_event() call in claim_batch() with "render and send the
 * customer's e-mail".
 *
 *	consumer [--batch N] [--timeout S] [--retries N] [--once] [CONNINFO]
 *
 * CONNINFO is a libpq connection string or URI; without it the PG*
 * environment variables (PGHOST, PGPORT, PGDATABASE, PGUSER, ...) apply.
 * The session's application_name defaults to "backorder_consumer".
 *
 * The loop:
 *	1. LISTEN backorder_events (the engine notifies it when a transaction
 *	   that wrote events commits).  Timestamps print in ISO style
 *	   (DateStyle ISO) in the session's TimeZone (PGTZ to choose one).
 *	2. Claim a batch in its own transaction: BEGIN; SELECT ... FROM
 *	   backorder.claim_events(N); print and flush the batch; COMMIT.  Repeat
 *	   until a batch comes back empty.
 *	3. Wait with select() on the connection's socket until a notification
 *	   arrives or --timeout seconds pass (so a lost notification can never
 *	   make it wait forever), then go to 2.
 *
 * Delivery is at least once: the batch is written out before COMMIT, so if
 * the output fails the transaction rolls back and the events stay
 * claimable; if the connection dies between the flush and the COMMIT the
 * same events are delivered again after reconnecting.  Every line carries
 * the event's id, which the receiving side can use to drop a repeat.
 * Concurrent consumers never get the same event (claim_events uses
 * SKIP LOCKED), so running several for throughput is safe.
 *
 * SIGINT and SIGTERM end the program cleanly with status 0: the handler sets
 * a flag and writes a byte to a pipe that the select() watches, so a
 * waiting consumer wakes at once; a batch in progress is finished first.
 * A lost connection is retried --retries times with a doubling back-off;
 * then the program exits with status 2 and says why on stderr.  Status 1 is
 * for bad usage or an SQL error (e.g. the extension is not installed).
 * With --once it drains what is claimable now and exits 0.
 *
 * This file holds what is the consumer's own: its usage text, claim_batch()
 * (print and flush a batch before its COMMIT) and main().  The options,
 * the connection, signals, the claim's transaction, the JSON line and the
 * loop are examples/feed_client.c's, shared with examples/channel_sync.
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "feed_client.h"

#define PROG "consumer"

static feed_options opt = FEED_OPTIONS_DEFAULT;

static void
usage(FILE *out)
{
	fprintf(out,
			"usage: " PROG " [--batch N] [--timeout S] [--retries N] [--once] [CONNINFO]\n"
			"  Claims backorder events and prints one JSON line per event.\n"
			FEED_USAGE_OPTIONS
			FEED_USAGE_END);
}

static void
parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		feed_parse_option(&opt, argc, argv, &i, usage);
}

/*
 * Claim one batch in its own transaction and print it, one JSON line per
 * event (feed_print_event: a mailer would look up the order's customer
 * there and send the message that `kind` calls for).  *claimed gets the
 * number of events.  FEED_LOST when the connection broke (the transaction
 * is then rolled back by the server and its events are claimable again).
 */
static feed_step
claim_batch(PGconn *conn, int *claimed)
{
	int			colno[FEED_NCOLUMNS];
	PGresult   *res;
	int			n;

	*claimed = 0;
	if (feed_claim(conn, opt.batch, &res, colno) == FEED_LOST)
		return FEED_LOST;
	n = PQntuples(res);
	for (int r = 0; r < n; r++)
		feed_print_event(stdout, res, r, colno);
	PQclear(res);

	/* out before COMMIT: if stdout fails, the claim rolls back */
	if (fflush(stdout) != 0 || ferror(stdout))
	{
		fprintf(stderr, PROG ": writing events failed: %s; their claim is rolled back\n",
				strerror(errno));
		feed_rollback_exit(conn);
	}
	if (feed_commit(conn) == FEED_LOST)
		return FEED_LOST;
	*claimed = n;
	return FEED_OK;
}

int
main(int argc, char **argv)
{
	feed_init(PROG, "backorder_consumer");
	parse_args(argc, argv);
	feed_setup_signals();
	return feed_run(&opt, claim_batch);
}
