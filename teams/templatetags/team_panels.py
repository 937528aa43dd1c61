"""The team's panels of the war room (incidents/detail.html): roles, the checklist, the
stakeholders and the deadlines. Each asks the same context builder as its own htmx endpoint,
so the page and a refreshed panel never differ. The response schedule also shows on the
incident list (each open incident's next deadline) and the dashboard (overdue deadlines, the
public-silence clocks), and its times tick through ``countdown`` and ``elapsed``."""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

from incidents.models import Incident
from teams.models import Deadline
from teams.risks.views import incident_risks_context
from teams.schedule import selectors as schedule
from teams.stakeholders.views import incident_panel_context
from teams.views.incidents import checklist_context, roles_context
from teams.views.schedule import incident_deadlines_context

register = template.Library()


@register.inclusion_tag("teams/incidents/_roles.html", takes_context=True)
def roles_panel(context: template.Context, incident: Incident) -> dict[str, Any]:
    return roles_context(context["request"], incident)


@register.inclusion_tag("teams/incidents/_checklist.html", takes_context=True)
def checklist_panel(context: template.Context, incident: Incident) -> dict[str, Any]:
    return checklist_context(context["request"], incident)


@register.inclusion_tag("teams/risks/_incident_panel.html", takes_context=True)
def risks_panel(context: template.Context, incident: Incident) -> dict[str, Any]:
    return incident_risks_context(context["request"], incident)


@register.inclusion_tag("teams/stakeholders/_incident_panel.html", takes_context=True)
def stakeholders_panel(context: template.Context, incident: Incident) -> dict[str, Any]:
    return incident_panel_context(context["request"], incident)


@register.inclusion_tag("teams/schedule/_incident_panel.html", takes_context=True)
def deadlines_panel(context: template.Context, incident: Incident) -> dict[str, Any]:
    return incident_deadlines_context(context["request"], incident)


@register.inclusion_tag("teams/schedule/_overview.html", takes_context=True)
def schedule_overview(context: template.Context) -> dict[str, Any]:
    """The dashboard's view of the schedule: overdue deadlines, and how long each severe
    incident's public has waited for word (three queries)."""
    user = context["request"].user
    return {
        "overdue_count": schedule.overdue_count(user=user),
        "clocks": schedule.silence_clocks(user=user),
    }


@register.simple_tag
def next_deadlines(incidents: Iterable[Incident]) -> dict[int, Deadline]:
    """The soonest open deadline of each open incident of a list, in one query for the page."""
    return schedule.next_due_by_incident(
        incident_ids=[incident.pk for incident in incidents if incident.is_open]
    )


@register.inclusion_tag("teams/schedule/_next_due.html")
def next_due(deadlines: dict[int, Deadline], incident: Incident) -> dict[str, Any]:
    return {"deadline": deadlines.get(incident.pk)}


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@register.simple_tag
def countdown(at: datetime, alarm: bool = True) -> str:
    """The time left until ``at``, kept ticking by static/js/countdown.js; past it, how long
    ago — in red when ``alarm`` (a deadline missed, not a step about to fire)."""
    now = timezone.now()
    future, past = _("in %s"), (_("%s overdue") if alarm else _("%s ago"))
    missed = at <= now
    words = (past % timesince(at, now)) if missed else (future % timeuntil(at, now))
    return format_html(
        '<time class="countdown{}" datetime="{}" data-countdown data-future="{}" '
        'data-past="{}" data-alarm="{}">{}</time>',
        " text-danger fw-semibold" if missed and alarm else "",
        _iso(at),
        future,
        past,
        "1" if alarm else "",
        words,
    )


@register.simple_tag
def elapsed(since: datetime) -> str:
    """How long since ``since``, kept ticking by static/js/countdown.js."""
    return format_html(
        '<time class="elapsed" datetime="{}" data-elapsed>{}</time>',
        _iso(since),
        timesince(since),
    )


@register.filter
def minutes(value: int | None) -> str:
    """A policy's duration in words: 90 → "1 h 30 min"; none → "—"."""
    if value is None:
        return "—"
    sign = "-" if value < 0 else ""
    hours, rest = divmod(abs(int(value)), 60)
    if hours and rest:
        return _("%(sign)s%(h)d h %(m)d min") % {"sign": sign, "h": hours, "m": rest}
    if hours:
        return _("%(sign)s%(h)d h") % {"sign": sign, "h": hours}
    return _("%(sign)s%(m)d min") % {"sign": sign, "m": rest}
