// SPDX-License-Identifier: MIT
/*
 * http_date: HTTP dates (RFC 9110 5.6.7). Every response carries a Date field in IMF-fixdate
 * ("Sun, 06 Nov 1994 08:49:37 GMT"); conditional requests (If-Modified-Since, If-Range) may
 * send any of the three historical forms, which a recipient must accept.
 *
 * The calendar arithmetic is done here (Howard Hinnant's days_from_civil and civil_from_days)
 * instead of with gmtime_r() and timegm(): glibc's gmtime_r() takes a process-wide lock on
 * every call, which every response would contend for, and timegm() is not POSIX.
 *
 * Left out on purpose: time zones other than GMT (HTTP dates are always GMT) and years outside
 * 0000-9999 (the grammar has four digits).
 */
#include "http/http_date.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

#define SECONDS_PER_DAY 86400
#define YEAR_MAX 9999

static const char *const day_short[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const day_long[7] = { "Sunday", "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday" };
static const char *const month_short[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                                    /* [0, 399] */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            /* [0, 146096] */
	return era * 146097 + doe - 719468;
}

/* The inverse: the date of a day number. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Floor division, so that times before 1970 fall on the right day. */
static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Two decimal digits of v (0-99) at p. */
static void two_digits(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

size_t http_date(char *out, size_t outlen, int64_t unix_seconds)
{
	/* Filled in place, not with snprintf(): every response formats a date or two. */
	char text[] = "Www, DD Mmm YYYY HH:MM:SS GMT";
	/* Bound the input first, so the arithmetic below cannot overflow. */
	if (unix_seconds < -(INT64_C(1) << 50) || unix_seconds > (INT64_C(1) << 50))
		return 0;
	int64_t days = floor_div(unix_seconds, SECONDS_PER_DAY);
	int secs = (int)(unix_seconds - days * SECONDS_PER_DAY);
	int64_t year;
	int month, day;
	civil_from_days(days, &year, &month, &day);
	if (year < 0 || year > YEAR_MAX || outlen < sizeof text)
		return 0;
	memcpy(text, day_short[(days % 7 + 11) % 7], 3);   /* 1970-01-01 was a Thursday (4) */
	two_digits(text + 5, day);
	memcpy(text + 8, month_short[month - 1], 3);
	two_digits(text + 12, (int)year / 100);
	two_digits(text + 14, (int)year % 100);
	two_digits(text + 17, secs / 3600);
	two_digits(text + 20, secs / 60 % 60);
	two_digits(text + 23, secs % 60);
	memcpy(out, text, sizeof text);
	return sizeof text - 1;
}

/* ---- parsing ---------------------------------------------------------------------------- */

enum { F_YEAR, F_MONTH, F_DAY, F_HOUR, F_MINUTE, F_SECOND, F_TWO_DIGIT_YEAR, F_COUNT };

/* Exactly n ASCII digits at s (of len bytes) into *out; returns n, or 0. */
static size_t digits(const char *s, size_t len, size_t n, int *out)
{
	int v = 0;
	if (len < n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return n;
}

/* One of names, case-sensitively (RFC 9110 5.6.7: "HTTP-date is case sensitive"). Returns the
 * length matched and the 1-based index in *index (if not NULL), or 0. */
static size_t name(const char *s, size_t len, const char *const *names, int count, int *index)
{
	for (int i = 0; i < count; i++) {
		size_t n = strlen(names[i]);
		if (n <= len && memcmp(s, names[i], n) == 0) {
			if (index != NULL)
				*index = i + 1;
			return n;
		}
	}
	return 0;
}

/* One strptime-like conversion of the patterns below. Returns the bytes matched, or 0. */
static size_t conversion(char spec, const char *s, size_t len, int *f)
{
	switch (spec) {
	case 'a': return name(s, len, day_short, 7, NULL);
	case 'A': return name(s, len, day_long, 7, NULL);
	case 'b': return name(s, len, month_short, 12, &f[F_MONTH]);
	case 'd': return digits(s, len, 2, &f[F_DAY]);
	case 'e':   /* asctime's day: ( 2DIGIT / ( SP DIGIT ) ) */
		if (len >= 2 && s[0] == ' ')
			return digits(s + 1, len - 1, 1, &f[F_DAY]) ? 2 : 0;
		return digits(s, len, 2, &f[F_DAY]);
	case 'Y': return digits(s, len, 4, &f[F_YEAR]);
	case 'y':
		f[F_TWO_DIGIT_YEAR] = 1;
		return digits(s, len, 2, &f[F_YEAR]);
	case 'H': return digits(s, len, 2, &f[F_HOUR]);
	case 'M': return digits(s, len, 2, &f[F_MINUTE]);
	case 'S': return digits(s, len, 2, &f[F_SECOND]);
	default: return 0;
	}
}

/* The whole of s must match pat: literal bytes, and %x conversions as above. */
static bool match(const char *pat, const char *s, size_t len, int *f)
{
	size_t i = 0;
	for (; *pat != '\0'; pat++) {
		size_t used;
		if (*pat == '%')
			used = conversion(*++pat, s + i, len - i, f);
		else
			used = i < len && s[i] == *pat;
		if (used == 0)
			return false;
		i += used;
	}
	return i == len;
}

/* RFC 9110 5.6.7: a two-digit year more than 50 years in the future is in the past century. */
static int full_year(int two_digits)
{
	int64_t year;
	int month, day;
	civil_from_days(floor_div((int64_t)time(NULL), SECONDS_PER_DAY), &year, &month, &day);
	int64_t candidate = year - year % 100 + two_digits;   /* this century: the window is */
	if (candidate > year + 50)                              /* (year - 50, year + 50] */
		candidate -= 100;
	else if (candidate <= year - 50)
		candidate += 100;
	return (int)candidate;
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool fields_valid(const int *f)
{
	static const int month_days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int m = f[F_MONTH];
	if (m < 1 || m > 12 || f[F_YEAR] < 0 || f[F_YEAR] > YEAR_MAX)
		return false;
	int days = month_days[m - 1] + (m == 2 && is_leap(f[F_YEAR]));
	/* Second 60 is a leap second, allowed by the grammar's "23:59:60". */
	return f[F_DAY] >= 1 && f[F_DAY] <= days && f[F_HOUR] <= 23 && f[F_MINUTE] <= 59 &&
	       f[F_SECOND] <= 60;
}

int http_date_parse(const char *s, size_t len, int64_t *unix_seconds)
{
	/* IMF-fixdate, then the obsolete RFC 850 and asctime forms (RFC 9110 5.6.7). */
	static const char *const patterns[] = { "%a, %d %b %Y %H:%M:%S GMT",
	                                        "%A, %d-%b-%y %H:%M:%S GMT",
	                                        "%a %b %e %H:%M:%S %Y" };
	for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
		int f[F_COUNT] = { 0 };
		if (!match(patterns[i], s, len, f))
			continue;
		if (f[F_TWO_DIGIT_YEAR])
			f[F_YEAR] = full_year(f[F_YEAR]);
		if (!fields_valid(f))
			return -1;
		*unix_seconds = days_from_civil(f[F_YEAR], f[F_MONTH], f[F_DAY]) * SECONDS_PER_DAY +
		                f[F_HOUR] * 3600 + f[F_MINUTE] * 60 + f[F_SECOND];
		return 0;
	}
	return -1;
}
