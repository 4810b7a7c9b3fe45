"""The board server's logs on stderr: plain text (warnings only, as before) or, with ``--log-format json``,
one JSON object a line for the tools that collect logs.

Every line has ``time`` (UTC, ISO 8601, milliseconds), ``level``, ``logger`` and ``message``; an event
adds its own fields (``event``: serving, refused, batch, stopping, stopped; ``status`` and ``reason`` of
a refusal; ``size``, ``accepted`` and ``seconds`` of a batch; ``url``; ``error`` with a traceback).
JSON lines are at level INFO (batches at DEBUG); uvicorn's own messages go through the same handler.
"""

from __future__ import annotations

import datetime
import json
import logging
import sys
from typing import Any

LOGGER = "ballotchain.board"
LOG_FORMATS = ("text", "json")
_HANDLED = (LOGGER, "uvicorn", "uvicorn.error")
_FIELDS = "fields"


def board_logger() -> logging.Logger:
    return logging.getLogger(LOGGER)


def log_event(level: int, message: str, **fields: Any) -> None:
    """Log ``message`` with the event's fields (kept as JSON keys in the json format)."""
    board_logger().log(level, message, extra={_FIELDS: fields})


class JsonLines(logging.Formatter):
    """A log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc)
        out: dict[str, Any] = {
            "time": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, _FIELDS, None)
        if isinstance(fields, dict):
            out.update({k: v for k, v in fields.items() if k not in out})
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, separators=(",", ":"), ensure_ascii=False, default=str)


def configure_logging(log_format: str = "text") -> None:
    """Send the board's and uvicorn's logs to stderr in ``log_format`` (text: warnings; json: INFO and up)."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"the log format is one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonLines())
        level = logging.INFO
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        level = logging.WARNING
    for name in _HANDLED:
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = False
        logger.setLevel(level)
