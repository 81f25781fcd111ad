/* darray: distributed arrays on MPI-3 one-sided communication.
   The one public header; topic headers live under darray/. */
#ifndef DARRAY_H
#define DARRAY_H

#include "darray/error.h"
#include "darray/dist.h"
#include "darray/array.h"
#include "darray/coll.h"
#include "darray/io.h"
#include "darray/request.h"
#include "darray/gather.h"
#include "darray/select.h"
#include "darray/atomic.h"
#include "darray/mutex.h"
#include "darray/progress.h"

#endif
