/* cmd-permissions.c: conch permissions list|add|remove: the allow rules
 * saved "always for this project" (kept in the user's own config dir,
 * never in the repository; see policy/projrules.c), and the rules of the
 * user's config for reference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "policy/policy.h"
#include "util/buf.h"
#include "util/xalloc.h"

static int
perm_usage(void)
{
	fprintf(stderr, "conch: usage: conch permissions list | add RULE | remove "
		"RULE|NUMBER  (rules saved for this project, e.g. "
		"\"bash(make test *)\")\n");
	return EXIT_USAGE;
}

static int
perm_list(struct cli_ctx *c)
{
	struct buf err = BUF_INIT;
	cJSON *rules = policy_project_rules(c->workspace, &err), *it;
	char *path = policy_projects_path();
	int n = 0, rc = 0;

	if (!rules) {
		fprintf(stderr, "conch: %s\n", buf_str(&err));
		rc = EXIT_CONFIG;
		goto out;
	}
	printf("Saved for this project (%s, in %s):\n", c->workspace, path);
	cJSON_ArrayForEach(it, rules)
		printf("  %d. allow %s\n", ++n, it->valuestring);
	if (!n)
		printf("  (none)\n");
	{
		const cJSON *perm = c->cfg && c->cfg->root ?
			cJSON_GetObjectItemCaseSensitive(c->cfg->root, "permissions") : NULL;
		static const char *const lists[] = { "allow", "ask", "deny" };
		bool head = false;
		for (size_t l = 0; perm && l < 3; l++) {
			cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(perm, lists[l])) {
				if (!cJSON_IsString(it))
					continue;
				if (!head)
					printf("From your config (%s):\n",
					       c->cfg->path ? c->cfg->path : "config.json");
				head = true;
				printf("  %s %s\n", lists[l], it->valuestring);
			}
		}
	}
out:
	cJSON_Delete(rules);
	free(path);
	buf_free(&err);
	return rc;
}

/* RULE, or the NUMBER `list` printed. */
static char *
rule_arg(struct cli_ctx *c, const char *arg)
{
	char *end;
	long k = strtol(arg, &end, 10);
	cJSON *rules, *it;
	struct buf err = BUF_INIT;
	char *found = NULL;

	if (*arg == '\0' || *end != '\0' || k < 1)
		return xstrdup(arg);
	rules = policy_project_rules(c->workspace, &err);
	cJSON_ArrayForEach(it, rules)
		if (--k == 0)
			found = xstrdup(it->valuestring);
	cJSON_Delete(rules);
	buf_free(&err);
	return found ? found : xstrdup(arg);
}

int
cmd_permissions(struct cli_ctx *c, int argc, char **argv)
{
	struct buf err = BUF_INIT;
	enum cerr e;
	char *rule;
	int rc = 0;

	if (argc < 2 || strcmp(argv[1], "list") == 0)
		return argc <= 2 ? perm_list(c) : perm_usage();
	if (argc != 3 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "remove") != 0))
		return perm_usage();
	rule = rule_arg(c, argv[2]);
	e = strcmp(argv[1], "add") == 0 ?
		policy_project_rule_add(c->workspace, rule, &err) :
		policy_project_rule_remove(c->workspace, rule, &err);
	if (e == C_OK) {
		printf("%s: allow %s (this project)\n",
		       argv[1][0] == 'a' ? "added" : "removed", rule);
	} else {
		fprintf(stderr, "conch: %s\n", buf_str(&err));
		rc = e == C_ERR_NOTFOUND || e == C_ERR_INVAL ? EXIT_USAGE : EXIT_CONFIG;
	}
	free(rule);
	buf_free(&err);
	return rc;
}

CMD_ENTRY(permissions, "rules saved for this project: list, add, remove");
