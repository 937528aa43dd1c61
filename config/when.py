"""Moments said for people, in one format: each person's own zone, the zone named.

Everything is stored in UTC. A page is rendered in its viewer's zone (the middleware activates
it, config.middleware); text written for someone to read later (a notification, the email and
the chat message built from it) is written in the recipient's zone and names it, since an
email carries no zone of its own. A person's zone is the one on their profile, else the site's
(settings.TIME_ZONE): a browser's zone is known only while that browser asks for a page.
"""

import zoneinfo
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

# A clock reads the same in every locale the desk speaks: 24 hours, as the team says it.
CLOCK_FORMAT = "H:i"

# Text that names a moment, written for a zone: notify() calls it once per zone among its
# recipients (teams.services.notify).
type InZone = Callable[[zoneinfo.ZoneInfo], str]


def zone_named(name: str | None) -> zoneinfo.ZoneInfo | None:
    """The zone of an IANA name, or None for an empty or unknown name."""
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def site_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def zone_of(person: object | None) -> zoneinfo.ZoneInfo:
    """A person's zone: the one on their profile, else the site's."""
    return zone_named(getattr(person, "timezone", "")) or site_zone()


def short_moment(local: datetime) -> str:
    """A local moment in the locale's short date and the 24-hour clock: "12/05/2026 22:26"."""
    return f"{date_format(local, 'SHORT_DATE_FORMAT')} {date_format(local, CLOCK_FORMAT)}"


def moment_in(at: datetime, zone: zoneinfo.ZoneInfo, *, now: datetime | None = None) -> str:
    """A moment in a zone, the zone named: "22:26 (Europe/Istanbul)" when it falls on today
    there, else with its date, "12/06/2026 09:00 (Europe/Istanbul)"."""
    local = at.astimezone(zone)
    today = (now or timezone.now()).astimezone(zone).date()
    said = date_format(local, CLOCK_FORMAT) if local.date() == today else short_moment(local)
    return _("%(moment)s (%(zone)s)") % {"moment": said, "zone": str(zone)}


def moment_for(person: object | None, at: datetime, *, now: datetime | None = None) -> str:
    """A moment as a person reads it: in their zone (zone_of), the zone named."""
    return moment_in(at, zone_of(person), now=now)
