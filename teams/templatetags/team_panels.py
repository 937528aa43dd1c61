"""The team's panels of the war room (incidents/detail.html): roles, the checklist and the
stakeholders. Each asks the same context builder as its own htmx endpoint, so the page and a
refreshed panel never differ."""

from typing import Any

from django import template

from incidents.models import Incident
from teams.stakeholders.views import incident_panel_context
from teams.views.incidents import checklist_context, roles_context

register = template.Library()


@register.inclusion_tag("teams/incidents/_roles.html", takes_context=True)
def roles_panel(context: template.Context, incident: Incident) -> dict[str, Any]:
    return roles_context(context["request"], incident)


@register.inclusion_tag("teams/incidents/_checklist.html", takes_context=True)
def checklist_panel(context: template.Context, incident: Incident) -> dict[str, Any]:
    return checklist_context(context["request"], incident)


@register.inclusion_tag("teams/stakeholders/_incident_panel.html", takes_context=True)
def stakeholders_panel(context: template.Context, incident: Incident) -> dict[str, Any]:
    return incident_panel_context(context["request"], incident)
