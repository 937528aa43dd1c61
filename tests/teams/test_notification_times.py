"""Text written for a recipient (a notification, the email and chat built from it) says its
times in the recipient's zone, the zone named (config.when); one text going to many people is
written once per zone, and the once-only rule does not change with the zone. A person chooses
their zone on their own record, on the page and in the API."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from config.errors import ApplicationError
from teams import flows, services
from teams.models import Deadline, Notification, Reason
from teams.schedule import engine
from tests.incidents.factories import IncidentFactory
from tests.teams.factories import UserFactory, declared_for
from tests.teams.factories import manager as manager_factory
from tests.teams.factories import responder as responder_factory

pytestmark = pytest.mark.django_db

DUE = datetime(2026, 12, 5, 19, 26, tzinfo=UTC)
EARLIER_THAT_DAY = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)


def assign_checklist_item(assignee):
    manager = manager_factory(username="assigner")
    with time_machine.travel(EARLIER_THAT_DAY, tick=False):
        flows.checklist_item_add(
            actor=manager,
            incident=IncidentFactory(),
            title="Call the plant",
            assignee=assignee,
            due_at=DUE,
        )
    return Notification.objects.get(recipient=assignee, reason=Reason.CHECKLIST_ASSIGNED)


def test_a_due_time_is_written_in_the_recipients_zone():
    istanbul = responder_factory(username="ayse", timezone="Europe/Istanbul")
    assert "Due 22:26 (Europe/Istanbul)." in assign_checklist_item(istanbul).body


def test_a_recipient_without_a_zone_reads_the_sites_zone_named():
    nowhere = responder_factory(username="ben", timezone="")
    body = assign_checklist_item(nowhere).body
    assert "Due 19:26 (UTC)." in body
    assert "Europe/Istanbul" not in body


def test_the_email_says_the_time_in_the_recipients_zone(
    mailoutbox, django_capture_on_commit_callbacks
):
    istanbul = responder_factory(username="ayse", timezone="Europe/Istanbul")
    with django_capture_on_commit_callbacks(execute=True):
        assign_checklist_item(istanbul)
    [email] = mailoutbox
    assert email.to == [istanbul.email]
    assert "Due 22:26 (Europe/Istanbul)." in email.body
    assert "UTC" not in email.body


def test_one_text_to_many_is_written_once_per_zone_under_one_subject():
    people = [
        UserFactory(username="ist1", timezone="Europe/Istanbul"),
        UserFactory(username="ist2", timezone="Europe/Istanbul"),
        UserFactory(username="tokyo", timezone="Asia/Tokyo"),
        UserFactory(username="site", timezone=""),
    ]
    zones_written: list[str] = []

    def title(zone: ZoneInfo) -> str:
        zones_written.append(zone.key)
        return f"Due {DUE.astimezone(zone):%H:%M}"

    sent = services.notify(
        recipients=people, reason=Reason.ROLE_ASSIGNED, subject="zones:1", title=title
    )
    assert sorted(zones_written) == ["Asia/Tokyo", "Europe/Istanbul", "UTC"]
    assert {n.recipient.username: n.title for n in sent} == {
        "ist1": "Due 22:26",
        "ist2": "Due 22:26",
        "tokyo": "Due 04:26",
        "site": "Due 19:26",
    }
    assert {n.subject for n in sent} == {"zones:1"}
    # At most once per recipient, reason and subject, whatever the zone.
    again = services.notify(
        recipients=people, reason=Reason.ROLE_ASSIGNED, subject="zones:1", title=title
    )
    assert again == []
    assert Notification.objects.filter(subject="zones:1").count() == 4


def test_a_deadline_reminder_names_its_time_in_each_recipients_zone():
    lead = manager_factory(username="lead", timezone="Europe/Istanbul")
    with time_machine.travel(EARLIER_THAT_DAY, tick=False):
        incident = declared_for(lead, title="Contaminated batch", severity=1)
    deadline = engine.open_deadlines().get(incident=incident, kind=Deadline.Kind.ACKNOWLEDGE)
    with time_machine.travel(deadline.due_at - timedelta(minutes=2), tick=False):
        deadline.refresh_from_db()
        assert engine.deadline_step_run(deadline.pk, deadline.task_id) is True
    reminder = Notification.objects.get(subject=f"deadline:{deadline.pk}:0", recipient=lead)
    local = deadline.due_at.astimezone(ZoneInfo("Europe/Istanbul"))
    assert reminder.title.startswith(f"Due at {local:%H:%M} (Europe/Istanbul): ")


# --- choosing one's zone ----------------------------------------------------------------------


def test_a_bad_zone_is_refused_with_a_clear_message(responder):
    with pytest.raises(ApplicationError) as refused:
        services.person_update_profile(
            actor=responder, person=responder, timezone_name="Mars/Olympus"
        )
    assert refused.value.field == "timezone"
    assert refused.value.message == "“Mars/Olympus” is not a timezone name like Europe/Istanbul."


def test_a_person_reads_and_sets_their_own_zone_in_the_api(api_as, responder):
    api = api_as(responder)
    me = "/api/v1/people/me/"
    assert api.get(me).json()["timezone"] == ""

    changed = api.patch(me, {"timezone": "Europe/Istanbul"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["timezone"] == "Europe/Istanbul"
    responder.refresh_from_db()
    assert responder.timezone == "Europe/Istanbul"
    assert changed.json()["title"] == responder.title  # a field not sent stays as it was

    refused = api.patch(me, {"timezone": "Mars/Olympus"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["timezone"] == [
        "“Mars/Olympus” is not a timezone name like Europe/Istanbul."
    ]
    responder.refresh_from_db()
    assert responder.timezone == "Europe/Istanbul"

    cleared = api.patch(me, {"timezone": ""}, format="json")
    assert cleared.json()["timezone"] == ""
