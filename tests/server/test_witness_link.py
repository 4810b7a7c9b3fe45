"""The board's link to a witness (engine.server.witness_link): one kept-alive connection, opened again once
when the witness closed it meanwhile; no answer is WitnessUnreachable; URLs are checked."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from engine.board.cosigning import WitnessUnreachable
from engine.server.witness_link import MAX_ANSWER_BYTES, HttpWitnessLink, WitnessUrlError


def answer(body: bytes, status: str = "200 OK") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lengths = [line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")]
    length = int(lengths[0])
    while len(body) < length:
        body += conn.recv(65536)
    return body


@pytest.fixture
def witness() -> Iterator[tuple[str, list[tuple[int, bytes]]]]:
    """A stand-in witness that answers each connection's first request, then closes it without saying so."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    seen: list[tuple[int, bytes]] = []

    def run() -> None:
        for number in range(3):
            conn, _ = server.accept()
            with conn:
                body = read_request(conn)
                seen.append((number, body))
                conn.sendall(answer(b"\xe2\x80\x94 w cosig\n" if number < 2 else b"x" * (MAX_ANSWER_BYTES + 5)))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/", seen
    server.close()


def test_a_connection_the_witness_closed_is_opened_again(witness: tuple[str, list[tuple[int, bytes]]]) -> None:
    url, seen = witness
    link = HttpWitnessLink(url, timeout=10)
    try:
        assert link.post(b"old 0\n\nfirst") == (200, "text/plain; charset=utf-8", "\u2014 w cosig\n".encode())
        assert link.post(b"old 0\n\nsecond")[0] == 200
        status, _, body = link.post(b"old 0\n\nthird")
        assert status == 200 and len(body) == MAX_ANSWER_BYTES
    finally:
        link.close()
    assert seen == [(0, b"old 0\n\nfirst"), (1, b"old 0\n\nsecond"), (2, b"old 0\n\nthird")]


def test_no_witness_is_unreachable_and_urls_are_checked() -> None:
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    with pytest.raises(WitnessUnreachable, match="did not answer"):
        HttpWitnessLink(f"http://127.0.0.1:{port}", timeout=2).post(b"old 0\n\n")
    for url in ("ftp://w.example", "http://", "http://w.example:port"):
        with pytest.raises(WitnessUrlError):
            HttpWitnessLink(url)
