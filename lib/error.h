/* Internal: raising errors with a detailed, thread-local message. */
#ifndef DA_LIB_ERROR_H
#define DA_LIB_ERROR_H

#include "darray/error.h"

/* Records a printf-style detail message for da_last_error() and returns code,
   so a check reads: if (bad) return da_error(DA_ERR_BOUNDS, "lo[%d] = %ld", ...); */
int da_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
