"""Lists and the war room cost the same number of queries for 3 rows as for 30."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import Status, WarRoomPart
from tests.incidents.factories import (
    ChecklistItemFactory,
    ClaimFactory,
    IncidentFactory,
    TimelineEventFactory,
)
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db


def add_incidents(count: int) -> None:
    for _ in range(count):
        incident = IncidentFactory.create(declared_by=UserFactory.create())
        incident.tags.create(name=f"tag-{incident.pk}")


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/incidents/", "/api/v1/incidents/", "/"])
def test_list_queries_do_not_grow_with_rows(client, manager, url):
    client.force_login(manager)
    add_incidents(3)
    few = queries(client, url)
    add_incidents(27)
    assert queries(client, url) == few


@pytest.mark.parametrize("part", [None, *WarRoomPart])
def test_war_room_queries_do_not_grow_with_its_records(
    client, manager, django_capture_on_commit_callbacks, part
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        incident = IncidentFactory(status=Status.RESPONDING, acknowledged_at=timezone.now())
    path = incident.part_url(part) if part else incident.get_absolute_url()

    def grow(n: int) -> None:
        # Committed, as on a server: what the viewers share is read anew after it.
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(n):
                TimelineEventFactory(incident=incident, actor=UserFactory())
                ClaimFactory(incident=incident, created_by=UserFactory())
                ChecklistItemFactory(incident=incident, assignee=UserFactory())

    grow(2)
    few = queries(client, path)
    grow(20)
    assert queries(client, path) == few


@pytest.mark.parametrize("suffix", ["timeline/", "claims/", "checklist/"])
def test_incident_child_endpoints_do_not_grow(client, manager, suffix):
    client.force_login(manager)
    incident = IncidentFactory()
    url = f"/api/v1/incidents/{incident.pk}/{suffix}"
    TimelineEventFactory(incident=incident)
    ClaimFactory(incident=incident)
    ChecklistItemFactory(incident=incident, assignee=UserFactory())
    few = queries(client, url)
    for _ in range(15):
        TimelineEventFactory(incident=incident, actor=UserFactory())
        ClaimFactory(incident=incident, verified_by=None)
        ChecklistItemFactory(incident=incident, assignee=UserFactory())
    assert queries(client, url) == few
