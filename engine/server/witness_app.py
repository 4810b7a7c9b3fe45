"""The witness's HTTP interface, c2sp.org/tlog-witness (Starlette, run by uvicorn).

    POST /add-checkpoint    body: "old <size>\\n", consistency proof lines (base64), "\\n", the signed
                            checkpoint -> 200, the witness's cosignature line(s) (text/plain)

Refusals, as the spec gives them: 400 a malformed request or an old size beyond the checkpoint's
size; 403 no signature of a pinned log key; 404 an unknown origin; 409 an old size that is not the
witness's (body: the witness's size and a newline, Content-Type ``text/x.tlog.size``), or a
different root at the cosigned size (a fork: body, the reason); 422 a consistency proof that does
not verify; 413 a body over the limit. Every refusal but the 409 on the size is one line of text
giving the reason. The witness's checks and state are engine.board.witness.

The check runs on the event loop itself, not in a worker thread: a witness serializes its
add-checkpoints on its state anyway, and the hop to a thread and back cost more than the check
(parse, one Ed25519 verification and signature, a proof of a few dozen hashes, one flushed write
of the state). Bodies still stream in concurrently; only the check itself waits its turn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.board.witness import MAX_REQUEST_BYTES, Witness, WitnessError, WitnessRefusal
from engine.server.run import listening_socket, socket_url, uvicorn_server

SIZE_MEDIA_TYPE = "text/x.tlog.size"
TEXT_MEDIA_TYPE = "text/plain; charset=utf-8"


def text_response(text: str, status: int = 200, media_type: str = TEXT_MEDIA_TYPE) -> Response:
    return Response(text.encode("utf-8"), status_code=status, headers={"content-type": media_type})


def refusal_response(status: int, reason: str) -> Response:
    return text_response(" ".join(reason.split()) + "\n", status)


class BodyTooLarge(Exception):
    """A request body over the limit."""


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, or BodyTooLarge beyond ``limit`` bytes (by Content-Length or as it streams in)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def create_witness_app(witness: Witness) -> Starlette:
    """The ASGI application serving ``witness``."""

    async def add_checkpoint(request: Request) -> Response:
        try:
            body = await read_limited(request, MAX_REQUEST_BYTES)
        except BodyTooLarge:
            return refusal_response(413, f"the body is over the limit of {MAX_REQUEST_BYTES} bytes")
        try:
            lines = witness.handle(body)
        except WitnessRefusal as refusal:
            if refusal.current_size is not None:
                return text_response(f"{refusal.current_size}\n", refusal.status, SIZE_MEDIA_TYPE)
            return refusal_response(refusal.status, refusal.reason)
        return text_response(lines)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return refusal_response(exc.status_code, str(exc.detail))

    async def internal_error(request: Request, exc: Exception) -> Response:
        return refusal_response(500, "internal error; nothing was cosigned")

    handlers: dict[Any, Any] = {HTTPException: http_error, Exception: internal_error}
    return Starlette(routes=[Route("/add-checkpoint", add_checkpoint, methods=["POST"])], exception_handlers=handlers)


def serve_witness(witness: Witness, *, host: str, port: int, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve the witness until interrupted; ``on_ready(url)`` once it listens."""
    try:
        sock = listening_socket(host, port)
    except OSError as exc:
        raise WitnessError(f"cannot listen on {host}:{port}: {exc.strerror or exc} (choose another --port)") from None
    server: uvicorn.Server = uvicorn_server(create_witness_app(witness))
    if on_ready is not None:
        on_ready(socket_url(sock))
    server.run(sockets=[sock])
