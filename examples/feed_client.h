/*-------------------------------------------------------------------------
 * examples/feed_client.h
 *		The outbox client that examples/consumer and examples/channel_sync
 *		share (examples/feed_client.c): their common options, the
 *		connection, signals, claiming a batch of events and the loop.
 *
 * A program names itself with feed_init() (the prefix of every message
 * and the fallback application_name), parses its own options and hands
 * the rest to feed_parse_option(), calls feed_setup_signals(), and runs
 * feed_run() with its claim_batch: one batch claimed (feed_claim), used,
 * flushed and committed (feed_commit) in its own transaction.
 *-------------------------------------------------------------------------
 */
#ifndef FEED_CLIENT_H
#define FEED_CLIENT_H

#include <stdbool.h>
#include <stdio.h>

#include <libpq-fe.h>

#define FEED_EXIT_USAGE_OR_SQL 1
#define FEED_EXIT_CONNECTION 2

/* the options both programs take (feed_parse_option) */
typedef struct feed_options
{
	const char *conninfo;		/* NULL: the PG* environment */
	int			batch;
	double		timeout;		/* seconds */
	int			retries;
	bool		once;
} feed_options;

#define FEED_OPTIONS_DEFAULT {NULL, 100, 5.0, 5, false}

/* their lines of --help: FEED_USAGE_OPTIONS, the program's own, FEED_USAGE_END */
#define FEED_USAGE_OPTIONS \
	"  --batch N     events claimed per transaction (default 100)\n" \
	"  --timeout S   seconds to wait for a notification before looking\n" \
	"                again anyway (default 5; fractions allowed)\n" \
	"  --retries N   reconnection attempts after a lost connection\n" \
	"                (default 5, doubling back-off from 0.5 s)\n" \
	"  --once        claim what is there now, then exit\n"
#define FEED_USAGE_END \
	"  CONNINFO      libpq connection string; default: PG* environment\n" \
	"Exit status: 0 stopped by SIGINT/SIGTERM or --once done; 1 bad usage\n" \
	"or SQL error; 2 connection lost and not regained.\n"

/* what a batch or a wait ended with */
typedef enum
{
	FEED_OK,					/* go on */
	FEED_LOST,					/* the connection is gone: reconnect */
} feed_step;

/* the columns of a claimed batch (colno[] has FEED_NCOLUMNS entries) */
#define FEED_NCOLUMNS 9
#define FEED_COL_KIND 2
#define FEED_COL_SKU 5

extern void feed_init(const char *prog, const char *fallback_application_name);
extern void feed_parse_option(feed_options *opt, int argc, char **argv, int *i,
							  void (*usage) (FILE *out));
extern void feed_setup_signals(void);
extern int	feed_run(const feed_options *opt,
					 feed_step (*claim_batch) (PGconn *conn, int *claimed));

extern const char *feed_conn_error(const PGconn *conn);
extern feed_step feed_query(PGconn *conn, const char *sql, const char *param,
							const char *what, PGresult **res);
extern feed_step feed_claim(PGconn *conn, int batch, PGresult **res, int *colno);
extern feed_step feed_commit(PGconn *conn);
extern void feed_rollback_exit(PGconn *conn);

extern void feed_put_json_string(FILE *out, const char *s);
extern void feed_print_event(FILE *out, const PGresult *res, int row, const int *colno);

#endif							/* FEED_CLIENT_H */
