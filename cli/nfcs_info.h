#ifndef NFCS_CLI_INFO_H
#define NFCS_CLI_INFO_H
#include <stdio.h>
int nfcs_info_build(FILE *f);
int nfcs_info_params(FILE *f, int markdown);

#endif
