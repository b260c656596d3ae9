/* The Prometheus text exposition format (nfcs_prom.h). */
#include "nfcs_prom.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(nfcs_prom_buf *b, const char *s, size_t n) {
  if (b->failed) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (b->len + n + 1 > cap) cap *= 2;
    char *t = realloc(b->s, cap);
    if (!t) {
      b->failed = 1;
      return;
    }
    b->s = t;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void puts_(nfcs_prom_buf *b, const char *s) { put(b, s, strlen(s)); }

/* s with \ and newline escaped (and " too for label values) */
static void escaped(nfcs_prom_buf *b, const char *s, int quote) {
  for (; *s; s++) {
    if (*s == '\\') puts_(b, "\\\\");
    else if (*s == '\n') puts_(b, "\\n");
    else if (quote && *s == '"') puts_(b, "\\\"");
    else put(b, s, 1);
  }
}

void nfcs_prom_free(nfcs_prom_buf *b) {
  free(b->s);
  memset(b, 0, sizeof *b);
}

void nfcs_prom_value(char *out, size_t len, double v) {
  if (isnan(v)) snprintf(out, len, "NaN");
  else if (isinf(v)) snprintf(out, len, v > 0 ? "+Inf" : "-Inf");
  else if (v == floor(v) && fabs(v) < 9007199254740992.0) snprintf(out, len, "%.0f", v);
  else {
    /* the shortest of 15..17 digits that reads back as v */
    for (int digits = 15; digits <= 17; digits++) {
      snprintf(out, len, "%.*g", digits, v);
      if (strtod(out, NULL) == v) break;
    }
  }
}

void nfcs_prom_family(nfcs_prom_buf *b, const char *name, const char *type, const char *help) {
  puts_(b, "# HELP ");
  puts_(b, name);
  puts_(b, " ");
  escaped(b, help, 0);
  puts_(b, "\n# TYPE ");
  puts_(b, name);
  puts_(b, " ");
  puts_(b, type);
  puts_(b, "\n");
}

void nfcs_prom_sample(nfcs_prom_buf *b, const char *name, const char *const *labels, double value) {
  puts_(b, name);
  if (labels && labels[0]) {
    puts_(b, "{");
    for (int i = 0; labels[i] && labels[i + 1]; i += 2) {
      if (i) puts_(b, ",");
      puts_(b, labels[i]);
      puts_(b, "=\"");
      escaped(b, labels[i + 1], 1);
      puts_(b, "\"");
    }
    puts_(b, "}");
  }
  char v[40];
  nfcs_prom_value(v, sizeof v, value);
  puts_(b, " ");
  puts_(b, v);
  puts_(b, "\n");
}

void nfcs_prom_histogram(nfcs_prom_buf *b, const char *name, const char *help, const double *le, const int64_t *cum, int n,
                         int64_t count, double sum) {
  nfcs_prom_family(b, name, "histogram", help);
  char series[160], bound[40];
  snprintf(series, sizeof series, "%s_bucket", name);
  for (int i = 0; i < n; i++) {
    nfcs_prom_value(bound, sizeof bound, le[i]);
    const char *l[] = {"le", bound, NULL};
    nfcs_prom_sample(b, series, l, (double)cum[i]);
  }
  const char *inf[] = {"le", "+Inf", NULL};
  nfcs_prom_sample(b, series, inf, (double)count);
  snprintf(series, sizeof series, "%s_sum", name);
  nfcs_prom_sample(b, series, NULL, sum);
  snprintf(series, sizeof series, "%s_count", name);
  nfcs_prom_sample(b, series, NULL, (double)count);
}
