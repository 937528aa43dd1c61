"""A reply goes from draft to X (sandbox): the responder drafts and submits it and cannot
approve it; a manager approves it from the queue; it is published and shows in the log."""

import re

import pytest
from playwright.sync_api import Page, expect

from communications.models import InboundPost, Message
from incidents import services as incident_services
from incidents.models import WarRoomPart
from teams import flows
from tests.communications.factories import InboundPostFactory, SandboxAccountFactory
from tests.teams.factories import manager, responder

pytestmark = pytest.mark.django_db(transaction=True)

REPLY = "Hi, we are sorry about this. Our team is checking batch 42 now; we will update you here."


def test_a_reply_is_drafted_refused_to_its_author_approved_and_published(
    page: Page, live_server, log_in, shoot
):
    manager(username="maria", first_name="Maria", last_name="Kaya")
    ali = responder(username="ali", first_name="Ali", last_name="Demir")
    incident = flows.incident_declare(
        actor=ali, title="Viral video claims a contaminated batch", severity=2
    )
    account = SandboxAccountFactory(handle="brand_support", display_name="Brand Support")
    mention = InboundPostFactory.create(
        account=account,
        incident=incident,
        author_handle="worried_parent",
        author_followers=5400,
        text="@brand_support is batch 42 safe? My kid drank it this morning.",
    )

    # The responder drafts the reply from the mention and submits it.
    log_in("ali")
    page.goto(f"{live_server.url}/communications/messages/new/?reply_to={mention.pk}")
    expect(page.get_by_test_id("mention")).to_contain_text("@worried_parent")
    expect(page.locator("#kind-reply")).to_be_checked()
    expect(page.get_by_label("Mention it answers")).to_have_value(str(mention.pk))
    expect(page.get_by_label("Post it quotes")).to_be_hidden()
    body = page.get_by_label("Text", exact=True)
    body.press_sequentially("😀" * 3)
    expect(page.get_by_test_id("x-count").first).to_have_text("6 / 280")
    body.fill("")
    body.press_sequentially(REPLY, delay=2)
    expect(page.get_by_test_id("x-count").first).to_have_text(f"{len(REPLY)} / 280")
    shoot("composer")
    page.get_by_test_id("save-submit").click()

    expect(page).to_have_url(re.compile(r"/communications/messages/\d+/$"))
    expect(page.get_by_test_id("message-status")).to_have_text("Waiting for approval")
    expect(page.get_by_test_id("sandbox")).to_be_visible()
    expect(page.get_by_test_id("author-cannot-approve")).to_be_visible()
    expect(page.get_by_test_id("approve")).to_have_count(0)
    shoot("submitted")
    message = Message.objects.get()
    assert (message.kind, message.reply_to_mention_id) == ("reply", mention.pk)

    # Posting the approval anyway is refused and said so.
    page.evaluate(
        """(url) => {
            const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
            const form = document.createElement("form");
            form.method = "post";
            form.action = url;
            form.innerHTML = `<input type="hidden" name="csrfmiddlewaretoken" value="${token}">`;
            document.body.appendChild(form);
            form.submit();
        }""",
        f"/communications/messages/{message.pk}/approve/",
    )
    expect(page.get_by_role("alert").first).to_contain_text("does not allow you to approve")
    expect(page.get_by_test_id("message-status")).to_have_text("Waiting for approval")
    shoot("author-refused")
    assert not message.approvals.exists()

    # A manager approves it from the queue.
    page.context.clear_cookies()
    log_in("maria")
    expect(page.get_by_test_id("approvals-count")).to_have_text("1")
    page.get_by_test_id("nav-approvals").click()
    item = page.get_by_test_id("queue-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("batch 42")
    expect(item).to_contain_text("sandbox")
    shoot("queue")
    item.click()
    expect(page.get_by_test_id("target")).to_contain_text("My kid drank it this morning.")
    form = page.get_by_test_id("approve-form")
    form.get_by_label("Comment (optional)").fill("Tone is right; go.")
    shoot("before-approval")
    page.get_by_test_id("approve").click()

    # Published at once (sandbox: nothing on X), and it says so.
    expect(page.get_by_test_id("message-status")).to_have_text("Published")
    expect(page.get_by_test_id("sandbox-published")).to_be_visible()
    expect(page.get_by_test_id("approvals")).to_contain_text("Maria Kaya")
    expect(page.get_by_test_id("history")).to_contain_text("Published in sandbox mode")
    shoot("published")

    # The communications log holds it with its approval and the sandbox label.
    page.goto(f"{live_server.url}/communications/log/?incident={incident.reference}")
    row = page.get_by_test_id("log-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("log-approval")).to_contain_text("Maria Kaya")
    expect(row.get_by_test_id("log-approval")).to_contain_text("Tone is right; go.")
    expect(row.get_by_test_id("log-sandbox")).to_be_visible()
    shoot("log")

    message.refresh_from_db()
    assert message.status == Message.Status.PUBLISHED
    assert message.sandbox
    mention.refresh_from_db()
    assert mention.triage == InboundPost.Triage.REPLIED


def test_a_thread_is_composed_from_the_war_room(page: Page, live_server, log_in, shoot):
    ali = responder(username="ali", first_name="Ali", last_name="Demir")
    incident = flows.incident_declare(
        actor=ali, title="Viral video claims a contaminated batch", severity=1
    )
    incident_services.claim_add(
        actor=ali, incident=incident, statement="Batch 42 made children ill", seen_at_location=""
    )
    SandboxAccountFactory(handle="brand_support")

    log_in("ali")
    page.goto(f"{live_server.url}{incident.part_url(WarRoomPart.COMMUNICATIONS)}")
    panel = page.get_by_test_id("communications-panel")
    expect(panel).to_contain_text("No message drafted for this incident yet.")
    panel.get_by_test_id("draft-message").click()

    expect(page.get_by_test_id("thread-parts")).to_be_hidden()
    page.locator("label[for=kind-thread]").click()
    parts = page.get_by_test_id("thread-parts")
    expect(parts).to_be_visible()
    expect(parts.locator("textarea")).to_have_count(1)  # the second post, offered at once
    page.get_by_label("Text", exact=True).fill("1/ What we know about batch 42.")
    parts.locator("textarea").first.press_sequentially("2/ " + "x" * 280, delay=0)
    expect(parts.get_by_test_id("x-count").first).to_contain_text("283 / 280")
    expect(parts.get_by_test_id("x-count").first).to_have_class(re.compile("text-danger"))
    parts.get_by_role("button", name="Add a post").click()
    expect(parts.locator("textarea")).to_have_count(2)
    expect(parts.get_by_text("Post 3")).to_be_visible()
    parts.locator("textarea").nth(1).press_sequentially("3/ Next update at 15:00.")
    expect(parts.get_by_test_id("x-count").nth(1)).to_have_text("24 / 280")
    page.get_by_label("Batch 42 made children ill").check()
    shoot("thread-too-long")
    page.get_by_test_id("save-draft").click()

    # The server refuses the over-long post, on the thread's field, and keeps what was typed.
    expect(page.get_by_test_id("thread-parts")).to_contain_text("the limit is 280")
    expect(page.get_by_test_id("thread-parts").locator("textarea")).to_have_count(2)
    shoot("thread-refused")
    page.get_by_test_id("thread-parts").locator("textarea").first.fill("2/ What we do now.")
    page.get_by_test_id("save-submit").click()

    expect(page.get_by_test_id("message-status")).to_have_text("Waiting for approval")
    expect(page.get_by_test_id("thread-part")).to_have_count(2)
    expect(
        page.locator('[data-testid="preflight"] [data-check="unverified_claim"]')
    ).to_contain_text("Batch 42 made children ill")
    expect(page.get_by_test_id("approval-count")).to_have_text("0 of 2")
    shoot("thread-submitted")

    page.goto(f"{live_server.url}{incident.get_absolute_url()}")
    expect(page.get_by_test_id("now-waiting")).to_contain_text("0 of 2 approvals")
    page.get_by_test_id("war-room-nav").get_by_role("link", name="Communications").click()
    expect(page.get_by_test_id("communications-panel")).to_contain_text("1 waiting for approval")
    shoot("war-room")
