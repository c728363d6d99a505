#!/usr/bin/python3
"""offline-eval.py: run held-out tasks through `conch -p` with the bundled
model (no key, no config: the default) and check each outcome.

  offline-eval.py CONCH TASKS.jsonl [--limit N] [--model FILE] [--verbose]

TASKS.jsonl comes from tools/train/gen.py --heldout (phrasings, names and
contents that training never saw).  Each task gets a fresh project tree
(files, git history, uncommitted edits as recorded) and a fresh HOME.  A
task passes when its checks hold:
  - every fact (a number, a path, a line the tools returned) is in the
    answer; with no facts, the answer is the expected one;
  - "file": the file's content equals "equals" afterwards;
  - "memory": the fact is in conch's memory files;
  - "unchanged": the tree is as it was and the answer names a provider.
Prints the success rate, median and slowest time, and failures by
category."""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tools', 'train'))
import gen  # noqa: E402


def snapshot(root):
    out = {}
    for d, dirs, files in os.walk(root):
        if '.git' in dirs:
            dirs.remove('.git')
        for f in files:
            p = os.path.join(d, f)
            with open(p, 'rb') as fh:
                out[os.path.relpath(p, root)] = fh.read()
    return out


def norm(s):
    return ' '.join(s.split())


def run_task(conch, t, tmp, model_dir, trace=False):
    root = os.path.join(tmp, 'proj')
    home = os.path.join(tmp, 'home')
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(root)
    os.makedirs(home)
    gen.write_tree(root, t['files'], t.get('git'))
    for f, text in t.get('dirty') or []:
        with open(os.path.join(root, f), 'w') as fh:
            fh.write(text)
    before = snapshot(root)
    env = {'PATH': '/usr/bin:/bin', 'HOME': home, 'LANG': 'C.UTF-8',
           'XDG_CONFIG_HOME': home + '/.config', 'XDG_STATE_HOME': home + '/.state',
           'XDG_DATA_HOME': home + '/.data', 'XDG_CACHE_HOME': home + '/.cache'}
    if model_dir:
        env['CONCH_PKGDATADIR'] = model_dir
    for k in ('CONCH_FOLLOW_MARGIN', 'CONCH_CALL_MARGIN'):
        if k in os.environ:
            env[k] = os.environ[k]
    prompt = t['messages'][0]['content']
    t0 = time.time()
    p = subprocess.run([conch, '-p', prompt, '--mode', 'auto'] + (['-v'] if trace else []),
                       cwd=root, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    dt = time.time() - t0
    ans = p.stdout.decode(errors='replace')
    why = []
    if p.returncode != 0:
        why.append('exit %d: %s' % (p.returncode, p.stderr.decode(errors='replace')[-200:]))
    facts = t.get('facts') or []
    for f in facts:
        if f not in ans:
            why.append('answer lacks %r' % f)
    if not facts and norm(ans) != norm(t['messages'][-1]['content']):
        why.append('answer differs from %r' % t['messages'][-1]['content'][:80])
    ck = t.get('checks') or {}
    if 'file' in ck:
        fp = os.path.join(root, ck['file'])
        got = open(fp).read() if os.path.exists(fp) else None
        if got != ck['equals']:
            why.append('%s is %r, want %r' % (ck['file'], got if got is None else got[:80],
                                              ck['equals'][:80]))
    if 'memory' in ck:
        found = False
        for d, _, files in os.walk(os.path.join(home, '.data')):
            for f in files:
                if ck['memory'] in open(os.path.join(d, f), errors='replace').read():
                    found = True
        if not found:
            why.append('memory lacks %r' % ck['memory'])
    if ck.get('unchanged'):
        if snapshot(root) != before:
            why.append('the tree changed')
        if 'provider' not in ans:
            why.append('no provider named in the refusal')
    if trace and why:
        why.append('trace: ' + p.stderr.decode(errors='replace'))
    return why, dt, ans


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('conch')
    ap.add_argument('tasks')
    ap.add_argument('--limit', type=int, default=0)
    ap.add_argument('--model', help='a GGUF to use as the bundled model')
    ap.add_argument('--verbose', action='store_true')
    ap.add_argument('--trace', action='store_true',
                    help='with --verbose, show the tool calls of failed tasks')
    a = ap.parse_args()
    conch = os.path.abspath(a.conch)
    tasks = [json.loads(x) for x in open(a.tasks) if x.strip()]
    if a.limit:
        tasks = tasks[:a.limit]
    tmp = tempfile.mkdtemp(prefix='conch-eval-')
    model_dir = None
    if a.model:
        model_dir = os.path.join(tmp, 'pkgdata')
        os.makedirs(os.path.join(model_dir, 'models'))
        shutil.copy(a.model, os.path.join(model_dir, 'models', 'conch-default.gguf'))
    times, fails, bycat = [], [], {}
    for i, t in enumerate(tasks):
        why, dt, ans = run_task(conch, t, os.path.join(tmp, 'run'), model_dir,
                                a.trace and a.verbose)
        times.append(dt)
        c = bycat.setdefault(t['cat'], [0, 0])
        c[0] += 1
        if why:
            c[1] += 1
            fails.append((i, t['cat'], t['messages'][0]['content'], why, ans))
        if a.verbose:
            print('%3d %-7s %5.2fs %s  %s' % (i, t['cat'], dt, 'FAIL' if why else 'ok',
                                            t['messages'][0]['content'][:60]), flush=True)
            if why:
                tr = [w for w in why if w.startswith('trace: ')]
                why = [w for w in why if not w.startswith('trace: ')]
                print('      ' + '; '.join(why)[:300])
                for w in tr:
                    print('      ' + w[7:].rstrip().replace('\n', '\n      '))
                print('      answer: ' + ans.replace('\n', ' | ')[:300])
    shutil.rmtree(tmp, ignore_errors=True)
    n = len(tasks)
    ok = n - len(fails)
    print('offline-eval: %d/%d tasks passed (%.1f%%)' % (ok, n, 100.0 * ok / max(n, 1)))
    print('time per task: median %.2f s, mean %.2f s, max %.2f s' %
          (statistics.median(times), statistics.mean(times), max(times)))
    print('by category (failed/total):')
    for cat in sorted(bycat):
        print('  %-8s %d/%d' % (cat, bycat[cat][1], bycat[cat][0]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
