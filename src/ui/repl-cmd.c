/* repl-cmd.c: the pairing session's slash commands and Tab completion.
 * They run on the UI thread; those that need the agent run only while no
 * job runs (submit() queues them otherwise) or start a job. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/session.h"
#include "ui/repl.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

static void
cmd_help(struct repl *r, const char *arg)
{
	(void)arg;
	repl_notice(r, ENT_INFO,
	       "Commands:\n"
	       "  /help            this help\n"
	       "  /model [p/model] the model answering, or switch to another\n"
	       "  /mode [mode]     permission mode: read-only, ask, auto-edit, auto,\n"
	       "                   plan (Shift-Tab cycles ask, auto-edit, plan)\n"
	       "  /clear           start a fresh conversation\n"
	       "  /compact [focus] summarise older messages to free context\n"
	       "  /cost            tokens used this session\n"
	       "  /memory          what conch remembers about you and this project\n"
	       "  /skills          the skills conch can use here\n"
	       "  /resume [id]     list this project's sessions, or continue one\n"
	       "  /permissions     rules saved for this project; remove N forgets one\n"
	       "  /rewind [N]      restore the files (and the conversation) to before\n"
	       "                   a turn\n"
	       "  /exit            leave (also Ctrl-D on an empty prompt)\n"
	       "  !command         run a shell command in the sandbox\n"
	       "  @path            attach a file to the message\n"
	       "Keys: Enter send, Alt-Enter or Ctrl-J new line, Up/Down history,\n"
	       "Ctrl-R search history, Tab complete, Esc or Ctrl-C interrupt,\n"
	       "Ctrl-O expand tool output and diffs, PageUp/PageDown scroll,\n"
	       "Ctrl-L redraw.  In an approval: arrows, j/k, PageUp/PageDown,\n"
	       "Home/End scroll the diff.");
}

static void
cmd_cost(struct repl *r, const char *arg)
{
	(void)arg;
	char msg[400], cost[64];
	if (!r->usage.known && !r->usage.input && !r->usage.output) {
		repl_notice(r, ENT_INFO, "Tokens: none reported yet.");
		return;
	}
	cost_total_format(&r->cost, cost, sizeof cost);
	snprintf(msg, sizeof msg,
		 "Tokens this session: %ld in, %ld out, %ld cache read, "
		 "%ld cache write%s.\nCost: %s.",
		 r->usage.input, r->usage.output, r->usage.cache_read,
		 r->usage.cache_write, r->usage.known ? "" : " (some turns unknown)",
		 cost);
	repl_notice(r, ENT_INFO, msg);
}

static void
cmd_mode(struct repl *r, const char *arg)
{
	char msg[200];
	if (*arg && !agent_set_mode(r->a, arg)) {
		repl_notice(r, ENT_ERROR, "unknown mode: use read-only, ask, auto-edit, "
			    "auto or plan");
		return;
	}
	snprintf(msg, sizeof msg, "permission mode: %s", agent_mode_name(r->a));
	repl_notice(r, ENT_NOTICE, msg);
}

static void
cmd_clear(struct repl *r, const char *arg)
{
	(void)arg;
	char msg[200];
	const char *old = agent_session_id(r->a);
	char *old_id = old ? xstrdup(old) : NULL;
	agent_clear(r->a); /* a new session; the old one stays resumable */
	ts_clear(&r->ts);
	r->todo = NULL;
	r->scroll = 0;
	if (old_id && agent_session_id(r->a) && strcmp(old_id, agent_session_id(r->a)))
		snprintf(msg, sizeof msg, "conversation cleared: new session %s "
			 "(/resume %s goes back)", agent_session_id(r->a), old_id);
	else
		snprintf(msg, sizeof msg, "conversation cleared");
	free(old_id);
	repl_notice(r, ENT_NOTICE, msg);
}

/* What conch remembers: both memory files with their entries. */
static void
cmd_memory(struct repl *r, const char *arg)
{
	(void)arg;
	struct buf b = BUF_INIT;
	agent_describe_memory(r->a, &b);
	buf_adds(&b, "\nEdit with conch memory, or ask conch to remember something.");
	repl_notice(r, ENT_INFO, buf_str(&b));
	buf_free(&b);
}

/* The skills conch can use here. */
static void
cmd_skills(struct repl *r, const char *arg)
{
	(void)arg;
	struct buf b = BUF_INIT;
	agent_describe_skills(r->a, &b);
	repl_notice(r, ENT_INFO, buf_str(&b));
	buf_free(&b);
}

/* /model [provider/model]: show the model, or answer with another one
 * from now on (no fallback: the chain holds that one model). */
static void
cmd_model(struct repl *r, const char *spec)
{
	struct buf err = BUF_INIT;
	char msg[700];

	if (!*spec) {
		snprintf(msg, sizeof msg, "model: %s%s%s", r->model ? r->model : "none",
			 r->answered_by ? "; last answer by " : "",
			 r->answered_by ? r->answered_by : "");
		repl_notice(r, ENT_NOTICE, msg);
		return;
	}
	if (agent_set_model(r->a, spec, &err) != C_OK) {
		repl_notice(r, ENT_ERROR, buf_str(&err));
		buf_free(&err);
		return;
	}
	free(r->model);
	r->model = xstrdup(agent_model(r->a));
	free(r->answered_by);
	r->answered_by = NULL;
	snprintf(msg, sizeof msg, "model: %s from now on", r->model);
	repl_notice(r, ENT_NOTICE, msg);
}

/* /resume: list this project's sessions, or continue one in place. */
static void
cmd_resume(struct repl *r, const char *id)
{
	struct buf err = BUF_INIT;
	char msg[300];

	if (!*id) {
		char *text = NULL;
		size_t len = 0, n = 0;
		FILE *f = open_memstream(&text, &len);
		if (f) {
			n = session_list(agent_cwd(r->a), f);
			fclose(f);
		}
		repl_notice(r, ENT_INFO, n ? text : "No sessions for this project yet.");
		if (n)
			repl_notice(r, ENT_NOTICE, "/resume ID continues one of them here");
		free(text);
		return;
	}
	if (agent_resume(r->a, id, &err) != C_OK) {
		snprintf(msg, sizeof msg, "%s (see /resume)", buf_str(&err));
		repl_notice(r, ENT_ERROR, msg);
		buf_free(&err);
		return;
	}
	ts_clear(&r->ts);
	r->todo = NULL;
	repl_show_conv(r, agent_conv(r->a));
	snprintf(msg, sizeof msg, "resumed session %s (%zu messages)",
		 agent_session_id(r->a), agent_conv(r->a)->n);
	repl_notice(r, ENT_NOTICE, msg);
}

static void
cmd_quit(struct repl *r, const char *arg)
{
	(void)arg;
	r->quit = true;
}

static void
cmd_compact(struct repl *r, const char *arg)
{
	repl_start_job(r, JOB_COMPACT, arg);
}

/* The slash commands, in the order Tab offers them (`tab`). */
static const struct {
	const char *name;
	void (*run)(struct repl *r, const char *arg);
	bool tab;
} commands[] = {
	{ "/help", cmd_help, true }, { "/model", cmd_model, true },
	{ "/mode", cmd_mode, true }, { "/clear", cmd_clear, true },
	{ "/compact", cmd_compact, true }, { "/cost", cmd_cost, true },
	{ "/memory", cmd_memory, true }, { "/skills", cmd_skills, true },
	{ "/resume", cmd_resume, true }, { "/rewind", repl_rewind_cmd, true },
	{ "/exit", cmd_quit, true }, { "/quit", cmd_quit, true },
	{ "/permissions", repl_cmd_permissions, false },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* Returns false when the line is not a command. */
bool
repl_slash(struct repl *r, const char *line)
{
	char name[32], msg[100];
	const char *arg;
	size_t n = strcspn(line, " \t"), i;
	if (n >= sizeof name)
		n = sizeof name - 1;
	memcpy(name, line, n);
	name[n] = '\0';
	arg = line + strcspn(line, " \t");
	while (*arg == ' ' || *arg == '\t')
		arg++;
	for (i = 0; i < NCOMMANDS; i++) {
		if (!strcmp(name, commands[i].name)) {
			commands[i].run(r, arg);
			return true;
		}
	}
	snprintf(msg, sizeof msg, "unknown command %s (try /help)", name);
	repl_notice(r, ENT_ERROR, msg);
	return true;
}

static void
complete_command(struct repl *r)
{
	const char *s = le_str(&r->ed);
	size_t n = strlen(s), i, hits = 0;
	const char *hit = NULL;
	struct buf all = BUF_INIT;
	for (i = 0; i < NCOMMANDS; i++) {
		if (commands[i].tab && !strncmp(commands[i].name, s, n)) {
			hits++;
			hit = commands[i].name;
			buf_printf(&all, "%s ", commands[i].name);
		}
	}
	if (hits == 1) {
		le_set(&r->ed, hit);
		le_insert(&r->ed, " ", 1);
	} else if (hits > 1) {
		free(r->hint);
		r->hint = buf_steal(&all);
	}
	buf_free(&all);
}

static void
complete_path(struct repl *r, size_t at)
{
	const char *s = le_str(&r->ed);
	char *word = xstrndup(s + at + 1, r->ed.cur - at - 1);
	const char *slash_ = strrchr(word, '/');
	char *dir, *base, *absdir, *common = NULL;
	DIR *d;
	struct dirent *de;
	size_t nhits = 0, bl;
	bool common_dir = false;
	struct buf all;

	buf_init(&all, 4096);

	dir = slash_ ? xstrndup(word, (size_t)(slash_ - word) + 1) : xstrdup("");
	base = xstrdup(slash_ ? slash_ + 1 : word);
	bl = strlen(base);
	absdir = path_resolve(agent_cwd(r->a), *dir ? dir : ".");
	d = absdir ? opendir(absdir) : NULL;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' && base[0] != '.')
			continue;
		if (strncmp(de->d_name, base, bl) != 0)
			continue;
		buf_printf(&all, "%s ", de->d_name);
		if (!common) {
			char *full = path_join(absdir, de->d_name);
			common = xstrdup(de->d_name);
			common_dir = fs_is_dir(full);
			free(full);
		} else {
			size_t k = 0;
			while (common[k] && common[k] == de->d_name[k])
				k++;
			common[k] = '\0';
		}
		nhits++;
	}
	if (d)
		closedir(d);
	if (common && strlen(common) > bl) {
		le_insert(&r->ed, common + bl, strlen(common) - bl);
	}
	if (nhits == 1) {
		le_insert(&r->ed, common_dir ? "/" : " ", 1);
	} else if (nhits > 1 && all.len) { /* cut at the cap: enough to read */
		free(r->hint);
		r->hint = buf_steal(&all);
	}
	buf_free(&all);
	xfree_all(common, absdir, dir, base, word);
	r->dirty = true;
}

void
repl_complete(struct repl *r)
{
	const char *s = le_str(&r->ed);
	size_t at = r->ed.cur;
	if (s[0] == '/' && !strchr(s, ' ') && r->ed.cur == r->ed.len) {
		complete_command(r);
		return;
	}
	while (at > 0 && !isspace((unsigned char)s[at - 1]))
		at--;
	if (s[at] == '@')
		complete_path(r, at);
}
