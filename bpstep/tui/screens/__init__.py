"""Modal screens: help and one-line prompts."""
