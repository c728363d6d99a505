"""chat.py: the prompt text of a conversation exactly as conch's local
provider renders it for a ChatML model (src/provider/local-chat.c and
src/llm/template.c), and a byte-level BPE tokenizer that splits text the
way src/llm/vocab.c does with the "qwen2" pre-tokenizer.

Training data is ASCII, so the pre-tokenizer's \\p{L} and \\p{N} are
written as ASCII classes here; render() refuses anything else."""
import json
import re
from collections import Counter

SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<tool_call>', '</tool_call>',
            '<tool_response>', '</tool_response>']
EOS = '<|im_end|>'

# qwen2's expression (src/llm/vocab.c RE_QWEN2) on ASCII text
PRE = re.compile(r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|"
                 r"[^\r\nA-Za-z0-9]?[A-Za-z]+|[0-9]| ?[^\sA-Za-z0-9]+[\r\n]*|"
                 r"\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIAL_RE = re.compile('|'.join(re.escape(s) for s in SPECIALS))
OK_TEXT = re.compile(r'[\t\n\x20-\x7e]*\Z')


def call_text(name, args):
    return '<tool_call>\n%s\n</tool_call>' % json.dumps({'name': name, 'arguments': args},
                                                         ensure_ascii=False)


def render(system, messages, add_generation=False):
    """-> list of (text, trainable) pieces; their concatenation is the
    prompt text.  Trainable pieces are what the model writes: assistant
    turns and the <|im_end|> that closes them."""
    out = [('<|im_start|>system\n' + system + '<|im_end|>\n', False)]
    for i, m in enumerate(messages):
        role = m['role']
        if role == 'assistant':
            body = call_text(m['tool_call']['name'], m['tool_call']['arguments']) \
                if 'tool_call' in m else m['content']
            out.append(('<|im_start|>assistant\n', False))
            out.append((body + '<|im_end|>', True))
            out.append(('\n', False))
            continue
        text = m['content']
        if not OK_TEXT.match(text) or SPECIAL_RE.search(text):
            raise ValueError('text outside printable ASCII or with markup: %r' % text[:80])
        if role == 'tool':
            first = i == 0 or messages[i - 1]['role'] != 'tool'
            last = i + 1 == len(messages) or messages[i + 1]['role'] != 'tool'
            s = ('<|im_start|>user' if first else '') + '\n<tool_response>\n' + text + \
                '\n</tool_response>' + ('<|im_end|>\n' if last else '')
            out.append((s, False))
        else:
            out.append(('<|im_start|>%s\n%s<|im_end|>\n' % (role, text), False))
    if add_generation:
        out.append(('<|im_start|>assistant\n', False))
    return out


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


B2U = byte_chars()


def words_of(text):
    """pre-tokenized words (byte-level unicode form) of text without specials"""
    return [''.join(B2U[b] for b in w.encode()) for w in PRE.findall(text)]


def train_bpe(texts, vocab_size):
    """-> (tokens, merges): 256 byte tokens, merged tokens, then SPECIALS"""
    wc = Counter()
    for t in texts:
        for frag in SPECIAL_RE.split(t):
            wc.update(words_of(frag))
    words = [list(w) for w in wc]
    freqs = [wc[w] for w in wc]
    pairs = Counter()
    where = {}
    for i, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pairs[(a, b)] += freqs[i]
            where.setdefault((a, b), set()).add(i)
    toks = [B2U[b] for b in range(256)]
    merges = []
    n_merge = vocab_size - 256 - len(SPECIALS)
    while len(merges) < n_merge and pairs:
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        (a, b), cnt = best
        if cnt < 2:
            break
        merges.append((a, b))
        toks.append(a + b)
        for i in list(where.get((a, b), ())):
            w = words[i]
            f = freqs[i]
            for x, y in zip(w, w[1:]):
                pairs[(x, y)] -= f
                if pairs[(x, y)] <= 0:
                    del pairs[(x, y)]
                s = where.get((x, y))
                if s is not None:
                    s.discard(i)
            j = 0
            nw = []
            while j < len(w):
                if j + 1 < len(w) and w[j] == a and w[j + 1] == b:
                    nw.append(a + b)
                    j += 2
                else:
                    nw.append(w[j])
                    j += 1
            words[i] = nw
            for x, y in zip(nw, nw[1:]):
                pairs[(x, y)] += f
                where.setdefault((x, y), set()).add(i)
        pairs.pop((a, b), None)
        where.pop((a, b), None)
    return toks + SPECIALS, merges


class Tokenizer:
    def __init__(self, tokens, merges):
        self.tokens = tokens
        self.id = {t: i for i, t in enumerate(tokens)}
        self.rank = {m: i for i, m in enumerate(merges)}
        self.cache = {}

    def bpe(self, w):
        if w in self.cache:
            return self.cache[w]
        parts = list(w)
        while len(parts) > 1:
            best = None
            for i in range(len(parts) - 1):
                r = self.rank.get((parts[i], parts[i + 1]))
                if r is not None and (best is None or r < best[0]):
                    best = (r, i)
            if best is None:
                break
            i = best[1]
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        ids = [self.id[p] for p in parts]
        self.cache[w] = ids
        return ids

    def encode(self, text):
        """specials anywhere are split out (the caller only passes markup
        with them, as the provider's marked spans do)"""
        ids = []
        pos = 0
        for m in SPECIAL_RE.finditer(text):
            for w in words_of(text[pos:m.start()]):
                ids += self.bpe(w)
            ids.append(self.id[m.group(0)])
            pos = m.end()
        for w in words_of(text[pos:]):
            ids += self.bpe(w)
        return ids

    def encode_pieces(self, pieces):
        """-> (ids, mask): mask 1 for tokens that start in a trainable piece"""
        text = ''.join(t for t, _ in pieces)
        starts = []
        pos = 0
        for t, tr in pieces:
            starts.append((pos, pos + len(t), tr))
            pos += len(t)
        ids, offs = [], []
        pos = 0

        def add_words(seg, base):
            o = base
            for w in PRE.findall(seg):
                for tid in self.bpe(''.join(B2U[b] for b in w.encode())):
                    ids.append(tid)
                    offs.append(o)
                o += len(w)
        for m in SPECIAL_RE.finditer(text):
            add_words(text[pos:m.start()], pos)
            ids.append(self.id[m.group(0)])
            offs.append(m.start())
            pos = m.end()
        add_words(text[pos:], pos)
        mask = []
        k = 0
        for o in offs:
            while not (starts[k][0] <= o < starts[k][1]):
                k += 1
            mask.append(1 if starts[k][2] else 0)
        return ids, mask
