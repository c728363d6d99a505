## tests/skills: src/skills
CHECK_SUITES += tests/skills/test-skills
