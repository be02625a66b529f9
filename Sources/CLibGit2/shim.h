#ifndef MLV_CLIBGIT2_SHIM_H
#define MLV_CLIBGIT2_SHIM_H
#include <git2.h>

/* git_libgit2_opts is variadic, which Swift cannot call: one fixed-signature wrapper per
   option mlv uses. */

/* Replace the directories searched for global/xdg/system config files (level is a
   git_config_level_t). libgit2 computes these once from $HOME at init, so tests that need
   "no identity configured" point them at an empty directory instead of changing $HOME. */
static inline int mlv_git_set_config_search_path(int level, const char *path) {
  return git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, level, path);
}

#endif
