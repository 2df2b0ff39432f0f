"""Checking a learner's own code against the engine, with their code run in a sandbox."""
