"""Errors of the ballot-casting server: a refusal with an HTTP status and a one-line reason."""

from __future__ import annotations

from engine.errors import BallotchainError


class ApiError(BallotchainError):
    """A request the server refuses: ``status`` (4xx, or 503 when it cannot serve) and ``reason``."""

    def __init__(self, status: int, reason: str) -> None:
        if not 400 <= status <= 599:
            raise ValueError(f"an API error has a 4xx or 5xx status, not {status}")
        self.status = status
        self.reason = " ".join(reason.split())
        super().__init__(self.reason)
