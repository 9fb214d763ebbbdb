"""The chat server's outer guard (ASGI middleware): same-origin uploads of bounded size, slowed-down logins.

- A file upload (``POST …/upload``) sent by a browser page of another origin is refused (403): the
  ``Origin`` header, or ``Sec-Fetch-Site: cross-site``, must match the address the page was served from:
  the ``Host`` header, or behind a reverse proxy the host it forwards (``X-Forwarded-Host``). A page of another
  site cannot add that header to its request without a CORS preflight, which this server never grants.
  Clients without an ``Origin`` (gradio_client, curl) are not browsers acting for another site and pass.
- A request body larger than the upload limit is refused (413) from its ``Content-Length`` before it is read;
  Gradio's own ``max_file_size`` stops a body that lies about its length.
- After ``FREE_FAILURES`` failed logins from one client address, each further attempt is refused (429, with
  ``Retry-After``) until a wait that doubles with every failure (capped at ``MAX_WAIT_S``) has passed; a
  successful login clears the count.
Leaves out: rate limits on questions, and addresses behind a proxy (the peer address is used).
"""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import urlsplit

FREE_FAILURES = 5
MAX_WAIT_S = 300.0


class Throttle:
    """Failed-login counts per client address."""

    def __init__(self, free: int = FREE_FAILURES, max_wait: float = MAX_WAIT_S, clock=time.monotonic) -> None:
        self.free, self.max_wait, self.clock = free, max_wait, clock
        self._failures: dict[str, tuple[int, float]] = {}  # address -> (failures, time of the last)
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds this client must still wait before its next attempt (0: go ahead)."""
        with self._lock:
            n, last = self._failures.get(client, (0, 0.0))
            if n < self.free:
                return 0.0
            return max(0.0, last + self._delay(n) - self.clock())

    def _delay(self, n: int) -> float:
        return min(self.max_wait, 2.0 ** (n - self.free))

    def failed(self, client: str) -> None:
        with self._lock:
            n, _ = self._failures.get(client, (0, 0.0))
            self._failures[client] = (n + 1, self.clock())
            if len(self._failures) > 10_000:  # bounded memory: forget the oldest
                for k in sorted(self._failures, key=lambda k: self._failures[k][1])[:1000]:
                    del self._failures[k]

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


class Guard:
    """ASGI middleware; build it with ``Guard.options(...)`` for FastAPI's ``middleware=`` argument."""

    def __init__(self, app, max_upload_bytes: int, throttle: Throttle | None = None) -> None:
        self.app, self.max_upload_bytes = app, max_upload_bytes
        self.throttle = throttle or Throttle()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "").rstrip("/")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if path.endswith("/upload"):
            if _cross_origin(headers):
                await _reply(send, 403, "Uploads are accepted only from this chat's own page.")
                return
            length = headers.get("content-length", "")
            if length.isdigit() and int(length) > self.max_upload_bytes + 64 * 1024:  # room for the form fields
                await _reply(send, 413, f"The upload is larger than the limit of "
                                        f"{self.max_upload_bytes // 1_000_000} MB.")
                return
        if path.endswith("/login"):
            client = (scope.get("client") or ("?", 0))[0]
            wait = self.throttle.wait(client)
            if wait > 0:
                await _reply(send, 429, f"Too many failed logins: wait {wait:.0f} s before trying again.",
                             {"retry-after": str(int(wait) + 1)})
                return
            await self.app(scope, receive, _watch_login(send, self.throttle, client))
            return
        await self.app(scope, receive, send)


def _watch_login(send, throttle: Throttle, client: str):
    async def watched(message) -> None:
        if message["type"] == "http.response.start":
            (throttle.succeeded if message["status"] < 300 else throttle.failed)(client)
        await send(message)

    return watched


def _cross_origin(headers: dict[str, str]) -> bool:
    if headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = headers.get("origin")
    if origin is None:
        return False
    hosts = {headers.get("host", "").lower()}
    hosts |= {h.strip().lower() for h in headers.get("x-forwarded-host", "").split(",") if h.strip()}
    return origin == "null" or urlsplit(origin).netloc.lower() not in hosts


async def _reply(send, status: int, message: str, extra: dict[str, str] | None = None) -> None:
    body = json.dumps({"error": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
