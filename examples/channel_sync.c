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
 * The loop, delivery, signals and reconnection are examples/consumer's:
 * LISTEN backorder_events; claim a batch in its own transaction, print and
 * flush it (channel lines and handed-on events) before COMMIT, so a failed
 * write rolls the claim back and a lost connection redelivers the batch
 * (at least once; pushing the same stock twice is harmless); wait with
 * select() for a notification, --timeout or SIGINT/SIGTERM (exit 0); a
 * lost connection is retried --retries times with a doubling back-off,
 * then exit 2.  Exit 1: bad usage or an SQL error.
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <unistd.h>

#include <libpq-fe.h>

#define PROG "channel_sync"
#define CHANNEL "backorder_events"
#define EXIT_USAGE_OR_SQL 1
#define EXIT_CONNECTION 2
#define FEED_KIND "availability_changed"

static const char *const claim_sql =
	"SELECT id, at, kind, order_id, line_no, sku, quantity, expected_at, detail"
	" FROM backorder.claim_events($1)";

/* the skus' rows of channel_stock, one line each, in a stable order */
static const char *const stock_sql =
	"SELECT channel, sku, published, orderable FROM backorder.channel_stock"
	" WHERE sku OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[])"
	" ORDER BY sku COLLATE pg_catalog.\"C\", channel COLLATE pg_catalog.\"C\"";

static const char *const full_sql =
	"SELECT channel, sku, published, orderable FROM backorder.channel_stock"
	" ORDER BY sku COLLATE pg_catalog.\"C\", channel COLLATE pg_catalog.\"C\"";

/* columns of claim_sql, and how each goes into JSON (examples/consumer's line) */
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
#define NCOLUMNS ((int) (sizeof(columns) / sizeof(columns[0])))
#define COL_KIND 2
#define COL_SKU 5

static struct
{
	const char *conninfo;		/* NULL: the PG* environment */
	int			batch;
	double		timeout;		/* seconds */
	int			retries;
	bool		once;
	bool		full;
	const char *others;			/* NULL: stdout */
} opt = {NULL, 100, 5.0, 5, false, false, NULL};

/* where events of other kinds go */
static FILE *others_out = NULL;

static volatile sig_atomic_t stop_requested = 0;
static int	wake_pipe[2] = {-1, -1};

/* what a batch or a wait ended with */
typedef enum
{
	STEP_OK,					/* go on */
	STEP_LOST,					/* the connection is gone: reconnect */
} step_result;

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

static void
setup_signals(void)
{
	struct sigaction sa;

	if (pipe(wake_pipe) != 0)
	{
		perror(PROG ": pipe");
		exit(EXIT_USAGE_OR_SQL);
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

static void
usage(FILE *out)
{
	fprintf(out,
			"usage: " PROG " [--batch N] [--timeout S] [--retries N] [--once] [--full]\n"
			"                    [--others FILE] [CONNINFO]\n"
			"  Claims backorder events; for each availability_changed sku prints one\n"
			"  JSON line per channel: {\"channel\",\"sku\",\"published\",\"orderable\"}.\n"
			"  --batch N     events claimed per transaction (default 100)\n"
			"  --timeout S   seconds to wait for a notification before looking\n"
			"                again anyway (default 5; fractions allowed)\n"
			"  --retries N   reconnection attempts after a lost connection\n"
			"                (default 5, doubling back-off from 0.5 s)\n"
			"  --once        claim what is there now, then exit\n"
			"  --full        first print every row of channel_stock (a resync)\n"
			"  --others FILE append the events of other kinds there, one JSON line\n"
			"                each as examples/consumer prints them (default: stdout)\n"
			"  CONNINFO      libpq connection string; default: PG* environment\n"
			"Exit status: 0 stopped by SIGINT/SIGTERM or --once done; 1 bad usage\n"
			"or SQL error; 2 connection lost and not regained.\n");
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
		fprintf(stderr, PROG ": %s must be an integer from %ld to %ld, not \"%s\"\n",
				name, min, max, s);
		exit(EXIT_USAGE_OR_SQL);
	}
	return v;
}

static void
parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
	{
		const char *a = argv[i];
		bool		has_value = (i + 1 < argc);

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
		{
			usage(stdout);
			exit(0);
		}
		else if (strcmp(a, "--once") == 0)
			opt.once = true;
		else if (strcmp(a, "--full") == 0)
			opt.full = true;
		else if (strcmp(a, "--others") == 0 && has_value)
			opt.others = argv[++i];
		else if (strcmp(a, "--batch") == 0 && has_value)
			opt.batch = (int) parse_long("--batch", argv[++i], 1, INT_MAX);
		else if (strcmp(a, "--retries") == 0 && has_value)
			opt.retries = (int) parse_long("--retries", argv[++i], 0, 1000);
		else if (strcmp(a, "--timeout") == 0 && has_value)
		{
			char	   *end;
			const char *s = argv[++i];

			errno = 0;
			opt.timeout = strtod(s, &end);
			if (errno != 0 || end == s || *end != '\0' || !(opt.timeout > 0) ||
				opt.timeout > 86400)
			{
				fprintf(stderr, PROG ": --timeout must be a number of seconds above 0 and"
						" at most 86400, not \"%s\"\n", s);
				exit(EXIT_USAGE_OR_SQL);
			}
		}
		else if (a[0] == '-' && a[1] != '\0')
		{
			fprintf(stderr, PROG ": unknown option or missing value: %s\n", a);
			usage(stderr);
			exit(EXIT_USAGE_OR_SQL);
		}
		else if (opt.conninfo == NULL)
			opt.conninfo = a;
		else
		{
			fprintf(stderr, PROG ": more than one connection string: %s\n", a);
			exit(EXIT_USAGE_OR_SQL);
		}
	}
}

/* libpq's messages end with a newline; messages here add their own */
static const char *
conn_error(const PGconn *conn)
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
	fprintf(stderr, PROG ": server: %s", message);
}

/* One connection attempt; LISTEN included.  NULL with a message on failure. */
static PGconn *
connect_once(char *why, size_t whylen)
{
	/* application_name from CONNINFO or PGAPPNAME wins over the fallback */
	const char *const keys[] = {"fallback_application_name", "dbname", NULL};
	const char *const values[] = {"backorder_channel_sync", opt.conninfo, NULL};
	PGconn	   *conn = PQconnectdbParams(keys, values, 1);
	PGresult   *res;

	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
	{
		snprintf(why, whylen, "%s", conn_error(conn));
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, on_notice, NULL);
	/* timestamps in ISO 8601 whatever the server's default; TimeZone is kept */
	res = PQexec(conn, "SET DateStyle = ISO; LISTEN " CHANNEL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		snprintf(why, whylen, "SET DateStyle / LISTEN failed: %s", conn_error(conn));
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
connect_with_retry(int attempts, const char *context)
{
	char		why[1024] = "no attempt allowed (--retries 0)";
	double		delay = 0.5;

	for (int i = 1; i <= attempts && !stop_requested; i++)
	{
		PGconn	   *conn = connect_once(why, sizeof(why));

		if (conn != NULL)
		{
			if (i > 1 || strcmp(context, "connect") != 0)
				fprintf(stderr, PROG ": %s: connected again (attempt %d of %d)\n",
						context, i, attempts);
			return conn;
		}
		if (i < attempts)
		{
			fprintf(stderr, PROG ": %s: attempt %d of %d failed: %s; next in %.1f s\n",
					context, i, attempts, why, delay);
			sleep_interruptible(delay);
			delay = delay * 2 > 30 ? 30 : delay * 2;
		}
	}
	if (!stop_requested)
		fprintf(stderr, PROG ": %s: giving up after %d attempt%s: %s\n",
				context, attempts, attempts == 1 ? "" : "s", why);
	return NULL;
}

/* Write s as a JSON string (quotes included). */
static void
put_json_string(FILE *out, const char *s)
{
	putc('"', out);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		switch (*p)
		{
			case '"':
				fputs("\\\"", out);
				break;
			case '\\':
				fputs("\\\\", out);
				break;
			case '\n':
				fputs("\\n", out);
				break;
			case '\r':
				fputs("\\r", out);
				break;
			case '\t':
				fputs("\\t", out);
				break;
			default:
				if (*p < 0x20)
					fprintf(out, "\\u%04x", *p);
				else
					putc(*p, out);	/* UTF-8 passes through */
		}
	}
	putc('"', out);
}

/* Run a command that returns no rows.  false: failed (message printed). */
static bool
command(PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);
	bool		ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok && PQstatus(conn) == CONNECTION_OK)
		fprintf(stderr, PROG ": %s failed: %s\n", sql, conn_error(conn));
	PQclear(res);
	return ok;
}

static void
sql_failure(PGconn *conn, const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, conn_error(conn));
	PQfinish(conn);
	exit(EXIT_USAGE_OR_SQL);
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
 * STEP_LOST when the server closed the connection meanwhile.
 */
static step_result
wait_for_events(PGconn *conn)
{
	int			sock = PQsocket(conn);
	struct timeval deadline,
				now;

	/* a notification read during the last batch must not be slept on */
	if (drain_notifications(conn))
		return STEP_OK;

	gettimeofday(&deadline, NULL);
	deadline.tv_sec += (time_t) opt.timeout;
	deadline.tv_usec += (suseconds_t) ((opt.timeout - floor(opt.timeout)) * 1e6);
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
			return STEP_LOST;
		gettimeofday(&now, NULL);
		timersub(&deadline, &now, &left);
		if (left.tv_sec < 0)
			return STEP_OK;		/* timeout: look again anyway */

		FD_ZERO(&rfds);
		FD_SET(sock, &rfds);
		FD_SET(wake_pipe[0], &rfds);
		rc = select(maxfd + 1, &rfds, NULL, NULL, &left);
		if (rc < 0)
		{
			if (errno == EINTR)
				continue;
			fprintf(stderr, PROG ": select: %s\n", strerror(errno));
			exit(EXIT_CONNECTION);
		}
		if (rc == 0)
			return STEP_OK;
		if (FD_ISSET(sock, &rfds))
		{
			if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK)
				return STEP_LOST;
			if (drain_notifications(conn))
				return STEP_OK;
			/* something else (a notice): keep waiting */
		}
	}
	return STEP_OK;
}

/* An event of another kind, handed on as examples/consumer prints it. */
static void
print_event(FILE *out, const PGresult *res, int row, const int *colno)
{
	putc('{', out);
	for (int c = 0; c < NCOLUMNS; c++)
	{
		int			f = colno[c];

		if (c > 0)
			putc(',', out);
		put_json_string(out, columns[c].name);
		putc(':', out);
		if (PQgetisnull(res, row, f))
			fputs("null", out);
		else if (columns[c].kind == COL_STRING)
			put_json_string(out, PQgetvalue(res, row, f));
		else					/* numbers and jsonb are valid JSON as text */
			fputs(PQgetvalue(res, row, f), out);
	}
	fputs("}\n", out);
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
		put_json_string(out, PQgetvalue(res, r, 0));
		fputs(",\"sku\":", out);
		put_json_string(out, PQgetvalue(res, r, 1));
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
			exit(EXIT_USAGE_OR_SQL);
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
 * handed on to others_out meanwhile.
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
		exit(EXIT_USAGE_OR_SQL);
	}
	for (int r = 0; r < n; r++)
	{
		if (strcmp(PQgetvalue(res, r, colno[COL_KIND]), FEED_KIND) == 0)
			skus[nskus++] = PQgetvalue(res, r, colno[COL_SKU]);
		else
			print_event(others_out, res, r, colno);
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
			exit(EXIT_USAGE_OR_SQL);
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
		(void) command(conn, "ROLLBACK");
		PQfinish(conn);
		exit(EXIT_USAGE_OR_SQL);
	}
}

/*
 * Claim one batch in its own transaction, hand on the other events, read
 * and print the channel stock of the availability_changed skus.  *claimed
 * gets the number of events.  STEP_LOST when the connection broke (the
 * transaction is then rolled back by the server and its events are
 * claimable again).
 */
static step_result
claim_batch(PGconn *conn, int *claimed)
{
	char		batch[16];
	const char *params[1] = {batch};
	int			colno[NCOLUMNS];
	PGresult   *res;
	char	   *skus;
	int			n;

	*claimed = 0;
	snprintf(batch, sizeof(batch), "%d", opt.batch);

	if (!command(conn, "BEGIN"))
	{
		if (PQstatus(conn) != CONNECTION_OK)
			return STEP_LOST;
		sql_failure(conn, "BEGIN");
	}
	res = PQexecParams(conn, claim_sql, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		PQclear(res);
		if (PQstatus(conn) != CONNECTION_OK)
			return STEP_LOST;
		sql_failure(conn, "claim_events failed");
	}
	for (int c = 0; c < NCOLUMNS; c++)
	{
		colno[c] = PQfnumber(res, columns[c].name);
		if (colno[c] < 0)
		{
			fprintf(stderr, PROG ": claim_events returned no column \"%s\"\n", columns[c].name);
			exit(EXIT_USAGE_OR_SQL);
		}
	}
	n = PQntuples(res);
	skus = dispatch_batch(res, colno);
	PQclear(res);

	if (skus != NULL)
	{
		const char *stock_params[1] = {skus};

		res = PQexecParams(conn, stock_sql, 1, NULL, stock_params, NULL, NULL, 0);
		free(skus);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			PQclear(res);
			if (PQstatus(conn) != CONNECTION_OK)
				return STEP_LOST;
			sql_failure(conn, "reading backorder.channel_stock failed");
		}
		print_stock(stdout, res);
		PQclear(res);
	}

	/* out before COMMIT: if a write fails, the claim rolls back */
	flush_or_die(conn);
	if (!command(conn, "COMMIT"))
	{
		if (PQstatus(conn) != CONNECTION_OK)
			return STEP_LOST;
		sql_failure(conn, "COMMIT");
	}
	*claimed = n;
	return STEP_OK;
}

/* --full: every row of channel_stock, before the first claim. */
static step_result
full_sync(PGconn *conn)
{
	PGresult   *res = PQexec(conn, full_sql);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		PQclear(res);
		if (PQstatus(conn) != CONNECTION_OK)
			return STEP_LOST;
		sql_failure(conn, "reading backorder.channel_stock failed");
	}
	print_stock(stdout, res);
	PQclear(res);
	if (fflush(stdout) != 0 || ferror(stdout))
	{
		fprintf(stderr, PROG ": writing failed: %s\n", strerror(errno));
		exit(EXIT_USAGE_OR_SQL);
	}
	return STEP_OK;
}

int
main(int argc, char **argv)
{
	PGconn	   *conn;
	bool		full_done = false;

	parse_args(argc, argv);
	setup_signals();
	others_out = stdout;
	if (opt.others != NULL && strcmp(opt.others, "-") != 0)
	{
		others_out = fopen(opt.others, "a");
		if (others_out == NULL)
		{
			fprintf(stderr, PROG ": --others %s: %s\n", opt.others, strerror(errno));
			return EXIT_USAGE_OR_SQL;
		}
	}

	conn = connect_with_retry(opt.once ? 1 : opt.retries + 1, "connect");
	if (conn == NULL)
		return stop_requested ? 0 : EXIT_CONNECTION;

	while (!stop_requested)
	{
		step_result r = STEP_OK;
		int			claimed = 0;

		if (opt.full && !full_done)
		{
			/* LISTENing already: nothing committed after this read is missed */
			r = full_sync(conn);
			full_done = (r == STEP_OK);
		}
		if (r == STEP_OK)
			r = claim_batch(conn, &claimed);
		if (r == STEP_OK && claimed > 0)
			continue;			/* drain before waiting */
		if (r == STEP_OK)
		{
			if (opt.once)
				break;
			r = wait_for_events(conn);
		}
		if (r == STEP_LOST)
		{
			fprintf(stderr, PROG ": connection lost: %s\n", conn_error(conn));
			PQfinish(conn);
			if (opt.once)
				return EXIT_CONNECTION;
			conn = connect_with_retry(opt.retries, "reconnect");
			if (conn == NULL)
				return stop_requested ? 0 : EXIT_CONNECTION;
		}
	}
	PQfinish(conn);
	if (others_out != stdout)
		fclose(others_out);
	return 0;
}
