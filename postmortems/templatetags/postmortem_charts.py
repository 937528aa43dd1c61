"""The postmortem's charts in a template: ``{{ facts.mention_volume|volume_chart }}`` and
``{{ facts.image_recovery|recovery_chart }}`` (SVG from postmortems.charts)."""

from django import template
from django.utils.safestring import SafeString

from postmortems import charts
from postmortems.measures import HourVolume, ImageRecovery

register = template.Library()


@register.filter
def volume_chart(volume: list[HourVolume] | None) -> SafeString:
    return charts.volume_chart(volume)


@register.filter
def recovery_chart(recovery: ImageRecovery | None) -> SafeString:
    return charts.recovery_chart(recovery)
