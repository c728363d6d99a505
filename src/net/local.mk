## src/net: sources of this area (added by its issue)
