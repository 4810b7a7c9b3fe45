"""The ids a listing of the record has named so far (R.cast_set, R.chain_cover), as the checks ask for them."""

from __future__ import annotations

from typing import Protocol


class ListedIds(Protocol):
    """A set of ids: a Python set, or engine.verify.ballot_table's rows when the listing is as long as the ballots."""

    def __contains__(self, ballot_id: object, /) -> bool: ...

    def add(self, ballot_id: str, /) -> None: ...
