#!/bin/sh
# The bundled offline model (models/conch-default.gguf) as the default
# provider: with no key and no config, fixed tasks run through the
# real agent loop and the built-in runtime, and their outcomes hold (files
# created and edited, memory saved, numbers the tools returned in the
# answers).  The notice that the built-in model is in use comes once.
# The tasks are ones the current model does right (see models/README.md
# for how often it does held-out tasks right): a new model must too.
. "$(dirname "$0")/lib.sh"

MODEL="$CONCH_PKGDATADIR/models/conch-default.gguf"
if [ ! -f "$MODEL" ]; then
	echo "SKIP: no bundled model at $MODEL"
	exit 77
fi

mkdir -p src
printf '#include <stdio.h>\n\nint\nmain(void)\n{\n\tputs("hi");\n\treturn 0;\n}\n' >src/main.c
printf 'int\ninit(void)\n{\n\treturn init_table();\n}\n' >src/util.c
printf 'int init(void);\n' >src/util.h
printf '# demo\n\nA small project.\n' >README.md

run_task() {
	run_conch -p "$1" --mode auto
	expect_eq "rc of: $1" "$RC" 0
}

# 1. the README's task: C files under src and their lines (2 files, 13 lines)
run_task "How many C files are in src, and how many lines do they have?"
expect_contains "count: files" "$OUT" "2 C files"
expect_contains "count: lines" "$OUT" "13 lines"
expect_contains "notice" "$ERR" "built-in offline model"
N=$(printf '%s\n' "$ERR" | grep -c "built-in offline model")
expect_eq "notice once" "$N" 1

# 2. create a file with given content
run_task 'Write "the build uses make" to notes.txt.'
expect_eq "write: content" "$(cat notes.txt 2>/dev/null)" "the build uses make"

# 3. count the lines of a file
run_task "Count the lines of src/main.c."
expect_contains "lines" "$OUT" "src/main.c has 8 lines"

# 4. remember a fact
run_task "Remember that the tests run with make check."
expect_contains "memory" "$(cat "$XDG_DATA_HOME"/conch/projects/*/MEMORY.md 2>/dev/null)" \
	"the tests run with make check"

# 5. beyond its reach: no tool call, nothing changed, a provider named
ls -lR >"$T/before"
run_task "Write a web server in C."
expect_contains "refusal names a provider" "$OUT" "ANTHROPIC_API_KEY"
ls -lR >"$T/after"
expect_eq "refusal: tree unchanged" "$(cmp -s "$T/before" "$T/after" && echo same)" "same"

# 6. a directory of twelve entries: each listed, once, in order; nothing
# made (a model trained on lists of 1 to 4 lost its place in longer ones
# and once created a file named after an entry)
mkdir docs
for n in alpha beta delta design faq gamma guide intro notes roadmap setup usage; do
	echo x >"docs/$n.md"
done
ls -lR >"$T/before"
run_task "List the files in docs."
expect_eq "listing" "$(printf '%s\n' "$OUT" | grep '^- ' | tr -d '\n')" \
	"- alpha.md- beta.md- delta.md- design.md- faq.md- gamma.md- guide.md- intro.md- notes.md- roadmap.md- setup.md- usage.md"
ls -lR >"$T/after"
expect_eq "listing: tree unchanged" "$(cmp -s "$T/before" "$T/after" && echo same)" "same"

# 7. a phrasing the model never saw: it opens a call where it rates that
# close to the refusal (CALL_MARGIN in src/provider/local-steer.c)
run_task "Make a note that the deploy runs at 0300."
expect_contains "note" "$(cat "$XDG_DATA_HOME"/conch/projects/*/MEMORY.md 2>/dev/null)" \
	"the deploy runs at 0300"
# 8. a call that fails: the answer says so, plainly (a model never shown
# a failed call answered with an empty fence)
run_task "Read src/gone.c."
expect_contains "failed call" "$OUT" "The read call failed: File not found: src/gone.c"
# 9. names that share a beginning are listed whole (the loop rule once
# cut "src/local.h" to "src/loca.c": ".c\n- src/local" twice in a row)
mkdir -p lib
for f in local-chat.c local.c local.h; do echo "int fail_marker;" >"lib/$f"; done
run_task "Which files mention fail_marker?"
expect_eq "shared beginnings" "$(printf '%s\n' "$OUT" | grep '^- ' | tr -d '\n')" \
	"- lib/local-chat.c- lib/local.c- lib/local.h"
# 10. a file shown whole: its indented lines too (the model closed the
# fence after the first indented line of a file)
run_task "Show src/main.c."
expect_contains "whole file" "$OUT" "$(printf '\treturn 0;\n}')"
# 11. a listing with ls's note on hidden entries: the answer ends with the
# list (a lost model went on with "1/s words.txt")
mkdir -p proj/app proj/docs proj/tests proj/.git
printf 'def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n' >proj/app/calc.py
printf '# calc\n\nA tiny calculator.\n' >proj/README.md
printf 'pytest\n' >proj/requirements.txt
printf 'def add(a, b):\n\treturn a + b\n' >proj/t1.py
printf 'def add(a, b):\n  return a + b\n' >proj/t2.py
echo "run pytest" >proj/docs/usage.md
echo "x" >proj/tests/test_calc.py
cd proj
run_task "What files are in this project?"
cd ..
expect_eq "listing ends" "$(printf '%s\n' "$OUT" | tail -n 1)" "- tests/"
# 12. a result too long for its window: a clear error that says what to do
mkdir many
i=100
while [ $i -lt 250 ]; do
	echo "int f$i;" >"many/f$i.c"
	i=$((i + 1))
done
run_conch -p "List the C files in many." --mode auto
expect_eq "too long: rc" "$RC" 1
expect_contains "too long: says so" "$ERR" "too long for the built-in model"
expect_contains "too long: what to do" "$ERR" "a smaller part"

finish
