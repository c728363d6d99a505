/* err.h: the project-wide error enum.  Actions return it; predicates
 * return bool; constructors return NULL on failure. */
#ifndef CONCH_ERR_H
#define CONCH_ERR_H

enum cerr {
	C_OK = 0,
	C_ERR_NOMEM,       /* allocation failed (checked paths only) */
	C_ERR_IO,          /* read/write/syscall failure; errno-style detail in message */
	C_ERR_INVAL,       /* bad argument or input */
	C_ERR_NOTFOUND,    /* file, key, tool, session ... does not exist */
	C_ERR_EXISTS,      /* would overwrite */
	C_ERR_PERM,        /* denied by policy or filesystem */
	C_ERR_TOOBIG,      /* a size cap was hit */
	C_ERR_PARSE,       /* malformed JSON, config, file format */
	C_ERR_CANCELLED,   /* the user interrupted */
	C_ERR_TIMEOUT,     /* a deadline passed */
	C_ERR_UNSUPPORTED, /* feature, type or architecture not supported */
	/* provider failures, classified for the fallback chain */
	C_ERR_RETRYABLE,   /* network error, 408/429/5xx, overloaded */
	C_ERR_AUTH,        /* 401/403, billing, missing key: fatal for this provider */
	C_ERR_BADREQ,      /* 400/404/413: fatal for this provider */
	C_ERR_CONTEXT,     /* context window overflow: the loop may compact */
	C_ERR_PROVIDER,    /* other provider failure */
	C_ERR__COUNT
};

/* A short static description of `e`. */
const char *cerr_str(enum cerr e);

#endif
