/* NFCS io — the Prometheus text exposition format (version 0.0.4), written by hand: Debian has
 * no maintained C client.  The rules kept (https://prometheus.io/docs/instrumenting/exposition_formats/):
 * one HELP and one TYPE line per family, before its samples, and every sample of a family
 * together; label values escape backslash, double quote and newline; HELP text escapes backslash
 * and newline; values are Go floats ("NaN", "+Inf", "-Inf"); a histogram's _bucket series are
 * cumulative, in increasing `le`, and end in le="+Inf" equal to _count; the text ends in a newline. */
#ifndef NFCS_PROM_H
#define NFCS_PROM_H

#include <stddef.h>
#include <stdint.h>

/* A growing text buffer; on allocation failure `failed` is set and the text stops growing. */
typedef struct nfcs_prom_buf {
  char *s;
  size_t len, cap;
  int failed;
} nfcs_prom_buf;

void nfcs_prom_free(nfcs_prom_buf *b);
/* "# HELP name help\n# TYPE name type\n" */
void nfcs_prom_family(nfcs_prom_buf *b, const char *name, const char *type, const char *help);
/* one sample: name{labels} value, where labels is NULL or pairs "k", "v", ..., NULL (values escaped) */
void nfcs_prom_sample(nfcs_prom_buf *b, const char *name, const char *const *labels, double value);
/* a whole histogram family: buckets upper bounds le[0..n) (increasing; +Inf is added), the
 * count of observations <= le[i] in cum[i] (cumulative), the total count and sum */
void nfcs_prom_histogram(nfcs_prom_buf *b, const char *name, const char *help, const double *le, const int64_t *cum, int n,
                         int64_t count, double sum);
/* a value as Prometheus reads it: integers exactly, others with 17 significant digits */
void nfcs_prom_value(char *out, size_t len, double v);

#endif
