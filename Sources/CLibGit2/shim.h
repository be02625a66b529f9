#ifndef MLV_CLIBGIT2_SHIM_H
#define MLV_CLIBGIT2_SHIM_H
#include <git2.h>
#endif
