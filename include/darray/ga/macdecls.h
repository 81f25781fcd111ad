/* darray's Global Arrays compatibility layer: MA (memory allocator) names.
 * darray allocates array memory itself (MPI windows); the MA calls programs
 * make around GA_Initialize are accepted and recorded, and MA_sizeof
 * answers. See docs/ga-migration.md. */
#ifndef DARRAY_GA_MACDECLS_H
#define DARRAY_GA_MACDECLS_H

#include "typesf2c.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef Integer Boolean;

#define MA_FALSE 0
#define MA_TRUE 1
#define MA_DEFAULT_SPACE (-1)
#define MA_NAMESIZE 32

/* Type codes, with GA's values. */
#define MT_BASE 1000
#define MT_C_CHAR (MT_BASE + 0)
#define MT_C_INT (MT_BASE + 1)
#define MT_C_LONGINT (MT_BASE + 2)
#define MT_C_FLOAT (MT_BASE + 3)
#define MT_C_DBL (MT_BASE + 4)
#define MT_C_LDBL (MT_BASE + 5)
#define MT_C_SCPL (MT_BASE + 6)
#define MT_C_DCPL (MT_BASE + 7)
#define MT_C_LDCPL (MT_BASE + 8)
#define MT_F_BYTE (MT_BASE + 9)
#define MT_F_INT (MT_BASE + 10)
#define MT_F_LOG (MT_BASE + 11)
#define MT_F_REAL (MT_BASE + 12)
#define MT_F_DBL (MT_BASE + 13)
#define MT_F_SCPL (MT_BASE + 14)
#define MT_F_DCPL (MT_BASE + 15)
#define MT_C_LONGLONG (MT_BASE + 16)
#define MT_FIRST MT_C_CHAR
#define MT_LAST MT_C_LONGLONG
#define MT_NUMTYPES (MT_LAST - MT_FIRST + 1)

/* Accepted and recorded; always MA_TRUE. */
Boolean MA_init(Integer datatype, Integer nominal_stack, Integer nominal_heap);
Boolean MA_initialized(void);
Boolean MA_set_auto_verify(Boolean value);
Boolean MA_set_error_print(Boolean value);
Boolean MA_set_hard_fail(Boolean value);
Boolean MA_verify_allocator_stuff(void);
void MA_summarize_allocated_blocks(void);
void MA_print_stats(Boolean printroutines);
/* Bytes of nelem1 elements of datatype1, in elements of datatype2 (rounded up). */
Integer MA_sizeof(Integer datatype1, Integer nelem1, Integer datatype2);
/* MA_inquire_avail / MA_inquire_heap / MA_inquire_stack: a large number
   (darray does not draw array memory from MA). */
Integer MA_inquire_avail(Integer datatype);
Integer MA_inquire_heap(Integer datatype);
Integer MA_inquire_stack(Integer datatype);

#ifdef __cplusplus
}
#endif
#endif
