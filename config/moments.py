"""The template filter for absolute moments, one format on every page (config.when):
``{% load moments %}`` then ``{{ at|moment }}`` ("12/05/2026 22:26", in the viewer's zone) or,
where a page puts zones side by side, ``{{ at|moment:"zone" }}`` ("12/05/2026 22:26 +03")."""

from datetime import datetime

from django import template
from django.utils import timezone

from config.when import short_moment

register = template.Library()


@register.filter
def moment(at: object, zone: str = "") -> str:
    if not isinstance(at, datetime):
        return ""  # an empty value, or a variable the page does not have
    local = timezone.localtime(at)
    said = short_moment(local)
    return f"{said} {local.tzname()}" if zone else said
