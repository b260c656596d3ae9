/* Progress on stderr: a bar on a terminal, periodic plain lines otherwise. */
#ifndef NFCS_CLI_PROGRESS_H
#define NFCS_CLI_PROGRESS_H

#include "nfcs/nfcs.h"

typedef struct cli_progress {
  int tty, quiet;
  double last_print_wall;
  double last_fraction;
} cli_progress;

void cli_progress_init(cli_progress *p, int quiet);
void cli_progress_update(void *user, const nfcs_progress *pr);

#endif
