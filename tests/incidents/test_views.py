from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Claim, Incident, Status, TimelineEvent
from tests.incidents.factories import (
    ChecklistItemFactory,
    ClaimFactory,
    IncidentFactory,
    TimelineEventFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def open_incident(**kwargs) -> Incident:
    return IncidentFactory.create(
        status=Status.RESPONDING, acknowledged_at=timezone.now(), **kwargs
    )


def url(name: str, incident: Incident, **kwargs) -> str:
    return reverse(f"incidents:{name}", kwargs={"reference": incident.reference, **kwargs})


def desk_url(name, incident, **kwargs):
    """The lifecycle's pages: edit, move, acknowledge."""
    return reverse(f"desk:{name}", kwargs={"reference": incident.reference, **kwargs})


def team_url(name, incident, **kwargs):
    """The incident pages the team serves (editing, the checklist panel)."""
    return reverse(f"teams:incident-{name}", kwargs={"reference": incident.reference, **kwargs})


# --- reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reader", "responder", "manager", "admin_user"])
def test_everyone_logged_in_reads_every_page(client, request, role):
    client.force_login(request.getfixturevalue(role))
    incident = open_incident()
    TimelineEventFactory(incident=incident, text="A note worth reading")
    for path in [
        reverse("dashboard"),
        reverse("incidents:list"),
        url("detail", incident),
        url("timeline", incident),
        url("claims", incident),
        team_url("checklist", incident),
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
    assert "A note worth reading" in client.get(url("detail", incident)).content.decode()


def test_dashboard_counts_open_incidents_by_severity(client, reader):
    IncidentFactory.create_batch(2, severity=1, status=Status.RESPONDING)
    IncidentFactory(severity=2, status=Status.TRIAGED)
    IncidentFactory(
        severity=1,
        status=Status.CLOSED,
        resolved_at=timezone.now(),
        closed_at=timezone.now(),
    )
    client.force_login(reader)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="open-sev1">2<' in html
    assert 'data-testid="open-sev2">1<' in html
    assert 'data-testid="open-sev4">0<' in html


def test_dashboard_empty_state(client, reader):
    client.force_login(reader)
    assert "No open incidents" in client.get(reverse("dashboard")).content.decode()


def test_list_filters_searches_sorts_and_pages(client, reader):
    now = timezone.now()
    for n in range(30):
        IncidentFactory(
            title=f"Delivery delay {n}", severity=3, detected_at=now - timedelta(hours=n)
        )
    fire = IncidentFactory(title="Battery fire", severity=1, status=Status.RESPONDING)
    client.force_login(reader)

    page = client.get(reverse("incidents:list"), {"q": "battery"})
    assert list(page.context["page"].object_list) == [fire]

    page = client.get(reverse("incidents:list"), {"severity": ["1", "2"]})
    assert list(page.context["page"].object_list) == [fire]

    page = client.get(reverse("incidents:list"), {"ordering": "severity"})
    assert page.context["page"].object_list[0] == fire
    assert page.context["page"].paginator.count == 31
    assert len(page.context["page"].object_list) == 25

    second = client.get(reverse("incidents:list"), {"ordering": "severity", "page": 2})
    assert len(second.context["page"].object_list) == 6

    nothing = client.get(reverse("incidents:list"), {"q": "no such thing"})
    assert "No incident matches these filters" in nothing.content.decode()


def test_list_shows_a_bad_filter_instead_of_failing(client, reader):
    client.force_login(reader)
    response = client.get(reverse("incidents:list"), {"detected_after": "not-a-date"})
    assert response.status_code == 200
    assert "could not be understood" in response.content.decode()


def test_list_answers_htmx_with_the_results_only(client, reader):
    IncidentFactory(title="Partial")
    client.force_login(reader)
    response = client.get(reverse("incidents:list"), **HTMX)
    assert "Partial" in response.content.decode()
    assert "<html" not in response.content.decode()


def test_unknown_reference_is_404(client, reader):
    client.force_login(reader)
    response = client.get(reverse("incidents:detail", kwargs={"reference": "INC-1999-0001"}))
    assert response.status_code == 404


# --- declaring and editing --------------------------------------------------------------------


def test_declare_page_creates_and_redirects_to_the_war_room(client, responder):
    client.force_login(responder)
    response = client.post(
        reverse("desk:declare"),
        {
            "title": "Login outage rumour",
            "severity": "2",
            "category": "security_breach",
            "source": "customer_care",
            "summary": "",
            "tags": "security, outage",
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == incident.get_absolute_url()
    assert sorted(t.name for t in incident.tags.all()) == ["outage", "security"]


def test_declare_form_shows_errors_in_words(client, responder):
    client.force_login(responder)
    response = client.post(
        reverse("desk:declare"),
        {
            "title": "",
            "severity": "9",
            "category": "other",
            "source": "other",
            "detected_at": (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "title" in form.errors
    assert "severity" in form.errors
    assert not Incident.objects.exists()


def test_declare_refuses_a_future_detection_time_on_the_form(client, responder):
    client.force_login(responder)
    response = client.post(
        reverse("desk:declare"),
        {
            "title": "Future",
            "severity": "3",
            "category": "other",
            "source": "other",
            "detected_at": (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 200
    assert "future" in str(response.context["form"].errors["detected_at"])


def test_a_reader_cannot_open_the_declare_page(client, reader):
    client.force_login(reader)
    response = client.get(reverse("desk:declare"))
    assert response.status_code == 403
    assert "declare" in response.content.decode()


def test_edit_page_records_changes(client, responder):
    incident = open_incident(title="Before", severity=3)
    client.force_login(responder)
    response = client.post(
        desk_url("edit", incident),
        {
            "title": "After",
            "severity": "1",
            "category": incident.category,
            "source": incident.source,
            "summary": incident.summary,
            "tags": "",
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.title, incident.severity) == ("After", 1)
    assert TimelineEvent.objects.filter(incident=incident, kind="severity").exists()


def test_a_reader_cannot_edit(client, reader):
    client.force_login(reader)
    assert client.get(desk_url("edit", open_incident())).status_code == 403


# --- the war room -----------------------------------------------------------------------------


def test_war_room_offers_only_the_moves_allowed_now(client, responder, manager):
    incident = IncidentFactory(status=Status.DETECTED)
    client.force_login(responder)
    html = client.get(url("detail", incident)).content.decode()
    assert 'data-testid="move-triaged"' in html
    assert 'data-testid="move-responding"' in html
    assert "Decline as false alarm" not in html  # managers only
    assert 'data-testid="move-closed"' not in html
    client.force_login(manager)
    assert "Decline as false alarm" in client.get(url("detail", incident)).content.decode()


def test_a_reader_sees_no_action_buttons(client, reader):
    client.force_login(reader)
    html = client.get(url("detail", IncidentFactory(status=Status.DETECTED))).content.decode()
    assert 'data-testid="move-' not in html
    assert 'data-testid="add-note"' not in html
    assert "Acknowledge" not in html


def test_transition_from_the_page(client, responder):
    incident = IncidentFactory(status=Status.DETECTED)
    client.force_login(responder)
    response = client.post(desk_url("transition", incident), {"to": "responding"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.RESPONDING


def test_an_illegal_transition_from_the_page_is_a_message_not_an_error(client, manager):
    incident = IncidentFactory(status=Status.DETECTED)
    client.force_login(manager)
    response = client.post(desk_url("transition", incident), {"to": "closed"}, follow=True)
    assert response.status_code == 200
    assert "cannot move from Detected to Closed" in response.content.decode()
    response = client.post(desk_url("transition", incident), {"to": "nonsense"}, follow=True)
    assert "Choose a status" in response.content.decode()


def test_acknowledge_from_the_page(client, responder):
    incident = IncidentFactory(status=Status.DETECTED)
    client.force_login(responder)
    client.post(desk_url("acknowledge", incident))
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None


def test_note_via_htmx_returns_the_refreshed_timeline(client, responder):
    incident = open_incident()
    client.force_login(responder)
    response = client.post(url("note-add", incident), {"text": "Press called"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="timeline-panel"' in html
    assert "Press called" in html
    assert "<html" not in html


def test_note_errors_come_back_in_the_panel(client, responder):
    incident = open_incident()
    client.force_login(responder)
    response = client.post(url("note-add", incident), {"text": ""}, **HTMX)
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    future = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url("note-add", incident), {"text": "x", "at": future}, **HTMX)
    assert "future" in response.content.decode()
    assert not TimelineEvent.objects.filter(incident=incident).exists()


def test_note_without_htmx_redirects_back(client, responder):
    incident = open_incident()
    client.force_login(responder)
    response = client.post(url("note-add", incident), {"text": "Plain form"})
    assert response.status_code == 302
    assert response["Location"] == incident.get_absolute_url()


def test_claims_panel_add_and_verdict_needs_evidence(client, responder):
    incident = open_incident()
    client.force_login(responder)
    response = client.post(
        url("claim-add", incident), {"statement": "CEO arrested", "seen_at_location": ""}, **HTMX
    )
    assert "CEO arrested" in response.content.decode()
    assert response["HX-Trigger"] == "timeline-changed"
    claim = Claim.objects.get()
    response = client.post(
        url("claim-status", incident, claim_id=claim.pk), {"status": "false"}, **HTMX
    )
    assert "evidence" in response.content.decode()
    response = client.post(
        url("claim-status", incident, claim_id=claim.pk),
        {"status": "false", "evidence": "He spoke at the conference today"},
        **HTMX,
    )
    claim.refresh_from_db()
    assert claim.status == "false"


def test_claim_of_another_incident_is_404(client, responder):
    claim = ClaimFactory()
    client.force_login(responder)
    response = client.post(
        url("claim-status", open_incident(), claim_id=claim.pk), {"status": "investigating"}
    )
    assert response.status_code == 404


def test_checklist_panel_add_assign_and_tick(client, manager, responder):
    incident = open_incident()
    client.force_login(manager)
    client.post(team_url("checklist-add", incident), {"title": "Call legal"}, **HTMX)
    item = incident.checklist.get()
    due = (timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        team_url("checklist-update", incident, item_id=item.pk),
        {"assignee": responder.pk, "due_at": due},
        **HTMX,
    )
    response = client.post(
        team_url("checklist-done", incident, item_id=item.pk), {"done": "true"}, **HTMX
    )
    assert "checklist-done" in response.content.decode()
    item.refresh_from_db()
    assert item.assignee == responder
    assert item.due_at is not None
    assert item.done_by == manager


def test_a_reader_posting_to_panels_changes_nothing(client, reader):
    incident = open_incident()
    item = ChecklistItemFactory(incident=incident)
    client.force_login(reader)
    client.post(url("note-add", incident), {"text": "x"}, **HTMX)
    client.post(url("claim-add", incident), {"statement": "x"}, **HTMX)
    client.post(team_url("checklist-done", incident, item_id=item.pk), {"done": "true"}, **HTMX)
    client.post(desk_url("transition", incident), {"to": "monitoring"})
    incident.refresh_from_db()
    item.refresh_from_db()
    assert incident.status == Status.RESPONDING
    assert item.done_at is None
    assert not TimelineEvent.objects.filter(incident=incident).exists()
    assert not Claim.objects.exists()


def test_times_are_shown_in_the_viewers_timezone(client, reader):
    incident = IncidentFactory(detected_at=timezone.now().replace(hour=12, minute=0))
    client.force_login(reader)
    client.cookies["tz"] = "Europe/Istanbul"
    html = client.get(url("detail", incident) + "?part=details").content.decode()
    assert "Times are shown in Europe/Istanbul" in html
    assert "15:00" in html  # 12:00 UTC is 15:00 in Istanbul
    client.cookies["tz"] = "Not/AZone"
    html = client.get(url("detail", incident)).content.decode()
    assert "Times are shown in UTC" in html


def test_declare_can_name_another_crisis_lead(client, responder, manager):
    from teams.selectors import crisis_lead_of

    client.force_login(responder)
    client.post(
        reverse("desk:declare"),
        {
            "title": "Lead named",
            "severity": "2",
            "category": "other",
            "source": "other",
            "crisis_lead": manager.pk,
        },
    )
    assert crisis_lead_of(incident=Incident.objects.get()) == manager
