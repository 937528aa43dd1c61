"""Drills are marked DRILL wherever they show, and stay out of the real figures: the dashboard's
open counts and open list (a card of their own instead), the latest activity (listed, marked),
the incident list and its endpoint (a badge, the ``drill`` filter, ``is_drill``), the war room
(a banner and a badge in the heading)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import Incident, Status
from tests.incidents.factories import IncidentFactory, TimelineEventFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/incidents/"
BADGE = 'data-testid="drill-badge"'
BANNER = "DRILL — a rehearsal. Messages are published only in sandbox; nothing reaches X."


def html(response) -> str:
    return response.content.decode()


def real(**kwargs) -> Incident:
    return IncidentFactory.create(
        status=Status.RESPONDING, acknowledged_at=timezone.now(), **kwargs
    )


def drill(**kwargs) -> Incident:
    kwargs.setdefault("reference", "DRILL-2026-0001")
    return IncidentFactory.create(
        is_drill=True, status=Status.RESPONDING, acknowledged_at=timezone.now(), **kwargs
    )


def between(page: str, start: str, end: str) -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


def list_row(page: str, incident: Incident) -> str:
    """The incident list's row of one incident."""
    rows = re.findall(r"<tr>.*?</tr>", page, re.S)
    return next(row for row in rows if f">{incident.reference}</a>" in row)


# --- the dashboard ----------------------------------------------------------------------------


def test_a_drill_is_left_out_of_the_dashboards_counts_and_open_list(client, reader):
    fire = real(severity=1, title="Battery fire")
    rehearsal = drill(severity=1, title="Rehearsed recall")
    client.force_login(reader)
    page = html(client.get(reverse("dashboard")))
    assert 'data-testid="open-sev1">1<' in page
    assert "1 open incident<" in page
    open_list = between(page, "Open incidents</h2>", "Latest activity</h2>")
    assert fire.reference in open_list
    assert rehearsal.reference not in open_list
    assert "Rehearsed recall" not in open_list


def test_a_drill_in_progress_shows_under_its_own_card_marked_and_linked(client, reader):
    rehearsal = drill(severity=2, title="Rehearsed recall")
    client.force_login(reader)
    page = html(client.get(reverse("dashboard")))
    card = between(page, 'data-testid="open-drills"', "</section>")
    assert "Drills in progress" in card
    assert f'href="{rehearsal.get_absolute_url()}"' in card
    assert rehearsal.reference in card
    assert "Rehearsed recall" in card
    assert BADGE in card
    assert "No open incidents" in page  # nothing real is open


def test_no_drill_card_without_a_drill_in_progress(client, reader):
    real()
    IncidentFactory.create(
        is_drill=True,
        reference="DRILL-2026-0002",
        status=Status.CLOSED,
        resolved_at=timezone.now(),
        closed_at=timezone.now(),
    )
    client.force_login(reader)
    page = html(client.get(reverse("dashboard")))
    assert 'data-testid="open-drills"' not in page
    assert "Drills in progress" not in page


def test_the_latest_activity_marks_a_drills_events(client, reader):
    fire = real()
    rehearsal = drill()
    TimelineEventFactory.create(incident=fire, text="Statement drafted")
    TimelineEventFactory.create(incident=rehearsal, text="Rehearsed statement drafted")
    client.force_login(reader)
    activity = between(html(client.get(reverse("dashboard"))), "Latest activity</h2>", "</ul>")
    items = re.findall(r"<li.*?</li>", activity, re.S)
    marked = [item for item in items if BADGE in item]
    assert len(marked) == 1
    assert rehearsal.reference in marked[0]
    assert "Rehearsed statement drafted" in marked[0]


def test_the_dashboard_asks_for_the_drills_in_one_query(
    client, reader, django_assert_max_num_queries
):
    client.force_login(reader)
    drill()
    real()
    client.get(reverse("dashboard"))

    def count() -> int:
        with django_assert_max_num_queries(30) as captured:
            assert client.get(reverse("dashboard")).status_code == 200
        return len(captured)

    few = count()
    for n in range(5):
        drill(reference=f"DRILL-2026-{n + 10:04d}")
        real()
    assert count() == few


# --- the incident list and its endpoint -------------------------------------------------------


def test_the_list_marks_a_drill_beside_its_reference(client, reader):
    fire = real()
    rehearsal = drill()
    client.force_login(reader)
    page = html(client.get(reverse("incidents:list")))
    assert BADGE in list_row(page, rehearsal)
    assert BADGE not in list_row(page, fire)


def test_the_list_filters_drills_in_or_out(client, reader):
    fire = real()
    rehearsal = drill()
    client.force_login(reader)
    for value, expected in (("", {fire, rehearsal}), ("yes", {rehearsal}), ("no", {fire})):
        page = client.get(reverse("incidents:list"), {"drill": value})
        assert set(page.context["page"].object_list) == expected, value


def test_the_lists_filter_form_offers_the_drill_choice(client, reader):
    client.force_login(reader)
    form = between(html(client.get(reverse("incidents:list"))), 'id="incident-filters"', "</form>")
    select = between(form, 'name="drill"', "</select>")
    assert 'value="yes"' in select
    assert 'value="no"' in select
    assert "Drills and real incidents" in select


@pytest.mark.parametrize("value", ["maybe", "²", "x" * 5000])
def test_the_list_shows_a_drill_value_it_does_not_understand(client, reader, value):
    real()
    client.force_login(reader)
    response = client.get(reverse("incidents:list"), {"drill": value})
    assert response.status_code == 200  # as for every filter value it does not understand
    assert "could not be understood" in html(response)


def test_the_endpoint_says_which_incident_is_a_drill(api_as, reader):
    fire = real()
    rehearsal = drill()
    rows = api_as(reader).get(LIST).json()["results"]
    assert {row["reference"]: row["is_drill"] for row in rows} == {
        fire.reference: False,
        rehearsal.reference: True,
    }


def test_the_endpoint_filters_drills_in_or_out(api_as, reader):
    fire = real()
    rehearsal = drill()
    client = api_as(reader)
    for value, expected in (
        ("", {fire.reference, rehearsal.reference}),
        ("yes", {rehearsal.reference}),
        ("no", {fire.reference}),
    ):
        response = client.get(LIST, {"drill": value})
        assert response.status_code == 200
        assert {row["reference"] for row in response.json()["results"]} == expected, value


@pytest.mark.parametrize("value", ["maybe", "true", "YES", "a\x00b", "x" * 5000])
def test_the_endpoint_refuses_a_drill_value_it_does_not_understand(api_as, reader, value):
    response = api_as(reader).get(LIST, {"drill": value})
    assert response.status_code == 400
    assert "drill" in response.json()


def test_is_drill_cannot_be_written_through_the_endpoint(api_as, responder):
    fire = real()
    response = api_as(responder).patch(
        f"{LIST}{fire.pk}/", {"title": "Renamed", "is_drill": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["is_drill"] is False
    fire.refresh_from_db()
    assert (fire.title, fire.is_drill) == ("Renamed", False)


# --- the war room -----------------------------------------------------------------------------


def test_a_drills_war_room_has_the_banner_and_the_badge_in_its_heading(client, responder):
    rehearsal = services.incident_create(
        actor=responder, title="Rehearsed recall", severity=2, is_drill=True
    )
    assert rehearsal.reference.startswith("DRILL-")
    client.force_login(responder)
    page = html(client.get(rehearsal.get_absolute_url()))
    banner = between(page, 'data-testid="drill-banner"', "</div>\n</div>")
    assert BANNER in banner
    assert 'role="status"' in page.split('data-testid="drill-banner"')[0].rsplit("<div", 1)[1]
    heading = between(page, "<h1", "</h1>")
    assert BADGE in heading
    assert "Rehearsed recall" in heading
    assert page.index('data-testid="drill-banner"') < page.index('data-testid="reference"')


def test_a_real_war_room_has_neither(client, responder):
    fire = services.incident_create(actor=responder, title="Battery fire", severity=1)
    client.force_login(responder)
    page = html(client.get(fire.get_absolute_url()))
    assert 'data-testid="drill-banner"' not in page
    assert BANNER not in page
    assert BADGE not in page
