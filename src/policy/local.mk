## src/policy
