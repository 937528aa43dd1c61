"""The communications pages: composer, message page and its actions, approval queue, the
war-room panel and the accounts page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communications.accounts import services as accounts
from communications.messaging import gate
from communications.messaging.services import approvals, statements
from communications.messaging.services import messages as message_services
from communications.models import Approval, Message, SocialAccount
from incidents import services as incident_services
from incidents.models import ClaimStatus, Status, WarRoomPart
from postmortems.flows import incident_transition
from tests.communications.drafting import approved, declare, draft, submitted
from tests.communications.factories import (
    InboundPostFactory,
    SandboxAccountFactory,
    SocialAccountFactory,
)
from tests.incidents.factories import ClaimFactory

pytestmark = pytest.mark.django_db

ROLES = ["reader", "responder", "manager", "admin_user"]
S = Message.Status
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def account():
    return SandboxAccountFactory(handle="brand")


def html(response) -> str:
    return response.content.decode()


def new_url(incident=None, **params) -> str:
    query = {"incident": getattr(incident, "reference", incident)} if incident else {}
    query.update(params)
    return reverse("communications:message-new") + (
        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    )


def action(name: str, message: Message) -> str:
    return reverse(f"communications:message-{name}", kwargs={"pk": message.pk})


def page_of(message: Message) -> str:
    return reverse("communications:message", kwargs={"pk": message.pk})


def flash(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


# --- every page, every kind of user -----------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_logged_in_reads_the_communications_pages(client, request, role, account):
    author = request.getfixturevalue("responder") if role != "responder" else None
    viewer = request.getfixturevalue(role)
    message = submitted(author or viewer, account)
    statements.template_save(
        actor=request.getfixturevalue("manager"),
        name="Holding",
        kind="holding_statement",
        language="en",
        body="We know about {title}.",
    )
    client.force_login(viewer)
    pages = [
        page_of(message),
        reverse("communications:approvals"),
        reverse("communications:log"),
        reverse("communications:templates"),
        reverse("communications:accounts"),
        reverse("communications:incident-panel", kwargs={"reference": message.incident.reference}),
        message.incident.get_absolute_url(),
    ]
    for path in pages:
        assert client.get(path).status_code == 200, path
    war_room = html(client.get(message.incident.part_url(WarRoomPart.COMMUNICATIONS)))
    assert 'data-testid="communications-panel"' in war_room
    assert message.body in war_room
    composer = client.get(new_url(message.incident))
    assert composer.status_code == (403 if role == "reader" else 200)


def test_the_war_room_offers_a_draft_button_to_who_may_draft(client, reader, responder, account):
    incident = declare(responder)
    client.force_login(responder)
    assert 'data-testid="draft-message"' in html(
        client.get(incident.part_url(WarRoomPart.COMMUNICATIONS))
    )
    client.force_login(reader)
    page = html(client.get(incident.part_url(WarRoomPart.COMMUNICATIONS)))
    assert 'data-testid="draft-message"' not in page
    assert "No message drafted for this incident yet." in page


def test_the_panel_shows_the_incidents_messages_with_their_status(client, responder, account):
    incident = declare(responder)
    draft(responder, account, incident, body="First draft")
    submitted(responder, account, incident, body="Waiting one")
    client.force_login(responder)
    panel = html(
        client.get(
            reverse("communications:incident-panel", kwargs={"reference": incident.reference}),
            **HTMX,
        )
    )
    assert "First draft" in panel
    assert "Waiting one" in panel
    assert 'data-status="pending_approval"' in panel
    assert 'data-status="draft"' in panel
    assert "1 waiting for approval" in panel
    assert "sandbox" in panel


# --- the composer -------------------------------------------------------------------------------


def test_the_composer_needs_the_draft_permission(client, reader, responder):
    incident = declare(responder)
    client.force_login(reader)
    response = client.get(new_url(incident))
    assert response.status_code == 403
    assert client.post(new_url(incident), {"body": "x"}).status_code == 403
    assert not Message.objects.exists()


def test_without_an_incident_the_composer_asks_which_one(client, responder):
    incident = declare(responder)
    client.force_login(responder)
    page = html(client.get(new_url()))
    assert 'data-testid="choose-incident"' in page
    assert incident.reference in page


def test_an_unknown_incident_is_a_404_not_a_500(client, responder):
    client.force_login(responder)
    assert client.get(new_url(incident="INC-1999-9999")).status_code == 404


def test_a_closed_incident_takes_no_new_message(client, responder, manager):
    incident = declare(manager)
    incident_transition(actor=manager, incident=incident, to=Status.DECLINED, reason="False alarm")
    client.force_login(responder)
    response = client.get(new_url(incident))
    assert response.status_code == 302
    assert any("start a new incident" in m for m in flash(response))


def test_the_composer_lists_only_accounts_the_user_may_write_for(
    client, responder, responder2, account
):
    incident = declare(responder)
    SandboxAccountFactory(handle="closed_shop").publishers.set([responder2])
    SandboxAccountFactory(handle="switched_off", is_active=False)
    SocialAccountFactory(handle="live_brand")
    client.force_login(responder)
    page = html(client.get(new_url(incident)))
    assert "@brand (sandbox)" in page
    assert "@live_brand" in page
    assert "@live_brand (sandbox)" not in page
    assert "closed_shop" not in page
    assert "switched_off" not in page


def test_a_reply_to_a_mention_is_prefilled_from_the_mention(client, responder, account):
    incident = declare(responder)
    mention = InboundPostFactory(account=account, author_handle="angry_customer", incident=incident)
    client.force_login(responder)
    response = client.get(new_url(reply_to=mention.pk))
    page = html(response)
    assert response.status_code == 200
    assert incident.reference in page  # the mention's incident, without ?incident=
    assert 'data-testid="mention"' in page
    assert "@angry_customer" in page
    assert 'value="reply" autocomplete="off" checked' in page
    form = response.context["form"]
    assert form["reply_to_mention"].value() == mention.pk
    assert form["account"].value() == account.pk


def test_save_as_draft_and_save_and_submit(client, responder, manager, account):
    incident = declare(responder)
    claim = ClaimFactory(incident=incident, created_by=responder)
    client.force_login(responder)
    data = {
        "account": account.pk,
        "kind": "tweet",
        "body": "We are aware of the reports and looking into them.",
        "cited_claims": [claim.pk],
        "action": "draft",
    }
    response = client.post(new_url(incident), data)
    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_of(message)
    assert message.status == S.DRAFT
    assert list(message.cited_claims.all()) == [claim]
    response = client.post(new_url(incident), {**data, "action": "submit"})
    latest = Message.objects.latest("id")
    assert latest.status == S.PENDING_APPROVAL
    assert "sent for approval" in " ".join(flash(response)).lower()


def test_a_reply_is_saved_against_the_mention(client, responder, account):
    incident = declare(responder)
    mention = InboundPostFactory(account=account)
    client.force_login(responder)
    response = client.post(
        new_url(incident, reply_to=mention.pk),
        {
            "account": account.pk,
            "kind": "reply",
            "body": "Sorry to hear this; we sent you a DM.",
            "reply_to_mention": mention.pk,
            "action": "submit",
        },
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert (message.kind, message.reply_to_mention, message.status) == (
        "reply",
        mention,
        S.PENDING_APPROVAL,
    )


def test_a_thread_keeps_its_parts_in_order(client, responder, account):
    incident = declare(responder)
    client.force_login(responder)
    client.post(
        new_url(incident),
        {
            "account": account.pk,
            "kind": "thread",
            "body": "1/ What happened.",
            "parts": ["2/ What we do.", "", "3/ When we update."],
            "action": "draft",
        },
    )
    message = Message.objects.get()
    assert list(message.parts.values_list("position", "body")) == [
        (2, "2/ What we do."),
        (3, "3/ When we update."),
    ]


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"kind": "tweet", "body": "a" * 281}, "body", "limit is 280"),
        ({"kind": "tweet", "body": "😀" * 141}, "body", "limit is 280"),
        ({"kind": "tweet", "body": ""}, "body", "Write the text first"),
        ({"kind": "reply", "body": "Hello"}, "reply_to_post", "needs the mention or post"),
        (
            {"kind": "reply", "body": "Hello", "reply_to_post": "https://example.com/x"},
            "reply_to_post",
            "post id or a link",
        ),
        ({"kind": "quote", "body": "Look"}, "quote_post", "needs the post it quotes"),
        ({"kind": "correction", "body": "We erred"}, "corrects", "names the published message"),
        ({"kind": "thread", "body": "1/", "parts": []}, "parts", "at least two posts"),
        ({"kind": "thread", "body": "1/", "parts": ["b" * 300]}, "parts", "limit is 280"),
        ({"kind": "nonsense", "body": "x"}, "kind", "Select a valid choice"),
        ({"kind": "tweet", "body": "x", "scheduled_at": "tomorrow"}, "scheduled_at", "valid"),
    ],
)
def test_bad_input_is_shown_on_its_field(client, responder, account, data, field, words):
    incident = declare(responder)
    client.force_login(responder)
    response = client.post(new_url(incident), {"account": account.pk, **data, "action": "draft"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert words in " ".join(errors[field])
    assert not Message.objects.exists()


def test_a_claim_of_another_incident_is_refused(client, responder, account):
    incident = declare(responder)
    elsewhere = ClaimFactory(incident=declare(responder), created_by=responder)
    client.force_login(responder)
    response = client.post(
        new_url(incident),
        {"account": account.pk, "kind": "tweet", "body": "x", "cited_claims": [elsewhere.pk]},
    )
    assert response.status_code == 200
    assert "cited_claims" in response.context["form"].errors


def test_an_account_the_user_may_not_write_for_is_refused(client, responder, responder2):
    incident = declare(responder)
    closed = SandboxAccountFactory(handle="closed")
    closed.publishers.set([responder2])
    client.force_login(responder)
    response = client.post(new_url(incident), {"account": closed.pk, "kind": "tweet", "body": "x"})
    assert response.status_code == 200
    assert "account" in response.context["form"].errors


def test_the_publish_time_is_read_in_the_viewers_timezone(client, responder, account):
    incident = declare(responder)
    client.force_login(responder)
    client.cookies["tz"] = "Europe/Istanbul"
    client.post(
        new_url(incident),
        {
            "account": account.pk,
            "kind": "tweet",
            "body": "Update at ten",
            "scheduled_at": "2030-01-15T10:00",
        },
    )
    assert Message.objects.get().scheduled_at == datetime(2030, 1, 15, 7, 0, tzinfo=UTC)


def test_the_length_counter_counts_the_way_x_does(client, responder):
    client.force_login(responder)
    url = reverse("communications:length")
    ok = html(client.post(url, {"text": "Hello"}, **HTMX))
    assert "5 / 280" in ok
    assert "text-danger" not in ok
    emoji = html(client.post(url, {"text": "😀" * 10}, **HTMX))
    assert "20 / 280" in emoji
    link = html(client.post(url, {"text": "see https://example.com/" + "x" * 100}, **HTMX))
    assert "27 / 280" in link
    over = html(client.post(url, {"text": "a" * 281}, **HTMX))
    assert "281 / 280" in over
    assert "text-danger" in over


# --- editing ------------------------------------------------------------------------------------


def test_editing_a_submitted_message_voids_its_approvals(client, responder, manager, account):
    message = submitted(responder, account, declare(responder, severity=1))
    approvals.message_approve(actor=manager, message=message)
    client.force_login(responder)
    edit = reverse("communications:message-edit", kwargs={"pk": message.pk})
    page = client.get(edit)
    assert 'data-testid="edit-voids"' in html(page)
    assert page.context["form"]["body"].value() == message.body
    response = client.post(
        edit, {"kind": "tweet", "body": "A better text.", "account": 999, "action": "draft"}
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.status, message.body, message.account) == (S.DRAFT, "A better text.", account)
    assert Approval.objects.get().voided_at is not None


def test_save_and_submit_from_the_edit_page(client, responder, account):
    message = draft(responder, account)
    client.force_login(responder)
    client.post(
        reverse("communications:message-edit", kwargs={"pk": message.pk}),
        {"kind": "tweet", "body": "Ready now.", "action": "submit"},
    )
    message.refresh_from_db()
    assert (message.status, message.body) == (S.PENDING_APPROVAL, "Ready now.")


def test_only_the_author_or_an_approver_edits(client, responder, responder2, manager, account):
    message = draft(responder, account)
    edit = reverse("communications:message-edit", kwargs={"pk": message.pk})
    client.force_login(responder2)
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"kind": "tweet", "body": "Mine now"}).status_code == 403
    client.force_login(manager)
    assert client.get(edit).status_code == 200


def test_a_withdrawn_message_is_not_edited(client, responder, account):
    message = draft(responder, account)
    message_services.message_withdraw(actor=responder, message=message)
    client.force_login(responder)
    response = client.get(reverse("communications:message-edit", kwargs={"pk": message.pk}))
    assert response.status_code == 302
    assert any("can no longer be edited" in m for m in flash(response))


# --- the message page and its actions -----------------------------------------------------------


def test_the_author_never_gets_an_approve_button(client, manager, manager2, account):
    message = submitted(manager, account)
    client.force_login(manager)
    page = html(client.get(page_of(message)))
    assert 'data-testid="approve"' not in page
    assert 'data-testid="reject"' not in page
    assert "You wrote this message; someone else must approve it." in page
    client.force_login(manager2)
    page = html(client.get(page_of(message)))
    assert 'data-testid="approve"' in page
    assert 'data-testid="reject"' in page


def test_the_author_posting_an_approval_is_refused_not_a_500(client, manager, account):
    message = submitted(manager, account)
    client.force_login(manager)
    response = client.post(action("approve", message))
    assert response.status_code == 302
    assert response["Location"] == page_of(message)
    assert "someone else must approve" in " ".join(flash(response))
    message.refresh_from_db()
    assert message.status == S.PENDING_APPROVAL
    assert not Approval.objects.exists()


def test_a_responder_cannot_approve(client, responder, responder2, account):
    message = submitted(responder, account)
    client.force_login(responder2)
    assert 'data-testid="approve"' not in html(client.get(page_of(message)))
    response = client.post(action("approve", message))
    assert "does not allow" in " ".join(flash(response))
    assert not Approval.objects.exists()


def test_an_approver_approves_and_it_is_published_in_sandbox(
    client, responder, manager, account, django_capture_on_commit_callbacks
):
    message = submitted(responder, account)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action("approve", message), {"comment": "Good to go"})
    assert "Approved." in flash(response)
    message.refresh_from_db()
    assert message.status == S.PUBLISHED
    assert message.sandbox
    page = html(client.get(page_of(message)))
    assert 'data-testid="sandbox-published"' in page
    assert "Good to go" in page
    assert "Published in sandbox mode" in page  # the history from the timeline
    assert "Published: it can no longer change." in page


def test_sev1_shows_one_of_two_and_the_first_approver_waits(
    client, responder, manager, manager2, account
):
    message = submitted(responder, account, declare(responder, severity=1))
    approvals.message_approve(actor=manager, message=message, comment="Fine by me")
    client.force_login(manager)
    page = html(client.get(page_of(message)))
    assert "1 of 2" in page
    assert 'data-testid="approve"' not in page
    assert "another approver is needed" in page
    client.force_login(manager2)
    assert 'data-testid="approve"' in html(client.get(page_of(message)))


@pytest.mark.parametrize(
    ("name", "status"), [("reject", S.REJECTED), ("request-changes", S.CHANGES_REQUESTED)]
)
def test_a_refusal_needs_a_comment(client, responder, manager, account, name, status):
    message = submitted(responder, account)
    client.force_login(manager)
    response = client.post(action(name, message), {"comment": "  "})
    assert "Tell the author why." in flash(response)
    message.refresh_from_db()
    assert message.status == S.PENDING_APPROVAL
    client.post(action(name, message), {"comment": "Too defensive"})
    message.refresh_from_db()
    assert message.status == status
    page = html(client.get(page_of(message)))
    assert "Too defensive" in page


def test_an_overlong_comment_is_refused_politely(client, responder, manager, account):
    message = submitted(responder, account)
    client.force_login(manager)
    response = client.post(action("reject", message), {"comment": "x" * 3000})
    assert response.status_code == 302
    assert flash(response)
    message.refresh_from_db()
    assert message.status == S.PENDING_APPROVAL


def test_submit_and_withdraw_from_the_page(client, responder, responder2, account):
    message = draft(responder, account)
    client.force_login(responder)
    assert 'data-testid="submit"' in html(client.get(page_of(message)))
    client.post(action("submit", message))
    message.refresh_from_db()
    assert message.status == S.PENDING_APPROVAL
    client.force_login(responder2)
    page = html(client.get(page_of(message)))
    assert 'data-testid="withdraw"' not in page
    assert 'data-testid="edit"' not in page
    response = client.post(action("withdraw", message))
    assert "does not allow" in " ".join(flash(response))
    client.force_login(responder)
    client.post(action("withdraw", message), {"comment": "Overtaken by events"})
    message.refresh_from_db()
    assert message.status == S.WITHDRAWN
    assert "Overtaken by events" in html(client.get(page_of(message)))


def test_a_failed_message_shows_its_error_and_can_be_retried(
    client, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account)
    Message.objects.filter(pk=message.pk).update(
        status=S.FAILED, last_error="X said: duplicate content", attempts=1
    )
    client.force_login(responder)
    page = html(client.get(page_of(message)))
    assert "X said: duplicate content" in page
    assert 'data-testid="retry"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(action("retry", message))
    message.refresh_from_db()
    assert message.status == S.PUBLISHED


def test_retrying_what_did_not_fail_is_refused(client, responder, account):
    message = draft(responder, account)
    client.force_login(responder)
    response = client.post(action("retry", message))
    assert "Only a failed message" in " ".join(flash(response))


def test_actions_answer_get_with_405_and_unknown_messages_with_404(client, manager):
    client.force_login(manager)
    assert (
        client.get(reverse("communications:message-approve", kwargs={"pk": 1})).status_code == 405
    )
    assert (
        client.post(reverse("communications:message-approve", kwargs={"pk": 999})).status_code
        == 404
    )
    assert client.get(reverse("communications:message", kwargs={"pk": 999})).status_code == 404


def test_the_approver_is_warned_about_unverified_claims(client, responder, manager, account):
    incident = declare(responder)
    rumour = ClaimFactory(
        incident=incident, created_by=responder, statement="Batch 42 is contaminated"
    )
    checked = ClaimFactory(
        incident=incident,
        created_by=responder,
        statement="The video is from 2019",
        status=ClaimStatus.CONFIRMED,
        verified_at=timezone.now(),
    )
    message = submitted(responder, account, incident, cited_claims=[rumour, checked])
    client.force_login(manager)
    page = html(client.get(page_of(message)))
    assert page.count('data-check="unverified_claim" data-blocking="false"') == 1
    assert "Batch 42 is contaminated" in page
    queue = html(client.get(reverse("communications:approvals")))
    assert "cites an unverified claim" in queue

    incident_services.claim_set_status(
        actor=manager, claim=rumour, status=ClaimStatus.FALSE, evidence="Lab report"
    )
    assert 'data-check="unverified_claim"' not in html(client.get(page_of(message)))


def test_the_page_shows_target_history_and_the_incidents_other_messages(client, responder, account):
    incident = declare(responder)
    mention = InboundPostFactory(account=account, text="Your product broke", incident=incident)
    draft(responder, account, incident, body="An earlier statement")
    message = submitted(
        responder, account, incident, kind="reply", reply_to_mention=mention, body="Sorry!"
    )
    client.force_login(responder)
    page = html(client.get(page_of(message)))
    assert "Your product broke" in page
    assert "An earlier statement" in page
    assert "Submitted for approval (1 needed)" in page
    assert "Draft reply from @brand" in page


# --- the approval queue -------------------------------------------------------------------------


def test_the_queue_shows_what_waits_for_me_oldest_first(
    client, responder, manager, manager2, account
):
    older = submitted(responder, account, body="Older")
    Message.objects.filter(pk=older.pk).update(submitted_at=timezone.now() - timedelta(hours=1))
    newer = submitted(responder, account, body="Newer")
    own = submitted(manager, account, body="My own")
    draft(responder, account, body="Just a draft")
    sev1 = submitted(responder, account, declare(responder, severity=1), body="Needs two")
    approvals.message_approve(actor=manager, message=sev1)

    client.force_login(manager)
    response = client.get(reverse("communications:approvals"))
    rows = list(response.context["page"].object_list)
    assert rows == [older, newer]
    page = html(response)
    assert "My own" in page  # under "your messages in review"
    assert "Needs two" in page  # under "recently decided by you"
    assert 'data-testid="approvals-count">2<' in page

    client.force_login(manager2)
    response = client.get(reverse("communications:approvals"))
    rows = list(response.context["page"].object_list)
    assert rows == [older, newer, own, sev1]
    # The header's badge counts the same rows, by a leaner query of its own.
    assert 'data-testid="approvals-count">4<' in html(response)


def test_the_queue_explains_itself_to_those_who_do_not_approve(client, responder, account):
    submitted(responder, account)
    client.force_login(responder)
    page = html(client.get(reverse("communications:approvals")))
    assert "Your role does not approve outgoing messages." in page
    assert 'data-testid="approvals-count"' not in page
    assert "We are looking into it." in page  # their own, in review


def test_an_empty_queue_says_so(client, manager):
    client.force_login(manager)
    assert "Nothing waits for your approval." in html(
        client.get(reverse("communications:approvals"))
    )


# --- accounts -----------------------------------------------------------------------------------


def test_the_accounts_page_never_shows_credentials(client, admin_user, responder, settings):
    settings.CREDENTIALS_ROTATION_DAYS = 90
    live = accounts.account_save(
        actor=admin_user,
        handle="brand_live",
        external_user_id="12345",
        two_factor_enabled=True,
        publishers=[responder],
        auth_kind=SocialAccount.AuthKind.OAUTH1,
        credentials={
            "consumer_key": "ck-very-secret",
            "consumer_secret": "cs-very-secret",
            "access_token": "at-very-secret",
            "access_token_secret": "ats-very-secret",
        },
    )
    SocialAccount.objects.filter(pk=live.pk).update(
        credentials_rotated_at=timezone.now() - timedelta(days=120)
    )
    SandboxAccountFactory(handle="brand_demo")
    for user in (responder, admin_user):
        client.force_login(user)
        page = html(client.get(reverse("communications:accounts")))
        assert "very-secret" not in page
        assert live.credentials_encrypted not in page
        assert "@brand_live" in page
        assert "@brand_demo" in page
        assert 'data-testid="rotation-due"' in page
        assert str(responder) in page
        assert "everyone who may draft messages" in page
        assert ("Manage in the admin site" in page) is (user == admin_user)


def test_saving_an_unchanged_text_keeps_the_approvals(client, responder, manager, account):
    message = submitted(responder, account, declare(responder, severity=1))
    approvals.message_approve(actor=manager, message=message)
    client.force_login(responder)
    response = client.post(
        reverse("communications:message-edit", kwargs={"pk": message.pk}),
        {"kind": "tweet", "body": message.body, "action": "submit"},
    )
    assert "Nothing changed" in " ".join(flash(response))
    message.refresh_from_db()
    assert message.status == S.PENDING_APPROVAL
    assert len(gate.valid_approvals(message)) == 1
