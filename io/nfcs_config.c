/* YAML config (libfyaml) into the parameter table.  The walk collects every error, each with the
 * file, line and column, the dotted key and what was expected. */
#include <errno.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs_io.h"
#include "nfcs_module.h"

typedef struct walk {
  const char *file;
  nfcs_params *p;
  nfcs_diags *d;
  int bad;
} walk;

static void mark_of(struct fy_node *n, int *line, int *col) {
  *line = 1;
  *col = 1;
  if (!n) return;
  struct fy_token *t = fy_node_get_scalar_token(n);
  if (!t) return;
  const struct fy_mark *m = fy_token_start_mark(t);
  if (!m) return;
  *line = m->line + 1;
  *col = m->column + 1;
}

#define WERR(w, line, col, key, ...)                                                             \
  do {                                                                                           \
    char m_[512];                                                                                \
    snprintf(m_, sizeof m_, __VA_ARGS__);                                                        \
    nfcs_diags_add((w)->d, NFCS_ERR_CONFIG, "%s:%d:%d: error: %s: %s", (w)->file, line, col, key, m_); \
    (w)->bad = 1;                                                                                \
  } while (0)

static int levenshtein(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63) return 99;
  int prev[64], cur[64];
  for (size_t j = 0; j <= lb; j++) prev[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    cur[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int c = prev[j - 1] + (a[i - 1] != b[j - 1]);
      if (prev[j] + 1 < c) c = prev[j] + 1;
      if (cur[j - 1] + 1 < c) c = cur[j - 1] + 1;
      cur[j] = c;
    }
    memcpy(prev, cur, sizeof(int) * (lb + 1));
  }
  return prev[lb];
}

/* A close key of the table for "did you mean". */
static const char *suggest(const char *full) {
  size_t n;
  const nfcs_param_def *t = nfcs_param_table(&n);
  const char *best = NULL;
  int bestd = 4;
  for (size_t i = 0; i < n; i++) {
    int d = levenshtein(full, t[i].key);
    if (d < bestd) { bestd = d; best = t[i].key; }
  }
  return best;
}

/* The whole text of a scalar, never cut (malloc'd; the caller frees it; NULL only when out of
 * memory), and whether it was quoted.  *nul: it holds a NUL character (possible in a double-quoted
 * YAML string), which no key or value may: it would end the text early. */
static char *scalar_dup(struct fy_node *n, int *quoted, int *nul) {
  size_t l = 0;
  const char *s = n ? fy_node_get_scalar(n, &l) : NULL;
  if (!s) s = "", l = 0;
  char *out = malloc(l + 1);
  if (!out) return NULL;
  memcpy(out, s, l);
  out[l] = '\0';
  if (nul) *nul = strlen(out) != l;
  const enum fy_node_style st = n ? fy_node_get_style(n) : FYNS_PLAIN;
  *quoted = st == FYNS_SINGLE_QUOTED || st == FYNS_DOUBLE_QUOTED || st == FYNS_LITERAL || st == FYNS_FOLDED;
  return out;
}

/* a plain empty value (`key:`, `~`, `null`)? */
static int node_is_null(struct fy_node *n);

static int is_null(struct fy_node *n, const char *text, int quoted) {
  if (!n) return 1;
  if (quoted) return 0;
  return !text[0] || !strcmp(text, "~") || !strcmp(text, "null") || !strcmp(text, "Null") || !strcmp(text, "NULL");
}

static int node_is_null(struct fy_node *n) {
  if (!n) return 1;
  if (!fy_node_is_scalar(n)) return 0;
  int q;
  char *t = scalar_dup(n, &q, NULL);
  const int r = t && is_null(n, t, q);
  free(t);
  return r;
}

/* YAML aliases (*name) and merge keys are refused, everywhere in the document, each at its place:
 * a config says every value where it applies (and expanding aliases is how a few lines of YAML
 * become gigabytes). */
static int refuse_aliases(walk *w, struct fy_node *n, int depth) {
  if (!n) return 0;
  if (depth > 64) {
    int l, c;
    mark_of(n, &l, &c);
    WERR(w, l, c, "(structure)", "nested deeper than 64 levels");
    return 1;
  }
  if (fy_node_is_alias(n)) {
    int l = 1, c = 1;
    const struct fy_mark *m = fy_token_start_mark(fy_node_get_scalar_token(n));
    if (m) l = m->line + 1, c = m->column + 1;
    WERR(w, l, c, "(alias)", "YAML aliases (*%s) are not supported: write the value itself", fy_node_get_scalar0(n) ? fy_node_get_scalar0(n) : "");
    return 1;
  }
  int bad = 0;
  void *it = NULL;
  if (fy_node_is_mapping(n)) {
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(n, &it)))
      bad |= refuse_aliases(w, fy_node_pair_key(pair), depth + 1) | refuse_aliases(w, fy_node_pair_value(pair), depth + 1);
  } else if (fy_node_is_sequence(n)) {
    struct fy_node *el;
    while ((el = fy_node_sequence_iterate(n, &it))) bad |= refuse_aliases(w, el, depth + 1);
  }
  return bad;
}

/* does the named-reals or named-points row d already hold an entry of this name? */
static int named_has(const nfcs_params *p, const nfcs_param_def *d, const char *name) {
  const void *at = (const char *)p + d->offset;
  if (d->type == NFCS_PT_NAMED_REALS) {
    const nfcs_named_reals *h = at;
    for (int i = 0; i < h->n; i++)
      if (!strcmp(h->name[i], name)) return 1;
  } else {
    const nfcs_named_points *h = at;
    for (int i = 0; i < h->n; i++)
      if (!strcmp(h->name[i], name)) return 1;
  }
  return 0;
}

static void set_origin(walk *w, const nfcs_param_def *d, int line, int col) {
  size_t i = nfcs_param_index(d);
  w->p->origin[i] = 1;
  w->p->loc_line[i] = line;
  w->p->loc_col[i] = col;
}

static void walk_value(walk *w, const char *full, struct fy_node *key, struct fy_node *val);

static void walk_mapping(walk *w, const char *prefix, struct fy_node *map) {
  void *it = NULL;
  struct fy_node_pair *pair;
  /* duplicate keys: remember each key of this mapping with its line */
  struct seen { char key[128]; int line; } *seen = NULL;
  int nseen = 0, cap = 0;
  while ((pair = fy_node_mapping_iterate(map, &it))) {
    struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
    int line, col;
    mark_of(k, &line, &col);
    if (!k || !fy_node_is_scalar(k)) {
      WERR(w, line, col, prefix[0] ? prefix : "(top level)", "expected a plain key (name: value)");
      continue;
    }
    int kq, knul;
    char *ktext = scalar_dup(k, &kq, &knul);
    if (!ktext) break;
    if (knul || strlen(ktext) >= 128) {
      WERR(w, line, col, prefix[0] ? prefix : "(top level)", "%s", knul ? "a key holding a NUL character" : "a key longer than any key of the config");
      free(ktext);
      continue;
    }
    char kbuf[128];
    snprintf(kbuf, sizeof kbuf, "%s", ktext);
    free(ktext);
    char full[256];
    if (prefix[0]) snprintf(full, sizeof full, "%s.%s", prefix, kbuf);
    else snprintf(full, sizeof full, "%s", kbuf);
    int dup = 0;
    for (int i = 0; i < nseen; i++)
      if (!strcmp(seen[i].key, kbuf)) {
        WERR(w, line, col, full, "duplicate key (first given at line %d)", seen[i].line);
        dup = 1;
        break;
      }
    if (dup) continue;
    if (nseen == cap) {
      cap = cap ? 2 * cap : 16;
      struct seen *s2 = realloc(seen, sizeof *seen * (size_t)cap);
      if (!s2) break;
      seen = s2;
    }
    snprintf(seen[nseen].key, sizeof seen[nseen].key, "%s", kbuf);
    seen[nseen++].line = line;
    walk_value(w, full, k, v);
  }
  free(seen);
}

static void walk_value(walk *w, const char *full, struct fy_node *key, struct fy_node *val) {
  int kline, kcol, vline, vcol;
  mark_of(key, &kline, &kcol);
  mark_of(val, &vline, &vcol);
  if (val && !fy_node_is_scalar(val)) { vline = kline; vcol = kcol; }
  const char *entry = NULL;
  const nfcs_param_def *d = nfcs_param_find(full, &entry);
  nfcs_params_set_present(w->p, full, 1); /* a module's section (nothing for other names) */
  if (!d || entry) {
    if (!d && nfcs_param_is_section(full)) {
      if (!val) return;
      if (fy_node_is_mapping(val)) { walk_mapping(w, full, val); return; }
      if (node_is_null(val)) return; /* empty section */
      WERR(w, kline, kcol, full, "expected a section (a mapping of keys)");
      return;
    }
    const char *s = suggest(full);
    if (s) WERR(w, kline, kcol, full, "unknown key (did you mean %s?)", s);
    else WERR(w, kline, kcol, full, "unknown key (nfcs info --params lists every key)");
    return;
  }
  char err[512];
  int quoted = 0;
  switch (d->type) {
  case NFCS_PT_NAMED_REALS:
  case NFCS_PT_NAMED_POINTS: {
    /* a mapping name -> value (a number, or a point's list of coordinates) */
    const int points = d->type == NFCS_PT_NAMED_POINTS;
    if (node_is_null(val)) {
      nfcs_param_clear_named(w->p, d);
      set_origin(w, d, kline, kcol);
      return;
    }
    if (!fy_node_is_mapping(val)) {
      WERR(w, kline, kcol, full, "expected a mapping %s", points ? "name: [x, y]" : "name: frequency");
      return;
    }
    nfcs_param_clear_named(w->p, d);
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(val, &it))) {
      struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
      int l, c;
      mark_of(k, &l, &c);
      char sub[300];
      int q = 0, nul = 0;
      if (!k || !fy_node_is_scalar(k)) { WERR(w, l, c, full, "expected a name"); continue; }
      char *name = scalar_dup(k, &q, &nul);
      if (!name) break;
      snprintf(sub, sizeof sub, "%s.%.128s", full, name);
      if (nul || strlen(name) >= NFCS_NAME_MAX) {
        WERR(w, l, c, sub, "expected a name of at most %d characters%s", NFCS_NAME_MAX - 1, nul ? " and no NUL character" : "");
        free(name);
        continue;
      }
      int vl = l, vc = c;
      if (v) mark_of(v, &vl, &vc);
      if (named_has(w->p, d, name)) {
        WERR(w, l, c, sub, "duplicate key");
        free(name);
        continue;
      }
      if (!points) {
        char *text = v && fy_node_is_scalar(v) ? scalar_dup(v, &q, &nul) : NULL;
        if (!v || !fy_node_is_scalar(v)) WERR(w, l, c, sub, "expected a number");
        else if (!text || is_null(v, text, q)) WERR(w, vl, vc, sub, "expected a number, got nothing");
        else if (nfcs_param_set_named(w->p, d, name, text, q || nul, err, sizeof err)) WERR(w, vl, vc, sub, "%s", err);
        free(text);
        free(name);
        continue;
      }
      if (!v || !fy_node_is_sequence(v)) {
        WERR(w, vl, vc, sub, "expected a list of %d to %d coordinates, e.g. [1.0, -2.5]", d->min_count, d->max_count);
        free(name);
        continue;
      }
      const char *items[8];
      int qs[8];
      char *store[8] = {0};
      int n = 0, badel = 0;
      void *it2 = NULL;
      struct fy_node *el;
      while ((el = fy_node_sequence_iterate(v, &it2))) {
        int el_l, el_c, enul = 0;
        mark_of(el, &el_l, &el_c);
        if (!fy_node_is_scalar(el)) { WERR(w, el_l, el_c, sub, "expected a number as coordinate"); badel = 1; continue; }
        if (n < 8) {
          store[n] = scalar_dup(el, &qs[n], &enul);
          qs[n] |= enul; /* a NUL inside: not a number */
          items[n] = store[n] ? store[n] : "";
        }
        n++;
      }
      if (!badel && n > 8) WERR(w, vl, vc, sub, "expected %d to %d coordinates, got %d", d->min_count, d->max_count, n);
      else if (!badel && nfcs_param_set_named_point(w->p, d, name, items, qs, n, err, sizeof err)) WERR(w, vl, vc, sub, "%s", err);
      for (int i = 0; i < 8; i++) free(store[i]);
      free(name);
    }
    set_origin(w, d, kline, kcol);
    return;
  }
  case NFCS_PT_REAL_LIST:
  case NFCS_PT_INT_LIST: {
    if (!val || !fy_node_is_sequence(val)) {
      WERR(w, vline, vcol, full, "expected a list of %d to %d numbers, e.g. [%s]", d->min_count, d->max_count,
           d->type == NFCS_PT_INT_LIST ? "128, 128" : "10.0, 10.0");
      return;
    }
    const char *items[8];
    int qs[8];
    char *store[8] = {0};
    int k = 0, badel = 0;
    void *it = NULL;
    struct fy_node *el;
    while ((el = fy_node_sequence_iterate(val, &it))) {
      int l, c, enul = 0;
      mark_of(el, &l, &c);
      if (!fy_node_is_scalar(el)) { WERR(w, l, c, full, "expected a number as list entry"); badel = 1; continue; }
      if (k < 8) {
        store[k] = scalar_dup(el, &qs[k], &enul);
        qs[k] |= enul; /* a NUL inside: not a number */
        items[k] = store[k] ? store[k] : "";
      }
      k++;
    }
    if (badel) {
    } else if (k > 8) {
      WERR(w, vline, vcol, full, "expected at most %d entries, got %d", d->max_count, k);
    } else if (nfcs_param_set_list(w->p, d, items, qs, k, err, sizeof err)) {
      WERR(w, vline, vcol, full, "%s", err);
    } else {
      set_origin(w, d, vline, vcol);
    }
    for (int i = 0; i < 8; i++) free(store[i]);
    return;
  }
  default: {
    if (val && !fy_node_is_scalar(val)) {
      WERR(w, kline, kcol, full, "expected a single value, got a %s", fy_node_is_mapping(val) ? "mapping" : "list");
      return;
    }
    int nul = 0;
    char *buf = scalar_dup(val, &quoted, &nul);
    if (!buf) {
      WERR(w, vline, vcol, full, "out of memory");
      return;
    }
    if (nul) {
      WERR(w, vline, vcol, full, "expected a value without NUL characters");
    } else if (d->type != NFCS_PT_STRING && is_null(val, buf, quoted)) {
      WERR(w, vline, vcol, full, "expected a value, got nothing");
    } else {
      if (d->type == NFCS_PT_STRING && is_null(val, buf, quoted)) buf[0] = '\0';
      /* strings that happen to look like numbers are fine for string keys */
      if (nfcs_param_set_text(w->p, d, buf, d->type == NFCS_PT_ENUM || d->type == NFCS_PT_STRING ? 0 : quoted, err, sizeof err))
        WERR(w, vline, vcol, full, "%s", err);
      else set_origin(w, d, vline, vcol);
    }
    free(buf);
  }
  }
}

static int load_doc(const char *name, struct fy_document *doc, struct fy_diag *diag, nfcs_params *p, nfcs_diags *d) {
  walk w = {.file = name, .p = p, .d = d};
  if (!doc) {
    void *it = NULL;
    struct fy_diag_error *e;
    int any = 0;
    while ((e = fy_diag_errors_iterate(diag, &it))) {
      nfcs_diags_add(d, NFCS_ERR_CONFIG, "%s:%d:%d: error: (YAML syntax): %s", name, e->line, e->column + 1, e->msg);
      any = 1;
    }
    if (!any) nfcs_diags_add(d, NFCS_ERR_CONFIG, "%s:1:1: error: (YAML syntax): the file is not valid YAML", name);
    return NFCS_ERR_CONFIG;
  }
  struct fy_node *root = fy_document_root(doc);
  char sections[256] = ""; /* the modules' sections, as examples */
  size_t nmod;
  const nfcs_module_type *const *mods = nfcs_modules(&nmod);
  for (size_t m = 0; m < nmod; m++)
    snprintf(sections + strlen(sections), sizeof sections - strlen(sections), "%s%s:", m ? ", " : "", mods[m]->name);
  if (!root) {
    nfcs_diags_add(d, NFCS_ERR_CONFIG, "%s:1:1: error: (top level): the file is empty; expected sections such as %s", name, sections);
    return NFCS_ERR_CONFIG;
  }
  if (!fy_node_is_mapping(root)) {
    nfcs_diags_add(d, NFCS_ERR_CONFIG, "%s:1:1: error: (top level): expected a mapping of sections (%s, ...)", name, sections);
    return NFCS_ERR_CONFIG;
  }
  if (refuse_aliases(&w, root, 0)) return NFCS_ERR_CONFIG;
  walk_mapping(&w, "", root);
  return w.bad ? NFCS_ERR_CONFIG : NFCS_OK;
}

static struct fy_diag *make_diag(void) {
  struct fy_diag_cfg dcfg;
  fy_diag_cfg_default(&dcfg);
  dcfg.fp = NULL;
  dcfg.output_fn = NULL;
  dcfg.colorize = false;
  struct fy_diag *diag = fy_diag_create(&dcfg);
  if (diag) fy_diag_set_collect_errors(diag, true);
  return diag;
}

/* YAML is text: valid UTF-8 without NUL and without control characters but tab, newline and
 * carriage return (YAML 1.2, c-printable).  Directive lines ("%YAML", "%TAG") are not taken either:
 * a config needs none, and libfyaml 0.7's directive scanner loops forever on malformed ones (found
 * by tests/fuzz).  All checked before the parser sees the text. */
static int utf8_length(const unsigned char *s, size_t left) {
  const unsigned char c = s[0];
  int n;
  unsigned cp;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) n = 2, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef) n = 3, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4) n = 4, cp = c & 0x07;
  else return 0;
  if ((size_t)n > left) return 0;
  for (int i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

static int check_text(const char *name, const char *text, size_t len, nfcs_diags *d) {
  int line = 1, col = 1;
  const unsigned char *u = (const unsigned char *)text;
  for (size_t i = 0; i < len;) {
    const unsigned char c = u[i];
    if (c == '\n') {
      line++;
      col = 1;
      i++;
      continue;
    }
    if (c == '%' && col == 1) {
      nfcs_diags_add(d, NFCS_ERR_CONFIG, "%s:%d:1: error: (YAML syntax): YAML directives (%%...) are not supported in a config", name, line);
      return NFCS_ERR_CONFIG;
    }
    if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
      nfcs_diags_add(d, NFCS_ERR_CONFIG, "%s:%d:%d: error: (YAML syntax): the control character 0x%02x is not allowed in a config",
                     name, line, col, c);
      return NFCS_ERR_CONFIG;
    }
    const int n = utf8_length(u + i, len - i);
    if (!n) {
      nfcs_diags_add(d, NFCS_ERR_CONFIG, "%s:%d:%d: error: (YAML syntax): the byte 0x%02x is not valid UTF-8", name, line, col, c);
      return NFCS_ERR_CONFIG;
    }
    i += (size_t)n;
    col++;
  }
  return NFCS_OK;
}

static int load_text(const char *name, const char *text, size_t len, nfcs_params *p, nfcs_diags *d) {
  NFCS_CHECK(check_text(name, text, len, d));
  struct fy_diag *diag = make_diag();
  struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_DEFAULT_PARSE | FYPCF_ALLOW_DUPLICATE_KEYS, .diag = diag};
  struct fy_document *doc = fy_document_build_from_string(&cfg, text, len);
  int rc = load_doc(name, doc, diag, p, d);
  if (doc) fy_document_destroy(doc);
  if (diag) fy_diag_destroy(diag);
  return rc;
}

int nfcs_config_load(const char *path, nfcs_params *p, nfcs_diags *d) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    nfcs_diags_add(d, NFCS_ERR_NOINPUT, "%s: error: cannot open the config file: %s", path, strerror(errno));
    return NFCS_ERR_NOINPUT;
  }
  /* the whole file (a config is small; more than 64 MiB is not one) */
  size_t cap = 65536, len = 0;
  char *text = malloc(cap);
  int rc = NFCS_OK;
  while (text) {
    len += fread(text + len, 1, cap - len, f);
    if (len < cap) break;
    if (cap >= ((size_t)64 << 20)) {
      nfcs_diags_add(d, NFCS_ERR_CONFIG, "%s:1:1: error: (top level): a config file of more than 64 MiB", path);
      rc = NFCS_ERR_CONFIG;
      break;
    }
    char *t2 = realloc(text, cap *= 2);
    if (!t2) { free(text); text = NULL; }
    else text = t2;
  }
  const int read_error = ferror(f);
  fclose(f);
  if (!text) {
    nfcs_diags_add(d, NFCS_ERR_NOMEM, "%s: error: out of memory reading the config file", path);
    return NFCS_ERR_NOMEM;
  }
  if (!rc && read_error) {
    nfcs_diags_add(d, NFCS_ERR_NOINPUT, "%s: error: cannot read the config file", path);
    rc = NFCS_ERR_NOINPUT;
  }
  if (!rc) {
    snprintf(p->config_path, sizeof p->config_path, "%s", path);
    const char *slash = strrchr(path, '/');
    if (slash) snprintf(p->config_dir, sizeof p->config_dir, "%.*s", (int)(slash - path), path);
    else snprintf(p->config_dir, sizeof p->config_dir, ".");
    if (slash == path) snprintf(p->config_dir, sizeof p->config_dir, "/");
    rc = load_text(path, text, len, p, d);
  }
  free(text);
  return rc;
}

int nfcs_config_load_string(const char *name, const char *text, nfcs_params *p, nfcs_diags *d) {
  snprintf(p->config_path, sizeof p->config_path, "%s", name);
  snprintf(p->config_dir, sizeof p->config_dir, ".");
  return load_text(name, text, strlen(text), p, d);
}
