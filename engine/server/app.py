"""The ballot-casting server: an HTTP JSON API over the bulletin board (Starlette, run by uvicorn).

    GET  /election                      the election: its record files, H_E, K, H_M, the board's key
    GET  /roster                        the registrar's signed roster of eligible DIDs
    POST /ballots                       {"ballot": egk eballot JSON, "did": "did:key:z...",
                                         "signature": hex or base64, "contest_data_proofs":
                                         [{"challenge": hex, "response": hex}, one per contest],
                                         optionally "proof_commitments": the range proofs' commitments}
                                        -> the receipt
    GET  /sth                           the latest signed tree head
    GET  /checkpoint                    the same head as a c2sp.org/tlog-checkpoint signed note (text)
    GET  /proof/inclusion?index=&size=  the audit path of leaf ``index`` in the tree of ``size``
    GET  /proof/consistency?old=&new=   the proof that the tree of ``new`` extends the one of ``old``
    GET  /entries?start=&end=           entries from start on, before end (canonical bytes, base64): at
                                        most a page, in entries and in bytes; the answer's end is where
                                        the next page starts
    GET  /openapi.json                  this API's OpenAPI 3.0 description (engine.server.openapi)
    GET  /metrics                       the server's metrics, Prometheus text format (engine.server.metrics)

Every answer is a JSON object; a refusal is ``{"error": reason}`` with a 4xx status: 400 for a
malformed request (bad JSON, unknown or missing fields, a value out of its range, an element not
in 0..p-1), 413 for a body over the limit, 415 for a body that is not JSON, 403/409/422 as the
board decides (a DID not on the roster or a bad signature; a ballot id taken; a ballot whose
proofs do not verify, or whose contest data proofs are missing, extra or do not verify, naming the
contest). Nothing that is refused reaches the log. A body's JSON is checked for depth
before it is parsed (engine.record.jsonio.loads): a deeply nested body is a 400, never a 500.

Decoding a ballot and checking its proofs are CPU heavy: a body goes whole to the board's checking
processes (``check_body``, engine.server.checker), which parse it once and check it with the others
queued (in one randomized batch for those that carry their proof commitments, spec 2.0.0 eq. 46; they
are not logged and not signed); the event loop only waits for the verdict. A checked submission then
waits in a worker thread for its group-commit batch to be durable
(engine.board.sequencer): ``Limits.submitters`` bounds the submissions in flight, and so the batches.
Every answer to POST /ballots is counted in the metrics (accepted, or refused by reason) and every
refusal is logged (engine.server.logs).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from engine.election import EncryptedBallot
from engine.errors import GroupError
from engine.group import ElementModQ, Group
from engine.manifest import Manifest
from engine.proofs.pad_knowledge import PadKnowledgeProof
from engine.proofs.proof_commitments import BallotCommitments
from engine.record import RecordError
from engine.record.codecs.encrypted_ballot import decode_encrypted_ballot
from engine.record.codecs.proof_commitments import decode_ballot_commitments
from engine.record.jsonio import loads
from engine.server.errors import ApiError
from engine.server.logs import board_logger, log_event
from engine.server.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from engine.server.metrics import BoardMetrics, refusal_reason
from engine.server.openapi import BallotShape, openapi_document
from engine.server.published_record import PublishedRecord
from engine.server.web_routes import web_routes

MAX_BODY_BYTES = 1 << 20
MAX_PAGE_ENTRIES = 1000
MAX_PAGE_BYTES = 1 << 20
SUBMISSION_KEYS = frozenset({"ballot", "did", "signature", "contest_data_proofs"})
OPTIONAL_SUBMISSION_KEYS = frozenset({"proof_commitments"})
PROOF_KEYS = frozenset({"challenge", "response"})
MAX_DID_LENGTH = 200
_INTEGER = re.compile(r"[0-9]{1,18}")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_HEX_DIGITS = re.compile(r"[0-9a-fA-F]+")
_Decoded = TypeVar("_Decoded")
JSON_TYPES = ("application/json",)


@dataclass(frozen=True)
class Submission:
    """A voter's submission as it arrives: the encrypted ballot, the voter's DID and signature, the proofs
    of knowledge of the contest data nonces (one per contest, in the ballot's order), and optionally the
    commitments of the ballot's range proofs (spec 2.0.0 eq. 46; for batch checking, neither logged nor signed)."""

    ballot: EncryptedBallot
    did: str
    signature: bytes
    contest_data_proofs: tuple[PadKnowledgeProof, ...]
    proof_commitments: BallotCommitments | None = None


class BoardApi(Protocol):
    """What the HTTP layer needs of the board (engine.server.service.BoardService implements it).

    Methods run in worker threads; they raise ApiError for a refusal.
    """

    group: Group
    manifest: Manifest

    def election_document(self) -> dict[str, Any]: ...

    def roster_document(self) -> dict[str, Any]: ...

    def submit(self, submission: Submission) -> dict[str, Any]: ...

    def sth_document(self) -> dict[str, Any]: ...

    def checkpoint_note(self) -> bytes: ...

    def inclusion_document(self, index: int, size: int) -> dict[str, Any]: ...

    def consistency_document(self, old: int, new: int) -> dict[str, Any]: ...

    def entries_document(self, start: int, end: int, max_bytes: int) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Limits:
    """max_body: bytes of a request body; page: entries per /entries answer; page_bytes: bytes of base64
    entries per /entries answer (one entry is sent whatever its size); submitters: submissions being
    checked or waiting for their batch at once (more wait: it bounds the bodies held); readers: concurrent
    read requests in threads."""

    max_body: int = MAX_BODY_BYTES
    page: int = MAX_PAGE_ENTRIES
    page_bytes: int = MAX_PAGE_BYTES
    submitters: int = 64
    readers: int = 16


def json_response(document: dict[str, Any], status: int = 200) -> Response:
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Response(body, status_code=status, media_type="application/json")


def error_response(status: int, reason: str) -> Response:
    return json_response({"error": " ".join(reason.split())}, status)


# ---------------------------------------------------------------- request parsing


def query_integers(request: Request, *names: str) -> list[int]:
    """The named query parameters as non-negative integers; any other parameter is refused."""
    params = request.query_params
    unknown = sorted(set(params.keys()) - set(names))
    if unknown:
        raise ApiError(400, f"unknown query parameter {unknown[0]!r}; expected {', '.join(names)}")
    out = []
    for name in names:
        values = params.getlist(name)
        if len(values) != 1:
            raise ApiError(400, f"the query parameter {name!r} is needed exactly once")
        if not _INTEGER.fullmatch(values[0]):
            raise ApiError(400, f"the query parameter {name!r} must be a non-negative integer, not {values[0][:20]!r}")
        out.append(int(values[0]))
    return out


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 beyond ``limit`` bytes (by Content-Length or as it streams in)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, "the Content-Length header is not a number")
        if int(declared) > limit:
            raise ApiError(413, f"the body has {int(declared)} bytes; the limit is {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def require_json(request: Request) -> None:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in JSON_TYPES:
        raise ApiError(415, f"the body must be application/json, not {media or 'untyped'}")


def decode_signature(value: Any) -> bytes:
    """An Ed25519 signature: 64 bytes as 128 hex digits or as base64 (standard or URL-safe)."""
    if not isinstance(value, str):
        raise ApiError(400, "signature: expected a string (hex or base64)")
    if len(value) == 128 and _HEX.fullmatch(value):
        return bytes.fromhex(value)
    try:
        padded = value + "=" * (-len(value) % 4)
        alphabet = b"-_" if ("-" in value or "_" in value) else None
        raw = base64.b64decode(padded, altchars=alphabet, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "signature: neither 128 hex digits nor base64") from None
    if len(raw) != 64:
        raise ApiError(400, f"signature: an Ed25519 signature has 64 bytes, not {len(raw)}")
    return raw


def decode_contest_data_proofs(value: Any, ballot: EncryptedBallot, group: Group) -> tuple[PadKnowledgeProof, ...]:
    """The proofs, each an object of exactly challenge and response (hex, either case, at most 2 l_q digits,
    below q). How many there are and whether they verify is the board's check (422, naming the contest)."""
    if not isinstance(value, list):
        raise ApiError(400, "contest_data_proofs: expected a list with one proof per contest of the ballot")
    return tuple(_contest_data_proof(item, i, ballot, group) for i, item in enumerate(value))


def _contest_data_proof(item: Any, i: int, ballot: EncryptedBallot, group: Group) -> PadKnowledgeProof:
    contest = f" (contest {ballot.contests[i].contest_id!r})" if i < len(ballot.contests) else ""
    where = f"contest_data_proofs[{i}]{contest}"
    if not isinstance(item, dict) or set(item) != PROOF_KEYS:
        raise ApiError(400, f"{where}: expected an object with exactly challenge and response")
    return PadKnowledgeProof(*(_element_q(item[key], group, f"{where}.{key}") for key in ("challenge", "response")))


def _element_q(value: Any, group: Group, where: str) -> ElementModQ:
    most = 2 * group.q_bytes
    if not isinstance(value, str) or not 0 < len(value) <= most or not _HEX_DIGITS.fullmatch(value):
        raise ApiError(400, f"{where}: expected at most {most} hex digits")
    try:
        return group.element_q(int(value, 16))
    except GroupError:
        raise ApiError(400, f"{where}: not an integer mod q (0..q-1) of group {group.name}") from None


def parse_submission(body: bytes, group: Group) -> Submission:
    """The submission in a POST /ballots body, strictly: exactly the four fields (and optionally
    proof_commitments), each well formed."""
    try:
        obj = loads(body, "body")
    except RecordError as exc:
        raise ApiError(400, exc.problem) from None
    if not isinstance(obj, dict):
        raise ApiError(400, "the body must be a JSON object with ballot, did, signature and contest_data_proofs")
    keys = set(obj)
    if keys - OPTIONAL_SUBMISSION_KEYS != SUBMISSION_KEYS:
        missing = sorted(SUBMISSION_KEYS - keys)
        unknown = sorted(keys - SUBMISSION_KEYS - OPTIONAL_SUBMISSION_KEYS)
        parts = ([f"missing field {', '.join(missing)}"] if missing else []) + (
            [f"unknown field {', '.join(repr(k) for k in unknown)}"] if unknown else []
        )
        raise ApiError(400, "; ".join(parts))
    did = obj["did"]
    if not isinstance(did, str) or not did or len(did) > MAX_DID_LENGTH:
        raise ApiError(400, f"did: expected a DID string of at most {MAX_DID_LENGTH} characters")
    signature = decode_signature(obj["signature"])
    ballot = _strictly_decoded(lambda notes: decode_encrypted_ballot(obj["ballot"], group, "ballot", notes))
    proofs = decode_contest_data_proofs(obj["contest_data_proofs"], ballot, group)
    commitments = None
    if "proof_commitments" in obj:
        commitments = _strictly_decoded(
            lambda notes: decode_ballot_commitments(obj["proof_commitments"], group, "proof_commitments", notes)
        )
    return Submission(ballot, did, signature, proofs, commitments)


def _strictly_decoded(decode: Callable[[list[str]], _Decoded]) -> _Decoded:
    """A part of the body read by its record codec, strictly: what the codec refuses, or an unknown field it
    would skip in a record, is a 400 naming where."""
    notes: list[str] = []
    try:
        value = decode(notes)
    except RecordError as exc:
        where = f"{exc.file}.{exc.field}" if exc.field else exc.file
        raise ApiError(400, f"{where}: {exc.problem}") from None
    if notes:
        raise ApiError(400, notes[0].replace("unknown field skipped", "unknown field"))
    return value


# ---------------------------------------------------------------- the application


def create_app(
    board: BoardApi,
    limits: Limits | None = None,
    metrics: BoardMetrics | None = None,
    published: PublishedRecord | None = None,
) -> Starlette:
    """The ASGI application serving ``board``; its metrics are ``metrics``, else the board's own (a
    ``metrics`` attribute, as BoardService has), else new ones; ``published``, the election's record once
    decrypted (engine.server.published_record)."""
    limits = limits or Limits()
    counts: BoardMetrics = metrics or getattr(board, "metrics", None) or BoardMetrics()
    api_description = openapi_document(
        max_body=limits.max_body,
        page=limits.page,
        page_bytes=limits.page_bytes,
        max_did=MAX_DID_LENGTH,
        shape=BallotShape.of(board.manifest, board.group),
    )
    submit_limiter = anyio.CapacityLimiter(limits.submitters)
    submit_threads = ThreadPoolExecutor(limits.submitters, thread_name_prefix="ballotchain-submit")
    read_limiter = anyio.CapacityLimiter(limits.readers)

    async def in_thread(func: Any, *args: Any, limiter: anyio.CapacityLimiter = read_limiter) -> Any:
        return await anyio.to_thread.run_sync(func, *args, limiter=limiter)

    async def election(request: Request) -> Response:
        query_integers(request)
        return json_response(await in_thread(board.election_document))

    async def roster(request: Request) -> Response:
        query_integers(request)
        return json_response(await in_thread(board.roster_document))

    async def submit(request: Request) -> Response:
        try:
            query_integers(request)
            require_json(request)
            body = await read_body(request, limits.max_body)
            check_body = getattr(board, "check_body", None)
            submit_checked = getattr(board, "submit_checked", None)
            if check_body is not None and submit_checked is not None:
                async with submit_limiter:  # the bodies being checked and waiting for their batch
                    checked = await asyncio.wrap_future(check_body(body))
                    # waits there for its batch (engine.board.sequencer); a plain executor is the cheaper hop
                    receipt = await asyncio.get_running_loop().run_in_executor(submit_threads, submit_checked, checked)
            else:

                def parse_and_submit() -> dict[str, Any]:
                    return board.submit(parse_submission(body, board.group))

                receipt = await in_thread(parse_and_submit, limiter=submit_limiter)
        except ApiError as exc:
            counts.refuse(exc.status)
            log_event(
                logging.INFO,
                "submission refused",
                event="refused",
                status=exc.status,
                reason=refusal_reason(exc.status),
                detail=exc.reason,
            )
            raise
        except Exception:
            counts.refuse(500)
            raise
        counts.accept()
        return json_response(receipt)

    async def sth(request: Request) -> Response:
        query_integers(request)
        return json_response(await in_thread(board.sth_document))

    async def checkpoint(request: Request) -> Response:
        query_integers(request)
        return Response(await in_thread(board.checkpoint_note), media_type="text/plain")

    async def inclusion(request: Request) -> Response:
        index, size = query_integers(request, "index", "size")
        return json_response(await in_thread(board.inclusion_document, index, size))

    async def consistency(request: Request) -> Response:
        old, new = query_integers(request, "old", "new")
        return json_response(await in_thread(board.consistency_document, old, new))

    async def entries(request: Request) -> Response:
        start, end = query_integers(request, "start", "end")
        if end < start:
            raise ApiError(400, f"end {end} is before start {start}")
        end = min(end, start + limits.page)
        return json_response(await in_thread(board.entries_document, start, end, limits.page_bytes))

    async def openapi(request: Request) -> Response:
        query_integers(request)
        return json_response(api_description)

    async def metrics_text(request: Request) -> Response:
        query_integers(request)
        return Response(await in_thread(counts.render), media_type=METRICS_CONTENT_TYPE)

    async def index(request: Request) -> Response:
        return json_response(
            {
                "service": "ballotchain bulletin board",
                "endpoints": [
                    "GET /election",
                    "GET /roster",
                    "POST /ballots",
                    "GET /sth",
                    "GET /checkpoint",
                    "GET /proof/inclusion?index=&size=",
                    "GET /proof/consistency?old=&new=",
                    f"GET /entries?start=&end= (at most {limits.page} entries and {limits.page_bytes} bytes a page)",
                    "GET /openapi.json",
                    "GET /metrics",
                ],
            }
        )

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.reason)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error_response(exc.status_code, str(exc.detail))

    async def internal_error(request: Request, exc: Exception) -> Response:
        board_logger().error("internal error", exc_info=exc, extra={"fields": {"event": "error"}})
        return error_response(500, "internal error; nothing was acknowledged")

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/election", election, methods=["GET"]),
        Route("/roster", roster, methods=["GET"]),
        Route("/ballots", submit, methods=["POST"]),
        Route("/sth", sth, methods=["GET"]),
        Route("/checkpoint", checkpoint, methods=["GET"]),
        Route("/proof/inclusion", inclusion, methods=["GET"]),
        Route("/proof/consistency", consistency, methods=["GET"]),
        Route("/entries", entries, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/metrics", metrics_text, methods=["GET"]),
        *web_routes(published),
    ]
    return BoardApp(
        submit,
        api_error,
        internal_error,
        routes=routes,
        exception_handlers={ApiError: api_error, HTTPException: http_error, Exception: internal_error},
    )


Endpoint = Callable[[Request], Awaitable[Response]]
ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]


class BoardApp(Starlette):
    """The board's Starlette application, whose hot route, POST /ballots, is served without Starlette's middleware
    stack and router: its endpoint is called directly, its ApiError answered by the API's error handler and any
    other exception by the internal-error handler (then raised on to the server), as the stack would. Every other
    request goes through Starlette."""

    def __init__(self, submit: Endpoint, api_error: ErrorHandler, internal_error: ErrorHandler, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._submit = submit
        self._api_error = api_error
        self._internal_error = internal_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/ballots" or scope["root_path"]:
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        request = Request(scope, receive, send)
        try:
            response = await self._submit(request)
        except ApiError as exc:
            response = await self._api_error(request, exc)
        except Exception as exc:
            await (await self._internal_error(request, exc))(scope, receive, send)
            raise
        await response(scope, receive, send)
