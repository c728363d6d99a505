/* Check suite for src/conv: blocks, usage, JSON codec round trips. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "conv/conv.h"
#include "util/jsonx.h"
#include "tests/check-run.h"

/* invariant: nblocks <= capblocks, every block's owned strings set per type */
static void
msg_check(const struct conv_msg *m)
{
	size_t i;
	ck_assert_uint_le(m->nblocks, m->capblocks);
	for (i = 0; i < m->nblocks; i++) {
		const struct conv_block *b = &m->blocks[i];
		switch (b->type) {
		case BLK_TEXT:
		case BLK_THINKING:
			ck_assert_ptr_nonnull(b->text);
			break;
		case BLK_TOOL_CALL:
			ck_assert_ptr_nonnull(b->id);
			ck_assert_ptr_nonnull(b->name);
			ck_assert_ptr_nonnull(b->args);
			break;
		case BLK_TOOL_RESULT:
			ck_assert_ptr_nonnull(b->id);
			ck_assert_ptr_nonnull(b->text);
			break;
		}
	}
}

static void
msg_equal(const struct conv_msg *a, const struct conv_msg *b)
{
	size_t i;
	ck_assert_int_eq(a->role, b->role);
	ck_assert_uint_eq(a->nblocks, b->nblocks);
	for (i = 0; i < a->nblocks; i++) {
		const struct conv_block *x = &a->blocks[i], *y = &b->blocks[i];
		ck_assert_int_eq(x->type, y->type);
		if (x->text)
			ck_assert_str_eq(x->text, y->text);
		if (x->id)
			ck_assert_str_eq(x->id, y->id);
		if (x->name)
			ck_assert_str_eq(x->name, y->name);
		if (x->signature)
			ck_assert_str_eq(x->signature, y->signature);
		if (x->args) {
			cJSON *ja = cJSON_Parse(x->args), *jb = cJSON_Parse(y->args);
			ck_assert(cJSON_Compare(ja, jb, true));
			cJSON_Delete(ja);
			cJSON_Delete(jb);
		}
		ck_assert_int_eq(x->is_error, y->is_error);
	}
	ck_assert_int_eq(a->usage.known, b->usage.known);
	ck_assert_int_eq(a->usage.input, b->usage.input);
	ck_assert_int_eq(a->usage.cache_read, b->usage.cache_read);
	ck_assert_int_eq(a->stop, b->stop);
}

static void
round_trip(const struct conv_msg *m)
{
	cJSON *j = conv_msg_to_json(m);
	char *s = jx_print(j);
	cJSON *k = cJSON_Parse(s);
	struct conv_msg back;
	ck_assert_int_eq(conv_msg_from_json(k, &back), C_OK);
	msg_check(&back);
	msg_equal(m, &back);
	conv_msg_free(&back);
	cJSON_Delete(j);
	cJSON_Delete(k);
	free(s);
}

START_TEST(codec_round_trips)
{
	struct conv_msg m;
	conv_msg_init(&m, CONV_ASSISTANT);
	conv_msg_add_thinking(&m, "let me think \xe2\x80\x94 ok", "sig==");
	conv_msg_add_text(&m, "I'll read it.\nLine two \"quoted\" \\ back");
	conv_msg_add_tool_call(&m, "call_1", "read", "{\"path\":\"a b.txt\",\"limit\":5}");
	conv_msg_add_tool_call(&m, "call_2", "bash", "{\"command\":\"ls\"}");
	m.usage = (struct conv_usage){ 100, 20, 5, 60, true };
	m.stop = STOP_TOOL_USE;
	m.answered_by = strdup("scripted/test");
	msg_check(&m);
	round_trip(&m);
	conv_msg_free(&m);

	conv_msg_init(&m, CONV_USER);
	conv_msg_add_tool_result(&m, "call_1", "1\thello\n", false);
	conv_msg_add_tool_result(&m, "call_2", "exit 2: no such file", true);
	conv_msg_add_text(&m, "");
	round_trip(&m);
	conv_msg_free(&m);
}
END_TEST

START_TEST(malformed_args_kept_verbatim)
{
	struct conv_msg m, back;
	cJSON *j;
	conv_msg_init(&m, CONV_ASSISTANT);
	conv_msg_add_tool_call(&m, "c", "edit", "{\"path\": \"x\", ");
	j = conv_msg_to_json(&m);
	ck_assert_int_eq(conv_msg_from_json(j, &back), C_OK);
	ck_assert_str_eq(back.blocks[0].args, "{\"path\": \"x\", ");
	conv_msg_free(&back);
	cJSON_Delete(j);
	conv_msg_free(&m);
}
END_TEST

START_TEST(from_json_rejects_garbage)
{
	const char *bad[] = {
		"{}", "{\"role\":\"system\",\"content\":[]}",
		"{\"role\":\"user\"}", "{\"role\":\"user\",\"content\":[{}]}",
	};
	size_t i;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cJSON *j = cJSON_Parse(bad[i]);
		struct conv_msg m;
		ck_assert_int_eq(conv_msg_from_json(j, &m), C_ERR_PARSE);
		ck_assert_uint_eq(m.nblocks, 0);
		conv_msg_free(&m);
		cJSON_Delete(j);
	}
	{
		/* unknown block types are skipped, not fatal */
		cJSON *j = cJSON_Parse("{\"role\":\"user\",\"content\":[{\"type\":\"image\"},"
				       "{\"type\":\"text\",\"text\":\"hi\"}]}");
		struct conv_msg m;
		ck_assert_int_eq(conv_msg_from_json(j, &m), C_OK);
		ck_assert_uint_eq(m.nblocks, 1);
		conv_msg_free(&m);
		cJSON_Delete(j);
	}
}
END_TEST

START_TEST(conv_ops)
{
	struct conv c;
	struct conv_msg *m, tmp, cp;
	char *t;
	int i;
	conv_init(&c);
	for (i = 0; i < 40; i++) {
		m = conv_add(&c, i % 2 ? CONV_ASSISTANT : CONV_USER);
		conv_msg_add_text(m, "x");
	}
	ck_assert_uint_eq(c.n, 40);
	conv_truncate(&c, 10);
	ck_assert_uint_eq(c.n, 10);
	conv_msg_init(&tmp, CONV_ASSISTANT);
	conv_msg_append_text(&tmp, "ab", 2);
	conv_msg_append_text(&tmp, "cd", 2);
	conv_msg_add_tool_call(&tmp, "1", "ls", NULL);
	conv_msg_append_text(&tmp, "ef", 2);
	ck_assert_uint_eq(tmp.nblocks, 3);
	ck_assert_str_eq(tmp.blocks[1].args, "{}");
	t = conv_msg_text(&tmp);
	ck_assert_str_eq(t, "abcdef");
	free(t);
	ck_assert_uint_eq(conv_msg_tool_calls(&tmp), 1);
	conv_msg_copy(&cp, &tmp);
	msg_equal(&tmp, &cp);
	conv_msg_free(&cp);
	conv_push(&c, &tmp);
	ck_assert_uint_eq(tmp.nblocks, 0);
	ck_assert_uint_eq(c.msgs[10].nblocks, 3);
	conv_msg_free(&tmp);
	conv_free(&c);
}
END_TEST

START_TEST(usage_sum_and_unknown)
{
	struct conv_usage sum = { 0 }, a = { 10, 2, 1, 3, true }, unk = { 0 };
	cJSON *j;
	conv_usage_add(&sum, &unk);
	ck_assert(!sum.known);
	conv_usage_add(&sum, &a);
	conv_usage_add(&sum, &a);
	ck_assert(sum.known);
	ck_assert_int_eq(sum.input, 20);
	ck_assert_int_eq(sum.cache_read, 6);
	j = conv_usage_to_json(&unk);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "input_tokens")));
	conv_usage_from_json(j, &a);
	ck_assert(!a.known);
	cJSON_Delete(j);
}
END_TEST

CHECK_MAIN("conv", .tests = CHECK_TESTS(
	codec_round_trips, malformed_args_kept_verbatim,
	from_json_rejects_garbage, conv_ops, usage_sum_and_unknown))
