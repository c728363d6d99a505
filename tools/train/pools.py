"""pools.py: names, words and phrasings for gen.py.  Every pool is a pair
(training, held-out): the evaluation draws only from the second, so its
phrasings, file names and contents never appear in training."""


def split(items, k=None):
    """the last k (default a fifth) items are held out"""
    k = k or max(1, len(items) // 5)
    return (items[:-k], items[-k:])


DIRS = split(['src', 'lib', 'docs', 'tests', 'app', 'scripts', 'include', 'tools',
              'pkg', 'web', 'cmd', 'core', 'util', 'config', 'data', 'api', 'server',
              'client', 'build_aux', 'examples', 'bench', 'assets', 'modules', 'internal',
              'vendor_docs', 'notes', 'spec', 'jobs', 'plugins', 'model'])
STEMS = split(['main', 'util', 'parser', 'config', 'server', 'client', 'list', 'hash',
               'io', 'math', 'net', 'log', 'cache', 'queue', 'table', 'buffer', 'lexer',
               'token', 'render', 'store', 'index', 'app', 'cli', 'args', 'event', 'timer',
               'socket', 'file', 'path', 'string', 'vector', 'map', 'tree', 'graph', 'db',
               'auth', 'user', 'session', 'report', 'todo', 'notes', 'readme_extra',
               'setup', 'build', 'deploy', 'check', 'worker', 'pool', 'shape', 'color',
               'image', 'audio', 'video', 'font', 'layout', 'widget', 'input', 'output',
               'stream', 'codec', 'crypt', 'random', 'clock', 'memo', 'plan', 'draft',
               'alpha', 'beta', 'gamma', 'delta', 'kernel', 'driver', 'probe', 'frame'])
# the training list names every language the model should know by name
# (Ruby is .rb: knowledge, not text to copy); held out are the names of
# files and directories, their contents and the phrasings, not the
# languages
EXTS = (['c', 'h', 'py', 'md', 'txt', 'sh', 'c', 'txt', 'json', 'js', 'go', 'rs', 'toml',
         'rb', 'yml', 'java', 'ts', 'cpp', 'html', 'css', 'lua', 'yaml', 'sql', 'php'],
        ['c', 'h', 'py', 'txt', 'md', 'toml', 'rb', 'yml'])
EXT_NAMES = {'c': 'C', 'h': 'header', 'py': 'Python', 'md': 'Markdown', 'txt': 'text',
             'sh': 'shell', 'json': 'JSON', 'js': 'JavaScript', 'go': 'Go', 'rs': 'Rust',
             'toml': 'TOML', 'rb': 'Ruby', 'yml': 'YAML', 'java': 'Java',
             'ts': 'TypeScript', 'cpp': 'C++', 'html': 'HTML', 'css': 'CSS', 'lua': 'Lua',
             'yaml': 'YAML', 'sql': 'SQL', 'php': 'PHP'}
# other names a request may use (training only)
EXT_ALT = {'h': ['C header', 'header'], 'sh': ['shell', 'shell script', 'Bash'],
           'txt': ['text', 'plain text'], 'md': ['Markdown', 'markdown'], 'py': ['Python', 'python'],
           'js': ['JavaScript', 'JS'], 'rs': ['Rust', 'rust'], 'go': ['Go', 'golang'],
           'c': ['C', 'C source'], 'rb': ['Ruby', 'ruby'], 'yml': ['YAML', 'yaml'],
           'toml': ['TOML', 'toml'], 'json': ['JSON', 'json'], 'ts': ['TypeScript', 'TS']}
TOPFILES = (['README.md', 'Makefile', 'notes.txt', 'TODO.txt', 'LICENSE', 'setup.py',
             'CHANGES.md', 'config.json'],
            ['INSTALL.md', 'NEWS.txt', 'build.sh', 'AUTHORS'])
WORDS = split(['apple', 'river', 'stone', 'cloud', 'lamp', 'tiger', 'maple', 'orbit',
               'pixel', 'rocket', 'garden', 'silver', 'copper', 'winter', 'summer',
               'yellow', 'purple', 'falcon', 'harbor', 'island', 'jungle', 'kettle',
               'ladder', 'marble', 'needle', 'ocean', 'pepper', 'quartz', 'saddle',
               'thunder', 'velvet', 'walnut', 'zebra', 'anchor', 'basket', 'candle',
               'dragon', 'ember', 'forest', 'glacier', 'hammer', 'iris', 'jasper',
               'lemon', 'meadow', 'nickel', 'olive', 'parrot', 'raven', 'sparrow',
               'tulip', 'umber', 'violet', 'willow', 'yarrow', 'cobalt', 'prairie',
               'canyon', 'desert', 'pebble', 'comet', 'nebula', 'bramble', 'thistle'])
IDENTS = split(['init', 'parse_args', 'read_config', 'load_table', 'count_items',
                'free_list', 'hash_key', 'open_file', 'close_all', 'main_loop',
                'render_frame', 'push_event', 'pop_event', 'max_size', 'min_value',
                'buffer_len', 'retry_count', 'user_name', 'version', 'timeout',
                'debug_mode', 'log_level', 'cache_hit', 'queue_push', 'tree_insert',
                'graph_walk', 'str_split', 'vec_grow', 'map_get', 'map_put', 'run_job',
                'start_server', 'stop_server', 'send_reply', 'recv_packet', 'check_auth',
                'make_token', 'scan_dir', 'sort_names', 'draw_text', 'set_color',
                'get_width', 'flush_output', 'next_token', 'peek_char', 'emit_code',
                'total', 'counter', 'offset', 'limit', 'width', 'height', 'depth',
                'score', 'weight', 'index_of', 'list_len', 'node_count', 'file_size',
                'path_join', 'base_name', 'temp_dir', 'exit_code', 'error_msg'])
PHRASES = split(['the build uses make', 'tests live in the tests folder', 'ship it on friday',
                 'remember to update the docs', 'the parser needs more error checks',
                 'hello world', 'this file is a placeholder', 'fix the flaky test',
                 'the cache is cleared at startup', 'run the linter before commit',
                 'version two adds a config file', 'the server listens on port 8080',
                 'keep functions short', 'logs go to standard error',
                 'the queue holds at most 64 items', 'ask before deleting anything',
                 'numbers are stored as integers', 'the release is due next week',
                 'use four spaces for python', 'the api returns json', 'nothing to see here',
                 'the default timeout is 30 seconds', 'colors come from the theme',
                 'memory is freed on exit', 'one function per task', 'draft notes only',
                 'read the manual first', 'errors are reported once',
                 'the table grows by doubling', 'paths are relative to the root',
                 'backups run every night', 'the token expires after an hour',
                 'check the return value', 'lines end with a newline',
                 'the demo runs in the browser', 'input is read from stdin',
                 'the index is rebuilt daily', 'plain text is fine',
                 'the widget supports dark mode', 'the old code is still here',
                 'a short list of ideas', 'welcome to the project',
                 'the green light means ready', 'coffee break at ten',
                 'the map is sorted by key', 'each worker has a queue',
                 'the docs need a new example', 'the font is too small',
                 'unit tests run in ci', 'the installer needs root'])
FACTS = split(['the tests run with make check', 'the api port is {n}',
               'deploys happen on fridays', 'the main branch is protected',
               'the project uses tabs for indentation', 'the staging server is {v}',
               'the database is called {v}', 'the release manager is {v}',
               'builds need about {n} seconds', 'the logo color is {v}',
               'the config file is config.json', 'the cache size is {n}',
               'the code name of the next release is {v}', 'the team meets on mondays',
               'the docs are written in markdown', 'the build server is {v}',
               'the retry limit is {n}', 'the default user is {v}',
               'the backup runs at {n}', 'the project started in 2019'])
COMMITS = split(['Initial commit', 'Add parser', 'Fix off-by-one in list', 'Update README',
                 'Add tests', 'Refactor config loading', 'Bump version', 'Add cache',
                 'Fix typo', 'Remove dead code', 'Add logging', 'Speed up hashing',
                 'Handle empty input', 'Add CLI flags', 'Document the API'])

# ------------------------------------------------------------- phrasings

T_LS = split(['List the files in {d}.', "What's in {d}?", 'Show me the contents of {d}.',
              'ls {d}', 'What files are in the {d} directory?', 'list {d}',
              'Which files does {d} contain?', 'show the files under {d}',
              'Can you list what is in {d}/?', 'What is inside {d}?',
              'Give me a listing of {d}.', 'enumerate the entries of {d}'], 3)
T_LS_HERE = split(['List the files here.', "What's in this directory?", 'ls',
                   'Show me the files in the current directory.', 'list files',
                   'What files are in this project?', 'show the top-level files',
                   'What is in the project root?'], 2)
T_GLOB = split(['Find all {kind} files.', 'Which files end in .{ext}?', 'List every .{ext} file.',
                'find the {kind} files', 'Where are the .{ext} files?',
                'Show me all files with the .{ext} extension.', 'Are there any {kind} files?',
                'locate all *.{ext} files in the project', 'List the {kind} files.',
                'Give me the paths of the .{ext} files.'], 2)
T_GLOB_IN = split(['Find the {kind} files under {d}.', 'List the .{ext} files in {d}.',
                   'Which .{ext} files are in {d}?', 'find *.{ext} under {d}',
                   'Show the {kind} files inside {d}.', 'What {kind} files does {d} have?'], 2)
T_READ = split(['Show me {f}.', 'Print the contents of {f}.', 'What does {f} say?', 'cat {f}',
                'Read {f}.', 'Open {f} and show it to me.', "What's in {f}?",
                'Display {f}.', 'show {f}', 'Let me see {f}.', 'Can you show me the file {f}?',
                'Output the text of {f}.'], 3)
T_HEAD = split(['Show the first {n} lines of {f}.', 'Print the top {n} lines of {f}.',
                'head -n {n} {f}', 'What are the first {n} lines of {f}?',
                'Give me the first {n} lines in {f}.'], 1)
T_RANGE = split(['Show lines {a} to {b} of {f}.', 'Print lines {a}-{b} of {f}.',
                 'What is on lines {a} through {b} of {f}?', 'show {f} lines {a}-{b}',
                 'Read {f} from line {a} to line {b}.'], 1)
T_GREP = split(['Search for {w}.', 'Which files mention {w}?', 'grep for {w}',
                'Find the files that contain {w}.', 'Where is {w} used?',
                'Look for {w} in the project.', 'Which files contain the text {w}?',
                'search the code for {w}', 'Is {w} mentioned anywhere?',
                'find {w}'], 2)
T_GREP_LINES = split(['Show the lines containing {w} in {f}.', 'grep {w} in {f}',
                      'Which lines of {f} mention {w}?', 'Find {w} in {f} and show the lines.',
                      'Where does {f} use {w}?'], 1)
T_LINES = split(['How many lines are in {f}?', 'Count the lines of {f}.', 'wc -l {f}',
                 'How long is {f} in lines?', 'Tell me the line count of {f}.',
                 'count lines in {f}', 'How many lines does {f} have?',
                 'What is the number of lines in {f}?'], 2)
T_WORDS = split(['How many words are in {f}?', 'Count the words in {f}.', 'wc -w {f}',
                 'Word count of {f}?', 'How many words does {f} contain?'], 1)
T_COUNT_MANY = split(['List the {kind} files and count their lines.',
                      'Count the lines of every .{ext} file.',
                      'How many lines are in each {kind} file?',
                      'Find the .{ext} files and tell me how many lines each has.',
                      'line counts of all *.{ext} files',
                      'How many lines of {kind} are there in total?'], 2)
T_COUNT_MANY_IN = split(['List the {kind} files under {d} and count their lines.',
                         'Count the lines of the .{ext} files in {d}.',
                         'How many lines does each {kind} file in {d} have?',
                         'Find the .{ext} files under {d} and count their lines.',
                         'wc -l for the {kind} files in {d}',
                         'Show the {kind} files in {d} with their line counts.'], 2)
T_WRITE = split(['Create {f} containing "{t}".', 'Make a file {f} with the text "{t}".',
                 'Write "{t}" to {f}.', 'create a new file {f} that says "{t}"',
                 'Put "{t}" in a new file called {f}.', 'New file {f}: "{t}"',
                 'Please add a file {f} with the content "{t}".',
                 'Save "{t}" as {f}.', 'write a file named {f} containing "{t}"'], 2)
T_WRITE_LINES = split(['Create {f} with the lines "{t}" and count its lines.',
                       'Write {f} containing "{t}" (one per line), then tell me how many lines it has.',
                       'Make {f} with these lines: "{t}". Then count them.'], 1)
T_EDIT = split(['Replace {old} with {new} in {f}.', 'In {f}, change {old} to {new}.',
                'Rename {old} to {new} in {f}.', 'Change {old} into {new} in {f}.',
                'edit {f}: {old} -> {new}', 'Swap {old} for {new} in {f}.',
                'In {f} replace the word {old} with {new}.',
                'Update {f} so that {old} becomes {new}.'], 2)
T_EDIT_ALL = split(['Replace every {old} with {new} in {f}.',
                    'In {f}, change all occurrences of {old} to {new}.',
                    'Rename {old} to {new} everywhere in {f}.',
                    'replace all {old} with {new} in {f}',
                    'Change each {old} in {f} to {new}.'], 1)
T_EDIT_SHOW = split(['Replace {old} with {new} in {f} and show me the result.',
                     'Change {old} to {new} in {f}, then print the file.',
                     'In {f}, rename {old} to {new} and show the new file.'], 1)
T_WRITE_STATUS = split(['Create {f} containing "{t}" and then show the git status.',
                        'Write "{t}" to {f}, then run git status.'], 1)
T_BASH = split(['Run {cmd}', 'Run `{cmd}` and tell me the output.', 'Execute {cmd}',
                'What does `{cmd}` print?', 'run the command: {cmd}', '$ {cmd}',
                'Please run `{cmd}`.', 'Can you run {cmd} for me?',
                'Show me the output of {cmd}.', 'execute `{cmd}` in the shell'], 2)
T_GIT_STATUS = split(['What is the git status?', 'git status', 'Are there uncommitted changes?',
                      'Show the git status.', 'Which files have changed?',
                      'Is the working tree clean?', 'What has changed since the last commit?',
                      'show me git status please'], 2)
T_GIT_LOG = split(['Show the last {n} commits.', 'git log -n {n}', 'What are the {n} most recent commits?',
                   'List the last {n} commits.', 'Show me the recent git history ({n} commits).',
                   'What were the last {n} commits?'], 1)
T_MEM = split(['Remember that {fact}.', 'Please remember: {fact}.', 'Note for later: {fact}.',
               'Keep in mind that {fact}.', 'remember {fact}', "Don't forget that {fact}.",
               'Save this to memory: {fact}.', 'Make a note that {fact}.'], 2)
T_MEM_USER = split(['Remember that I prefer {fact}.', 'About me: {fact}. Remember it.',
                    'Remember this about me: {fact}.', 'Note that I like {fact}.'], 1)
T_REFUSE = split(['Explain how {f} works.', 'Write a program that sorts a list of {w}s.',
                  'Refactor {f} to be cleaner.', 'Why is the build slow?',
                  'Design a database schema for a {w} shop.', 'Fix the bug in {f}.',
                  'Write a web server in C.', 'What is the meaning of life?',
                  'Review my code and suggest improvements.', 'Implement {x} in Python.',
                  'Translate {f} to Rust.', 'Write unit tests for {x}.',
                  'Tell me a story about a {w}.', 'How do I become a better programmer?',
                  'Summarize the architecture of this project.',
                  'Optimize {f} for speed.', 'Write a poem about {w}s.',
                  'Explain the difference between TCP and UDP.',
                  'Add error handling to {f}.', 'What does {x} do and why?',
                  'Make the code more readable.', 'Write a README for this project.',
                  'Find and fix all the bugs.', 'Port this project to Windows.',
                  'Explain recursion to me.', 'Generate a function that parses {w} dates.'], 5)
T_FIND_READ = split(['Find the file named {b} and show it.', 'Where is {b}? Show me its contents.',
                     'Locate {b} and print it.', 'Show me the file called {b}.',
                     'Find {b} and display it.'], 1)
T_GREP_READ = split(['Show me the file that mentions {w}.', 'Which file contains {w}? Show it.',
                     'Find the file with {w} in it and print it.',
                     'Open the file where {w} appears.'], 1)
T_COUNT_TOTAL = split(['How many {kind} files are in {d}, and how many lines do they have?',
                       'Count the {kind} files in {d} and their lines.',
                       'How many lines of {kind} are in {d}?',
                       'Total number of {kind} files and lines in {d}?',
                       'How big is the {kind} code in {d}, in files and lines?',
                       'Count the .{ext} files under {d} and their total lines.',
                       'How many .{ext} files does {d} have, and how many lines in all?',
                       'Give me the number of {kind} files in {d} and their line total.',
                       'Line count of all {kind} files in {d}?'], 2)
