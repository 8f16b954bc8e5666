// SPDX-License-Identifier: MIT
/*
 * template: the handout's render_template('main.html') with the one Jinja feature the pages use,
 * "{{ name }}". Values are HTML-escaped unless marked "|safe", as Flask's autoescaping does, so
 * a user name like "<script>" shows up as text and never runs as markup (the lab's XSS lesson).
 *
 * Left out on purpose: blocks, loops, conditions, other filters, "{%" and "{#". Anything that
 * looks like a tag but is not "{{ name }}" or "{{ name|safe }}" is an error (EINVAL), so a typo
 * in a template is found on the first request instead of showing up as raw braces in the page.
 */
#include "template.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "http/url.h"

/* One parsed "{{ name }}" or "{{ name|safe }}". */
struct tag {
	const char *name;
	size_t name_len;
	bool safe;
	size_t len;             /* bytes of the whole tag, braces included */
};

static size_t skip_spaces(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Parse the tag at s[0] == s[1] == '{'. false: unterminated, empty or bad name, other filter. */
static bool parse_tag(const char *s, size_t len, struct tag *t)
{
	size_t i = skip_spaces(s, len, 2);

	t->name = s + i;
	while (i < len && is_name_char(s[i]))
		i++;
	t->name_len = (size_t)(s + i - t->name);
	if (t->name_len == 0 || t->name_len > TEMPLATE_NAME_MAX)
		return false;
	i = skip_spaces(s, len, i);
	t->safe = i < len && s[i] == '|';
	if (t->safe) {
		i = skip_spaces(s, len, i + 1);
		static const char filter[] = "safe";
		size_t filter_len = sizeof filter - 1;
		if (len - i < filter_len || memcmp(s + i, filter, filter_len) != 0)
			return false;
		i = skip_spaces(s, len, i + filter_len);
	}
	if (len - i < 2 || s[i] != '}' || s[i + 1] != '}')
		return false;
	t->len = i + 2;
	return true;
}

static const char *lookup(const struct template_var *vars, size_t n, const struct tag *t)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(vars[i].name, t->name, t->name_len) == 0 &&
		    vars[i].name[t->name_len] == '\0')
			return vars[i].value != NULL ? vars[i].value : "";
	return "";                              /* Jinja's default: unknown renders as nothing */
}

/* Insert one variable's value, escaped (& < > " ') unless the tag says |safe. */
static bool put_value(struct buf *b, const char *value, bool safe)
{
	return safe ? buf_puts(b, value) : url_html_escape(b, value, strlen(value));
}

/* Where the next "{{" starts, or len. A lone '{' or '}' is text. */
static size_t next_tag(const char *s, size_t len, size_t i)
{
	for (; i + 1 < len; i++)
		if (s[i] == '{' && s[i + 1] == '{')
			return i;
	return len;
}

/* Leave an empty string behind, so a caller that ignores -1 sends no half-rendered page. */
static int fail(char *out, size_t outlen, int err)
{
	if (outlen > 0)
		out[0] = '\0';
	errno = err;
	return -1;
}

int template_render(const char *tpl, size_t len, const struct template_var *vars, size_t nvars,
                    char *out, size_t outlen)
{
	struct buf b;
	size_t i = 0;

	if (outlen == 0)
		return fail(out, outlen, ENAMETOOLONG);
	buf_init(&b, out, outlen);
	while (i < len) {
		size_t tag = next_tag(tpl, len, i);
		struct tag t;

		if (!buf_append(&b, tpl + i, tag - i))
			return fail(out, outlen, ENAMETOOLONG);
		if (tag == len)
			break;
		if (!parse_tag(tpl + tag, len - tag, &t))
			return fail(out, outlen, EINVAL);
		if (!put_value(&b, lookup(vars, nvars, &t), t.safe))
			return fail(out, outlen, ENAMETOOLONG);
		i = tag + t.len;
	}
	if (b.len > INT_MAX)
		return fail(out, outlen, ENAMETOOLONG);
	return (int)b.len;
}

/* Read the whole regular file fd into a new buffer; bounded by TEMPLATE_FILE_MAX. */
static char *read_all(int fd, size_t *len)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return NULL;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return NULL;
	}
	if (st.st_size > TEMPLATE_FILE_MAX) {
		errno = EFBIG;
		return NULL;
	}
	size_t size = (size_t)st.st_size, n = 0;
	char *buf = malloc(size + 1);
	while (buf != NULL && n < size) {
		ssize_t r = read(fd, buf + n, size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;                      /* the file shrank meanwhile: take what is there */
		n += (size_t)r;
	}
	if (buf != NULL) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

/*
 * Jinja's loader rules, so a page saved on Windows renders as Flask renders it: every line end
 * (CRLF, CR or LF) becomes LF, and one line end at the very end is dropped (keep_trailing_newline
 * is off by default). Returns the new length; text stays NUL-terminated.
 */
static size_t jinja_line_ends(char *text, size_t len)
{
	size_t out = 0;

	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\r') {
			if (i + 1 < len && text[i + 1] == '\n')
				i++;
			text[out++] = '\n';
		} else {
			text[out++] = text[i];
		}
	}
	if (out > 0 && text[out - 1] == '\n')
		out--;
	text[out] = '\0';
	return out;
}

char *template_load(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	char *buf = read_all(fd, len);
	int saved = errno;
	close(fd);
	if (buf != NULL)
		*len = jinja_line_ends(buf, *len);
	errno = saved;
	return buf;
}
