"""Partial updates: a field left out is left as it is.

``None`` is often a value of its own (nobody assigned, no due time), so "not given" needs its
own marker: a service's keyword defaults to UNCHANGED, and the API passes only what was sent.
"""

from typing import Any


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"

    def __bool__(self) -> bool:
        return False


UNCHANGED: Any = _Unchanged()
