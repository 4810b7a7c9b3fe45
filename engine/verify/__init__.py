"""The election verifier: spec 2.0.0 section 6 over a published election record.

``verify_record(record_dir, jobs=N, progress=callback)`` returns a ``Report``: per check id (the
spec's sub-checks, e.g. "5.B", and record-consistency checks "R.*") the items checked, passed and
failed, the seconds spent, and findings naming the file, ballot, contest and selection. It never
prints. It imports only engine.group, hash, elgamal, proofs, manifest, election and record: never
the code that produced the record.
"""

from engine.verify.catalog import CHECKS
from engine.verify.report import CheckResult, Finding, Report, Status
from engine.verify.runner import ProgressCallback, verify_record

__all__ = ["CHECKS", "CheckResult", "Finding", "ProgressCallback", "Report", "Status", "verify_record"]
