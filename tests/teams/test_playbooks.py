"""Playbooks: written as versions (an edit never changes what an incident was given),
declared from once however often the declaration is sent, applied later adding only what is
missing, with the roster's suggestions and the stakeholders to tell."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from config.errors import ApplicationError, Conflict, NotPermitted
from incidents.models import ChecklistItem, Incident, TimelineEvent
from teams import flows
from teams.models import Deadline, PlaybookRun, PlaybookVersion, Role, RosterMember
from teams.playbooks import selectors, services
from teams.schedule import engine
from teams.services import role_assign
from tests.teams.factories import StakeholderGroupFactory, manager, responder

pytestmark = pytest.mark.django_db

CHECKLIST = [
    {"title": "Confirm the facts with product safety", "due_minutes": 30},
    {"title": "Pull the batch numbers", "due_minutes": 60},
    {"title": "Brief customer care", "due_minutes": None},
]


def write(actor, **overrides):
    group = overrides.pop("group", None) or StakeholderGroupFactory(name="Regulators")
    fields = {
        "name": "Product safety rumour",
        "category": "product_quality",
        "scenario": "A post says a product hurt someone.",
        "severity_hint": 2,
        "first_steps": "1. Do not confirm or deny.\n2. Gather the facts.",
        "checklist": CHECKLIST,
        "roles": [Role.objects.get(pk=Role.LEGAL_REVIEWER)],
        "stakeholders": [{"group": group, "channel": "email", "within_minutes": 120}],
        **overrides,
    }
    return services.playbook_save(actor=actor, **fields)


def keys(incident):
    return sorted(incident.checklist.exclude(key="").values_list("key", flat=True))


def test_a_new_playbook_is_version_one_and_an_edit_is_the_next_version():
    boss = manager()
    first = write(boss)
    assert (first.number, first.note) == (1, "First version")
    second = services.playbook_save(
        actor=boss,
        playbook=first.playbook,
        checklist=[*CHECKLIST, {"title": "Call the supplier", "due_minutes": 90}],
        note="Supplier call added",
    )
    assert second.number == 2
    assert second.scenario == first.scenario  # what was not given is copied
    assert list(second.roles.values_list("pk", flat=True)) == [Role.LEGAL_REVIEWER]
    assert second.stakeholders.count() == 1
    first.refresh_from_db()
    assert len(first.checklist) == 3  # the old version is as it was
    assert selectors.playbook_current(first.playbook) == second


def test_saving_without_a_change_writes_no_version():
    boss = manager()
    first = write(boss)
    again = services.playbook_save(actor=boss, playbook=first.playbook, checklist=CHECKLIST)
    assert again == first
    assert PlaybookVersion.objects.count() == 1


def test_an_edit_after_an_incident_started_from_it_changes_nothing_on_the_incident():
    boss = manager()
    version = write(boss)
    incident = flows.incident_declare(
        actor=boss, title="Rumour", severity=2, playbook=version.playbook
    )
    before = list(incident.checklist.values_list("title", "due_at"))
    services.playbook_save(
        actor=boss,
        playbook=version.playbook,
        checklist=[{"title": "Something else entirely", "due_minutes": 5}],
    )
    assert list(incident.checklist.values_list("title", "due_at")) == before
    run = selectors.playbook_runs(incident).get()
    assert run.version.number == 1


def test_declaring_from_a_playbook_applies_its_checklist_roles_and_stakeholders():
    boss = manager()
    lawyer = responder(first_name="Lena", last_name="Law")
    RosterMember.objects.create(role_id=Role.LEGAL_REVIEWER, person=lawyer)
    version = write(boss)
    with time_machine.travel("2026-12-04 10:00 +0000", tick=False):
        incident = flows.incident_declare(
            actor=boss, title="Rumour", severity=2, playbook=version.playbook
        )
    items = {item.title: item for item in incident.checklist.all()}
    due = items["Confirm the facts with product safety"].due_at
    assert due == incident.created_at + timedelta(minutes=30)
    assert items["Brief customer care"].due_at is None
    assert "Staff the role Legal reviewer (from the roster: Lena Law)" in items
    assert items["Tell Regulators via Email"].due_at == incident.created_at + timedelta(hours=2)
    # Due items are deadlines of the response schedule.
    planned = Deadline.objects.filter(
        kind=Deadline.Kind.CHECKLIST_ITEM,
        subject=f"checklist-item:{items['Pull the batch numbers'].pk}",
    ).get()
    assert planned.due_at == incident.created_at + timedelta(hours=1)
    note = incident.events.filter(kind=TimelineEvent.Kind.NOTE).get()
    assert "Product safety rumour" in note.text
    assert "5 items added" in note.text


def test_declaring_twice_with_the_same_key_declares_once_and_adds_each_item_once():
    boss = manager()
    version = write(boss)
    first = flows.incident_declare(
        actor=boss, title="Rumour", severity=2, playbook=version.playbook, declare_key="k-1"
    )
    count = first.checklist.count()
    second = flows.incident_declare(
        actor=boss, title="Rumour", severity=2, playbook=version.playbook, declare_key="k-1"
    )
    assert second.pk == first.pk
    assert Incident.objects.count() == 1
    assert first.checklist.count() == count
    assert PlaybookRun.objects.count() == 1


def test_someone_elses_declare_key_is_refused_and_a_bad_key_names_the_field():
    version = write(manager())
    flows.incident_declare(actor=manager(), title="One", severity=3, declare_key="shared")
    with pytest.raises(Conflict) as refused:
        flows.incident_declare(actor=manager(), title="Two", severity=3, declare_key="shared")
    assert refused.value.field == "declare_key"
    with pytest.raises(ApplicationError) as bad:
        flows.incident_declare(
            actor=manager(), title="Two", severity=3, declare_key="no spaces <script>"
        )
    assert bad.value.field == "declare_key"
    assert Incident.objects.count() == 1
    assert version.playbook.archived_at is None


@pytest.mark.django_db(transaction=True)
def test_two_sends_at_the_same_moment_declare_once():
    boss = manager()
    version = write(boss)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def send():
        try:
            barrier.wait()
            results.append(
                flows.incident_declare(
                    actor=boss,
                    title="Rumour",
                    severity=2,
                    playbook=version.playbook,
                    declare_key="race-1",
                ).pk
            )
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1
    assert Incident.objects.count() == 1
    incident = Incident.objects.get()
    assert incident.checklist.filter(key__startswith="playbook:").count() == 3


def test_applying_later_adds_only_what_is_missing():
    boss = manager()
    version = write(boss)
    incident = flows.incident_declare(actor=boss, title="Rumour", severity=2)
    run, added = flows.incident_playbook_apply(
        actor=boss, incident=incident, playbook=version.playbook
    )
    assert len(added) == 5
    # Someone ticks one item and removes nothing; a newer version adds one item.
    services.playbook_save(
        actor=boss,
        playbook=version.playbook,
        checklist=[*CHECKLIST, {"title": "Call the supplier", "due_minutes": 90}],
    )
    before = keys(incident)
    run2, added2 = flows.incident_playbook_apply(
        actor=boss, incident=incident, playbook=version.playbook
    )
    assert [item.title for item in added2] == ["Call the supplier"]
    assert len(keys(incident)) == len(before) + 1
    assert run2.version.number == 2
    assert run.version.number == 1
    _, again = flows.incident_playbook_apply(
        actor=boss, incident=incident, playbook=version.playbook
    )
    assert again == []
    notes = incident.events.filter(kind=TimelineEvent.Kind.NOTE, text__startswith="Playbook")
    assert notes.count() == 2  # the third apply added nothing and said nothing


def test_a_role_already_held_is_not_asked_for_and_a_plan_item_is_not_doubled():
    boss = manager()
    group = StakeholderGroupFactory(name="Press")
    version = write(boss, group=group, roles=[Role.objects.get(pk=Role.CRISIS_LEAD)])
    # The communication plan already asks to tell the press by email.
    from tests.teams.factories import PlanEntryFactory

    PlanEntryFactory(severity=2, group=group, channel="email", within_minutes=30)
    incident = flows.incident_declare(
        actor=boss, title="Rumour", severity=2, playbook=version.playbook
    )
    titles = list(incident.checklist.values_list("title", flat=True))
    assert not any(title.startswith("Staff the role") for title in titles)
    assert incident.checklist.filter(key=f"stakeholders:{group.pk}:email").count() == 1


def test_who_may_write_and_apply():
    version = write(manager())
    with pytest.raises(NotPermitted):
        services.playbook_save(actor=responder(), playbook=version.playbook, scenario="x")
    incident = flows.incident_declare(actor=manager(), title="Rumour", severity=3)
    # A responder may add checklist items, so may apply a playbook.
    _, added = flows.incident_playbook_apply(
        actor=responder(), incident=incident, playbook=version.playbook
    )
    assert added


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "  "}, "name"),
        ({"category": "weather"}, "category"),
        ({"scenario": ""}, "scenario"),
        ({"severity_hint": 9}, "severity_hint"),
        ({"checklist": [{"title": "", "due_minutes": 5}]}, "checklist"),
        ({"checklist": [{"title": "A", "due_minutes": -1}]}, "checklist"),
        ({"checklist": [{"title": "A", "due_minutes": "30"}]}, "checklist"),
        ({"checklist": [{"title": "A"}, {"title": "a"}]}, "checklist"),
        ({"checklist": ["just text"]}, "checklist"),
        ({"checklist": [{"title": f"Item {n}"} for n in range(51)]}, "checklist"),
        ({"roles": ["crisis_lead"]}, "roles"),
        (
            {"stakeholders": [{"group": None, "channel": "email", "within_minutes": 5}]},
            "stakeholders",
        ),
    ],
)
def test_refusals_name_the_field(fields, field):
    with pytest.raises(ApplicationError) as refused:
        write(manager(), **fields)
    assert refused.value.field == field


def test_the_name_is_unique_whatever_its_case():
    write(manager())
    with pytest.raises(ApplicationError) as refused:
        write(manager(), name="PRODUCT SAFETY RUMOUR", group=StakeholderGroupFactory())
    assert refused.value.field == "name"


def test_an_archived_playbook_cannot_be_declared_from_or_applied():
    boss = manager()
    version = write(boss)
    services.playbook_archive(actor=boss, playbook=version.playbook)
    with pytest.raises(ApplicationError) as refused:
        flows.incident_declare(actor=boss, title="R", severity=2, playbook=version.playbook)
    assert refused.value.field == "playbook"
    incident = flows.incident_declare(actor=boss, title="R", severity=2)
    with pytest.raises(ApplicationError):
        flows.incident_playbook_apply(actor=boss, incident=incident, playbook=version.playbook)
    assert not selectors.playbooks_to_declare_from().exists()


def test_a_closed_incident_gets_nothing():
    from postmortems.flows import incident_transition

    boss = manager()
    version = write(boss)
    incident = flows.incident_declare(actor=boss, title="R", severity=4)
    incident_transition(actor=boss, incident=incident, to="declined", reason="False alarm")
    with pytest.raises(ApplicationError):
        flows.incident_playbook_apply(actor=boss, incident=incident, playbook=version.playbook)
    assert not ChecklistItem.objects.filter(incident=incident, key__startswith="playbook:")
    assert timezone.now()


# --- who owns an item, and one job one deadline ----------------------------------------------


def _item(incident, title) -> ChecklistItem:
    return incident.checklist.get(title=title)


def _own_deadline(item) -> Deadline | None:
    return Deadline.objects.filter(
        kind=Deadline.Kind.CHECKLIST_ITEM, subject=f"checklist-item:{item.pk}", cancelled_at=None
    ).first()


def test_an_item_is_owned_by_its_roles_holder_else_whoever_is_on_call_else_the_lead():
    boss, lawyer, carer = manager(), responder(username="lawyer"), responder(username="carer")
    RosterMember.objects.create(role_id=Role.CUSTOMER_CARE_LEAD, person=carer)
    version = write(
        boss,
        checklist=[
            {"title": "Check the claim", "due_minutes": 20, "role": Role.LEGAL_REVIEWER},
            {"title": "Brief the call centre", "due_minutes": 45, "role": Role.CUSTOMER_CARE_LEAD},
            {"title": "Brief the board", "due_minutes": 60, "role": Role.EXECUTIVE_SPONSOR},
            {"title": "Keep a log", "due_minutes": None},
        ],
    )
    incident = flows.incident_declare(actor=boss, title="Rumour", severity=2)
    role_assign(
        actor=boss, incident=incident, role=Role.objects.get(pk=Role.LEGAL_REVIEWER), person=lawyer
    )
    services.playbook_apply(actor=boss, incident=incident, version=version)

    assert _item(incident, "Check the claim").assignee == lawyer  # holds the role here
    assert _item(incident, "Brief the call centre").assignee == carer  # on call for it
    assert _item(incident, "Brief the board").assignee is None  # nobody: the lead's
    assert _own_deadline(_item(incident, "Check the claim")).owner == lawyer
    assert _own_deadline(_item(incident, "Brief the call centre")).owner == carer
    assert _own_deadline(_item(incident, "Brief the board")).owner == boss


def test_an_item_that_publishes_the_first_statement_takes_its_deadline_and_is_done_with_it():
    boss, author = manager(), responder(username="author")
    version = write(
        boss,
        checklist=[
            {
                "title": "Publish the holding statement",
                "due_minutes": 30,
                "role": Role.COMMUNICATIONS_LEAD,
                "meets": "first_statement",
            }
        ],
    )
    incident = flows.incident_declare(
        actor=boss, title="Rumour", severity=1, playbook=version.playbook
    )
    item = _item(incident, "Publish the holding statement")
    statement = Deadline.objects.get(incident=incident, kind=Deadline.Kind.FIRST_STATEMENT)
    # One job, one deadline: the policy's (15 min at SEV1), not a second one at 30.
    assert item.due_at == statement.due_at
    assert _own_deadline(item) is None

    published = timezone.now()
    engine.public_update_published(incident=incident, at=published, by=author)
    item.refresh_from_db()
    assert (item.done_at, item.done_by) == (published, author)
    line = incident.events.filter(kind=TimelineEvent.Kind.CHECKLIST, data__meets="first_statement")
    assert line.get().actor == author


def test_without_a_first_statement_in_the_policy_the_item_keeps_its_own_deadline():
    boss = manager()
    version = write(
        boss,
        checklist=[
            {"title": "Publish a note", "due_minutes": 30, "meets": "first_statement"},
        ],
    )
    incident = flows.incident_declare(
        actor=boss, title="Watch", severity=4, playbook=version.playbook
    )  # SEV4 plans no statement
    item = _item(incident, "Publish a note")
    assert not Deadline.objects.filter(incident=incident, kind=Deadline.Kind.FIRST_STATEMENT)
    assert _own_deadline(item).due_at == item.due_at


def test_applied_after_the_statement_went_out_the_item_is_done_at_once():
    boss = manager()
    incident = flows.incident_declare(actor=boss, title="Rumour", severity=2)
    engine.public_update_published(incident=incident, at=timezone.now(), by=boss)
    version = write(
        boss, checklist=[{"title": "Publish it", "due_minutes": 30, "meets": "first_statement"}]
    )
    services.playbook_apply(actor=boss, incident=incident, version=version)
    item = _item(incident, "Publish it")
    assert item.done_at is not None
    assert _own_deadline(item) is None


@pytest.mark.parametrize(
    ("item", "words"),
    [
        ({"title": "A", "role": "astronaut"}, "choose one of the roles"),
        ({"title": "A", "meets": "world_peace"}, "can keep only"),
    ],
)
def test_a_role_or_promise_that_does_not_exist_is_refused(item, words):
    with pytest.raises(ApplicationError, match=words) as refused:
        write(manager(), checklist=[item])
    assert refused.value.field == "checklist"


def test_an_item_stores_a_role_and_a_promise_only_when_it_has_them():
    """So a version written before items had them is equal to the same one written now."""
    first = write(manager())
    assert all(set(item) == {"title", "due_minutes"} for item in first.checklist)
