from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

register = template.Library()

# Where "who is on call now" comes from (teams.selectors.on_call), in the order the
# escalation engine falls back through them.
ONCALL_SOURCES = {
    "shift": ("text-bg-success", "bi-clock", _("on shift")),
    "roster": ("text-bg-primary", "bi-person-badge", _("roster primary, no shift")),
    "backup": ("text-bg-warning", "bi-life-preserver", _("roster backup: no shift, no primary")),
    "nobody": ("text-bg-danger", "bi-exclamation-triangle", _("nobody: no shift, no roster")),
}


@register.simple_tag
def oncall_source(source: str) -> str:
    css, icon, label = ONCALL_SOURCES[source]
    return format_html(
        '<span class="badge {}" data-testid="oncall-source"><i class="bi {}"></i> {}</span>',
        css,
        icon,
        label,
    )
