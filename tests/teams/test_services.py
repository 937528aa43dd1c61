import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from config.errors import ApplicationError, NotPermitted
from incidents.models import Status, TimelineEvent
from teams import flows, selectors, services
from teams.models import (
    Delivery,
    Notification,
    NotificationPreference,
    OnCallShift,
    Reason,
    Role,
    RoleAssignment,
    RosterMember,
)
from tests.incidents.factories import IncidentFactory
from tests.teams.factories import UserFactory, responder

pytestmark = pytest.mark.django_db


def role(slug: str) -> Role:
    return Role.objects.get(slug=slug)


@pytest.fixture
def incident(manager):
    return flows.incident_declare(actor=manager, title="Outage rumour", severity=2)


def active(incident, slug=Role.CRISIS_LEAD):
    return list(
        RoleAssignment.objects.filter(incident=incident, role_id=slug, relieved_at__isnull=True)
    )


# --- the catalogue ----------------------------------------------------------------------------


def test_the_role_catalogue_exists_with_responsibilities():
    slugs = set(Role.objects.values_list("slug", flat=True))
    assert slugs >= {
        "crisis_lead",
        "communications_lead",
        "approver",
        "social_media_operator",
        "legal_reviewer",
        "customer_care_lead",
        "scribe",
        "subject_matter_expert",
        "executive_sponsor",
    }
    assert all(r.responsibilities for r in Role.objects.all())


# --- roles on an incident ---------------------------------------------------------------------


def test_the_declarer_leads_the_incident(incident, manager):
    [lead] = active(incident)
    assert lead.person == manager
    assert selectors.crisis_lead_of(incident=incident) == manager


def test_declaring_can_name_another_crisis_lead(manager, responder):
    incident = flows.incident_declare(actor=manager, title="x", severity=3, crisis_lead=responder)
    assert selectors.crisis_lead_of(incident=incident) == responder
    assert Notification.objects.filter(recipient=responder, reason=Reason.ROLE_ASSIGNED).exists()


def test_the_database_refuses_a_second_active_crisis_lead(incident, responder, manager):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(
            incident=incident, role=role(Role.CRISIS_LEAD), person=responder, assigned_by=manager
        )


def test_the_service_hands_the_crisis_lead_over_and_leaves_exactly_one(
    incident, manager, responder
):
    services.role_assign(
        actor=manager, incident=incident, role=role(Role.CRISIS_LEAD), person=responder
    )
    [lead] = active(incident)
    assert lead.person == responder
    old = RoleAssignment.objects.get(incident=incident, person=manager)
    assert old.relieved_by == manager
    assert old.relieved_at is not None
    event = TimelineEvent.objects.filter(incident=incident, kind="role").latest("id")
    assert "handed over" in event.text
    assert Notification.objects.filter(recipient=responder, reason=Reason.ROLE_ASSIGNED).exists()
    assert Notification.objects.filter(recipient=manager, reason=Reason.ROLE_RELIEVED).exists()


def test_the_crisis_lead_cannot_be_added_beside_the_current_one(incident, manager, responder):
    with pytest.raises(ApplicationError, match="hand the role over"):
        services.role_assign(
            actor=manager,
            incident=incident,
            role=role(Role.CRISIS_LEAD),
            person=responder,
            hand_over=False,
        )
    assert len(active(incident)) == 1


def test_the_crisis_lead_of_an_open_incident_cannot_just_be_relieved(incident, manager):
    [lead] = active(incident)
    with pytest.raises(ApplicationError, match="always has a crisis lead"):
        services.role_relieve(actor=manager, assignment=lead)
    assert len(active(incident)) == 1


def test_other_roles_take_several_people_and_can_be_relieved(incident, manager, responder):
    sme = role(Role.SUBJECT_MATTER_EXPERT)
    expert = UserFactory()
    services.role_assign(actor=manager, incident=incident, role=sme, person=responder)
    services.role_assign(actor=manager, incident=incident, role=sme, person=expert)
    assert {a.person for a in active(incident, sme.slug)} == {responder, expert}
    with pytest.raises(ApplicationError, match="already holds"):
        services.role_assign(actor=manager, incident=incident, role=sme, person=expert)

    [assignment] = [a for a in active(incident, sme.slug) if a.person == expert]
    services.role_relieve(actor=manager, assignment=assignment)
    assert {a.person for a in active(incident, sme.slug)} == {responder}
    # History is kept.
    assert RoleAssignment.objects.filter(incident=incident, role=sme).count() == 2


def test_hand_over_of_any_role_relieves_all_current_holders(incident, manager, responder):
    scribe = role(Role.SCRIBE)
    first, second = UserFactory(), UserFactory()
    services.role_assign(actor=manager, incident=incident, role=scribe, person=first)
    services.role_assign(actor=manager, incident=incident, role=scribe, person=second)
    services.role_assign(
        actor=manager, incident=incident, role=scribe, person=responder, hand_over=True
    )
    assert [a.person for a in active(incident, scribe.slug)] == [responder]


def test_who_may_staff_an_incident(incident, manager, responder, responder2):
    scribe = role(Role.SCRIBE)
    # A responder who is not the crisis lead may not.
    with pytest.raises(NotPermitted):
        services.role_assign(actor=responder, incident=incident, role=scribe, person=responder2)
    # The incident's crisis lead may, even as a responder.
    services.role_assign(
        actor=manager, incident=incident, role=role(Role.CRISIS_LEAD), person=responder
    )
    services.role_assign(actor=responder, incident=incident, role=scribe, person=responder2)
    # ... but not on another incident.
    other = IncidentFactory()
    with pytest.raises(NotPermitted):
        services.role_assign(actor=responder, incident=other, role=scribe, person=responder2)


def test_roles_of_a_closed_incident_are_part_of_the_record(manager, responder):
    closed = IncidentFactory(
        status=Status.CLOSED,
        acknowledged_at=timezone.now(),
        resolved_at=timezone.now(),
        closed_at=timezone.now(),
    )
    with pytest.raises(ApplicationError, match="part of the record"):
        services.role_assign(
            actor=manager, incident=closed, role=role(Role.SCRIBE), person=responder
        )


def test_an_inactive_person_cannot_take_a_role(incident, manager):
    gone = UserFactory(is_active=False)
    with pytest.raises(ApplicationError) as error:
        services.role_assign(actor=manager, incident=incident, role=role(Role.SCRIBE), person=gone)
    assert error.value.field == "person"


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_handovers_leave_exactly_one_crisis_lead():
    manager = UserFactory(groups=["Manager"])
    incident = flows.incident_declare(actor=manager, title="Race", severity=1)
    candidates = [responder() for _ in range(4)]
    barrier = threading.Barrier(len(candidates))
    errors: list[BaseException] = []

    def hand_over(person):
        try:
            barrier.wait()
            services.role_assign(
                actor=manager, incident=incident, role=role(Role.CRISIS_LEAD), person=person
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hand_over, args=(p,)) for p in candidates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(active(incident)) == 1
    assert RoleAssignment.objects.filter(incident=incident).count() == 5


# --- roster and on-call -----------------------------------------------------------------------


def test_roster_add_and_gaps(manager, responder, responder2):
    lead = role(Role.CRISIS_LEAD)
    services.roster_add(actor=manager, role=lead, person=responder, kind="primary")
    with pytest.raises(ApplicationError, match="already on the roster"):
        services.roster_add(actor=manager, role=lead, person=responder, kind="backup")
    rows = {row.role.slug: row for row in selectors.roster(user=manager)}
    assert rows[Role.CRISIS_LEAD].gaps == ["backup"]
    services.roster_add(actor=manager, role=lead, person=responder2, kind="backup")
    rows = {row.role.slug: row for row in selectors.roster(user=manager)}
    assert rows[Role.CRISIS_LEAD].gaps == []
    assert rows[Role.SCRIBE].gaps == ["primary", "backup"]


def test_only_managers_edit_the_roster(responder):
    with pytest.raises(NotPermitted):
        services.roster_add(
            actor=responder, role=role(Role.SCRIBE), person=responder, kind="primary"
        )
    assert not RosterMember.objects.exists()


def test_on_call_now_prefers_the_shift_then_the_roster_then_backups(manager, responder):
    approver = role(Role.APPROVER)
    primary, backup = UserFactory(), UserFactory()
    assert selectors.on_call_now(role=approver) == []
    services.roster_add(actor=manager, role=approver, person=backup, kind="backup")
    assert selectors.on_call_now(role=approver) == [backup]
    services.roster_add(actor=manager, role=approver, person=primary, kind="primary")
    assert selectors.on_call_now(role=approver) == [primary]
    now = timezone.now()
    services.shift_add(
        actor=manager,
        role=approver,
        person=responder,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=7),
    )
    assert selectors.on_call_now(role="approver") == [responder]
    assert selectors.on_call_now(role=approver, at=now + timedelta(hours=8)) == [primary]


def test_a_shift_ends_after_it_starts(manager, responder):
    now = timezone.now()
    with pytest.raises(ApplicationError) as error:
        services.shift_add(
            actor=manager,
            role=role(Role.APPROVER),
            person=responder,
            starts_at=now,
            ends_at=now - timedelta(minutes=1),
        )
    assert error.value.field == "ends_at"


# --- notifications ----------------------------------------------------------------------------


def notify_once(person, subject="subject:1"):
    return services.notify(
        recipients=[person],
        reason=Reason.ROLE_ASSIGNED,
        subject=subject,
        title="You are the scribe",
        url="/incidents/",
    )


def test_a_repeated_notification_inserts_nothing(responder):
    responder.email = "r@example.com"
    responder.save()
    assert len(notify_once(responder)) == 1
    assert notify_once(responder) == []
    assert Notification.objects.filter(recipient=responder).count() == 1
    assert Delivery.objects.filter(notification__recipient=responder).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_make_one_notification():
    person = UserFactory(email="p@example.com")
    barrier = threading.Barrier(2)
    results: list[int] = []

    def send():
        try:
            barrier.wait()
            with transaction.atomic():
                results.append(len(notify_once(person, subject="race:1")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 1]
    assert Notification.objects.filter(recipient=person).count() == 1
    assert Delivery.objects.filter(notification__recipient=person).count() == 1


def test_profile_webhook_must_be_public_https(responder):
    with pytest.raises(ApplicationError) as refused:
        services.person_update_profile(
            actor=responder, person=responder, webhook_url="https://192.168.0.10/hook"
        )
    assert refused.value.field == "webhook_url"
    assert refused.value.message == (
        "Only public https addresses are allowed: 192.168.0.10 is a private network address."
    )
    person = services.person_update_profile(
        actor=responder, person=responder, webhook_url=" https://93.184.215.14/services/x "
    )
    assert person.webhook_url == "https://93.184.215.14/services/x"


def test_notification_titles_are_one_line(responder):
    [notification] = services.notify(
        recipients=[responder],
        reason=Reason.ROLE_ASSIGNED,
        subject="role-assignment:1",
        title="INC-1:\r\nyou are\u2028lead\n",
    )
    assert notification.title == "INC-1: you are lead"


def test_preferences_choose_the_channels(responder):
    responder.email = "r@example.com"
    responder.webhook_url = "https://hooks.example.com/T000/B000/XXX"
    responder.save()
    services.notification_preferences_set(
        actor=responder, person=responder, choices={Reason.ROLE_ASSIGNED: (False, True)}
    )
    [notification] = notify_once(responder)
    assert [d.channel for d in notification.deliveries.all()] == ["webhook"]


def test_inactive_people_are_not_notified():
    assert notify_once(UserFactory(is_active=False)) == []


def test_someone_else_cannot_set_my_preferences(responder, responder2):
    with pytest.raises(NotPermitted):
        services.notification_preferences_set(
            actor=responder2, person=responder, choices={Reason.ROLE_ASSIGNED: (False, False)}
        )
    assert not NotificationPreference.objects.exists()


def test_mark_read_is_for_the_recipient_only(responder, responder2):
    [notification] = notify_once(responder)
    with pytest.raises(NotPermitted):
        services.notification_mark_read(actor=responder2, notification=notification)
    services.notification_mark_read(actor=responder, notification=notification)
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert selectors.unread_notification_count(user=responder) == 0


# --- reaching a role --------------------------------------------------------------------------


def test_notify_role_reaches_the_incident_holders_first(incident, manager, responder):
    services.role_assign(
        actor=manager, incident=incident, role=role(Role.LEGAL_REVIEWER), person=responder
    )
    services.roster_add(
        actor=manager, role=role(Role.LEGAL_REVIEWER), person=manager, kind="primary"
    )
    sent = services.notify_role(
        role=Role.LEGAL_REVIEWER,
        incident=incident,
        reason=Reason.ROLE_ASSIGNED,
        subject="review:1",
        title="Please review",
    )
    assert [n.recipient for n in sent] == [responder]


def test_notify_role_falls_back_to_whoever_is_on_call(manager, responder):
    services.roster_add(
        actor=manager, role=role(Role.EXECUTIVE_SPONSOR), person=responder, kind="primary"
    )
    sent = services.notify_role(
        role=role(Role.EXECUTIVE_SPONSOR),
        reason=Reason.ROLE_ASSIGNED,
        subject="escalation:1",
        title="Escalation",
    )
    assert [n.recipient for n in sent] == [responder]


def test_assigning_a_checklist_item_notifies_the_assignee(incident, manager, responder):
    item = flows.checklist_item_add(
        actor=manager, incident=incident, title="Call the regulator", assignee=responder
    )
    [notification] = Notification.objects.filter(
        recipient=responder, reason=Reason.CHECKLIST_ASSIGNED
    )
    assert "Call the regulator" in notification.title
    # Assigning to oneself notifies nobody.
    flows.checklist_item_update(actor=manager, item=item, assignee=manager)
    assert not Notification.objects.filter(
        recipient=manager, reason=Reason.CHECKLIST_ASSIGNED
    ).exists()


def test_a_shift_that_has_begun_stays_on_record(manager, responder):
    now = timezone.now()
    began = services.shift_add(
        actor=manager,
        role=role(Role.APPROVER),
        person=responder,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    with pytest.raises(ApplicationError, match="record"):
        services.shift_remove(actor=manager, shift=began)
    planned = services.shift_add(
        actor=manager,
        role=role(Role.APPROVER),
        person=responder,
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=8),
    )
    services.shift_remove(actor=manager, shift=planned)
    assert list(OnCallShift.objects.all()) == [began]


def test_the_board_the_api_and_a_role_s_reach_give_one_on_call_answer(
    client, api_as, manager, responder, responder2
):
    """Shift, roster primary, backup only, nobody, and a primary who left (never on call):
    the on-call page, the API and whom a role reaches agree for every role."""
    now = timezone.now()
    left = UserFactory(is_active=False)
    backup = UserFactory()
    services.shift_add(
        actor=manager,
        role=role(Role.APPROVER),
        person=responder,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    services.roster_add(actor=manager, role=role(Role.APPROVER), person=manager, kind="primary")
    services.roster_add(actor=manager, role=role(Role.SCRIBE), person=responder2, kind="primary")
    RosterMember.objects.create(role=role(Role.LEGAL_REVIEWER), person=left, kind="primary")
    services.roster_add(actor=manager, role=role(Role.LEGAL_REVIEWER), person=backup, kind="backup")
    expected = {
        Role.APPROVER: ("shift", [responder.pk]),
        Role.SCRIBE: ("roster", [responder2.pk]),
        Role.LEGAL_REVIEWER: ("backup", [backup.pk]),
        Role.EXECUTIVE_SPONSOR: ("nobody", []),
    }
    api = {
        row["role"]["slug"]: (row["source"], [p["id"] for p in row["people"]])
        for row in api_as(manager).get("/api/v1/oncall/").json()["now"]
    }
    client.force_login(manager)
    board = {
        answer.role.slug: (answer.source, [p.pk for p in answer.people])
        for answer in client.get("/team/on-call/").context["board"]
    }
    for slug, answer in expected.items():
        assert api[slug] == answer
        assert board[slug] == answer
        assert [p.pk for p in selectors.role_holders(role=slug)] == answer[1]
