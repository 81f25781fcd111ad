/* Internal: the registry of live handles, so that a destroyed or foreign
   handle is reported as DA_ERR_HANDLE instead of being dereferenced. */
#ifndef DA_LIB_HANDLE_H
#define DA_LIB_HANDLE_H

enum da_handle_kind { DA_HANDLE_DIST = 1, DA_HANDLE_ARRAY, DA_HANDLE_PLAN, DA_HANDLE_REQUEST, DA_HANDLE_MUTEXES,
                      DA_HANDLE_SELECTION };

int da_handle_add(const void *p, int kind);
/* 1 if p is live and of this kind, else 0. */
int da_handle_live(const void *p, int kind);
void da_handle_remove(const void *p);

#endif
