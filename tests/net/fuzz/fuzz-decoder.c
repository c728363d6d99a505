/* libFuzzer target: a stream decoder (FUZZ_DECODER: anth_decoder_ops or
 * oai_decoder_ops, set by the build) fed an arbitrary SSE stream.
 * It must never crash, and on success leave a well-formed message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "provider/remote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
sink(void *ud, const char *s, size_t n)
{
	(void)ud;
	(void)s;
	(void)n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct provider_events ev;
	struct provider_error err;
	struct conv_msg out;
	size_t i;

	memset(&ev, 0, sizeof ev);
	ev.text = sink;
	ev.thinking = sink;
	ev.cancel_fd = -1;
	memset(&err, 0, sizeof err);
	conv_msg_init(&out, CONV_ASSISTANT);
	if (remote_decode_bytes(&FUZZ_DECODER, (const char *)data, size, &ev, &out,
				&err) == C_OK) {
		if (out.stop == STOP_NONE)
			abort();
		for (i = 0; i < out.nblocks; i++)
			if (out.blocks[i].type == BLK_TOOL_CALL &&
			    (!out.blocks[i].args || !out.blocks[i].id))
				abort();
	}
	conv_msg_free(&out);
	return 0;
}
