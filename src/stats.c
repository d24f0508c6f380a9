/*-------------------------------------------------------------------------
 * src/stats.c
 *		Statistics for the analytics functions: the inverse of the standard
 *		normal distribution function, which turns reorder_suggestions'
 *		service level into the z of its safety stock.
 *
 * Acklam's rational approximation (relative error below 1.15e-9), refined
 * by one step of Halley's method on the exact distribution function
 * 0.5 * erfc(-x / sqrt(2)) from libm, which brings it to about 1e-15.  The
 * upper half is computed as the mirror of the lower one: 1 - p is exact
 * for every double p >= 0.5, while p itself is crowded near 1.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/float.h"

PG_FUNCTION_INFO_V1(backorder_normal_quantile);

/* Acklam's coefficients: central region (a/b), tails (c/d) */
static const double stats_a[6] = {
	-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
	1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00
};
static const double stats_b[5] = {
	-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
	6.680131188771972e+01, -1.328068155288572e+01
};
static const double stats_c[6] = {
	-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
	-2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00
};
static const double stats_d[4] = {
	7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
	3.754408661907416e+00
};

#define STATS_P_LOW		0.02425
#define STATS_SQRT_2	1.41421356237309504880
#define STATS_SQRT_2PI	2.50662827463100050242

/*
 * The quantile of p for 0 < p <= 0.5 (so the result is <= 0).
 */
static double
stats_lower_quantile(double p)
{
	double		x;
	double		q;
	double		r;
	double		e;
	double		u;

	if (p < STATS_P_LOW)
	{
		q = sqrt(-2.0 * log(p));
		x = (((((stats_c[0] * q + stats_c[1]) * q + stats_c[2]) * q + stats_c[3]) * q
			  + stats_c[4]) * q + stats_c[5]) /
			((((stats_d[0] * q + stats_d[1]) * q + stats_d[2]) * q + stats_d[3]) * q + 1.0);
	}
	else
	{
		q = p - 0.5;
		r = q * q;
		x = (((((stats_a[0] * r + stats_a[1]) * r + stats_a[2]) * r + stats_a[3]) * r
			  + stats_a[4]) * r + stats_a[5]) * q /
			(((((stats_b[0] * r + stats_b[1]) * r + stats_b[2]) * r + stats_b[3]) * r
			  + stats_b[4]) * r + 1.0);
	}

	/* one Halley step: x <= 0 here, so erfc's argument is >= 0 and exact */
	e = 0.5 * erfc(-x / STATS_SQRT_2) - p;
	u = e * STATS_SQRT_2PI * exp(x * x / 2.0);
	x = x - u / (1.0 + x * u / 2.0);

	return x;
}

/*
 * backorder.normal_quantile(p float8) returns float8
 *
 * The x with P(Z <= x) = p for a standard normal Z; p must lie strictly
 * between 0 and 1.
 */
Datum
backorder_normal_quantile(PG_FUNCTION_ARGS)
{
	float8		p = PG_GETARG_FLOAT8(0);
	float8		x;

	if (isnan(p) || p <= 0.0 || p >= 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("normal quantile of p = %s is undefined", float8out_internal(p)),
				 errdetail("p must lie strictly between 0 and 1.")));

	if (p > 0.5)
		x = -stats_lower_quantile(1.0 - p);
	else
		x = stats_lower_quantile(p);

	/* p = 0.5 is exactly 0, never -0 */
	if (x == 0.0)
		x = 0.0;

	PG_RETURN_FLOAT8(x);
}
