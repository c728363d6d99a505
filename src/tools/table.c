/* table.c: every tool as the model sees it (name, description, JSON
 * schema) and what conch needs to judge and run it (flags, exec,
 * preview), in the order the tools are offered.  The code of each tool is
 * its tool-*.c file; registry.c looks tools up here. */
#include "tools/internal.h"
#include "tools/tool.h"

const struct tool tool_read = {
	.name = "read",
	.description = "Read a text file; lines are numbered like cat -n. offset "
		"(1-based line) and limit page through long files (2000 lines by "
		"default).",
	.schema = "{\"type\":\"object\",\"properties\":{"
		"\"path\":{\"type\":\"string\"},"
		"\"offset\":{\"type\":\"integer\",\"minimum\":1},"
		"\"limit\":{\"type\":\"integer\",\"minimum\":1}},"
		"\"required\":[\"path\"],\"additionalProperties\":false}",
	.flags = TOOL_READ_ONLY,
	.files = true,
	.exec = tool_read_exec,
};

const struct tool tool_write = {
	.name = "write",
	.description = "Create or overwrite a whole file (parent directories are "
		"created). An existing file must be read first; prefer edit for "
		"partial changes.",
	.schema = "{\"type\":\"object\",\"properties\":{"
		"\"path\":{\"type\":\"string\"},"
		"\"content\":{\"type\":\"string\"}},"
		"\"required\":[\"path\",\"content\"],\"additionalProperties\":false}",
	.flags = TOOL_WRITES,
	.files = true,
	.exec = tool_write_exec,
	.preview = tool_write_preview,
};

const struct tool tool_edit = {
	.name = "edit",
	.description = "Replace old_string with new_string in a file. old_string "
		"must match exactly (whitespace included) and occur once, unless "
		"replace_all; include enough context to be unique.",
	.schema = "{\"type\":\"object\",\"properties\":{"
		"\"path\":{\"type\":\"string\"},"
		"\"old_string\":{\"type\":\"string\"},"
		"\"new_string\":{\"type\":\"string\"},"
		"\"replace_all\":{\"type\":\"boolean\"}},"
		"\"required\":[\"path\",\"old_string\",\"new_string\"],"
		"\"additionalProperties\":false}",
	.flags = TOOL_WRITES,
	.files = true,
	.exec = tool_edit_exec,
	.preview = tool_edit_preview,
};

const struct tool tool_bash = {
	.name = "bash",
	.description = "Run a shell command (/bin/sh -c) in the working directory; "
		"returns stdout+stderr and the exit status. Long output keeps head "
		"and tail. timeout_ms: default 120000, max 600000.",
	.schema = "{\"type\":\"object\",\"properties\":{"
		"\"command\":{\"type\":\"string\"},"
		"\"timeout_ms\":{\"type\":\"integer\",\"minimum\":1,"
		"\"maximum\":600000},"
		"\"description\":{\"type\":\"string\"}},"
		"\"required\":[\"command\"],\"additionalProperties\":false}",
	.flags = TOOL_RUNS_COMMANDS,
	.exec = tool_bash_exec,
};

const struct tool tool_glob = {
	.name = "glob",
	.description = "Find files whose path below path (default: the working "
		"directory) matches pattern; ** spans directories, {a,b} "
		"alternates. Newest first; .gitignored files skipped.",
	.schema = "{\"type\":\"object\",\"properties\":{"
		"\"pattern\":{\"type\":\"string\"},"
		"\"path\":{\"type\":\"string\"}},"
		"\"required\":[\"pattern\"],\"additionalProperties\":false}",
	.flags = TOOL_READ_ONLY,
	.files = true,
	.exec = tool_glob_exec,
};

const struct tool tool_grep = {
	.name = "grep",
	.description = "Search file contents with a PCRE regex; binary and "
		".gitignored files skipped. output_mode: files (default), content "
		"(path:line:text), count. glob filters file names, e.g. *.{c,h}.",
	.schema = "{\"type\":\"object\",\"properties\":{"
		"\"pattern\":{\"type\":\"string\"},"
		"\"path\":{\"type\":\"string\"},"
		"\"glob\":{\"type\":\"string\"},"
		"\"case_insensitive\":{\"type\":\"boolean\"},"
		"\"output_mode\":{\"enum\":[\"content\",\"files\",\"count\"]},"
		"\"context\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":20}},"
		"\"required\":[\"pattern\"],\"additionalProperties\":false}",
	.flags = TOOL_READ_ONLY,
	.files = true,
	.exec = tool_grep_exec,
};

const struct tool tool_ls = {
	.name = "ls",
	.description = "List a directory (default: the working directory): "
		"type, name, file size in bytes. .gitignored entries are hidden.",
	.schema = "{\"type\":\"object\",\"properties\":{"
		"\"path\":{\"type\":\"string\"}},\"additionalProperties\":false}",
	.flags = TOOL_READ_ONLY,
	.files = true,
	.exec = tool_ls_exec,
};

const struct tool tool_todo = {
	.name = "todo",
	.description = "Replace the task plan. For multi-step work: keep one item "
		"in_progress and mark items completed as soon as they are done.",
	.schema = "{\"type\":\"object\",\"properties\":{\"items\":{"
		"\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
		"\"content\":{\"type\":\"string\"},"
		"\"status\":{\"enum\":[\"pending\",\"in_progress\",\"completed\"]}},"
		"\"required\":[\"content\",\"status\"],"
		"\"additionalProperties\":false}}},"
		"\"required\":[\"items\"],\"additionalProperties\":false}",
	.flags = TOOL_READ_ONLY,
	.exec = tool_todo_exec,
};

const struct tool tool_memory = {
	.name = "memory",
	.description =
		"Save durable facts for later sessions: target user (USER.md: "
		"the user) or project (MEMORY.md). add content; replace/remove "
		"the entry holding old_text; note logs to today's notes. Never "
		"secrets.",
	.schema =
		"{\"type\":\"object\",\"properties\":{"
		"\"action\":{\"type\":\"string\",\"enum\":[\"add\",\"replace\","
		"\"remove\",\"note\"]},"
		"\"target\":{\"type\":\"string\",\"enum\":[\"user\",\"project\"]},"
		"\"content\":{\"type\":\"string\"},"
		"\"old_text\":{\"type\":\"string\"}},"
		"\"required\":[\"action\"],\"additionalProperties\":false}",
	.flags = TOOL_READ_ONLY,
	.exec = tool_memory_exec,
};

const struct tool tool_skill = {
	.name = "skill",
	.description =
		"Load a skill by name: its instructions and a list of its other "
		"files. Name \"list\" lists every skill.",
	.schema =
		"{\"type\":\"object\",\"properties\":{"
		"\"name\":{\"type\":\"string\"}},"
		"\"required\":[\"name\"],\"additionalProperties\":false}",
	.flags = TOOL_READ_ONLY,
	.exec = tool_skill_exec,
};

const struct tool tool_exit_plan = {
	.name = "exit_plan",
	.description = "Plan mode only: present your plan to the user for "
		"approval. Call it when you have explored enough; nothing may be "
		"changed before the user approves.",
	.schema = "{\"type\":\"object\",\"properties\":{\"plan\":{"
		"\"type\":\"string\",\"description\":\"the plan as Markdown: a "
		"short summary, then the steps as a numbered list\"}},"
		"\"required\":[\"plan\"],\"additionalProperties\":false}",
	.flags = 0,
	.exec = tool_exit_plan_exec,
};

const struct tool *const tool_table[] = {
	&tool_read, &tool_write, &tool_edit, &tool_bash,
	&tool_glob, &tool_grep, &tool_ls, &tool_todo, &tool_memory, &tool_skill,
	&tool_exit_plan, /* last: offered only in plan mode (agent_run) */
	NULL,
};
