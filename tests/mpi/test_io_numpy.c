/* The darray side of tests/mpi/npy_check.py (files exchanged with NumPy).
 *
 *   test_io_numpy write DIR   save one array per case into DIR/c_NAME.npy
 *   test_io_numpy read DIR    load DIR/py_NAME.npy (written by NumPy) and check
 *                             every element, plus DIR/bad_*.npy rejected
 *
 * Element values are a formula of the linear index i that the script
 * computes too (value_of below and value() in npy_check.py).
 */
#include <dirent.h>

#include "test_coll_util.h"

typedef struct {
    const char *name;
    da_type_t type;
    size_t es;
    int ndim;
    int64_t shape[3];
    da_dist_kind_t kind;
} case_t;

static const case_t cases[] = {
    {"i4", DA_INT32, 4, 2, {5, 7}, DA_DIST_CYCLIC},
    {"i8", DA_INT64, 8, 1, {13}, DA_DIST_BLOCK_CYCLIC},
    {"f4", DA_FLOAT, 4, 3, {3, 4, 5}, DA_DIST_BLOCK},
    {"f8", DA_DOUBLE, 8, 2, {9, 4}, DA_DIST_UNSTRUCTURED},
    {"c8", DA_COMPLEX_FLOAT, 8, 2, {4, 3}, DA_DIST_IRREGULAR},
    {"c16", DA_COMPLEX_DOUBLE, 16, 1, {10}, DA_DIST_CYCLIC},
    {"V3", DA_OPAQUE, 3, 2, {6, 2}, DA_DIST_BLOCK_GA},
};
#define NCASES ((int)(sizeof cases / sizeof cases[0]))

static void value_of(const case_t *c, int64_t i, void *out)
{
    switch (c->type) {
    case DA_INT32: *(int32_t *)out = (int32_t)(i * 7 - 50); break;
    case DA_INT64: *(int64_t *)out = i * 1000000007LL - 7; break;
    case DA_FLOAT: *(float *)out = (float)i * 0.25f - 3; break;
    case DA_DOUBLE: *(double *)out = (double)i * 0.5 - 1; break;
    case DA_COMPLEX_FLOAT: *(float complex *)out = CMPLXF((float)i * 0.25f, -(float)i); break;
    case DA_COMPLEX_DOUBLE: *(double complex *)out = CMPLX((double)i, 0.5 * (double)i); break;
    default: {
        unsigned char *b = out;
        b[0] = (unsigned char)(i % 256);
        b[1] = (unsigned char)((i * 3) % 256);
        b[2] = (unsigned char)((i * 7) % 256);
    }
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int nranks, rank;
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    CHECK(argc == 3 && (!strcmp(argv[1], "write") || !strcmp(argv[1], "read")), "usage: %s write|read DIR", argv[0]);
    int writing = !strcmp(argv[1], "write");
    for (int k = 0; k < NCASES; k++) {
        const case_t *c = &cases[k];
        int64_t n = tu_elems(c->ndim, c->shape);
        char *ref = malloc((size_t)n * c->es);
        for (int64_t i = 0; i < n; i++) value_of(c, i, ref + i * (int64_t)c->es);
        da_dist_t *m = tu_map_kind(c->ndim, c->shape, c->kind, nranks, 5 + (uint64_t)k);
        char p[512];
        snprintf(p, sizeof p, "%.400s/%s_%s.npy", argv[2], writing ? "c" : "py", c->name);
        da_array_t *a;
        if (writing) {
            a = tu_array(MPI_COMM_WORLD, c->type, c->es, m);
            tu_store(a, ref);
            CHECK_DA(da_save(a, p));
        } else {
            CHECK_DA(da_load(MPI_COMM_WORLD, p, m, &a));
            tu_check(a, ref, 0, p);
        }
        CHECK_DA(da_array_destroy(&a));
        da_dist_destroy(&m);
        free(ref);
    }
    if (!writing) { /* damaged files made by the script: each must be refused */
        DIR *d = opendir(argv[2]);
        CHECK(d, "cannot list %s", argv[2]);
        char names[64][256];
        int nbad = 0;
        struct dirent *e;
        while ((e = readdir(d)) && nbad < 64)
            if (!strncmp(e->d_name, "bad_", 4)) snprintf(names[nbad++], sizeof names[0], "%.200s", e->d_name);
        closedir(d);
        /* every rank the same order */
        for (int i = 1; i < nbad; i++)
            for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
                char t[256];
                memcpy(t, names[j], sizeof t);
                memcpy(names[j], names[j - 1], sizeof t);
                memcpy(names[j - 1], t, sizeof t);
            }
        for (int i = 0; i < nbad; i++) {
            char p[512 + 256];
            snprintf(p, sizeof p, "%.400s/%.200s", argv[2], names[i]);
            da_array_t *a = NULL;
            int rc = da_load(MPI_COMM_WORLD, p, NULL, &a);
            CHECK(rc != DA_SUCCESS && a == NULL, "%s was accepted", names[i]);
            if (rank == 0) printf("refused %s: %s\n", names[i], da_last_error());
        }
        CHECK(nbad > 0, "no bad_*.npy files in %s", argv[2]);
    }
    if (rank == 0) printf("test_io_numpy %s: ok at %d ranks\n", argv[1], nranks);
    MPI_Finalize();
    return 0;
}
