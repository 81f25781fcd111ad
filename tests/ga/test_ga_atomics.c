/* GA-style test of irregular access and synchronisation: an NGA_Read_inc
 * task counter, mutex-protected read-modify-write, an NGA_Scatter_acc
 * histogram, NGA_Scatter / NGA_Gather with GA's int** subscripts. */
#include "ga_test.h"

#define NTASK 200
#define NBIN 13
#define PER_RANK 300

int main(int argc, char **argv)
{
    ga_test_init(&argc, &argv);
    int me = GA_Nodeid(), np = GA_Nnodes();

    /* task counter: every task index is handed out exactly once */
    {
        int one = 1, zero = 0;
        int g_cnt = NGA_Create(C_LONG, 1, &one, "counter", NULL);
        int g_done = NGA_Create(C_INT, 1, (int[]){NTASK}, "done", NULL);
        GA_Zero(g_cnt);
        GA_Zero(g_done);
        int ones[1] = {1}, mine = 0;
        for (;;) {
            long task = NGA_Read_inc(g_cnt, &zero, 1);
            if (task >= NTASK) break;
            int t = (int)task, lo[1] = {t}, hi[1] = {t};
            NGA_Acc(g_done, lo, hi, ones, NULL, &one);
            mine++;
        }
        GA_Sync();
        int *done = malloc(sizeof(int) * NTASK), lo[1] = {0}, hi[1] = {NTASK - 1};
        NGA_Get(g_done, lo, hi, done, NULL);
        for (int i = 0; i < NTASK; i++) CHECK(done[i] == 1, "task %d done %d times", i, done[i]);
        GA_Igop(&mine, 1, "+");
        CHECK(mine == NTASK, "tasks taken %d", mine);
        long final;
        NGA_Get(g_cnt, &zero, &zero, &final, NULL);
        REPORT("NGA_Read_inc counter ends at %ld, %d tasks taken", final, mine);
        CHECK(final == NTASK + np, "counter ends at %ld, want %d", final, NTASK + np);
        free(done);
        GA_Destroy(g_cnt);
        GA_Destroy(g_done);
    }

    /* mutexes: get, add, put under a lock is exact */
    {
        CHECK(GA_Create_mutexes(3), "GA_Create_mutexes");
        int dims[2] = {3, 2};
        int g_a = NGA_Create(MT_F_DBL, 2, dims, "locked", NULL);
        GA_Zero(g_a);
        for (int it = 0; it < 20; it++) {
            int m = it % 3, lo[2] = {m, 0}, hi[2] = {m, 1}, ld1[1] = {2};
            double v[2];
            GA_Lock(m);
            NGA_Get(g_a, lo, hi, v, ld1);
            v[0] += 1;
            v[1] += me + 1;
            NGA_Put(g_a, lo, hi, v, ld1);
            GA_Unlock(m);
        }
        GA_Sync();
        double v[6];
        int lo[2] = {0, 0}, hi[2] = {2, 1}, ld[1] = {2};
        NGA_Get(g_a, lo, hi, v, ld);
        double sumranks = np * (np + 1) / 2.0;
        REPORT("mutex-protected rows: %g %g / %g %g / %g %g", v[0], v[1], v[2], v[3], v[4], v[5]);
        int per[3] = {7, 7, 6};
        for (int m = 0; m < 3; m++) {
            CHECK(v[2 * m] == per[m] * np, "mutex %d: count %g, want %d", m, v[2 * m], per[m] * np);
            CHECK(v[2 * m + 1] == per[m] * sumranks, "mutex %d: sum %g", m, v[2 * m + 1]);
        }
        GA_Destroy(g_a);
        CHECK(GA_Destroy_mutexes(), "GA_Destroy_mutexes");
    }

    /* histogram by NGA_Scatter_acc on a 2-D array of bins, duplicates included */
    {
        int dims[2] = {NBIN, 2};
        int g_h = NGA_Create(C_INT, 2, dims, "histogram", NULL);
        GA_Zero(g_h);
        int *subs = malloc(sizeof(int) * 2 * PER_RANK), **sp = malloc(sizeof(int *) * PER_RANK);
        int *vals = malloc(sizeof(int) * PER_RANK), alpha = 3;
        long want[NBIN][2] = {{0}};
        for (int r = 0; r < np; r++)
            for (int i = 0; i < PER_RANK; i++) {
                int b = (i * 7 + r * 3) % NBIN, c = (i + r) % 2;
                want[b][c] += 3L * (i % 5 + 1);
                if (r == me) {
                    subs[2 * i] = b;
                    subs[2 * i + 1] = c;
                    sp[i] = &subs[2 * i];
                    vals[i] = i % 5 + 1;
                }
            }
        NGA_Scatter_acc(g_h, vals, sp, PER_RANK, &alpha);
        GA_Sync();
        int got[NBIN * 2], lo[2] = {0, 0}, hi[2] = {NBIN - 1, 1}, ld[1] = {2};
        NGA_Get(g_h, lo, hi, got, ld);
        for (int b = 0; b < NBIN; b++) REPORT("NGA_Scatter_acc bin %d: %d %d", b, got[2 * b], got[2 * b + 1]);
        for (int b = 0; b < NBIN; b++)
            for (int c = 0; c < 2; c++)
                CHECK(got[2 * b + c] == want[b][c], "bin (%d,%d): %d, want %ld", b, c, got[2 * b + c], want[b][c]);

        /* scatter distinct points from rank 0, gather them back everywhere */
        int n = NBIN;
        double dv[NBIN], back[NBIN];
        int g_d = NGA_Create(C_DBL, 2, dims, "points", NULL);
        GA_Zero(g_d);
        for (int i = 0; i < n; i++) {
            subs[2 * i] = (i * 5) % NBIN;
            subs[2 * i + 1] = i % 2;
            sp[i] = &subs[2 * i];
            dv[i] = 0.5 + i;
        }
        if (me == 0) NGA_Scatter(g_d, dv, sp, n);
        GA_Sync();
        NGA_Gather(g_d, back, sp, n);
        for (int i = 0; i < n; i++) REPORT("NGA_Gather point %d: %g", i, back[i]);
        for (int i = 0; i < n; i++) CHECK(back[i] == dv[i], "gather point %d: %g", i, back[i]);
        free(subs);
        free(sp);
        free(vals);
        GA_Destroy(g_h);
        GA_Destroy(g_d);
    }

    /* broadcast and gop */
    {
        double x[3] = {me, -me - 1.0, 2};
        GA_Dgop(x, 3, "max");
        CHECK(x[0] == np - 1 && x[1] == -1 && x[2] == 2, "GA_Dgop max");
        long l[1] = {-(long)me - 1};
        GA_Lgop(l, 1, "absmax");
        CHECK(l[0] == np, "GA_Lgop absmax %ld", l[0]);
        int b[2] = {me == np - 1 ? 42 : 0, me};
        GA_Brdcst(b, sizeof b, np - 1);
        CHECK(b[0] == 42 && b[1] == np - 1, "GA_Brdcst");
        REPORT("GA_Dgop max %g %g %g, GA_Lgop absmax %ld, GA_Brdcst %d %d", x[0], x[1], x[2], l[0], b[0], b[1]);
    }
    ga_test_end("test_ga_atomics");
    return 0;
}
