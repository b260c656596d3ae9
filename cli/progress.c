#include "progress.h"

#include <stdio.h>
#include <unistd.h>

void cli_progress_init(cli_progress *p, int quiet) {
  p->tty = isatty(STDERR_FILENO);
  p->quiet = quiet;
  p->last_print_wall = -1e9;
  p->last_fraction = -1;
}

static void fmt_eta(char *buf, size_t len, double s) {
  if (s < 0 || s > 1e7) snprintf(buf, len, "--");
  else if (s < 60) snprintf(buf, len, "%.0fs", s);
  else if (s < 3600) snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)s % 60);
  else snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
}

void cli_progress_update(void *user, const nfcs_progress *pr) {
  cli_progress *p = user;
  if (p->quiet) return;
  double frac = pr->t_end > 0 ? pr->t / pr->t_end : 1.0;
  if (frac > 1) frac = 1;
  double rate = pr->wall_s > 0 ? (double)pr->steps / pr->wall_s : 0;
  double eta = frac > 0 ? pr->wall_s * (1 - frac) / frac : -1;
  char etas[32];
  fmt_eta(etas, sizeof etas, eta);
  if (p->tty) {
    if (!pr->done && pr->wall_s - p->last_print_wall < 0.1) return;
    p->last_print_wall = pr->wall_s;
    const int width = 30;
    int fill = (int)(frac * width + 0.5);
    char bar[64];
    for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r[%s] %3.0f%%  t = %-10.4g  %8.0f steps/s  ETA %-8s", bar, 100 * frac, pr->t, rate, etas);
    if (pr->done) fputc('\n', stderr);
    fflush(stderr);
  } else {
    if (!pr->done && pr->wall_s - p->last_print_wall < 5.0 && frac - p->last_fraction < 0.25) return;
    p->last_print_wall = pr->wall_s;
    p->last_fraction = frac;
    fprintf(stderr, "nfcs: progress: t = %.6g of %.6g (%.0f%%), %lld steps, %.0f steps/s, ETA %s\n", pr->t, pr->t_end,
            100 * frac, (long long)pr->steps, rate, etas);
  }
}
