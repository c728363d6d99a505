/* curl-lazy.h: libcurl, loaded on first use.
 *
 * Linking libcurl pulls ~30 shared libraries (TLS, Kerberos, LDAP, SSH,
 * IDN ...) into every start of conch, which costs ~5 ms and ~6 MiB even
 * for `conch --version` or a local model.  So http.c reaches libcurl
 * through this table, filled by dlopen("libcurl.so.4") the first time a
 * transfer starts.  Include this header instead of <curl/curl.h>: the
 * curl_* names used by http.c become calls through the table. */
#ifndef CONCH_CURL_LAZY_H
#define CONCH_CURL_LAZY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <curl/curl.h>

struct curl_lazy {
	bool loaded;
	char error[256]; /* why loading failed */
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *h, CURLoption o, ...);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO i, ...);
	void (*easy_cleanup)(CURL *h);
	const char *(*easy_strerror)(CURLcode c);
	time_t (*getdate)(const char *s, const time_t *unused);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_add_handle)(CURLM *m, CURL *h);
	CURLMcode (*multi_remove_handle)(CURLM *m, CURL *h);
	CURLMcode (*multi_perform)(CURLM *m, int *running);
	CURLMcode (*multi_poll)(CURLM *m, struct curl_waitfd extra[],
				unsigned int n, int timeout_ms, int *numfds);
	CURLMsg *(*multi_info_read)(CURLM *m, int *left);
	CURLMcode (*multi_cleanup)(CURLM *m);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
};

/* The table, loading libcurl (and running curl_global_init) once per
 * process, thread-safe.  Check ->loaded before any other use; ->error
 * says why it is false.  The table lives for the whole process. */
const struct curl_lazy *curl_lazy(void);

#ifndef CURL_LAZY_IMPL
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init(f) (curl_lazy()->global_init(f))
#define curl_easy_init() (curl_lazy()->easy_init())
#define curl_easy_setopt(h, o, v) (curl_lazy()->easy_setopt((h), (o), (v)))
#define curl_easy_getinfo(h, i, p) (curl_lazy()->easy_getinfo((h), (i), (p)))
#define curl_easy_cleanup(h) (curl_lazy()->easy_cleanup(h))
#define curl_easy_strerror(c) (curl_lazy()->easy_strerror(c))
#define curl_getdate(s, u) \
	(curl_lazy()->loaded ? curl_lazy()->getdate((s), (u)) : (time_t)-1)
#define curl_multi_init() (curl_lazy()->multi_init())
#define curl_multi_add_handle(m, h) (curl_lazy()->multi_add_handle((m), (h)))
#define curl_multi_remove_handle(m, h) (curl_lazy()->multi_remove_handle((m), (h)))
#define curl_multi_perform(m, r) (curl_lazy()->multi_perform((m), (r)))
#define curl_multi_poll(m, e, n, t, f) (curl_lazy()->multi_poll((m), (e), (n), (t), (f)))
#define curl_multi_info_read(m, l) (curl_lazy()->multi_info_read((m), (l)))
#define curl_multi_cleanup(m) (curl_lazy()->multi_cleanup(m))
#define curl_slist_append(l, s) (curl_lazy()->slist_append((l), (s)))
#define curl_slist_free_all(l) (curl_lazy()->slist_free_all(l))
#endif

#endif
