"""The template filters for absolute moments, one format on every page (config.when):
``{% load moments %}`` then ``{{ at|moment }}`` ("12/05/2026 22:26", in the viewer's zone) or,
where a page puts zones side by side, ``{{ at|moment:"zone" }}`` ("12/05/2026 22:26 +03"); where
a line has room for a time only, ``{{ at|clock }}`` ("22:26" today, the date too on another
day). Whatever is past its due time says so with ``{% overdue_badge %}``."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from config.when import CLOCK_FORMAT, short_moment

register = template.Library()


@register.filter
def moment(at: object, zone: str = "") -> str:
    if not isinstance(at, datetime):
        return ""  # an empty value, or a variable the page does not have
    local = timezone.localtime(at)
    said = short_moment(local)
    return f"{said} {local.tzname()}" if zone else said


@register.filter
def clock(at: object, there: str = "") -> str:
    """The 24-hour time of a moment in the viewer's zone ("22:26"), with the date when it
    falls on another day than today there; ``|clock:"there"`` keeps the moment's own zone (a
    colleague's time now, put in their zone by ``|timezone``)."""
    if not isinstance(at, datetime):
        return ""
    local = at if there and timezone.is_aware(at) else timezone.localtime(at)
    today = timezone.now().astimezone(local.tzinfo).date()
    return date_format(local, CLOCK_FORMAT) if local.date() == today else short_moment(local)


@register.simple_tag
def overdue_badge() -> SafeString:
    """The mark of anything past its due time: the word in a red badge, so that it never rests
    on the colour alone (red reads as nothing to a reader who cannot tell it from green, and to
    a screen reader)."""
    return format_html('<span class="badge text-bg-danger">{}</span>', _("overdue"))
