## tests/tools
