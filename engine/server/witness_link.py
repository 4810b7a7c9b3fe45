"""The board's HTTP link to a witness: POST /add-checkpoint (c2sp.org/tlog-witness).

``HttpWitnessLink`` is the transport of engine.board.cosigning.BoardCosigner: one kept-alive connection
per witness (the standard library's ``http.client``: a request and its answer cost a fraction of what a
general client's layers do, and the board makes one per witness per batch), a short timeout (a witness
that is down costs the board one timeout per head, not a stalled submission), and no answer is
WitnessUnreachable. A kept-alive connection the witness closed meanwhile is opened again once, before
anything of the request was answered.
"""

from __future__ import annotations

import http.client
import ssl
import threading
import urllib.parse

from engine.board.cosigning import WitnessUnreachable
from engine.errors import BallotchainError

WITNESS_TIMEOUT = 5.0
MAX_ANSWER_BYTES = 1 << 16
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class WitnessUrlError(BallotchainError, ValueError):
    """A witness URL that is not http(s)."""


class HttpWitnessLink:
    """A witness at ``url`` (its base URL; the request goes to ``<url>/add-checkpoint``)."""

    def __init__(self, url: str, *, timeout: float = WITNESS_TIMEOUT) -> None:
        if not url.startswith(("http://", "https://")):
            raise WitnessUrlError(f"a witness URL starts with http:// or https://, not {url[:40]!r}")
        self.url = url.rstrip("/")
        parts = urllib.parse.urlsplit(self.url)
        try:
            port = parts.port
        except ValueError:
            port, parts = None, parts._replace(netloc="")
        if not parts.hostname:
            raise WitnessUrlError(f"a witness URL names a host (and a port, if any, as a number), not {url[:40]!r}")
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, port
        self._path = f"{parts.path}/add-checkpoint"
        self._timeout = timeout
        self._lock = threading.Lock()
        self._connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self._https:
            context = ssl.create_default_context()
            return http.client.HTTPSConnection(self._host, self._port, timeout=self._timeout, context=context)
        return http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)

    def post(self, body: bytes) -> tuple[int, str, bytes]:
        headers = {"Content-Type": "text/plain; charset=utf-8"}
        with self._lock:
            for attempt in range(2):
                reused = self._connection is not None
                if self._connection is None:
                    self._connection = self._connect()
                try:
                    self._connection.request("POST", self._path, body=body, headers=headers)
                    answer = self._connection.getresponse()
                    content = answer.read(MAX_ANSWER_BYTES + 1)
                    if len(content) > MAX_ANSWER_BYTES or answer.will_close:
                        self.close_connection()
                    return answer.status, answer.getheader("content-type", ""), content[:MAX_ANSWER_BYTES]
                except _STALE as exc:
                    self.close_connection()
                    if reused and attempt == 0:
                        continue
                    raise WitnessUnreachable(f"the witness at {self.url} did not answer: {exc}") from None
                except (OSError, http.client.HTTPException) as exc:
                    self.close_connection()
                    raise WitnessUnreachable(f"the witness at {self.url} did not answer: {exc}") from None
            raise WitnessUnreachable(f"the witness at {self.url} did not answer")  # pragma: no cover

    def close_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def close(self) -> None:
        with self._lock:
            self.close_connection()


def witness_links(urls: tuple[str, ...] | list[str]) -> list[HttpWitnessLink]:
    return [HttpWitnessLink(url) for url in urls]
