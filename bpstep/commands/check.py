"""``bpstep check`` (placeholder until the gradient-check command lands)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="your gradient module (.py)")
    parser.add_argument("--json", action="store_true", help="machine-readable report")


def run(args: argparse.Namespace) -> int:
    from bpstep.engine.errors import ConfigError

    raise ConfigError("bpstep check is not available in this build")
