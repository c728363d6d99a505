#!/usr/bin/python3
"""train.py: train the bundled model (llama architecture, as src/llm runs
it: RMSNorm, interleaved RoPE, SwiGLU, tied embeddings) on prepare.py's
output with the loss on the assistant's tokens only.

  nice -n 10 train.py --data data/tok.pt --ckpt data/ckpt.pt --minutes 70

The learning rate follows a cosine over the run; the run's length is
either --steps or a time budget (--minutes, measured as training time and
stored in the checkpoint, so a resumed run continues the same schedule).
A checkpoint is written every --save-every seconds and at the end;
rerunning the same command resumes from it.  SIGTERM or SIGINT saves
after the current step and stops.  One thread by default: on
a shared 2-core machine two OpenMP threads spend most of their time
waiting for each other (measured: 20x the CPU time per step)."""
import argparse
import math
import os
import random
import signal
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before torch loads it
import torch
import torch.nn as nn
import torch.nn.functional as F


class Cfg:
    def __init__(self, vocab, dim=256, layers=6, heads=8, ffn=688, ctx=1024, eps=1e-5,
                 base=10000.0):
        self.vocab, self.dim, self.layers, self.heads = vocab, dim, layers, heads
        self.ffn, self.ctx, self.eps, self.base = ffn, ctx, eps, base

    def dict(self):
        return dict(self.__dict__)


class RMS(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.w = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.w


def rope_tables(hd, n, base):
    inv = base ** (-torch.arange(0, hd, 2, dtype=torch.float32) / hd)
    th = torch.arange(n, dtype=torch.float32)[:, None] * inv[None, :]
    return th.cos(), th.sin()


def rope(x, cos, sin):
    # llama (not neox): rotate adjacent pairs (x0, x1), (x2, x3), ...
    a, b = x[..., 0::2], x[..., 1::2]
    out = torch.stack((a * cos - b * sin, a * sin + b * cos), dim=-1)
    return out.flatten(-2)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c.dim
        self.h = c.heads
        self.attn_norm = RMS(d, c.eps)
        self.wq = nn.Linear(d, d, bias=False)
        self.wk = nn.Linear(d, d, bias=False)
        self.wv = nn.Linear(d, d, bias=False)
        self.wo = nn.Linear(d, d, bias=False)
        self.ffn_norm = RMS(d, c.eps)
        self.gate = nn.Linear(d, c.ffn, bias=False)
        self.up = nn.Linear(d, c.ffn, bias=False)
        self.down = nn.Linear(c.ffn, d, bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, D = x.shape
        hd = D // self.h
        h = self.attn_norm(x)
        q = self.wq(h).view(B, T, self.h, hd).transpose(1, 2)
        k = self.wk(h).view(B, T, self.h, hd).transpose(1, 2)
        v = self.wv(h).view(B, T, self.h, hd).transpose(1, 2)
        q = rope(q, cos, sin)
        k = rope(k, cos, sin)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hd) + mask
        att = att.softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, D)
        x = x + self.wo(y)
        h = self.ffn_norm(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.emb = nn.Embedding(c.vocab, c.dim)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c.layers))
        self.norm = RMS(c.dim, c.eps)
        cos, sin = rope_tables(c.dim // c.heads, c.ctx, c.base)
        self.register_buffer('cos', cos, persistent=False)
        self.register_buffer('sin', sin, persistent=False)
        for n, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02
                if n.endswith('wo.weight') or n.endswith('down.weight'):
                    std = 0.02 / math.sqrt(2 * c.layers)
                nn.init.normal_(p, 0.0, std)

    def forward(self, ids):
        T = ids.shape[1]
        mask = torch.full((T, T), float('-inf')).triu(1)
        x = self.emb(ids)
        cos, sin = self.cos[:T], self.sin[:T]
        for b in self.blocks:
            x = b(x, cos, sin, mask)
        return self.norm(x) @ self.emb.weight.t()


def batches(seqs, max_tokens, rng):
    """length-bucketed batches of about max_tokens (padded) tokens"""
    order = sorted(range(len(seqs)), key=lambda i: (len(seqs[i][0]), rng.random()))
    out, cur, longest = [], [], 0
    for i in order:
        L = len(seqs[i][0])
        if cur and max(longest, L) * (len(cur) + 1) > max_tokens:
            out.append(cur)
            cur, longest = [], 0
        cur.append(i)
        longest = max(longest, L)
    if cur:
        out.append(cur)
    rng.shuffle(out)
    return out


def collate(seqs, idx):
    T = max(len(seqs[i][0]) for i in idx)
    x = torch.zeros((len(idx), T), dtype=torch.long)
    y = torch.full((len(idx), T), -100, dtype=torch.long)
    for r, i in enumerate(idx):
        ids, mask = seqs[i]
        n = len(ids)
        x[r, :n] = torch.tensor(ids)
        tgt = torch.tensor(ids[1:] + [0])
        m = torch.tensor(mask[1:] + [0], dtype=torch.bool)
        y[r, :n] = torch.where(m, tgt, torch.full_like(tgt, -100))
    return x, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--ckpt', required=True)
    ap.add_argument('--dim', type=int, default=256)
    ap.add_argument('--layers', type=int, default=6)
    ap.add_argument('--heads', type=int, default=8)
    ap.add_argument('--ffn', type=int, default=688)
    ap.add_argument('--ctx', type=int, default=1024)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--batch-tokens', type=int, default=4096)
    ap.add_argument('--steps', type=int, default=0)
    ap.add_argument('--minutes', type=float, default=60)
    ap.add_argument('--warmup', type=int, default=100)
    ap.add_argument('--save-every', type=float, default=240)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--seed', type=int, default=1234)
    ap.add_argument('--max-steps-now', type=int, default=0, help='stop after N steps (trials)')
    ap.add_argument('--init', help='start from the weights of this checkpoint (same shape '
                    'and vocabulary) with a fresh optimizer and schedule; ignored when '
                    '--ckpt exists, since that run is resumed')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    data = torch.load(a.data)
    seqs = data['seqs']
    cfg = Cfg(len(data['tokens']), a.dim, a.layers, a.heads, a.ffn, a.ctx)
    model = Model(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.95), weight_decay=0.1)
    st = {'step': 0, 'train_s': 0.0, 'epoch': 0, 'pos': 0, 'log': []}
    if os.path.exists(a.ckpt):
        ck = torch.load(a.ckpt)
        model.load_state_dict(ck['model'])
        opt.load_state_dict(ck['opt'])
        st = ck['state']
        print('resumed at step %d, %.1f min trained' % (st['step'], st['train_s'] / 60))
    elif a.init:
        ck = torch.load(a.init)
        if ck['cfg'] != cfg.dict() or ck['tokens'] != data['tokens']:
            sys.exit('train.py: %s has another shape or vocabulary than this run; start '
                     'without --init or use its --dim/--layers/--heads/--ffn and the '
                     'data prepared with --vocab-from it' % a.init)
        model.load_state_dict(ck['model'])
        print('started from the weights of %s (step %d there)' % (a.init, ck['state']['step']))
    nparams = sum(p.numel() for p in model.parameters())
    print('params %d (%.2fM), %d sequences' % (nparams, nparams / 1e6, len(seqs)))

    def save():
        tmp = a.ckpt + '.tmp'
        torch.save({'model': model.state_dict(), 'opt': opt.state_dict(), 'state': st,
                    'cfg': cfg.dict(), 'tokens': data['tokens'], 'merges': data['merges'],
                    'system': data['system']}, tmp)
        os.replace(tmp, a.ckpt)

    # SIGTERM or SIGINT: save after the current step and stop (rerunning
    # the same command resumes)
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda n, f: stop.append(n))
    last_save = time.time()
    done_now = 0
    ema = None
    while True:
        rng = random.Random(a.seed + st['epoch'])
        bl = batches(seqs, a.batch_tokens, rng)
        while st['pos'] < len(bl):
            prog = st['step'] / a.steps if a.steps else st['train_s'] / (a.minutes * 60)
            if prog >= 1.0:
                save()
                print('done: step %d, %.1f min' % (st['step'], st['train_s'] / 60))
                return
            lr = a.lr * min(1.0, (st['step'] + 1) / a.warmup) * \
                (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(prog, 1.0))))
            for g in opt.param_groups:
                g['lr'] = lr
            t0 = time.time()
            x, y = collate(seqs, bl[st['pos']])
            logits = model(x)
            loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1),
                                   ignore_index=-100)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            dt = time.time() - t0
            st['train_s'] += dt
            st['step'] += 1
            st['pos'] += 1
            done_now += 1
            ema = loss.item() if ema is None else 0.95 * ema + 0.05 * loss.item()
            if st['step'] % 10 == 0:
                ntok = x.numel()
                print('step %d epoch %d loss %.4f ema %.4f lr %.2e %.0f tok/s %.1f min' %
                      (st['step'], st['epoch'], loss.item(), ema, lr, ntok / dt,
                       st['train_s'] / 60), flush=True)
                st['log'].append((st['step'], round(st['train_s'], 1), round(ema, 4)))
            if time.time() - last_save > a.save_every:
                save()
                last_save = time.time()
            if (a.max_steps_now and done_now >= a.max_steps_now) or stop:
                save()
                if stop:
                    print('stopped at step %d (checkpoint saved)' % st['step'], flush=True)
                return
        st['epoch'] += 1
        st['pos'] = 0


if __name__ == '__main__':
    sys.exit(main())
