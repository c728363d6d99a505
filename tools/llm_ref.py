#!/usr/bin/python3
"""llm_ref.py: an independent numpy reference for conch's transformer
runtime, and a writer of small random-weight GGUF models.

  /usr/bin/python3 tools/llm_ref.py gen OUTDIR
      writes OUTDIR/<arch>-<type>.gguf for every architecture and tensor
      type, and OUTDIR/<arch>-<type>.ref with the prompt ids and the numpy
      logits after every prompt position (one line each).
  /usr/bin/python3 tools/llm_ref.py model OUT.gguf ARCH TYPE
      writes one random-weight model.
  /usr/bin/python3 tools/llm_ref.py scripted OUT.gguf
      writes a tiny qwen2 model whose replies are fixed (see make_scripted):
      thinking, text and a tool call; after a tool result, a final answer.
  /usr/bin/python3 tools/llm_ref.py bench OUT.gguf [TYPE]
      writes random weights in the shape of Qwen2.5-0.5B (about 400 MB at
      Q8_0), for speed measurements: conch model run OUT.gguf -p ... -v
  /usr/bin/python3 tools/llm_ref.py logits MODEL.gguf ID...
      prints the reference logits for the last id.

The forward pass follows the published formulas (RMSNorm; rotary position
embedding in the interleaved-pair form for llama (with Llama 3.1's
per-frequency factors from rope_freqs.weight) and the rotate-half "NeoX"
form for the qwen family; grouped-query attention with a causal
softmax; SwiGLU feed-forward; a softmax router with top-k experts and
renormalised weights for mixture-of-experts) and runs in float64 on the
weights dequantised by gguflib.  It shares no code with the C runtime.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguflib as G  # noqa: E402

ARCHS = ['llama', 'qwen2', 'qwen3', 'qwen3moe']
TYPES = ['F32', 'F16', 'BF16', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0',
         'Q4_K', 'Q5_K', 'Q6_K']
PROMPT = [1, 37, 260, 5, 99, 142, 7, 201, 13]

CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + "
          "'\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
          "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")


# ------------------------------------------------------------- vocabularies

def byte_chars():
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(0xA1, 0xAD)) + \
        list(range(0xAE, 0x100))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def spm_vocab(n):
    toks = ['<unk>', '<s>', '</s>'] + ['<0x%02X>' % b for b in range(256)]
    types = [2, 3, 3] + [6] * 256
    words = ['\u2581the', '\u2581a', '\u2581cat', '\u2581sat', 'at', 'th', 'he',
             '\u2581t', '\u2581c', '\u2581s', '\u2581', 'e', 't', 'a', 'h', 's', 'c']
    for w in words:
        toks.append(w)
        types.append(1)
    i = 0
    while len(toks) < n:
        toks.append('\u2581w%d' % i)
        types.append(1)
        i += 1
    scores = [0.0] * 3 + [0.0] * 256 + [-float(i) for i in range(len(toks) - 259)]
    return toks[:n], scores[:n], types[:n], []


def bpe_vocab(n, specials):
    bc = byte_chars()
    toks = [bc[b] for b in range(256)]
    types = [1] * 256
    merges = []
    for a, b in [('h', 'e'), ('t', 'he'), ('\u0120', 'the'), ('a', 't'),
                 ('c', 'at'), ('\u0120', 'cat')]:
        merges.append(a + ' ' + b)
        toks.append(a + b)
        types.append(1)
    i = 0
    while len(toks) < n - len(specials):
        toks.append('w%d' % i)
        types.append(1)
        i += 1
    for s in specials:
        toks.append(s)
        types.append(3)
    return toks, None, types, merges


# ------------------------------------------------------------ the models

def config(arch, qtype):
    be = G.BLOCK[G.TYPES[qtype]][0]
    if be == 256:
        c = dict(n_embd=256, n_head=4, n_kv=2, hd=64, n_ff=512, n_ff_exp=256)
    elif be == 32:
        c = dict(n_embd=96, n_head=3, n_kv=1, hd=32, n_ff=160, n_ff_exp=64)
    else:
        c = dict(n_embd=40, n_head=5, n_kv=1, hd=8, n_ff=72, n_ff_exp=24)
    c.update(n_layer=2, n_vocab=300, n_expert=4, n_used=2, eps=1e-5,
             base=10000.0 if arch == 'llama' else 1000000.0)
    if arch == 'qwen3' and be == 1:
        c['hd'] = 12  # head size unrelated to n_embd / n_head
    return c


def make_model(arch, qtype, path, seed=0):
    rng = np.random.default_rng(seed)
    c = config(arch, qtype)
    t = G.TYPES[qtype]
    be = G.BLOCK[t][0]
    w = G.GGUFWriter()
    w.add('general.architecture', arch)
    w.add('general.name', 'conch-test-%s-%s' % (arch, qtype))
    w.add('general.alignment', 32, G.U32)
    a = arch
    w.add(a + '.context_length', 4096, G.U32)
    w.add(a + '.embedding_length', c['n_embd'], G.U32)
    w.add(a + '.block_count', c['n_layer'], G.U32)
    w.add(a + '.attention.head_count', c['n_head'], G.U32)
    w.add(a + '.attention.head_count_kv', c['n_kv'], G.U32)
    w.add(a + '.attention.layer_norm_rms_epsilon', c['eps'], G.F32)
    w.add(a + '.rope.freq_base', c['base'], G.F32)
    if arch == 'qwen2':  # partial rotary: half of each head rotates
        w.add(a + '.rope.dimension_count', c['hd'] // 2, G.U32)
    if c['hd'] * c['n_head'] != c['n_embd']:
        w.add(a + '.attention.key_length', c['hd'], G.U32)
        w.add(a + '.attention.value_length', c['hd'], G.U32)
    if arch == 'qwen3moe':
        w.add(a + '.expert_count', c['n_expert'], G.U32)
        w.add(a + '.expert_used_count', c['n_used'], G.U32)
        w.add(a + '.expert_feed_forward_length', c['n_ff_exp'], G.U32)
    else:
        w.add(a + '.feed_forward_length', c['n_ff'], G.U32)
    if arch == 'llama':
        toks, scores, types, merges = spm_vocab(c['n_vocab'])
        w.add('tokenizer.ggml.model', 'llama')
        w.add('tokenizer.ggml.scores', scores, (G.ARRAY, G.F32))
        w.add('tokenizer.ggml.bos_token_id', 1, G.U32)
        w.add('tokenizer.ggml.eos_token_id', 2, G.U32)
    else:
        specials = ['<|endoftext|>', '<|im_start|>', '<|im_end|>']
        toks, scores, types, merges = bpe_vocab(c['n_vocab'], specials)
        w.add('tokenizer.ggml.model', 'gpt2')
        w.add('tokenizer.ggml.pre', 'qwen2')
        w.add('tokenizer.ggml.merges', merges, (G.ARRAY, G.STRING))
        w.add('tokenizer.ggml.eos_token_id', toks.index('<|im_end|>'), G.U32)
        w.add('tokenizer.ggml.add_bos_token', False, G.BOOL)
        w.add('tokenizer.chat_template', CHATML)
    w.add('tokenizer.ggml.tokens', toks, (G.ARRAY, G.STRING))
    w.add('tokenizer.ggml.token_type', types, (G.ARRAY, G.I32))

    def mat(name, rows, cols, scale=None, typ=None):
        s = scale if scale is not None else 1.0 / np.sqrt(cols)
        x = rng.standard_normal((rows, cols)).astype(np.float32) * s
        tt = typ if typ is not None else t
        if cols % G.BLOCK[tt][0] != 0:
            tt = G.T_Q8_0 if cols % 32 == 0 else G.T_F32
        w.add_tensor(name, x, tt)

    def vec(name, n, center=1.0, spread=0.2):
        x = (center + spread * rng.standard_normal(n)).astype(np.float32)
        w.add_tensor(name, x, G.T_F32)

    E, H, KV, hd = c['n_embd'], c['n_head'], c['n_kv'], c['hd']
    mat('token_embd.weight', c['n_vocab'], E, scale=1.0)
    if arch == 'llama':  # Llama 3.1-style per-frequency RoPE factors
        w.add_tensor('rope_freqs.weight',
                     (1.0 + 3.0 * rng.random(hd // 2)).astype(np.float32), G.T_F32)
    vec('output_norm.weight', E)
    if arch != 'qwen3':  # qwen3 test files tie the output to the embedding
        mat('output.weight', c['n_vocab'], E)
    for il in range(c['n_layer']):
        p = 'blk.%d.' % il
        vec(p + 'attn_norm.weight', E)
        mat(p + 'attn_q.weight', H * hd, E)
        mat(p + 'attn_k.weight', KV * hd, E)
        mat(p + 'attn_v.weight', KV * hd, E)
        mat(p + 'attn_output.weight', E, H * hd)
        if arch == 'qwen2':
            vec(p + 'attn_q.bias', H * hd, 0.0, 0.5)
            vec(p + 'attn_k.bias', KV * hd, 0.0, 0.5)
            vec(p + 'attn_v.bias', KV * hd, 0.0, 0.5)
        if arch in ('qwen3', 'qwen3moe'):
            vec(p + 'attn_q_norm.weight', hd)
            vec(p + 'attn_k_norm.weight', hd)
        vec(p + 'ffn_norm.weight', E)
        if arch == 'qwen3moe':
            F, NE = c['n_ff_exp'], c['n_expert']
            mat(p + 'ffn_gate_inp.weight', NE, E, typ=G.T_F32)
            for nm, rows, cols in (('ffn_gate_exps', F, E), ('ffn_up_exps', F, E),
                                   ('ffn_down_exps', E, F)):
                x = rng.standard_normal((NE, rows, cols)).astype(np.float32) / np.sqrt(cols)
                tt = t if cols % be == 0 else G.T_Q8_0
                w.add_tensor(p + nm + '.weight', x, tt)
        else:
            F = c['n_ff']
            mat(p + 'ffn_gate.weight', F, E)
            mat(p + 'ffn_up.weight', F, E)
            mat(p + 'ffn_down.weight', E, F)
    w.write(path)


# ------------------------------------------------- a scripted tiny model

SCRIPT = ['<think>', 'plan', '</think>', 'Sure', '<tool_call>',
          '\n{"name": "read", "arguments": {"path": "README.md"}}\n',
          '</tool_call>', '<|im_end|>']
ANSWER = 'Done: README.md was read.'


def make_scripted(path):
    """A qwen2 model whose replies are fixed, for end-to-end tests.

    Asked anything, it answers
        <think>plan</think>Sure<tool_call>{read README.md}</tool_call>
    and once the conversation holds a tool result (</tool_response>), it
    answers ANSWER and ends its turn.  How: one-hot embeddings; the output
    matrix maps each token to its successor in SCRIPT (weight 1; the reply
    starts after the newline that ends the ChatML assistant header, and
    any other token is followed by <|im_end|>); one attention head has a
    constant query and a key only on </tool_response>, so it raises a
    flag dimension when such a token is in the context (its q/k lanes are
    outside the rotated dimensions); the flag votes for ANSWER (weight 2),
    and ANSWER is followed by <|im_end|> (weight 3).  The FFN adds
    nothing.  Greedy or sampled at moderate temperature, the replies are
    the same."""
    bc = byte_chars()
    toks = [bc[b] for b in range(256)]
    types = [1] * 256

    def enc(text):
        return ''.join(bc[b] for b in text.encode('utf-8'))
    specials = ['<|endoftext|>', '<|im_start|>', '<|im_end|>']
    user = ['<think>', '</think>', '<tool_call>', '</tool_call>', '<tool_response>',
            '</tool_response>']
    for t in specials:
        toks.append(t)
        types.append(3)
    for t in user:
        toks.append(t)
        types.append(4)
    for t in SCRIPT + [ANSWER]:
        if t not in toks and enc(t) not in toks:
            toks.append(enc(t))
            types.append(1)
    V = len(toks)
    E = 320
    while E < V + 8:
        E += 64

    def tid(t):
        return toks.index(t) if t in toks else toks.index(enc(t))
    chain = [tid('\n')] + [tid(t) for t in SCRIPT]
    succ = {a: b for a, b in zip(chain, chain[1:])}
    end = tid('<|im_end|>')
    ans = tid(ANSWER)
    flag = V  # a dimension no token uses
    emb = np.zeros((V, E), np.float32)
    emb[np.arange(V), np.arange(V)] = 1.0
    out = np.zeros((V, E), np.float32)
    for t in range(V):
        out[succ.get(t, end), t] = 1.0
    out[ans, flag] = 2.0
    out[end, ans] = 3.0
    H, hd, F = 4, E // 4, 64
    lane = hd - 1  # head 0's last lane: not rotated (rope on 2 dims)
    wq = np.zeros((E, E), np.float32)
    wk = np.zeros((E, E), np.float32)
    wv = np.zeros((E, E), np.float32)
    wo = np.zeros((E, E), np.float32)
    wq[lane, :V] = 1.0
    wk[lane, tid('</tool_response>')] = 1.0
    wv[0, tid('</tool_response>')] = 1.0
    wo[flag, 0] = 1.0 / np.sqrt(E)
    w = G.GGUFWriter()
    a = 'qwen2'
    w.add('general.architecture', a)
    w.add('general.name', 'conch-scripted')
    w.add(a + '.context_length', 4096, G.U32)
    w.add(a + '.embedding_length', E, G.U32)
    w.add(a + '.block_count', 1, G.U32)
    w.add(a + '.attention.head_count', H, G.U32)
    w.add(a + '.attention.head_count_kv', H, G.U32)
    w.add(a + '.attention.layer_norm_rms_epsilon', 1e-6, G.F32)
    w.add(a + '.rope.freq_base', 1000000.0, G.F32)
    w.add(a + '.rope.dimension_count', 2, G.U32)
    w.add(a + '.feed_forward_length', F, G.U32)
    w.add('tokenizer.ggml.model', 'gpt2')
    w.add('tokenizer.ggml.pre', 'qwen2')
    w.add('tokenizer.ggml.tokens', toks, (G.ARRAY, G.STRING))
    w.add('tokenizer.ggml.token_type', types, (G.ARRAY, G.I32))
    w.add('tokenizer.ggml.merges', [], (G.ARRAY, G.STRING))
    w.add('tokenizer.ggml.eos_token_id', end, G.U32)
    w.add('tokenizer.ggml.add_bos_token', False, G.BOOL)
    w.add('tokenizer.chat_template', CHATML)
    w.add_tensor('token_embd.weight', emb)
    w.add_tensor('output_norm.weight', np.ones(E, np.float32))
    w.add_tensor('output.weight', out)
    z = lambda *shape: np.zeros(shape, np.float32)
    p = 'blk.0.'
    w.add_tensor(p + 'attn_norm.weight', np.ones(E, np.float32))
    for nm, m in (('attn_q', wq), ('attn_k', wk), ('attn_v', wv)):
        w.add_tensor(p + nm + '.weight', m)
        w.add_tensor(p + nm + '.bias', z(E))
    w.add_tensor(p + 'attn_output.weight', wo)
    w.add_tensor(p + 'ffn_norm.weight', np.ones(E, np.float32))
    w.add_tensor(p + 'ffn_gate.weight', z(F, E))
    w.add_tensor(p + 'ffn_up.weight', z(F, E))
    w.add_tensor(p + 'ffn_down.weight', z(E, F))
    w.write(path)


# ------------------------------------------------ a benchmark-sized model

def make_bench(path, qtype='Q8_0', seed=0):
    """Random weights in the shape of Qwen2.5-0.5B (896 wide, 24 layers,
    14 heads / 2 KV heads, FFN 4864, tied output) with a 32000-token
    byte-level vocabulary: for measuring speed without downloading a model.
    Rows that the type's blocks do not divide fall back to Q8_0."""
    rng = np.random.default_rng(seed)
    E, L, H, KV, F, V = 896, 24, 14, 2, 4864, 32000
    t = G.TYPES[qtype]
    be = G.BLOCK[t][0]
    a = 'qwen2'
    w = G.GGUFWriter()
    w.add('general.architecture', a)
    w.add('general.name', 'conch-bench-%s' % qtype)
    for k, v in (('context_length', 32768), ('embedding_length', E), ('block_count', L),
                 ('attention.head_count', H), ('attention.head_count_kv', KV),
                 ('feed_forward_length', F)):
        w.add(a + '.' + k, v, G.U32)
    w.add(a + '.attention.layer_norm_rms_epsilon', 1e-6, G.F32)
    w.add(a + '.rope.freq_base', 1000000.0, G.F32)
    toks, _, types, merges = bpe_vocab(V, ['<|endoftext|>', '<|im_start|>', '<|im_end|>'])
    w.add('tokenizer.ggml.model', 'gpt2')
    w.add('tokenizer.ggml.pre', 'qwen2')
    w.add('tokenizer.ggml.tokens', toks, (G.ARRAY, G.STRING))
    w.add('tokenizer.ggml.token_type', types, (G.ARRAY, G.I32))
    w.add('tokenizer.ggml.merges', merges, (G.ARRAY, G.STRING))
    w.add('tokenizer.ggml.eos_token_id', toks.index('<|im_end|>'), G.U32)
    w.add('tokenizer.chat_template', CHATML)

    def mat(name, rows, cols):
        x = (rng.standard_normal((rows, cols)) / np.sqrt(cols)).astype(np.float32)
        w.add_tensor(name, x, t if cols % be == 0 else G.T_Q8_0)
    hd = E // H
    mat('token_embd.weight', V, E)
    w.add_tensor('output_norm.weight', np.ones(E, np.float32))
    for i in range(L):
        p = 'blk.%d.' % i
        w.add_tensor(p + 'attn_norm.weight', np.ones(E, np.float32))
        w.add_tensor(p + 'ffn_norm.weight', np.ones(E, np.float32))
        mat(p + 'attn_q.weight', H * hd, E)
        mat(p + 'attn_k.weight', KV * hd, E)
        mat(p + 'attn_v.weight', KV * hd, E)
        mat(p + 'attn_output.weight', E, H * hd)
        for b, n in (('attn_q.bias', H * hd), ('attn_k.bias', KV * hd), ('attn_v.bias', KV * hd)):
            w.add_tensor(p + b, np.zeros(n, np.float32))
        mat(p + 'ffn_gate.weight', F, E)
        mat(p + 'ffn_up.weight', F, E)
        mat(p + 'ffn_down.weight', E, F)
    w.write(path)


# ------------------------------------------------------ numpy forward pass

class Ref:
    def __init__(self, path):
        r = G.GGUFReader(path)
        m = r.meta
        a = m['general.architecture']
        self.arch = a
        self.r = r
        self.E = m[a + '.embedding_length']
        self.L = m[a + '.block_count']
        self.H = m[a + '.attention.head_count']
        self.KV = m.get(a + '.attention.head_count_kv', self.H)
        self.hd = m.get(a + '.attention.key_length', self.E // self.H)
        self.hdv = m.get(a + '.attention.value_length', self.E // self.H)
        self.rot = m.get(a + '.rope.dimension_count', self.hd)
        self.eps = m.get(a + '.attention.layer_norm_rms_epsilon', 1e-5)
        self.base = m.get(a + '.rope.freq_base', 10000.0)
        self.neox = a != 'llama'
        self.n_used = m.get(a + '.expert_used_count', 0)
        self.W = {n: r.tensor_f32(n).astype(np.float64) for n in r.tensors}
        self.kc = [[] for _ in range(self.L)]
        self.vc = [[] for _ in range(self.L)]

    def rms(self, x, w):
        return x / np.sqrt(np.mean(x * x) + self.eps) * w

    def rope(self, v, pos):
        half = self.rot // 2
        inv = self.base ** (-2.0 * np.arange(half) / self.rot)
        if 'rope_freqs.weight' in self.W:
            inv = inv / self.W['rope_freqs.weight']
        th = pos * inv
        cs, sn = np.cos(th), np.sin(th)
        v = v.copy()
        if self.neox:
            a, b = v[:half].copy(), v[half:2 * half].copy()
            v[:half] = a * cs - b * sn
            v[half:2 * half] = a * sn + b * cs
        else:
            a, b = v[0:2 * half:2].copy(), v[1:2 * half:2].copy()
            v[0:2 * half:2] = a * cs - b * sn
            v[1:2 * half:2] = a * sn + b * cs
        return v

    def ffn(self, p, x):
        W = self.W
        if p + 'ffn_gate_inp.weight' in W:
            logits = W[p + 'ffn_gate_inp.weight'] @ x
            pr = np.exp(logits - logits.max())
            pr /= pr.sum()
            top = np.argsort(-pr, kind='stable')[:self.n_used]
            wts = pr[top] / pr[top].sum()
            out = np.zeros_like(x)
            for e, we in zip(top, wts):
                g = W[p + 'ffn_gate_exps.weight'][e] @ x
                u = W[p + 'ffn_up_exps.weight'][e] @ x
                out += we * (W[p + 'ffn_down_exps.weight'][e] @ (g / (1 + np.exp(-g)) * u))
            return out
        g = W[p + 'ffn_gate.weight'] @ x
        u = W[p + 'ffn_up.weight'] @ x
        return W[p + 'ffn_down.weight'] @ (g / (1 + np.exp(-g)) * u)

    def step(self, tok, pos):
        W = self.W
        x = W['token_embd.weight'][tok].copy()
        for il in range(self.L):
            p = 'blk.%d.' % il
            h = self.rms(x, W[p + 'attn_norm.weight'])
            q = W[p + 'attn_q.weight'] @ h
            k = W[p + 'attn_k.weight'] @ h
            v = W[p + 'attn_v.weight'] @ h
            if p + 'attn_q.bias' in W:
                q += W[p + 'attn_q.bias']
                k += W[p + 'attn_k.bias']
                v += W[p + 'attn_v.bias']
            q = q.reshape(self.H, self.hd)
            k = k.reshape(self.KV, self.hd)
            v = v.reshape(self.KV, self.hdv)
            if p + 'attn_q_norm.weight' in W:
                q = np.stack([self.rms(r, W[p + 'attn_q_norm.weight']) for r in q])
                k = np.stack([self.rms(r, W[p + 'attn_k_norm.weight']) for r in k])
            q = np.stack([self.rope(r, pos) for r in q])
            k = np.stack([self.rope(r, pos) for r in k])
            self.kc[il].append(k)
            self.vc[il].append(v)
            K = np.stack(self.kc[il])  # [T, KV, hd]
            V = np.stack(self.vc[il])
            out = []
            g = self.H // self.KV
            for hh in range(self.H):
                s = K[:, hh // g, :] @ q[hh] / np.sqrt(self.hd)
                a = np.exp(s - s.max())
                a /= a.sum()
                out.append(a @ V[:, hh // g, :])
            x = x + W[p + 'attn_output.weight'] @ np.concatenate(out)
            x = x + self.ffn(p, self.rms(x, W[p + 'ffn_norm.weight']))
        x = self.rms(x, W['output_norm.weight'])
        out = W.get('output.weight', W['token_embd.weight'])
        return out @ x


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == 'gen':
        outdir = sys.argv[2]
        archs = sys.argv[3].split(',') if len(sys.argv) > 3 else ARCHS
        types = sys.argv[4].split(',') if len(sys.argv) > 4 else TYPES
        for ai, arch in enumerate(archs):
            for ti, qt in enumerate(types):
                base = os.path.join(outdir, '%s-%s' % (arch, qt))
                make_model(arch, qt, base + '.gguf', seed=100 * ai + ti)
                ref = Ref(base + '.gguf')
                with open(base + '.ref', 'w') as f:
                    f.write(' '.join(map(str, PROMPT)) + '\n')
                    for pos, tok in enumerate(PROMPT):
                        lg = ref.step(tok, pos)
                        f.write(' '.join('%.7g' % v for v in lg) + '\n')
        return 0
    if len(sys.argv) in (3, 4) and sys.argv[1] == 'bench':
        make_bench(sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else 'Q8_0')
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == 'scripted':
        make_scripted(sys.argv[2])
        return 0
    if len(sys.argv) == 5 and sys.argv[1] == 'model':
        make_model(sys.argv[3], sys.argv[4], sys.argv[2])
        return 0
    if len(sys.argv) >= 4 and sys.argv[1] == 'logits':
        ref = Ref(sys.argv[2])
        ids = [int(x) for x in sys.argv[3:]]
        for pos, tok in enumerate(ids):
            lg = ref.step(tok, pos)
        print(' '.join('%.7g' % v for v in lg))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main())
