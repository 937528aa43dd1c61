"""Reading the risk register: the list with its scores, and the 5 x 5 heat map."""

from typing import Any

from django.db.models import Count, F, QuerySet

from config.people import AnyUser
from incidents.rehearsals import real_q
from teams.models import Risk
from teams.models.risk_rules import SCALE


def risks(*, user: AnyUser) -> QuerySet[Risk]:
    """Every risk with its score and how many incidents realised it (anyone signed in reads
    the register); a drill that named it was a rehearsal, not the risk happening."""
    return (
        Risk.objects.select_related("owner")
        .annotate(
            score_value=F("likelihood") * F("impact"),
            realised=Count("incidents", filter=real_q("incidents")),
        )
        .order_by("-score_value", "review_at", "pk")
    )


def risk_heat_map(queryset: QuerySet[Risk]) -> list[list[dict[str, Any]]]:
    """Rows from likelihood 5 down to 1, each with its cells for impact 1 to 5, each cell
    listing its risks (retired ones are left out by the caller's queryset)."""
    cells: dict[tuple[int, int], list[Risk]] = {}
    for risk in queryset:
        cells.setdefault((risk.likelihood, risk.impact), []).append(risk)
    return [
        [
            {
                "likelihood": likelihood,
                "impact": impact,
                "risks": cells.get((likelihood, impact), []),
            }
            for impact in SCALE
        ]
        for likelihood in reversed(SCALE)
    ]


def risks_listened_for() -> QuerySet[Risk]:
    """The risks whose watch terms the listening looks for to suggest their playbook: not
    retired, with watch terms, and a playbook still offered."""
    return (
        Risk.objects.exclude(status=Risk.Status.RETIRED)
        .exclude(watch_terms=[])
        .filter(playbook__isnull=False, playbook__archived_at__isnull=True)
        .select_related("playbook")
        .order_by("pk")
    )
