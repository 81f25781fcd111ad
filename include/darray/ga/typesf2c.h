/* darray's Global Arrays compatibility layer: Fortran-interoperability types.
 * Our own text, declaring the names GA's C programs use. Integer is the
 * Fortran INTEGER of a 64-bit GA build (8 bytes), as GA configures it by
 * default on 64-bit platforms; MT_F_INT arrays hold Integers. */
#ifndef DARRAY_GA_TYPESF2C_H
#define DARRAY_GA_TYPESF2C_H

typedef long Integer;
typedef int C_Integer;
typedef Integer logical;
typedef long C_Long;
typedef float Real;
typedef double DoublePrecision;

typedef struct {
    double real;
    double imag;
} DoubleComplex;

typedef struct {
    float real;
    float imag;
} SingleComplex;

#endif
