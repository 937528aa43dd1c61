"""The stakeholder endpoints: groups with contacts and plan, updates and briefings per incident."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from communications.models import Message
from incidents.models import ChecklistItem, Status
from teams import deliveries, flows
from teams.models import (
    Channel,
    Delivery,
    Department,
    Notification,
    StaffBriefing,
    StakeholderGroup,
    StakeholderUpdate,
    stakeholder_checklist_key,
)
from teams.stakeholders.services import staff_briefing_fan_out, staff_briefing_send
from tests.incidents.factories import IncidentFactory
from tests.teams.factories import (
    PlanEntryFactory,
    StaffBriefingFactory,
    StakeholderContactFactory,
    StakeholderGroupFactory,
    StakeholderUpdateFactory,
)
from tests.teams.factories import responder as responder_factory

pytestmark = pytest.mark.django_db

GROUPS = "/api/v1/stakeholders/"
PROGRESS = ("recipient_count", "notified_count", "notified_at", "delivered", "pending", "failed")


def updates_url(incident) -> str:
    return f"/api/v1/incidents/{incident.pk}/stakeholder-updates/"


def briefings_url(incident) -> str:
    return f"/api/v1/incidents/{incident.pk}/briefings/"


@pytest.fixture
def regulators():
    return StakeholderGroupFactory(name="Regulators", kind=StakeholderGroup.Kind.REGULATORS)


@pytest.fixture
def incident(manager, regulators):
    PlanEntryFactory(severity=1, group=regulators, channel=Channel.EMAIL, within_minutes=60)
    return flows.incident_declare(
        actor=manager,
        title="Recall rumour",
        severity=1,
        detected_at=timezone.now() - timedelta(hours=1),
    )


# --- groups -----------------------------------------------------------------------------------


def test_anyone_logged_in_lists_groups_with_contacts_and_plan(api_as, reader, regulators):
    StakeholderContactFactory(group=regulators, name="Desk officer", preferred_channel="phone")
    PlanEntryFactory(severity=2, group=regulators, channel=Channel.LETTER, within_minutes=1440)
    response = api_as(reader).get(GROUPS)
    assert response.status_code == 200
    [group] = response.json()["results"]
    assert group["name"] == "Regulators"
    assert group["kind"] == "regulators"
    assert group["kind_label"] == "Regulators"
    assert group["contacts"][0]["name"] == "Desk officer"
    assert group["contacts"][0]["preferred_channel"] == "phone"
    assert group["plan_entries"] == [
        {
            "id": group["plan_entries"][0]["id"],
            "severity": 2,
            "channel": "letter",
            "within_minutes": 1440,
            "notes": "",
        }
    ]
    assert api_as(reader).get(f"{GROUPS}{regulators.pk}/").json()["name"] == "Regulators"
    assert api_as(reader).get(f"{GROUPS}999999/").status_code == 404


@pytest.mark.parametrize(("role", "expected"), [("manager", 201), ("admin_user", 201)])
def test_managers_add_groups(api_as, request, role, expected):
    response = api_as(request.getfixturevalue(role)).post(
        GROUPS, {"name": "Media", "kind": "media"}, format="json"
    )
    assert response.status_code == expected
    body = response.json()
    assert body["id"] == StakeholderGroup.objects.get(name="Media").pk
    assert body["description"] == ""
    assert body["contacts"] == []


@pytest.mark.parametrize("role", ["reader", "responder"])
def test_others_may_not_add_or_change_groups(api_as, request, role, regulators):
    client = api_as(request.getfixturevalue(role))
    # Refused before the input is looked at.
    assert client.post(GROUPS, {}, format="json").status_code == 403
    assert client.post(GROUPS, {"name": "Media", "kind": "media"}, format="json").status_code == 403
    assert (
        client.patch(f"{GROUPS}{regulators.pk}/", {"name": "X"}, format="json").status_code == 403
    )
    assert StakeholderGroup.objects.get().name == "Regulators"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": "Media"}, "kind"),
        ({"name": "Media", "kind": "aliens"}, "kind"),
        ({"name": "", "kind": "media"}, "name"),
        ({"name": "   ", "kind": "media"}, "name"),
        ({"name": "x" * 151, "kind": "media"}, "name"),
    ],
)
def test_bad_groups_get_400_naming_the_field(api_as, manager, regulators, payload, field):
    response = api_as(manager).post(GROUPS, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert StakeholderGroup.objects.count() == 1


def test_a_taken_name_is_a_conflict_naming_the_field(api_as, manager, regulators):
    response = api_as(manager).post(GROUPS, {"name": "REGULATORS", "kind": "media"}, format="json")
    assert response.status_code == 409
    assert "name" in response.json()
    assert StakeholderGroup.objects.count() == 1


def test_patch_changes_only_what_is_sent(api_as, manager, regulators):
    regulators.description = "Energy market authority"
    regulators.save()
    client = api_as(manager)
    response = client.patch(f"{GROUPS}{regulators.pk}/", {"name": "Authorities"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Authorities"
    regulators.refresh_from_db()
    assert (regulators.name, regulators.kind, regulators.description) == (
        "Authorities",
        "regulators",
        "Energy market authority",
    )
    StakeholderGroupFactory(name="Press")
    response = client.patch(f"{GROUPS}{regulators.pk}/", {"name": "press"}, format="json")
    assert response.status_code == 409
    assert "name" in response.json()
    response = client.patch(f"{GROUPS}{regulators.pk}/", {"kind": 7}, format="json")
    assert response.status_code == 400


# --- stakeholder updates ----------------------------------------------------------------------


def test_a_responder_records_an_update_which_ticks_the_plan(api_as, responder, incident):
    regulators = StakeholderGroup.objects.get(name="Regulators")
    told_at = timezone.now() - timedelta(minutes=10)
    response = api_as(responder).post(
        updates_url(incident),
        {
            "group": regulators.pk,
            "channel": "email",
            "told_at": told_at.isoformat(),
            "summary": "Holding statement sent",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["group"] == {"id": regulators.pk, "name": "Regulators"}
    assert body["channel"] == "email"
    assert body["recorded_by"]["username"] == "responder"
    assert body["summary"] == "Holding statement sent"
    item = ChecklistItem.objects.get(
        incident=incident, key=stakeholder_checklist_key(regulators.pk, "email")
    )
    assert item.is_done
    listed = api_as(responder).get(updates_url(incident)).json()["results"]
    assert [u["id"] for u in listed] == [body["id"]]
    assert api_as(responder).get(f"{updates_url(incident)}{body['id']}/").status_code == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"group": None}, "group"),
        ({"group": 999_999, "channel": "email"}, "group"),
        ({"group": "abc", "channel": "email"}, "group"),
        ({"channel": "pigeon"}, "channel"),
        ({"told_at": "yesterday"}, "told_at"),
        ({"told_at": "2999-01-01T00:00:00Z"}, "told_at"),
        ({"told_at": "2000-01-01T00:00:00Z"}, "told_at"),  # before the incident was detected
        ({"summary": "x" * 5001}, "summary"),
    ],
)
def test_bad_updates_get_400_naming_the_field(api_as, responder, incident, payload, field):
    regulators = StakeholderGroup.objects.get(name="Regulators")
    response = api_as(responder).post(
        updates_url(incident),
        {"group": regulators.pk, "channel": "email", **payload},
        format="json",
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not StakeholderUpdate.objects.exists()


def test_readers_may_not_record_updates(api_as, reader, incident):
    response = api_as(reader).post(updates_url(incident), {}, format="json")
    assert response.status_code == 403
    assert not StakeholderUpdate.objects.exists()


def test_a_closed_incident_takes_no_update(api_as, responder, regulators):
    closed = IncidentFactory(
        status=Status.CLOSED, resolved_at=timezone.now(), closed_at=timezone.now()
    )
    response = api_as(responder).post(
        updates_url(closed), {"group": regulators.pk, "channel": "email"}, format="json"
    )
    assert response.status_code == 409
    assert "part of the record" in response.json()["detail"]


# --- staff briefings --------------------------------------------------------------------------


def test_a_briefing_written_through_the_api_waits_for_approval(
    api_as, responder, manager, manager2, incident, django_capture_on_commit_callbacks
):
    """One path with the product's approval rule: the API writes a briefing as a message; it
    reaches the staff only once someone else who may approve has approved it."""
    response = api_as(responder).post(
        briefings_url(incident), {"text": "Refer all questions to PR."}, format="json"
    )
    assert response.status_code == 202, response.content
    message = response.json()
    assert message["kind"] == "staff_briefing"
    assert message["status"] == "pending_approval"
    assert not StaffBriefing.objects.exists()
    assert api_as(responder).post(f"/api/v1/messages/{message['id']}/approve/").status_code == 403
    assert api_as(manager).post(f"/api/v1/messages/{message['id']}/approve/").status_code == 200
    assert not StaffBriefing.objects.exists()  # a SEV1: two approvers
    with django_capture_on_commit_callbacks(execute=True):
        approved = api_as(manager2).post(f"/api/v1/messages/{message['id']}/approve/")
    assert approved.status_code == 200
    briefing = StaffBriefing.objects.get()
    active = get_user_model().objects.filter(is_active=True).count()
    assert briefing.recipient_count == active
    assert briefing.author == manager2  # in the name of the approver who completed it
    assert Notification.objects.filter(subject=f"staff-briefing:{briefing.pk}").count() == active
    listed = api_as(responder).get(briefings_url(incident)).json()["results"]
    assert [b["id"] for b in listed] == [briefing.pk]


def test_a_briefing_says_how_far_it_has_got(
    api_as,
    responder,
    manager,
    incident,
    receiver_with,
    settings,
    django_capture_on_commit_callbacks,
):
    """Honest counts: to be delivered to 3 people; notified so far in Crisis Desk; its emails
    and chat messages delivered, pending, failed, as their rows say."""
    settings.STAFF_BRIEFING_CHUNK = 2
    settings.WEBHOOK_ALLOWED_HOSTS_FOR_TESTS = ["127.0.0.1"]
    care = Department.objects.create(name="API care")
    refusing = receiver_with([404])
    responder_factory(username="care1", department=care, email="care1@example.com")
    responder_factory(username="care2", department=care, email="", webhook_url=refusing.url)
    last = responder_factory(username="care3", department=care, email="care3@example.com")
    with django_capture_on_commit_callbacks(execute=False):
        briefing = staff_briefing_send(
            actor=manager, incident=incident, text="Refer to PR", departments=[care]
        )
        staff_briefing_fan_out(briefing_id=briefing.pk, after=0)  # the first chunk only
    for delivery in Delivery.objects.filter(notification__subject=f"staff-briefing:{briefing.pk}"):
        deliveries.deliver(delivery.pk)
    [listed] = api_as(responder).get(briefings_url(incident)).json()["results"]
    assert {key: listed[key] for key in PROGRESS} == {
        "recipient_count": 3,
        "notified_count": 2,
        "notified_at": None,
        "delivered": 1,
        "pending": 0,
        "failed": 1,
    }
    briefing.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False):
        staff_briefing_fan_out(briefing_id=briefing.pk, after=briefing.reached_through)
    one = api_as(responder).get(f"{briefings_url(incident)}{briefing.pk}/").json()
    assert {key: one[key] for key in PROGRESS if key != "notified_at"} == {
        "recipient_count": 3,
        "notified_count": 3,
        "delivered": 1,
        "pending": 1,  # the last person's email, its task on its way
        "failed": 1,
    }
    assert one["notified_at"] is not None
    assert Notification.objects.filter(recipient=last, subject__startswith="staff-").exists()


def test_a_briefing_to_one_department(api_as, responder, manager, incident):
    care = Department.objects.create(name="API care")
    agent = responder_factory(username="agent", department=care)
    response = api_as(responder).post(
        briefings_url(incident),
        {"text": "Script attached", "departments": [care.pk]},
        format="json",
    )
    assert response.status_code == 202
    message = Message.objects.get(pk=response.json()["id"])
    assert list(message.briefing_departments.all()) == [care]
    assert agent.department == care


def test_a_crisis_lead_who_may_not_approve_cannot_brief_all_staff_alone(api_as, manager):
    lead = responder_factory(username="lead")
    incident = flows.incident_declare(actor=manager, title="x", severity=2, crisis_lead=lead)
    response = api_as(lead).post(briefings_url(incident), {"text": "From the lead"}, format="json")
    assert response.status_code == 202
    assert not StaffBriefing.objects.exists()  # written, not sent


def test_a_reader_may_not_write_a_briefing(api_as, reader, incident):
    # Refused before the input is looked at.
    assert api_as(reader).post(briefings_url(incident), {}, format="json").status_code == 403
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"text": "x", "departments": [999_999]}, "departments"),
        ({"text": "x", "departments": "all"}, "departments"),
    ],
)
def test_bad_briefings_get_400_naming_the_field(api_as, manager, incident, payload, field):
    response = api_as(manager).post(briefings_url(incident), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not StaffBriefing.objects.exists()


def test_a_briefing_to_an_empty_department_is_a_conflict(api_as, manager, incident):
    empty = Department.objects.create(name="Empty for the API")
    response = api_as(manager).post(
        briefings_url(incident), {"text": "x", "departments": [empty.pk]}, format="json"
    )
    assert response.status_code == 409
    assert "departments" in response.json()


def test_anyone_reads_updates_and_briefings(api_as, reader, incident):
    StakeholderUpdateFactory(incident=incident)
    StaffBriefingFactory(incident=incident, departments=[Department.objects.create(name="Ops")])
    assert len(api_as(reader).get(updates_url(incident)).json()["results"]) == 1
    [briefing] = api_as(reader).get(briefings_url(incident)).json()["results"]
    assert briefing["departments"][0]["name"] == "Ops"


def test_unknown_incidents_are_not_found(api_as, manager):
    for url in (
        "/api/v1/incidents/999999/stakeholder-updates/",
        "/api/v1/incidents/999999/briefings/",
    ):
        assert api_as(manager).get(url).status_code == 404
        assert api_as(manager).post(url, {"text": "x"}, format="json").status_code == 404


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("", "application/json"),
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("null", "application/json"),
        ("text=x", "text/plain"),
    ],
)
def test_garbage_never_produces_a_500(api_as, manager, incident, body, content_type):
    client = api_as(manager)
    group = StakeholderGroup.objects.get()
    for method, url in (
        ("post", GROUPS),
        ("patch", f"{GROUPS}{group.pk}/"),
        ("post", updates_url(incident)),
        ("post", briefings_url(incident)),
    ):
        response = getattr(client, method)(url, body, content_type=content_type)
        # An empty PATCH changes nothing and is fine; everything else is refused.
        allowed = (200, 400, 415) if method == "patch" else (400, 415)
        assert response.status_code in allowed, (url, response.status_code)


def test_anonymous_callers_are_refused(api, incident):
    for url in (GROUPS, updates_url(incident), briefings_url(incident)):
        assert api.get(url).status_code == 401
