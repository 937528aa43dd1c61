"""The postmortem's places on other pages: its panel in the war room (incidents/detail.html),
the open action items on the dashboard, whether closing the incident still needs a waiver; and
the filters its pages show the facts with."""

from datetime import datetime
from typing import Any

from django import template
from django.utils.translation import gettext as _

from incidents.models import Incident
from postmortems import selectors
from postmortems.durations import duration_words
from postmortems.measures import ImageRecovery
from postmortems.models import Postmortem
from postmortems.views import war_room_panel_context

register = template.Library()


@register.inclusion_tag("postmortems/_war_room_panel.html", takes_context=True)
def postmortem_panel(context: template.Context, incident: Incident) -> dict[str, Any]:
    return {"request": context["request"], **war_room_panel_context(context["request"], incident)}


@register.inclusion_tag("postmortems/_dashboard_action_items.html", takes_context=True)
def action_items_overview(context: template.Context) -> dict[str, Any]:
    """How many action items are open and overdue (one query)."""
    return selectors.action_item_counts(user=context["request"].user)


@register.simple_tag
def waiver_needed(incident: Incident, needs_waiver: bool) -> bool:
    """A severe incident closes without a waiver once its postmortem is published."""
    if not needs_waiver:
        return False
    return not Postmortem.objects.filter(
        incident_id=incident.pk, status=Postmortem.Status.PUBLISHED
    ).exists()


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds in words: 5400 → "1 h 30 min"; 40 → "40 s"; none → "—"."""
    return duration_words(seconds)


@register.filter
def iso_time(value: str | None) -> datetime | None:
    """A time the facts keep as ISO text, for the date filter."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@register.filter
def share(value: float | None) -> str:
    """0.75 → "75 %"; none → "—"."""
    if value is None or value == "":
        return "—"
    return f"{round(float(value) * 100)} %"


@register.filter
def recovery_phases(recovery: ImageRecovery | None) -> list[dict[str, Any]]:
    """The image recovery's days by phase (before, during, after): how many days, how many
    mentions, and mentions a day."""
    labels = {"before": _("Before"), "during": _("During"), "after": _("After")}
    days = recovery["days"] if recovery else []
    rows = []
    for phase, label in labels.items():
        counts = [day["count"] for day in days if day["phase"] == phase]
        rows.append(
            {
                "label": label,
                "days": len(counts),
                "mentions": sum(counts),
                "per_day": sum(counts) / len(counts) if counts else 0,
            }
        )
    return rows


@register.filter
def drill_duration(seconds: float | None) -> str:
    """A drill's measured time to the second: 190 → "3 min 10 s"; none → "—"."""
    return duration_words(seconds, to_the_second=True)
