"""Two people on one incident: what one does reaches the other's open war room within 2 s,
on every part of it the other has open, without a reload and without losing what the other is
typing (a note, an acknowledgement, a status, a claim, a role, a checklist item, the severity,
a message waiting, each approval counted, the message published, a deadline escalated by the
schedule engine); the header's approvals and notifications badges and the stop switch's banner
too. A mention arriving reaches the open queue, and an alert raised the open dashboard and
alerts page. After a lost connection, or a server restart, the page catches up by itself."""

import statistics
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from communications import flows as communication_flows
from communications.listening.mentions.services import mentions_store
from communications.listening.mentions.x_reader import FoundPost
from communications.messaging.services import approvals
from communications.messaging.services import messages as message_services
from communications.messaging.services.pauses import publishing_pause
from incidents import live, services
from incidents.models import Status, WarRoomPart
from postmortems import flows as postmortem_flows
from teams import flows
from teams import services as team_services
from teams.models import Deadline, Role
from teams.schedule import engine
from teams.schedule.engine import open_deadlines
from tests.communications.factories import SandboxAccountFactory
from tests.e2e.conftest import signed_in
from tests.e2e.worlds import storm_now
from tests.teams.factories import declared_for, manager, responder

pytestmark = pytest.mark.django_db(transaction=True)

WITHIN = 2.0  # seconds, p95 over the run


def seen_within(locator, started: float, took: list[float]) -> None:
    expect(locator).to_be_visible(timeout=5000)
    took.append(time.monotonic() - started)


def escalation_fire(incident) -> None:
    """What the schedule engine's worker does when an open deadline of the incident passes its
    first escalation step: the deadline is moved to have passed it a second ago, and the step
    run as the worker runs it."""
    deadline = next(d for d in open_deadlines().filter(incident=incident) if d.steps)
    position = next(p for p in range(deadline.step_count) if not deadline.step_is_reminder(p))
    offset = timedelta(minutes=int(deadline.steps[position]["offset_minutes"]))
    due_at = timezone.now() - offset - timedelta(seconds=1)
    Deadline.objects.filter(pk=deadline.pk).update(
        due_at=due_at, next_step=position, next_step_at=due_at + offset
    )
    assert engine.deadline_step_run(deadline.pk, deadline.task_id) is True


def test_what_one_does_reaches_the_other_within_two_seconds(browser, live_server, shoot):
    aylin = responder(username="aylin", first_name="Aylin", last_name="Yıldız")
    maria = manager(username="maria")
    can = manager(username="can", first_name="Can", last_name="Öz")
    deniz = manager(username="deniz", first_name="Deniz", last_name="Ak")
    incident = declared_for(aylin, title="Recall rumour", severity=2)
    account = SandboxAccountFactory(handle="juicebrand")
    hers = signed_in(browser, live_server, maria)
    hers.goto(f"{live_server.url}{incident.get_absolute_url()}")
    # Maria keeps other parts of the war room open in tabs of her own, as people do.
    tabs = {}
    parts = (
        WarRoomPart.CLAIMS,
        WarRoomPart.ROLES,
        WarRoomPart.CHECKLIST,
        WarRoomPart.COMMUNICATIONS,
    )
    for part in parts:
        tabs[part] = hers.context.new_page()
        tabs[part].goto(f"{live_server.url}{incident.part_url(part)}")
    # Maria starts writing a note of her own: nothing that arrives may wipe it.
    typing = hers.get_by_placeholder("What happened, what was decided…")
    typing.fill("Legal says: do not name the supplier")
    took: list[float] = []

    services.incident_note_add(actor=aylin, incident=incident, text="Supplier called back.")
    started = time.monotonic()  # committed: the clock starts
    seen_within(hers.get_by_test_id("timeline").get_by_text("Supplier called back."), started, took)
    seen_within(
        hers.get_by_test_id("now-latest").get_by_text("Supplier called back."), started, took
    )

    flows.incident_acknowledge(actor=aylin, incident=incident)  # its deadline is met
    started = time.monotonic()
    seen_within(hers.get_by_test_id("acknowledged"), started, took)

    postmortem_flows.incident_transition(actor=aylin, incident=incident, to=Status.TRIAGED)
    started = time.monotonic()
    seen_within(hers.get_by_test_id("status").get_by_text("Triaged"), started, took)

    services.claim_add(actor=aylin, incident=incident, statement="Glass in the bottles")
    started = time.monotonic()
    claims = tabs[WarRoomPart.CLAIMS]
    seen_within(claims.get_by_test_id("claims").get_by_text("Glass in the bottles"), started, took)

    lead = Role.objects.get(pk=Role.COMMUNICATIONS_LEAD)
    team_services.role_assign(actor=aylin, incident=incident, role=lead, person=maria)
    started = time.monotonic()
    roles = tabs[WarRoomPart.ROLES]
    holder = roles.get_by_test_id("holder-communications_lead")
    seen_within(holder.get_by_text(str(maria)), started, took)
    seen_within(hers.get_by_test_id("unread-count"), started, took)  # "you are Comm… lead"

    flows.checklist_item_add(actor=aylin, incident=incident, title="Call the bottler")
    started = time.monotonic()
    checklist = tabs[WarRoomPart.CHECKLIST]
    seen_within(
        checklist.get_by_test_id("checklist").get_by_text("Call the bottler"), started, took
    )

    communication_flows.incident_update(actor=aylin, incident=incident, severity=1)
    started = time.monotonic()
    seen_within(hers.locator("#live-header").get_by_text("SEV1"), started, took)

    message = message_services.message_create(
        actor=aylin, incident=incident, account=account, body="We are looking into it."
    )
    message_services.message_submit(actor=aylin, message=message)
    started = time.monotonic()
    seen_within(hers.get_by_test_id("approvals-count"), started, took)
    waiting = hers.get_by_test_id("now-waiting")
    seen_within(waiting.get_by_text("0 of 2 approvals"), started, took)

    approvals.message_approve(actor=can, message=message)  # SEV1: one of the two
    started = time.monotonic()
    seen_within(waiting.get_by_text("1 of 2 approvals"), started, took)

    escalation_fire(incident)  # a deadline passes and the schedule engine escalates it
    started = time.monotonic()
    seen_within(hers.get_by_test_id("timeline").get_by_text("Escalated (").first, started, took)

    approvals.message_approve(actor=deniz, message=message)  # the second: it goes out
    started = time.monotonic()
    sent = tabs[WarRoomPart.COMMUNICATIONS].get_by_test_id("incident-messages")
    seen_within(sent.get_by_text("Published"), started, took)
    seen_within(
        hers.get_by_test_id("now").get_by_text("Nothing is waiting for approval."), started, took
    )

    publishing_pause(actor=maria, account=None, reason="Is our account hacked?")
    started = time.monotonic()
    seen_within(hers.get_by_test_id("pause-banner"), started, took)
    seen_within(claims.get_by_test_id("pause-banner"), started, took)

    expect(typing).to_have_value("Legal says: do not name the supplier")
    shoot("live-war-room")
    hers.context.close()  # its tabs too: an open page keeps asking into the next test
    took.sort()
    p95 = took[max(0, round(0.95 * len(took)) - 1)]
    print(f"live: {len(took)} seen, median {statistics.median(took):.2f} s, p95 {p95:.2f} s")
    assert p95 <= WITHIN, f"p95 {p95:.2f} s, median {statistics.median(took):.2f} s: {took}"


def test_the_page_catches_up_after_a_lost_connection(browser, live_server):
    aylin = responder(username="aylin")
    incident = flows.incident_declare(actor=aylin, title="Recall rumour", severity=2)
    page = signed_in(browser, live_server, aylin)
    page.goto(f"{live_server.url}{incident.get_absolute_url()}")
    page.context.set_offline(True)
    services.incident_note_add(actor=aylin, incident=incident, text="Written while away.")
    page.wait_for_timeout(3000)
    expect(page.get_by_test_id("timeline").get_by_text("Written while away.")).to_have_count(0)
    page.context.set_offline(False)
    expect(page.get_by_test_id("timeline").get_by_text("Written while away.")).to_be_visible(
        timeout=35000
    )


def test_the_page_catches_up_after_the_server_and_its_cache_restart(browser, live_server):
    """A restart of the web processes and of Redis (which keeps nothing on disk): the page's
    asks fail for a while, every version is gone, and the first answer after is a change."""
    aylin = responder(username="aylin")
    incident = flows.incident_declare(actor=aylin, title="Recall rumour", severity=2)
    page = signed_in(browser, live_server, aylin)
    page.goto(f"{live_server.url}{incident.get_absolute_url()}")
    page.route("**/live/**", lambda route: route.abort("connectionrefused"))
    page.wait_for_timeout(1500)
    keys = [live.incident_key(incident.pk), live.DESK, live.PAUSES, live.person_key(aylin.pk)]
    cache.delete_many([live.PREFIX + key for key in keys])
    services.incident_note_add(actor=aylin, incident=incident, text="Written while down.")
    cache.delete_many([live.PREFIX + key for key in keys])
    page.wait_for_timeout(1500)
    expect(page.get_by_test_id("timeline").get_by_text("Written while down.")).to_have_count(0)
    page.unroute("**/live/**")
    expect(page.get_by_test_id("timeline").get_by_text("Written while down.")).to_be_visible(
        timeout=35000
    )


def test_a_mention_arriving_reaches_the_open_queue(browser, live_server):
    maria = manager(username="maria")
    account = SandboxAccountFactory(handle="juicebrand")
    page = signed_in(browser, live_server, maria)
    page.goto(f"{live_server.url}/communications/mentions/")
    expect(page.get_by_text("The cap of my bottle was open")).to_have_count(0)
    found = FoundPost(
        external_id="1880000000000000001",
        text="The cap of my bottle was open @juicebrand",
        author_id="42",
        author_handle="careful_dad",
        author_name="",
        author_followers=300,
        posted_at=timezone.now(),
    )
    mentions_store(account=account, posts=[found], origin="mention")
    started = time.monotonic()
    seen_within(page.get_by_text("The cap of my bottle was open"), started, took := [])
    assert took[0] <= WITHIN


def test_an_alert_raised_reaches_the_open_dashboard_and_alerts_page(browser, live_server):
    maria = manager(username="maria")
    account = SandboxAccountFactory(handle="brand", display_name="Brand")
    dashboard = signed_in(browser, live_server, maria)
    dashboard.goto(f"{live_server.url}/")
    listed = dashboard.context.new_page()
    listed.goto(f"{live_server.url}/communications/alerts/")
    expect(listed.get_by_test_id("alert-row")).to_have_count(0)
    # Storms cross the threshold as the listening task counts them: the alert is raised now.
    storm_now(account)
    started = time.monotonic()
    took: list[float] = []
    seen_within(dashboard.get_by_test_id("open-alerts"), started, took)
    seen_within(listed.get_by_test_id("alert-row").first, started, took)
    dashboard.context.close()
    assert max(took) <= WITHIN, took
