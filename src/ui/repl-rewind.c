/* repl-rewind.c: /rewind in the pairing session.  It lists the turns
 * with their checkpoints (agent/checkpoint.h), the user picks one, says
 * whether the conversation goes back too, confirms overwriting files
 * changed outside conch, and the files are restored.  Runs on the UI
 * thread while no job runs (submit() queues it otherwise). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/checkpoint.h"
#include "ui/repl.h"
#include "util/str.h"
#include "util/xalloc.h"

static void
open_choice(struct repl *r, enum choice_kind k, char *title, char *body,
	    const char *footer, bool typing, int turn)
{
	struct choice *ch;
	repl_choice_close(r);
	ch = xcalloc(1, sizeof *ch);
	ch->kind = k;
	ch->title = title;
	ch->body = body;
	ch->footer = footer;
	ch->typing = typing;
	ch->turn = turn;
	r->ch = ch;
	r->dirty = true;
}

/* Do it: restore the files (and the conversation). */
static void
do_rewind(struct repl *r, int turn, bool conv)
{
	struct buf err = BUF_INIT;
	struct ckpt *c = agent_checkpoints(r->a, &err);
	const struct ckpt_entry *en;
	size_t restored = 0;
	int undo;
	char msg[300];

	repl_choice_close(r);
	if (!c)
		goto out;
	undo = c->next;
	if (ckpt_rewind(c, turn, &restored, &err) != C_OK) {
		char *m = xasprintf("rewind: %s", buf_str(&err));
		repl_notice(r, ENT_ERROR, m);
		free(m);
		goto out;
	}
	en = ckpt_find(c, turn);
	if (conv && en) {
		char *msg0 = NULL;
		/* the whole message (the checkpoint keeps it cut short) */
		const struct conv *cv = agent_conv(r->a);
		if (en->conv_index >= 0 && (size_t)en->conv_index < cv->n) {
			const struct conv_msg *m = &cv->msgs[en->conv_index];
			if (m->nblocks && m->blocks[0].type == BLK_TEXT)
				msg0 = xstrdup(m->blocks[0].text);
		}
		if (agent_rewind_conv(agent_conv_mut(r->a), agent_session(r->a), en->conv_index,
				      en->prompt)) {
			ts_clear(&r->ts);
			r->todo = NULL;
			repl_show_conv(r, agent_conv(r->a));
			/* the message goes back to the prompt, to edit and resend */
			le_set(&r->ed, msg0 ? msg0 : en->prompt);
			free(msg0);
		} else {
			free(msg0);
			repl_notice(r, ENT_ERROR, "the conversation was not rewound: "
				    "it was compacted or cleared since that turn");
		}
	}
	snprintf(msg, sizeof msg, "Rewound to before #%d: %zu path%s%s. "
		 "Undo: /rewind %d", turn, restored, restored == 1 ? "" : "s",
		 conv && en && en->conv_index >= 0 ? ", and the conversation" : "",
		 undo);
	repl_notice(r, ENT_NOTICE, msg);
out:
	buf_free(&err);
}

/* After the conversation question: conflicts ask once more. */
static void
confirm(struct repl *r, int turn, bool conv)
{
	struct buf err = BUF_INIT, body = BUF_INIT;
	struct ckpt *c = agent_checkpoints(r->a, &err);
	struct ckpt_plan p;

	if (!c || ckpt_rewind_plan(c, turn, &p, &err) != C_OK) {
		char *m = xasprintf("rewind: %s", buf_str(&err));
		repl_choice_close(r);
		repl_notice(r, ENT_ERROR, m);
		free(m);
		goto out;
	}
	if (!p.nconflicts) {
		ckpt_plan_free(&p);
		do_rewind(r, turn, conv);
		goto out;
	}
	ckpt_format_paths("These files changed outside conch since the checkpoint; "
			  "the rewind would overwrite them (the state being left is kept "
			  "as a checkpoint, so /rewind can undo it):", p.conflicts,
			  p.nconflicts, &body);
	open_choice(r, CH_REWIND_CONFLICT,
		    xasprintf("Overwrite your later changes to rewind to before "
			      "turn #%d?", turn), buf_steal(&body),
		    "[y] overwrite and rewind  [n] cancel", false, turn);
	r->ch->conv = conv;
	ckpt_plan_free(&p);
out:
	buf_free(&err);
	buf_free(&body);
}

/* A turn was picked: say what would change and ask about the conversation. */
static void
picked(struct repl *r, int turn)
{
	struct buf err = BUF_INIT, body = BUF_INIT;
	struct ckpt *c = agent_checkpoints(r->a, &err);
	const struct ckpt_entry *en = ckpt_find(c, turn);
	struct ckpt_plan p;
	size_t i;

	if (!en) {
		char m[80];
		snprintf(m, sizeof m, "rewind: there is no turn #%d", turn);
		repl_choice_close(r);
		repl_notice(r, ENT_ERROR, m);
		goto out;
	}
	if (ckpt_rewind_plan(c, turn, &p, &err) != C_OK) {
		char *m = xasprintf("rewind: %s", buf_str(&err));
		repl_choice_close(r);
		repl_notice(r, ENT_ERROR, m);
		free(m);
		goto out;
	}
	if (!p.nchanges)
		buf_adds(&body, "No file differs from that checkpoint.\n");
	ckpt_format_paths("Files to restore:", p.changes, p.nchanges, &body);
	for (i = 0; i < p.nuncaptured; i++)
		buf_printf(&body, "Note: %s\n", p.uncaptured[i]);
	ckpt_plan_free(&p);
	if (en->conv_index < 0) {
		/* the state a rewind left: files only */
		open_choice(r, CH_REWIND_CONV,
			    xasprintf("Rewind the files to before #%d?", turn),
			    buf_steal(&body), "[y] rewind the files  Esc: cancel",
			    false, turn);
		r->ch->conv = false;
		goto out;
	}
	open_choice(r, CH_REWIND_CONV,
		    xasprintf("Rewind to before turn #%d. The conversation too?", turn),
		    buf_steal(&body),
		    "[y] files and conversation  [n] files only  Esc: cancel",
		    false, turn);
	r->ch->conv = true;
out:
	buf_free(&err);
	buf_free(&body);
}

void
repl_rewind_key(struct repl *r, int key, const char *text)
{
	struct choice *ch = r->ch;
	long n;
	switch (ch->kind) {
	case CH_REWIND_PICK:
		if (key != '\r')
			return;
		if (!text || !str_to_long(text[0] == '#' ? text + 1 : text, &n) ||
		    n <= 0 || n > 1000000) {
			le_clear(&r->reason);
			repl_notice(r, ENT_ERROR, "type the number of a turn from "
				    "the list (Esc cancels)");
			return;
		}
		picked(r, (int)n);
		break;
	case CH_REWIND_CONV:
		if (key == 'y' || key == 'Y')
			confirm(r, ch->turn, ch->conv);
		else if ((key == 'n' || key == 'N') && ch->conv)
			confirm(r, ch->turn, false);
		break;
	case CH_REWIND_CONFLICT:
		if (key == 'y' || key == 'Y')
			do_rewind(r, ch->turn, ch->conv);
		else if (key == 'n' || key == 'N') {
			repl_choice_close(r);
			repl_notice(r, ENT_NOTICE, "rewind cancelled");
		}
		break;
	case CH_PLAN:
		break;
	}
}

void
repl_rewind_cmd(struct repl *r, const char *arg)
{
	struct buf err = BUF_INIT, body = BUF_INIT;
	struct ckpt *c = agent_checkpoints(r->a, &err);
	long n;

	if (!c) {
		char *m = xasprintf("rewind: no checkpoints: %s", buf_str(&err));
		repl_notice(r, ENT_ERROR, m);
		free(m);
		goto out;
	}
	if (!c->n) {
		repl_notice(r, ENT_NOTICE, "rewind: no checkpoints yet (one is "
			    "taken before each turn that may change files)");
		goto out;
	}
	if (*arg) {
		if (!str_to_long(arg[0] == '#' ? arg + 1 : arg, &n) || n <= 0 ||
		    n > 1000000) {
			repl_notice(r, ENT_ERROR, "usage: /rewind [N]");
			goto out;
		}
		picked(r, (int)n);
		goto out;
	}
	ckpt_format_list(c, true, &body);
	open_choice(r, CH_REWIND_PICK,
		    xstrdup("Rewind: restore the files to before which turn?"),
		    buf_steal(&body),
		    "Type the turn's number, Enter to choose, Esc to cancel",
		    true, 0);
out:
	buf_free(&err);
	buf_free(&body);
}
