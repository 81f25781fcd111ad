/* Saving and loading NumPy .npy files with MPI-IO.
 *
 * Rank 0 writes (or reads and parses) the header; every rank writes (reads)
 * its own elements with one collective call through a file view that
 * describes where they lie in the row-major file. A block that is one
 * contiguous range of the file (block map over the first dimension only)
 * goes as one MPI_File_write_at_all / read_at_all of bytes. A map whose
 * blocks would be scattered in pieces under 512 bytes on average (cyclic
 * in the last dimension, small blocks) is first redistributed to a map by
 * blocks of rows, so that MPI-IO moves long pieces; the temporary array
 * costs one local block per rank, never a full copy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "coll.h"
#include "darray/coll.h"
#include "darray/io.h"
#include "error.h"
#include "types.h"
#include "wait.h"

#define MAX_HEADER (1 << 20) /* a longer header is refused, not allocated */
#define MIN_PIECE_BYTES 512

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ORDER_CHAR '>'
#else
#define ORDER_CHAR '<'
#endif

/* ---- header -------------------------------------------------------------- */

typedef struct {
    int rc;           /* DA_SUCCESS or the error found */
    char msg[400];    /* its detail */
    int type;         /* da_type_t */
    int ndim;
    int64_t esize;
    int64_t shape[DA_MAX_NDIM];
    int64_t data_off; /* first byte of the elements */
} header_t;

static const char *descr_of(da_type_t t, size_t es, char *buf, size_t n)
{
    static const char *code[] = {"i4", "i8", "f4", "f8", "c8", "c16"};
    if (t == DA_OPAQUE) snprintf(buf, n, "|V%zu", es);
    else snprintf(buf, n, "%c%s", ORDER_CHAR, code[t]);
    return buf;
}

/* The whole header (magic to '\n'); returns its length, or 0 if too long. */
static size_t make_header(da_type_t t, size_t es, int ndim, const int64_t *shape, char *out, size_t cap)
{
    char dict[1024], descr[32];
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     descr_of(t, es, descr, sizeof descr));
    for (int d = 0; d < ndim; d++)
        n += snprintf(dict + n, sizeof dict - (size_t)n, "%lld,%s", (long long)shape[d], d + 1 < ndim ? " " : "");
    if (ndim > 1) n--; /* NumPy writes (3, 4) but (3,) */
    n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
    /* version 1.0: 10-byte prefix, 2-byte length; 2.0: 12 bytes, 4-byte length */
    int v2 = (size_t)n + 1 + 10 + 64 > 65535;
    size_t prefix = v2 ? 12 : 10, total = prefix + (size_t)n + 1;
    total = (total + 63) / 64 * 64;
    if (total > cap) return 0;
    size_t hl = total - prefix;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = v2 ? 2 : 1;
    out[7] = 0;
    for (int i = 0; i < (v2 ? 4 : 2); i++) out[8 + i] = (char)((hl >> (8 * i)) & 0xff);
    memcpy(out + prefix, dict, (size_t)n);
    memset(out + prefix + n, ' ', total - prefix - (size_t)n - 1);
    out[total - 1] = '\n';
    return total;
}

#define FAIL(h, code, ...)                                          \
    do {                                                            \
        (h)->rc = (code);                                           \
        snprintf((h)->msg, sizeof (h)->msg, __VA_ARGS__);           \
        return;                                                     \
    } while (0)

typedef struct {
    const char *p, *end;
} cursor_t;

static void skip_ws(cursor_t *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int eat(cursor_t *c, char ch)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* A quoted string ('...' or "..."), at most n-1 characters. */
static int string(cursor_t *c, char *out, size_t n)
{
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return 0;
    char q = *c->p++;
    size_t k = 0;
    while (c->p < c->end && *c->p != q) {
        if (*c->p == '\\' || k + 1 >= n) return 0;
        out[k++] = *c->p++;
    }
    if (c->p >= c->end) return 0;
    c->p++;
    out[k] = '\0';
    return 1;
}

static int word(cursor_t *c, const char *w)
{
    skip_ws(c);
    size_t n = strlen(w);
    if ((size_t)(c->end - c->p) >= n && !memcmp(c->p, w, n)) {
        c->p += n;
        return 1;
    }
    return 0;
}

static int integer(cursor_t *c, int64_t *v)
{
    skip_ws(c);
    int neg = 0;
    if (c->p < c->end && *c->p == '-') {
        neg = 1;
        c->p++;
    }
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') return 0;
    int64_t x = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        if (__builtin_mul_overflow(x, 10, &x) || __builtin_add_overflow(x, *c->p - '0', &x)) return 0;
        c->p++;
    }
    if (c->p < c->end && (*c->p == 'L' || *c->p == 'l')) c->p++; /* Python 2 longs */
    *v = neg ? -x : x;
    return 1;
}

static void parse_descr(const char *d, header_t *h)
{
    static const struct {
        const char *code;
        da_type_t t;
    } known[] = {{"i4", DA_INT32}, {"i8", DA_INT64}, {"f4", DA_FLOAT}, {"f8", DA_DOUBLE}, {"c8", DA_COMPLEX_FLOAT},
                 {"c16", DA_COMPLEX_DOUBLE}};
    if (d[0] == '|' && (d[1] == 'V')) {
        int64_t n = 0;
        const char *p = d + 2;
        if (!*p) FAIL(h, DA_ERR_TYPE, "dtype '%s': void type without a size", d);
        for (; *p; p++) {
            if (*p < '0' || *p > '9' || n > INT32_MAX / 10) FAIL(h, DA_ERR_TYPE, "dtype '%s': bad void size", d);
            n = n * 10 + (*p - '0');
        }
        if (n < 1) FAIL(h, DA_ERR_TYPE, "dtype '%s': void size must be at least 1", d);
        h->type = DA_OPAQUE;
        h->esize = n;
        return;
    }
    char order = d[0];
    if (order != '<' && order != '>' && order != '=' && order != '|')
        FAIL(h, DA_ERR_TYPE, "dtype '%s': no byte order character", d);
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(d + 1, known[i].code)) {
            if (order != ORDER_CHAR && order != '=')
                FAIL(h, DA_ERR_TYPE, "dtype '%s': byte order %c is not this machine's (%c)", d, order, ORDER_CHAR);
            h->type = known[i].t;
            h->esize = (int64_t)da_type_size(known[i].t);
            return;
        }
    FAIL(h, DA_ERR_TYPE, "dtype '%s' has no darray element type (int32, int64, float, double, complex, void)", d);
}

/* The dictionary of the header: {'descr': ..., 'fortran_order': ..., 'shape': (...)} */
static void parse_dict(const char *s, size_t len, header_t *h)
{
    cursor_t c = {s, s + len};
    int seen_descr = 0, seen_fo = 0, seen_shape = 0;
    if (!eat(&c, '{')) FAIL(h, DA_ERR_FORMAT, "header is not a Python dict literal (no '{')");
    while (!eat(&c, '}')) {
        char key[32], val[64];
        if (!string(&c, key, sizeof key)) FAIL(h, DA_ERR_FORMAT, "header: expected a quoted key");
        if (!eat(&c, ':')) FAIL(h, DA_ERR_FORMAT, "header: expected ':' after '%s'", key);
        if (!strcmp(key, "descr")) {
            if (seen_descr++) FAIL(h, DA_ERR_FORMAT, "header: 'descr' given twice");
            skip_ws(&c);
            if (c.p < c.end && *c.p == '[')
                FAIL(h, DA_ERR_TYPE, "structured dtype (a list descr) has no darray element type");
            if (!string(&c, val, sizeof val)) FAIL(h, DA_ERR_FORMAT, "header: 'descr' is not a string");
            parse_descr(val, h);
            if (h->rc) return;
        } else if (!strcmp(key, "fortran_order")) {
            if (seen_fo++) FAIL(h, DA_ERR_FORMAT, "header: 'fortran_order' given twice");
            if (word(&c, "True")) FAIL(h, DA_ERR_FORMAT, "fortran_order is True: darray reads C-order files only");
            if (!word(&c, "False")) FAIL(h, DA_ERR_FORMAT, "header: 'fortran_order' is neither True nor False");
        } else if (!strcmp(key, "shape")) {
            if (seen_shape++) FAIL(h, DA_ERR_FORMAT, "header: 'shape' given twice");
            if (!eat(&c, '(')) FAIL(h, DA_ERR_FORMAT, "header: 'shape' is not a tuple");
            h->ndim = 0;
            while (!eat(&c, ')')) {
                int64_t v;
                if (!integer(&c, &v)) FAIL(h, DA_ERR_FORMAT, "header: 'shape' holds something other than integers");
                if (h->ndim == DA_MAX_NDIM)
                    FAIL(h, DA_ERR_NDIM, "shape has more than %d dimensions", DA_MAX_NDIM);
                if (v < 1) FAIL(h, DA_ERR_SHAPE, "shape extent %lld: darray arrays have extents >= 1", (long long)v);
                h->shape[h->ndim++] = v;
                if (!eat(&c, ',')) {
                    if (!eat(&c, ')')) FAIL(h, DA_ERR_FORMAT, "header: 'shape' tuple is malformed");
                    break;
                }
            }
            if (h->ndim == 0) FAIL(h, DA_ERR_NDIM, "shape () is a 0-d array: darray needs 1..%d dimensions", DA_MAX_NDIM);
        } else {
            FAIL(h, DA_ERR_FORMAT, "header: unexpected key '%s'", key);
        }
        if (!eat(&c, ',')) {
            if (!eat(&c, '}')) FAIL(h, DA_ERR_FORMAT, "header: expected ',' or '}' after '%s'", key);
            break;
        }
    }
    skip_ws(&c);
    if (c.p != c.end) FAIL(h, DA_ERR_FORMAT, "header: text after the dict");
    if (!seen_descr || !seen_fo || !seen_shape)
        FAIL(h, DA_ERR_FORMAT, "header: missing key '%s'", !seen_descr ? "descr" : !seen_fo ? "fortran_order" : "shape");
    int64_t n = 1;
    for (int d = 0; d < h->ndim; d++)
        if (__builtin_mul_overflow(n, h->shape[d], &n)) FAIL(h, DA_ERR_OVERFLOW, "shape: element count overflows");
    if (__builtin_mul_overflow(n, h->esize, &n)) FAIL(h, DA_ERR_OVERFLOW, "shape: byte count overflows");
}

/* Parse the header from `pre` (the first 12 bytes or fewer, `got` of them)
   and a reader for the rest. */
typedef int (*read_fn)(void *ctx, int64_t off, void *buf, int64_t n, int64_t *got);

static void read_header(read_fn rd, void *ctx, int64_t fsize, header_t *h)
{
    memset(h, 0, sizeof *h);
    unsigned char pre[12];
    int64_t got = 0;
    if (rd(ctx, 0, pre, fsize < 12 ? fsize : 12, &got) || got < 10)
        FAIL(h, DA_ERR_FORMAT, "file of %lld bytes is too short for a .npy header", (long long)fsize);
    if (memcmp(pre, "\x93NUMPY", 6)) FAIL(h, DA_ERR_FORMAT, "bad magic: not a .npy file");
    int major = pre[6], minor = pre[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        FAIL(h, DA_ERR_FORMAT, "unsupported .npy format version %d.%d (1.0, 2.0 and 3.0 are read)", major, minor);
    int64_t prefix = major == 1 ? 10 : 12, hl;
    if (major == 1) hl = pre[8] | (pre[9] << 8);
    else {
        if (got < 12) FAIL(h, DA_ERR_FORMAT, "file too short for a version %d header", major);
        hl = (int64_t)pre[8] | ((int64_t)pre[9] << 8) | ((int64_t)pre[10] << 16) | ((int64_t)pre[11] << 24);
    }
    if (hl > MAX_HEADER) FAIL(h, DA_ERR_FORMAT, "header length %lld is implausible (over %d)", (long long)hl, MAX_HEADER);
    if (prefix + hl > fsize)
        FAIL(h, DA_ERR_FORMAT, "header of %lld bytes runs past the end of the %lld-byte file", (long long)hl,
             (long long)fsize);
    char *buf = malloc((size_t)hl + 1);
    if (!buf) FAIL(h, DA_ERR_NOMEM, "no memory for a %lld-byte header", (long long)hl);
    if (rd(ctx, prefix, buf, hl, &got) || got != hl) {
        free(buf);
        FAIL(h, DA_ERR_MPI, "could not read the %lld-byte header", (long long)hl);
    }
    for (int64_t i = 0; i < hl; i++)
        if (buf[i] == '\0' || ((unsigned char)buf[i] >= 0x80 && major < 3)) {
            unsigned byte = (unsigned char)buf[i];
            free(buf);
            FAIL(h, DA_ERR_FORMAT, "header holds a byte 0x%02x at %lld: not ASCII text", byte, (long long)i);
        }
    if (hl == 0 || buf[hl - 1] != '\n') {
        free(buf);
        FAIL(h, DA_ERR_FORMAT, "header does not end with a newline");
    }
    parse_dict(buf, (size_t)hl, h);
    free(buf);
    if (h->rc) return;
    h->data_off = prefix + hl;
    int64_t n = h->esize;
    for (int d = 0; d < h->ndim; d++) n *= h->shape[d];
    if (fsize < h->data_off + n)
        FAIL(h, DA_ERR_FORMAT, "file is short: %lld bytes of data, the header promises %lld", (long long)(fsize - h->data_off),
             (long long)n);
    if (fsize > h->data_off + n)
        FAIL(h, DA_ERR_FORMAT, "file has %lld bytes after the data the header describes", (long long)(fsize - h->data_off - n));
}

/* ---- readers ---------------------------------------------------------------- */

static int read_stdio(void *ctx, int64_t off, void *buf, int64_t n, int64_t *got)
{
    FILE *f = ctx;
    if (fseeko(f, off, SEEK_SET)) return -1;
    *got = (int64_t)fread(buf, 1, (size_t)n, f);
    return 0;
}

static int read_mpi(void *ctx, int64_t off, void *buf, int64_t n, int64_t *got)
{
    MPI_Status st;
    int cnt = 0;
    if (MPI_File_read_at(*(MPI_File *)ctx, off, buf, (int)n, MPI_BYTE, &st) != MPI_SUCCESS) return -1;
    MPI_Get_count(&st, MPI_BYTE, &cnt);
    *got = cnt;
    return 0;
}

int da_npy_header(const char *path, da_type_t *type, size_t *esize, int *ndim, int64_t *shape)
{
    if (!path) return da_error(DA_ERR_NULL, "da_npy_header: path is NULL");
    FILE *f = fopen(path, "rb");
    if (!f) return da_error(DA_ERR_IO, "da_npy_header: cannot open %s", path);
    header_t h;
    fseeko(f, 0, SEEK_END);
    int64_t size = (int64_t)ftello(f);
    read_header(read_stdio, f, size, &h);
    fclose(f);
    if (h.rc) return da_error(h.rc, "%s: %s", path, h.msg);
    if (type) *type = (da_type_t)h.type;
    if (esize) *esize = (size_t)h.esize;
    if (ndim) *ndim = h.ndim;
    if (shape) memcpy(shape, h.shape, sizeof *shape * (size_t)h.ndim);
    return DA_SUCCESS;
}

/* ---- file views --------------------------------------------------------------- */

/* count copies of inner, stride bytes apart; counts beyond int nest. */
static int hvec(int64_t count, int64_t stride, MPI_Datatype inner, MPI_Datatype *out)
{
    const int64_t chunk = (int64_t)1 << 30;
    if (count <= chunk) return MPI_Type_create_hvector((int)count, 1, (MPI_Aint)stride, inner, out);
    MPI_Datatype piece, body, rest;
    int64_t q = count / chunk, r = count % chunk;
    int rc = MPI_Type_create_hvector((int)chunk, 1, (MPI_Aint)stride, inner, &piece);
    if (rc) return rc;
    rc = hvec(q, stride * chunk, piece, &body);
    MPI_Type_free(&piece);
    if (rc || !r) {
        *out = body;
        return rc;
    }
    if ((rc = MPI_Type_create_hvector((int)r, 1, (MPI_Aint)stride, inner, &rest))) {
        MPI_Type_free(&body);
        return rc;
    }
    int bl[2] = {1, 1};
    MPI_Aint disp[2] = {0, (MPI_Aint)(q * chunk * stride)};
    MPI_Datatype ts[2] = {body, rest};
    rc = MPI_Type_create_struct(2, bl, disp, ts, out);
    MPI_Type_free(&body);
    MPI_Type_free(&rest);
    return rc;
}

/* This rank's elements along dimensions d.. as a datatype: in the file
   (global offsets) or in memory (local offsets). */
static int view_type(const da_box_runs_t *b, int d, int file, const int64_t *gstr, MPI_Datatype elem,
                     int64_t es, MPI_Datatype *out)
{
    MPI_Datatype inner = elem;
    int rc;
    if (d + 1 < b->ndim && (rc = view_type(b, d + 1, file, gstr, elem, es, &inner))) return rc;
    const da_lruns_t *r = &b->dim[d];
    int64_t str = (file ? gstr[d] : b->lstride[d]) * es;
    MPI_Datatype *ts = malloc(sizeof *ts * (size_t)(r->nruns + 1));
    MPI_Aint *disp = malloc(sizeof *disp * (size_t)(r->nruns + 1));
    int *bl = malloc(sizeof *bl * (size_t)(r->nruns + 1));
    int64_t made = 0;
    rc = (!ts || !disp || !bl || r->nruns > INT32_MAX) ? MPI_ERR_NO_MEM : MPI_SUCCESS;
    for (int64_t j = 0; j < r->nruns && !rc; j++, made++) {
        const da_lrun_t *u = &r->runs[j];
        disp[j] = (MPI_Aint)((file ? u->g0 : u->l0) * str);
        bl[j] = 1;
        rc = hvec(u->count, (file ? u->gstep : u->lstep) * str, inner, &ts[j]);
    }
    if (!rc) rc = MPI_Type_create_struct((int)r->nruns, bl, disp, ts, out);
    for (int64_t j = 0; j < made; j++) MPI_Type_free(&ts[j]);
    if (d + 1 < b->ndim) MPI_Type_free(&inner);
    free(ts);
    free(disp);
    free(bl);
    return rc;
}

/* Whether this rank's block is one contiguous range of the file; its first
   element's linear index. */
static int one_range(const da_box_runs_t *b, const int64_t *shape, int64_t *first)
{
    int64_t lin = 0;
    for (int d = 0; d < b->ndim; d++) {
        const da_lruns_t *r = &b->dim[d];
        if (r->nruns == 0) {
            *first = 0;
            return 1; /* empty */
        }
        if (r->nruns != 1 || (r->runs[0].count > 1 && (r->runs[0].gstep != 1 || r->runs[0].lstep != 1))) return 0;
        if (d > 0 && r->runs[0].count != shape[d]) return 0;
        lin = lin * shape[d] + r->runs[0].g0;
    }
    *first = lin;
    return 1;
}

/* Pieces of the file this rank's block falls into (a rough count). */
static double file_pieces(const da_box_runs_t *b, const int64_t *shape)
{
    double pieces = 1;
    int merging = 1; /* inner dimensions complete so far: rows merge */
    for (int d = b->ndim - 1; d >= 0; d--) {
        const da_lruns_t *r = &b->dim[d];
        int whole = r->nruns == 1 && r->runs[0].gstep == 1 && r->runs[0].count == shape[d];
        if (merging && whole) continue;
        if (merging) {
            for (int64_t j = 0; j < r->nruns; j++) pieces += r->runs[j].gstep == 1 ? 1 : (double)r->runs[j].count;
            pieces -= 1;
            merging = 0;
        } else {
            pieces *= (double)r->count;
        }
    }
    return pieces < 1 ? 1 : pieces;
}

/* Whether a's map would make MPI-IO move short pieces. */
static int needs_staging(const da_array_t *a, const da_box_runs_t *b)
{
    if (b->count == 0) return 0;
    int64_t first;
    if (one_range(b, a->dist->shape, &first)) return 0;
    return (double)b->count * (double)a->esize / file_pieces(b, a->dist->shape) < MIN_PIECE_BYTES;
}

/* A map of a's shape by blocks of rows over a's ranks: each block is one
   range of the file. */
static int row_map(const da_array_t *a, da_dist_t **out)
{
    da_dim_spec_t dims[DA_MAX_NDIM];
    int grid[DA_MAX_NDIM];
    for (int d = 0; d < a->ndim; d++) {
        dims[d] = d == 0 ? DA_DIM_BLOCK : DA_DIM_NONE;
        grid[d] = d == 0 ? a->nranks : 1;
    }
    return da_dist_create(a->ndim, a->dist->shape, dims, grid, a->nranks, out);
}

/* Whether this rank must use a file view (its block is not one range of
   at most INT32_MAX elements). */
static int wants_view(const da_array_t *a)
{
    da_box_runs_t b;
    int64_t lo[DA_MAX_NDIM] = {0}, first;
    if (da_box_runs_build(a->dist, a->rank, lo, a->dist->shape, 1, &b)) return 1;
    int v = !one_range(&b, a->dist->shape, &first) || b.count > INT32_MAX;
    da_box_runs_free(&b);
    return v;
}

/* Read or write this rank's block of a at data offset `off` of fh.
   Collective: use_view must be the same on every rank (MPI-IO collectives
   must match), 1 if any rank wants a view. */
static int transfer(da_array_t *a, MPI_File fh, int64_t off, int write, int use_view)
{
    da_box_runs_t b;
    int64_t lo[DA_MAX_NDIM] = {0};
    int rc = da_box_runs_build(a->dist, a->rank, lo, a->dist->shape, 1, &b);
    /* rc != 0 (no memory) still joins the collective call, with nothing */
    int64_t first = 0, es = (int64_t)a->esize;
    MPI_Datatype elem;
    MPI_Type_contiguous((int)es, MPI_BYTE, &elem);
    MPI_Type_commit(&elem);
    int mrc;
    MPI_Status st;
    if (!rc && !use_view) one_range(&b, a->dist->shape, &first);
    if (!use_view) {
        int64_t n = rc ? 0 : b.count;
        MPI_Offset at = (MPI_Offset)(off + first * es);
        mrc = write ? MPI_File_write_at_all(fh, at, a->base, (int)n, elem, &st)
                    : MPI_File_read_at_all(fh, at, a->base, (int)n, elem, &st);
    } else {
        int64_t gstr[DA_MAX_NDIM], s = 1;
        for (int d = a->ndim - 1; d >= 0; d--) {
            gstr[d] = s;
            s *= a->dist->shape[d];
        }
        MPI_Datatype ft = MPI_DATATYPE_NULL, mt = MPI_DATATYPE_NULL, ftr;
        int64_t cnt = rc ? 0 : b.count;
        mrc = cnt ? view_type(&b, 0, 1, gstr, elem, es, &ft) : MPI_Type_contiguous(0, elem, &ft);
        if (!mrc) mrc = cnt ? view_type(&b, 0, 0, gstr, elem, es, &mt) : MPI_Type_contiguous(0, elem, &mt);
        if (!mrc) mrc = MPI_Type_create_resized(ft, 0, (MPI_Aint)(s * es), &ftr);
        if (!mrc) {
            MPI_Type_free(&ft);
            ft = ftr;
            MPI_Type_commit(&ft);
            MPI_Type_commit(&mt);
            mrc = MPI_File_set_view(fh, (MPI_Offset)off, MPI_BYTE, ft, "native", MPI_INFO_NULL);
            if (!mrc)
                mrc = write ? MPI_File_write_all(fh, a->base, cnt ? 1 : 0, mt, &st)
                            : MPI_File_read_all(fh, a->base, cnt ? 1 : 0, mt, &st);
        }
        if (ft != MPI_DATATYPE_NULL) MPI_Type_free(&ft);
        if (mt != MPI_DATATYPE_NULL) MPI_Type_free(&mt);
    }
    MPI_Type_free(&elem);
    if (!rc) da_box_runs_free(&b);
    if (!rc && mrc != MPI_SUCCESS) rc = da_mpi_error_as(DA_ERR_IO, mrc, write ? "MPI-IO write" : "MPI-IO read");
    return rc;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    for (; *s; s++) h = da_coll_mix(h, (unsigned char)*s);
    return h;
}

/* All ranks learn whether any failed (after a collective MPI-IO call). */
static int agree(const char *fn, MPI_Comm comm, int rc)
{
    long in = rc != 0, out = 0;
    int mrc = da_allreduce(&in, &out, 1, MPI_LONG, MPI_MAX, comm);
    if (rc) return rc;
    if (mrc != MPI_SUCCESS) return da_mpi_error(mrc, fn);
    if (out) return da_error(DA_ERR_COLLECTIVE, "%s: failed on another rank", fn);
    return DA_SUCCESS;
}

/* Every rank's answer to wants_view, combined. */
static int agree_view(da_array_t *a, int *use_view)
{
    long in = wants_view(a), out = 1;
    int mrc = da_allreduce(&in, &out, 1, MPI_LONG, MPI_MAX, a->comm);
    *use_view = (int)out;
    return mrc == MPI_SUCCESS ? DA_SUCCESS : da_mpi_error(mrc, "MPI_Allreduce");
}

/* ---- save ---------------------------------------------------------------------- */

static int save_array(const char *fn, da_array_t *a, const char *path, int view)
{
    char header[4096];
    size_t hl = make_header(a->type, a->esize, a->ndim, a->dist->shape, header, sizeof header);
    int64_t total = (int64_t)hl;
    int64_t n = (int64_t)a->esize;
    for (int d = 0; d < a->ndim; d++) n *= a->dist->shape[d];
    total += n;
    MPI_File fh;
    int mrc = MPI_File_open(a->comm, path, MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh);
    int rc = agree(fn, a->comm, mrc == MPI_SUCCESS ? DA_SUCCESS : da_mpi_error_as(DA_ERR_IO, mrc, path));
    if (rc) {
        if (mrc == MPI_SUCCESS) MPI_File_close(&fh);
        return rc;
    }
    mrc = MPI_File_set_size(fh, (MPI_Offset)total); /* drops what a longer old file had */
    if (mrc == MPI_SUCCESS && a->rank == 0) {
        MPI_Status st;
        mrc = MPI_File_write_at(fh, 0, header, (int)hl, MPI_BYTE, &st);
    }
    rc = mrc == MPI_SUCCESS ? DA_SUCCESS : da_mpi_error_as(DA_ERR_IO, mrc, path);
    int rc2 = view < 0 ? agree_view(a, &view) : DA_SUCCESS;
    if (!rc2) rc2 = transfer(a, fh, (int64_t)hl, 1, view);
    if (!rc) rc = rc2;
    mrc = MPI_File_close(&fh);
    if (!rc && mrc != MPI_SUCCESS) rc = da_mpi_error_as(DA_ERR_IO, mrc, path);
    return rc;
}

int da_save(da_array_t *a, const char *path)
{
    static const char fn[] = "da_save";
    int rc = da_array_check(a);
    if (rc) return rc;
    int lrc = path ? DA_SUCCESS : da_error(DA_ERR_NULL, "%s: path is NULL", fn);
    da_box_runs_t b;
    int64_t lo[DA_MAX_NDIM] = {0};
    long flags[2] = {0, 0}; /* max over ranks: staging needed, file view needed */
    if (!lrc && !(lrc = da_box_runs_build(a->dist, a->rank, lo, a->dist->shape, 1, &b))) {
        flags[0] = needs_staging(a, &b);
        da_box_runs_free(&b);
        flags[1] = wants_view(a);
    }
    uint64_t h = lrc ? 0 : hash_str(da_coll_mix_array(0, a), path);
    if ((rc = da_coll_begin(fn, a->comm, lrc, &a, 1, h, flags, 2))) return rc;
    if (!flags[0]) return save_array(fn, a, path, (int)flags[1]);
    /* scattered pieces: through a copy by blocks of rows */
    da_dist_t *rows = NULL;
    da_array_t *tmp = NULL;
    rc = row_map(a, &rows);
    rc = agree(fn, a->comm, rc);
    if (!rc) rc = da_redistribute(a, rows, &tmp);
    if (rows) da_dist_destroy(&rows);
    if (!rc) rc = save_array(fn, tmp, path, -1);
    if (tmp) da_array_destroy(&tmp);
    return rc;
}

/* ---- load ------------------------------------------------------------------------ */

/* Open path on comm and read its header on rank 0, shared with every rank. */
static int open_read(const char *fn, MPI_Comm comm, const char *path, MPI_File *fh, header_t *h)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    int mrc = MPI_File_open(comm, path, MPI_MODE_RDONLY, MPI_INFO_NULL, fh);
    int rc = agree(fn, comm, mrc == MPI_SUCCESS ? DA_SUCCESS : da_mpi_error_as(DA_ERR_IO, mrc, path));
    if (rc) {
        if (mrc == MPI_SUCCESS) MPI_File_close(fh);
        return rc;
    }
    if (rank == 0) {
        MPI_Offset size = 0;
        MPI_File_get_size(*fh, &size);
        read_header(read_mpi, fh, (int64_t)size, h);
    }
    MPI_Request req;
    mrc = MPI_Ibcast(h, (int)sizeof *h, MPI_BYTE, 0, comm, &req);
    if (mrc == MPI_SUCCESS) mrc = da_mpi_wait(&req);
    if (mrc != MPI_SUCCESS) h->rc = da_mpi_error(mrc, "MPI_Ibcast");
    else if (h->rc) h->rc = da_error(h->rc, "%s: %s: %s", fn, path, h->msg);
    if (h->rc) MPI_File_close(fh);
    return h->rc;
}

/* Read the file's data into a (shape and type already checked). */
static int read_into(const char *fn, da_array_t *a, MPI_File fh, const header_t *h)
{
    da_box_runs_t b;
    int64_t lo[DA_MAX_NDIM] = {0};
    long flags[2] = {0, 0}; /* max over ranks: staging needed, file view needed */
    int lrc = da_box_runs_build(a->dist, a->rank, lo, a->dist->shape, 1, &b);
    if (!lrc) {
        flags[0] = needs_staging(a, &b);
        da_box_runs_free(&b);
        flags[1] = wants_view(a);
    }
    int rc = da_coll_begin(fn, a->comm, lrc, &a, 1, 0, flags, 2);
    if (rc) return rc;
    if (!flags[0]) return da_coll_end(fn, a->comm, &a, 1, transfer(a, fh, h->data_off, 0, (int)flags[1]));
    da_dist_t *rows = NULL;
    da_array_t *tmp = NULL;
    int view;
    rc = agree(fn, a->comm, row_map(a, &rows));
    if (!rc) rc = a->type == DA_OPAQUE ? da_array_create_opaque(a->comm, a->esize, rows, &tmp)
                                       : da_array_create(a->comm, a->type, rows, &tmp);
    if (rows) da_dist_destroy(&rows);
    if (!rc) rc = agree_view(tmp, &view);
    if (!rc) rc = da_coll_end(fn, a->comm, &tmp, 1, transfer(tmp, fh, h->data_off, 0, view));
    if (!rc) rc = da_copy(tmp, a);
    if (tmp) da_array_destroy(&tmp);
    return rc;
}

int da_load(MPI_Comm comm, const char *path, const da_dist_t *dist, da_array_t **out)
{
    static const char fn[] = "da_load";
    int size = 0;
    if (comm == MPI_COMM_NULL || MPI_Comm_size(comm, &size) != MPI_SUCCESS)
        return da_error(DA_ERR_ARG, "%s: invalid communicator", fn);
    int lrc = DA_SUCCESS;
    if (!out) lrc = da_error(DA_ERR_NULL, "%s: out is NULL", fn);
    else *out = NULL;
    if (!lrc && !path) lrc = da_error(DA_ERR_NULL, "%s: path is NULL", fn);
    if (!lrc && dist && !(lrc = da_dist_check(dist)) && dist->nranks != size)
        lrc = da_error(DA_ERR_GRID, "%s: map is for %d ranks, communicator has %d", fn, dist->nranks, size);
    uint64_t hsh = lrc ? 0 : hash_str(dist ? da_dist_fingerprint(dist) : 1, path);
    int rc = da_coll_begin(fn, comm, lrc, NULL, 0, hsh, NULL, 0);
    if (rc) return rc;
    MPI_File fh;
    header_t h;
    if ((rc = open_read(fn, comm, path, &fh, &h))) return rc;
    da_dist_t *own = NULL;
    if (dist) {
        if (dist->ndim != h.ndim || memcmp(dist->shape, h.shape, sizeof *h.shape * (size_t)h.ndim))
            rc = da_error(DA_ERR_SHAPE, "%s: %s has another shape than the map", fn, path);
    } else {
        da_dim_spec_t dims[DA_MAX_NDIM];
        for (int d = 0; d < h.ndim; d++) dims[d] = DA_DIM_BLOCK;
        rc = da_dist_create(h.ndim, h.shape, dims, NULL, size, &own);
        dist = own;
    }
    da_array_t *a = NULL;
    if (!rc) rc = h.type == DA_OPAQUE ? da_array_create_opaque(comm, (size_t)h.esize, dist, &a)
                                      : da_array_create(comm, (da_type_t)h.type, dist, &a);
    if (own) da_dist_destroy(&own);
    if (!rc) rc = read_into(fn, a, fh, &h);
    MPI_File_close(&fh);
    if (rc) {
        if (a) da_array_destroy(&a);
        return rc;
    }
    *out = a;
    return DA_SUCCESS;
}

int da_load_into(da_array_t *a, const char *path)
{
    static const char fn[] = "da_load_into";
    int rc = da_array_check(a);
    if (rc) return rc;
    int lrc = path ? DA_SUCCESS : da_error(DA_ERR_NULL, "%s: path is NULL", fn);
    uint64_t hsh = lrc ? 0 : hash_str(da_coll_mix_array(0, a), path);
    if ((rc = da_coll_begin(fn, a->comm, lrc, &a, 1, hsh, NULL, 0))) return rc;
    MPI_File fh;
    header_t h;
    if ((rc = open_read(fn, a->comm, path, &fh, &h))) return rc;
    if (h.ndim != a->ndim || memcmp(h.shape, a->dist->shape, sizeof *h.shape * (size_t)h.ndim))
        rc = da_error(DA_ERR_SHAPE, "%s: %s has another shape than the array", fn, path);
    else if (h.type != (int)a->type || h.esize != (int64_t)a->esize)
        rc = da_error(DA_ERR_TYPE, "%s: %s holds another element type than the array", fn, path);
    if (!rc) rc = read_into(fn, a, fh, &h);
    MPI_File_close(&fh);
    return rc;
}
