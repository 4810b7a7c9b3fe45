"""Running the board's server with uvicorn, and the lock that keeps one process on a board database.

While a board is served, its database is locked (an advisory ``flock`` on ``<db>.lock``): a second
server, or ``board close`` / ``board export``, refuses to run on it, so no entry is ever appended
behind the back of a serving process (which would, e.g., accept ballots after the close).
The lock disappears with the process, however it ends (even SIGKILL).

Stopping: SIGTERM (what service managers send) and SIGINT (Ctrl-C) both stop the server cleanly:
uvicorn answers the requests in flight, then the proof-checking processes are shut down and the
database closed. A server killed outright (SIGKILL, OOM) runs no cleanup; its checking processes
notice their parent is gone and exit on their own (engine.server.checker), so nothing is left
behind either way.

``serving_in_thread`` runs any ASGI app (a board's, or a test's stand-in for a dishonest board) with
uvicorn on a loopback port in a background thread: tests and fuzzers talk to it over real HTTP.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import uvicorn

from engine.board.board import DEFAULT_MAX_SUBMISSIONS_PER_DID
from engine.board.sequencer import GroupCommit
from engine.board.sth import BoardKey
from engine.credentials.roster import SignedRoster
from engine.server.app import Limits, create_app
from engine.server.logs import configure_logging, log_event
from engine.server.published_record import PublishedRecord
from engine.server.service import BoardService, Election, ServiceError
from engine.server.witness_link import witness_links

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]


def lock_path(db: Path) -> Path:
    return Path(f"{db}.lock")


@contextlib.contextmanager
def board_lock(db: Path, what: str) -> Iterator[None]:
    """Hold the board database's lock for the block; ServiceError if another process holds it."""
    path = lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ServiceError(
                    f"{db}: the board is in use by another process (a server?); stop it before {what}"
                ) from None
        yield
    finally:
        os.close(fd)


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound and listening on (host, port); port 0 picks a free one.

    Made with proto IPPROTO_TCP (as getaddrinfo gives): asyncio then sets TCP_NODELAY on every
    accepted connection, without which a keep-alive answer written in two parts waits for the
    client's delayed ACK (40 ms a request).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def socket_url(sock: socket.socket) -> str:
    """http://host:port of a listening socket."""
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    return f"http://{shown}:{bound_port}"


def uvicorn_server(app: Any, *, own_logging: bool = False) -> uvicorn.Server:
    """A uvicorn server for ``app``; with ``own_logging`` uvicorn leaves the logging set up as it is
    (engine.server.logs) instead of installing its own handlers."""
    extra: dict[str, Any] = {"log_config": None} if own_logging else {}
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_keep_alive=30, lifespan="off", **extra)
    return uvicorn.Server(config)


class Stopped(BaseException):
    """SIGTERM asked the server to stop (raised by the handler of stop_on_sigterm, caught by it)."""


@contextlib.contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """For the block, in the main thread, SIGTERM stops the server as SIGINT does, cleanly.

    While uvicorn runs, its own handler takes SIGTERM (it finishes the requests in flight), and then
    raises the signal again once it has stopped: this block's handler turns that, or a SIGTERM before
    uvicorn started, into ``Stopped``, which unwinds the block's cleanup (the checking processes, the
    database, the lock) and ends here. Further SIGTERMs during that cleanup are ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        log_event(logging.INFO, "stopping on SIGTERM", event="stopping", signal="SIGTERM")
        raise Stopped()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    except Stopped:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def serving_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0, *, timeout: float = 60.0) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a background thread for the block; its URL. The socket listens before
    the block starts, so requests made at once wait in its backlog until uvicorn takes them."""
    sock = listening_socket(host, port)
    server = uvicorn_server(app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="ballotchain-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise ServiceError(f"the server on {socket_url(sock)} did not start")
            time.sleep(0.005)
        yield socket_url(sock)
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()


def serve(
    election: Election,
    roster: SignedRoster,
    db: Path,
    board_key: BoardKey,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    check_workers: int = 0,
    max_submissions_per_did: int = DEFAULT_MAX_SUBMISSIONS_PER_DID,
    group_commit: GroupCommit | None = None,
    log_format: str = "text",
    limits: Limits | None = None,
    on_ready: Callable[[str], None] | None = None,
    witness_urls: tuple[str, ...] = (),
    published: PublishedRecord | None = None,
) -> None:
    """Serve the board until interrupted (SIGINT/SIGTERM); ``on_ready(url)`` once it listens. Its checkpoints
    are cosigned by the witnesses at ``witness_urls`` (engine.server.board_witnessing); ``published`` is the
    election's record once decrypted, served with its results (engine.server.published_record).

    The port is taken first, before the board's lock or database is opened or made: a busy port leaves
    nothing behind. SIGTERM stops it as SIGINT does (stop_on_sigterm). ``group_commit`` sets the board's
    batches; ``log_format`` "json" writes JSON lines on stderr (engine.server.logs).
    """
    own_logging = log_format != "text"
    if own_logging:
        configure_logging(log_format)
    with stop_on_sigterm(), board_socket(host, port) as sock, board_lock(db, "serving it again"):
        service = BoardService(
            election,
            roster,
            db,
            board_key,
            check_workers=check_workers,
            group_commit=group_commit,
            max_submissions_per_did=max_submissions_per_did,
            witness_links=witness_links(witness_urls),
        )
        try:
            service.checker.warm_up()
            server = uvicorn_server(create_app(service, limits, published=published), own_logging=own_logging)
            if on_ready is not None:
                on_ready(socket_url(sock))
            log_event(
                logging.INFO,
                "serving",
                event="serving",
                url=socket_url(sock),
                db=str(db),
                check_workers=check_workers,
                worker_pids=service.checker.worker_pids(),
            )
            server.run(sockets=[sock])
        finally:
            service.close()
            log_event(logging.INFO, "stopped", event="stopped")


@contextlib.contextmanager
def board_socket(host: str, port: int) -> Iterator[socket.socket]:
    """The listening socket for the block; ServiceError naming host:port if it cannot be had."""
    try:
        sock = listening_socket(host, port)
    except OSError as exc:
        shown = f"[{host}]" if ":" in host else host
        raise ServiceError(
            f"cannot listen on {shown}:{port}: {exc.strerror or exc} (another server there? choose another --port)"
        ) from None
    try:
        yield sock
    finally:
        sock.close()
