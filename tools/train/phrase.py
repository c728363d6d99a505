"""phrase.py: a grammar of request phrasings per task kind, for training.

pools.py holds a short list of phrasings per kind, a fifth of them held
out for evaluation.  Learned from a dozen phrasings, a small model keys on
their exact words and fails on any other wording.  This grammar writes
many more: each kind's rules combine verbs, objects, prepositions and
question forms ("[a|b|c]" picks one alternative, and alternatives nest),
so that training sees the words users put around a path or a pattern in
many arrangements.  A phrasing equal to a held-out one (ignoring case and
punctuation) is never produced: the evaluation's phrasings stay unseen.

  expand(rng, '[show|list] the files in {d}')  ->  'list the files in {d}'
"""
import re

import pools as P

KF = '[{kind} files|.{ext} files|*.{ext} files|{kind} source files|files ending in .{ext}]'
IN = '[in|under|inside|within|below]'
END = '[.|?|!||]'
PLEASE = '[| please| for me| now]'

GRAMMAR = {
    'T_LS': [
        '[list|show|show me|display|print|give me|get me|tell me|let me see|I want to see|'
        'dump|report] [the files|the contents|the entries|what is|what\'s|everything|'
        'all the files|all files|the file names|the names of the files|a listing|the listing] '
        '[in|inside|under|within|of|at] [the |]{d}[ directory| folder| dir|/|]' + PLEASE + END,
        '[what\'s|what is|which files are|what files are|what do we have|anything] '
        '[in|inside|under] [the |]{d}[ directory| folder|/|][?|]',
        '[what|which files] does [the |]{d}[ directory| folder|] [contain|have|hold][?|]',
        '[contents|listing|entries|files] of {d}[?|.|]',
        '[ls|ls the folder|list dir|dir] {d}',
        '{d}: [list it|what\'s in it|what is there|contents?|list the files]',
        '[look in|look inside|peek into|check|open] [the |]{d}[ folder| directory|] and '
        '[list|show|tell me] what\'s [there|in it|inside]' + END,
    ],
    'T_LS_HERE': [
        '[list|show|show me|display|print|give me|tell me] [the files|the contents|everything|'
        'the entries|what\'s|all files] [here|in this directory|in the current directory|'
        'in this folder|in the project root|at the top level|in the root|in this project|'
        'in the repo root|in the top directory]' + PLEASE + END,
        '[what\'s|what is|which files are|what files are] [here|in the root|in this repo|'
        'at the top level|in the current folder|in this folder][?|]',
        '[ls|ls .|list|list files|list the root|dir]',
        'what does [this directory|this folder|this project|the repo root|the current directory] '
        '[contain|have][?|]',
        '[show|list|display] the [top-level|root|project] [files|entries|contents]' + END,
    ],
    'T_GLOB': [
        '[find|list|show|show me|locate|display|give me|get|look for|enumerate|print] '
        '[all |every |the |all the |any |]' + KF +
        '[ in the project| in this repo| anywhere| here|]' + PLEASE + END,
        '[which|what] files [end in|have the extension|end with] .{ext}[?|]',
        '[are there any|do we have any|is there any] {kind} [files|code|sources][?|]',
        '[what|which] {kind} files [are there|do we have|exist|are in the project][?|]',
        '[paths|names|the paths|the names] of [all |the |]' + KF + END,
        'where are [all |the |]' + KF + '[?|]',
    ],
    'T_GLOB_IN': [
        '[find|list|show|show me|locate|display|give me|get|look for|enumerate|print] '
        '[all |every |the |all the |any |]' + KF + ' ' + IN + ' [the |]{d}[ folder| directory|/|]' +
        PLEASE + END,
        '[what|which] {kind} files [does|do] [the |]{d}[ folder| directory|] [have|contain|hold][?|]',
        '[what|which] ' + KF + ' are ' + IN + ' {d}[?|]',
        '{d}: [list|find|show] [the |all |]' + KF + END,
        '[are there any|any] ' + KF + ' ' + IN + ' {d}[?|]',
    ],
    'T_READ': [
        '[show|show me|print|display|cat|read|open|output|dump|give me|let me see|view|'
        'fetch|get] [the file |the contents of |the text of |the content of |the file called |]'
        '{f}' + PLEASE + END,
        'what does {f} [say|contain|have in it][?|]',
        'what\'s [in|inside] {f}[?|]',
        '[contents|content|text] of {f}[?|.|]',
        '[can you|could you|would you] [show|open|print|display|read] {f}[ for me|][?|]',
        '{f}: [show it|contents?|print it|what does it say?]',
        '[open|read|load] {f} and [show|print|display] it[ to me|]' + END,
        'I [want|would like|need] to see {f}' + END,
    ],
    'T_HEAD': [
        '[show|print|display|give me|read|what are|let me see|get] the [first|top|opening|'
        'initial] {n} lines [of|in|from] {f}' + END,
        '[head -n {n} {f}|head -{n} {f}]',
        '{f}: [the |][first|top] {n} lines' + END,
        '[show|print|read] {f}, [only |just |]the [first|top] {n} lines' + END,
        '[just |only |]the [first|top] {n} lines of {f}[, please|]' + END,
    ],
    'T_RANGE': [
        '[show|print|display|read|give me|what is on|what\'s on|get] lines {a} [to|through|-|'
        'until|thru] {b} [of|in|from] {f}' + END,
        '{f}[ lines|, lines|: lines] {a}[-| to | through ]{b}',
        'read {f} from line {a} to [line |]{b}' + END,
        '[just |only |]lines {a}-{b} of {f}[ please|]' + END,
        'what [does|do] {f} [say|have] on lines {a} [to|through] {b}[?|]',
    ],
    'T_GREP': [
        '[search for|search|grep for|grep|look for|find|find the text|find mentions of|'
        'find uses of|find references to|find occurrences of|locate] {w}[ in the project|'
        ' in the code| in the files| everywhere| in this repo|]' + PLEASE + END,
        '[which|what] files [mention|contain|use|reference|include|have] {w}[?|]',
        'where is {w} [used|mentioned|referenced][?|]',
        'where does {w} [appear|occur|show up][?|]',
        'is {w} [mentioned|used|referenced] [anywhere|in any file|somewhere][?|]',
        '[does any file|do any files] [mention|contain|use] {w}[?|]',
        '[any files with|files containing|files mentioning] {w}[?|]',
    ],
    'T_GREP_LINES': [
        '[show|print|find|give me|list] the lines [containing|with|that mention|that contain|'
        'mentioning|matching] {w} in {f}' + END,
        'grep [for |]{w} in {f}',
        '[which|what] lines [of|in] {f} [mention|contain|have|use] {w}[?|]',
        'where does {f} [use|mention] {w}[?|]',
        'find {w} in {f}[ and show the lines| and print those lines|]' + END,
        'search {f} for {w}' + END,
        '[lines|the lines] in {f} with {w}[?|]',
    ],
    'T_LINES': [
        'how many lines [are in|are there in|in] {f}[?|]',
        'how many lines does {f} [have|contain][?|]',
        '[count|tell me|give me|what is|what\'s|get] the [number of lines|line count] '
        '[of|in|for] {f}' + END,
        'count [the |]lines [of|in] {f}' + END,
        'wc -l {f}',
        'how long is {f}[ in lines|][?|]',
        '[line count|number of lines] [of|for|in] {f}[?|]',
        '{f}: how many lines[?|]',
    ],
    'T_WORDS': [
        'how many words [are in|are there in|in] {f}[?|]',
        'how many words does {f} [have|contain][?|]',
        '[count|tell me|give me|what is|get] the [number of words|word count] [of|in|for] {f}' +
        END,
        'count [the |]words [of|in] {f}' + END,
        'wc -w {f}',
        '[word count|number of words] [of|for|in] {f}[?|]',
        '{f}: how many words[?|]',
    ],
    'T_COUNT_MANY': [
        '[list|find|show] [the |all |all the |]' + KF + ' and [count their lines|'
        'give their line counts|count the lines of each|show how many lines each has]' + END,
        'count the lines of [every|each|all the|all] ' + KF + END,
        'how many lines [are in|does] each {kind} file[ have|][?|]',
        '[line counts|the line count|lines] [of|for|per file for] [all |every |each |the |]' + KF +
        '[?|]',
        'find the ' + KF + ' and [tell me|say|count] how many lines each [has|one has]' + END,
        'wc -l [for|on] [every|each|all] ' + KF,
    ],
    'T_COUNT_MANY_IN': [
        '[list|find|show] [the |all |all the |]' + KF + ' ' + IN + ' {d} and [count their lines|'
        'give their line counts|count the lines of each]' + END,
        'count the lines of [every|each|all the|the] ' + KF + ' ' + IN + ' {d}' + END,
        'how many lines does each {kind} file ' + IN + ' {d} have[?|]',
        '[line counts|lines per file] [of|for] [all |every |the |]' + KF + ' ' + IN + ' {d}[?|]',
        'wc -l [for|on] [every|each|all|the] ' + KF + ' ' + IN + ' {d}',
        'show the ' + KF + ' ' + IN + ' {d} with their line counts' + END,
    ],
    'T_COUNT_TOTAL': [
        'how many ' + KF + ' are ' + IN + ' {d}, and how many lines [do they have|in total|'
        'altogether][?|]',
        'count the ' + KF + ' ' + IN + ' {d} and their [lines|total lines]' + END,
        'how many lines of {kind} are ' + IN + ' {d}[ in total| altogether|][?|]',
        '[total|the total] [number of |]{kind} files and lines ' + IN + ' {d}[?|]',
        'how [big|large|much] is the {kind} code ' + IN + ' {d}[, in files and lines|][?|]',
        '[number|count] of ' + KF + ' ' + IN + ' {d} and [their line total|total lines|'
        'how many lines they have][?|]',
        '{d}: how many {kind} files and [lines|how many lines][?|]',
        '[the |]line count of [all |the |]' + KF + ' ' + IN + ' {d}[?|]',
    ],
    'T_WRITE': [
        '[create|make|write|add|generate] [a file |a new file |the file |]{f} [containing|with|'
        'with the text|with the content|that says|saying|holding] "{t}"' + END,
        '[write|put|save] "{t}" [to|into|in] [a new file |the file |a file |]{f}' + END,
        'put "{t}" [in|into] [a new file |a file |][called |named |]{f}' + END,
        'save "{t}" [as|to|in] {f}' + END,
        'new file {f}[:| with] "{t}"',
        'make {f} and write "{t}" in it' + END,
        'create {f}[.|,] [content|text|contents]: "{t}"',
        # the text before the path, as often as after it
        '[store|keep|place] "{t}" [in|as|into] [a new file |a file |]{f}' + END,
        '"{t}" [goes into|should go in|belongs in] [a new file |]{f}' + END,
        '[put|write|add] the [text|line|words] "{t}" [into|in|to] [a new file |]{f}' + END,
        '[take|use] "{t}" [and|to] [make|create|write] {f}' + END,
    ],
    'T_WRITE_LINES': [
        '[create|make|write] {f} with the lines "{t}" and count [its|the] lines' + END,
        '[write|create] {f} containing "{t}" (one per line), then [tell me how many lines it has|'
        'count them|count its lines]' + END,
        'make {f} with these lines: "{t}". [then count them|how many lines is that?]',
        'put "{t}" in {f}, one per line, and [count the lines|say how many lines it has]' + END,
    ],
    'T_EDIT': [
        '[replace|change|rename|substitute|switch|turn] {old} [with|to|into] {new} in {f}' + END,
        '[in|inside] {f}[,|] [replace|change|rename|switch] {old} [to|with|into] {new}' + END,
        '[edit|fix|patch] {f}: {old} -> {new}',
        '[update|modify|edit|fix] {f} [so that|so] {old} becomes {new}' + END,
        '{f}: [replace|change] {old} [with|to] {new}',
        '[in|inside] {f}[,|] replace the [word|name|identifier|text] {old} with {new}' + END,
        'make {f} say {new} instead of {old}' + END,
        'use {new} instead of {old} in {f}' + END,
        'swap {old} for {new} in {f}' + END,
    ],
    'T_EDIT_ALL': [
        '[replace|change|rename|switch] [every|each|all|all the] {old} [with|to|into] {new} '
        'in {f}' + END,
        '[in|inside] {f}[,|] [change|replace|rename] [all occurrences of|every|each|all] {old} '
        '[to|with] {new}' + END,
        '[rename|replace|change] {old} [to|with] {new} [everywhere|throughout|all over] in {f}' +
        END,
        '[replace|change] all {old} with {new} in {f}',
        '{f}: [replace|change] every {old} [with|to] {new}',
        'use {new} instead of {old} everywhere in {f}' + END,
    ],
    'T_EDIT_SHOW': [
        '[replace|change|rename] {old} [with|to] {new} in {f} and [show me|print|display] '
        '[the result|the file|the new file|it]' + END,
        '[change|replace] {old} [to|with] {new} in {f}, then [print|show|display] the file' + END,
        '[in|inside] {f}, [rename|change] {old} to {new} and show [the new file|the result|it]' +
        END,
    ],
    'T_WRITE_STATUS': [
        '[create|make|write] {f} [containing|with] "{t}" and then [show|run|check] [the |]git '
        'status' + END,
        '[write|put] "{t}" [to|in|into] {f}, then [run git status|check git status|show the git '
        'status]' + END,
    ],
    'T_BASH': [
        '[run|execute|please run|try|invoke] [the command |][`{cmd}`|{cmd}]' + END,
        '[run|execute] [`{cmd}`|{cmd}] and [tell me|show me|report] [the output|what it prints|'
        'the result]' + END,
        'what does `{cmd}` [print|output|return|say][?|]',
        '$ {cmd}',
        '[give me|what\'s|what is] the output of [`{cmd}`|{cmd}][?|]',
        'run this: {cmd}',
        '[can you|could you|would you] run [`{cmd}`|{cmd}][ for me|][?|]',
        '[in the shell|shell]: {cmd}',
    ],
    'T_GIT_STATUS': [
        '[what is|what\'s|show|show me|check|give me|tell me] the [git |repo |repository |]'
        'status' + END,
        'git status[ please|]',
        'are there [any |]uncommitted changes[?|]',
        '[which|what] files [have changed|are modified|changed|are not committed][?|]',
        'is the [working tree|repo|repository|checkout] clean[?|]',
        'what [has changed|changed] since the last commit[?|]',
        '[anything|any changes] [uncommitted|to commit|not committed][?|]',
        '[any local changes|what\'s modified|show me what changed][?|]',
    ],
    'T_GIT_LOG': [
        '[show|list|print|give me|display] the last {n} commits' + END,
        '[what are|what were|show me|list] the {n} [most recent|latest|last|newest] commits[?|]',
        '[git log -n {n}|git log -{n}|git log --oneline -n {n}]',
        '[the |]last {n} commits[?|]',
        '[recent|the recent|latest] [git |]history[,|:] {n} commits',
        'what happened in the last {n} commits[?|]',
    ],
    'T_MEM': [
        '[remember|note|keep in mind|don\'t forget|please remember|note for later|'
        'for future reference|memorize] that {fact}' + END,
        '[remember|note|memorize|note for later|save to memory|store this|write down|'
        'for future reference|save this to memory|add to memory]: {fact}' + END,
        '[save|store|put|add] this [to|in] [memory|your memory|your notes]: {fact}' + END,
        '[fyi|FYI|by the way], {fact}. [remember it|remember that|keep that in mind]' + END,
        '[jot down|note down|write down|log] that {fact}' + END,
        '{fact}[:|;|,] [remember that|note it|keep it in mind|save it to memory]' + END,
    ],
    'T_MEM_USER': [
        'remember that I [prefer|like|use|want] {fact}' + END,
        'about me: {fact}[. remember it|. note that|]' + END,
        'remember this about me: {fact}' + END,
        'note that I [like|prefer] {fact}' + END,
        '[my preference|I prefer|I like]: {fact}[, remember that|. keep it in mind|]' + END,
    ],
    'T_REFUSE': [
        '[explain|describe|summarize|document|review|critique|analyze|audit] [how {f} works|{f}|'
        'the code|this project|the architecture|what {x} does|the design|my code]' + END,
        '[write|create|implement|build|generate|code] [a|an] [program|function|script|class|'
        'web server|parser|game|app|library|test suite|compiler|tool] [that|to] [sorts {w}s|'
        'parses {w} dates|computes primes|talks to a database|serves files|plays chess|'
        'converts units|sends email|counts {w}s|draws a {w}]' + END,
        '[refactor|optimize|clean up|rewrite|speed up|simplify|modernize|secure|fix|debug|'
        'document|test] {f}[ for speed| properly| for me|]' + END,
        '[port|translate|convert|rewrite] [{f}|this project|the code] [to|in|into] '
        '[Rust|Go|Java|Python|TypeScript|Windows|C++]' + END,
        'why [is|does] [the build|the test|it|this|{f}] [slow|failing|broken|crash][?|]',
        'how [do|should|can] I [deploy this|become a better programmer|learn C|set up CI|'
        'write good tests|use git rebase|structure this project][?|]',
        'what is [the meaning of life|a monad|recursion|a closure|the best language|{x}][?|]',
        'tell me [a joke|a story about a {w}|about {x}|something interesting]' + END,
        'write [a poem|a song|an essay|a haiku|a story] about [{w}s|{x}|the project]' + END,
        'design [a database schema|an API|a protocol|a logo|a plugin system] for '
        '[a {w} shop|this project|{x}]' + END,
        '[compare|explain the difference between] [TCP and UDP|C and Rust|tabs and spaces|'
        'git merge and rebase]' + END,
        '[add|implement] [error handling|logging|a feature|caching|tests|a --verbose flag|'
        '{x}] [to|in|for] {f}' + END,
        '[find and fix|fix|hunt down] [all the bugs|the bug|the memory leak|the crash]' + END,
        'make [the code|{f}|this project] [more readable|faster|cleaner|safer]' + END,
        'what should I [work on next|name this function|do about {x}][?|]',
        '[plan|organize|schedule] [a release|the next sprint|the roadmap]' + END,
    ],
    'T_FIND_READ': [
        '[find|locate|search for|look for] [the file |a file |the file named |the file called |]'
        '{b} and [show|print|display|open|cat|read] it' + END,
        '[find|locate] {b}[ and show me its contents|, then show it|, and print its contents]' +
        END,
        'where is {b}? [show|print|display] [it|its contents|me the file]' + END,
        'show me the file [called|named] {b}' + END,
        'open {b}[ wherever it is|, wherever it lives]' + END,
        '[print|show|display] {b}[, wherever it is|; I do not know where it is]' + END,
    ],
    'T_GREP_READ': [
        '[show|print|open|display] [me |]the file [that mentions|that contains|that has|'
        'that uses|with] {w}' + END,
        'which file [contains|mentions|has] {w}? [show it|print it|open it]' + END,
        'find the file with {w} [in it |]and [print|show|open] it' + END,
        'open the file where {w} [appears|is mentioned|is used]' + END,
        '[find|locate] {w} and show [me |]the [whole |]file' + END,
    ],
}


def expand(r, s):
    """pick one alternative of every [a|b|...] group, innermost first"""
    while True:
        m = re.search(r'\[([^\[\]]*)\]', s)
        if not m:
            return s
        s = s[:m.start()] + r.choice(m.group(1).split('|')) + s[m.end():]


def _norm(s):
    return re.sub(r'[^a-z0-9{} ]', '', s.lower()).split()


HELD = {}
for _name, _rules in GRAMMAR.items():
    HELD[_name] = {tuple(_norm(t)) for t in getattr(P, _name)[1]}


def phrase(r, name):
    """a training phrasing of kind `name` (a pools.T_* name), never one of
    the held-out ones"""
    for _ in range(20):
        t = expand(r, r.choice(GRAMMAR[name])).strip()
        if tuple(_norm(t)) not in HELD[name]:
            if re.match(r'(ls|dir|head|wc|git|grep|cat|\$)\b', t) or r.random() < 0.3:
                return t    # a command as typed, or a lower-case request
            return t[:1].upper() + t[1:]
    return r.choice(getattr(P, name)[0])
