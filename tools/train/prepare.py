#!/usr/bin/python3
"""prepare.py: train the BPE vocabulary on the rendered conversations and
tokenize them for train.py.

  prepare.py --system prompts/system-local.md --vocab 3072 --max-len 768 \\
      --out data/tok.pt data/train1.jsonl data/train2.jsonl
"""
import argparse
import json
import os
import random
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chat  # noqa: E402


def load(paths):
    recs = []
    for p in paths:
        with open(p) as f:
            for line in f:
                line = line.strip()
                if line:
                    recs.append(json.loads(line))
    return recs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--system', required=True)
    ap.add_argument('--vocab', type=int, default=3072)
    ap.add_argument('--max-len', type=int, default=768)
    ap.add_argument('--bpe-sample', type=int, default=4000)
    ap.add_argument('--vocab-from', help='reuse the vocabulary of an earlier output')
    ap.add_argument('--out', required=True)
    ap.add_argument('files', nargs='+')
    a = ap.parse_args()
    system = open(a.system).read().strip()
    recs = load(a.files)
    pieces = []
    for r in recs:
        try:
            pieces.append(chat.render(system, r['messages']))
        except ValueError as e:
            print('skipped: %s' % e, file=sys.stderr)
    texts = [''.join(t for t, _ in p) for p in pieces]
    rng = random.Random(0)
    sample = rng.sample(texts, min(a.bpe_sample, len(texts)))
    if a.vocab_from:
        old = torch.load(a.vocab_from)
        tokens, merges = old['tokens'], [tuple(m.split(' ')) for m in old['merges']]
    else:
        tokens, merges = chat.train_bpe(sample, a.vocab)
    tok = chat.Tokenizer(tokens, merges)
    seqs = []
    dropped = 0
    lens = []
    for p in pieces:
        ids, mask = tok.encode_pieces(p)
        if len(ids) > a.max_len:
            dropped += 1
            continue
        seqs.append((ids, mask))
        lens.append(len(ids))
    lens.sort()
    print('%d conversations, %d dropped (> %d tokens), %d tokens, median %d, max %d, '
          'vocab %d (%d merges)' % (len(seqs), dropped, a.max_len, sum(lens),
                                    lens[len(lens) // 2], lens[-1], len(tokens), len(merges)))
    torch.save({'tokens': tokens, 'merges': [' '.join(m) for m in merges], 'seqs': seqs,
                'system': system}, a.out)


if __name__ == '__main__':
    main()
