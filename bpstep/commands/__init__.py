"""Headless commands of the ``bpstep`` command line: one module per command.

Each module provides ``add_arguments(parser)`` for its own options and ``run(args) -> int``.
"""
