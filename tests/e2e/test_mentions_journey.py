"""A responder works the mentions queue in the browser: each action answers through htmx in
place, a refusal shows on the mention, and the decision lands on the incident's timeline."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from communications.models import InboundPost
from incidents.models import TimelineEvent
from teams import flows
from tests.communications.factories import InboundPostFactory
from tests.teams.factories import responder

pytestmark = pytest.mark.django_db(transaction=True)


def test_triage_a_mention_from_the_queue(page: Page, live_server, log_in, shoot):
    ali = responder(username="ali", first_name="Ali", last_name="Demir")
    incident = flows.incident_declare(actor=ali, title="Kettle recall", severity=2)
    now = timezone.now()
    loud: InboundPost = InboundPostFactory.create(
        author_handle="consumer_watch",
        author_name="Consumer Watch",
        author_followers=48_200,
        text="@brand is it true your kettles catch fire? Our readers want an answer.",
        posted_at=now - timedelta(minutes=40),
        reply_due_at=now - timedelta(minutes=25),
    )
    InboundPostFactory(
        author_handle="bot12345",
        author_followers=3,
        text="@brand win free followers now!!!",
        posted_at=now - timedelta(minutes=10),
        reply_due_at=now + timedelta(minutes=50),
    )
    log_in("ali")

    page.goto(f"{live_server.url}/communications/mentions/")
    rows = page.get_by_test_id("mention")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("@consumer_watch")
    expect(rows.first.get_by_test_id("overdue")).to_be_visible()
    shoot("queue")

    spam = rows.nth(1)
    spam.get_by_test_id("no-reply").click()
    expect(spam.get_by_test_id("mention-error")).to_contain_text("Say why")
    spam.get_by_placeholder("Why (needed for no reply)").fill("Spam bot")
    spam.get_by_test_id("no-reply").click()
    expect(spam.get_by_test_id("triage")).to_have_text("No reply needed")

    first = page.locator(f"#mention-{loud.pk}")
    first.get_by_test_id("assign-me").click()
    expect(first.get_by_test_id("assignee")).to_contain_text("Ali Demir")
    first.get_by_label("Incident").select_option(str(incident.pk))
    first.get_by_test_id("link").click()
    expect(first.get_by_test_id("incident")).to_have_text(incident.reference)
    expect(first.get_by_test_id("reply")).to_be_visible()
    first.get_by_test_id("escalate").click()
    expect(first.get_by_test_id("triage")).to_have_text("Escalated")
    shoot("decided")

    first.get_by_test_id("mention-text").click()
    expect(page.get_by_test_id("history")).to_contain_text("Escalated")
    shoot("mention-page")

    loud.refresh_from_db()
    assert loud.triage == InboundPost.Triage.ESCALATED
    assert loud.assignee == ali
    kinds = incident.events.filter(kind=TimelineEvent.Kind.MENTION).values_list("text", flat=True)
    assert len(kinds) == 2
