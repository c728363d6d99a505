## src/skills: sources of this area (added by its issue)
