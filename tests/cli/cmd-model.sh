#!/bin/sh
# `conch model info|tokenize|run|chat` through tests/cli/model-cli (which
# calls cmd_model_main exactly as the dispatcher will).
D="$CONCH_BUILDDIR/tests/cli/model-cli"
M="$CONCH_SHARED/models"
if ! [ -f "$M/stories260K.gguf" ]; then
	echo "skip: $M/stories260K.gguf absent"
	exit 77
fi
fail=0
t() { # name, then a command that must succeed
	name=$1
	shift
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; fail=1; fi
}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

"$D" model info "$M/stories260K.gguf" >"$tmp/info" 2>&1
t "info exit 0" test $? -eq 0
t "info arch" grep -qx "architecture: llama" "$tmp/info"
t "info params" grep -q "^parameters: 292.8K (292800)" "$tmp/info"
t "info ctx" grep -qx "context length: 128" "$tmp/info"
t "info types" grep -qx "tensor types: F32 x48" "$tmp/info"
t "info tokenizer" grep -q "^tokenizer: llama (SentencePiece)" "$tmp/info"
t "info template" grep -qx "chat template: none" "$tmp/info"
t "info file size" grep -q "^file size: 1185888 bytes" "$tmp/info"
t "info memory" grep -q "^context memory: .* MiB for 128 tokens" "$tmp/info"
"$D" model info "$M/llama-2-tiny-random.gguf" >"$tmp/info2" 2>&1
t "info f16 types" grep -qx "tensor types: F32 x3, F16 x9" "$tmp/info2"

out=$("$D" model tokenize "$M/llama-2-tiny-random.gguf" "Hello world")
t "tokenize with bos" test "$out" = "1 15043 3186"
out=$("$D" model tokenize "$M/llama-2-tiny-random.gguf" --no-bos "Hello world")
t "tokenize no bos" test "$out" = "15043 3186"
printf 'Hello world' >"$tmp/in.txt"
out=$("$D" model tokenize "$M/llama-2-tiny-random.gguf" --file "$tmp/in.txt")
t "tokenize file" test "$out" = "1 15043 3186"

# vocab-only files tokenize too; special tokens parse unless --no-special
B="$CONCH_SHARED/vocab/ggml-vocab-llama-bpe.gguf"
out=$("$D" model tokenize "$B" "Hello world")
t "tokenize vocab-only" test "$out" = "128000 9906 1917"
out=$("$D" model tokenize "$B" --no-bos "Hi<|eot_id|>")
t "tokenize special" test "$out" = "13347 128009"
out=$("$D" model tokenize "$B" --no-bos --no-special "<|eot_id|>")
t "tokenize no-special" test "$out" = "27 91 68 354 851 91 29"

# greedy ids of real trained weights, against the reference fixture
want=$(tr -s ' \n' '  ' <"$CONCH_SRCDIR/tests/llm/data/stories260K-greedy.ids" | cut -d' ' -f1-100)
got=$("$D" model run "$M/stories260K.gguf" -p "" --temp 0 --ids -n 100 --kv f32)
t "stories260K greedy ids (F32 cache)" test "$got" = "$want"
# the default F16 cache: the same ids with 1 and 3 threads (it parts from
# the F32 reference at a near-tie; tests/llm/test-model.c checks that)
a=$("$D" model run "$M/stories260K.gguf" -p "" --temp 0 --ids -n 100 -t 1)
b=$("$D" model run "$M/stories260K.gguf" -p "" --temp 0 --ids -n 100 -t 3)
t "stories260K greedy ids, 1 and 3 threads" test -n "$a" -a "$a" = "$b"
"$D" model run "$M/stories260K.gguf" -p "" --kv f64 >/dev/null 2>&1
t "bad --kv is a usage error" test $? -eq 2

# model bench: a llama-bench-like table on stdout, plain progress lines on
# stderr when it is not a terminal, usage errors exit 2
"$D" model bench "$M/stories260K.gguf" -p 8 -n 4 -r 2 -t 2 >"$tmp/bench" 2>"$tmp/bench.err"
t "bench exit 0" test $? -eq 0
t "bench pp row" grep -Eq '^\| llama F32 \| .* \| 2 \| pp8 \| [0-9.]+ ± [0-9.]+ \| - \| - \|$' "$tmp/bench"
t "bench tg row" grep -Eq '^\| llama F32 \| .* \| 2 \| tg4 \| [0-9.]+ ± [0-9.]+ \| [0-9.]+ \| [0-9]+% \|$' "$tmp/bench"
t "bench probe line" grep -Eq '^read bandwidth probe: [0-9.]+ GB/s \(2 threads\)' "$tmp/bench"
t "bench progress lines" grep -qx "pp8: run 2/2: .* tokens/s" "$tmp/bench.err"
t "bench progress has no CR" test "$(tr -cd '\r' <"$tmp/bench.err" | wc -c)" -eq 0
"$D" model bench "$M/stories260K.gguf" -p 0 -n 0 >/dev/null 2>&1
t "bench with nothing to do is a usage error" test $? -eq 2
"$D" model bench "$M/stories260K.gguf" -r x >/dev/null 2>&1
t "bench bad -r is a usage error" test $? -eq 2
"$D" model bench "$tmp/absent.gguf" -p 4 -n 0 >/dev/null 2>"$tmp/err"
t "bench missing file fails" test $? -eq 1

a=$("$D" model run "$M/stories260K.gguf" -p "" --seed 5 --temp 1 --ids -n 30)
b=$("$D" model run "$M/stories260K.gguf" -p "" --seed 5 --temp 1 --ids -n 30)
c=$("$D" model run "$M/stories260K.gguf" -p "" --seed 6 --temp 1 --ids -n 30)
t "same seed same ids" test "$a" = "$b"
t "other seed other ids" test "$a" != "$c"
t "30 ids" test "$(echo "$a" | wc -w)" -le 30
out=$("$D" model run "$M/llama-2-tiny-random.gguf" -p "Once upon" -n 5 --seed 1)
t "run text exit 0" test $? -eq 0

"$D" model run "$M/stories260K.gguf" >/dev/null 2>&1
t "run without -p is a usage error" test $? -eq 2
"$D" model bogus "$M/stories260K.gguf" >/dev/null 2>&1
t "unknown subcommand" test $? -eq 2
"$D" model run "$M/stories260K.gguf" -p x --temp abc >/dev/null 2>&1
t "bad number" test $? -eq 2
"$D" model info /nonexistent.gguf 2>"$tmp/err"
t "missing file fails" test $? -eq 1
t "missing file named" grep -q "/nonexistent.gguf" "$tmp/err"
echo hi | "$D" model chat "$M/stories260K.gguf" 2>"$tmp/err"
t "chat without template fails" test $? -eq 1
t "chat error names the model" grep -q "has no chat template conch knows" "$tmp/err"
t "chat error names the way out" grep -q -- "--template NAME or providers.local.template" "$tmp/err"
t "chat error names the templates" grep -q "chatml, llama3, mistral, gemma, phi3" "$tmp/err"
# both test models chat with a template named on the command line
for f in stories260K llama-2-tiny-random; do
	printf 'hello\n' | "$D" model chat "$M/$f.gguf" --template chatml -n 4 --seed 1 \
		>"$tmp/chat-$f" 2>"$tmp/err"
	t "$f chats with --template chatml" test $? -eq 0
	t "$f chat answered" test -s "$tmp/chat-$f"
done
printf 'hello\n' | "$D" model chat "$M/stories260K.gguf" --template nosuch 2>"$tmp/err"
t "unknown --template is a usage error" test $? -eq 2
t "unknown --template lists the valid ones" grep -q "use one of chatml, llama3, mistral, gemma, phi3" "$tmp/err"
# providers.local.template from the config (through the real CLI)
if [ -x "${CONCH_BIN:-}" ]; then
	mkdir -p "$tmp/cfg/conch"
	printf '{"providers": {"local": {"template": "llama3"}}}\n' >"$tmp/cfg/conch/config.json"
	printf 'hello\n' | HOME="$tmp" XDG_CONFIG_HOME="$tmp/cfg" XDG_STATE_HOME="$tmp/st" \
		XDG_DATA_HOME="$tmp/dt" "$CONCH_BIN" model chat "$M/llama-2-tiny-random.gguf" \
		-n 4 --seed 1 >"$tmp/chat-cfg" 2>"$tmp/err"
	t "providers.local.template is honoured" test $? -eq 0
	printf '{"providers": {"local": {"template": "jinja"}}}\n' >"$tmp/cfg/conch/config.json"
	printf 'hello\n' | HOME="$tmp" XDG_CONFIG_HOME="$tmp/cfg" XDG_STATE_HOME="$tmp/st" \
		XDG_DATA_HOME="$tmp/dt" "$CONCH_BIN" model chat "$M/llama-2-tiny-random.gguf" \
		-n 4 >/dev/null 2>"$tmp/err"
	t "a bad config template is a config error (exit 3)" test $? -eq 3
	t "a bad config template is named" grep -q "providers.local.template 'jinja'" "$tmp/err"
fi

# chat through a ChatML template on a small random model from tools/
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
	/usr/bin/python3 "$CONCH_SRCDIR/tools/llm_ref.py" model "$tmp/q.gguf" qwen2 F32
	printf 'hello\nagain\n' | "$D" model chat "$tmp/q.gguf" -n 8 --ctx 256 >"$tmp/chat" 2>&1
	t "chat runs two turns" test $? -eq 0
	"$D" model info "$tmp/q.gguf" >"$tmp/info3"
	t "info chatml" grep -qx "chat template: chatml" "$tmp/info3"
	t "info gpt2 tokenizer" grep -q "^tokenizer: gpt2 (byte-level BPE), pre-tokenizer qwen2" "$tmp/info3"
	# refusals name what is not supported: an architecture, a tensor type
	/usr/bin/python3 "$CONCH_SRCDIR/tools/llm_ref.py" model "$tmp/k.gguf" qwen2 Q4_K
	/usr/bin/python3 - "$CONCH_SRCDIR/tools" "$tmp" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[1])
import gguflib as G
r = G.GGUFReader(sys.argv[2] + '/k.gguf')
def rewrite(path, arch=None, retype=None, drop_key=None, drop_tensor=None, reshape=None):
    w = G.GGUFWriter()
    for k, v in r.meta.items():
        if k == drop_key:
            continue
        if k == 'general.architecture' and arch:
            v = arch
        if k == 'general.alignment':
            continue
        if isinstance(v, list):
            et = G.STRING if (v and isinstance(v[0], str)) else (G.F32 if v and isinstance(v[0], float) else G.I32)
            w.add(k.replace('qwen2.', (arch or 'qwen2') + '.'), v, (G.ARRAY, et))
        else:
            w.add(k.replace('qwen2.', (arch or 'qwen2') + '.'), v, G.F32 if isinstance(v, float) else None)
    for name, (t, ne, raw) in r.tensors.items():
        if name == drop_tensor:
            continue
        if name == reshape:  # same bytes, rows and columns swapped
            w.tensors.append((name, [ne[1], ne[0]], t, raw))
            continue
        if retype and name == 'blk.0.ffn_up.weight':
            n = ne[0] * ne[1] // 256 * 84
            w.tensors.append((name, ne, 10, b'\0' * n))  # Q2_K
            continue
        w.tensors.append((name, ne, t, raw))
    w.write(path)
rewrite(sys.argv[2] + '/arch.gguf', arch='mamba')
rewrite(sys.argv[2] + '/type.gguf', retype=True)
rewrite(sys.argv[2] + '/nokey.gguf', drop_key='qwen2.embedding_length')
rewrite(sys.argv[2] + '/notensor.gguf', drop_tensor='blk.1.attn_k.bias')
rewrite(sys.argv[2] + '/shape.gguf', reshape='blk.0.ffn_down.weight')
PYEOF
	"$D" model info "$tmp/nokey.gguf" 2>"$tmp/err"
	t "missing key named" grep -q "missing or non-integer metadata 'qwen2.embedding_length'" "$tmp/err"
	"$D" model info "$tmp/notensor.gguf" 2>"$tmp/err"
	t "missing tensor named" grep -q "tensor 'blk.1.attn_k.bias' is missing" "$tmp/err"
	"$D" model info "$tmp/shape.gguf" 2>"$tmp/err"
	t "bad shape named" grep -q "tensor 'blk.0.ffn_down.weight' has shape" "$tmp/err"
	"$D" model info "$tmp/arch.gguf" 2>"$tmp/err"
	t "unsupported arch refused" test $? -eq 1
	t "arch named" grep -q "architecture 'mamba' is not supported" "$tmp/err"
	"$D" model info "$tmp/type.gguf" 2>"$tmp/err"
	t "unsupported type refused" test $? -eq 1
	t "type named" grep -q "tensor 'blk.0.ffn_up.weight' has type Q2_K" "$tmp/err"
fi
exit $fail
