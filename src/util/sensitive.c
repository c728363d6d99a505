/* sensitive.c: what is secret and what is protected (see sensitive.h).
 * The lists below are the only copies; policy, sandbox, tools, memory
 * and skills all read them through the functions here. */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "util/fsutil.h"
#include "util/sensitive.h"
#include "util/str.h"
#include "util/xalloc.h"

/* Secrets below HOME. */
static const char *const home_secrets[] = {
	".ssh", ".gnupg", ".aws", ".config/gh", ".config/hub", ".netrc",
	".git-credentials", ".docker/config.json", ".kube/config", ".pypirc",
	".config/gcloud", ".azure", ".cargo/credentials",
	".cargo/credentials.toml", ".vault-token", ".password-store",
	".local/share/keyrings", ".terraform.d/credentials.tfrc.json", NULL,
};

/* Files only root can read; a root run must not read them either. */
static const char *const root_secrets[] = {
	"/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-",
	"/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ecdsa_key",
	"/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_dsa_key",
	"/proc/kcore", "/dev/mem", "/dev/kmem", "/dev/port", NULL,
};

/* Folders conch reads instructions, skills, config or hooks from. */
static const char *const protected_dirs[] = {
	".git", ".conch", ".agents", ".claude", NULL,
};

static const char *const instruction_files[] = { "AGENTS.md", "CLAUDE.md", NULL };

static const char *const skill_dirs[] = {
	".conch/skills", ".agents/skills", ".claude/skills", NULL,
};

/* Start-up files in HOME that shells, git and editors run or obey:
 * never changed by a sandboxed command, existing or not.  A trailing
 * '/' marks a folder. */
static const char *const home_protected[] = {
	".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile",
	".zshrc", ".zshenv", ".zprofile", ".zlogin", ".zlogout", ".cshrc",
	".tcshrc", ".inputrc", ".config/fish/", ".gitconfig", ".config/git/",
	".ssh/", ".vimrc", ".exrc", ".config/nvim/", ".emacs", ".emacs.d/",
	".config/systemd/", ".config/autostart/", NULL,
};

void
sensitive_each_secret(bool all_users, void (*fn)(void *ud, const char *path),
		      void *ud)
{
	const char *home = getenv("HOME");
	char *conf;
	size_t i;

	if (home && home[0] == '/') {
		for (i = 0; home_secrets[i]; i++) {
			char *p = path_join(home, home_secrets[i]);
			char *n = path_normalize(p);
			fn(ud, n);
			xfree_all(n, p);
		}
	}
	for (i = 0; all_users && root_secrets[i]; i++)
		fn(ud, root_secrets[i]);
	/* conch's own config holds provider keys */
	conf = xdg_dir("config");
	fn(ud, conf);
	free(conf);
}

struct secret_probe {
	const char *p;
	bool hit;
};

static void
probe_one(void *ud, const char *path)
{
	struct secret_probe *s = ud;
	if (!s->hit && path_is_under(s->p, path))
		s->hit = true;
}

/* /proc/PID/..., /proc/self/..., /proc/thread-self/...: another
 * process's (or conch's own) environment, memory, root and fds. */
static bool
is_proc_pid(const char *p)
{
	const char *c;
	size_t n;

	if (strncmp(p, "/proc/", 6) != 0)
		return false;
	c = p + 6;
	n = strcspn(c, "/");
	if (n == 0)
		return false;
	if ((n == 4 && strncmp(c, "self", 4) == 0) ||
	    (n == 11 && strncmp(c, "thread-self", 11) == 0))
		return true;
	return strspn(c, "0123456789") == n;
}

bool
sensitive_path_secret(const char *p, const char **what)
{
	struct secret_probe s = { p, false };

	if (!p || p[0] != '/')
		return false;
	if (is_proc_pid(p)) {
		if (what)
			*what = "a process's environment, memory or files (/proc/PID)";
		return true;
	}
	sensitive_each_secret(true, probe_one, &s);
	if (s.hit && what)
		*what = "a credential or key file";
	return s.hit;
}

/* ---- hard links to secret files ---------------------------------------- */

#define SECRET_INODE_FILES 4096
#define SECRET_INODE_DEPTH 4

struct inode_probe {
	dev_t dev;
	ino_t ino;
	size_t seen;
	bool hit;
};

static void
scan_inodes(struct inode_probe *s, const char *path, int depth)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (s->hit || s->seen >= SECRET_INODE_FILES || lstat(path, &st) < 0)
		return;
	s->seen++;
	if (S_ISREG(st.st_mode)) {
		if (st.st_dev == s->dev && st.st_ino == s->ino)
			s->hit = true;
		return;
	}
	if (!S_ISDIR(st.st_mode) || depth >= SECRET_INODE_DEPTH)
		return;
	d = opendir(path);
	if (!d)
		return;
	while (!s->hit && (de = readdir(d)) != NULL) {
		char *c;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		c = path_join(path, de->d_name);
		scan_inodes(s, c, depth + 1);
		free(c);
	}
	closedir(d);
}

static void
inode_one(void *ud, const char *path)
{
	scan_inodes(ud, path, 0);
}

bool
sensitive_inode_secret(dev_t dev, ino_t ino)
{
	struct inode_probe s = { dev, ino, 0, false };
	sensitive_each_secret(true, inode_one, &s);
	return s.hit;
}

/* ---- protected --------------------------------------------------------- */

const char *const *
sensitive_protected_dirs(void)
{
	return protected_dirs;
}

const char *const *
sensitive_instruction_files(void)
{
	return instruction_files;
}

const char *const *
sensitive_skill_dirs(void)
{
	return skill_dirs;
}

static bool
name_in(const char *s, size_t n, const char *const *names)
{
	for (size_t i = 0; names[i]; i++)
		if (strlen(names[i]) == n && strncmp(s, names[i], n) == 0)
			return true;
	return false;
}

bool
sensitive_rel_protected(const char *rel)
{
	const char *s = rel;

	if (!rel)
		return false;
	while (*s) {
		size_t n = strcspn(s, "/");
		if (name_in(s, n, protected_dirs))
			return true;
		if (!s[n] && name_in(s, n, instruction_files))
			return true;
		s += n;
		while (*s == '/')
			s++;
	}
	return false;
}

void
sensitive_each_home_protected(void (*fn)(void *ud, const char *path,
					 bool is_dir), void *ud)
{
	static const char *const xdg[] = { "config", "state", "data", NULL };
	const char *home = getenv("HOME");
	size_t i;

	for (i = 0; xdg[i]; i++) {
		char *d = xdg_dir(xdg[i]);
		fn(ud, d, true);
		free(d);
	}
	if (!home || home[0] != '/')
		return;
	for (i = 0; home_protected[i]; i++) {
		const char *rel = home_protected[i];
		size_t n = strlen(rel);
		bool dir = n && rel[n - 1] == '/';
		char *r = xstrndup(rel, dir ? n - 1 : n);
		char *p = path_join(home, r);
		char *c = path_normalize(p);
		fn(ud, c, dir);
		xfree_all(c, p, r);
	}
}

/* ---- secret text ------------------------------------------------------- */

static const char *const secret_pats[][2] = {
	{ "-----BEGIN [A-Z0-9 ]*PRIVATE KEY", "a private key" },
	{ "\\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}", "an API key (sk-...)" },
	{ "\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b", "an AWS access key" },
	{ "\\bgh[pousr]_[A-Za-z0-9]{30,}", "a GitHub token" },
	{ "\\bgithub_pat_[A-Za-z0-9_]{30,}", "a GitHub token" },
	{ "\\bglpat-[A-Za-z0-9_-]{20,}", "a GitLab token" },
	{ "\\bxox[abposr]-[A-Za-z0-9-]{10,}", "a Slack token" },
	{ "\\bAIza[0-9A-Za-z_-]{35}", "a Google API key" },
	{ "\\beyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.", "a JWT" },
	{ "(?i)\\b(?:api[_-]?key|secret[_-]?key|access[_-]?token|auth[_-]?token"
	  "|client[_-]?secret|password|passwd)\\b[\"']?\\s*[:=]\\s*[\"']?"
	  "[^\\s\"']{12,}", "a credential assignment" },
};
#define NSECRET_PATS (sizeof secret_pats / sizeof secret_pats[0])

bool
sensitive_text_secret(const char *text, const char **what)
{
	size_t i;
	bool hit = false;

	if (!text)
		return false;
	for (i = 0; i < NSECRET_PATS && !hit; i++) {
		int ec;
		PCRE2_SIZE eo;
		pcre2_code *re = pcre2_compile((PCRE2_SPTR)secret_pats[i][0],
					       PCRE2_ZERO_TERMINATED, PCRE2_UTF,
					       &ec, &eo, NULL);
		pcre2_match_data *md;
		if (!re)
			continue;
		md = pcre2_match_data_create_from_pattern(re, NULL);
		if (pcre2_match(re, (PCRE2_SPTR)text, strlen(text), 0, 0, md,
				NULL) >= 0) {
			hit = true;
			if (what)
				*what = secret_pats[i][1];
		}
		pcre2_match_data_free(md);
		pcre2_code_free(re);
	}
	return hit;
}

/* One pattern over `in`: each match replaced by "[redacted: WHAT]". */
static size_t
redact_one(const char *in, size_t i, struct buf *out)
{
	int ec;
	PCRE2_SIZE eo, pos = 0, len = strlen(in);
	size_t n = 0;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)secret_pats[i][0],
				       PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &eo, NULL);
	pcre2_match_data *md;
	if (!re) {
		buf_adds(out, in);
		return 0;
	}
	md = pcre2_match_data_create_from_pattern(re, NULL);
	while (pos <= len &&
	       pcre2_match(re, (PCRE2_SPTR)in, len, pos, 0, md, NULL) >= 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		buf_add(out, in + pos, ov[0] - pos);
		buf_printf(out, "[redacted: %s]", secret_pats[i][1]);
		n++;
		pos = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
	}
	if (pos < len)
		buf_add(out, in + pos, len - pos);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return n;
}

size_t
sensitive_text_redact(const char *text, struct buf *out)
{
	char *cur = xstrdup(text ? text : "");
	size_t i, n = 0;
	for (i = 0; i < NSECRET_PATS; i++) {
		struct buf b = BUF_INIT;
		n += redact_one(cur, i, &b);
		free(cur);
		cur = buf_steal(&b);
	}
	buf_adds(out, cur);
	free(cur);
	return n;
}

/* ---- text for the terminal ---------------------------------------------
 *
 * Terminal control in command output is neutralised before it is shown.
 * A small state machine over bytes: escape sequences of every kind are
 * dropped whole (an unterminated string sequence swallows the rest), C0
 * controls other than \n and \t become "^X", a \r survives only as part
 * of \r\n, C1 controls (raw or UTF-8 encoded) are treated as the
 * sequences they introduce, and bytes that are not UTF-8 become "\xNN". */

enum st {
	S_TEXT,
	S_ESC,     /* after ESC */
	S_ESC_INT, /* ESC + intermediates, waiting for the final byte */
	S_CSI,     /* parameters and intermediates until 0x40..0x7e */
	S_STR,     /* OSC/DCS/SOS/PM/APC body until BEL or ST */
	S_STR_ESC, /* ESC inside a string: "\\" ends it */
};

/* What a C1 control (0x80..0x9f) starts. */
static enum st
c1_state(uint32_t c)
{
	switch (c) {
	case 0x9b:
		return S_CSI;
	case 0x9d: case 0x90: case 0x98: case 0x9e: case 0x9f:
		return S_STR;
	default:
		return S_TEXT; /* a lone C1 control: dropped */
	}
}

void
sensitive_terminal_text(const char *in, size_t n, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)in;
	enum st st = S_TEXT;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t len;

		switch (st) {
		case S_TEXT:
			if (c == 0x1b) {
				st = S_ESC;
				i++;
				continue;
			}
			if (c == '\n' || c == '\t') {
				buf_addc(out, (char)c);
				i++;
				continue;
			}
			if (c == '\r') {
				if (i + 1 < n && s[i + 1] == '\n')
					buf_addc(out, '\r');
				else
					buf_adds(out, "^M");
				i++;
				continue;
			}
			if (c < 0x20 || c == 0x7f) {
				buf_addc(out, '^');
				buf_addc(out, c == 0x7f ? '?' : (char)(c + 0x40));
				i++;
				continue;
			}
			if (c < 0x80) {
				buf_addc(out, (char)c);
				i++;
				continue;
			}
			len = utf8_next((const char *)s + i, n - i, &cp);
			if (len == 0) {
				buf_printf(out, "\\x%02X", c);
				i++;
				continue;
			}
			if (cp >= 0x80 && cp <= 0x9f) {
				st = c1_state(cp);
				i += len;
				continue;
			}
			buf_add(out, s + i, len);
			i += len;
			continue;
		case S_ESC:
			i++;
			if (c == '[')
				st = S_CSI;
			else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_')
				st = S_STR;
			else if (c >= 0x20 && c <= 0x2f)
				st = S_ESC_INT;
			else if (c == 0x1b)
				st = S_ESC;
			else
				st = S_TEXT; /* two-byte sequence, or junk: dropped */
			continue;
		case S_ESC_INT:
			i++;
			if (c >= 0x30 && c <= 0x7e)
				st = S_TEXT;
			else if (c < 0x20 || c > 0x7e)
				st = S_TEXT;
			continue;
		case S_CSI:
			i++;
			if (c >= 0x40 && c <= 0x7e)
				st = S_TEXT;
			else if (c == 0x1b)
				st = S_ESC;
			else if (c < 0x20 && c != 0x1b)
				st = S_TEXT; /* malformed: stop swallowing */
			continue;
		case S_STR:
			i++;
			if (c == 0x07)
				st = S_TEXT;
			else if (c == 0x1b)
				st = S_STR_ESC;
			else if (c == 0xc2 && i < n && s[i] == 0x9c) {
				i++;
				st = S_TEXT;
			}
			continue;
		case S_STR_ESC:
			i++;
			st = c == '\\' ? S_TEXT : (c == 0x1b ? S_STR_ESC : S_STR);
			continue;
		}
	}
}
