"""The war room is its first screen and one part beside it (``?part=``): the rest is one click
away in the parts' menu, and each part is asked for only when it is shown. What every viewer
reads alike after a change is read once (incidents.live.remembered)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import live, services
from incidents.models import Status, WarRoomPart
from teams import flows
from tests.incidents.factories import ClaimFactory, IncidentFactory, TimelineEventFactory

pytestmark = pytest.mark.django_db

# The first screen's budget: sign-in, header, the incident, the "Now" strip and the timeline.
FIRST_SCREEN_QUERIES = 20


def page(client, incident, part: str | None = None) -> str:
    response = client.get(incident.get_absolute_url(), {"part": part} if part else {})
    assert response.status_code == 200
    return response.content.decode()


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_first_screen_shows_the_timeline_and_leaves_the_rest_one_click_away(client, manager):
    incident = IncidentFactory(status=Status.RESPONDING, acknowledged_at=timezone.now())
    ClaimFactory(incident=incident, statement="The batch is poisoned")
    TimelineEventFactory(incident=incident, text="Spotted on X")
    client.force_login(manager)
    html = page(client, incident)
    assert 'data-testid="now"' in html
    assert "Spotted on X" in html
    assert 'id="timeline-heading"' in html
    # The other parts are links, not rendered panels.
    assert "The batch is poisoned" not in html
    assert 'id="roles-panel"' not in html
    assert 'href="?part=claims#war-room-parts"' in html
    assert 'href="?part=timeline#war-room-parts" aria-current="page"' in html


@pytest.mark.parametrize("part", [p.value for p in WarRoomPart])
def test_every_part_is_shown_beside_the_first_screen(client, manager, part):
    incident = IncidentFactory(status=Status.RESPONDING, acknowledged_at=timezone.now())
    client.force_login(manager)
    html = page(client, incident, part)
    assert 'data-testid="now"' in html
    assert f'href="?part={part}#war-room-parts" aria-current="page"' in html
    assert html.count('aria-current="page"') == 1
    assert f'id="{part}-heading"' in html


def test_a_part_nobody_shows_is_the_timeline(client, manager):
    incident = IncidentFactory()
    client.force_login(manager)
    for hostile in ["<script>", "../admin", "ROLES", "1", "roles "]:
        html = page(client, incident, hostile)
        assert 'href="?part=timeline#war-room-parts" aria-current="page"' in html
        assert "part=&lt;script" not in html


def test_a_form_posted_without_htmx_comes_back_to_its_part(client, manager):
    incident = IncidentFactory(status=Status.RESPONDING, acknowledged_at=timezone.now())
    client.force_login(manager)
    response = client.post(
        f"{incident.get_absolute_url()}claims/add/", {"statement": "Stores are closing"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{incident.get_absolute_url()}?part=claims#war-room-parts"
    assert incident.part_url(WarRoomPart.CLAIMS) == response["Location"]


def test_the_first_screen_stays_within_its_query_budget(client, manager):
    incident = IncidentFactory(status=Status.RESPONDING, acknowledged_at=timezone.now())
    for n in range(30):
        TimelineEventFactory(incident=incident, text=f"line {n}")
    client.force_login(manager)
    assert queries(client, incident.get_absolute_url()) <= FIRST_SCREEN_QUERIES


def test_viewers_after_a_change_read_what_it_changed_once(
    client, manager, responder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = flows.incident_declare(actor=responder, title="Recall rumour", severity=2)
    url = incident.get_absolute_url()
    client.force_login(manager)
    first = queries(client, url)  # reads the timeline's newest page and the first screen
    again = queries(client, url)  # a second viewer of the same version reads them from the cache
    assert again < first
    # A committed change is a new version: the next viewer reads it, never the old one.
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_note_add(actor=responder, incident=incident, text="Lab results due")
    html = page(client, incident)
    assert html.count("Lab results due") == 2  # in "Latest on the timeline" and the timeline
    assert queries(client, url) == again


def test_remembered_is_kept_per_version_and_computed_only_once(
    responder, django_capture_on_commit_callbacks
):
    key = live.incident_key(987654)
    cache.delete_many([live.PREFIX + key, live.PREFIX + live.incident_key(987655)])
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert live.remembered(key, "x", compute) == 1  # nobody watches yet: nothing shared
    live.versions([key])  # a page shows it
    assert live.remembered(key, "x", compute) == 2
    assert live.remembered(key, "x", compute) == 2
    assert live.remembered(key, "y", compute) == 3  # another value of the same version
    with django_capture_on_commit_callbacks(execute=True):
        live.bump(key)
    assert live.remembered(key, "x", compute) == 4
    assert live.remembered(live.incident_key(987655), "x", compute) == 5
