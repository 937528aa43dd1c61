from django import template
from django.db.models import Model
from django.urls import reverse
from django.utils.html import format_html

from incidents import live
from incidents.models import Incident, Severity, Status, WarRoomPart
from incidents.rehearsals import is_rehearsal

register = template.Library()

STATUS_CLASSES = {
    Status.DETECTED: "text-bg-danger",
    Status.TRIAGED: "text-bg-warning",
    Status.RESPONDING: "text-bg-primary",
    Status.MONITORING: "text-bg-info",
    Status.RESOLVED: "text-bg-success",
    Status.CLOSED: "text-bg-secondary",
    Status.DECLINED: "text-bg-light border",
}

TRANSITION_BUTTONS = {
    Status.TRIAGED: "btn-outline-warning",
    Status.RESPONDING: "btn-primary",
    Status.MONITORING: "btn-outline-info",
    Status.RESOLVED: "btn-success",
    Status.CLOSED: "btn-outline-secondary",
    Status.DECLINED: "btn-outline-danger",
}


@register.simple_tag
def severity_badge(value: int) -> str:
    severity = Severity(value)
    return format_html(
        '<span class="badge sev-badge sev-{}" title="{}">{}</span>',
        severity.value,
        severity.description,
        severity.short,
    )


@register.simple_tag
def status_badge(value: str) -> str:
    status = Status(value)
    return format_html(
        '<span class="badge status-badge {}">{}</span>', STATUS_CLASSES[status], status.label
    )


@register.filter
def rehearsal(row: Model) -> bool:
    """Whether a row (an incident, an account, an alert, a post) is a drill's: the DRILL mark
    asks the same rule as the figures (incidents.rehearsals)."""
    return row is not None and is_rehearsal(row)


@register.filter
def part_url(incident: Incident, part: str) -> str:
    """The war room showing one of its parts: ``{{ incident|part_url:"deadlines" }}``."""
    return incident.part_url(WarRoomPart(part))


@register.filter
def transition_button(value: str) -> str:
    return TRANSITION_BUTTONS.get(Status(value), "btn-outline-secondary")


@register.simple_tag(takes_context=True)
def sort_link(context: template.Context, field: str, label: str) -> str:
    """A column header that sorts by ``field``, and the other way round when already sorted."""
    request = context["request"]
    current = request.GET.get("ordering", "")
    query = request.GET.copy()
    query.pop("page", None)
    arrow = ""
    if current == field:
        query["ordering"] = f"-{field}"
        arrow = " ▲"
    elif current == f"-{field}":
        query["ordering"] = field
        arrow = " ▼"
    else:
        query["ordering"] = field
    return format_html('<a href="?{}">{}</a>{}', query.urlencode(), label, arrow)


@register.simple_tag(takes_context=True)
def live_attributes(context: template.Context) -> str:
    """The body's attributes static/js/live.js reads: where to ask, what the page shows (the
    view's ``live_on``: a war room its incident, other pages only what every page shows) and
    the version it was rendered at."""
    user = context["request"].user
    if not user.is_authenticated:
        return ""
    on = str(context.get("live_on") or "")
    return format_html(
        'data-live-url="{}" data-live-on="{}" data-live-etag="{}"',
        reverse("live"),
        on,
        live.page_etag(on=live.page_keys(on) or [], person_id=user.pk),
    )
