/* model-cli: runs cmd_model_main() as `model-cli model ...`, so that
 * `conch model` can be tested before the CLI dispatcher wires it in. */
#include <stdlib.h>

#include "cli/cmd-model.h"

int
main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	return cmd_model_main(argc - 1, argv + 1, getenv("MODEL_CLI_TEMPLATE"));
}
