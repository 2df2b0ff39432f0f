"""Where ``bpstep serve`` listens: ``--host`` and ``--port`` checked and bound before serving.

The sockets are bound here, before the web server starts, so that a bad host, a port in use or a
port that needs privileges is one line (``ConfigError``, exit 2) rather than a traceback from
inside the server, and so that ``--port 0`` can print the free port it was given.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import socket
from dataclasses import dataclass

from bpstep.engine.errors import ConfigError


def port_number(text: str) -> int:
    """``--port``: an integer 0..65535 (0: any free port). argparse type."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"a port is an integer 0..65535 (0 picks a free one), got {text!r}"
        )
    return port


@dataclass
class Listening:
    """The bound sockets, the port they share and whether they are reachable only from here."""

    sockets: list[socket.socket]
    host: str
    port: int
    loopback_only: bool

    @property
    def url(self) -> str:
        """The address to open in a browser (this machine's name for a wildcard host)."""
        host = self.host
        if host in ("", "0.0.0.0", "::"):
            host = socket.gethostname()
        elif ":" in host:  # an IPv6 literal
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"

    def close(self) -> None:
        for s in self.sockets:
            s.close()


def resolve(host: str, port: int) -> list[tuple]:
    """The addresses ``host`` names on this machine (one line naming it when it names none)."""
    accepted = "a name or address of this machine, e.g. 127.0.0.1 (the default) or 0.0.0.0"
    if not host.strip():
        raise ConfigError(f"--host is empty; give {accepted}")
    try:
        infos = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
        )
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else "not a valid host name"
        raise ConfigError(
            f"--host {host!r}: cannot resolve it ({reason}); give {accepted}"
        ) from None
    unique: dict[tuple, tuple] = {}
    for family, kind, proto, _, address in infos:
        if family in (socket.AF_INET, socket.AF_INET6):
            unique.setdefault((family, address[0]), (family, kind, proto, address))
    if not unique:
        raise ConfigError(f"--host {host!r} has no IPv4 or IPv6 address; give {accepted}")
    return list(unique.values())


def is_loopback(address: str) -> bool:
    """True for 127.0.0.0/8 and ::1 (only this machine can connect)."""
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> Listening:
    """Bind and listen on every address of ``host`` at ``port`` (0: a free port, the same for
    all). ConfigError with one line when the host is unknown or not this machine's, or the port is
    in use or needs privileges."""
    addresses = resolve(host, port)
    sockets: list[socket.socket] = []
    try:
        for i, (family, kind, proto, address) in enumerate(addresses):
            s = socket.socket(family, kind, proto)
            sockets.append(s)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart after TIME_WAIT
            if family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            bind_to = (address[0], port, *address[2:])
            try:
                s.bind(bind_to)
            except OSError as exc:
                if i > 0 and exc.errno == errno.EADDRNOTAVAIL:
                    sockets.pop().close()  # e.g. ::1 for localhost where IPv6 is off
                    continue
                raise ConfigError(_bind_error(exc, host, port)) from None
            s.listen(128)
            s.setblocking(False)
            port = port or s.getsockname()[1]  # --port 0: the others take the port it gave
    except BaseException:
        for s in sockets:
            s.close()
        raise
    loopback = all(is_loopback(a[3][0]) for a in addresses)
    return Listening(sockets, host, port, loopback)


def _bind_error(exc: OSError, host: str, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use; stop what is using it or choose another "
            "port with --port (0 picks a free one)"
        )
    if exc.errno == errno.EACCES:
        return f"port {port} needs privileges to listen on; choose a port from 1024 to 65535"
    if exc.errno == errno.EADDRNOTAVAIL:
        return (
            f"--host {host!r} is not an address of this machine; give one of its own, e.g. "
            "127.0.0.1 (the default) or 0.0.0.0 (every interface)"
        )
    return f"cannot listen on {host} port {port}: {exc.strerror or exc}"
