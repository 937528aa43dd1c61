"""The schedule endpoints: the policies per severity (admins edit them) and the deadlines with
their filters, acknowledging and snoozing an escalation."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from incidents.models import TimelineEvent
from teams import flows
from teams.models import Deadline, EscalationStep, ResponsePolicy
from teams.schedule import engine
from tests.teams.factories import declared_for

pytestmark = pytest.mark.django_db
K = Deadline.Kind

POLICIES = "/api/v1/policies/"
DEADLINES = "/api/v1/deadlines/"


def declare(actor, severity=1, crisis_lead=None, **kwargs):
    """Declared for ``crisis_lead`` (else ``actor``), not acknowledged yet."""
    return declared_for(crisis_lead or actor, title="Recall rumour", severity=severity, **kwargs)


def deadline_of(incident, kind) -> Deadline:
    return Deadline.objects.get(incident=incident, kind=kind)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def incident(manager):
    """A SEV1: acknowledge within 5 minutes, first statement within 15, owned by the manager
    (who declared it and leads it)."""
    return declare(manager)


@pytest.fixture
def acknowledge(incident) -> Deadline:
    return deadline_of(incident, K.ACKNOWLEDGE)


# --- deadlines: reading -------------------------------------------------------------------------


def test_anyone_logged_in_lists_deadlines_soonest_due_first(api_as, reader, manager, incident):
    response = api_as(reader).get(DEADLINES)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert (first["kind"], second["kind"]) == ("acknowledge", "first_statement")
    deadline = deadline_of(incident, K.ACKNOWLEDGE)
    assert first["incident"] == {"id": incident.pk, "reference": incident.reference}
    assert first["kind_label"] == "Acknowledge the incident"
    assert first["subject"] == deadline.subject
    assert first["title"] == f"{incident.reference}: acknowledge the incident"
    assert first["owner"] == {
        "id": manager.pk,
        "username": "manager",
        "name": manager.get_full_name(),
    }
    assert parse_datetime(first["due_at"]) == deadline.due_at
    assert first["overdue"] is False
    assert first["met_at"] is None
    assert first["cancelled_at"] is None
    assert first["cancel_reason"] == ""
    # The SEV1 chain opens with a reminder to the owner two minutes before the due time.
    assert parse_datetime(first["next_step_at"]) == deadline.due_at - timedelta(minutes=2)
    assert first["next_notify"] == ["owner"]
    assert first["acknowledged_at"] is None
    assert first["acknowledged_by"] is None
    assert first["snoozed_until"] is None
    assert first["url"] == incident.get_absolute_url()
    assert first["page"] == f"/team/deadlines/{deadline.pk}/"


def test_anyone_logged_in_reads_one_deadline(api_as, reader, acknowledge):
    response = api_as(reader).get(f"{DEADLINES}{acknowledge.pk}/")
    assert response.status_code == 200
    assert response.json()["id"] == acknowledge.pk
    assert api_as(reader).get(f"{DEADLINES}999999/").status_code == 404
    assert api_as(reader).get(f"{DEADLINES}{'9' * 30}/").status_code == 404


def test_filter_by_incident(api_as, reader, manager, incident):
    other = declare(manager, severity=3)  # SEV3 plans no public statement: acknowledge only
    assert ids(api_as(reader).get(DEADLINES, {"incident": other.pk})) == [
        deadline_of(other, K.ACKNOWLEDGE).pk
    ]
    assert len(ids(api_as(reader).get(DEADLINES, {"incident": incident.pk}))) == 2
    assert ids(api_as(reader).get(DEADLINES, {"incident": 999999})) == []


def test_filter_by_owner_by_id_or_me(api_as, reader, manager, responder, incident):
    theirs = declare(manager, severity=3, crisis_lead=responder)
    mine = deadline_of(theirs, K.ACKNOWLEDGE)
    assert mine.owner == responder
    assert ids(api_as(reader).get(DEADLINES, {"owner": responder.pk})) == [mine.pk]
    assert ids(api_as(responder).get(DEADLINES, {"owner": "me"})) == [mine.pk]
    assert len(ids(api_as(manager).get(DEADLINES, {"owner": "me"}))) == 2
    assert ids(api_as(reader).get(DEADLINES, {"owner": "me"})) == []


def test_filter_open_or_not(api_as, reader, manager, incident, acknowledge):
    flows.incident_acknowledge(actor=manager, incident=incident)  # the deadline is met
    statement = deadline_of(incident, K.FIRST_STATEMENT)
    assert ids(api_as(reader).get(DEADLINES, {"open": "true"})) == [statement.pk]
    assert ids(api_as(reader).get(DEADLINES, {"open": "false"})) == [acknowledge.pk]
    assert len(ids(api_as(reader).get(DEADLINES, {"open": ""}))) == 2
    row = api_as(reader).get(f"{DEADLINES}{acknowledge.pk}/").json()
    assert row["met_at"] is not None
    assert row["next_step_at"] is None
    assert row["next_notify"] == []


def test_filter_overdue_or_not(api_as, reader, manager, incident, acknowledge):
    Deadline.objects.filter(pk=acknowledge.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    statement = deadline_of(incident, K.FIRST_STATEMENT)
    response = api_as(reader).get(DEADLINES, {"overdue": "true"})
    assert ids(response) == [acknowledge.pk]
    assert response.json()["results"][0]["overdue"] is True
    assert ids(api_as(reader).get(DEADLINES, {"overdue": "false"})) == [statement.pk]
    # Met, it is no longer overdue.
    flows.incident_acknowledge(actor=manager, incident=incident)
    assert ids(api_as(reader).get(DEADLINES, {"overdue": "true"})) == []


def test_filter_by_kind(api_as, reader, incident, acknowledge):
    assert ids(api_as(reader).get(DEADLINES, {"kind": "acknowledge"})) == [acknowledge.pk]
    both = api_as(reader).get(f"{DEADLINES}?kind=acknowledge&kind=first_statement")
    assert len(ids(both)) == 2
    assert ids(api_as(reader).get(DEADLINES, {"kind": "mention_reply"})) == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("incident", "abc"),
        ("incident", "0"),
        ("incident", "-1"),
        ("incident", "1.5"),
        ("incident", "²"),
        ("incident", "9" * 60),
        ("owner", "you"),
        ("owner", "ME"),
        ("owner", "0"),
        ("owner", "9" * 60),
        ("owner", "1e309"),
        ("open", "yes"),
        ("open", "1"),
        ("open", "x" * 5000),
        ("overdue", "maybe"),
        ("overdue", "0001-01-01T00:00"),
        ("kind", "nope"),
        ("kind", "a\x1bb"),
    ],
)
def test_a_filter_value_not_understood_is_a_400_naming_it(api_as, reader, incident, name, value):
    response = api_as(reader).get(DEADLINES, {name: value})
    assert response.status_code == 400
    assert name in response.json()


def test_the_list_costs_the_same_queries_for_few_or_many_deadlines(
    api_as, reader, manager, responder, django_assert_max_num_queries
):
    client = api_as(reader)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(DEADLINES)
        assert response.status_code == 200
        return len(captured)

    declare(manager)
    few = queries()
    for n in range(10):
        incident = declare(manager, crisis_lead=responder if n % 2 else manager)
        if n % 3 == 0:
            engine.deadline_acknowledge(
                actor=responder, deadline=deadline_of(incident, K.ACKNOWLEDGE), reason="On it."
            )
    assert Deadline.objects.count() == 22
    assert queries() == few
    with django_assert_max_num_queries(8):
        client.get(DEADLINES)


# --- deadlines: acknowledging and snoozing ---------------------------------------------------


def test_a_reader_may_not_acknowledge_or_snooze(api_as, reader, acknowledge):
    client = api_as(reader)
    # Refused before the input is looked at.
    assert client.post(f"{DEADLINES}{acknowledge.pk}/acknowledge/", {}).status_code == 403
    assert (
        client.post(
            f"{DEADLINES}{acknowledge.pk}/snooze/", {"minutes": 15, "reason": "Later."}
        ).status_code
        == 403
    )
    acknowledge.refresh_from_db()
    assert acknowledge.acknowledged_at is None
    assert acknowledge.snoozed_until is None


@pytest.mark.parametrize("role", ["responder", "manager", "admin_user"])
def test_acknowledging_stops_the_chain(api_as, request, role, incident, acknowledge):
    person = request.getfixturevalue(role)
    response = api_as(person).post(
        f"{DEADLINES}{acknowledge.pk}/acknowledge/", {"reason": "Legal is on it."}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == acknowledge.pk
    assert body["acknowledged_by"]["id"] == person.pk
    assert body["acknowledged_at"] is not None
    assert body["next_step_at"] is None
    assert body["next_notify"] == []
    assert body["met_at"] is None  # still open until it is met
    acknowledge.refresh_from_db()
    assert acknowledge.next_step is None
    assert acknowledge.task_id == ""
    assert incident.events.filter(
        kind=TimelineEvent.Kind.SCHEDULE, text__contains="Legal is on it."
    ).exists()


def test_acknowledging_twice_changes_nothing(api_as, responder, manager, acknowledge):
    url = f"{DEADLINES}{acknowledge.pk}/acknowledge/"
    first = api_as(responder).post(url, {"reason": "Mine."}).json()
    again = api_as(manager).post(url, {"reason": "Mine now."})
    assert again.status_code == 200
    assert again.json()["acknowledged_by"]["id"] == responder.pk
    assert again.json()["acknowledged_at"] == first["acknowledged_at"]


def test_snoozing_holds_the_next_step_until_the_snooze_ends(api_as, responder, acknowledge):
    before = timezone.now()
    response = api_as(responder).post(
        f"{DEADLINES}{acknowledge.pk}/snooze/", {"minutes": 30, "reason": "Waiting on legal."}
    )
    assert response.status_code == 200
    body = response.json()
    snoozed_until = parse_datetime(body["snoozed_until"])
    assert before + timedelta(minutes=30) <= snoozed_until <= timezone.now() + timedelta(minutes=30)
    assert parse_datetime(body["next_step_at"]) >= snoozed_until
    assert body["acknowledged_at"] is None
    acknowledge.refresh_from_db()
    assert acknowledge.next_step_at >= acknowledge.snoozed_until


@pytest.mark.parametrize(
    ("action", "payload", "field"),
    [
        ("acknowledge", {}, "reason"),
        ("acknowledge", {"reason": ""}, "reason"),
        ("acknowledge", {"reason": "   "}, "reason"),
        ("acknowledge", {"reason": "x" * 301}, "reason"),
        ("acknowledge", {"reason": 5}, "reason"),
        ("acknowledge", {"reason": "a\x00b"}, "reason"),
        ("snooze", {"reason": "Later."}, "minutes"),
        ("snooze", {"minutes": 7, "reason": "Later."}, "minutes"),
        ("snooze", {"minutes": "30", "reason": "Later."}, "minutes"),
        ("snooze", {"minutes": 30.0, "reason": "Later."}, "minutes"),
        ("snooze", {"minutes": 10**30, "reason": "Later."}, "minutes"),
        ("snooze", {"minutes": 30}, "reason"),
        ("snooze", {"minutes": 30, "reason": ""}, "reason"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    api_as, responder, acknowledge, action, payload, field
):
    response = api_as(responder).post(f"{DEADLINES}{acknowledge.pk}/{action}/", payload)
    assert response.status_code == 400
    assert field in response.json()
    acknowledge.refresh_from_db()
    assert acknowledge.acknowledged_at is None
    assert acknowledge.snoozed_until is None


@pytest.mark.parametrize(
    ("action", "payload"),
    [("acknowledge", {"reason": "Late."}), ("snooze", {"minutes": 15, "reason": "Later."})],
)
def test_a_met_deadline_is_a_409(
    api_as, responder, manager, incident, acknowledge, action, payload
):
    flows.incident_acknowledge(actor=manager, incident=incident)
    response = api_as(responder).post(f"{DEADLINES}{acknowledge.pk}/{action}/", payload)
    assert response.status_code == 409
    assert "no longer open" in response.json()["detail"]


def test_an_acknowledged_escalation_cannot_be_snoozed(api_as, responder, acknowledge):
    url = f"{DEADLINES}{acknowledge.pk}/"
    api_as(responder).post(f"{url}acknowledge/", {"reason": "Mine."})
    response = api_as(responder).post(f"{url}snooze/", {"minutes": 15, "reason": "Later."})
    assert response.status_code == 409
    assert "acknowledged" in response.json()["detail"]


def test_an_action_on_no_such_deadline_is_a_404(api_as, responder):
    assert (
        api_as(responder).post(f"{DEADLINES}999999/acknowledge/", {"reason": "x"}).status_code
        == 404
    )
    assert (
        api_as(responder)
        .post(f"{DEADLINES}999999/snooze/", {"minutes": 15, "reason": "x"})
        .status_code
        == 404
    )


# --- policies ----------------------------------------------------------------------------------


def test_anyone_logged_in_reads_the_policies_with_their_chains(
    api_as, reader, django_assert_max_num_queries
):
    client = api_as(reader)
    with django_assert_max_num_queries(7):  # the chains come in one query for all four
        response = client.get(POLICIES)
    assert response.status_code == 200
    body = response.json()
    assert [p["severity"] for p in body] == [1, 2, 3, 4]
    sev1 = body[0]
    assert sev1["acknowledge_minutes"] == 5
    assert sev1["statement_minutes"] == 15
    assert sev1["steps"][0] == {"position": 0, "offset_minutes": -2, "targets": ["owner"]}
    assert [s["offset_minutes"] for s in sev1["steps"]] == [-2, 0, 5, 10]
    assert body[3]["statement_minutes"] is None
    one = client.get(f"{POLICIES}3/")
    assert one.status_code == 200
    assert one.json()["severity"] == 3
    assert one.json()["id"] == ResponsePolicy.objects.get(severity=3).pk


@pytest.mark.parametrize("severity", ["0", "5", "12", "abc"])
def test_no_such_severity_is_a_404(api_as, reader, severity):
    assert api_as(reader).get(f"{POLICIES}{severity}/").status_code == 404


@pytest.mark.parametrize("role", ["reader", "responder", "manager"])
def test_only_admins_change_a_policy(api_as, request, role):
    client = api_as(request.getfixturevalue(role))
    assert client.patch(f"{POLICIES}2/", {"acknowledge_minutes": 3}).status_code == 403
    assert client.patch(f"{POLICIES}2/", {"acknowledge_minutes": "x"}).status_code == 403
    assert ResponsePolicy.objects.get(severity=2).acknowledge_minutes == 15


def test_an_admin_changes_only_the_fields_sent_and_keeps_the_chain(api_as, admin_user):
    policy = ResponsePolicy.objects.get(severity=2)
    chain = list(policy.steps.values_list("offset_minutes", "targets"))
    response = api_as(admin_user).patch(
        f"{POLICIES}2/",
        {"acknowledge_minutes": 10, "statement_minutes": None, "approvals_required": 2},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["acknowledge_minutes"] == 10
    assert body["statement_minutes"] is None
    assert body["approvals_required"] == 2
    assert body["update_minutes"] == 60
    assert body["updated_by"]["id"] == admin_user.pk
    policy.refresh_from_db()
    assert policy.acknowledge_minutes == 10
    assert policy.statement_minutes is None
    assert list(policy.steps.values_list("offset_minutes", "targets")) == chain


def test_an_admin_replaces_the_chain(api_as, admin_user):
    steps = [
        {"offset_minutes": -5, "targets": ["owner"]},
        {"offset_minutes": 0, "targets": ["owner", "on_call:communications_lead"]},
        {"offset_minutes": 20, "targets": ["managers", "executive_sponsor"]},
    ]
    response = api_as(admin_user).patch(f"{POLICIES}3/", {"steps": steps, "repeat_times": 0})
    assert response.status_code == 200
    assert response.json()["steps"] == [{"position": n, **step} for n, step in enumerate(steps)]
    assert response.json()["repeat_times"] == 0
    assert list(
        EscalationStep.objects.filter(policy__severity=3).values_list("offset_minutes", flat=True)
    ) == [-5, 0, 20]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"steps": [{"offset_minutes": -10, "targets": ["owner"]}]}, "steps"),
        (
            {
                "steps": [
                    {"offset_minutes": -10, "targets": ["owner"]},
                    {"offset_minutes": -1, "targets": ["managers"]},
                ]
            },
            "steps",
        ),
        (
            {
                "steps": [
                    {"offset_minutes": 10, "targets": ["owner"]},
                    {"offset_minutes": 5, "targets": ["managers"]},
                ]
            },
            "steps",
        ),
        ({"steps": [{"offset_minutes": 0, "targets": ["the_ceo"]}]}, "steps"),
        ({"steps": [{"offset_minutes": 0, "targets": ["on_call:nobody"]}]}, "steps"),
        ({"steps": [{"offset_minutes": 0, "targets": []}]}, "steps"),
        ({"steps": [{"offset_minutes": 0}]}, "steps"),
        ({"steps": [{"offset_minutes": "0", "targets": ["owner"]}]}, "steps"),
        ({"steps": [{"offset_minutes": 0, "targets": ["owner"]}] * 11}, "steps"),
        ({"steps": []}, "steps"),
        ({"steps": {"offset_minutes": 0}}, "steps"),
        ({"acknowledge_minutes": 0}, "acknowledge_minutes"),
        ({"acknowledge_minutes": -5}, "acknowledge_minutes"),
        ({"acknowledge_minutes": None}, "acknowledge_minutes"),
        ({"acknowledge_minutes": "5"}, "acknowledge_minutes"),
        ({"acknowledge_minutes": 7 * 24 * 60 + 1}, "acknowledge_minutes"),
        ({"statement_minutes": 0}, "statement_minutes"),
        ({"update_minutes": -1}, "update_minutes"),
        ({"mention_reply_minutes": 0}, "mention_reply_minutes"),
        ({"repeat_minutes": 0}, "repeat_minutes"),
        ({"repeat_times": -1}, "repeat_times"),
        ({"repeat_times": 25}, "repeat_times"),
        ({"approvals_required": 0}, "approvals_required"),
        ({"approvals_required": 6}, "approvals_required"),
        ({"mention_reply_by_reach": {"lots": 15}}, "mention_reply_by_reach"),
        ({"mention_reply_by_reach": {"0": 15}}, "mention_reply_by_reach"),
        ({"mention_reply_by_reach": {"1000": 0}}, "mention_reply_by_reach"),
        ({"mention_reply_by_reach": [1000, 15]}, "mention_reply_by_reach"),
    ],
)
def test_a_bad_policy_is_a_400_on_the_right_field_and_changes_nothing(
    api_as, admin_user, payload, field
):
    before = ResponsePolicy.objects.get(severity=1)
    chain = list(before.steps.values_list("offset_minutes", "targets"))
    # A good change sent with the bad one is not kept either: all or nothing.
    response = api_as(admin_user).patch(f"{POLICIES}1/", {"repeat_minutes": 7, **payload})
    assert response.status_code == 400
    assert field in response.json()
    after = ResponsePolicy.objects.get(severity=1)
    assert after.repeat_minutes == before.repeat_minutes
    assert after.updated_by is None
    assert list(after.steps.values_list("offset_minutes", "targets")) == chain


def test_a_changed_policy_leaves_running_incidents_alone(api_as, admin_user, acknowledge):
    due = acknowledge.due_at
    response = api_as(admin_user).patch(f"{POLICIES}1/", {"acknowledge_minutes": 60})
    assert response.status_code == 200
    acknowledge.refresh_from_db()
    assert acknowledge.due_at == due
