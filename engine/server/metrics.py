"""The board server's metrics, served at GET /metrics in the Prometheus text format (prometheus_client).

    ballotchain_submissions_accepted_total          submissions answered with a receipt (replays too)
    ballotchain_submissions_refused_total{reason,status}
                                                    refusals by reason: malformed (400), not_eligible
                                                    (403), conflict (409, a copy or a reused id or code,
                                                    voting closed), too_large (413), not_json (415),
                                                    invalid (422, a proof or check failed), over_cap
                                                    (429), error (500)
    ballotchain_batch_size                          submissions per group-commit batch (histogram)
    ballotchain_append_seconds                      a batch's durable append and signed head (histogram)
    ballotchain_log_entries                         entries in the log (the latest signed tree size)
    ballotchain_witness_seconds{outcome}            a witness's add-checkpoint round trip, cosigned or
                                                    refused (engine.board.cosigning; histogram)

Each server has its own registry (not the library's global one), so several boards in one process
(tests) keep separate counts.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from engine.board.board import BatchCommitted
from engine.board.cosigning import WitnessOutcome

REFUSAL_REASONS = {
    400: "malformed",
    403: "not_eligible",
    404: "not_found",
    409: "conflict",
    413: "too_large",
    415: "not_json",
    422: "invalid",
    429: "over_cap",
    500: "error",
}
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
APPEND_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
CONTENT_TYPE = CONTENT_TYPE_LATEST


def refusal_reason(status: int) -> str:
    return REFUSAL_REASONS.get(status, "other")


class BoardMetrics:
    """The counters, histograms and gauge of one board server (see module doc)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.accepted = Counter(
            "ballotchain_submissions_accepted",
            "Submissions answered with a receipt, once their batch is durable (exact replays included).",
            registry=self.registry,
        )
        self.refused = Counter(
            "ballotchain_submissions_refused",
            "Submissions refused, by reason (and HTTP status); nothing of them reached the log.",
            ["reason", "status"],
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "ballotchain_batch_size",
            "Submissions per group-commit batch (one transaction, one fsync, one signed head).",
            buckets=BATCH_BUCKETS,
            registry=self.registry,
        )
        self.append_seconds = Histogram(
            "ballotchain_append_seconds",
            "Seconds to append a batch durably and sign its head.",
            buckets=APPEND_BUCKETS,
            registry=self.registry,
        )
        self.log_entries = Gauge(
            "ballotchain_log_entries", "Entries in the log (the latest signed tree size).", registry=self.registry
        )
        self.witness_seconds = Histogram(
            "ballotchain_witness_seconds",
            "Seconds of a witness's add-checkpoint round trip, by outcome (cosigned or refused).",
            ["outcome"],
            buckets=APPEND_BUCKETS,
            registry=self.registry,
        )

    def accept(self) -> None:
        self.accepted.inc()

    def refuse(self, status: int) -> None:
        self.refused.labels(reason=refusal_reason(status), status=str(status)).inc()

    def observe_batch(self, batch: BatchCommitted) -> None:
        self.batch_size.observe(batch.submissions)
        self.append_seconds.observe(batch.seconds)
        self.log_entries.set(batch.tree_size)

    def observe_witness(self, outcome: WitnessOutcome) -> None:
        self.witness_seconds.labels(outcome="cosigned" if outcome.cosignature else "refused").observe(outcome.seconds)

    def set_log_size(self, size: int) -> None:
        self.log_entries.set(size)

    def render(self) -> bytes:
        """The metrics in the Prometheus text exposition format (version 0.0.4)."""
        return generate_latest(self.registry)
