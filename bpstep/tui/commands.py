"""The command palette (ctrl+p): every debugger action by name (``keys.KEYS``), with its key."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .keys import Key, palette


def _help(key: Key) -> str:
    return f"{key.help} ({key.shown})" if key.shown else key.help


class DebuggerCommands(Provider):
    """bpstep's own actions in the command palette."""

    async def _run(self, action: str) -> None:
        await self.app.run_action(action)

    async def discover(self) -> Hits:
        for key in palette():
            yield DiscoveryHit(key.title, partial(self._run, key.action), help=_help(key))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for key in palette():
            score = matcher.match(key.title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(key.title),
                    partial(self._run, key.action),
                    help=_help(key),
                )
