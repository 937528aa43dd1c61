"""From a listening alert to a published SEV1 holding statement with two approvers, counting
every action people take: a responder at a laptop declares the incident from the alert and
drafts the playbook's holding statement; two managers, each on a phone, approve it from their
notification; X (faked) receives one post and the war room shows it published. At most 12
actions in all, each approval at most 3 taps from the phone's screen to done."""

import re
from collections import Counter

import pytest
from django.apps import apps
from playwright.sync_api import Locator, Page, expect

from communications.messaging.services import statements
from communications.models import Message
from incidents.models import Incident
from teams.catalogue import policies_ensure
from teams.models import ResponsePolicy
from teams.schedule.policies import policy_snapshot, policy_update
from tests.communications.factories import SocialAccountFactory
from tests.e2e.conftest import ARTIFACTS, signed_in
from tests.e2e.worlds import product_safety_playbook, storm_now
from tests.teams.factories import admin, manager, responder

pytestmark = pytest.mark.django_db(transaction=True)

HOLDING = (
    "We have seen the posts about {title}. Nothing matters more to us than your safety: our "
    "quality team is checking it now. We will update here by {next_update}."
)
MOST_ACTIONS = 12
MOST_TAPS_PER_APPROVAL = 3


class Actions:
    """Every click, fill, choice and tick a person makes goes through here and is counted,
    under the step of the journey it belongs to."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def click(self, step: str, target: Locator) -> None:
        self.counts[step] += 1
        target.click()

    def fill(self, step: str, target: Locator, value: str) -> None:
        self.counts[step] += 1
        target.fill(value)

    def select(self, step: str, target: Locator, value: str) -> None:
        self.counts[step] += 1
        target.select_option(value)

    def check(self, step: str, target: Locator) -> None:
        self.counts[step] += 1
        target.check()

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _the_world():
    """A team as it stands before the storm: the SEV1 policy asking two approvals, a playbook
    for product-safety rumours offering an approved holding statement, the risk register
    listening for its words, the brand's X account with its credentials, and a storm on it
    that raised an alert."""
    boss = admin(username="admin")
    ali = responder(username="ali", first_name="Ali", last_name="Demir")
    maria = manager(username="maria", first_name="Maria", last_name="Kaya")
    can = manager(username="can", first_name="Can", last_name="Öz")
    policies_ensure(apps)
    sev1 = ResponsePolicy.objects.get(severity=1)
    policy_update(
        actor=boss, policy=sev1, steps=policy_snapshot(sev1)["steps"], approvals_required=2
    )
    holding = statements.template_save(
        actor=boss,
        name="Product safety: holding statement",
        kind="holding_statement",
        language="en",
        body=HOLDING,
    )
    holding = statements.template_approve(actor=maria, template=holding)
    playbook = product_safety_playbook(boss, templates=[holding])
    storm_now(SocialAccountFactory.create(handle="brand", display_name="Brand"))
    return ali, maria, can, playbook


def test_from_an_alert_to_a_published_sev1_holding_statement_in_twelve_actions(
    page: Page, browser, live_server, log_in, shoot, fake_x, request
):
    folder = ARTIFACTS / request.node.name
    ali, maria, can, playbook = _the_world()
    # The approvers' phones are open on the desk, signed in, before anything happens.
    phones = {
        person: signed_in(browser, live_server, person, width=390, height=844)
        for person in (maria, can)
    }
    actions = Actions()

    # Ali, at a laptop (1366 px), sees the alert on the dashboard and opens it.
    log_in("ali")
    declare = "1. Ali declares from the alert"
    actions.click(
        declare,
        page.get_by_test_id("listening-panel").get_by_role(
            "link", name="60 posts in the last 30 min on @brand"
        ),
    )
    form = page.get_by_test_id("alert-declare-form")
    # The alert's words speak of harm: SEV1 is chosen, the playbook is the risk's.
    expect(form.get_by_label("Severity")).to_have_value("1")
    expect(form.get_by_label("Playbook")).to_have_value(str(playbook.pk))
    expect(form.get_by_label("Title")).not_to_have_value("")
    actions.fill(declare, form.get_by_label("Title"), "Batch 24-117: parents say children got sick")
    shoot("declare")
    actions.click(declare, form.get_by_role("button", name="Declare"))

    incident = Incident.objects.get()
    expect(page).to_have_url(f"{live_server.url}{incident.get_absolute_url()}")
    assert (incident.severity, incident.source) == (1, "listening_alert")

    # From the war room's first screen, the playbook's holding statement, in one click.
    draft = "2. Ali drafts the holding statement"
    actions.click(draft, page.get_by_test_id("now-draft"))
    expect(page.get_by_test_id("from-template")).to_contain_text(
        "Product safety: holding statement"
    )
    body = page.get_by_label("Text", exact=True)
    prefilled = body.input_value()
    assert "{title}" in prefilled, prefilled
    # The placeholders are the writer's to fill: one edit of the text fills both.
    text = prefilled.replace("{title}", "batch 24-117").replace("{next_update}", "16:00")
    assert "{" not in text, text
    actions.fill(draft, body, text)
    shoot("composer")
    actions.click(draft, page.get_by_test_id("save-submit"))

    expect(page.get_by_test_id("message-status")).to_have_text("Waiting for approval")
    expect(page.get_by_test_id("approval-count")).to_have_text("0 of 2")
    expect(page.get_by_test_id("author-cannot-approve")).to_be_visible()
    message = Message.objects.get()
    assert (message.author, message.body) == (ali, text)
    # Ali watches the war room while the approvers decide.
    page.goto(f"{live_server.url}{incident.get_absolute_url()}")
    expect(page.get_by_test_id("now-waiting")).to_contain_text("0 of 2 approvals")

    # Each approver, on a phone: the bell, the notification, Approve.
    approvals: list[str] = []
    for number, (person, phone) in enumerate(phones.items(), start=3):
        step = f"{number}. {person.first_name} approves on a 390 px phone"
        approvals.append(step)
        badge = phone.get_by_test_id("unread-count")
        expect(badge).not_to_have_text("0", timeout=10_000)
        phone.screenshot(path=str(folder / f"{number}-{person.username}-phone-notified.png"))
        actions.click(step, phone.locator("#live-nav-notifications"))
        actions.click(
            step,
            phone.get_by_test_id("notifications")
            .get_by_role("link")
            .filter(has_text=f"{incident.reference}: a message waits for your approval"),
        )
        expect(phone).to_have_url(re.compile(rf"{re.escape(message.get_absolute_url())}$"))
        phone.screenshot(path=str(folder / f"{number}-{person.username}-phone-message.png"))
        actions.click(step, phone.get_by_test_id("approve"))
        expect(phone.get_by_role("alert").first).to_contain_text("Approved.")
        expect(phone.get_by_test_id("approval-count")).to_have_text(f"{len(approvals)} of 2")

    expect(phones[can].get_by_test_id("message-status")).to_have_text("Published")
    # The war room Ali kept open shows it published, without a reload.
    expect(page.get_by_test_id("now-latest")).to_contain_text("Published on X", timeout=10_000)
    expect(page.get_by_test_id("now-waiting")).to_have_count(0)
    shoot("war-room-published")

    message.refresh_from_db()
    assert message.status == Message.Status.PUBLISHED
    assert not message.sandbox
    [post] = fake_x.posts
    assert post["text"] == text
    assert message.approvals.filter(decision="approved").count() == 2

    print("\nActions from the alert to the published statement:")
    for step, count in sorted(actions.counts.items()):
        print(f"  {step}: {count}")
    print(f"  total: {actions.total} (at most {MOST_ACTIONS})")
    assert actions.total <= MOST_ACTIONS, actions.counts
    for step in approvals:
        assert actions.counts[step] <= MOST_TAPS_PER_APPROVAL, (step, actions.counts[step])
    for phone in phones.values():
        phone.context.close()
