#!/usr/bin/python3
"""random_gguf.py: write a GGUF file with random weights in the shape of a
real model, for benchmarks (random weights cost exactly what trained ones
cost; no weights can be downloaded here).

    /usr/bin/python3 tools/random_gguf.py SHAPE OUT.gguf [--type F16|F32|Q8_0]
        [--vocab VOCAB.gguf] [--seed N] [--layers N]

SHAPE is one of:
  llama-3.2-1b   llama, dim 2048, 16 layers, 32 heads / 8 KV heads,
                 ff 8192, vocab 128256, tied output, rope base 500000
  qwen2.5-0.5b   qwen2, dim 896, 24 layers, 14 heads / 2 KV heads,
                 ff 4864, q/k/v biases, vocab 151936, tied output

The tokenizer is a byte-level BPE (tokenizer.ggml.model gpt2) so both
conch and llama.cpp load the file: by default the Llama 3 vocabulary from
the shared test data (ggml-vocab-llama-bpe.gguf, found beside the project
as ../shared/vocab), padded with placeholder tokens to the model's vocab
size; with no such file a synthetic one (the 256 byte symbols and merges
of earlier tokens).  Q8_0 is written with gguflib's round-to-nearest
quantiser; for llama.cpp's own (and Q4_K_M) quantise an F16 file with
llama-quantize.
The file is written tensor by tensor (a 1B model in F16 is 2.5 GB).
"""
import argparse
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguflib as G  # noqa: E402

SHAPES = {
    'llama-3.2-1b': dict(arch='llama', name='Llama-3.2-1B-shaped (random)',
                         dim=2048, layers=16, heads=32, kv_heads=8, ff=8192,
                         vocab=128256, ctx=131072, rope_base=500000.0,
                         eps=1e-5, bias=False, pre='llama-bpe',
                         bos='<|begin_of_text|>', eos='<|eot_id|>'),
    'qwen2.5-0.5b': dict(arch='qwen2', name='Qwen2.5-0.5B-shaped (random)',
                         dim=896, layers=24, heads=14, kv_heads=2, ff=4864,
                         vocab=151936, ctx=32768, rope_base=1000000.0,
                         eps=1e-6, bias=True, pre='qwen2',
                         bos='<|endoftext|>', eos='<|im_end|>'),
}

TT_NORMAL, TT_CONTROL, TT_USER = 1, 3, 4


def byte_symbols():
    """GPT-2's printable stand-ins for the 256 byte values."""
    keep = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    out, n = {}, 0
    for b in range(256):
        if b in keep:
            out[b] = chr(b)
        else:
            out[b] = chr(256 + n)
            n += 1
    return [out[b] for b in range(256)]


def synthetic_vocab(n_regular, rng):
    """256 byte symbols, then tokens made by merging two earlier ones."""
    toks = byte_symbols()
    seen = set(toks)
    merges = []
    while len(toks) < n_regular:
        a = toks[int(rng.integers(0, len(toks)))]
        b = toks[int(rng.integers(0, min(len(toks), 4096)))]
        t = a + b
        if t in seen or len(t) > 16:
            continue
        seen.add(t)
        toks.append(t)
        merges.append(a + ' ' + b)
    return toks, merges


def build_vocab(shape, vocab_file, rng):
    """-> (tokens, types, merges, bos id, eos id) of exactly shape['vocab']."""
    n = shape['vocab']
    if vocab_file:
        r = G.GGUFReader(vocab_file)
        toks = list(r.meta['tokenizer.ggml.tokens'])
        types = [int(t) for t in r.meta['tokenizer.ggml.token_type']]
        merges = list(r.meta['tokenizer.ggml.merges'])
        regular = [t for t, ty in zip(toks, types) if ty == TT_NORMAL]
    else:
        regular, merges = synthetic_vocab(min(n - 256, 128000), rng)
    specials = [shape['bos'], shape['eos'], '<|endoftext|>', '<|im_start|>',
                '<|im_end|>', '<|begin_of_text|>', '<|end_of_text|>',
                '<|eot_id|>', '<|start_header_id|>', '<|end_header_id|>']
    specials = list(dict.fromkeys(specials))
    regular = [t for t in regular if t not in specials][: n - 256]
    toks = regular + specials
    types = [TT_NORMAL] * len(regular) + [TT_CONTROL] * len(specials)
    i = 0
    while len(toks) < n:
        toks.append('[PAD%d]' % i)
        types.append(TT_USER)
        i += 1
    known = set(regular)
    merges = [m for m in merges if ''.join(m.split(' ', 1)) in known]
    return toks, types, merges, toks.index(shape['bos']), toks.index(shape['eos'])


def tensor_list(s):
    """(name, numpy shape, kind) in file order; kind picks the init."""
    d, hd = s['dim'], s['dim'] // s['heads']
    q, kv = s['heads'] * hd, s['kv_heads'] * hd
    out = [('token_embd.weight', (s['vocab'], d), 'w'),
           ('output_norm.weight', (d,), 'norm')]
    for i in range(s['layers']):
        p = 'blk.%d.' % i
        out += [(p + 'attn_norm.weight', (d,), 'norm'),
                (p + 'attn_q.weight', (q, d), 'w'),
                (p + 'attn_k.weight', (kv, d), 'w'),
                (p + 'attn_v.weight', (kv, d), 'w')]
        if s['bias']:
            out += [(p + 'attn_q.bias', (q,), 'bias'),
                    (p + 'attn_k.bias', (kv,), 'bias'),
                    (p + 'attn_v.bias', (kv,), 'bias')]
        out += [(p + 'attn_output.weight', (d, q), 'w'),
                (p + 'ffn_norm.weight', (d,), 'norm'),
                (p + 'ffn_gate.weight', (s['ff'], d), 'w'),
                (p + 'ffn_up.weight', (s['ff'], d), 'w'),
                (p + 'ffn_down.weight', (d, s['ff']), 'w')]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('shape', choices=sorted(SHAPES))
    ap.add_argument('out')
    ap.add_argument('--type', choices=['F16', 'F32', 'Q8_0'], default='F16')
    ap.add_argument('--vocab', help='GGUF file to take the BPE vocabulary from')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--layers', type=int, help='fewer layers (for tests)')
    a = ap.parse_args()
    s = dict(SHAPES[a.shape])
    if a.layers:
        s['layers'] = a.layers
    rng = np.random.default_rng(a.seed)
    vocab = a.vocab
    if vocab is None:
        here = os.path.dirname(os.path.abspath(__file__))
        cand = os.path.join(here, '..', '..', 'shared', 'vocab', 'ggml-vocab-llama-bpe.gguf')
        vocab = cand if os.path.exists(cand) else None
    toks, types, merges, bos, eos = build_vocab(s, vocab, rng)

    arch, hd = s['arch'], s['dim'] // s['heads']
    w = G.GGUFWriter()
    w.add('general.architecture', arch)
    w.add('general.name', s['name'])
    w.add('general.file_type', {'F32': 0, 'F16': 1, 'Q8_0': 7}[a.type])
    w.add(arch + '.vocab_size', s['vocab'])
    w.add(arch + '.context_length', s['ctx'])
    w.add(arch + '.embedding_length', s['dim'])
    w.add(arch + '.block_count', s['layers'])
    w.add(arch + '.feed_forward_length', s['ff'])
    w.add(arch + '.attention.head_count', s['heads'])
    w.add(arch + '.attention.head_count_kv', s['kv_heads'])
    w.add(arch + '.rope.dimension_count', hd)
    w.add(arch + '.rope.freq_base', s['rope_base'])
    w.add(arch + '.attention.layer_norm_rms_epsilon', s['eps'])
    w.add('tokenizer.ggml.model', 'gpt2')
    w.add('tokenizer.ggml.pre', s['pre'])
    w.add('tokenizer.ggml.tokens', toks)
    w.add('tokenizer.ggml.token_type', types, (G.ARRAY, G.I32))
    w.add('tokenizer.ggml.merges', merges)
    w.add('tokenizer.ggml.bos_token_id', bos)
    w.add('tokenizer.ggml.eos_token_id', eos)
    w.add('tokenizer.ggml.add_bos_token', arch == 'llama')

    wtype = G.TYPES[a.type]
    tl = tensor_list(s)
    head = bytearray(b'GGUF')
    head += struct.pack('<IQQ', 3, len(tl), len(w.kv))
    for k, v, vt in w.kv:
        et = None
        if isinstance(vt, tuple):
            vt, et = vt
        t = vt if vt is not None else w._guess(v)
        head += w._enc_val(G.STRING, k) + struct.pack('<I', t)
        head += w._enc_val(t, v, et)
    off, plan = 0, []
    for name, shp, kind in tl:
        qt = wtype if kind == 'w' else G.T_F32
        be, bb = G.BLOCK[qt]
        nbytes = int(np.prod(shp)) // be * bb
        plan.append((name, shp, kind, qt, off, nbytes))
        head += w._enc_val(G.STRING, name) + struct.pack('<I', len(shp))
        head += b''.join(struct.pack('<Q', n) for n in reversed(shp))
        head += struct.pack('<IQ', qt, off)
        off = (off + nbytes + 31) // 32 * 32
    head += b'\0' * ((-len(head)) % 32)
    tmp = a.out + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(head)
        base = f.tell()
        for name, shp, kind, qt, o, nbytes in plan:
            f.write(b'\0' * (base + o - f.tell()))
            rows = shp[0] if len(shp) == 2 else 1
            cols = shp[-1]
            std = 1.0 / np.sqrt(cols) if kind == 'w' else 0.02
            step = max(1, (1 << 22) // cols)
            for r0 in range(0, rows, step):
                r = min(step, rows - r0)
                x = rng.standard_normal((r, cols), dtype=np.float32) * np.float32(std)
                if kind == 'norm':
                    x += np.float32(1.0)
                f.write(G.quant(qt, x.reshape(-1)))
    os.replace(tmp, a.out)
    print('%s: %s, %d tensors, %.1f MB' % (a.out, s['name'], len(tl),
                                          os.path.getsize(a.out) / 1e6))


if __name__ == '__main__':
    main()
