"""The workbench's guards, as one ASGI middleware: the access token (when the server
listens beyond loopback), cross-site POSTs, and the upload size limit.

- Token: a request carries it as `Authorization: Bearer T`, the `X-Earlog-Token`
  header, or the `earlog_token` cookie; a first visit with `?token=T` sets the cookie
  and redirects to the same path without it (so the token leaves the address bar).
- Cross-site: a POST whose `Sec-Fetch-Site` is cross-site/same-site, or whose `Origin`
  is not this server, is refused (403); page forms also carry a CSRF token (the
  `X-CSRF-Token` header htmx sends, or a `csrf` field) bound to this server process.
  API clients without a browser (curl) send neither Origin nor Sec-Fetch-Site.
- Host: without a token (loopback), a request whose Host header is not a loopback
  name is refused (421), so a web page cannot reach the server by DNS rebinding.
- Size: a request body larger than the limit is refused with 413 before it is read
  into memory, whether it declares its length or streams.
"""

from __future__ import annotations

import hmac
import html
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

TOKEN_COOKIE = "earlog_token"
# scripts only from the package's own files (htmx, workbench.js): an injected <script> would not run
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                 b"img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
                                 b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
CSRF_HEADER = "x-csrf-token"

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class TooLarge(Exception):
    pass


class Guard:
    """Wraps the app; every request passes here first."""

    def __init__(self, app: Any, *, token: str | None, max_upload: int, csrf_secret: str | None = None,
                 hosts: frozenset[str] | None = None) -> None:
        self.app = app
        self.hosts = LOOPBACK_NAMES | (hosts or frozenset())
        self.token = token
        self.max_upload = max_upload
        self.csrf = csrf_secret or secrets.token_urlsafe(32)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        htmx = "hx-request" in headers  # a page's own request: the error goes into the page
        if self.token is None and _hostname(headers.get("host", "")) not in self.hosts:
            await _error(send, htmx, 421, f"this earlog server answers only at {', '.join(sorted(self.hosts))}, "
                                   f"not {headers.get('host', '')!r}")
            return
        if self.token is not None:
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            given = query.get("token", [None])[0]
            if given is not None and hmac.compare_digest(given, self.token):
                rest = {k: v for k, v in query.items() if k != "token"}
                loc = scope.get("path", "/") + (("?" + urlencode(rest, doseq=True)) if rest else "")
                await _respond(send, 303, b"", "text/plain", [
                    (b"location", loc.encode("latin-1")),
                    (b"set-cookie", f"{TOKEN_COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/".encode())])
                return
            if not self._has_token(headers):
                await _error(send, htmx, 401, "this earlog server needs its access token: open the URL it printed "
                                       "(with ?token=...) or send the header X-Earlog-Token")
                return
        if scope.get("method") == "POST":
            problem = self._cross_site(headers)
            if problem:
                await _error(send, htmx, 403, problem)
                return
            length = headers.get("content-length")
            if length is not None and length.isdigit() and int(length) > self.max_upload:
                await _error(send, htmx, 413, _too_large(self.max_upload))
                return
            receive = self._limited(receive)
        scope.setdefault("state", {})["csrf"] = self.csrf
        outer = send
        t0 = time.perf_counter()

        async def send(message: dict[str, Any]) -> None:  # noqa: F811 - every answer gets the headers
            if message.get("type") == "http.response.start":
                # Server-Timing: the server's own time to the first byte (what bench_web.py reports)
                dur = f"app;dur={(time.perf_counter() - t0) * 1000:.1f}".encode()
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS,
                                                   (b"server-timing", dur)]}
            await outer(message)

        try:
            await self.app(scope, receive, send)
        except TooLarge:
            await _error(send, htmx, 413, _too_large(self.max_upload))

    def _has_token(self, headers: dict[str, str]) -> bool:
        cands = [headers.get("x-earlog-token", "")]
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            cands.append(auth[7:].strip())
        if "cookie" in headers:
            c = SimpleCookie()
            try:
                c.load(headers["cookie"])
            except Exception:  # noqa: BLE001 - a malformed cookie header is no token
                c = SimpleCookie()
            if TOKEN_COOKIE in c:
                cands.append(c[TOKEN_COOKIE].value)
        assert self.token is not None
        return any(x and hmac.compare_digest(x, self.token) for x in cands)

    def _cross_site(self, headers: dict[str, str]) -> str | None:
        site = headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return f"refused a cross-site POST (Sec-Fetch-Site: {site})"
        origin = headers.get("origin")
        if origin is not None and origin != "null":
            host = headers.get("host", "")
            if urlsplit(origin).netloc != host:
                return f"refused a POST from another origin ({origin}); this server is {host}"
        elif origin == "null":
            return "refused a POST from an opaque origin"
        return None

    def _limited(self, receive: Receive) -> Receive:
        seen = 0
        limit = self.max_upload

        async def wrapped() -> dict[str, Any]:
            nonlocal seen
            msg = await receive()
            if msg.get("type") == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise TooLarge()
            return msg

        return wrapped

    def check_csrf(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given, self.csrf)


def _hostname(host: str) -> str:
    """The name of a Host header without its port (`[::1]:8000` -> `::1`)."""
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _too_large(limit: int) -> str:
    return (f"the upload is larger than this server's limit of {limit:,} bytes "
            f"(start it with `earlog serve --max-upload N` to allow more)")


async def _error(send: Send, htmx: bool, status: int, message: str) -> None:
    """{"error": message} for the API; for a page's htmx request, the page's error box."""
    if htmx:
        await _respond(send, status, error_html(message).encode(), "text/html; charset=utf-8")
    else:
        await _respond(send, status, json.dumps({"error": message}).encode(), "application/json")


def error_html(message: str) -> str:
    return (f'<div class="error" role="alert"><p class="error-line">earlog: error: '
            f'{html.escape(message)}</p></div>')


async def _respond(send: Send, status: int, body: bytes, ctype: str,
                   extra: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode()),
                            *(extra or [])]})
    await send({"type": "http.response.body", "body": body})
