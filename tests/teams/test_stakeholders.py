"""Stakeholders, the communication plan and staff briefings: services, pages, war-room panels."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from config.errors import ApplicationError, NotPermitted
from incidents import services as incident_services
from incidents.models import ChecklistItem, Incident, Status, TimelineEvent, WarRoomPart
from teams import flows
from teams import services as team_services
from teams.models import (
    Channel,
    CommunicationPlanEntry,
    Department,
    Notification,
    Reason,
    Role,
    StaffBriefing,
    StakeholderContact,
    StakeholderGroup,
    StakeholderUpdate,
    stakeholder_checklist_key,
)
from teams.stakeholders import selectors, services
from teams.stakeholders.views import incident_panel_context, within_label
from tests.incidents.factories import IncidentFactory
from tests.teams.factories import (
    PlanEntryFactory,
    StakeholderContactFactory,
    StakeholderGroupFactory,
    UserFactory,
    responder,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ROLES = ["reader", "responder", "manager", "admin_user"]
MANAGERS = {"manager", "admin_user"}


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def regulators():
    return StakeholderGroupFactory(name="Regulators", kind=StakeholderGroup.Kind.REGULATORS)


@pytest.fixture
def employees():
    return StakeholderGroupFactory(name="Employees", kind=StakeholderGroup.Kind.EMPLOYEES)


@pytest.fixture
def plan(regulators, employees):
    """SEV1: regulators by email in 60 min, employees on the intranet in 30; SEV3: regulators
    by email within a day."""
    return [
        PlanEntryFactory(severity=1, group=regulators, channel=Channel.EMAIL, within_minutes=60),
        PlanEntryFactory(severity=1, group=employees, channel=Channel.INTRANET, within_minutes=30),
        PlanEntryFactory(severity=3, group=regulators, channel=Channel.EMAIL, within_minutes=1440),
    ]


def plan_items(incident: Incident) -> list[ChecklistItem]:
    return list(
        ChecklistItem.objects.filter(incident=incident, key__startswith="stakeholders:").order_by(
            "key"
        )
    )


def events(incident: Incident, kind: str) -> list[TimelineEvent]:
    return list(TimelineEvent.objects.filter(incident=incident, kind=kind).order_by("id"))


def declare(actor, severity: int = 1, **kwargs) -> Incident:
    kwargs.setdefault("detected_at", timezone.now() - timedelta(hours=1))
    return flows.incident_declare(
        actor=actor, title="Battery fire video", severity=severity, **kwargs
    )


# --- the plan becomes checklist items ---------------------------------------------------------


def test_declaring_puts_the_plan_for_its_severity_on_the_checklist(manager, plan):
    before = timezone.now()
    incident = declare(manager, severity=1)
    items = {item.key: item for item in plan_items(incident)}
    regulators, employees = plan[0].group, plan[1].group
    assert set(items) == {
        stakeholder_checklist_key(regulators.pk, Channel.EMAIL),
        stakeholder_checklist_key(employees.pk, Channel.INTRANET),
    }
    by_email = items[stakeholder_checklist_key(regulators.pk, Channel.EMAIL)]
    assert by_email.title == "Tell Regulators via Email"
    assert (
        before + timedelta(minutes=60) <= by_email.due_at <= timezone.now() + timedelta(minutes=60)
    )
    assert by_email.created_by == manager
    checklist_events = events(incident, TimelineEvent.Kind.CHECKLIST)
    assert len(checklist_events) == 2
    assert {e.data["key"] for e in checklist_events} == set(items)


def test_the_plan_entry_notes_go_into_the_title(manager, regulators):
    PlanEntryFactory(severity=2, group=regulators, notes="Name the affected batch")
    incident = declare(manager, severity=2)
    assert plan_items(incident)[0].title == "Tell Regulators via Email: Name the affected batch"


def test_applying_the_plan_again_adds_nothing(manager, plan):
    incident = declare(manager, severity=1)
    first = plan_items(incident)
    timeline = TimelineEvent.objects.filter(incident=incident).count()
    again = services.communication_plan_apply(actor=manager, incident=incident)
    assert sorted(item.pk for item in again) == sorted(item.pk for item in first)
    assert plan_items(incident) == first
    assert TimelineEvent.objects.filter(incident=incident).count() == timeline


def test_a_checklist_item_with_a_key_is_added_once(manager):
    incident = IncidentFactory()
    first = incident_services.checklist_item_create(
        actor=manager, incident=incident, title="Tell the board", key="board:call"
    )
    second = incident_services.checklist_item_create(
        actor=manager, incident=incident, title="Tell the board again", key="board:call"
    )
    assert second.pk == first.pk
    assert second.title == "Tell the board"
    assert len(events(incident, TimelineEvent.Kind.CHECKLIST)) == 1
    # Items without a key are never merged.
    incident_services.checklist_item_create(actor=manager, incident=incident, title="x")
    incident_services.checklist_item_create(actor=manager, incident=incident, title="x")
    assert ChecklistItem.objects.filter(incident=incident).count() == 3


def test_a_checklist_key_too_long_is_refused(manager):
    with pytest.raises(ApplicationError) as refused:
        incident_services.checklist_item_create(
            actor=manager, incident=IncidentFactory(), title="x", key="k" * 101
        )
    assert refused.value.field == "key"


def test_a_severity_without_a_plan_adds_nothing(manager, plan):
    incident = declare(manager, severity=2)
    assert plan_items(incident) == []


def test_a_more_severe_incident_gets_the_new_severitys_items_once(manager, plan):
    incident = declare(manager, severity=3)
    [regulators_in_a_day] = plan_items(incident)
    assert regulators_in_a_day.due_at > timezone.now() + timedelta(hours=23)

    flows.incident_update(actor=manager, incident=incident, severity=1)
    items = plan_items(incident)
    assert len(items) == 2  # the regulators' item is kept, the employees' one added
    regulators = next(i for i in items if i.pk == regulators_in_a_day.pk)
    # SEV1 wants the regulators told within the hour: the open item is brought forward.
    assert regulators.due_at < timezone.now() + timedelta(minutes=61)

    flows.incident_update(actor=manager, incident=incident, severity=2, reason="Contained")
    flows.incident_update(actor=manager, incident=incident, severity=1)
    assert len(plan_items(incident)) == 2


def test_a_less_severe_incident_gets_no_new_items(manager, plan):
    incident = declare(manager, severity=1)
    flows.incident_update(actor=manager, incident=incident, severity=3, reason="Contained")
    assert len(plan_items(incident)) == 2  # SEV3's entry is already covered by SEV1's


def test_a_told_group_keeps_its_item_done_when_severity_rises(manager, plan, responder):
    incident = declare(manager, severity=3)
    services.stakeholder_update_record(
        actor=responder, incident=incident, group=plan[0].group, channel=Channel.EMAIL
    )
    done = plan_items(incident)[0]
    flows.incident_update(actor=manager, incident=incident, severity=1)
    done.refresh_from_db()
    assert done.is_done
    assert len(plan_items(incident)) == 2


@pytest.mark.parametrize("status", [Status.CLOSED, Status.DECLINED])
def test_a_closed_or_declined_incident_is_left_alone(manager, plan, status):
    incident = IncidentFactory(
        severity=1,
        status=status,
        resolved_at=timezone.now() if status == Status.CLOSED else None,
        closed_at=timezone.now(),
    )
    assert services.communication_plan_apply(actor=manager, incident=incident) == []
    assert plan_items(incident) == []


# --- groups, contacts, the plan ---------------------------------------------------------------


def test_a_manager_keeps_groups_and_contacts(manager):
    group = services.stakeholder_group_save(
        actor=manager, name="  Investors ", kind=StakeholderGroup.Kind.INVESTORS
    )
    assert group.name == "Investors"
    services.stakeholder_group_save(
        actor=manager, group=group, name="Investors", kind="investors", description="Board too"
    )
    group.refresh_from_db()
    assert group.description == "Board too"
    contact = services.stakeholder_contact_save(
        actor=manager, group=group, name="Ada", email="ada@fund.example", phone="+90 555"
    )
    assert contact.preferred_channel == Channel.EMAIL
    services.stakeholder_contact_remove(actor=manager, contact=contact)
    assert not StakeholderContact.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "", "kind": "media"}, "name"),
        ({"name": "x" * 151, "kind": "media"}, "name"),
        ({"name": "Press", "kind": "aliens"}, "kind"),
        ({"name": "regulators", "kind": "media"}, "name"),  # taken, whatever the case
    ],
)
def test_bad_groups_are_refused_naming_the_field(manager, regulators, fields, field):
    with pytest.raises(ApplicationError) as refused:
        services.stakeholder_group_save(actor=manager, **fields)
    assert refused.value.field == field
    assert StakeholderGroup.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "Ada", "email": "not-an-email"}, "email"),
        ({"name": "Ada", "phone": "1" * 41}, "phone"),
        ({"name": "Ada", "preferred_channel": "pigeon"}, "preferred_channel"),
    ],
)
def test_bad_contacts_are_refused_naming_the_field(manager, regulators, fields, field):
    with pytest.raises(ApplicationError) as refused:
        services.stakeholder_contact_save(actor=manager, group=regulators, **fields)
    assert refused.value.field == field


def test_the_plan_entry_is_validated(manager, regulators):
    entry = services.plan_entry_save(
        actor=manager, severity=2, group=regulators, channel=Channel.PHONE, within_minutes=15
    )
    for within in (0, 10_081, -5):
        with pytest.raises(ApplicationError) as refused:
            services.plan_entry_save(
                actor=manager,
                severity=2,
                group=regulators,
                channel=Channel.EMAIL,
                within_minutes=within,
            )
        assert refused.value.field == "within_minutes"
    for severity in (0, 5):
        with pytest.raises(ApplicationError) as refused:
            services.plan_entry_save(
                actor=manager,
                severity=severity,
                group=regulators,
                channel=Channel.EMAIL,
                within_minutes=10,
            )
        assert refused.value.field == "severity"
    # Editing an entry without changing its severity, group and channel is no clash.
    services.plan_entry_save(
        actor=manager,
        entry=entry,
        severity=2,
        group=regulators,
        channel=Channel.PHONE,
        within_minutes=10_080,
    )
    entry.refresh_from_db()
    assert entry.within_minutes == 10_080


def test_the_plan_names_a_group_and_channel_once_per_severity(manager, regulators):
    services.plan_entry_save(
        actor=manager, severity=1, group=regulators, channel=Channel.EMAIL, within_minutes=60
    )
    with pytest.raises(ApplicationError) as refused:
        services.plan_entry_save(
            actor=manager, severity=1, group=regulators, channel=Channel.EMAIL, within_minutes=5
        )
    assert refused.value.field == "channel"
    assert refused.value.message == (
        "The plan already tells Regulators via Email for SEV1; change that entry."
    )
    # Another severity or channel is fine.
    services.plan_entry_save(
        actor=manager, severity=2, group=regulators, channel=Channel.EMAIL, within_minutes=60
    )
    entry = services.plan_entry_save(
        actor=manager, severity=1, group=regulators, channel=Channel.PHONE, within_minutes=30
    )
    services.plan_entry_remove(actor=manager, entry=entry)
    assert CommunicationPlanEntry.objects.count() == 2


@pytest.mark.parametrize("role", ["reader", "responder"])
def test_only_managers_and_admins_edit_stakeholders(request, role, regulators):
    actor = request.getfixturevalue(role)
    contact = StakeholderContactFactory(group=regulators)
    entry = PlanEntryFactory(group=regulators)
    calls = [
        lambda: services.stakeholder_group_save(actor=actor, name="Press", kind="media"),
        lambda: services.stakeholder_contact_save(actor=actor, group=regulators, name="Ada"),
        lambda: services.stakeholder_contact_remove(actor=actor, contact=contact),
        lambda: services.plan_entry_save(
            actor=actor, severity=2, group=regulators, channel="sms", within_minutes=5
        ),
        lambda: services.plan_entry_remove(actor=actor, entry=entry),
    ]
    for call in calls:
        with pytest.raises(NotPermitted):
            call()
    assert StakeholderGroup.objects.count() == 1
    assert StakeholderContact.objects.count() == 1
    assert CommunicationPlanEntry.objects.count() == 1


def test_the_admin_may_edit_stakeholders(admin_user):
    group = services.stakeholder_group_save(actor=admin_user, name="Press", kind="media")
    assert group.pk


# --- telling stakeholders ---------------------------------------------------------------------


def test_recording_ticks_the_plan_item_and_lands_on_the_timeline(manager, responder, plan):
    incident = declare(manager, severity=1)
    regulators = plan[0].group
    told_at = timezone.now() - timedelta(minutes=20)
    update = services.stakeholder_update_record(
        actor=responder,
        incident=incident,
        group=regulators,
        channel=Channel.EMAIL,
        told_at=told_at,
        summary="Sent the holding statement",
    )
    assert update.recorded_by == responder
    assert update.told_at == told_at
    item = ChecklistItem.objects.get(
        incident=incident, key=stakeholder_checklist_key(regulators.pk, Channel.EMAIL)
    )
    assert item.is_done
    assert item.done_by == responder
    [told] = events(incident, TimelineEvent.Kind.STAKEHOLDERS)
    assert told.text == "Told Regulators via Email: Sent the holding statement"
    assert told.at == told_at
    assert told.is_backdated
    assert told.data == {
        "update": update.pk,
        "group": regulators.pk,
        "channel": "email",
        "item": item.pk,
    }
    assert events(incident, TimelineEvent.Kind.CHECKLIST)[-1].text.startswith("Done: ")
    # The other item stays open; telling the regulators by phone ticks nothing.
    services.stakeholder_update_record(
        actor=responder, incident=incident, group=regulators, channel=Channel.PHONE
    )
    assert sum(1 for i in plan_items(incident) if not i.is_done) == 1
    assert events(incident, TimelineEvent.Kind.STAKEHOLDERS)[-1].text == (
        "Told Regulators via Phone call"
    )


def test_telling_a_group_twice_records_both(manager, responder, plan):
    incident = declare(manager, severity=1)
    for _ in range(2):
        services.stakeholder_update_record(
            actor=responder, incident=incident, group=plan[0].group, channel=Channel.EMAIL
        )
    assert StakeholderUpdate.objects.filter(incident=incident).count() == 2
    assert len(events(incident, TimelineEvent.Kind.STAKEHOLDERS)) == 2


@pytest.mark.parametrize(
    ("told_at", "message"),
    [
        (lambda i: timezone.now() + timedelta(minutes=5), "This time lies in the future."),
        (
            lambda i: i.detected_at - timedelta(minutes=1),
            "This time lies before the incident was detected.",
        ),
        (lambda i: timezone.now().replace(tzinfo=None), "Give the time with its timezone."),
    ],
)
def test_an_impossible_time_is_refused(responder, regulators, told_at, message):
    incident = IncidentFactory()
    with pytest.raises(ApplicationError) as refused:
        services.stakeholder_update_record(
            actor=responder,
            incident=incident,
            group=regulators,
            channel=Channel.EMAIL,
            told_at=told_at(incident),
        )
    assert (refused.value.field, refused.value.message) == ("told_at", message)
    assert not StakeholderUpdate.objects.exists()
    assert not TimelineEvent.objects.filter(incident=incident).exists()


def test_recording_refuses_bad_input_and_readers(reader, responder, regulators):
    incident = IncidentFactory()
    with pytest.raises(ApplicationError) as refused:
        services.stakeholder_update_record(
            actor=responder, incident=incident, group=regulators, channel="pigeon"
        )
    assert refused.value.field == "channel"
    with pytest.raises(ApplicationError) as refused:
        services.stakeholder_update_record(
            actor=responder,
            incident=incident,
            group=regulators,
            channel="email",
            summary="x" * 5001,
        )
    assert refused.value.field == "summary"
    with pytest.raises(NotPermitted):
        services.stakeholder_update_record(
            actor=reader, incident=incident, group=regulators, channel="email"
        )
    assert not StakeholderUpdate.objects.exists()


def test_a_closed_incident_takes_no_more_updates(responder, regulators):
    incident = IncidentFactory(
        status=Status.CLOSED, resolved_at=timezone.now(), closed_at=timezone.now()
    )
    with pytest.raises(ApplicationError, match="part of the record"):
        services.stakeholder_update_record(
            actor=responder, incident=incident, group=regulators, channel="email"
        )


# --- briefing all staff -----------------------------------------------------------------------


@pytest.fixture
def departments():
    legal = Department.objects.create(name="Briefed legal")
    care = Department.objects.create(name="Briefed care")
    return legal, care


@pytest.fixture
def staff(departments):
    legal, care = departments
    return {
        "legal": [UserFactory(department=legal) for _ in range(2)],
        "care": [UserFactory(department=care) for _ in range(3)],
        "gone": UserFactory(department=legal, is_active=False),
    }


def test_a_briefing_reaches_every_active_person_once(
    manager, staff, django_capture_on_commit_callbacks
):
    incident = declare(manager, severity=2)
    before = set(Notification.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        briefing = services.staff_briefing_send(
            actor=manager, incident=incident, text="  Do not comment publicly; refer to PR.  "
        )
        # Nobody is notified inside the request's transaction: Celery does it after commit.
        assert not Notification.objects.exclude(pk__in=before).exists()
    active = get_user_model().objects.filter(is_active=True)
    assert briefing.recipient_count == active.count()
    assert briefing.text == "Do not comment publicly; refer to PR."
    sent = Notification.objects.exclude(pk__in=before)
    assert sorted(sent.values_list("recipient", flat=True)) == sorted(
        active.values_list("pk", flat=True)
    )
    assert not sent.filter(recipient=staff["gone"]).exists()
    note = sent.get(recipient=staff["care"][0])
    assert note.reason == Reason.STAFF_BRIEFING
    assert note.subject == f"staff-briefing:{briefing.pk}"
    assert note.title == f"{incident.reference}: staff briefing"
    assert note.body == "Do not comment publicly; refer to PR."
    assert note.url == incident.get_absolute_url()
    assert note.incident == incident
    [event] = events(incident, TimelineEvent.Kind.BRIEFING)
    assert event.text == (
        f"Staff briefing to all staff, to be delivered to {briefing.recipient_count} people: "
        "Do not comment publicly; refer to PR."
    )
    assert event.data["briefing"] == briefing.pk


def test_a_briefing_to_departments_reaches_only_their_people(
    manager, staff, departments, django_capture_on_commit_callbacks
):
    legal, care = departments
    incident = declare(manager, severity=2)
    with django_capture_on_commit_callbacks(execute=True):
        briefing = services.staff_briefing_send(
            actor=manager, incident=incident, text="Legal, hold", departments=[care, legal, care]
        )
    assert briefing.recipient_count == 5
    assert set(briefing.departments.all()) == {legal, care}
    reached = set(
        Notification.objects.filter(reason=Reason.STAFF_BRIEFING).values_list(
            "recipient", flat=True
        )
    )
    assert reached == {p.pk for p in staff["legal"] + staff["care"]}
    [event] = events(incident, TimelineEvent.Kind.BRIEFING)
    assert event.text.startswith(
        "Staff briefing to Briefed care, Briefed legal, to be delivered to 5 people"
    )
    assert event.data["departments"] == [care.pk, legal.pk]


def test_each_briefing_notifies_each_person_once(
    manager, staff, departments, django_capture_on_commit_callbacks
):
    from teams.tasks import brief_staff

    incident = declare(manager, severity=2)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.staff_briefing_send(actor=manager, incident=incident, text="One")
        second = services.staff_briefing_send(
            actor=manager, incident=incident, text="Two", departments=departments
        )
    brief_staff(first.pk)  # a redelivered task notifies nobody twice
    for briefing in (first, second):
        counts = Notification.objects.filter(subject=f"staff-briefing:{briefing.pk}")
        assert counts.count() == briefing.recipient_count
        assert counts.values("recipient").distinct().count() == briefing.recipient_count


def chunk_tasks(callbacks) -> list[int]:
    """The ``after`` of each staff-briefing chunk queued among these on-commit callbacks."""
    return [
        callback.args[2]
        for callback in callbacks
        if getattr(callback, "args", ())[:1] == ("teams.tasks.brief_staff",)
    ]


def test_a_briefing_to_many_people_goes_out_in_chunks(
    manager, staff, django_capture_on_commit_callbacks, settings
):
    settings.STAFF_BRIEFING_CHUNK = 2
    incident = declare(manager, severity=2)
    people = list(get_user_model().objects.filter(is_active=True).order_by("pk"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        briefing = services.staff_briefing_send(actor=manager, incident=incident, text="Hold")
        assert briefing.notified_count == 0  # nobody inside the request: Celery does it
    # One task per chunk of two people, each starting after the last person of the one before.
    assert chunk_tasks(callbacks) == [0] + [person.pk for person in people[1:-1:2]]
    briefing.refresh_from_db()
    assert briefing.recipient_count == briefing.notified_count == len(people)
    assert briefing.notified_at is not None
    assert briefing.queued_at is None
    reached = Notification.objects.filter(subject=f"staff-briefing:{briefing.pk}")
    assert sorted(reached.values_list("recipient", flat=True)) == [p.pk for p in people]


def test_a_lost_chunk_is_queued_again_and_nobody_is_told_twice(
    manager, staff, django_capture_on_commit_callbacks, settings
):
    from teams.tasks import brief_staff

    settings.STAFF_BRIEFING_CHUNK = 2
    incident = declare(manager, severity=2)
    with django_capture_on_commit_callbacks(execute=False):  # committed, then the process died
        briefing = services.staff_briefing_send(actor=manager, incident=incident, text="Hold")
    soon = timezone.now() + timedelta(seconds=settings.DELIVERY_REQUEUE_SECONDS - 5)
    assert services.staff_briefings_sweep(now=soon) == 0  # its task may still come
    late = timezone.now() + timedelta(seconds=settings.DELIVERY_REQUEUE_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.staff_briefings_sweep(now=late) == 1
    briefing.refresh_from_db()
    assert briefing.notified_at is not None
    assert briefing.notified_count == briefing.recipient_count
    # The lost first task arrives after all, and a later sweep runs: nobody is told again.
    assert brief_staff(briefing.pk, 0) == 0
    assert services.staff_briefings_sweep(now=late + timedelta(hours=1)) == 0
    reached = Notification.objects.filter(subject=f"staff-briefing:{briefing.pk}")
    assert reached.count() == reached.values("recipient").distinct().count()
    assert reached.count() == briefing.recipient_count


def test_the_crisis_lead_may_brief_but_another_responder_may_not(manager, responder2, staff):
    lead = responder(username="lead")
    incident = declare(manager, severity=2, crisis_lead=lead)
    briefing = services.staff_briefing_send(actor=lead, incident=incident, text="From the lead")
    assert briefing.author == lead
    with pytest.raises(NotPermitted):
        services.staff_briefing_send(actor=responder2, incident=incident, text="Not my incident")
    # Once relieved, the former lead may not brief either.
    team_services.role_assign(
        actor=manager,
        incident=incident,
        role=Role.objects.get(slug=Role.CRISIS_LEAD),
        person=responder2,
    )
    with pytest.raises(NotPermitted):
        services.staff_briefing_send(actor=lead, incident=incident, text="Again")
    assert services.staff_briefing_send(actor=responder2, incident=incident, text="New lead")
    assert StaffBriefing.objects.count() == 2


def test_readers_may_not_brief(reader, manager):
    incident = declare(manager, severity=2)
    with pytest.raises(NotPermitted):
        services.staff_briefing_send(actor=reader, incident=incident, text="x")


def test_the_admin_may_brief(admin_user, manager):
    incident = declare(manager, severity=2)
    assert services.staff_briefing_send(actor=admin_user, incident=incident, text="x")


@pytest.mark.parametrize(("text", "field"), [("", "text"), ("   ", "text"), ("x" * 5001, "text")])
def test_a_briefing_needs_its_text(manager, text, field):
    incident = declare(manager, severity=2)
    with pytest.raises(ApplicationError) as refused:
        services.staff_briefing_send(actor=manager, incident=incident, text=text)
    assert refused.value.field == field
    assert not StaffBriefing.objects.exists()


def test_a_briefing_to_an_empty_department_is_refused(manager):
    empty = Department.objects.create(name="Nobody works here")
    incident = declare(manager, severity=2)
    with pytest.raises(ApplicationError) as refused:
        services.staff_briefing_send(
            actor=manager, incident=incident, text="x", departments=[empty]
        )
    assert refused.value.field == "departments"
    assert not StaffBriefing.objects.exists()


def test_a_closed_incident_sends_no_briefing(manager):
    incident = IncidentFactory(
        status=Status.CLOSED, resolved_at=timezone.now(), closed_at=timezone.now()
    )
    with pytest.raises(ApplicationError, match="part of the record"):
        services.staff_briefing_send(actor=manager, incident=incident, text="x")


# --- small pieces -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "label"),
    [(1, "1 min"), (60, "1 h"), (90, "1 h 30 min"), (1440, "1 day"), (3000, "2 days 2 h")],
)
def test_within_reads_as_words(minutes, label):
    assert within_label(minutes) == label


def test_plan_keys_are_read_back():
    key = stakeholder_checklist_key(42, Channel.PRESS_RELEASE)
    assert key.startswith(selectors.PLAN_KEY_PREFIX)
    assert selectors.parse_plan_key(key) == (42, "press_release")
    assert selectors.parse_plan_key("stakeholders:x:email") == (None, "")
    assert selectors.parse_plan_key("other") == (None, "")


# --- the stakeholders page --------------------------------------------------------------------


INDEX = "/team/stakeholders/"


def test_the_page_lives_under_the_team(client, reader):
    assert reverse("stakeholders:index") == INDEX
    client.force_login(reader)
    page = html(client.get(INDEX))
    assert "No stakeholder group yet" in page
    assert "Nobody is told for SEV1 yet." in page


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_plan_only_managers_see_controls(client, request, role, plan):
    StakeholderContactFactory(group=plan[0].group, name="Deniz Kaya", phone="+90 212 555")
    client.force_login(request.getfixturevalue(role))
    response = client.get(INDEX)
    assert response.status_code == 200
    page = html(response)
    assert "Regulators" in page
    assert "Deniz Kaya" in page
    assert f'data-testid="plan-entry-{plan[0].pk}"' in page
    assert "1 day" in page  # SEV3's "within 1440 minutes"
    assert "Nobody is told for SEV2 yet." in page
    assert ('data-testid="plan-form"' in page) == (role in MANAGERS)
    assert ('data-testid="group-add"' in page) == (role in MANAGERS)
    assert (reverse("stakeholders:plan-edit", args=[plan[0].pk]) in page) == (role in MANAGERS)


@pytest.mark.parametrize("role", ["reader", "responder"])
def test_posting_without_the_permission_is_forbidden(client, request, role, plan):
    group = plan[0].group
    contact = StakeholderContactFactory(group=group)
    client.force_login(request.getfixturevalue(role))
    attempts = [
        ("stakeholders:group-add", [], {"name": "Press", "kind": "media"}),
        ("stakeholders:group-edit", [group.pk], {"name": "Renamed", "kind": "media"}),
        ("stakeholders:contact-add", [group.pk], {"name": "Ada", "preferred_channel": "email"}),
        ("stakeholders:contact-edit", [contact.pk], {"name": "Ada", "preferred_channel": "sms"}),
        ("stakeholders:contact-remove", [contact.pk], {}),
        (
            "stakeholders:plan-add",
            [],
            {"severity": 2, "group": group.pk, "channel": "sms", "within_minutes": 5},
        ),
        (
            "stakeholders:plan-edit",
            [plan[0].pk],
            {"severity": 2, "group": group.pk, "channel": "sms", "within_minutes": 5},
        ),
        ("stakeholders:plan-remove", [plan[0].pk], {}),
    ]
    for name, args, data in attempts:
        assert client.post(reverse(name, args=args), data).status_code == 403, name
        assert client.post(reverse(name, args=args), data, **HTMX).status_code == 403, name
    assert client.get(reverse("stakeholders:group-add")).status_code == 403
    assert StakeholderGroup.objects.count() == 2
    assert StakeholderGroup.objects.filter(name="Regulators").exists()
    assert StakeholderContact.objects.get() == contact
    assert CommunicationPlanEntry.objects.count() == 3


def test_a_manager_adds_and_edits_a_group(client, manager, regulators):
    client.force_login(manager)
    response = client.post(
        reverse("stakeholders:group-add"),
        {"name": "Media", "kind": "media", "description": "Newsrooms we know"},
    )
    group = StakeholderGroup.objects.get(name="Media")
    assert response.status_code == 302
    assert response["Location"] == f"{INDEX}#group-{group.pk}"
    response = client.post(
        reverse("stakeholders:group-edit", args=[group.pk]), {"name": "REGULATORS", "kind": "media"}
    )
    assert response.status_code == 200
    assert "There is already a group called" in html(response)
    response = client.post(
        reverse("stakeholders:group-edit", args=[group.pk]), {"name": "Press", "kind": "aliens"}
    )
    assert response.status_code == 200
    assert "is-invalid" in html(response)
    client.post(
        reverse("stakeholders:group-edit", args=[group.pk]), {"name": "Press", "kind": "media"}
    )
    group.refresh_from_db()
    assert group.name == "Press"
    assert client.get(reverse("stakeholders:group-edit", args=[999_999])).status_code == 404


def test_a_manager_keeps_the_contacts(client, manager, regulators):
    client.force_login(manager)
    add = reverse("stakeholders:contact-add", args=[regulators.pk])
    assert "Add a contact to Regulators" in html(client.get(add))
    response = client.post(add, {"name": "Ada", "email": "nope", "preferred_channel": "email"})
    assert response.status_code == 200
    assert not StakeholderContact.objects.exists()
    response = client.post(
        add, {"name": "Ada", "email": "ada@gov.example", "preferred_channel": "phone"}
    )
    assert response.status_code == 302
    contact = StakeholderContact.objects.get()
    assert contact.group == regulators
    assert contact.preferred_channel == Channel.PHONE
    client.post(
        reverse("stakeholders:contact-edit", args=[contact.pk]),
        {"name": "Ada Lovelace", "preferred_channel": "email"},
    )
    contact.refresh_from_db()
    assert contact.name == "Ada Lovelace"
    client.post(reverse("stakeholders:contact-remove", args=[contact.pk]))
    assert not StakeholderContact.objects.exists()


def test_a_manager_builds_the_plan_with_htmx(client, manager, regulators):
    client.force_login(manager)
    add = reverse("stakeholders:plan-add")
    data = {"severity": 1, "group": regulators.pk, "channel": "email", "within_minutes": 90}
    response = client.post(add, data, **HTMX)
    assert response.status_code == 200
    entry = CommunicationPlanEntry.objects.get()
    assert f'data-testid="plan-entry-{entry.pk}"' in html(response)
    assert "1 h 30 min" in html(response)

    response = client.post(add, data, **HTMX)
    assert response.status_code == 200
    assert "The plan already tells Regulators via Email for SEV1" in html(response)
    for bad in ({"within_minutes": 0}, {"within_minutes": "soon"}, {"group": 999_999}):
        response = client.post(add, {**data, "channel": "sms", **bad}, **HTMX)
        assert response.status_code == 200
        assert "is-invalid" in html(response)
    assert CommunicationPlanEntry.objects.count() == 1

    response = client.post(reverse("stakeholders:plan-remove", args=[entry.pk]), **HTMX)
    assert response.status_code == 200
    assert "Nobody is told for SEV1 yet." in html(response)
    assert not CommunicationPlanEntry.objects.exists()


def test_the_plan_works_without_htmx(client, manager, regulators):
    client.force_login(manager)
    data = {"severity": 2, "group": regulators.pk, "channel": "sms", "within_minutes": 15}
    response = client.post(reverse("stakeholders:plan-add"), data)
    assert response.status_code == 302
    entry = CommunicationPlanEntry.objects.get()
    response = client.post(reverse("stakeholders:plan-add"), data)
    assert response.status_code == 200  # the form again, with its error
    assert "The plan already tells" in html(response)
    edit = reverse("stakeholders:plan-edit", args=[entry.pk])
    assert client.post(edit, {**data, "within_minutes": 45}).status_code == 302
    entry.refresh_from_db()
    assert entry.within_minutes == 45
    assert client.post(reverse("stakeholders:plan-remove", args=[entry.pk])).status_code == 302
    assert not CommunicationPlanEntry.objects.exists()


# --- the war-room panels ----------------------------------------------------------------------


def panel_url(name: str, incident: Incident) -> str:
    return reverse(f"stakeholders:{name}", kwargs={"reference": incident.reference})


def test_the_panel_context_serves_its_partial(rf, manager, plan):
    incident = declare(manager, severity=1)
    request = rf.get("/")
    request.user = manager
    context = incident_panel_context(request, incident)
    assert len(context["stakeholder_plan_items"]) == 2
    assert context["stakeholder_plan_open"] == 2
    assert context["stakeholder_updates"] == []
    assert context["can_record_stakeholder_update"]
    assert context["incident"] == incident


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_panels(client, request, role, manager, plan):
    incident = declare(manager, severity=1)
    viewer = request.getfixturevalue(role)
    client.force_login(viewer)
    page = html(client.get(panel_url("incident-panel", incident)))
    assert "Tell Regulators via Email" in page
    assert "Nobody recorded as told yet." in page
    assert ('data-testid="stakeholder-update-form"' in page) == (role != "reader")
    page = html(
        client.get(
            reverse(
                "communications:incident-briefing-panel",
                kwargs={"reference": incident.reference},
            )
        )
    )
    assert "No staff briefing yet." in page
    # Whoever may write a message may write a briefing; it goes out once approved.
    assert ('data-testid="briefing-form"' in page) == (role != "reader")


def test_the_panel_without_a_plan_says_so(client, reader, manager):
    incident = declare(manager, severity=4)
    client.force_login(reader)
    page = html(client.get(panel_url("incident-panel", incident)))
    assert "The communication plan names nobody to tell for SEV4." in page


def test_recording_from_the_panel(client, responder, manager, plan):
    incident = declare(manager, severity=1)
    regulators = plan[0].group
    client.force_login(responder)
    response = client.post(
        panel_url("update-record", incident),
        {"group": regulators.pk, "channel": "email", "summary": "Called the desk officer"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "timeline-changed" in response["HX-Trigger"]
    page = html(response)
    assert 'data-testid="stakeholder-updates"' in page
    assert "Called the desk officer" in page
    assert StakeholderUpdate.objects.get().recorded_by == responder
    done = {item.key: item.is_done for item in plan_items(incident)}
    assert done == {
        stakeholder_checklist_key(regulators.pk, "email"): True,
        stakeholder_checklist_key(plan[1].group.pk, "intranet"): False,
    }


def test_refusals_show_in_the_panel_and_nothing_is_recorded(client, responder, reader, plan):
    incident = IncidentFactory(severity=1)
    regulators = plan[0].group
    client.force_login(responder)
    url = panel_url("update-record", incident)
    future = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    for data, message in [
        ({"group": regulators.pk, "channel": "email", "told_at": future}, "in the future"),
        ({"group": regulators.pk, "channel": "pigeon"}, "is-invalid"),
        ({"group": "abc", "channel": "email"}, "Choose one of the stakeholder groups."),
        ({"group": regulators.pk, "channel": "email", "told_at": "yesterday"}, "is-invalid"),
    ]:
        response = client.post(url, data, **HTMX)
        assert response.status_code == 200
        assert "HX-Trigger" not in response
        assert message in html(response)
    client.force_login(reader)
    response = client.post(url, {"group": regulators.pk, "channel": "email"}, **HTMX)
    assert "does not allow" in html(response)
    assert not StakeholderUpdate.objects.exists()


def test_recording_without_htmx_goes_back_to_the_incident(client, responder, regulators):
    incident = IncidentFactory()
    client.force_login(responder)
    response = client.post(
        panel_url("update-record", incident), {"group": regulators.pk, "channel": "email"}
    )
    assert response.status_code == 302
    assert response["Location"] == incident.part_url(WarRoomPart.STAKEHOLDERS)
    assert StakeholderUpdate.objects.count() == 1


def test_unknown_incidents_are_not_found(client, manager):
    client.force_login(manager)
    fake = Incident(reference="INC-1999-0001")
    assert client.get(panel_url("incident-panel", fake)).status_code == 404
