import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from config.errors import ApplicationError, NotPermitted
from incidents import services
from incidents.lifecycle import TRANSITIONS
from incidents.models import (
    ChecklistItem,
    Claim,
    ClaimStatus,
    Incident,
    Severity,
    Status,
    TimelineEvent,
)
from postmortems.flows import incident_transition
from teams import flows
from tests.incidents.factories import ChecklistItemFactory, ClaimFactory, IncidentFactory
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

ALL_STATUSES = list(Status)


def incident_in(status: Status, severity: int = Severity.SEV3) -> Incident:
    """An incident whose timestamps are consistent with the status it is in."""
    now = timezone.now()
    fields: dict = {"status": status, "severity": severity}
    if status != Status.DETECTED:
        fields["acknowledged_at"] = now - timedelta(minutes=90)
    if status in (Status.RESOLVED, Status.CLOSED):
        fields["resolved_at"] = now - timedelta(minutes=30)
    if status in (Status.CLOSED, Status.DECLINED):
        fields["closed_at"] = now - timedelta(minutes=10)
    return IncidentFactory.create(**fields)


def events(incident: Incident, kind: str | None = None) -> list[TimelineEvent]:
    queryset = TimelineEvent.objects.filter(incident=incident).order_by("id")
    if kind:
        queryset = queryset.filter(kind=kind)
    return list(queryset)


# --- declaring --------------------------------------------------------------------------------


def test_declare_assigns_reference_writes_timeline_and_tags(responder):
    incident = flows.incident_declare(
        actor=responder,
        title="  Video claims contaminated batch ",
        severity=Severity.SEV1,
        category="product_quality",
        source="listening_alert",
        tags=["Video", "video", " product "],
        summary="Spreading fast.",
    )
    year = timezone.now().year
    assert incident.reference == f"INC-{year}-0001"
    assert incident.title == "Video claims contaminated batch"
    assert incident.status == Status.DETECTED
    assert incident.declared_by == responder
    assert sorted(incident.tags.values_list("name", flat=True)) == ["product", "video"]
    [event, role, acknowledged] = events(incident)
    assert event.kind == TimelineEvent.Kind.DECLARED
    assert role.kind == TimelineEvent.Kind.ROLE
    assert event.actor == responder
    assert event.data["severity"] == 1
    # Declaring is acknowledging: the declarer leads and has seen it.
    assert acknowledged.kind == TimelineEvent.Kind.ACKNOWLEDGED
    assert acknowledged.actor == responder
    assert incident.acknowledged_at is not None
    second = flows.incident_declare(actor=responder, title="Another", severity=4)
    assert second.reference == f"INC-{year}-0002"


def test_a_lead_named_by_the_declarer_acknowledges_for_themselves(responder, manager):
    incident = flows.incident_declare(
        actor=responder, title="Recall rumour", severity=Severity.SEV2, crisis_lead=manager
    )
    assert incident.acknowledged_at is None
    assert TimelineEvent.Kind.ACKNOWLEDGED not in {e.kind for e in events(incident)}
    flows.incident_acknowledge(actor=manager, incident=incident)
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("title", {"title": "   "}),
        ("title", {"title": "x" * 201}),
        ("severity", {"severity": 7}),
        ("category", {"category": "aliens"}),
        ("source", {"source": "psychic"}),
        ("detected_at", {"detected_at": timezone.now() + timedelta(hours=1)}),
        ("tags", {"tags": [f"t{i}" for i in range(21)]}),
    ],
)
def test_declare_refuses_bad_input_with_the_field_named(responder, field, kwargs):
    arguments = {"title": "Valid", "severity": 2, **kwargs}
    with pytest.raises(ApplicationError) as error:
        flows.incident_declare(actor=responder, **arguments)
    assert error.value.field == field
    assert not Incident.objects.exists()


def test_declare_needs_the_declare_permission(reader):
    with pytest.raises(NotPermitted):
        flows.incident_declare(actor=reader, title="Nope", severity=3)
    assert not Incident.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_incident_is_recorded_whole_or_not_at_all(responder, monkeypatch):
    """Its record, its reference, its tags and its first timeline line are one transaction: a
    failure half-way leaves no incident without its history."""

    def fails(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "timeline_event_record", fails)
    with pytest.raises(RuntimeError):
        services.incident_create(actor=responder, title="Recall rumour", severity=2, tags=["x"])
    assert not Incident.objects.exists()


def test_declare_keeps_a_past_detection_time(responder):
    detected = timezone.now() - timedelta(hours=5)
    incident = flows.incident_declare(
        actor=responder, title="Seen earlier", severity=3, detected_at=detected
    )
    assert incident.detected_at == detected


@pytest.mark.django_db(transaction=True)
def test_references_stay_unique_when_people_declare_at_the_same_moment():
    actors = [UserFactory(groups=["Responder"]) for _ in range(8)]
    barrier = threading.Barrier(len(actors))
    references: list[str] = []
    errors: list[BaseException] = []

    def declare(actor):
        try:
            barrier.wait()
            incident = flows.incident_declare(actor=actor, title="Same moment", severity=2)
            references.append(incident.reference)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=declare, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    year = timezone.now().year
    assert sorted(references) == [f"INC-{year}-{n:04d}" for n in range(1, 9)]


def test_the_database_refuses_a_duplicate_reference(responder):
    incident = flows.incident_declare(actor=responder, title="One", severity=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentFactory(reference=incident.reference)


# --- the lifecycle ----------------------------------------------------------------------------

ALLOWED = [(s, t) for s in ALL_STATUSES for t in ALL_STATUSES if t in TRANSITIONS[s]]
FORBIDDEN = [
    (s, t) for s in ALL_STATUSES for t in ALL_STATUSES if s != t and t not in TRANSITIONS[s]
]


def test_the_table_has_the_designed_moves():
    assert set(ALLOWED) == {
        (Status.DETECTED, Status.TRIAGED),
        (Status.DETECTED, Status.RESPONDING),
        (Status.DETECTED, Status.DECLINED),
        (Status.TRIAGED, Status.RESPONDING),
        (Status.TRIAGED, Status.DECLINED),
        (Status.RESPONDING, Status.MONITORING),
        (Status.RESPONDING, Status.RESOLVED),
        (Status.MONITORING, Status.RESPONDING),
        (Status.MONITORING, Status.RESOLVED),
        (Status.RESOLVED, Status.CLOSED),
        (Status.RESOLVED, Status.RESPONDING),
    }


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_every_allowed_move_succeeds_and_is_on_the_timeline(manager, source, target):
    incident = incident_in(source)
    moved = incident_transition(
        actor=manager, incident=incident, to=target, reason="checked", waiver="waived"
    )
    moved.refresh_from_db()
    assert moved.status == target
    [event] = events(moved, TimelineEvent.Kind.STATUS)
    assert event.actor == manager
    assert event.data == {"from": source, "to": target, "reason": "checked"}


@pytest.mark.parametrize(("source", "target"), FORBIDDEN)
def test_every_forbidden_move_is_refused_with_a_clear_error(admin_user, source, target):
    incident = incident_in(source)
    with pytest.raises(services.TransitionNotAllowed) as error:
        incident_transition(actor=admin_user, incident=incident, to=target)
    assert error.value.field == "to"
    assert str(Status(source).label) in error.value.message
    incident.refresh_from_db()
    assert incident.status == source
    assert events(incident) == []


def test_an_unknown_status_is_refused(manager):
    incident = incident_in(Status.DETECTED)
    with pytest.raises(services.TransitionNotAllowed):
        incident_transition(actor=manager, incident=incident, to="exploded")


def test_moving_to_the_same_status_changes_nothing(manager):
    incident = incident_in(Status.RESPONDING)
    incident_transition(actor=manager, incident=incident, to=Status.RESPONDING)
    assert events(incident) == []


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (Status.DETECTED, Status.DECLINED),
        (Status.TRIAGED, Status.DECLINED),
        (Status.RESOLVED, Status.CLOSED),
        (Status.RESOLVED, Status.RESPONDING),
    ],
)
def test_declining_closing_and_reopening_are_for_managers(responder, source, target):
    incident = incident_in(source)
    with pytest.raises(NotPermitted):
        incident_transition(actor=responder, incident=incident, to=target, reason="r", waiver="w")
    incident.refresh_from_db()
    assert incident.status == source


def test_a_reader_cannot_move_an_incident(reader):
    incident = incident_in(Status.DETECTED)
    with pytest.raises(NotPermitted):
        incident_transition(actor=reader, incident=incident, to=Status.TRIAGED)


def test_declining_needs_a_reason(manager):
    incident = incident_in(Status.DETECTED)
    with pytest.raises(ApplicationError) as error:
        incident_transition(actor=manager, incident=incident, to=Status.DECLINED)
    assert error.value.field == "reason"


@pytest.mark.parametrize("severity", [Severity.SEV1, Severity.SEV2])
def test_closing_a_sev1_or_sev2_needs_a_recorded_waiver(manager, severity):
    incident = incident_in(Status.RESOLVED, severity=severity)
    with pytest.raises(ApplicationError) as error:
        incident_transition(actor=manager, incident=incident, to=Status.CLOSED)
    assert error.value.field == "waiver"
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED

    incident_transition(
        actor=manager, incident=incident, to=Status.CLOSED, waiver="Reviewed in the weekly."
    )
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED
    [waiver] = events(incident, TimelineEvent.Kind.WAIVER)
    assert waiver.text == "Reviewed in the weekly."
    assert waiver.actor == manager


@pytest.mark.parametrize("severity", [Severity.SEV3, Severity.SEV4])
def test_closing_a_minor_incident_needs_no_waiver(manager, severity):
    incident = incident_in(Status.RESOLVED, severity=severity)
    incident_transition(actor=manager, incident=incident, to=Status.CLOSED)
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED


def test_leaving_detected_acknowledges(responder):
    incident = incident_in(Status.DETECTED)
    assert incident.acknowledged_at is None
    incident_transition(actor=responder, incident=incident, to=Status.TRIAGED)
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None


def test_resolving_stamps_and_reopening_clears_resolved_at(manager):
    incident = incident_in(Status.RESPONDING)
    incident_transition(actor=manager, incident=incident, to=Status.RESOLVED)
    incident.refresh_from_db()
    assert incident.resolved_at is not None
    assert incident.closed_at is None

    incident_transition(actor=manager, incident=incident, to=Status.RESPONDING)
    incident.refresh_from_db()
    assert incident.status == Status.RESPONDING
    assert incident.resolved_at is None
    [_resolved, reopened] = events(incident, TimelineEvent.Kind.STATUS)
    assert reopened.text.startswith("Reopened")


def test_closing_and_declining_stamp_closed_at(manager):
    resolved = incident_in(Status.RESOLVED)
    incident_transition(actor=manager, incident=resolved, to=Status.CLOSED)
    resolved.refresh_from_db()
    assert resolved.closed_at is not None
    assert resolved.closed_at >= resolved.resolved_at

    detected = incident_in(Status.DETECTED)
    incident_transition(
        actor=manager, incident=detected, to=Status.DECLINED, reason="Parody account"
    )
    detected.refresh_from_db()
    assert detected.closed_at is not None
    assert detected.resolved_at is None


@pytest.mark.parametrize(
    "fields",
    [
        {"acknowledged_at": "before"},
        {"first_response_at": "before"},
        {"resolved_at": "before", "status": Status.RESOLVED},
        {"closed_at": "before", "status": Status.CLOSED},
        {"resolved_at": "now", "status": Status.RESPONDING},
        {"closed_at": "now", "status": Status.RESOLVED, "resolved_at": "now"},
        {"status": Status.CLOSED, "resolved_at": "now", "closed_at": "hour-ago"},
    ],
)
def test_the_database_refuses_timestamps_out_of_order(fields):
    now = timezone.now()
    detected = now - timedelta(days=2)
    when = {
        "before": detected - timedelta(days=1),
        "now": now,
        "hour-ago": now - timedelta(hours=1),
    }
    row = {name: when.get(value, value) for name, value in fields.items()}
    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentFactory(detected_at=detected, **row)


# --- update, acknowledge, notes ---------------------------------------------------------------


def test_update_records_old_and_new_values(responder):
    incident = flows.incident_declare(actor=responder, title="First", severity=3, tags=["a"])
    services.incident_change(
        actor=responder, incident=incident, title="Second", severity=1, tags=["a", "b"]
    )
    incident.refresh_from_db()
    assert (incident.title, incident.severity) == ("Second", 1)
    [severity] = events(incident, TimelineEvent.Kind.SEVERITY)
    assert severity.data == {"from": 3, "to": 1}
    [updated] = events(incident, TimelineEvent.Kind.UPDATED)
    assert updated.data == {
        "title": {"from": "First", "to": "Second"},
        "tags": {"from": ["a"], "to": ["a", "b"]},
    }


def test_update_without_changes_writes_nothing(responder):
    incident = flows.incident_declare(actor=responder, title="Same", severity=3)
    before = len(events(incident))
    services.incident_change(actor=responder, incident=incident, title="Same", severity=3)
    assert len(events(incident)) == before


def test_a_closed_incident_cannot_be_edited(manager):
    incident = incident_in(Status.CLOSED)
    with pytest.raises(ApplicationError, match="cannot be changed"):
        services.incident_change(actor=manager, incident=incident, title="Rewrite history")


def test_acknowledge_once(responder, responder2):
    incident = incident_in(Status.DETECTED)
    services.incident_acknowledge(actor=responder, incident=incident)
    first = Incident.objects.get(pk=incident.pk).acknowledged_at
    services.incident_acknowledge(actor=responder2, incident=incident)
    assert Incident.objects.get(pk=incident.pk).acknowledged_at == first
    assert len(events(incident, TimelineEvent.Kind.ACKNOWLEDGED)) == 1


def test_a_note_can_be_backdated_and_keeps_who_and_when(responder):
    incident = incident_in(Status.RESPONDING)
    happened = timezone.now() - timedelta(hours=3)
    note = services.incident_note_add(
        actor=responder, incident=incident, text="Call with the regulator", at=happened
    )
    assert note.at == happened
    assert note.actor == responder
    assert note.recorded_at > happened
    assert note.is_backdated


@pytest.mark.parametrize(
    ("text", "at", "field"),
    [
        ("  ", None, "text"),
        ("x" * 10_001, None, "text"),
        ("Later", timezone.now() + timedelta(days=1), "at"),
    ],
)
def test_bad_notes_are_refused(responder, text, at, field):
    incident = incident_in(Status.RESPONDING)
    with pytest.raises(ApplicationError) as error:
        services.incident_note_add(actor=responder, incident=incident, text=text, at=at)
    assert error.value.field == field


def test_a_reader_cannot_add_a_note(reader):
    with pytest.raises(NotPermitted):
        services.incident_note_add(actor=reader, incident=incident_in(Status.TRIAGED), text="x")


@pytest.mark.django_db(transaction=True)
def test_the_timeline_is_append_only_in_the_database(responder):
    incident = incident_in(Status.RESPONDING)
    note = services.incident_note_add(actor=responder, incident=incident, text="Original")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        TimelineEvent.objects.filter(pk=note.pk).update(text="Rewritten")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        TimelineEvent.objects.filter(pk=note.pk).delete()
    assert TimelineEvent.objects.get(pk=note.pk).text == "Original"


# --- claims -----------------------------------------------------------------------------------


def test_claim_lifecycle_with_evidence(responder, manager):
    incident = incident_in(Status.RESPONDING)
    claim = services.claim_add(
        actor=responder,
        incident=incident,
        statement="Batch made people ill",
        seen_at_location="https://x.com/a/status/1",
    )
    assert claim.status == ClaimStatus.UNVERIFIED
    claim = services.claim_set_status(
        actor=responder, claim=claim, status=ClaimStatus.INVESTIGATING
    )
    assert claim.verified_at is None

    with pytest.raises(ApplicationError) as error:
        services.claim_set_status(actor=manager, claim=claim, status=ClaimStatus.FALSE)
    assert error.value.field == "evidence"

    claim = services.claim_set_status(
        actor=manager, claim=claim, status=ClaimStatus.FALSE, evidence="Lab report #12"
    )
    assert (claim.verified_by, claim.evidence) == (manager, "Lab report #12")
    assert claim.verified_at is not None
    changes = [e.data for e in events(incident, TimelineEvent.Kind.CLAIM)]
    assert changes[-1] == {
        "claim": claim.pk,
        "from": ClaimStatus.INVESTIGATING,
        "to": ClaimStatus.FALSE,
        "evidence": "Lab report #12",
    }

    claim = services.claim_set_status(actor=manager, claim=claim, status=ClaimStatus.INVESTIGATING)
    assert claim.verified_by is None
    assert claim.verified_at is None


def test_claims_need_text_and_a_known_status(responder):
    incident = incident_in(Status.RESPONDING)
    with pytest.raises(ApplicationError):
        services.claim_add(actor=responder, incident=incident, statement=" ")
    claim = ClaimFactory(incident=incident)
    with pytest.raises(ApplicationError):
        services.claim_set_status(actor=responder, claim=claim, status="maybe")


def test_a_reader_cannot_record_or_verify_claims(reader):
    incident = incident_in(Status.RESPONDING)
    with pytest.raises(NotPermitted):
        services.claim_add(actor=reader, incident=incident, statement="x")
    with pytest.raises(NotPermitted):
        services.claim_set_status(
            actor=reader, claim=ClaimFactory(incident=incident), status=ClaimStatus.INVESTIGATING
        )
    assert Claim.objects.filter(status=ClaimStatus.INVESTIGATING).count() == 0


def test_the_database_ties_verification_to_a_verdict():
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimFactory(status=ClaimStatus.CONFIRMED, verified_at=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimFactory(status=ClaimStatus.UNVERIFIED, verified_at=timezone.now())


# --- checklist --------------------------------------------------------------------------------


def test_checklist_item_add_assign_due_done_reopen(manager, responder):
    incident = incident_in(Status.RESPONDING)
    item = services.checklist_item_create(
        actor=manager, incident=incident, title="Publish holding statement"
    )
    due = timezone.now() + timedelta(minutes=15)
    item = services.checklist_item_assign(actor=manager, item=item, assignee=responder)
    item = services.checklist_item_set_due(actor=manager, item=item, due_at=due)
    item = services.checklist_item_set_done(actor=responder, item=item, done=True)
    item.refresh_from_db()
    assert (item.assignee, item.due_at, item.done_by) == (responder, due, responder)
    assert item.done_at is not None

    item = services.checklist_item_set_done(actor=responder, item=item, done=False)
    item.refresh_from_db()
    assert item.done_at is None
    assert item.done_by is None
    kinds = [e.text for e in events(incident, TimelineEvent.Kind.CHECKLIST)]
    assert len(kinds) == 5
    assert kinds[-1].startswith("Reopened")


def test_repeating_a_checklist_change_writes_nothing(manager):
    item = ChecklistItemFactory(incident=incident_in(Status.RESPONDING))
    services.checklist_item_set_done(actor=manager, item=item, done=True)
    services.checklist_item_set_done(actor=manager, item=item, done=True)
    services.checklist_item_assign(actor=manager, item=item, assignee=None)
    assert len(events(item.incident, TimelineEvent.Kind.CHECKLIST)) == 1


def test_checklist_refuses_inactive_assignees_and_empty_titles(manager):
    incident = incident_in(Status.RESPONDING)
    gone = UserFactory(is_active=False)
    with pytest.raises(ApplicationError) as error:
        services.checklist_item_create(actor=manager, incident=incident, title="x", assignee=gone)
    assert error.value.field == "assignee"
    with pytest.raises(ApplicationError) as error:
        services.checklist_item_create(actor=manager, incident=incident, title="")
    assert error.value.field == "title"
    assert not ChecklistItem.objects.exists()


def test_a_reader_cannot_work_the_checklist(reader):
    item = ChecklistItemFactory(incident=incident_in(Status.RESPONDING))
    with pytest.raises(NotPermitted):
        services.checklist_item_set_done(actor=reader, item=item, done=True)
    with pytest.raises(NotPermitted):
        services.checklist_item_create(actor=reader, incident=item.incident, title="x")


def test_a_declined_incident_takes_no_more_claims_or_checklist_items(manager):
    incident = incident_in(Status.DECLINED)
    with pytest.raises(ApplicationError, match="cannot be changed"):
        services.claim_add(actor=manager, incident=incident, statement="late")
    with pytest.raises(ApplicationError, match="cannot be changed"):
        services.checklist_item_create(actor=manager, incident=incident, title="late")
    # Notes stay possible: the record can still be annotated.
    services.incident_note_add(actor=manager, incident=incident, text="Lesson noted")
