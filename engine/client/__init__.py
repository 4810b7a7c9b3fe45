"""The voter's and the monitor's side of the board's HTTP JSON API (httpx).

``board_client`` speaks the API that ``engine.server`` serves and checks every signature and proof
the board gives against the election's fixed keys (board_keys.json, engine.board.election_keys): it
fetches and verifies the election, casts ballots (encrypted and signed on the voter's machine),
checks receipts and monitors the log. It reads the board's answers only through the API; from the
server package it shares the served election's type (``engine.server.service.Election``).
"""

from engine.client.board_client import (
    BoardCheckFailed,
    BoardClient,
    BoardClientError,
    BoardForked,
    CastResult,
    MonitorState,
    OnlineElection,
    ReceiptCheck,
    SignedSubmission,
    cast_ballot,
    check_receipt,
    fetch_election,
    load_json,
    monitor,
    prepare_submission,
    save_json,
    submit_signed,
)

__all__ = [
    "BoardCheckFailed",
    "BoardClient",
    "BoardForked",
    "BoardClientError",
    "CastResult",
    "MonitorState",
    "OnlineElection",
    "ReceiptCheck",
    "SignedSubmission",
    "cast_ballot",
    "check_receipt",
    "fetch_election",
    "load_json",
    "monitor",
    "prepare_submission",
    "save_json",
    "submit_signed",
]
