/* cmd-model.h: `conch model info|tokenize|run|chat`, trying a GGUF file
 * with the built-in runtime.
 *
 *   conch model info FILE [--ctx N]
 *   conch model tokenize FILE [--no-bos] [--no-special] (TEXT | --file F)
 *   conch model run FILE -p TEXT [-n N] [--temp T] [--seed S] [--top-k K]
 *                   [--top-p P] [--min-p P] [--repeat-penalty R] [--ctx N]
 *                   [-t THREADS] [--kv f16|f32] [--ids] [-v]
 *   conch model chat FILE [--system TEXT] [-n N] [--temp T] [--seed S] [--ctx N]
 *                   [-t THREADS] [--kv f16|f32]
 *   conch model bench FILE [-p N] [-n N] [-t THREADS] [-r REPS]
 *
 * tokenize prints the ids separated by spaces on one line.  run prints the
 * completion (BOS added when the model's metadata asks for it; an empty
 * TEXT is the BOS token alone), or with --ids the generated ids (not the
 * prompt's) separated by spaces.  chat reads user lines from stdin.
 * --kv f32 runs the reference paths (F32 KV cache, two-pass softmax):
 * twice the cache memory and slower, the exact results of a float
 * reference implementation. */
#ifndef CONCH_CMD_MODEL_H
#define CONCH_CMD_MODEL_H

/* argv[0] is "model".  `cfg_template` is providers.local.template from
 * the user config (NULL if unset): chat uses it unless --template NAME is
 * given, before the model's own template.  Returns the exit status: 0 ok,
 * 1 failure, 2 usage error. */
int cmd_model_main(int argc, char **argv, const char *cfg_template);

/* `conch model bench` (cmd-model-bench.c), argv as for cmd_model_main:
 * prompt and generation speed in a llama-bench-like table on stdout,
 * progress on stderr. */
int cmd_model_bench(int argc, char **argv);

#endif
