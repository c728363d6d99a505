## tests: Check suites (tests/unit), shell end-to-end tests (tests/e2e)
