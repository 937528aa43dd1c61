"""Real or rehearsal: the one place that tells a drill's rows from the real ones.

A drill is played on a desk of its own (an incident numbered DRILL-…, a drill account, its
posts), and every figure — the dashboard, the lists, the risk register, a postmortem's facts —
counts only what really happened. Each model whose figures leave drills out has a queryset
built on ``RehearsalQuerySet`` that names, once, the path from its rows to the incident or
account that is a drill's (``drill_via``); the figures ask ``.real()`` (or ``.rehearsals()``),
never the flag itself. This module, and the drills, are the only places that read it.
"""

from typing import ClassVar, Self, TypeVar

from django.db import models
from django.db.models import Q

_M = TypeVar("_M", bound=models.Model)

DRILL_FLAG = "is_drill"


def _flag(path: str) -> str:
    return f"{path}__{DRILL_FLAG}" if path else DRILL_FLAG


def real_q(path: str = "") -> Q:
    """The condition that what ``path`` leads to (an incident or an account, the row itself
    when empty) is real: for a count or a filter across a relation that has no queryset of its
    own, e.g. ``Count("incidents", filter=real_q("incidents"))``."""
    return Q(**{_flag(path): False})


class RehearsalQuerySet(models.QuerySet[_M]):
    """Rows of real crises or of drills; ``drill_via`` leads from a row to the incident or
    account that says (empty: the row itself)."""

    drill_via: ClassVar[str] = ""

    def real(self) -> Self:
        """What really happened: a drill's rows left out (a row that leads to no incident, a
        deadline of none, is no drill's)."""
        return self.exclude(self._rehearsal())

    def rehearsals(self) -> Self:
        """Only a drill's rows."""
        return self.filter(self._rehearsal())

    def _rehearsal(self) -> Q:
        return Q(**{_flag(self.drill_via): True})

    def _is_rehearsal(self, row: _M) -> bool:
        value: object = row
        for name in _flag(self.drill_via).split("__"):
            value = getattr(value, name)
        return bool(value)


def is_rehearsal(row: models.Model) -> bool:
    """Whether one row is a drill's, by the same rule as its model's ``rehearsals()``."""
    queryset = type(row)._default_manager.all()
    if not isinstance(queryset, RehearsalQuerySet):
        raise TypeError(f"{type(row).__name__} does not tell a drill's rows from real ones.")
    return queryset._is_rehearsal(row)
