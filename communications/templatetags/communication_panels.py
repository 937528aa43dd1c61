"""The communications panel of the war room (incidents/detail.html): the incident's messages,
asked from the same context builder as the panel's own htmx endpoint."""

from typing import Any

from django import template

from communications.views.briefings import briefing_panel_context
from communications.views.listening import (
    incident_volume_context,
    listening_dashboard_context,
    risk_volume_context,
)
from communications.views.panel import incident_now_context, incident_panel_context
from communications.views.playbooks import playbook_panel_context
from incidents.models import Incident
from teams.models import Risk

register = template.Library()


@register.inclusion_tag("communications/_incident_panel.html", takes_context=True)
def communications_panel(context: template.Context, incident: Incident) -> dict[str, Any]:
    return incident_panel_context(context["request"], incident)


@register.inclusion_tag("communications/_now_panel.html", takes_context=True)
def now_panel(context: template.Context, incident: Incident) -> dict[str, Any]:
    """The war room's first screen: what to do next (communications.views.panel). Its latest
    lines are the timeline's first page when the page shows it (no second query)."""
    events = context.get("events")
    shown = events.object_list if events is not None and events.number == 1 else None
    return incident_now_context(context["request"], incident, timeline_first_page=shown)


@register.inclusion_tag("communications/_briefing_panel.html", takes_context=True)
def briefing_panel(context: template.Context, incident: Incident) -> dict[str, Any]:
    return briefing_panel_context(context["request"], incident)


@register.inclusion_tag("communications/_playbook_panel.html", takes_context=True)
def playbook_panel(context: template.Context, incident: Incident) -> dict[str, Any]:
    return playbook_panel_context(context["request"], incident)


@register.inclusion_tag("communications/listening/_dashboard_panel.html", takes_context=True)
def listening_panel(context: template.Context) -> dict[str, Any]:
    """The dashboard's listening: open alerts and the last day's volume of the busiest
    account."""
    return listening_dashboard_context(context["request"])


@register.inclusion_tag("communications/listening/_incident_panel.html", takes_context=True)
def incident_volume_panel(context: template.Context, incident: Incident) -> dict[str, Any]:
    """The war room's volume since the incident was detected, and the alert it came from."""
    return incident_volume_context(context["request"], incident)


@register.inclusion_tag("communications/listening/_risk_panel.html", takes_context=True)
def risk_volume_panel(context: template.Context, risk: Risk) -> dict[str, Any]:
    """The risk page's early warning: the last week's posts using its watch terms."""
    return risk_volume_context(context["request"], risk)
