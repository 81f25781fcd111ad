/* Save and load as .npy: round trips through maps of several kinds and
 * element types, files written by one rank count and read by another (sub
 * communicators of 1..N ranks), da_npy_header, and damaged files (bad magic,
 * version, header, dtype, shape, fortran_order, short and long files)
 * rejected on every rank with no array made.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "test_coll_util.h"

static int nranks, rank;
static char dir[256];

static void path_of(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static da_array_t *made(MPI_Comm comm, da_type_t t, size_t es, const da_dist_t *m, const char *ref)
{
    da_array_t *a = tu_array(comm, t, es, m);
    tu_store(a, ref);
    return a;
}

/* Write with map ms, read back with md (da_load) and into an array of map ms (da_load_into). */
static void round_trip(int ndim, const int64_t *shape, da_dist_kind_t ks, da_dist_kind_t kd, da_type_t t, size_t es,
                       int seed)
{
    char p[300], what[160];
    snprintf(what, sizeof what, "round trip %s -> %s %s", tu_kind_name(ks), tu_kind_name(kd), tu_type_name(t));
    path_of(p, sizeof p, "rt.npy");
    int64_t n = tu_elems(ndim, shape);
    char *ref = tu_make_ref(t, es, n, (uint64_t)seed, 1000);
    da_dist_t *ms = tu_map_kind(ndim, shape, ks, nranks, seed), *md = tu_map_kind(ndim, shape, kd, nranks, seed + 1);
    da_array_t *a = made(MPI_COMM_WORLD, t, es, ms, ref), *b = NULL;
    CHECK_DA(da_save(a, p));
    CHECK_DA(da_load(MPI_COMM_WORLD, p, md, &b));
    tu_check(b, ref, 0, what);
    da_type_t bt;
    size_t bes;
    CHECK_DA(da_array_type(b, &bt, &bes));
    CHECK(bt == t && bes == es, "%s: loaded type %d size %zu", what, (int)bt, bes);
    CHECK_DA(da_zero(a));
    CHECK_DA(da_load_into(a, p));
    tu_check(a, ref, 0, what);
    /* the header, read by every rank on its own */
    da_type_t ht;
    size_t hes;
    int hnd;
    int64_t hs[DA_MAX_NDIM];
    CHECK_DA(da_npy_header(p, &ht, &hes, &hnd, hs));
    CHECK(ht == t && hes == es && hnd == ndim && !memcmp(hs, shape, sizeof *hs * (size_t)ndim), "%s: header", what);
    CHECK_DA(da_array_destroy(&a));
    CHECK_DA(da_array_destroy(&b));
    da_dist_destroy(&ms);
    da_dist_destroy(&md);
    free(ref);
}

static void round_trips(void)
{
    int64_t s2[2] = {9, 7}, s1[1] = {23}, s3[3] = {3, 4, 5};
    round_trip(2, s2, DA_DIST_BLOCK, DA_DIST_CYCLIC, DA_DOUBLE, 8, 1);
    round_trip(2, s2, DA_DIST_CYCLIC, DA_DIST_BLOCK, DA_INT32, 4, 2);
    round_trip(2, s2, DA_DIST_UNSTRUCTURED, DA_DIST_BLOCK_CYCLIC, DA_COMPLEX_FLOAT, 8, 3);
    round_trip(1, s1, DA_DIST_IRREGULAR, DA_DIST_UNSTRUCTURED, DA_OPAQUE, 5, 4);
    round_trip(3, s3, DA_DIST_BLOCK_CYCLIC, DA_DIST_NONE, DA_COMPLEX_DOUBLE, 16, 5);
    if (nranks <= 2) { /* fewer arrays where array creation is slow (oversubscribed) */
        round_trip(1, s1, DA_DIST_BLOCK, DA_DIST_BLOCK_GA, DA_INT64, 8, 6);
        round_trip(2, s2, DA_DIST_BLOCK_GA, DA_DIST_IRREGULAR, DA_FLOAT, 4, 7);
    }
}

/* Written by k ranks (a sub communicator), loaded by all, and the other way. */
static void across_rank_counts(void)
{
    int64_t shape[2] = {6, 11}, n = 66;
    char p[300];
    path_of(p, sizeof p, "ranks.npy");
    for (int k = 1; k <= nranks; k++) {
        if (k > 1 && k < nranks - 1) continue; /* 1, N-1 and N ranks: the interesting mismatches */
        MPI_Comm sub;
        MPI_Comm_split(MPI_COMM_WORLD, rank < k ? 0 : MPI_UNDEFINED, rank, &sub);
        char *ref = tu_make_ref(DA_DOUBLE, 8, n, 100 + (uint64_t)k, 1000);
        char what[64];
        if (sub != MPI_COMM_NULL) { /* k ranks write, cyclic */
            da_dist_t *m = tu_map_kind(2, shape, DA_DIST_CYCLIC, k, 9);
            da_array_t *a = made(sub, DA_DOUBLE, 8, m, ref);
            CHECK_DA(da_save(a, p));
            CHECK_DA(da_array_destroy(&a));
            da_dist_destroy(&m);
        }
        MPI_Barrier(MPI_COMM_WORLD);
        da_array_t *b;
        CHECK_DA(da_load(MPI_COMM_WORLD, p, NULL, &b)); /* all ranks, default block map */
        snprintf(what, sizeof what, "written at %d ranks, read at %d", k, nranks);
        tu_check(b, ref, 0, what);
        /* all write, k read */
        CHECK_DA(da_scale(b, &(double){-1.0}));
        CHECK_DA(da_save(b, p));
        for (int64_t i = 0; i < n; i++) ((double *)(void *)ref)[i] *= -1;
        CHECK_DA(da_array_destroy(&b));
        if (sub != MPI_COMM_NULL) {
            da_dist_t *m = tu_map_kind(2, shape, DA_DIST_BLOCK_CYCLIC, k, 10);
            da_array_t *c;
            CHECK_DA(da_load(sub, p, m, &c));
            snprintf(what, sizeof what, "written at %d ranks, read at %d", nranks, k);
            tu_check(c, ref, 0, what);
            CHECK_DA(da_array_destroy(&c));
            da_dist_destroy(&m);
            MPI_Comm_free(&sub);
        }
        MPI_Barrier(MPI_COMM_WORLD);
        free(ref);
    }
}

/* ---- damaged files ---------------------------------------------------------- */

static char *good;  /* a valid file's bytes */
static long good_len, good_hl;

static void put_file(const char *name, const char *bytes, long n)
{
    if (rank == 0) {
        char p[300];
        path_of(p, sizeof p, name);
        FILE *f = fopen(p, "wb");
        CHECK(f, "cannot write %s", p);
        CHECK(fwrite(bytes, 1, (size_t)n, f) == (size_t)n, "short write");
        fclose(f);
    }
    MPI_Barrier(MPI_COMM_WORLD);
}

/* A file with the given header dict (padded as NumPy does) and data bytes. */
static void put_dict(const char *name, const char *dict, long data_bytes)
{
    char buf[1024];
    long dl = (long)strlen(dict), total = (10 + dl + 1 + 63) / 64 * 64, hl = total - 10;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (char)(hl & 0xff);
    buf[9] = (char)(hl >> 8);
    memcpy(buf + 10, dict, (size_t)dl);
    memset(buf + 10 + dl, ' ', (size_t)(hl - dl - 1));
    buf[total - 1] = '\n';
    char *all = calloc(1, (size_t)(total + data_bytes + 1));
    memcpy(all, buf, (size_t)total);
    put_file(name, all, total + data_bytes);
    free(all);
}

static void expect_load_error(const char *name, int code, const da_dist_t *m)
{
    char p[300];
    path_of(p, sizeof p, name);
    da_array_t *a = (da_array_t *)(void *)&a;
    int rc = da_load(MPI_COMM_WORLD, p, m, &a);
    CHECK(rc == code, "loading %s: expected %d (%s), got %d (%s): %s", name, code, da_strerror(code), rc,
          da_strerror(rc), da_last_error());
    CHECK(a == NULL, "loading %s: array set on error", name);
    CHECK(*da_last_error(), "loading %s: no message", name);
    if (rank == 0 && getenv("TU_VERBOSE")) printf("%s: %s\n", name, da_last_error());
}

static void damaged(void)
{
    int64_t shape[2] = {4, 6};
    char p[300];
    path_of(p, sizeof p, "good.npy");
    char *ref = tu_make_ref(DA_DOUBLE, 8, 24, 3, 100);
    da_dist_t *m = tu_map_kind(2, shape, DA_DIST_BLOCK, nranks, 1);
    da_array_t *a = made(MPI_COMM_WORLD, DA_DOUBLE, 8, m, ref);
    CHECK_DA(da_save(a, p));
    CHECK_DA(da_array_destroy(&a));
    FILE *f = fopen(p, "rb");
    CHECK(f, "cannot read %s", p);
    fseek(f, 0, SEEK_END);
    good_len = ftell(f);
    fseek(f, 0, SEEK_SET);
    good = malloc((size_t)good_len);
    CHECK(fread(good, 1, (size_t)good_len, f) == (size_t)good_len, "short read");
    fclose(f);
    good_hl = good_len - 24 * 8;
    CHECK(good_hl % 64 == 0 && good_hl >= 64, "header of %ld bytes is not padded to 64", good_hl);
    CHECK(!memcmp(good, "\x93NUMPY\x01\x00", 8), "not version 1.0");
    CHECK(strstr(good + 10, "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 6), }"), "header text: %.*s",
          (int)(good_hl - 10), good + 10);

    char *bad = malloc((size_t)good_len + 64);
    memcpy(bad, good, (size_t)good_len);
    bad[1] = 'X';
    put_file("magic.npy", bad, good_len);
    expect_load_error("magic.npy", DA_ERR_FORMAT, NULL);
    memcpy(bad, good, (size_t)good_len);
    bad[6] = 9;
    put_file("version.npy", bad, good_len);
    expect_load_error("version.npy", DA_ERR_FORMAT, NULL);
    memcpy(bad, good, (size_t)good_len);
    bad[8] = (char)0xff, bad[9] = (char)0x7f; /* header longer than the file */
    put_file("hlen.npy", bad, good_len);
    expect_load_error("hlen.npy", DA_ERR_FORMAT, NULL);
    put_file("short.npy", good, good_len - 1);
    expect_load_error("short.npy", DA_ERR_FORMAT, NULL);
    put_file("tiny.npy", good, 7);
    expect_load_error("tiny.npy", DA_ERR_FORMAT, NULL);
    put_file("headeronly.npy", good, good_hl);
    expect_load_error("headeronly.npy", DA_ERR_FORMAT, NULL);
    memcpy(bad, good, (size_t)good_len);
    memset(bad + good_len, 0, 8);
    put_file("long.npy", bad, good_len + 8);
    expect_load_error("long.npy", DA_ERR_FORMAT, NULL);
    memcpy(bad, good, (size_t)good_len);
    bad[good_hl - 1] = ' '; /* no newline */
    put_file("newline.npy", bad, good_len);
    expect_load_error("newline.npy", DA_ERR_FORMAT, NULL);
    memcpy(bad, good, (size_t)good_len);
    bad[12] = '\0'; /* NUL in the header */
    put_file("nul.npy", bad, good_len);
    expect_load_error("nul.npy", DA_ERR_FORMAT, NULL);

    put_dict("fortran.npy", "{'descr': '<f8', 'fortran_order': True, 'shape': (4, 6), }", 192);
    expect_load_error("fortran.npy", DA_ERR_FORMAT, NULL);
    put_dict("u2.npy", "{'descr': '<u2', 'fortran_order': False, 'shape': (4, 6), }", 48);
    expect_load_error("u2.npy", DA_ERR_TYPE, NULL);
    put_dict("bigendian.npy", "{'descr': '>f8', 'fortran_order': False, 'shape': (4, 6), }", 192);
    expect_load_error("bigendian.npy", DA_ERR_TYPE, NULL);
    put_dict("struct.npy", "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (4, 6), }", 96);
    expect_load_error("struct.npy", DA_ERR_TYPE, NULL);
    put_dict("zero.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 0), }", 0);
    expect_load_error("zero.npy", DA_ERR_SHAPE, NULL);
    put_dict("scalar.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 8);
    expect_load_error("scalar.npy", DA_ERR_NDIM, NULL);
    put_dict("negative.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (-4, 6), }", 192);
    expect_load_error("negative.npy", DA_ERR_SHAPE, NULL);
    put_dict("missing.npy", "{'descr': '<f8', 'shape': (4, 6), }", 192);
    expect_load_error("missing.npy", DA_ERR_FORMAT, NULL);
    put_dict("twice.npy", "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (4, 6), }", 192);
    expect_load_error("twice.npy", DA_ERR_FORMAT, NULL);
    put_dict("extra.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 6), 'x': 1}", 192);
    expect_load_error("extra.npy", DA_ERR_FORMAT, NULL);
    put_dict("notdict.npy", "[1, 2, 3]", 192);
    expect_load_error("notdict.npy", DA_ERR_FORMAT, NULL);
    put_dict("badshape.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (4, x), }", 192);
    expect_load_error("badshape.npy", DA_ERR_FORMAT, NULL);
    put_dict("huge.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999, 6), }", 192);
    expect_load_error("huge.npy", DA_ERR_FORMAT, NULL);
    put_dict("overflow.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 6), }", 192);
    expect_load_error("overflow.npy", DA_ERR_OVERFLOW, NULL);
    /* a valid file whose shape is not the map's */
    int64_t other[2] = {6, 4};
    da_dist_t *mo = tu_map_kind(2, other, DA_DIST_BLOCK, nranks, 1);
    expect_load_error("good.npy", DA_ERR_SHAPE, mo);
    da_dist_destroy(&mo);
    /* a file that does not exist */
    expect_load_error("no/such/file.npy", DA_ERR_IO, NULL);
    /* load_into with another type */
    a = tu_array(MPI_COMM_WORLD, DA_INT64, 8, m);
    int rc = da_load_into(a, p);
    CHECK(rc == DA_ERR_TYPE, "load_into int64 from f8: %d (%s)", rc, da_last_error());
    /* the header parser, without MPI */
    rc = da_npy_header(p, NULL, NULL, NULL, NULL);
    CHECK(rc == DA_SUCCESS, "da_npy_header: %s", da_last_error());
    path_of(p, sizeof p, "fortran.npy");
    CHECK(da_npy_header(p, NULL, NULL, NULL, NULL) == DA_ERR_FORMAT, "da_npy_header accepted fortran order");
    CHECK_DA(da_array_destroy(&a));
    da_dist_destroy(&m);
    free(bad);
    free(good);
    free(ref);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    long id = rank == 0 ? (long)getpid() : 0;
    MPI_Bcast(&id, 1, MPI_LONG, 0, MPI_COMM_WORLD);
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(dir, sizeof dir, "%s/darray-test-io-%ld", tmp, id);
    if (rank == 0) CHECK(mkdir(dir, 0700) == 0, "mkdir %s", dir);
    MPI_Barrier(MPI_COMM_WORLD);
    round_trips();
    across_rank_counts();
    damaged();
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        CHECK(system(cmd) == 0, "cannot remove %s", dir);
        printf("test_io: ok at %d ranks\n", nranks);
    }
    MPI_Finalize();
    return 0;
}
