## tests/sandbox
