#define CURL_LAZY_IMPL
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "net/curl-lazy.h"

/* The one process-wide table, written once under pthread_once and only
 * read afterwards (like the dynamic linker's own tables). */
static struct curl_lazy lazy;
static pthread_once_t lazy_once = PTHREAD_ONCE_INIT;

static bool
sym(void *h, const char *name, void *slot)
{
	void *p = dlsym(h, name);
	if (!p) {
		snprintf(lazy.error, sizeof lazy.error, "libcurl lacks %s", name);
		return false;
	}
	memcpy(slot, &p, sizeof p);
	return true;
}

static void
load(void)
{
	static const char *const names[] = {
		"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so", NULL,
	};
	void *h = NULL;
	size_t i;

	for (i = 0; names[i] && !h; i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(lazy.error, sizeof lazy.error,
			 "cannot load libcurl (%s); install the Debian package libcurl4",
			 dlerror());
		return;
	}
	if (!sym(h, "curl_global_init", &lazy.global_init) ||
	    !sym(h, "curl_easy_init", &lazy.easy_init) ||
	    !sym(h, "curl_easy_setopt", &lazy.easy_setopt) ||
	    !sym(h, "curl_easy_getinfo", &lazy.easy_getinfo) ||
	    !sym(h, "curl_easy_cleanup", &lazy.easy_cleanup) ||
	    !sym(h, "curl_easy_strerror", &lazy.easy_strerror) ||
	    !sym(h, "curl_getdate", &lazy.getdate) ||
	    !sym(h, "curl_multi_init", &lazy.multi_init) ||
	    !sym(h, "curl_multi_add_handle", &lazy.multi_add_handle) ||
	    !sym(h, "curl_multi_remove_handle", &lazy.multi_remove_handle) ||
	    !sym(h, "curl_multi_perform", &lazy.multi_perform) ||
	    !sym(h, "curl_multi_poll", &lazy.multi_poll) ||
	    !sym(h, "curl_multi_info_read", &lazy.multi_info_read) ||
	    !sym(h, "curl_multi_cleanup", &lazy.multi_cleanup) ||
	    !sym(h, "curl_slist_append", &lazy.slist_append) ||
	    !sym(h, "curl_slist_free_all", &lazy.slist_free_all))
		return; /* the handle stays open: harmless, process-wide */
	if (lazy.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(lazy.error, sizeof lazy.error, "curl_global_init failed");
		return;
	}
	lazy.loaded = true;
}

const struct curl_lazy *
curl_lazy(void)
{
	pthread_once(&lazy_once, load);
	return &lazy;
}
