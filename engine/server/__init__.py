"""The ballot-casting server: the bulletin board's HTTP JSON API (Starlette on uvicorn).

``app.create_app(board)`` is the ASGI application over a ``service.BoardService`` (the board kept in
SQLite, the verifier's per-ballot checks at the door, ``checker.BallotChecker``); ``run.serve`` runs
it with uvicorn (``run.serving_in_thread`` any ASGI app, for tests); ``openapi`` describes the API
(served at GET /openapi.json). The voter's and the monitor's side of the API is ``engine.client``.
"""

from engine.server.app import Limits, Submission, create_app
from engine.server.errors import ApiError
from engine.server.service import BoardService, Election, ServiceError

__all__ = ["ApiError", "BoardService", "Election", "Limits", "ServiceError", "Submission", "create_app"]
