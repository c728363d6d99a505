## src/ui: sources of this area (added by its issue)
