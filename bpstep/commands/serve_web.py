"""The web server of ``bpstep serve``: textual-serve's ``Server``, one bpstep process per tab.

This module imports the optional extra (textual-serve, and with it aiohttp and jinja2); only
``bpstep.commands.serve`` imports it, after checking that the extra is installed.

What it changes in textual-serve's ``Server``:

- it serves on sockets already bound (``serve_listen``), so errors come before any serving;
- the page's websocket address is built from the address the browser used (the request's Host),
  not from ``--host`` (``0.0.0.0`` is not an address a browser can open);
- a session is refused (403) to a page of another origin (a website that tries to open a socket
  to the learner's debugger) and, when serving on loopback only, to a Host that is not a loopback
  name (DNS rebinding). Either would otherwise let any web page drive the debugger;
- one line per event on stderr instead of Rich access logs, and a clean stop on SIGINT/SIGTERM:
  every tab's bpstep is told to quit, and killed if it has not after a few seconds.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import yarl
from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from bpstep.commands.serve_listen import Listening, is_loopback

STOP_GRACE = 5.0  # seconds a tab's bpstep has to quit when the server stops

log = logging.getLogger("textual-serve")


def note(text: str) -> None:
    print(f"bpstep serve: {text}", file=sys.stderr, flush=True)


def loopback_name(host: str | None) -> bool:
    """True for localhost (and *.localhost), 127.0.0.0/8 and ::1."""
    if not host:
        return False
    host = host.lower().rstrip(".")
    return host == "localhost" or host.endswith(".localhost") or is_loopback(host)


class BpstepServer(Server):
    """textual-serve's Server on bound sockets, with origin checks and a bounded stop."""

    def __init__(self, command: str, listening: Listening) -> None:
        super().__init__(command, host=listening.host, port=listening.port, title="bpstep")
        self.listening = listening
        self._websockets: set[web.WebSocketResponse] = set()
        self._services: set[AppService] = set()
        self._opened = 0
        self.stopped_by = ""  # the signal that stopped the server, once it has

    def initialize_logging(self) -> None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("bpstep serve: %(message)s"))
        log.handlers[:] = [handler]
        log.setLevel(logging.WARNING)
        log.propagate = False

    def serve(self, debug: bool = False) -> None:
        """Serve until SIGINT or SIGTERM; ``stopped_by`` then names that signal."""
        self.debug = debug
        self.initialize_logging()
        self.stopped_by = asyncio.run(self._serve())

    async def _serve(self) -> str:
        loop = asyncio.get_running_loop()
        stopped: asyncio.Future[str] = loop.create_future()

        def stop(sig: signal.Signals) -> None:
            if not stopped.done():
                stopped.set_result(sig.name)

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop, sig)
        runner = web.AppRunner(await self._make_app(), access_log=None, shutdown_timeout=STOP_GRACE)
        await runner.setup()
        try:
            for sock in self.listening.sockets:
                await web.SockSite(runner, sock).start()
            return await stopped
        finally:
            await runner.cleanup()

    async def on_startup(self, app: web.Application) -> None:
        print(
            f"bpstep serve: the debugger is at {self.listening.url} (each browser tab is a "
            "session of its own; Ctrl-C stops the server)",
            flush=True,
        )

    async def on_shutdown(self, app: web.Application) -> None:
        for websocket in list(self._websockets):
            await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"server stopped")

    def refusal(self, request: web.Request) -> str | None:
        """Why this request may not have a session (None: it may)."""
        host = request.host
        if self.listening.loopback_only and not loopback_name(yarl.URL(f"//{host}").host):
            return f"this server answers only to loopback names, not to Host {host!r}"
        origin = request.headers.get("Origin")
        if origin is not None and origin.lower() != f"{request.scheme}://{host}".lower():
            return f"a page from {origin} may not open a session here"
        return None

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if why := self.refusal(request):
            raise web.HTTPForbidden(text=why)
        return await self._index(request)

    @aiohttp_jinja2.template("app_index.html")
    async def _index(self, request: web.Request) -> dict[str, Any]:
        """The page, with its addresses as the browser reached this server."""
        origin = f"{request.scheme}://{request.host}"
        socket_scheme = "wss" if request.scheme == "https" else "ws"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{socket_scheme}://{request.host}/ws",
            "config": {"static": {"url": f"{origin}/static/"}},
            "application": {"name": self.title},
        }

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One tab: a bpstep process of its own, driven through the websocket."""
        if why := self.refusal(request):
            note(f"refused a session to {request.remote}: {why}")
            raise web.HTTPForbidden(text=why)
        websocket = web.WebSocketResponse(heartbeat=15)
        size = [to_int(request.query.get(k, str(d)), d) for k, d in (("width", 80), ("height", 24))]
        await websocket.prepare(request)
        self._opened += 1
        number = self._opened
        self._websockets.add(websocket)
        with tempfile.NamedTemporaryFile(prefix="bpstep-serve-", suffix=".stderr") as errors:
            tab = Tab(websocket, Path(errors.name))
            service = AppService(
                f"{self.command} 2>{shlex.quote(errors.name)}",  # what bpstep says, for the tab
                write_bytes=tab.write,
                write_str=websocket.send_str,
                close=tab.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            self._services.add(service)
            note(f"session {number} opened for {request.remote} ({len(self._services)} running)")
            explain = None
            try:
                await service.start(*size)
                explain = asyncio.create_task(tab.explain_early_exit(service))
                await self._process_messages(websocket, service)
            except Exception as exc:  # a broken connection ends that tab's session only
                note(f"session {number}: {type(exc).__name__}: {exc}")
            finally:
                if explain is not None:
                    explain.cancel()
                await self._stop(service)
                self._websockets.discard(websocket)
                self._services.discard(service)
                for line in tab.said():
                    note(f"session {number}: {line}")
                note(f"session {number} ended ({len(self._services)} running)")
        return websocket

    async def _stop(self, service: AppService) -> None:
        """Ask the tab's bpstep to quit and wait for it; kill it if it has not quit after
        STOP_GRACE. (Killing only then: ``kill()`` reaps a process that has just exited, before
        asyncio's child watcher sees it, which then logs "Unknown child process".)"""
        process = getattr(service, "_process", None)  # textual-serve keeps it private

        async def quit_and_wait() -> None:
            await service.stop()
            if process is not None:
                await process.wait()

        try:
            await asyncio.wait_for(quit_and_wait(), STOP_GRACE)
        except (TimeoutError, ConnectionError):
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()


class Tab:
    """A browser tab's side of a session: whether bpstep has drawn anything in it yet, and what
    bpstep wrote on stderr (a file, since textual-serve only copies stderr to its own stdout)."""

    def __init__(self, websocket: web.WebSocketResponse, stderr: Path) -> None:
        self.websocket = websocket
        self.stderr = stderr
        self.started = False

    async def write(self, data: bytes) -> None:
        self.started = True
        await self.websocket.send_bytes(data)

    async def close(self) -> None:
        """Close the tab's websocket (what textual-serve calls when the session ends)."""
        await self.websocket.close()

    def said(self) -> list[str]:
        try:
            text = self.stderr.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if line.strip()]

    async def explain_early_exit(self, service: AppService) -> None:
        """When bpstep ends before drawing anything (say the learner's gradient file has gained
        a syntax error since the server started), show why in the tab, not a blank page."""
        process = getattr(service, "_process", None)  # textual-serve keeps it private
        if process is None:
            return
        await process.wait()
        await asyncio.sleep(0.2)  # the last output, if any, reaches the tab first
        if self.started or self.websocket.closed:
            return
        lines = ["bpstep could not start this session:", *self.said()]
        lines += ["", "Fix that, then reload this page."]
        text = "\x1b[?25l" + "\r\n".join(lines) + "\r\n"  # no cursor: nothing to type into
        await self.websocket.send_bytes(text.encode("utf-8"))
