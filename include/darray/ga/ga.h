/* darray's Global Arrays compatibility layer: GA's C API, translated onto
 * darray (libdarray-ga). Our own declarations of the calls GA 5.8 documents,
 * with GA's signatures: indices 0-based with inclusive hi, row-major
 * buffers, ld with ndim-1 entries, alpha pointing to one element of the
 * array's type. What is covered and what differs: docs/ga-migration.md.
 * A user error (a bad handle, bounds outside the array, a wrong type) ends
 * the program through GA_Error with a message naming the call, as GA does. */
#ifndef DARRAY_GA_GA_H
#define DARRAY_GA_GA_H

#include <stddef.h>
#include <stdint.h>

#include "gacommon.h"
#include "macdecls.h"
#include "typesf2c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A non-blocking transfer (NGA_NbPut/NbGet/NbAcc), completed by NGA_NbWait. */
typedef int64_t ga_nbhdl_t;

/* ---- life cycle ---------------------------------------------------------- */
void GA_Initialize(void);
void GA_Initialize_args(int *argc, char ***argv);
void NGA_Initialize(void);
int GA_Initialized(void);
void GA_Terminate(void);
void NGA_Terminate(void);
int GA_Nodeid(void);
int GA_Nnodes(void);
void GA_Error(char *message, int code);
int GA_Uses_ma(void);
int GA_Uses_fapi(void);
int GA_Memory_limited(void);
void GA_Set_memory_limit(size_t limit);
long GA_Memory_avail(void);

/* ---- creation ------------------------------------------------------------ */
int NGA_Create(int type, int ndim, int dims[], char *array_name, int chunk[]);
int NGA_Create64(int type, int ndim, int64_t dims[], char *array_name, int64_t chunk[]);
int NGA_Create_irreg(int type, int ndim, int dims[], char *array_name, int block[], int map[]);
int NGA_Create_irreg64(int type, int ndim, int64_t dims[], char *array_name, int64_t block[], int64_t map[]);
int GA_Create_handle(void);
void GA_Set_data(int g_a, int ndim, int dims[], int type);
void GA_Set_data64(int g_a, int ndim, int64_t dims[], int type);
void GA_Set_array_name(int g_a, char *name);
void GA_Set_chunk(int g_a, int chunk[]);
void GA_Set_chunk64(int g_a, int64_t chunk[]);
void GA_Set_irreg_distr(int g_a, int map[], int block[]);
void GA_Set_irreg_distr64(int g_a, int64_t map[], int64_t block[]);
void GA_Set_block_cyclic(int g_a, int dims[]);
void GA_Set_block_cyclic_proc_grid(int g_a, int dims[], int proc_grid[]);
int GA_Allocate(int g_a);
int GA_Duplicate(int g_a, char *array_name);
void GA_Destroy(int g_a);
int GA_Valid_handle(int g_a);
void NGA_Inquire(int g_a, int *type, int *ndim, int dims[]);
void NGA_Inquire64(int g_a, int *type, int *ndim, int64_t dims[]);
char *GA_Inquire_name(int g_a);
int GA_Ndim(int g_a);

/* ---- process groups (handle -1: the world) -------------------------------- */
int GA_Pgroup_create(int *list, int count);
int NGA_Pgroup_create(int *list, int count);
int GA_Pgroup_destroy(int grp);
int NGA_Pgroup_destroy(int grp);
int GA_Pgroup_split(int grp_id, int num_group);
int NGA_Pgroup_split(int grp_id, int num_group);
int GA_Pgroup_split_irreg(int grp_id, int color);
int NGA_Pgroup_split_irreg(int grp_id, int color);
int GA_Pgroup_duplicate(int grp);
int NGA_Pgroup_duplicate(int grp);
int GA_Pgroup_self(void);
int NGA_Pgroup_self(void);
int GA_Pgroup_absolute_id(int pgroup, int pid);
int NGA_Pgroup_absolute_id(int pgroup, int pid);
int GA_Pgroup_get_default(void);
int GA_Pgroup_get_world(void);
int GA_Pgroup_get_mirror(void);
int NGA_Pgroup_get_default(void);
int NGA_Pgroup_get_world(void);
int NGA_Pgroup_get_mirror(void);
void GA_Pgroup_set_default(int p_handle);
void NGA_Pgroup_set_default(int p_handle);
int GA_Pgroup_nnodes(int grp);
int GA_Pgroup_nodeid(int grp);
int NGA_Pgroup_nnodes(int grp);
int NGA_Pgroup_nodeid(int grp);
void GA_Pgroup_sync(int grp);
void NGA_Pgroup_sync(int grp);
void GA_Pgroup_brdcst(int grp, void *buf, int lenbuf, int root);
void GA_Pgroup_igop(int grp, int x[], int n, char *op);
void GA_Pgroup_lgop(int grp, long x[], int n, char *op);
void GA_Pgroup_llgop(int grp, long long x[], int n, char *op);
void GA_Pgroup_fgop(int grp, float x[], int n, char *op);
void GA_Pgroup_dgop(int grp, double x[], int n, char *op);
void GA_Set_pgroup(int g_a, int p_handle);
int GA_Get_pgroup(int g_a);
int GA_Get_pgroup_size(int grp);
int NGA_Create_config(int type, int ndim, int dims[], char *name, int chunk[], int p_handle);
int NGA_Create_irreg_config(int type, int ndim, int dims[], char *name, int block[], int map[], int p_handle);

/* ---- distribution -------------------------------------------------------- */
void NGA_Distribution(int g_a, int iproc, int lo[], int hi[]);
void NGA_Distribution64(int g_a, int iproc, int64_t lo[], int64_t hi[]);
int NGA_Locate(int g_a, int subscript[]);
int NGA_Locate_region(int g_a, int lo[], int hi[], int map[], int procs[]);
void NGA_Access(int g_a, int lo[], int hi[], void *ptr, int ld[]);
void NGA_Release(int g_a, int lo[], int hi[]);
void NGA_Release_update(int g_a, int lo[], int hi[]);
void NGA_Proc_topology(int g_a, int proc, int coord[]);
/* Block-cyclic arrays (NGA_Distribution then takes a block index). */
int GA_Total_blocks(int g_a);
int NGA_Total_blocks(int g_a);
void NGA_Access_block(int g_a, int idx, void *ptr, int ld[]);
void NGA_Access_block64(int g_a, int64_t idx, void *ptr, int64_t ld[]);
void NGA_Access_block_grid(int g_a, int index[], void *ptr, int ld[]);
void NGA_Access_block_grid64(int g_a, int64_t index[], void *ptr, int64_t ld[]);
void NGA_Access_block_segment(int g_a, int proc, void *ptr, int *len);
void NGA_Access_block_segment64(int g_a, int proc, void *ptr, int64_t *len);
void NGA_Release_block(int g_a, int idx);
void NGA_Release_update_block(int g_a, int idx);
void NGA_Release_block_grid(int g_a, int index[]);
void NGA_Release_update_block_grid(int g_a, int index[]);
void NGA_Release_block_segment(int g_a, int proc);
void NGA_Release_update_block_segment(int g_a, int proc);
void GA_Print_distribution(int g_a);

/* ---- one-sided ----------------------------------------------------------- */
void NGA_Put(int g_a, int lo[], int hi[], void *buf, int ld[]);
void NGA_Get(int g_a, int lo[], int hi[], void *buf, int ld[]);
void NGA_Acc(int g_a, int lo[], int hi[], void *buf, int ld[], void *alpha);
void NGA_Put64(int g_a, int64_t lo[], int64_t hi[], void *buf, int64_t ld[]);
void NGA_Get64(int g_a, int64_t lo[], int64_t hi[], void *buf, int64_t ld[]);
void NGA_Acc64(int g_a, int64_t lo[], int64_t hi[], void *buf, int64_t ld[], void *alpha);
void NGA_Strided_put(int g_a, int lo[], int hi[], int skip[], void *buf, int ld[]);
void NGA_Strided_get(int g_a, int lo[], int hi[], int skip[], void *buf, int ld[]);
void NGA_Strided_acc(int g_a, int lo[], int hi[], int skip[], void *buf, int ld[], void *alpha);
void NGA_NbPut(int g_a, int lo[], int hi[], void *buf, int ld[], ga_nbhdl_t *nbhandle);
void NGA_NbGet(int g_a, int lo[], int hi[], void *buf, int ld[], ga_nbhdl_t *nbhandle);
void NGA_NbAcc(int g_a, int lo[], int hi[], void *buf, int ld[], void *alpha, ga_nbhdl_t *nbhandle);
int NGA_NbWait(ga_nbhdl_t *nbhandle);
int NGA_NbTest(ga_nbhdl_t *nbhandle);
void NGA_Scatter(int g_a, void *v, int *subsArray[], int n);
void NGA_Gather(int g_a, void *v, int *subsArray[], int n);
void NGA_Scatter_acc(int g_a, void *v, int *subsArray[], int n, void *alpha);
long NGA_Read_inc(int g_a, int subscript[], long inc);
void GA_Init_fence(void);
void GA_Fence(void);
void GA_Sync(void);
void NGA_Sync(void);

/* ---- mutexes ------------------------------------------------------------- */
int GA_Create_mutexes(int number);
int GA_Destroy_mutexes(void);
void GA_Lock(int mutex);
void GA_Unlock(int mutex);

/* ---- whole arrays and patches (collective) ------------------------------- */
void GA_Zero(int g_a);
void GA_Fill(int g_a, void *value);
void GA_Copy(int g_a, int g_b);
void GA_Scale(int g_a, void *value);
void GA_Add(void *alpha, int g_a, void *beta, int g_b, int g_c);
int GA_Idot(int g_a, int g_b);
long GA_Ldot(int g_a, int g_b);
long long GA_Lldot(int g_a, int g_b);
float GA_Fdot(int g_a, int g_b);
double GA_Ddot(int g_a, int g_b);
DoubleComplex GA_Zdot(int g_a, int g_b);
SingleComplex GA_Cdot(int g_a, int g_b);
void NGA_Zero_patch(int g_a, int lo[], int hi[]);
void NGA_Fill_patch(int g_a, int lo[], int hi[], void *val);
void NGA_Scale_patch(int g_a, int lo[], int hi[], void *alpha);
void NGA_Copy_patch(char trans, int g_a, int alo[], int ahi[], int g_b, int blo[], int bhi[]);
void NGA_Add_patch(void *alpha, int g_a, int alo[], int ahi[], void *beta, int g_b, int blo[], int bhi[],
                   int g_c, int clo[], int chi[]);

/* ---- process-wide collectives -------------------------------------------- */
void GA_Dgop(double x[], int n, char *op);
void GA_Fgop(float x[], int n, char *op);
void GA_Igop(int x[], int n, char *op);
void GA_Lgop(long x[], int n, char *op);
void GA_Llgop(long long x[], int n, char *op);
void GA_Brdcst(void *buf, int lenbuf, int root);
void GA_Summarize(int verbose);

#ifdef __cplusplus
}
#endif
#endif
