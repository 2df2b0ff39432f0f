"""The terminal UI: a Textual app over the stepping session (presentation only)."""
