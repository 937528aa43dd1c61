"""The drills' places on pages: the panel that starts a drill and lists those playing (the
drills page), a drill's targets (the drill run's page), and the drills a person took part in
(their page in the team)."""

from typing import Any

from django import template

from config.people import User
from drills import report, selectors
from drills.models import DrillRun
from drills.views.runs import drill_start_panel_context

register = template.Library()


@register.inclusion_tag("drills/runs/_start_panel.html", takes_context=True)
def drill_start_panel(context: template.Context) -> dict[str, Any]:
    """The drills page's panel: drills playing now, and starting one from a scenario."""
    return drill_start_panel_context(context["request"])


@register.inclusion_tag("drills/reports/_panel.html")
def drill_report_panel(run: DrillRun) -> dict[str, Any]:
    """A drill's targets with their badges and a link to its full report (on the drill run's
    page): the kept report once finished, measured now while it runs."""
    return {"run": run, "report": report.drill_report_shown(run)}


PERSON_DRILLS = 5


@register.inclusion_tag("drills/_person.html", takes_context=True)
def person_drills(context: template.Context, person: User) -> dict[str, Any]:
    """The latest drills the person took part in."""
    drills = selectors.drills(user=context["request"].user).filter(participants=person)
    return {"drills": list(drills[:PERSON_DRILLS])}
