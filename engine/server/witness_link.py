"""The board's HTTP link to a witness: POST /add-checkpoint (c2sp.org/tlog-witness) with httpx.

``HttpWitnessLink`` is the transport of engine.board.cosigning.BoardCosigner: one keep-alive client
per witness, a short timeout (a witness that is down costs the board one timeout per head, not a
stalled submission), and no answer is WitnessUnreachable.
"""

from __future__ import annotations

import httpx

from engine.board.cosigning import WitnessUnreachable
from engine.errors import BallotchainError

WITNESS_TIMEOUT = 5.0
MAX_ANSWER_BYTES = 1 << 16


class WitnessUrlError(BallotchainError, ValueError):
    """A witness URL that is not http(s)."""


class HttpWitnessLink:
    """A witness at ``url`` (its base URL; the request goes to ``<url>/add-checkpoint``)."""

    def __init__(self, url: str, *, timeout: float = WITNESS_TIMEOUT, transport: httpx.BaseTransport | None = None):
        if not url.startswith(("http://", "https://")):
            raise WitnessUrlError(f"a witness URL starts with http:// or https://, not {url[:40]!r}")
        self.url = url.rstrip("/")
        self._http = httpx.Client(timeout=timeout, transport=transport)

    def post(self, body: bytes) -> tuple[int, str, bytes]:
        try:
            answer = self._http.post(f"{self.url}/add-checkpoint", content=body)
        except httpx.HTTPError as exc:
            raise WitnessUnreachable(f"the witness at {self.url} did not answer: {exc}") from None
        return answer.status_code, answer.headers.get("content-type", ""), answer.content[:MAX_ANSWER_BYTES]

    def close(self) -> None:
        self._http.close()


def witness_links(urls: tuple[str, ...] | list[str]) -> list[HttpWitnessLink]:
    return [HttpWitnessLink(url) for url in urls]
