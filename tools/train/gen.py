#!/usr/bin/python3
"""gen.py: training conversations (and held-out evaluation tasks) for the
bundled offline model.

Each task is a random small project tree (files, sometimes a git repo), a
user request, the tool calls that do it and an answer built from what the
tools returned.  The tool calls run through conch's real agent loop: the
scripted provider (CONCH_TEST_SCRIPT) replays them in `conch -p`, and the
request log (CONCH_TEST_REQUEST_LOG) gives back every tool result exactly
as the model will see it.  Conversations are written as JSON lines of
messages; chat.py renders them the way the local provider does.

  gen.py --conch build/conch --seed 1 --n 6000 --out data/train.jsonl
  gen.py --conch build/conch --seed 9001 --n 200 --heldout --out data/eval.jsonl

--heldout draws phrasings and names from the held-out pools (never used in
training) and writes the checks the evaluation applies to the outcome.
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pools as P  # noqa: E402
import phrase  # noqa: E402

# pools.T_* lists by identity, for the grammar in phrase.py
T_NAMES = {id(v): k for k, v in vars(P).items() if k.startswith('T_')}


class Prompt(str):
    """a request, remembering its kind and slots so that it can be said
    again in other words (--phrasings)"""
    name = None
    kw = None


class Tmpl(str):
    name = None

    def format(self, **kw):
        out = Prompt(str.format(self, **kw))
        out.name, out.kw = self.name, kw
        return out

REFUSAL = ("I am conch's small built-in offline model: I can list, find, show, "
           "search and count files, create and edit them, run commands, check git "
           "and remember facts. For this request, configure a real provider: set "
           "ANTHROPIC_API_KEY or OPENAI_API_KEY, or run conch with -m provider/model.")


NAME_POOLS = [P.DIRS, P.STEMS, P.WORDS, P.IDENTS]
SYLL = ['ka', 'lo', 'mi', 'ten', 'ra', 'vo', 'zu', 'pel', 'dor', 'qui', 'sa', 'ne', 'bi',
        'tor', 'fa', 'gu', 'xi', 'wen', 'ly', 'ham', 'cor', 'de', 'jo', 'pra']


CONS = 'bcdfghjklmnprstvwz'
VOWS = 'aeiou'
# common words for made-up phrases (none is a held-out phrase: a phrase
# of them is new text, which the model can only get right by copying)
COMMON = ('the a an of to in on for with at by from is are was be has have it this '
          'that each every some no all one two three new old big small red blue green '
          'fast slow open close read write file list table queue cache server client user '
          'data note test build run stop start key value line word page node tree root '
          'door lamp wind rain snow fire stone river field cloud bird fish horse apple '
          'bread milk tea cup box bag map road city town house room desk chair book pen '
          'clock bell song game ball ship train car plane star moon sun sky sea hill '
          'keeps needs makes takes gives finds shows uses holds sends gets moves waits '
          'is not only never always often today tomorrow later soon here there').split()


# English letter frequencies (per mille): random strings drawn with them
# split into the same sub-word tokens real names do, so that the model
# learns to copy every piece of the vocabulary, not only a few syllables
LETTERS = 'etaoinshrdlcumwfgypbvkjxqz'
LETTER_W = [127, 91, 82, 75, 70, 67, 63, 61, 60, 43, 40, 28, 28, 24, 24, 22, 20, 20, 19,
            15, 10, 8, 2, 2, 1, 1]


def letters(r, n):
    return ''.join(r.choices(LETTERS, LETTER_W, k=n))


def own_words():
    """the words the model writes itself (its system prompt, the refusal,
    tool and argument names): as names they must be copied like any
    other, not written the way the model's own text goes on (a directory
    "offline" is not the start of "offline model").  Words of held-out
    pools are left out: evaluation names stay unseen"""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, '..', '..', 'prompts', 'system-local.md')) as f:
        text = f.read() + ' ' + REFUSAL + ' ' + DENIED
    text += (' read write edit bash glob grep ls memory path content old_string '
             'new_string pattern command replace_all output_mode offset limit fact '
             'files lines words total found contains appears created replaced noted')
    return sorted({w.lower() for w in re.findall(r'[A-Za-z_]{2,}', text)} - held_words())


def vocab_words():
    """the whole-word pieces of the bundled model's vocabulary ("unit",
    " queue" ...), less those of held-out pools: a name that is one piece
    must be copied as that piece, whose embedding only such names train
    (the vocabulary was learned on pool words, held-out ones included)"""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, '..'))
    import gguflib
    toks = gguflib.GGUFReader(os.path.join(here, '..', '..', 'models', 'conch-default.gguf')
                              ).meta['tokenizer.ggml.tokens']
    words = {t.replace('\u0120', '') for t in toks
             if re.fullmatch('(\u0120)?[a-z]{3,}', t)}
    return sorted(words - held_words())


def held_words():
    held = set()
    for v in vars(P).values():
        if isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], list):
            for item in v[1]:
                if isinstance(item, str):
                    held.update(re.findall(r'[a-z0-9_]+', item.lower()))
    return held


OWN_WORDS = []
VOCAB_WORDS = []


def made_up_name(r, ident):
    if not OWN_WORDS:
        OWN_WORDS.extend(own_words())
        VOCAB_WORDS.extend(vocab_words())
    k = r.random()
    if k < 0.12:
        w = r.choice(OWN_WORDS)
    elif k < 0.3:
        w = r.choice(VOCAB_WORDS)
    elif k < 0.55:
        w = letters(r, r.randint(2, 9))
    elif k < 0.7:
        w = ''.join(r.choice(CONS) + r.choice(VOWS) for _ in range(r.randint(1, 4)))
        if r.random() < 0.4:
            w += r.choice(CONS)
    else:
        w = ''.join(r.choice(SYLL) for _ in range(r.randint(1, 3)))
    if ident and r.random() < 0.5:
        w += '_' + ''.join(r.choice(SYLL) for _ in range(r.randint(1, 2)))
    if r.random() < 0.2:
        w += str(r.randint(0, 99))
    return w


def made_up_phrase(r):
    return ' '.join(made_up_name(r, False) if r.random() < 0.4 else r.choice(COMMON)
                    for _ in range(r.randint(2, 6)))


DENIED = ("I could not do that: %s needs approval, and no one can approve it in this "
          "session. Rerun with --mode auto (or --yes) to allow it.")


class Ctx:
    def __init__(self, rng, heldout, made_up=0.0):
        self.r = rng
        self.held = heldout
        self.made_up = made_up

    def pick(self, pool):
        """pool: (train, heldout) pair of lists.  In training, names are
        sometimes made up, so that copying them from the request is the
        only way to get them right"""
        if not self.held and self.made_up and self.r.random() < self.made_up:
            if pool in NAME_POOLS:
                return made_up_name(self.r, pool is P.IDENTS)
            if pool is P.PHRASES or pool is P.FACTS:
                return made_up_phrase(self.r)
            if pool is P.COMMITS:
                return made_up_phrase(self.r).capitalize()
        return self.r.choice(pool[1] if self.held else pool[0])

    def tmpl(self, pool):
        """a phrasing of a pools.T_* kind: held-out tasks draw from the
        held-out list only; training draws from its list or, more often,
        from the grammar (phrase.py), which never writes a held-out one"""
        name = T_NAMES[id(pool)]
        if self.held or self.r.random() < 0.35:
            t = Tmpl(self.pick(pool))
        else:
            t = Tmpl(phrase.phrase(self.r, name))
        t.name = name
        return t

    def kind(self, ext):
        """what a request calls files of this extension"""
        name = P.EXT_NAMES.get(ext, '.' + ext)
        if not self.held and ext in P.EXT_ALT and self.r.random() < 0.4:
            return self.r.choice(P.EXT_ALT[ext])
        return name


# ------------------------------------------------------------ the tree

def c_lines(c, n):
    out = []
    fn = c.pick(P.IDENTS)
    out.append('#include <%s.h>' % c.r.choice(['stdio', 'stdlib', 'string', 'stdint']))
    out.append('')
    while len(out) < n:
        k = c.r.randrange(4)
        if k == 0:
            out.append('/* %s: %s */' % (c.r.choice(['TODO', 'FIXME', 'NOTE']), c.pick(P.PHRASES)))
        elif k == 1:
            out.append('static int %s = %d;' % (c.pick(P.IDENTS), c.r.randrange(100)))
        else:
            out += ['int', '%s(int %s)' % (fn, c.pick(P.IDENTS)[:1] or 'x'), '{',
                    '\treturn %d;' % c.r.randrange(1000), '}']
            fn = c.pick(P.IDENTS)
    return out[:n]


def py_lines(c, n):
    out = ['import %s' % c.r.choice(['os', 'sys', 're', 'json'])]
    while len(out) < n:
        if c.r.random() < 0.3:
            out.append('# %s' % c.pick(P.PHRASES))
        else:
            out += ['', 'def %s():' % c.pick(P.IDENTS), '    return %d' % c.r.randrange(1000)]
    return out[:n]


def text_lines(c, n):
    return [c.pick(P.PHRASES) for _ in range(n)]


def make_content(c, name):
    n = c.r.randint(1, 9)
    ext = name.rsplit('.', 1)[-1] if '.' in name else ''
    if ext in ('c', 'h'):
        lines = c_lines(c, max(n, 3))
    elif ext == 'py':
        lines = py_lines(c, n)
    elif ext in ('sh',):
        lines = ['#!/bin/sh'] + ['echo %s' % c.pick(P.WORDS) for _ in range(n - 1)]
    elif ext in ('json',):
        lines = ['{"%s": %d}' % (c.pick(P.WORDS), c.r.randrange(100))]
    else:
        lines = text_lines(c, n)
    return '\n'.join(lines) + '\n'


DIR_FILES = [1, 4]  # how many files a directory gets (--dir-files)


def make_tree(c):
    files = {}
    dirs = c.r.sample(P.DIRS[1] if c.held else P.DIRS[0], c.r.randint(1, 3))
    if c.made_up and not c.held:
        dirs = [made_up_name(c.r, False) if c.r.random() < c.made_up else d for d in dirs]
    for d in dirs:
        for _ in range(c.r.randint(*DIR_FILES)):
            name = '%s.%s' % (c.pick(P.STEMS), c.pick(P.EXTS))
            files['%s/%s' % (d, name)] = None
        if c.r.random() < 0.25:
            sub = c.pick(P.DIRS)
            if sub != d:
                files['%s/%s/%s.%s' % (d, sub, c.pick(P.STEMS), c.pick(P.EXTS))] = None
    for _ in range(c.r.randint(0, 2)):
        files[c.pick(P.TOPFILES)] = None
    for k in files:
        files[k] = make_content(c, k)
    return files


def write_tree(root, files, git):
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'w') as f:
            f.write(text)
    if git:
        env = dict(os.environ, GIT_AUTHOR_NAME='Dev', GIT_AUTHOR_EMAIL='dev@example.com',
                   GIT_COMMITTER_NAME='Dev', GIT_COMMITTER_EMAIL='dev@example.com',
                   GIT_AUTHOR_DATE='2026-01-02T03:04:05Z',
                   GIT_COMMITTER_DATE='2026-01-02T03:04:05Z')
        run = lambda *a: subprocess.run(a, cwd=root, env=env, check=True,  # noqa: E731
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        run('git', 'init', '-q', '-b', 'main', '.')
        paths = sorted(files)
        for i, msg in enumerate(git):
            chunk = paths[i::len(git)]
            run('git', 'add', '--', *chunk)
            run('git', 'commit', '-q', '--allow-empty', '-m', msg)


# ------------------------------------------------------------ the tasks
# Each task function returns a dict: prompt, steps (list of callables or
# (name, args)), answer(results) -> (text, facts), and optional checks on
# the file system.  A step may be a function of the earlier results.

def files_in(files, d):
    """immediate entries of directory d in the tree"""
    out = set()
    pre = '' if d in ('.', '') else d.rstrip('/') + '/'
    for p in files:
        if not p.startswith(pre):
            continue
        rest = p[len(pre):]
        out.add(rest.split('/')[0] + ('/' if '/' in rest else ''))
    return sorted(out)


def parse_ls(res):
    names = []
    for line in res.splitlines():
        m = re.match(r'(file|dir|link)\s+(\S+)', line)
        if m:
            names.append(m.group(2))
    return names


def strip_exit(res):
    lines = res.rstrip('\n').split('\n')
    code = 0
    if lines and re.fullmatch(r'\[exit (-?\d+)\]', lines[-1]):
        code = int(lines[-1][6:-1])
        lines = lines[:-1]
    out = '\n'.join(lines)
    if out == '(no output)':
        out = ''
    return out, code


def read_body(res):
    """the file text from read's numbered lines"""
    out = []
    for line in res.split('\n'):
        m = re.match(r'\s*\d+\t(.*)$', line)
        if m:
            out.append(m.group(1))
    return out


def bullet(items):
    return '\n'.join('- ' + x for x in items)


def fence(text):
    return '```\n%s\n```' % text.rstrip('\n')


def pick_dir(c, files):
    ds = sorted({p.rsplit('/', 1)[0] for p in files if '/' in p})
    return c.r.choice(ds) if ds else '.'


def pick_file(c, files, exts=None):
    cands = sorted(p for p in files if not exts or p.rsplit('.', 1)[-1] in exts)
    return c.r.choice(cands) if cands else None


def t_ls(c, files):
    d = pick_dir(c, files) if c.r.random() < 0.8 else '.'
    where = 'the current directory' if d == '.' else d
    prompt = c.tmpl(P.T_LS if d != '.' else P.T_LS_HERE).format(d=d)

    def answer(res):
        names = parse_ls(res[0])
        if not names:
            return '%s is empty.' % where.capitalize(), []
        return '%s contains:\n%s' % (where[0].upper() + where[1:] if d == '.' else d,
                                      bullet(names)), names
    return dict(cat='ls', prompt=prompt, steps=[('ls', {'path': d})], answer=answer)


def t_glob(c, files):
    ext = c.r.choice(sorted({p.rsplit('.', 1)[-1] for p in files if '.' in p.split('/')[-1]}) +
                     [c.pick(P.EXTS)])
    kind = c.kind(ext)
    d = pick_dir(c, files) if c.r.random() < 0.35 else None
    if d:
        prompt = c.tmpl(P.T_GLOB_IN).format(ext=ext, kind=kind, d=d)
        args = {'pattern': '%s/**/*.%s' % (d, ext)}
    else:
        prompt = c.tmpl(P.T_GLOB).format(ext=ext, kind=kind)
        args = {'pattern': '**/*.%s' % ext}

    def answer(res):
        if res[0].startswith('No files match'):
            return 'No %s files found.' % kind, []
        paths = [x for x in res[0].split('\n') if x and not x.startswith('[')]
        return 'Found %d %s file%s:\n%s' % (len(paths), kind, '' if len(paths) == 1 else 's',
                                            bullet(paths)), paths
    return dict(cat='find', prompt=prompt, steps=[('glob', args)], answer=answer)


def t_read(c, files):
    f = pick_file(c, files)
    prompt = c.tmpl(P.T_READ).format(f=f)

    def answer(res):
        body = read_body(res[0])
        return '%s:\n%s' % (f, fence('\n'.join(body))), [x for x in body if x.strip()][:4]
    return dict(cat='read', prompt=prompt, steps=[('read', {'path': f})], answer=answer)


def t_read_part(c, files):
    cands = [p for p in files if files[p].count('\n') >= 3]
    if not cands:
        return t_read(c, files)
    f = c.r.choice(sorted(cands))
    n = files[f].count('\n')
    if c.r.random() < 0.5:
        k = c.r.randint(1, min(5, n - 1))
        prompt = c.tmpl(P.T_HEAD).format(f=f, n=k)
        args = {'path': f, 'limit': k}
        label = 'The first %d line%s of %s' % (k, '' if k == 1 else 's', f)
    else:
        a = c.r.randint(1, n - 1)
        b = c.r.randint(a, min(n, a + 4))
        prompt = c.tmpl(P.T_RANGE).format(f=f, a=a, b=b)
        args = {'path': f, 'offset': a, 'limit': b - a + 1}
        label = 'Lines %d-%d of %s' % (a, b, f)

    def answer(res):
        body = read_body(res[0])
        return '%s:\n%s' % (label, fence('\n'.join(body))), [x for x in body if x.strip()][:4]
    return dict(cat='read', prompt=prompt, steps=[('read', args)], answer=answer)


def content_words(files):
    ws = set()
    for t in files.values():
        for w in re.findall(r'[A-Za-z_][A-Za-z0-9_]{3,}', t):
            ws.add(w)
    return sorted(ws)


def t_grep(c, files):
    ws = content_words(files)
    w = c.r.choice(ws) if ws and c.r.random() < 0.85 else c.pick(P.IDENTS)
    mode = c.r.random()
    if mode < 0.55:
        prompt = c.tmpl(P.T_GREP).format(w=w)
        args = {'pattern': w}

        def answer(res):
            if res[0].startswith('No matches'):
                return 'No file contains %s.' % w, []
            paths = [x for x in res[0].split('\n') if x and not x.startswith('[')]
            return '%s appears in %d file%s:\n%s' % (w, len(paths), '' if len(paths) == 1 else 's',
                                                     bullet(paths)), paths
    else:
        f = pick_file(c, files)
        prompt = c.tmpl(P.T_GREP_LINES).format(w=w, f=f)
        args = {'pattern': w, 'path': f, 'output_mode': 'content'}

        def answer(res):
            if res[0].startswith('No matches'):
                return 'No line of %s contains %s.' % (f, w), []
            lines = [x for x in res[0].split('\n') if x and not x.startswith('[')]
            return 'Lines of %s with %s:\n%s' % (f, w, fence('\n'.join(lines))), lines[:3]
    return dict(cat='search', prompt=prompt, steps=[('grep', args)], answer=answer)


def t_count(c, files):
    f = pick_file(c, files)
    words = c.r.random() < 0.3
    prompt = c.tmpl(P.T_WORDS if words else P.T_LINES).format(f=f)
    cmd = 'wc -%s %s' % ('w' if words else 'l', f)

    def answer(res):
        out, _ = strip_exit(res[0])
        n = out.split()[0] if out.split() else '0'
        return '%s has %s %s.' % (f, n, 'words' if words else ('line' if n == '1' else 'lines')), [n]
    return dict(cat='count', prompt=prompt, steps=[('bash', {'command': cmd})], answer=answer)


def t_count_many(c, files):
    """list the FILES of a kind under a dir and count their lines: glob then wc"""
    exts = sorted({p.rsplit('.', 1)[-1] for p in files if '.' in p.split('/')[-1]})
    ext = c.r.choice(exts)
    kind = c.kind(ext)
    d = pick_dir(c, files) if c.r.random() < 0.6 else None
    if d:
        prompt = c.tmpl(P.T_COUNT_MANY_IN).format(kind=kind, ext=ext, d=d)
        pat = '%s/**/*.%s' % (d, ext)
    else:
        prompt = c.tmpl(P.T_COUNT_MANY).format(kind=kind, ext=ext)
        pat = '**/*.%s' % ext
    total_only = 'in total' in prompt

    def step2(res):
        if res[0].startswith('No files match'):
            return None
        paths = [x for x in res[0].split('\n') if x and not x.startswith('[')]
        return ('bash', {'command': 'wc -l ' + ' '.join(paths)})

    def answer(res):
        if len(res) < 2:
            return 'There are no %s files%s.' % (kind, ' under ' + d if d else ''), []
        out, _ = strip_exit(res[1])
        rows = [x.split() for x in out.split('\n') if x.strip()]
        items = ['%s: %s line%s' % (r[1], r[0], '' if r[0] == '1' else 's')
                 for r in rows if r[1] != 'total']
        total = rows[-1][0]
        if total_only:
            # the phrasing asks for the total, not for each file: its
            # answer is right when it gives that
            return ('The %s files have %s lines in total.' % (kind, total)), [total]
        facts = [r[1] for r in rows if r[1] != 'total'] + [total]
        return ('%d %s file%s:\n%s\nTotal: %s lines.' %
                (len(items), kind, '' if len(items) == 1 else 's', bullet(items), total)), facts
    return dict(cat='count', prompt=prompt, steps=[('glob', {'pattern': pat}), step2],
                answer=answer)


def t_count_total(c, files):
    """how many files of a kind under a dir and their total lines: two
    short commands, so it scales to trees of any size (the README task)"""
    exts = sorted({p.rsplit('.', 1)[-1] for p in files if '.' in p.split('/')[-1]})
    ext = c.r.choice(exts + [c.pick(P.EXTS)])
    kind = c.kind(ext)
    d = pick_dir(c, files) if c.r.random() < 0.7 else '.'
    where = 'the project' if d == '.' else d
    if c.r.random() < 0.6:
        # bulk: many and long files, so the numbers have several digits
        for i in range(c.r.choice([5, 20, 60, 150])):
            stem = c.pick(P.STEMS)
            path = '%s/%s%d.%s' % (d, stem, i, ext) if d != '.' else '%s%d.%s' % (stem, i, ext)
            files[path] = 'x\n' * c.r.randint(1, c.r.choice([9, 90, 900]))
    prompt = c.tmpl(P.T_COUNT_TOTAL).format(kind=kind, ext=ext, d=where)
    find = "find %s -name '*.%s'" % (d, ext)

    def step2(res):
        out, _ = strip_exit(res[0])
        if out.strip() in ('', '0'):
            return None
        return ('bash', {'command': find + ' | xargs cat | wc -l'})

    def answer(res):
        n = strip_exit(res[0])[0].strip()
        if len(res) < 2:
            return 'There are no %s files in %s.' % (kind, where), []
        m = strip_exit(res[1])[0].strip()
        return ('%s has %s %s file%s with %s lines in total.' %
                ('The project' if d == '.' else d, n, kind, '' if n == '1' else 's', m)), [n, m]
    return dict(cat='count', prompt=prompt,
                steps=[('bash', {'command': find + ' | wc -l'}), step2], answer=answer)


def t_write(c, files):
    d = pick_dir(c, files) if c.r.random() < 0.5 else ''
    name = '%s.%s' % (c.pick(P.STEMS), c.r.choice(['txt', 'md', 'txt', 'c', 'py', 'sh']))
    path = (d + '/' if d else '') + name
    text = c.pick(P.PHRASES)
    prompt = c.tmpl(P.T_WRITE).format(f=path, t=text)
    if path in files:
        return t_edit(c, files)
    return dict(cat='write', prompt=prompt, steps=[('write', {'path': path, 'content': text + '\n'})],
                answer=lambda res: ('Created %s.' % path, [path]),
                checks={'file': path, 'equals': text + '\n'})


def t_edit(c, files):
    f = pick_file(c, files)
    ws = [w for w in re.findall(r'[A-Za-z_][A-Za-z0-9_]{2,}', files[f])]
    if not ws:
        return t_read(c, files)
    old = c.r.choice(ws)
    new = c.pick(P.IDENTS)
    if new == old:
        new = new + '2'
    n = len(re.findall(re.escape(old), files[f]))
    everywhere = n > 1
    prompt = c.tmpl(P.T_EDIT_ALL if everywhere else P.T_EDIT).format(f=f, old=old, new=new)
    args = {'path': f, 'old_string': old, 'new_string': new}
    if everywhere:
        args['replace_all'] = True
    expect = files[f].replace(old, new)
    return dict(cat='edit', prompt=prompt, steps=[('edit', args)],
                answer=lambda res: ('Replaced %s with %s in %s.' % (old, new, f), [f]),
                checks={'file': f, 'equals': expect})


def t_bash(c, files):
    f = pick_file(c, files)
    w = c.pick(P.WORDS)
    cmds = ['echo %s' % w, 'cat %s' % f, 'head -n 2 %s' % f, 'tail -n 1 %s' % f,
            'ls %s' % pick_dir(c, files), 'sort %s' % f, 'grep -c %s %s' % (w, f),
            'seq %d' % c.r.randint(1, 5), 'expr %d + %d' % (c.r.randint(1, 99), c.r.randint(1, 99)),
            'wc -c %s' % f, 'uname -s', 'basename %s' % f, 'dirname %s' % f,
            'test -f %s' % f, 'false', 'echo %s | tr a-z A-Z' % w]
    cmd = c.r.choice(cmds)
    prompt = c.tmpl(P.T_BASH).format(cmd=cmd)

    def answer(res):
        out, code = strip_exit(res[0])
        facts = [x for x in out.split('\n') if x.strip()][:3]
        if code != 0:
            head = '`%s` exited with status %d' % (cmd, code)
            return (head + (':\n' + fence(out) if out else '.')), facts + [str(code)]
        if not out:
            return '`%s` finished with no output.' % cmd, []
        return '`%s` printed:\n%s' % (cmd, fence(out)), facts
    return dict(cat='bash', prompt=prompt, steps=[('bash', {'command': cmd})], answer=answer)


def t_git(c, files):
    if c.r.random() < 0.5:
        prompt = c.tmpl(P.T_GIT_STATUS).format()
        cmd = 'git status --short'

        def answer(res):
            out, code = strip_exit(res[0])
            if code != 0:
                return 'git failed:\n%s' % fence(out), []
            if not out:
                return 'The working tree is clean.', ['clean']
            names = [x[3:] for x in out.split('\n') if len(x) > 3]
            return 'git status:\n%s' % fence(out), names
    else:
        n = c.r.randint(1, 5)
        prompt = c.tmpl(P.T_GIT_LOG).format(n=n)
        cmd = 'git log --oneline -n %d' % n

        def answer(res):
            out, code = strip_exit(res[0])
            if code != 0:
                return 'git failed:\n%s' % fence(out), []
            lines = [x for x in out.split('\n') if x]
            return ('The last %d commit%s:\n%s' % (len(lines), '' if len(lines) == 1 else 's',
                                                   fence(out)), [x.split(' ', 1)[1] for x in lines])
    return dict(cat='git', prompt=prompt, steps=[('bash', {'command': cmd})], answer=answer,
                git=True)


def t_memory(c, files):
    fact = c.pick(P.FACTS).format(v=c.pick(P.WORDS), n=c.r.randint(2, 9999))
    user = c.r.random() < 0.3
    prompt = c.tmpl(P.T_MEM_USER if user else P.T_MEM).format(fact=fact)
    args = {'action': 'add', 'target': 'user' if user else 'project', 'content': fact}
    return dict(cat='memory', prompt=prompt, steps=[('memory', args)],
                answer=lambda res: ('Noted: %s.' % fact, []), checks={'memory': fact})


def t_refuse(c, files):
    f = pick_file(c, files)
    prompt = c.tmpl(P.T_REFUSE).format(f=f, w=c.pick(P.WORDS), x=c.pick(P.IDENTS))
    return dict(cat='refuse', prompt=prompt, steps=[],
                answer=lambda res: (REFUSAL, ['provider']), checks={'unchanged': True})


def t_find_read(c, files):
    f = pick_file(c, files)
    base = f.split('/')[-1]
    prompt = c.tmpl(P.T_FIND_READ).format(b=base)

    def step2(res):
        paths = [x for x in res[0].split('\n') if x and not x.startswith('[') and
                 not x.startswith('No files')]
        return ('read', {'path': paths[0]}) if paths else None

    def answer(res):
        if len(res) < 2:
            return 'There is no file named %s.' % base, []
        body = read_body(res[1])
        path = [x for x in res[0].split('\n') if x][0]
        return '%s:\n%s' % (path, fence('\n'.join(body))), [x for x in body if x.strip()][:3]
    return dict(cat='multi', prompt=prompt, steps=[('glob', {'pattern': '**/' + base}), step2],
                answer=answer)


def t_grep_read(c, files):
    ws = content_words(files)
    if not ws:
        return t_grep(c, files)
    w = c.r.choice(ws)
    prompt = c.tmpl(P.T_GREP_READ).format(w=w)

    def step2(res):
        paths = [x for x in res[0].split('\n') if x and not x.startswith('[')]
        return ('read', {'path': paths[0]})

    def answer(res):
        body = read_body(res[1])
        path = [x for x in res[0].split('\n') if x][0]
        return '%s mentions %s:\n%s' % (path, w, fence('\n'.join(body))), \
            [path] + [x for x in body if x.strip()][:2]
    return dict(cat='multi', prompt=prompt, steps=[('grep', {'pattern': w}), step2],
                answer=answer)


def t_write_count(c, files):
    d = pick_dir(c, files)
    path = '%s/%s.txt' % (d, c.pick(P.STEMS))
    if path in files:
        return t_write(c, files)
    lines = [c.pick(P.PHRASES) for _ in range(c.r.randint(2, 4))]
    text = '\n'.join(lines) + '\n'
    prompt = c.tmpl(P.T_WRITE_LINES).format(f=path, t=' / '.join(lines))

    def answer(res):
        out, _ = strip_exit(res[1])
        n = out.split()[0]
        return 'Created %s; it has %s lines.' % (path, n), [n]
    return dict(cat='multi', prompt=prompt,
                steps=[('write', {'path': path, 'content': text}),
                       ('bash', {'command': 'wc -l %s' % path})],
                answer=answer, checks={'file': path, 'equals': text})


def t_edit_show(c, files):
    t = t_edit(c, files)
    if t['cat'] != 'edit':
        return t
    f = t['steps'][0][1]['path']
    old, new = t['steps'][0][1]['old_string'], t['steps'][0][1]['new_string']
    t['prompt'] = c.tmpl(P.T_EDIT_SHOW).format(f=f, old=old, new=new)
    t['steps'].append(('read', {'path': f}))
    t['cat'] = 'multi'

    def answer(res):
        body = read_body(res[1])
        return 'Replaced %s with %s. %s now reads:\n%s' % (old, new, f, fence('\n'.join(body))), [new]
    t['answer'] = answer
    return t


def t_write_status(c, files):
    t = t_write(c, files)
    if t['cat'] != 'write':
        return t
    path = t['steps'][0][1]['path']
    text = t['steps'][0][1]['content'].rstrip('\n')
    t['prompt'] = c.tmpl(P.T_WRITE_STATUS).format(f=path, t=text)
    t['steps'].append(('bash', {'command': 'git status --short'}))
    t['cat'] = 'multi'
    t['git'] = True

    def answer(res):
        out, _ = strip_exit(res[1])
        return 'Created %s. git status:\n%s' % (path, fence(out)), [path]
    t['answer'] = answer
    return t


TASKS = [(t_ls, 8), (t_glob, 8), (t_read, 7), (t_read_part, 5), (t_grep, 8), (t_count, 7),
         (t_count_many, 6), (t_count_total, 5), (t_write, 7), (t_edit, 7), (t_bash, 7), (t_git, 6), (t_memory, 5),
         (t_refuse, 5), (t_find_read, 4), (t_grep_read, 4), (t_write_count, 3),
         (t_edit_show, 3), (t_write_status, 2)]


ONLY = []

# ------------------------------------------------------------ running

def run_script(conch, root, env, prompt, calls, mode='auto'):
    """run `calls` through the agent loop; return the tool results"""
    turns = [{'tool_calls': [{'id': 'c%d' % i, 'name': n, 'args': a}]}
             for i, (n, a) in enumerate(calls)]
    turns.append({'text': 'ok'})
    sdir = env['CONCH_GEN_TMP']
    sp = os.path.join(sdir, 'script.json')
    log = os.path.join(sdir, 'req.log')
    with open(sp, 'w') as f:
        json.dump({'turns': turns}, f)
    if os.path.exists(log):
        os.unlink(log)
    e = dict(env, CONCH_TEST_SCRIPT=sp, CONCH_TEST_REQUEST_LOG=log)
    p = subprocess.run([conch, '-p', prompt, '--mode', mode, '--max-turns', '10'],
                       cwd=root, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=60)
    # a denied call (mode ask, no one to approve) ends the task with its own
    # exit code; the request log still holds the result the model saw
    if p.returncode != 0 and not (mode == 'ask' and os.path.exists(log)):
        raise RuntimeError('conch failed: %s' % p.stderr.decode()[:300])
    with open(log) as f:
        last = json.loads(f.read().strip().split('\n')[-1])
    res = []
    for m in last['messages']:
        for b in m['content']:
            if b['type'] == 'tool_result':
                res.append(('Error: ' if b.get('is_error') else '') + b['content'])
    return res


PREFIXES = ['Please ', 'Hey, ', 'Can you ', 'Could you ', 'I need you to ', 'Quick one: ',
            'Hi! ', 'conch, ', 'Would you ', 'Now ', 'OK, ', 'Pls ', 'Hello. ', 'So, ',
            'One more thing: ', 'Next: ', 'Task: ', 'Hey conch, ', 'Right, ', 'Okay so ',
            'I would like you to ', 'Go ahead and ', 'Help me: ', 'Good morning! ']
SUFFIXES = [' Thanks.', ' please', ' Thank you!', ' thx', ' Cheers.', ' ASAP', ' Thanks!',
            ' ty', ' Much appreciated.', ' when you can', ' (quick)', ' Ta.', ' :)']


def augment(c, prompt):
    """politeness and casing noise on training prompts (never on held-out
    ones), so that the model keys on the request, not the exact wording"""
    r = c.r
    if r.random() < 0.3:
        first = prompt[:1].lower() if prompt[1:2].islower() else prompt[:1]
        prompt = r.choice(PREFIXES) + first + prompt[1:]
    if r.random() < 0.15 and prompt[-1:] in '.?!':
        prompt = prompt[:-1]
    if r.random() < 0.2:
        prompt += r.choice(SUFFIXES)
    if r.random() < 0.1 and prompt[:1].isupper() and prompt[1:2].islower():
        prompt = prompt[:1].lower() + prompt[1:]
    return prompt


def build(conch, c, tmp, idx):
    files = make_tree(c)
    tasks = [(t, w) for t, w in TASKS if not ONLY or t.__name__ in ONLY]
    fn = c.r.choices([t for t, _ in tasks], weights=[w for _, w in tasks])[0]
    t = fn(c, files)
    raw = t['prompt']
    if not c.held:
        t['prompt'] = augment(c, t['prompt'])
    git = None
    if t.get('git') or c.r.random() < 0.3:
        git = c.r.sample(P.COMMITS[1] if c.held else P.COMMITS[0], c.r.randint(1, 3))
        if c.made_up and not c.held:
            git = [made_up_phrase(c.r).capitalize() if c.r.random() < c.made_up else m
                   for m in git]
    root = os.path.join(tmp, 'p%d' % idx, 'proj')
    home = os.path.join(tmp, 'p%d' % idx, 'home')
    dirty = []
    if git and not t.get('checks') and c.r.random() < 0.6:
        # leave something uncommitted
        f = c.r.choice(sorted(files))
        dirty.append([f, files[f] + c.pick(P.PHRASES) + '\n'])
        if c.r.random() < 0.5:
            dirty.append([c.pick(P.STEMS) + '.txt', 'draft\n'])

    def setup():
        shutil.rmtree(os.path.join(tmp, 'p%d' % idx), ignore_errors=True)
        os.makedirs(root)
        os.makedirs(home)
        write_tree(root, files, git)
        for f, text in dirty:
            with open(os.path.join(root, f), 'w') as fh:
                fh.write(text)
    env = {'PATH': '/usr/bin:/bin', 'HOME': home, 'LANG': 'C.UTF-8',
           'XDG_CONFIG_HOME': home + '/.config', 'XDG_STATE_HOME': home + '/.state',
           'XDG_DATA_HOME': home + '/.data', 'XDG_CACHE_HOME': home + '/.cache',
           'CONCH_GEN_TMP': os.path.join(tmp, 'p%d' % idx)}
    calls = []
    res = []
    first = t['steps'][0] if t['steps'] else None
    if not c.held and isinstance(first, tuple) and first[0] in ('bash', 'write', 'edit') and \
            c.r.random() < 0.05:
        # the default mode (ask) with no one to approve: the call is
        # denied, and the answer says how to allow it
        setup()
        res = run_script(conch, root, env, t['prompt'], [first], mode='ask')
        if not res or not res[0].startswith('Error: ') or 'approv' not in res[0]:
            # the policy let it run (a read-only command): not a denial
            raise RuntimeError('not denied in mode ask: %r' % (res[:1],))
        msgs = [{'role': 'user', 'content': t['prompt']},
                {'role': 'assistant', 'tool_call': {'name': first[0], 'arguments': first[1]}},
                {'role': 'tool', 'content': res[0]},
                {'role': 'assistant', 'content': DENIED % first[0]}]
        shutil.rmtree(os.path.join(tmp, 'p%d' % idx), ignore_errors=True)
        return {'cat': 'denied', 'messages': msgs, 'raw': raw}
    for s in t['steps']:
        if callable(s):
            s = s(res)
            if s is None:
                break
        calls.append(s)
        setup()
        res = run_script(conch, root, env, t['prompt'], calls)
    text, facts = t['answer'](res)
    msgs = [{'role': 'user', 'content': t['prompt']}]
    for (n, a), r in zip(calls, res):
        msgs.append({'role': 'assistant', 'tool_call': {'name': n, 'arguments': a}})
        msgs.append({'role': 'tool', 'content': r})
    msgs.append({'role': 'assistant', 'content': text})
    shutil.rmtree(os.path.join(tmp, 'p%d' % idx), ignore_errors=True)
    rec = {'cat': t['cat'], 'messages': msgs, 'raw': raw}
    if c.held:
        rec.update(files=files, git=git, facts=facts, checks=t.get('checks', {}),
                   dirty=dirty)
    return rec


def rephrased(c, rec, k):
    """k more records of the same task, each asked in other words: the
    tool calls and their results do not depend on the wording"""
    raw = rec['raw']
    out = []
    for _ in range(k):
        if raw.name is None:
            break
        p = augment(c, c.tmpl(getattr(P, raw.name)).format(**raw.kw))
        if p == rec['messages'][0]['content']:
            continue
        msgs = [dict(rec['messages'][0], content=p)] + rec['messages'][1:]
        out.append(dict(rec, messages=msgs))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--conch', required=True)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--n', type=int, default=100)
    ap.add_argument('--heldout', action='store_true')
    ap.add_argument('--out', required=True)
    ap.add_argument('--only', help='comma-separated task functions (e.g. t_count_total)')
    ap.add_argument('--made-up', type=float, nargs='?', const=0.4, default=0.0,
                    metavar='RATE', help='invent this share of the names, words and '
                    'phrases (0.4 without RATE)')
    ap.add_argument('--dir-files', default='1,4', metavar='LO,HI',
                    help='files a directory of the tree gets (the default, 1 to 4, is '
                    "training's; larger trees test what training did not show)")
    ap.add_argument('--phrasings', type=int, default=1, metavar='K',
                    help='write each training task K times, asked in K ways')
    a = ap.parse_args()
    DIR_FILES[:] = [int(x) for x in a.dir_files.split(',')]
    if a.only:
        ONLY.extend(a.only.split(','))
    conch = os.path.abspath(a.conch)
    tmp = tempfile.mkdtemp(prefix='conch-gen-')
    n_ok = 0
    with open(a.out, 'w') as out:
        i = 0
        while n_ok < a.n:
            c = Ctx(random.Random(a.seed * 1000003 + i), a.heldout, a.made_up)
            i += 1
            try:
                rec = build(conch, c, tmp, i)
            except (RuntimeError, IndexError, subprocess.TimeoutExpired,
                    subprocess.CalledProcessError) as e:
                print('task %d skipped: %s' % (i, e), file=sys.stderr)
                continue
            rec['seed'] = [a.seed, i - 1]
            more = rephrased(c, rec, a.phrasings - 1) if not a.heldout else []
            for r in [rec] + more:
                r.pop('raw', None)
                out.write(json.dumps(r) + '\n')
            n_ok += 1 + len(more)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
