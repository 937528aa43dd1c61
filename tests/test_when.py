"""One time, one format (config.when, config.moments, config.middleware): a moment said for a
person is in their zone with the zone named; pages show one short format in the viewer's zone,
the zone chosen on the profile before the browser's."""

import re
import zoneinfo
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from config.when import moment_for, zone_of
from tests.incidents.factories import IncidentFactory
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

DUE = datetime(2026, 12, 5, 19, 26, tzinfo=UTC)
EARLIER_THAT_DAY = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)


def test_a_moment_is_said_in_the_persons_zone_with_the_zone_named():
    person = UserFactory(timezone="Europe/Istanbul")
    assert moment_for(person, DUE, now=EARLIER_THAT_DAY) == "22:26 (Europe/Istanbul)"


def test_a_person_without_a_zone_reads_the_sites_zone_named(settings):
    person = UserFactory(timezone="")
    assert moment_for(person, DUE, now=EARLIER_THAT_DAY) == "19:26 (UTC)"
    settings.TIME_ZONE = "America/New_York"
    assert str(zone_of(person)) == "America/New_York"
    assert moment_for(person, DUE, now=EARLIER_THAT_DAY) == "14:26 (America/New_York)"


def test_a_moment_on_another_day_there_carries_its_date():
    person = UserFactory(timezone="Asia/Tokyo")
    morning = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)  # 19:00 on the 5th in Tokyo
    # 19:26 UTC is 04:26 on the 6th in Tokyo: "04:26" alone would read as this morning.
    assert moment_for(person, DUE, now=morning) == "12/06/2026 04:26 (Asia/Tokyo)"


def test_the_moment_filter_is_one_short_format_and_names_the_zone_when_asked():
    page = Template(
        '{% load moments %}{{ at|moment }} | {{ at|moment:"zone" }} | {{ none|moment }}'
    )
    with timezone.override("Europe/Istanbul"):
        said = page.render(Context({"at": DUE, "none": None}))
    assert said == "12/05/2026 22:26 | 12/05/2026 22:26 +03 | "


def test_the_clock_filter_says_the_time_today_and_the_date_on_another_day():
    page = Template('{% load moments %}{{ at|clock }}|{{ there|clock:"there" }}|{{ none|clock }}')
    tokyo = DUE.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    with time_machine.travel(EARLIER_THAT_DAY, tick=False), timezone.override("Europe/Istanbul"):
        today = page.render(Context({"at": DUE, "there": tokyo, "none": None}))
    # Each read in its own zone: 22:26 in Istanbul, and 04:26 in Tokyo (where it is the 6th).
    assert today == "22:26|04:26|"
    later = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with time_machine.travel(later, tick=False), timezone.override("Europe/Istanbul"):
        assert page.render(Context({"at": DUE})).startswith("12/05/2026 22:26|")


def test_no_page_says_a_time_in_the_locales_twelve_hour_format():
    """Every time on a page reads 22:26, never "10:26 p.m.": the time-only places use |clock."""
    root = Path(__file__).resolve().parent.parent
    offenders = [
        str(path.relative_to(root))
        for path in [*root.glob("templates/**/*.html"), *root.glob("*/templates/**/*.html")]
        if re.search(r"TIME_FORMAT|\|time:", path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("profile_zone", "cookie", "shown"),
    [
        ("Asia/Tokyo", "Europe/Istanbul", "Asia/Tokyo"),  # the profile wins over the browser
        ("", "Europe/Istanbul", "Europe/Istanbul"),  # no choice: the browser's
        ("", "Not/AZone", "UTC"),  # neither: the site's
    ],
)
def test_pages_use_the_profile_zone_then_the_browsers_then_the_sites(
    client, profile_zone, cookie, shown
):
    person = UserFactory(timezone=profile_zone)
    incident = IncidentFactory()
    client.force_login(person)
    client.cookies["tz"] = cookie
    page = client.get(reverse("incidents:detail", kwargs={"reference": incident.reference}))
    assert f"Times are shown in {shown}" in page.content.decode()
