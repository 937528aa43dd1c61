"""A warning before a second reply: whoever opens the composer for a mention that a colleague
is answering (now, or with a reply drafted, waiting, approved or out) is told who and what;
submitting a reply while another is waiting for approval, approved or published takes an
explicit "Reply anyway", asked by the one service that submits (composer, message page, API)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from communications.listening.mentions.presence import Doing, presence_tell
from communications.messaging.gate import REPLY_SET_ASIDE, REPLY_UNDER_WAY
from communications.messaging.services import messages as message_services
from communications.models import Message
from config.errors import ApplicationError
from incidents.models import TimelineEvent
from tests.communications.drafting import declare
from tests.communications.factories import InboundPostFactory, SandboxAccountFactory

pytestmark = pytest.mark.django_db
S = Message.Status


@pytest.fixture
def account():
    return SandboxAccountFactory(handle="brand")


@pytest.fixture
def incident(manager):
    return declare(manager, title="Kettle recall")


@pytest.fixture
def mention(account, incident):
    return InboundPostFactory(account=account, incident=incident, author_handle="angry_customer")


def reply(author, mention, body="We are sorry; a DM is on its way.", submit=False):
    message = message_services.message_create(
        actor=author,
        incident=mention.incident,
        account=mention.account,
        body=body,
        kind="reply",
        reply_to_mention=mention,
    )
    if submit:
        message = message_services.message_submit(actor=author, message=message)
    return message


def set_status(message, status):
    """A reply moved along by the rest of its life (approval, publishing), tested elsewhere."""
    published_at = timezone.now() if status == S.PUBLISHED else None
    Message.objects.filter(pk=message.pk).update(status=status, published_at=published_at)


# --- the rule, in the service -------------------------------------------------------------


@pytest.mark.parametrize("status", REPLY_UNDER_WAY)
def test_a_second_reply_to_a_mention_answered_already_needs_reply_anyway(
    ayse, can, mention, status
):
    first = reply(ayse, mention, submit=True)
    set_status(first, status)
    second = reply(can, mention, body="Hello, please DM us.")

    with pytest.raises(ApplicationError) as refused:
        message_services.message_submit(actor=can, message=second)

    assert refused.value.field == "reply_anyway"
    assert "Ayşe Yılmaz's reply" in refused.value.message
    assert "Reply anyway" in refused.value.message
    second.refresh_from_db()
    assert second.status == S.DRAFT


def test_with_reply_anyway_it_goes_and_its_timeline_line_says_so(ayse, can, mention):
    reply(ayse, mention, submit=True)
    second = reply(can, mention, body="Hello, please DM us.")

    sent = message_services.message_submit(actor=can, message=second, reply_anyway=True)

    assert sent.status == S.PENDING_APPROVAL
    line = TimelineEvent.objects.filter(data__message=second.pk).latest("id")
    assert "replied anyway" in line.text
    assert line.data["reply_anyway"] is True


@pytest.mark.parametrize("status", [S.DRAFT, S.CHANGES_REQUESTED, *REPLY_SET_ASIDE])
def test_a_reply_not_on_its_way_out_does_not_hold_the_next_one(ayse, can, mention, status):
    first = reply(ayse, mention)
    set_status(first, status)
    second = reply(can, mention, body="Hello, please DM us.")

    assert message_services.message_submit(actor=can, message=second).status == (S.PENDING_APPROVAL)


def test_a_reply_is_never_its_own_rival_nor_one_to_another_mention(ayse, can, mention):
    other_mention = InboundPostFactory(account=mention.account, incident=mention.incident)
    reply(ayse, other_mention, submit=True)
    mine = reply(can, mention)
    message_services.message_submit(actor=can, message=mine)
    set_status(mine, S.CHANGES_REQUESTED)  # sent back: submitted again, alone
    mine.refresh_from_db()

    assert message_services.message_submit(actor=can, message=mine).status == S.PENDING_APPROVAL


def test_save_and_submit_without_reply_anyway_saves_nothing(ayse, can, mention):
    reply(ayse, mention, submit=True)

    with pytest.raises(ApplicationError):
        message_services.message_save(
            actor=can,
            incident=mention.incident,
            submit=True,
            account=mention.account,
            kind="reply",
            body="Hello, please DM us.",
            reply_to_mention=mention,
        )

    assert Message.objects.filter(author=can).count() == 0


# --- the API ------------------------------------------------------------------------------


def test_the_api_asks_for_reply_anyway_with_a_400_on_that_field(api_as, ayse, can, mention):
    reply(ayse, mention, submit=True)
    client = api_as(can)
    payload = {
        "incident": mention.incident_id,
        "account": mention.account_id,
        "kind": "reply",
        "body": "Hello, please DM us.",
        "reply_to_mention": mention.pk,
        "submit": True,
    }

    refused = client.post("/api/v1/messages/", payload, format="json")
    sent = client.post("/api/v1/messages/", {**payload, "reply_anyway": True}, format="json")

    assert refused.status_code == 400
    assert "Ayşe Yılmaz's reply" in refused.json()["reply_anyway"][0]
    assert sent.status_code == 201
    assert sent.json()["status"] == S.PENDING_APPROVAL


def test_the_api_submit_action_asks_it_too(api_as, ayse, can, mention):
    reply(ayse, mention, submit=True)
    second = reply(can, mention, body="Hello, please DM us.")
    client = api_as(can)
    url = f"/api/v1/messages/{second.pk}/submit/"

    refused = client.post(url, {}, format="json")
    bad = client.post(url, {"reply_anyway": "yes"}, format="json")
    sent = client.post(url, {"reply_anyway": True}, format="json")

    assert refused.status_code == 400
    assert list(refused.json()) == ["reply_anyway"]
    assert bad.status_code == 400
    assert sent.status_code == 200
    assert sent.json()["status"] == S.PENDING_APPROVAL


# --- the composer and the message page -----------------------------------------------------


def composer_url(mention) -> str:
    return f"{reverse('communications:message-new')}?reply_to={mention.pk}"


def test_the_composer_warns_who_is_replying_and_what_replies_stand(
    client, ayse, can, manager, mention
):
    first = reply(ayse, mention, body="We are on it, a DM is coming.", submit=True)
    presence_tell(person=manager, mention=mention, doing=Doing.REPLYING)
    client.force_login(can)

    page = client.get(composer_url(mention)).content.decode()

    warning = page.split('data-testid="reply-warning"')[1].split("</div>")[0]
    assert f"{manager.display_name} is replying" in warning
    assert "Reply by Ayşe Yılmaz (waiting for approval)" in warning
    assert first.get_absolute_url() in warning
    assert 'name="reply_anyway"' in page


def test_the_composer_of_a_mention_nobody_answers_shows_no_warning(client, can, mention):
    client.force_login(can)

    page = client.get(composer_url(mention)).content.decode()

    assert 'data-testid="reply-warning" data-presence-warning hidden' in page
    assert 'name="reply_anyway"' not in page
    assert f'data-presence-here="{mention.pk}" data-presence-doing="replying"' in page


def test_the_composer_refuses_a_second_reply_until_reply_anyway_is_ticked(
    client, ayse, can, mention
):
    client.force_login(can)
    # Ayşe submits hers while Can writes: his page did not offer the checkbox yet.
    reply(ayse, mention, submit=True)
    data = {
        "account": mention.account_id,
        "kind": "reply",
        "body": "Hello, please DM us.",
        "reply_to_mention": mention.pk,
        "action": "submit",
    }

    refused = client.post(composer_url(mention), data)

    assert refused.status_code == 200
    assert refused.context["form"].errors["reply_anyway"]
    assert 'name="reply_anyway"' in refused.content.decode()
    assert not Message.objects.filter(author=can).exists()

    sent = client.post(composer_url(mention), {**data, "reply_anyway": "on"})

    assert sent.status_code == 302
    assert Message.objects.get(author=can).status == S.PENDING_APPROVAL


def test_the_message_page_asks_reply_anyway_before_submitting(client, ayse, can, mention):
    reply(ayse, mention, submit=True)
    second = reply(can, mention, body="Hello, please DM us.")
    client.force_login(can)
    submit = reverse("communications:message-submit", kwargs={"pk": second.pk})

    page = client.get(second.get_absolute_url()).content.decode()
    refused = client.post(submit, follow=True)
    second.refresh_from_db()
    assert second.status == S.DRAFT
    sent = client.post(submit, {"reply_anyway": "on"})
    second.refresh_from_db()

    assert "Reply by Ayşe Yılmaz (waiting for approval)" in page
    assert 'name="reply_anyway"' in page
    assert "Tick “Reply anyway”" in refused.content.decode()
    assert sent.status_code == 302
    assert second.status == S.PENDING_APPROVAL


def test_a_colleagues_draft_is_warned_about_without_asking_reply_anyway(client, ayse, can, mention):
    reply(ayse, mention, body="Draft: we are on it.")
    client.force_login(can)

    page = client.get(composer_url(mention)).content.decode()

    assert "Reply by Ayşe Yılmaz (draft)" in page
    assert 'data-testid="reply-warning" data-presence-warning data-presence-keep>' in page
    assert 'name="reply_anyway"' not in page
