/* Internal: the data-movement engine, shared by boxes and selections. */
#ifndef DA_LIB_RMA_H
#define DA_LIB_RMA_H

#include "array.h"
#include "darray/request.h"
#include "dist.h"

typedef enum { DIR_GET, DIR_PUT, DIR_ACC } da_dir_t;

/* Moves the selection sel[ndim] (validated by the caller) between buf and
   the array. ld as for da_put (NULL: dense). A put keeps, of positions
   naming one element, only the last. req NULL: blocking. */
int da_transfer(da_array_t *a, da_dir_t dir, da_op_t op, const void *alpha, const da_dimsel_t *sel,
                const void *buf, const int64_t *ld, da_request_t *req);

#endif
