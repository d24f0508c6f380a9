/*-------------------------------------------------------------------------
 * examples/feed_client.c
 *		The outbox client shared by examples/consumer and
 *		examples/channel_sync: what is the same in both programs.
 *
 * It owns:
 *	- the options both take (--batch, --timeout, --retries, --once, --help,
 *	  CONNINFO) and their messages;
 *	- SIGINT/SIGTERM: the handler sets a flag and writes a byte to a
 *	  non-blocking pipe that every select() here watches, so a waiting
 *	  program wakes at once; SIGPIPE is ignored (a closed output is a write
 *	  error, not a kill);
 *	- the connection: fallback_application_name, server notices on stderr,
 *	  SET DateStyle = ISO and LISTEN backorder_events, retried with a
 *	  doubling back-off (0.5 s up to 30 s);
 *	- a batch's transaction: BEGIN, backorder.claim_events($1) and its
 *	  columns, COMMIT, ROLLBACK on a failed write; an event as a JSON line;
 *	- the loop: claim batches until one comes back empty, then wait with
 *	  select() for a notification, the timeout or a signal; a lost
 *	  connection is reconnected (not with --once).
 *
 * Every message starts with the program's name (feed_init).  Exit status
 * 1 (FEED_EXIT_USAGE_OR_SQL) is for bad usage or an SQL error, 2
 * (FEED_EXIT_CONNECTION) for a connection lost and not regained.
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <unistd.h>

#include "feed_client.h"

#define CHANNEL "backorder_events"

static const char *const claim_sql =
	"SELECT id, at, kind, order_id, line_no, sku, quantity, expected_at, detail"
	" FROM backorder.claim_events($1)";

/* columns of claim_sql, and how each goes into JSON */
enum col_kind { COL_NUMBER, COL_STRING, COL_JSON };
static const struct
{
	const char *name;
	enum col_kind kind;
} columns[] = {
	{"id", COL_NUMBER}, {"at", COL_STRING}, {"kind", COL_STRING},
	{"order_id", COL_STRING}, {"line_no", COL_NUMBER}, {"sku", COL_STRING},
	{"quantity", COL_NUMBER}, {"expected_at", COL_STRING}, {"detail", COL_JSON},
};
_Static_assert(sizeof(columns) / sizeof(columns[0]) == FEED_NCOLUMNS,
			   "FEED_NCOLUMNS is the number of columns of claim_sql");

/* feed_init: the prefix of every message, the session's default name */
static const char *prog = "feed_client";
static const char *fallback_appname = "backorder_feed_client";

static volatile sig_atomic_t stop_requested = 0;
static int	wake_pipe[2] = {-1, -1};

void
feed_init(const char *program, const char *fallback_application_name)
{
	prog = program;
	fallback_appname = fallback_application_name;
}

static void
on_signal(int signo)
{
	int			saved_errno = errno;
	char		byte = (char) signo;

	stop_requested = 1;
	/* the pipe is non-blocking: a full pipe already wakes the select() */
	if (write(wake_pipe[1], &byte, 1) < 0)
	{
		/* nothing useful to do in a handler */
	}
	errno = saved_errno;
}

void
feed_setup_signals(void)
{
	struct sigaction sa;

	if (pipe(wake_pipe) != 0)
	{
		fprintf(stderr, "%s: pipe: %s\n", prog, strerror(errno));
		exit(FEED_EXIT_USAGE_OR_SQL);
	}
	for (int i = 0; i < 2; i++)
	{
		int			flags = fcntl(wake_pipe[i], F_GETFL);

		fcntl(wake_pipe[i], F_SETFL, flags | O_NONBLOCK);
		fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;			/* no SA_RESTART: select() returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* a closed stdout must show up as a write error, not kill us mid-batch */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static long
parse_long(const char *name, const char *s, long min, long max)
{
	char	   *end;
	long		v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
	{
		fprintf(stderr, "%s: %s must be an integer from %ld to %ld, not \"%s\"\n",
				prog, name, min, max, s);
		exit(FEED_EXIT_USAGE_OR_SQL);
	}
	return v;
}

static double
parse_timeout(const char *s)
{
	char	   *end;
	double		v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > 0) || v > 86400)
	{
		fprintf(stderr, "%s: --timeout must be a number of seconds above 0 and"
				" at most 86400, not \"%s\"\n", prog, s);
		exit(FEED_EXIT_USAGE_OR_SQL);
	}
	return v;
}

/*
 * argv[*i], which is none of the program's own options: a shared option
 * (its value taken, *i moved past it), CONNINFO, or bad usage (exit 1).
 * --help prints usage on stdout and exits 0.
 */
void
feed_parse_option(feed_options *opt, int argc, char **argv, int *i,
				  void (*usage) (FILE *out))
{
	const char *a = argv[*i];
	bool		has_value = (*i + 1 < argc);

	if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
	{
		usage(stdout);
		exit(0);
	}
	else if (strcmp(a, "--once") == 0)
		opt->once = true;
	else if (strcmp(a, "--batch") == 0 && has_value)
		opt->batch = (int) parse_long("--batch", argv[++*i], 1, INT_MAX);
	else if (strcmp(a, "--retries") == 0 && has_value)
		opt->retries = (int) parse_long("--retries", argv[++*i], 0, 1000);
	else if (strcmp(a, "--timeout") == 0 && has_value)
		opt->timeout = parse_timeout(argv[++*i]);
	else if (a[0] == '-' && a[1] != '\0')
	{
		fprintf(stderr, "%s: unknown option or missing value: %s\n", prog, a);
		usage(stderr);
		exit(FEED_EXIT_USAGE_OR_SQL);
	}
	else if (opt->conninfo == NULL)
		opt->conninfo = a;
	else
	{
		fprintf(stderr, "%s: more than one connection string: %s\n", prog, a);
		exit(FEED_EXIT_USAGE_OR_SQL);
	}
}

/* libpq's messages end with a newline; messages here add their own */
const char *
feed_conn_error(const PGconn *conn)
{
	static char buf[1024];
	size_t		n;

	snprintf(buf, sizeof(buf), "%s", conn ? PQerrorMessage(conn) : "out of memory");
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n > 0 ? buf : "unknown error";
}

/* Sleep up to `seconds`, waking early on SIGINT/SIGTERM. */
static void
sleep_interruptible(double seconds)
{
	struct timeval tv;
	fd_set		rfds;

	if (stop_requested)
		return;
	tv.tv_sec = (time_t) seconds;
	tv.tv_usec = (suseconds_t) ((seconds - (double) tv.tv_sec) * 1e6);
	FD_ZERO(&rfds);
	FD_SET(wake_pipe[0], &rfds);
	(void) select(wake_pipe[0] + 1, &rfds, NULL, NULL, &tv);
}

/* Server notices and the FATAL sent before a disconnection, prefixed. */
static void
on_notice(void *arg, const char *message)
{
	(void) arg;
	fprintf(stderr, "%s: server: %s", prog, message);
}

/* One connection attempt; LISTEN included.  NULL with a message on failure. */
static PGconn *
connect_once(const char *conninfo, char *why, size_t whylen)
{
	/* application_name from CONNINFO or PGAPPNAME wins over the fallback */
	const char *const keys[] = {"fallback_application_name", "dbname", NULL};
	const char *const values[] = {fallback_appname, conninfo, NULL};
	PGconn	   *conn = PQconnectdbParams(keys, values, 1);
	PGresult   *res;

	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
	{
		snprintf(why, whylen, "%s", feed_conn_error(conn));
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, on_notice, NULL);
	/* timestamps in ISO 8601 whatever the server's default; TimeZone is kept */
	res = PQexec(conn, "SET DateStyle = ISO; LISTEN " CHANNEL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		snprintf(why, whylen, "SET DateStyle / LISTEN failed: %s", feed_conn_error(conn));
		PQclear(res);
		PQfinish(conn);
		return NULL;
	}
	PQclear(res);
	return conn;
}

/*
 * Connect, trying again with a doubling back-off.  `attempts` is how many
 * tries in all.  Returns NULL when every attempt failed (message printed) or
 * a stop was requested while waiting.
 */
static PGconn *
connect_with_retry(const char *conninfo, int attempts, const char *context)
{
	char		why[1024] = "no attempt allowed (--retries 0)";
	double		delay = 0.5;

	for (int i = 1; i <= attempts && !stop_requested; i++)
	{
		PGconn	   *conn = connect_once(conninfo, why, sizeof(why));

		if (conn != NULL)
		{
			if (i > 1 || strcmp(context, "connect") != 0)
				fprintf(stderr, "%s: %s: connected again (attempt %d of %d)\n",
						prog, context, i, attempts);
			return conn;
		}
		if (i < attempts)
		{
			fprintf(stderr, "%s: %s: attempt %d of %d failed: %s; next in %.1f s\n",
					prog, context, i, attempts, why, delay);
			sleep_interruptible(delay);
			delay = delay * 2 > 30 ? 30 : delay * 2;
		}
	}
	if (!stop_requested)
		fprintf(stderr, "%s: %s: giving up after %d attempt%s: %s\n",
				prog, context, attempts, attempts == 1 ? "" : "s", why);
	return NULL;
}

/* Run a command that returns no rows.  false: failed (message printed). */
static bool
command(PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);
	bool		ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok && PQstatus(conn) == CONNECTION_OK)
		fprintf(stderr, "%s: %s failed: %s\n", prog, sql, feed_conn_error(conn));
	PQclear(res);
	return ok;
}

static void
sql_failure(PGconn *conn, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, feed_conn_error(conn));
	PQfinish(conn);
	exit(FEED_EXIT_USAGE_OR_SQL);
}

/* BEGIN or COMMIT.  FEED_LOST when the connection broke; an SQL error exits. */
static feed_step
transaction_command(PGconn *conn, const char *sql)
{
	if (!command(conn, sql))
	{
		if (PQstatus(conn) != CONNECTION_OK)
			return FEED_LOST;
		sql_failure(conn, sql);
	}
	return FEED_OK;
}

/*
 * A query that returns rows, with one text parameter or none (param NULL),
 * into *res.  FEED_LOST when the connection broke; an SQL error exits 1
 * with "what: the error".
 */
feed_step
feed_query(PGconn *conn, const char *sql, const char *param, const char *what,
		   PGresult **res)
{
	if (param != NULL)
		*res = PQexecParams(conn, sql, 1, NULL, &param, NULL, NULL, 0);
	else
		*res = PQexec(conn, sql);
	if (PQresultStatus(*res) != PGRES_TUPLES_OK)
	{
		PQclear(*res);
		*res = NULL;
		if (PQstatus(conn) != CONNECTION_OK)
			return FEED_LOST;
		sql_failure(conn, what);
	}
	return FEED_OK;
}

/*
 * BEGIN and claim up to `batch` events into *res; colno[FEED_NCOLUMNS] gets
 * where each column is.  The caller uses them, flushes its output and ends
 * with feed_commit (or feed_rollback_exit).  FEED_LOST when the connection
 * broke (the server then rolls the transaction back and its events are
 * claimable again).
 */
feed_step
feed_claim(PGconn *conn, int batch, PGresult **res, int *colno)
{
	char		param[16];

	snprintf(param, sizeof(param), "%d", batch);
	if (transaction_command(conn, "BEGIN") == FEED_LOST ||
		feed_query(conn, claim_sql, param, "claim_events failed", res) == FEED_LOST)
		return FEED_LOST;
	for (int c = 0; c < FEED_NCOLUMNS; c++)
	{
		colno[c] = PQfnumber(*res, columns[c].name);
		if (colno[c] < 0)
		{
			fprintf(stderr, "%s: claim_events returned no column \"%s\"\n",
					prog, columns[c].name);
			exit(FEED_EXIT_USAGE_OR_SQL);
		}
	}
	return FEED_OK;
}

feed_step
feed_commit(PGconn *conn)
{
	return transaction_command(conn, "COMMIT");
}

/* The batch's output failed (the caller said so): roll back, exit 1. */
void
feed_rollback_exit(PGconn *conn)
{
	(void) command(conn, "ROLLBACK");
	PQfinish(conn);
	exit(FEED_EXIT_USAGE_OR_SQL);
}

/* Write s as a JSON string (quotes included). */
void
feed_put_json_string(FILE *out, const char *s)
{
	/* the bytes JSON escapes with a letter, and their letters */
	static const char special[] = "\"\\\n\r\t";
	static const char letter[] = "\"\\nrt";

	putc('"', out);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		const char *e = strchr(special, *p);

		if (e != NULL)
		{
			putc('\\', out);
			putc(letter[e - special], out);
		}
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			putc(*p, out);		/* UTF-8 passes through */
	}
	putc('"', out);
}

/* A claimed event as one JSON line: examples/consumer's output. */
void
feed_print_event(FILE *out, const PGresult *res, int row, const int *colno)
{
	putc('{', out);
	for (int c = 0; c < FEED_NCOLUMNS; c++)
	{
		int			f = colno[c];

		if (c > 0)
			putc(',', out);
		feed_put_json_string(out, columns[c].name);
		putc(':', out);
		if (PQgetisnull(res, row, f))
			fputs("null", out);
		else if (columns[c].kind == COL_STRING)
			feed_put_json_string(out, PQgetvalue(res, row, f));
		else					/* numbers and jsonb are valid JSON as text */
			fputs(PQgetvalue(res, row, f), out);
	}
	fputs("}\n", out);
}

/* Drop queued notifications; true if there were any. */
static bool
drain_notifications(PGconn *conn)
{
	PGnotify   *n;
	bool		any = false;

	while ((n = PQnotifies(conn)) != NULL)
	{
		any = true;
		PQfreemem(n);
	}
	return any;
}

/*
 * Wait for a notification, the timeout or a signal, whichever comes first.
 * FEED_LOST when the server closed the connection meanwhile.
 */
static feed_step
wait_for_events(PGconn *conn, double timeout)
{
	int			sock = PQsocket(conn);
	struct timeval deadline,
				now;

	/* a notification read during the last batch must not be slept on */
	if (drain_notifications(conn))
		return FEED_OK;

	gettimeofday(&deadline, NULL);
	deadline.tv_sec += (time_t) timeout;
	deadline.tv_usec += (suseconds_t) ((timeout - floor(timeout)) * 1e6);
	if (deadline.tv_usec >= 1000000)
	{
		deadline.tv_sec++;
		deadline.tv_usec -= 1000000;
	}

	while (!stop_requested)
	{
		fd_set		rfds;
		struct timeval left;
		int			maxfd = sock > wake_pipe[0] ? sock : wake_pipe[0];
		int			rc;

		if (sock < 0)
			return FEED_LOST;
		gettimeofday(&now, NULL);
		timersub(&deadline, &now, &left);
		if (left.tv_sec < 0)
			return FEED_OK;		/* timeout: look again anyway */

		FD_ZERO(&rfds);
		FD_SET(sock, &rfds);
		FD_SET(wake_pipe[0], &rfds);
		rc = select(maxfd + 1, &rfds, NULL, NULL, &left);
		if (rc < 0)
		{
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: select: %s\n", prog, strerror(errno));
			exit(FEED_EXIT_CONNECTION);
		}
		if (rc == 0)
			return FEED_OK;
		if (FD_ISSET(sock, &rfds))
		{
			if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK)
				return FEED_LOST;
			if (drain_notifications(conn))
				return FEED_OK;
			/* something else (a notice): keep waiting */
		}
	}
	return FEED_OK;
}

/*
 * Connect, then claim_batch until a batch comes back empty, wait, and again,
 * until SIGINT/SIGTERM (or, with --once, the first empty batch).  Returns
 * the exit status: 0, or FEED_EXIT_CONNECTION when the connection was lost
 * and not regained (--once: not retried).
 */
int
feed_run(const feed_options *opt, feed_step (*claim_batch) (PGconn *conn, int *claimed))
{
	PGconn	   *conn;

	conn = connect_with_retry(opt->conninfo, opt->once ? 1 : opt->retries + 1, "connect");
	if (conn == NULL)
		return stop_requested ? 0 : FEED_EXIT_CONNECTION;

	while (!stop_requested)
	{
		feed_step	r;
		int			claimed = 0;

		r = claim_batch(conn, &claimed);
		if (r == FEED_OK && claimed > 0)
			continue;			/* drain before waiting */
		if (r == FEED_OK)
		{
			if (opt->once)
				break;
			r = wait_for_events(conn, opt->timeout);
		}
		if (r == FEED_LOST)
		{
			fprintf(stderr, "%s: connection lost: %s\n", prog, feed_conn_error(conn));
			PQfinish(conn);
			if (opt->once)
				return FEED_EXIT_CONNECTION;
			conn = connect_with_retry(opt->conninfo, opt->retries, "reconnect");
			if (conn == NULL)
				return stop_requested ? 0 : FEED_EXIT_CONNECTION;
		}
	}
	PQfinish(conn);
	return 0;
}
