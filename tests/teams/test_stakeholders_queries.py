"""The stakeholder page, panels and endpoints cost the same queries for a few rows as for many."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Incident, Severity
from teams.models import Channel, Department, StakeholderGroup, stakeholder_checklist_key
from tests.incidents.factories import ChecklistItemFactory, IncidentFactory
from tests.teams.factories import (
    PlanEntryFactory,
    StaffBriefingFactory,
    StakeholderContactFactory,
    StakeholderGroupFactory,
    StakeholderUpdateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHANNELS = list(Channel)


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def grows_nothing(client, url: str, grow: Callable[[int], None]) -> None:
    grow(2)
    few = queries(client, url)
    grow(15)
    assert queries(client, url) == few


def add_groups(count: int) -> None:
    for _ in range(count):
        group = StakeholderGroupFactory.create(kind=StakeholderGroup.Kind.MEDIA)
        StakeholderContactFactory.create_batch(2, group=group)
        for severity in Severity:
            PlanEntryFactory(severity=severity, group=group, within_minutes=15 * severity)


def add_records(incident: Incident) -> Callable[[int], None]:
    def grow(count: int) -> None:
        for n in range(count):
            group = StakeholderGroupFactory.create()
            channel = CHANNELS[n % len(CHANNELS)]
            ChecklistItemFactory(
                incident=incident,
                key=stakeholder_checklist_key(group.pk, channel),
                assignee=UserFactory(),
            )
            StakeholderUpdateFactory(
                incident=incident, group=group, channel=channel, recorded_by=UserFactory()
            )
            StaffBriefingFactory(
                incident=incident,
                author=UserFactory(),
                departments=[Department.objects.create(name=f"Queries {group.pk}")],
            )

    return grow


@pytest.mark.parametrize("url", ["/team/stakeholders/", "/api/v1/stakeholders/"])
def test_the_stakeholders_page_and_list(client, manager, url):
    client.force_login(manager)
    grows_nothing(client, url, add_groups)


@pytest.mark.parametrize(
    "name", ["stakeholders:incident-panel", "communications:incident-briefing-panel"]
)
def test_the_incident_panels(client, manager, name):
    client.force_login(manager)
    incident = IncidentFactory()
    url = reverse(name, kwargs={"reference": incident.reference})
    grows_nothing(client, url, add_records(incident))


@pytest.mark.parametrize("suffix", ["stakeholder-updates/", "briefings/"])
def test_the_incident_endpoints(client, manager, suffix):
    client.force_login(manager)
    incident = IncidentFactory()
    grows_nothing(client, f"/api/v1/incidents/{incident.pk}/{suffix}", add_records(incident))
