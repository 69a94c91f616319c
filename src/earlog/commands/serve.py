"""`earlog serve`: the web workbench and its JSON API on a local port (see docs/web.md)."""

from __future__ import annotations

import ipaddress
import secrets
from typing import Annotated

import typer

from earlog.commands.app import app
from earlog.errors import InputError


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost; anything else is reachable from other machines."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command("serve")
def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (default loopback only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on (0: any free port).")] = 8000,
    token: Annotated[str | None, typer.Option("--token", help="Access token every request must carry; required "
                                                              "(or generated) for a non-loopback --host.")] = None,
    max_upload: Annotated[int, typer.Option("--max-upload", help="Largest request body in bytes (order books).")
                          ] = 20 * 1024 * 1024,
) -> None:
    """Start the web workbench: write a deal, see verdicts, why-trees and memos, flip readings,
    browse the rulebook, screen an order book; plus the JSON API (POST /v1/evaluate, /v1/why,
    /v1/screen).  Opens no browser; prints the URL.

    Example: earlog serve --port 8000
    """
    import socket

    import uvicorn

    from earlog.web import create_app

    if not 0 <= port <= 65535:
        raise InputError("--port", f"expected a port from 0 to 65535, got {port}")
    if max_upload < 1:
        raise InputError("--max-upload", f"expected a number of bytes of 1 or more, got {max_upload}")
    if token is not None and len(token) < 16:
        raise InputError("--token", "expected a token of 16 characters or more")
    if token is None and not is_loopback(host):
        token = secrets.token_urlsafe(24)
        typer.echo(f"earlog serve: {host} is reachable from other machines; generated an access token")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as e:
        raise InputError("--host/--port", f"cannot listen on {host}:{port}: {e.strerror}") from None
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{bound}/" + (f"?token={token}" if token else "")
    typer.echo(f"earlog workbench at {url}  (API: POST /v1/evaluate, /v1/why, /v1/screen; Ctrl-C stops)", err=False)
    hosts = frozenset({host.strip("[]")})
    config = uvicorn.Config(create_app(token=token, max_upload=max_upload, hosts=hosts), log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])
