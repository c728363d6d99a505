#!/usr/bin/python3
"""export.py: write a train.py checkpoint as a GGUF file for conch's
runtime with the project's own writer (tools/gguflib.py).

  export.py --ckpt data/ckpt.pt --out models/conch-default.gguf --qtype Q8_0

The file carries the llama hyperparameters, the byte-level BPE vocabulary
(tokenizer.ggml.model "gpt2", pre-tokenizer "qwen2"), a ChatML chat
template, and the system prompt the model was trained with under
"conch.system_prompt": the local provider uses that prompt for this model
instead of the long one written for remote models."""
import argparse
import collections
import json
import os
import re
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..'))
sys.path.insert(0, HERE)
import gguflib as G  # noqa: E402
import chat  # noqa: E402

CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + "
          "'\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
          "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")


WORD = re.compile(r'[A-Za-z0-9_]+')
LONE = re.compile(r'(?:^|(?<=\s))([A-Za-z0-9_])(?![A-Za-z0-9_])')


def reply_words(text, answer=False):
    """the words of a reply as src/provider/local-copy.c reads them: runs
    of letters, digits and '_' with a letter, longer than one character;
    the letter after a backslash (a JSON escape) is not part of a word.
    An answer's lone letters (after a blank: "I", "a", not "'s" or "-m")
    count too: in answers the copy rule allows no other"""
    text = re.sub(r'\\.', ' ', text)
    out = {w for w in WORD.findall(text) if len(w) > 1 and not w.isdigit()}
    if answer:
        out |= {w for w in LONE.findall(text) if not w.isdigit()}
    return out


def free_words(paths, share=0.001, least=10):
    """the words the model's replies use without having read them: in
    the training conversations, words of the assistant's answers and calls
    (as rendered) that the conversation so far does not hold as whole
    words (the copy rule's test: "it" is not held by "edit"), in at least
    `share` of the conversations (and `least` of them).  Names (file,
    directory, identifier, content) are always copied in the data, so
    they never qualify."""
    import chat
    count = collections.Counter()
    for msgs in conversations(paths):
        seen = set()
        for m in msgs:
            if m['role'] != 'assistant':
                seen |= set(WORD.findall(m['content']))
                continue
            call = 'tool_call' in m
            out = (chat.call_text(m['tool_call']['name'], m['tool_call']['arguments'])
                   if call else m['content'])
            count.update(reply_words(out, not call) - seen)
            seen |= set(WORD.findall(re.sub(r'\\.', ' ', out)))
    return frequent(count, share, least)


def conversations(paths):
    """the message lists of the training conversations in paths; the
    count of them so far is conversations.n"""
    conversations.n = 0
    for path in paths:
        with open(path) as f:
            for line in f:
                if line.strip():
                    conversations.n += 1
                    yield json.loads(line)['messages']


def frequent(count, share, least):
    """the keys of count met in at least `share` of the conversations
    just read (and `least` of them), sorted"""
    need = max(least, int(conversations.n * share))
    return sorted(w for w, c in count.items() if c >= need)


STOPS = set('"\'`()[]{}<>,;:|')


def stop(c):
    return c <= ' ' or c in STOPS


def fields(t):
    """the runs of t between the separators of names (local-copy.c's
    path_stop: blanks, quotes, brackets, ',', ';', ':', '|')"""
    out, cur = [], ''
    for c in t:
        if stop(c):
            if cur:
                out.append(cur)
            cur = ''
        else:
            cur += c
    if cur:
        out.append(cur)
    return out


def names(t):
    """the names local-copy.c's path_names finds in t: fields, less a
    trailing '.', '?' or '!', none in a quoted text with a blank in it;
    "dir/" also gives "dir"
    """
    out = set()
    t = re.sub(r'"[^"]* [^"]*"', ' ', t)
    for f in fields(t):
        while len(f) > 1 and f[-1] in '.?!':
            f = f[:-1]
        if f in '.?!' and f != '.':
            continue
        if len(f) > 255 or '\\' in f:
            continue
        out.add(f)
        if len(f) > 1 and f.endswith('/'):
            out.add(f[:-1])
    return out


def free_fields(paths, share=0.001, least=10):
    """the fields of the training commands (bash calls) that the
    conversation so far does not hold as names: "wc", "-l", "*.md",
    "xargs" (local-copy.c lets a command hold only names and these), in
    at least `share` of the conversations (and `least` of them)"""
    count = collections.Counter()
    for msgs in conversations(paths):
        seen = set()
        for m in msgs:
            if m['role'] != 'assistant':
                seen |= names(m['content'])
            elif 'tool_call' in m and m['tool_call']['name'] == 'bash':
                count.update(set(fields(m['tool_call']['arguments'].get('command', ''))) - seen)
    return frequent(count, share, least)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--qtype', default='Q8_0', choices=['F32', 'F16', 'Q8_0'])
    ap.add_argument('--name', default='conch-default')
    ap.add_argument('--free-words-from', nargs='*', default=[], metavar='JSONL',
                    help='training conversations: store the words its replies use '
                    'without copying them (conch.free_words), which turns on the '
                    'word copy constraint of the local provider')
    a = ap.parse_args()
    ck = torch.load(a.ckpt, map_location='cpu')
    c = ck['cfg']
    sd = {k: v.float().numpy() for k, v in ck['model'].items()}
    toks = ck['tokens']
    qt = G.TYPES[a.qtype]

    w = G.GGUFWriter()
    ar = 'llama'
    w.add('general.architecture', ar)
    w.add('general.name', a.name)
    w.add('general.alignment', 32, G.U32)
    w.add(ar + '.context_length', c['ctx'], G.U32)
    w.add(ar + '.embedding_length', c['dim'], G.U32)
    w.add(ar + '.block_count', c['layers'], G.U32)
    w.add(ar + '.attention.head_count', c['heads'], G.U32)
    w.add(ar + '.attention.head_count_kv', c['heads'], G.U32)
    w.add(ar + '.attention.layer_norm_rms_epsilon', c['eps'], G.F32)
    w.add(ar + '.rope.freq_base', c['base'], G.F32)
    w.add(ar + '.rope.dimension_count', c['dim'] // c['heads'], G.U32)
    w.add(ar + '.feed_forward_length', c['ffn'], G.U32)
    w.add(ar + '.vocab_size', len(toks), G.U32)
    w.add('tokenizer.ggml.model', 'gpt2')
    w.add('tokenizer.ggml.pre', 'qwen2')
    w.add('tokenizer.ggml.tokens', toks, (G.ARRAY, G.STRING))
    types = [3 if t in chat.SPECIALS else 1 for t in toks]
    w.add('tokenizer.ggml.token_type', types, (G.ARRAY, G.I32))
    w.add('tokenizer.ggml.merges', ck['merges'], (G.ARRAY, G.STRING))
    w.add('tokenizer.ggml.bos_token_id', toks.index('<|endoftext|>'), G.U32)
    w.add('tokenizer.ggml.eos_token_id', toks.index('<|im_end|>'), G.U32)
    w.add('tokenizer.ggml.padding_token_id', toks.index('<|endoftext|>'), G.U32)
    w.add('tokenizer.ggml.add_bos_token', False, G.BOOL)
    w.add('tokenizer.chat_template', CHATML)
    w.add('conch.system_prompt', ck['system'])
    if a.free_words_from:
        fw = free_words(a.free_words_from)
        w.add('conch.free_words', fw, (G.ARRAY, G.STRING))
        print('conch.free_words: %d words' % len(fw))
        ff = free_fields(a.free_words_from)
        w.add('conch.free_fields', ff, (G.ARRAY, G.STRING))
        print('conch.free_fields: %d fields' % len(ff))

    def mat(name, x):
        w.add_tensor(name, np.ascontiguousarray(x, dtype=np.float32),
                     qt if x.shape[-1] % 32 == 0 else G.T_F32)

    def vec(name, x):
        w.add_tensor(name, np.ascontiguousarray(x, dtype=np.float32), G.T_F32)

    mat('token_embd.weight', sd['emb.weight'])
    vec('output_norm.weight', sd['norm.w'])
    for i in range(c['layers']):
        p, q = 'blk.%d.' % i, 'blocks.%d.' % i
        vec(p + 'attn_norm.weight', sd[q + 'attn_norm.w'])
        mat(p + 'attn_q.weight', sd[q + 'wq.weight'])
        mat(p + 'attn_k.weight', sd[q + 'wk.weight'])
        mat(p + 'attn_v.weight', sd[q + 'wv.weight'])
        mat(p + 'attn_output.weight', sd[q + 'wo.weight'])
        vec(p + 'ffn_norm.weight', sd[q + 'ffn_norm.w'])
        mat(p + 'ffn_gate.weight', sd[q + 'gate.weight'])
        mat(p + 'ffn_up.weight', sd[q + 'up.weight'])
        mat(p + 'ffn_down.weight', sd[q + 'down.weight'])
    tmp = a.out + '.tmp'
    w.write(tmp)
    os.replace(tmp, a.out)
    print('%s: %d bytes, step %d' % (a.out, os.path.getsize(a.out), ck['state']['step']))


if __name__ == '__main__':
    main()
