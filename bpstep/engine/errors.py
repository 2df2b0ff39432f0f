"""Errors that reach the user as one clear line.

Every error a user can cause is a :class:`BpstepError`; its ``str()`` is one line that says what
was wrong and what is accepted. The command line prints it as ``bpstep: error: …`` and exits 2
(usage and input errors); the TUI shows it in a pane and keeps running.
"""

from __future__ import annotations


class BpstepError(Exception):
    """Base of every user-facing error; the message is one line."""


class ConfigError(BpstepError, ValueError):
    """A bad option or configuration value (sizes, activation, cost, learning rate, ...)."""


class DataError(BpstepError, ValueError):
    """A data or session file that is missing, corrupt, ragged, empty, non-finite or unfitting."""


class OrderError(BpstepError, RuntimeError):
    """An engine pass called out of order (backward before forward, update before backward)."""


class UserCodeError(BpstepError):
    """The user's own gradient module failed to load (syntax error, missing file)."""
