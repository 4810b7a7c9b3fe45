"""The verifier of ElectionGuard 1.0 records (electionguard-python 1.x): checks V1.1-V1.12 of
engine.verify.catalog.V1_CHECKS, in the report format of the 2.0 checks."""

from engine.verify.v1.runner import verify_v1_record

__all__ = ["verify_v1_record"]
