/* darray-dist: draw a 1-D or 2-D distribution map, as text on the terminal or
 * as an SVG picture. Uses only the public API (darray.h); no MPI calls.
 *
 *   darray-dist --shape 16x16 --grid 2x2 --dist block,cyclic -o dist.svg
 *
 * Exit status: 0 on success, 2 on a bad command line or a map the library
 * rejects (the library's da_strerror and da_last_error are printed), 1 if the
 * output file cannot be written.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "darray.h"

/* Drawing limits: beyond these a picture is no longer useful, and the tool
   refuses rather than writing hundreds of megabytes. */
#define MAX_DRAW_NDIM 2
#define MAX_RANKS 4096
#define MAX_CELLS (1 << 20)

#define EXIT_BAD_INPUT 2
#define EXIT_IO 1

/* ---- errors ---------------------------------------------------------------- */

/* A mistake found by the tool itself: the nearest darray error code, and our
   own detail (da_last_error belongs to the library). */
static int bad(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(int code, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "darray-dist: %s: ", da_strerror(code));
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fputs("Try 'darray-dist --help'.\n", stderr);
    return code;
}

/* A map the library rejected: its fixed sentence and its detail message. */
static int lib_failed(int code)
{
    fprintf(stderr, "darray-dist: %s: %s\n", da_strerror(code), da_last_error());
    return code;
}

static void usage(FILE *f)
{
    fputs("Usage: darray-dist --shape SHAPE [--grid GRID] [--ranks N] [--dist KINDS] [-o FILE.svg] [--text]\n"
          "\n"
          "Draw how darray distributes a 1-D or 2-D array over a grid of processes:\n"
          "each cell shows the rank that owns it.\n"
          "\n"
          "  --shape SHAPE   extents, e.g. 16 or 16x12 (dimension 0 first; rows = dimension 0)\n"
          "  --grid GRID     process grid, e.g. 2x2; 0 in a dimension means \"choose\".\n"
          "                  Omitted: the library chooses the whole grid.\n"
          "  --ranks N       number of ranks. Default: the product of the grid extents that are\n"
          "                  fixed (by --grid, irregular starts or none), times 4 if any\n"
          "                  dimension is left to choose (so 4 when there is no grid at all).\n"
          "  --dist KINDS    one kind per dimension, comma-separated (one kind applies to all):\n"
          "                    block              balanced blocks (the default)\n"
          "                    block_ga, ga       Global Arrays' blocks: chunk ceil(n/p)\n"
          "                    cyclic             index i on grid coordinate i mod p\n"
          "                    block_cyclic:B, bc:B  blocks of B dealt round-robin\n"
          "                    irregular:0:S1:... explicit first index of each part\n"
          "                    none               not distributed (grid extent 1)\n"
          "                    unstructured:SEED  a random, balanced partition of the indices,\n"
          "                                       the same for the same SEED\n"
          "                  The grid extent of an irregular dimension is its number of starts;\n"
          "                  of an unstructured one, the --grid extent (or chosen as for block).\n"
          "  -o FILE         write an SVG picture to FILE ('-' for standard output)\n"
          "  --text          print the map on the terminal (the default without -o)\n"
          "  -h, --help      show this help\n"
          "\n"
          "Text output uses one character per cell: ranks 0-9, then a-z, then A-Z, '?' beyond.\n"
          "Colours are used when standard output is a terminal and NO_COLOR is not set.\n"
          "\n"
          "Examples:\n"
          "  darray-dist --shape 16x16 --grid 2x2 --dist block,cyclic\n"
          "  darray-dist --shape 16x16 --grid 2x2 --dist bc:2 -o block-cyclic.svg\n"
          "  darray-dist --shape 12 --dist irregular:0:3:7\n",
          f);
}

/* ---- parsing ------------------------------------------------------------------ */

/* A whole decimal integer from s up to the first character in stops (or the
   end); *end is set past it. Returns 0 on success, -1 if not a number. */
static int parse_i64(const char *s, const char *stops, int64_t *v, const char **end)
{
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    if (*p < '0' || *p > '9') return -1;
    errno = 0;
    char *e;
    long long x = strtoll(s, &e, 10);
    if (errno == ERANGE) return -1;
    if (*e && !strchr(stops, *e)) return -1;
    *v = x;
    *end = e;
    return 0;
}

/* A list like 16x12 or 16,12 into at most max values. Returns the count, or
   -1 if malformed, or max + 1 if there are too many. */
static int parse_extents(const char *s, int64_t *out, int max)
{
    int n = 0;
    const char *p = s;
    for (;;) {
        int64_t v;
        const char *e;
        if (parse_i64(p, "xX,", &v, &e) != 0) return -1;
        if (n == max) return max + 1;
        out[n++] = v;
        if (!*e) return n;
        p = e + 1;
    }
}

typedef struct dim_opt {
    const char *text;        /* as typed, for messages */
    da_dist_kind_t kind;
    int64_t block_size;      /* BLOCK_CYCLIC, as asked */
    int nstarts;             /* IRREGULAR */
    int64_t *starts;
    uint64_t seed;           /* UNSTRUCTURED */
    int64_t *pool;           /* UNSTRUCTURED: the generated lists, back to back */
    const int64_t **lists;
    int64_t *counts;
} dim_opt_t;

/* Does `word` (up to its ':' or end) name `name`? */
static int is_kind(const char *word, size_t len, const char *name)
{
    return strlen(name) == len && strncasecmp(word, name, len) == 0;
}

static int parse_kind(const char *text, int dim, dim_opt_t *o)
{
    memset(o, 0, sizeof *o);
    o->text = text;
    const char *colon = strchr(text, ':');
    size_t len = colon ? (size_t)(colon - text) : strlen(text);
    const char *arg = colon ? colon + 1 : NULL;
    int takes_arg = 1;
    if (is_kind(text, len, "block")) {
        o->kind = DA_DIST_BLOCK;
        takes_arg = 0;
    } else if (is_kind(text, len, "block_ga") || is_kind(text, len, "ga")) {
        o->kind = DA_DIST_BLOCK_GA;
        takes_arg = 0;
    } else if (is_kind(text, len, "cyclic")) {
        o->kind = DA_DIST_CYCLIC;
        takes_arg = 0;
    } else if (is_kind(text, len, "none")) {
        o->kind = DA_DIST_NONE;
        takes_arg = 0;
    } else if (is_kind(text, len, "block_cyclic") || is_kind(text, len, "bc")) {
        o->kind = DA_DIST_BLOCK_CYCLIC;
        const char *e;
        if (!arg || parse_i64(arg, "", &o->block_size, &e) != 0)
            return bad(DA_ERR_BLOCK_SIZE, "dimension %d: '%s': the block size must be an integer, e.g. block_cyclic:4",
                       dim, text);
    } else if (is_kind(text, len, "irregular")) {
        o->kind = DA_DIST_IRREGULAR;
        if (!arg || !*arg)
            return bad(DA_ERR_SPLITS, "dimension %d: '%s' needs the first index of each part, e.g. irregular:0:3:7",
                       dim, text);
        int n = 1;
        for (const char *p = arg; *p; p++) n += *p == ':';
        if (n > MAX_RANKS) return bad(DA_ERR_SPLITS, "dimension %d: more than %d parts", dim, MAX_RANKS);
        o->starts = malloc(sizeof *o->starts * (size_t)n);
        if (!o->starts) return bad(DA_ERR_NOMEM, "no memory for %d starts", n);
        const char *p = arg;
        for (int i = 0; i < n; i++) {
            const char *e;
            if (parse_i64(p, ":", &o->starts[i], &e) != 0)
                return bad(DA_ERR_SPLITS, "dimension %d: '%s': start %d is not an integer", dim, text, i);
            p = e + (*e ? 1 : 0);
        }
        o->nstarts = n;
    } else if (is_kind(text, len, "unstructured")) {
        o->kind = DA_DIST_UNSTRUCTURED;
        const char *p = arg;
        char *e;
        if (p && *p >= '0' && *p <= '9') {
            errno = 0;
            unsigned long long s = strtoull(p, &e, 10);
            if (errno == 0 && !*e) {
                o->seed = s;
                return DA_SUCCESS;
            }
        }
        return bad(DA_ERR_ARG, "dimension %d: '%s' needs a seed (an unsigned integer), e.g. unstructured:7",
                   dim, text);
    } else {
        return bad(DA_ERR_KIND,
                   "dimension %d: '%.*s' is not one of block, block_ga (ga), cyclic, block_cyclic:B (bc:B), "
                   "irregular:S0:S1:..., none, unstructured:SEED",
                   dim, (int)(len > 40 ? 40 : len), text);
    }
    if (!takes_arg && arg) return bad(DA_ERR_ARG, "dimension %d: '%s' takes no parameter", dim, text);
    return DA_SUCCESS;
}

/* ---- unstructured partitions ------------------------------------------------ */

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Shuffle [0, n) (Fisher-Yates driven by splitmix64 from the seed), give
   part c the next n/p or n/p + 1 of them (larger parts first), and list each
   part's indices in ascending order. */
static int make_unstructured(dim_opt_t *o, int64_t n, int p)
{
    o->pool = malloc(sizeof *o->pool * (size_t)n);
    o->lists = calloc((size_t)p, sizeof *o->lists);
    o->counts = calloc((size_t)p, sizeof *o->counts);
    if (!o->pool || !o->lists || !o->counts) return bad(DA_ERR_NOMEM, "no memory for an unstructured partition");
    for (int64_t i = 0; i < n; i++) o->pool[i] = i;
    uint64_t state = o->seed;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)(((unsigned __int128)splitmix64(&state) * (uint64_t)(i + 1)) >> 64);
        int64_t t = o->pool[i];
        o->pool[i] = o->pool[j];
        o->pool[j] = t;
    }
    int64_t q = n / p, r = n % p, off = 0;
    for (int c = 0; c < p; c++) {
        o->counts[c] = q + (c < r);
        o->lists[c] = o->pool + off;
        qsort(o->pool + off, (size_t)o->counts[c], sizeof *o->pool, cmp_i64);
        off += o->counts[c];
    }
    return DA_SUCCESS;
}

/* ---- the picture, independent of the output format --------------------------- */

typedef struct picture {
    da_dist_t *map;
    int ndim;
    int64_t shape[MAX_DRAW_NDIM];
    int grid[MAX_DRAW_NDIM];
    int nranks;
    int64_t rows, cols;      /* rows = dimension 0 (1 for a 1-D map) */
    int *owner;              /* rows * cols owner ranks */
    int64_t *lshape;         /* nranks * ndim local extents */
    int *coords;             /* nranks * ndim grid coordinates */
    char kinds[1024];        /* "block, cyclic" */
} picture_t;

static char rank_symbol(int r)
{
    static const char sym[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    return r >= 0 && r < (int)sizeof sym - 1 ? sym[r] : '?';
}

/* "16x12"-style join of n extents. */
static void join_extents(char *buf, size_t size, const int64_t *v, int n, const char *sep)
{
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < n && k < size; i++)
        k += (size_t)snprintf(buf + k, size - k, "%s%" PRId64, i ? sep : "", v[i]);
}

static void describe_kinds(picture_t *pic, const dim_opt_t *dims)
{
    size_t k = 0, size = sizeof pic->kinds;
    for (int i = 0; i < pic->ndim && k < size; i++) {
        const dim_opt_t *o = &dims[i];
        const char *sep = i ? ", " : "";
        switch (o->kind) {
        case DA_DIST_BLOCK: k += (size_t)snprintf(pic->kinds + k, size - k, "%sblock", sep); break;
        case DA_DIST_BLOCK_GA: k += (size_t)snprintf(pic->kinds + k, size - k, "%sblock_ga", sep); break;
        case DA_DIST_CYCLIC: k += (size_t)snprintf(pic->kinds + k, size - k, "%scyclic", sep); break;
        case DA_DIST_NONE: k += (size_t)snprintf(pic->kinds + k, size - k, "%snone", sep); break;
        case DA_DIST_BLOCK_CYCLIC: {
            da_dist_kind_t kind;
            int64_t b = o->block_size;
            da_dist_dim_kind(pic->map, i, &kind, &b); /* the block size in effect (clamped to the extent) */
            if (b == o->block_size)
                k += (size_t)snprintf(pic->kinds + k, size - k, "%sblock_cyclic(%" PRId64 ")", sep, b);
            else
                k += (size_t)snprintf(pic->kinds + k, size - k, "%sblock_cyclic(%" PRId64 ", asked %" PRId64 ")",
                                      sep, b, o->block_size);
            break;
        }
        case DA_DIST_IRREGULAR:
            /* many starts: the first eight, then the last */
            k += (size_t)snprintf(pic->kinds + k, size - k, "%sirregular(", sep);
            for (int j = 0; j < o->nstarts && k < size; j++) {
                if (o->nstarts > 10 && j == 8) {
                    k += (size_t)snprintf(pic->kinds + k, size - k, ",...");
                    j = o->nstarts - 1;
                }
                k += (size_t)snprintf(pic->kinds + k, size - k, "%s%" PRId64, j ? "," : "", o->starts[j]);
            }
            if (k < size) k += (size_t)snprintf(pic->kinds + k, size - k, ")");
            break;
        case DA_DIST_UNSTRUCTURED:
            k += (size_t)snprintf(pic->kinds + k, size - k, "%sunstructured(seed %llu)", sep,
                                  (unsigned long long)o->seed);
            break;
        }
    }
}

/* Title with `times` between extents ("x" for text, a multiplication sign for SVG). */
static void make_title(const picture_t *pic, char *buf, size_t size, const char *times)
{
    char shape[128], grid[128];
    int64_t g[MAX_DRAW_NDIM];
    for (int i = 0; i < pic->ndim; i++) g[i] = pic->grid[i];
    join_extents(shape, sizeof shape, pic->shape, pic->ndim, times);
    join_extents(grid, sizeof grid, g, pic->ndim, times);
    if (pic->ndim == 1)
        snprintf(buf, size, "%s over %d rank%s: %s", shape, pic->nranks, pic->nranks == 1 ? "" : "s", pic->kinds);
    else
        snprintf(buf, size, "%s over grid %s (%d rank%s): %s", shape, grid, pic->nranks, pic->nranks == 1 ? "" : "s",
                 pic->kinds);
}

/* "rank 3 (1,1): 8x8" */
static void legend_entry(const picture_t *pic, int r, char *buf, size_t size, const char *times)
{
    char ls[128];
    join_extents(ls, sizeof ls, &pic->lshape[(size_t)r * pic->ndim], pic->ndim, times);
    int64_t elements = 1;
    for (int i = 0; i < pic->ndim; i++) elements *= pic->lshape[(size_t)r * pic->ndim + i];
    const int *c = &pic->coords[(size_t)r * pic->ndim];
    if (pic->ndim == 1)
        snprintf(buf, size, "rank %d: %s%s", r, ls, elements ? "" : " (empty)");
    else
        snprintf(buf, size, "rank %d (%d,%d): %s%s", r, c[0], c[1], ls, elements ? "" : " (empty)");
}

static int fill_picture(picture_t *pic)
{
    int rc;
    if ((rc = da_dist_ndim(pic->map, &pic->ndim)) || (rc = da_dist_shape(pic->map, pic->shape)) ||
        (rc = da_dist_grid(pic->map, pic->grid)) || (rc = da_dist_nranks(pic->map, &pic->nranks)))
        return lib_failed(rc);
    pic->rows = pic->ndim == 2 ? pic->shape[0] : 1;
    pic->cols = pic->shape[pic->ndim - 1];
    pic->owner = malloc(sizeof *pic->owner * (size_t)(pic->rows * pic->cols));
    pic->lshape = malloc(sizeof *pic->lshape * (size_t)pic->nranks * (size_t)pic->ndim);
    pic->coords = malloc(sizeof *pic->coords * (size_t)pic->nranks * (size_t)pic->ndim);
    if (!pic->owner || !pic->lshape || !pic->coords) return bad(DA_ERR_NOMEM, "no memory for the picture");
    for (int64_t r = 0; r < pic->rows; r++)
        for (int64_t c = 0; c < pic->cols; c++) {
            int64_t g[MAX_DRAW_NDIM] = {pic->ndim == 2 ? r : c, c};
            if ((rc = da_dist_owner(pic->map, g, &pic->owner[r * pic->cols + c], NULL, NULL))) return lib_failed(rc);
        }
    for (int r = 0; r < pic->nranks; r++) {
        if ((rc = da_dist_local_shape(pic->map, r, &pic->lshape[(size_t)r * pic->ndim], NULL)) ||
            (rc = da_dist_rank_coords(pic->map, r, &pic->coords[(size_t)r * pic->ndim])))
            return lib_failed(rc);
    }
    return DA_SUCCESS;
}

/* ---- colours ---------------------------------------------------------------------- */

/* Tableau 10: distinguishable, colour-blind aware; cycles beyond rank 9. */
static const unsigned palette[] = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f,
                                   0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac};
#define NPALETTE ((int)(sizeof palette / sizeof palette[0]))

static unsigned rank_colour(int r)
{
    return palette[r % NPALETTE];
}

/* Dark text on light fills, white on dark ones (perceived luminance). */
static int is_light(unsigned rgb)
{
    unsigned r = rgb >> 16 & 255, g = rgb >> 8 & 255, b = rgb & 255;
    return 299 * r + 587 * g + 114 * b > 150000;
}

/* Nearest colour of the xterm 256-colour cube. */
static int xterm256(unsigned rgb)
{
    static const int level[6] = {0, 95, 135, 175, 215, 255};
    int idx[3];
    for (int k = 0; k < 3; k++) {
        int v = (int)(rgb >> (16 - 8 * k) & 255), best = 0;
        for (int j = 1; j < 6; j++)
            if (abs(level[j] - v) < abs(level[best] - v)) best = j;
        idx[k] = best;
    }
    return 16 + 36 * idx[0] + 6 * idx[1] + idx[2];
}

/* ---- text output -------------------------------------------------------------- */

static void set_colour(FILE *f, int r)
{
    unsigned rgb = rank_colour(r);
    fprintf(f, "\x1b[%s;48;5;%dm", is_light(rgb) ? "30" : "97", xterm256(rgb));
}

static void write_text(const picture_t *pic, FILE *f, int colour)
{
    char title[1400];
    make_title(pic, title, sizeof title, "x");
    fprintf(f, "%s\n", title);
    if (pic->ndim == 2)
        fputs("rows: dimension 0, columns: dimension 1; each cell shows its owner rank\n", f);
    else
        fputs("one row: dimension 0; each cell shows its owner rank\n", f);
    for (int64_t r = 0; r < pic->rows; r++) {
        int last = -1;
        for (int64_t c = 0; c < pic->cols; c++) {
            int o = pic->owner[r * pic->cols + c];
            if (colour) {
                if (o != last) set_colour(f, o);
                fputc(rank_symbol(o), f);
                fputc(' ', f);
                last = o;
            } else {
                if (c) fputc(' ', f);
                fputc(rank_symbol(o), f);
            }
        }
        fputs(colour ? "\x1b[0m\n" : "\n", f);
    }
    fputs("local shapes:\n", f);
    for (int r = 0; r < pic->nranks; r++) {
        char entry[256];
        legend_entry(pic, r, entry, sizeof entry, "x");
        fputs("  ", f);
        if (colour) set_colour(f, r);
        fprintf(f, "%c", rank_symbol(r));
        if (colour) fputs("\x1b[0m", f);
        fprintf(f, "  %s\n", entry);
    }
}

/* ---- SVG output ------------------------------------------------------------------ */

/* Our text holds digits, letters, spaces and punctuation we choose; escape
   the XML specials anyway. */
static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Rough width of sans-serif text (average glyph about 0.6 em). */
static double text_width(const char *s, double font)
{
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xc0) != 0x80; /* count UTF-8 characters */
    return (double)n * font * 0.6;
}

static int digits(int64_t v)
{
    int d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

static void write_svg(const picture_t *pic, FILE *f)
{
    const char *times = "\xc3\x97"; /* U+00D7 MULTIPLICATION SIGN */
    const double margin = 16, title_font = 16, small_font = 11, label_font = 10;

    /* Cells: square, at most 40 px, the grid at most 960 x 720 px. A 1-D map
       is one row, at least 24 px tall however small its cells. */
    double cw = 40;
    if (960.0 / (double)pic->cols < cw) cw = 960.0 / (double)pic->cols;
    if (pic->ndim == 2 && 720.0 / (double)pic->rows < cw) cw = 720.0 / (double)pic->rows;
    double ch = pic->ndim == 2 ? cw : (cw > 24 ? cw : 24);
    double gw = cw * (double)pic->cols, gh = ch * (double)pic->rows;

    /* Index labels every `step` cells, at least 24 px apart. */
    int64_t cstep = 1, rstep = 1;
    while ((double)cstep * cw < 24) cstep *= 2;
    while ((double)rstep * ch < 16) rstep *= 2;

    /* rank numbers inside cells big enough to read them */
    int maxdig = digits(pic->nranks - 1);
    double nf = cw * 0.45;
    if (nf > cw * 0.85 / (0.6 * maxdig)) nf = cw * 0.85 / (0.6 * maxdig);
    int numbers = nf >= 7;

    char title[1400], subtitle[128];
    make_title(pic, title, sizeof title, times);
    snprintf(subtitle, sizeof subtitle, "%s; %s: owner rank",
             pic->ndim == 2 ? "rows: dimension 0, columns: dimension 1" : "one row: dimension 0",
             numbers ? "colour and number" : "colour");

    double row_label_w = pic->ndim == 2 ? digits(pic->rows - 1) * label_font * 0.6 + 6 : 0;
    double gx = margin + row_label_w;
    double gy = margin + title_font + 6 + small_font + 8 + label_font + 4;

    /* Legend: entries in columns under the grid. */
    double entry_w = 0;
    for (int r = 0; r < pic->nranks; r++) {
        char e[256];
        legend_entry(pic, r, e, sizeof e, times);
        double w = 14 + 6 + text_width(e, small_font) + 18;
        if (w > entry_w) entry_w = w;
    }
    double width = gx + gw + margin;
    double tw = margin + text_width(title, title_font) + margin;
    if (tw > width) width = tw;
    double sw = margin + text_width(subtitle, small_font) + margin;
    if (sw > width) width = sw;
    if (margin + entry_w + margin > width) width = margin + entry_w + margin;
    int lcols = (int)((width - 2 * margin) / entry_w);
    if (lcols < 1) lcols = 1;
    if (lcols > pic->nranks) lcols = pic->nranks;
    int lrows = (pic->nranks + lcols - 1) / lcols;
    double ly = gy + gh + 20, lrow_h = 20;
    double height = ly + lrows * lrow_h + margin - 4;

    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
            "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
            width, height, width, height);
    fputs("<title>", f);
    xml_text(f, title);
    fputs("</title>\n", f);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\" font-weight=\"bold\" fill=\"#222\">", margin,
            margin + title_font - 2, title_font);
    xml_text(f, title);
    fputs("</text>\n", f);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\" fill=\"#555\">", margin,
            margin + title_font + 6 + small_font - 1, small_font);
    xml_text(f, subtitle);
    fputs("</text>\n", f);

    /* index labels */
    fprintf(f, "<g font-size=\"%.0f\" fill=\"#666\">\n", label_font);
    for (int64_t c = 0; c < pic->cols; c += cstep)
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">%" PRId64 "</text>\n", gx + (c + 0.5) * cw,
                gy - 4, c);
    if (pic->ndim == 2)
        for (int64_t r = 0; r < pic->rows; r += rstep)
            fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">%" PRId64 "</text>\n", gx - 4,
                    gy + (r + 0.5) * ch + label_font * 0.35, r);
    fputs("</g>\n", f);

    /* cells: one rect per run of one owner along a row, then white cell
       borders on top as one path (small files, same look as per-cell rects) */
    fputs("<g shape-rendering=\"crispEdges\">\n", f);
    for (int64_t r = 0; r < pic->rows; r++) {
        int64_t c = 0;
        while (c < pic->cols) {
            int o = pic->owner[r * pic->cols + c];
            int64_t e = c + 1;
            while (e < pic->cols && pic->owner[r * pic->cols + e] == o) e++;
            fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#%06x\"/>\n",
                    gx + (double)c * cw, gy + (double)r * ch, (double)(e - c) * cw, ch, rank_colour(o));
            c = e;
        }
    }
    fputs("</g>\n", f);
    if (cw >= 3) {
        double sw_line = cw >= 12 ? 1.5 : cw >= 6 ? 1 : 0.5;
        fprintf(f, "<path fill=\"none\" stroke=\"#ffffff\" stroke-width=\"%.1f\" d=\"", sw_line);
        for (int64_t c = 0; c <= pic->cols; c++) fprintf(f, "M%.2f %.2fv%.2f", gx + (double)c * cw, gy, gh);
        for (int64_t r = 0; r <= pic->rows; r++) fprintf(f, "M%.2f %.2fh%.2f", gx, gy + (double)r * ch, gw);
        fputs("\"/>\n", f);
    }

    if (numbers) {
        fprintf(f, "<g font-size=\"%.1f\" text-anchor=\"middle\">\n", nf);
        for (int64_t r = 0; r < pic->rows; r++)
            for (int64_t c = 0; c < pic->cols; c++) {
                int o = pic->owner[r * pic->cols + c];
                fprintf(f, "<text x=\"%.2f\" y=\"%.2f\"%s>%d</text>\n", gx + (c + 0.5) * cw,
                        gy + (r + 0.5) * ch + nf * 0.36, is_light(rank_colour(o)) ? "" : " fill=\"#fff\"", o);
            }
        fputs("</g>\n", f);
    }

    /* legend */
    fprintf(f, "<g font-size=\"%.0f\" fill=\"#222\">\n", small_font);
    for (int r = 0; r < pic->nranks; r++) {
        char e[256];
        legend_entry(pic, r, e, sizeof e, times);
        double x = margin + (r % lcols) * entry_w, y = ly + (r / lcols) * lrow_h;
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"#%06x\"/>", x, y, rank_colour(r));
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", x + 20, y + 11);
        xml_text(f, e);
        fputs("</text>\n", f);
    }
    fputs("</g>\n</svg>\n", f);
}

/* ---- main -------------------------------------------------------------------------- */

typedef struct options {
    const char *shape, *grid, *ranks, *dist, *output;
    int text;
} options_t;

static int parse_args(int argc, char **argv, options_t *opt)
{
    static const struct option longopts[] = {
        {"shape", required_argument, NULL, 's'}, {"grid", required_argument, NULL, 'g'},
        {"ranks", required_argument, NULL, 'r'}, {"dist", required_argument, NULL, 'd'},
        {"output", required_argument, NULL, 'o'}, {"text", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 's': opt->shape = optarg; break;
        case 'g': opt->grid = optarg; break;
        case 'r': opt->ranks = optarg; break;
        case 'd': opt->dist = optarg; break;
        case 'o': opt->output = optarg; break;
        case 't': opt->text = 1; break;
        case 'h': usage(stdout); return 1;
        case ':': return bad(DA_ERR_ARG, "option '%s' needs a value", argv[optind - 1]);
        default: return bad(DA_ERR_ARG, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return bad(DA_ERR_ARG, "unexpected argument '%s'", argv[optind]);
    if (!opt->shape) return bad(DA_ERR_ARG, "--shape is required, e.g. --shape 16x16");
    return DA_SUCCESS;
}

/* Everything main owns, freed in one place. */
typedef struct state {
    dim_opt_t dims[MAX_DRAW_NDIM];
    char *dist_copy;
    picture_t pic;
} state_t;

static void free_state(state_t *s)
{
    for (int i = 0; i < MAX_DRAW_NDIM; i++) {
        free(s->dims[i].starts);
        free(s->dims[i].pool);
        free(s->dims[i].lists);
        free(s->dims[i].counts);
    }
    free(s->dist_copy);
    if (s->pic.map) da_dist_destroy(&s->pic.map);
    free(s->pic.owner);
    free(s->pic.lshape);
    free(s->pic.coords);
}

/* Parse, build the map and fill the picture. Returns a DA_ERR_* code (after
   printing it) or DA_SUCCESS; 1 means --help was shown. */
static int build(int argc, char **argv, options_t *opt, state_t *st)
{
    int rc = parse_args(argc, argv, opt);
    if (rc) return rc;

    /* shape */
    int64_t shape[MAX_DRAW_NDIM + 1];
    int ndim = parse_extents(opt->shape, shape, MAX_DRAW_NDIM + 1);
    if (ndim < 0) return bad(DA_ERR_SHAPE, "--shape '%s': expected extents like 16 or 16x12", opt->shape);
    if (ndim > MAX_DRAW_NDIM)
        return bad(DA_ERR_NDIM, "--shape '%s': darray-dist draws 1-D and 2-D maps only", opt->shape);

    /* kinds: one per dimension, or one for all */
    const char *dist = opt->dist ? opt->dist : "block";
    st->dist_copy = strdup(dist);
    if (!st->dist_copy) return bad(DA_ERR_NOMEM, "no memory");
    char *words[MAX_DRAW_NDIM + 1];
    int nkinds = 0;
    for (char *p = st->dist_copy;;) {
        char *comma = strchr(p, ',');
        if (comma) *comma = 0;
        if (nkinds == MAX_DRAW_NDIM + 1) {
            nkinds++;
            break;
        }
        words[nkinds++] = p;
        if (!comma) break;
        p = comma + 1;
    }
    if (nkinds != 1 && nkinds != ndim)
        return bad(DA_ERR_ARG, "--dist '%s': %s%d kinds for a %d-D shape (give one per dimension, or one for all)",
                   dist, nkinds > MAX_DRAW_NDIM ? "at least " : "", nkinds, ndim);
    for (int i = 0; i < ndim; i++)
        if ((rc = parse_kind(words[nkinds == 1 ? 0 : i], i, &st->dims[i]))) return rc;

    /* grid */
    int grid[MAX_DRAW_NDIM] = {0}, have_grid = 0;
    if (opt->grid) {
        int64_t g[MAX_DRAW_NDIM + 1];
        int n = parse_extents(opt->grid, g, MAX_DRAW_NDIM + 1);
        if (n < 0) return bad(DA_ERR_GRID, "--grid '%s': expected extents like 4 or 2x2 (0 = choose)", opt->grid);
        if (n != ndim)
            return bad(DA_ERR_GRID, "--grid '%s' has %s%d extent%s, --shape '%s' has %d", opt->grid,
                       n > MAX_DRAW_NDIM ? "at least " : "", n, n == 1 ? "" : "s", opt->shape, ndim);
        for (int i = 0; i < ndim; i++) {
            if (g[i] > MAX_RANKS || g[i] < -MAX_RANKS)
                return bad(DA_ERR_GRID, "--grid '%s': extent %" PRId64 " is too large to draw (at most %d ranks)",
                           opt->grid, g[i], MAX_RANKS);
            grid[i] = (int)g[i];
        }
        have_grid = 1;
    }

    /* ranks: given, or the fixed extents' product (times 4 if a dimension is free) */
    int64_t nranks;
    if (opt->ranks) {
        const char *e;
        if (parse_i64(opt->ranks, "", &nranks, &e) != 0)
            return bad(DA_ERR_GRID, "--ranks '%s' is not an integer", opt->ranks);
    } else {
        int64_t fixed = 1;
        int nfree = 0;
        for (int i = 0; i < ndim; i++) {
            const dim_opt_t *o = &st->dims[i];
            int64_t e = o->kind == DA_DIST_IRREGULAR ? o->nstarts : o->kind == DA_DIST_NONE ? 1 : grid[i];
            if (e > 0) fixed *= e;
            else nfree++;
        }
        nranks = nfree ? fixed * 4 : fixed;
    }
    if (nranks > MAX_RANKS)
        return bad(DA_ERR_ARG, "%" PRId64 " ranks: darray-dist draws at most %d ranks", nranks, MAX_RANKS);
    if (nranks < INT32_MIN) nranks = INT32_MIN; /* still negative: the library says why */

    /* First map: unstructured dimensions stand in as block, which validates
       everything else and chooses their grid extents if not given. */
    da_dim_spec_t spec[MAX_DRAW_NDIM];
    int nunstructured = 0;
    for (int i = 0; i < ndim; i++) {
        const dim_opt_t *o = &st->dims[i];
        switch (o->kind) {
        case DA_DIST_BLOCK_CYCLIC: spec[i] = DA_DIM_BLOCK_CYCLIC(o->block_size); break;
        case DA_DIST_IRREGULAR: spec[i] = DA_DIM_IRREGULAR(o->nstarts, o->starts); break;
        case DA_DIST_UNSTRUCTURED:
            spec[i] = DA_DIM_BLOCK;
            nunstructured++;
            break;
        default: spec[i] = (da_dim_spec_t){.kind = o->kind};
        }
    }
    da_dist_t *map = NULL;
    if ((rc = da_dist_create(ndim, shape, spec, have_grid ? grid : NULL, (int)nranks, &map))) return lib_failed(rc);
    st->pic.map = map;

    int64_t cells = ndim == 2 ? shape[0] * shape[1] : shape[0];
    if (shape[0] > MAX_CELLS || (ndim == 2 && shape[1] > MAX_CELLS) || cells > MAX_CELLS)
        return bad(DA_ERR_ARG, "--shape '%s': too large to draw (at most %d cells)", opt->shape, MAX_CELLS);

    if (nunstructured) {
        int chosen[MAX_DRAW_NDIM];
        if ((rc = da_dist_grid(map, chosen))) return lib_failed(rc);
        for (int i = 0; i < ndim; i++)
            if (st->dims[i].kind == DA_DIST_UNSTRUCTURED) {
                if ((rc = make_unstructured(&st->dims[i], shape[i], chosen[i]))) return rc;
                spec[i] = DA_DIM_UNSTRUCTURED(chosen[i], st->dims[i].lists, st->dims[i].counts);
            }
        da_dist_destroy(&st->pic.map);
        if ((rc = da_dist_create(ndim, shape, spec, chosen, (int)nranks, &st->pic.map))) return lib_failed(rc);
    }

    if ((rc = fill_picture(&st->pic))) return rc;
    describe_kinds(&st->pic, st->dims);
    return DA_SUCCESS;
}

int main(int argc, char **argv)
{
    options_t opt = {0};
    state_t st = {0};
    int rc = build(argc, argv, &opt, &st);
    if (rc) {
        free_state(&st);
        return rc == 1 ? 0 : EXIT_BAD_INPUT;
    }
    int status = 0;
    if (opt.output) {
        int to_stdout = strcmp(opt.output, "-") == 0;
        FILE *f = to_stdout ? stdout : fopen(opt.output, "w");
        if (!f) {
            fprintf(stderr, "darray-dist: cannot write '%s': %s\n", opt.output, strerror(errno));
            status = EXIT_IO;
        } else {
            write_svg(&st.pic, f);
            if (ferror(f) | (to_stdout ? fflush(f) : fclose(f))) {
                fprintf(stderr, "darray-dist: error writing '%s': %s\n", opt.output, strerror(errno));
                status = EXIT_IO;
            }
        }
    }
    if (opt.text || !opt.output) {
        const char *no_colour = getenv("NO_COLOR");
        int colour = isatty(STDOUT_FILENO) && !(no_colour && *no_colour);
        write_text(&st.pic, stdout, colour);
        if (fflush(stdout) != 0) status = EXIT_IO;
    }
    free_state(&st);
    return status;
}
