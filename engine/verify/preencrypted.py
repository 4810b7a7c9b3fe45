"""Verifications 15-18 (pre-encrypted ballots), spec 2.0.0 section 6.2.8: not implemented.

This engine neither makes nor checks pre-encrypted ballots (spec 4). A record without them makes
15-18 "not applicable"; a record with them gets "not checked" for each, never "passed", so that
the report (and the exit code) cannot claim a verification that was not made.
"""

from __future__ import annotations

from engine.verify.catalog import PREENCRYPTED_CHECKS
from engine.verify.report import Recorder


def verify_preencrypted(rec: Recorder, preencrypted_ballots: int) -> frozenset[str]:
    """The check ids to report as "not checked" (all four when the record has such ballots)."""
    if preencrypted_ballots == 0:
        return frozenset()
    for check_id in PREENCRYPTED_CHECKS:
        rec.note(
            check_id,
            f"the record has {preencrypted_ballots} pre-encrypted ballot(s); they are not verified",
        )
    return frozenset(PREENCRYPTED_CHECKS)
