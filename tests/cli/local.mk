## tests/cli: src/cli (options, config, the subcommands)
CHECK_SUITES += tests/cli/test-cli

# `conch model ...` through a driver that calls cmd_model_main()
check_PROGRAMS += tests/cli/model-cli
tests_cli_model_cli_LDADD = libconch.a $(CONCH_LIBS)
TESTS += tests/cli/cmd-model.sh tests/cli/memory-cli.sh tests/cli/skills-cli.sh
EXTRA_DIST += tests/cli/cmd-model.sh tests/cli/memory-cli.sh tests/cli/skills-cli.sh
