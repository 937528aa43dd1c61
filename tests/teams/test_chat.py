"""What a chat webhook receives: words from outside (a mention's text, its author's handle) are
plain text in Slack's mrkdwn and in Teams' Markdown, and the only link is our own page.

Each test sends through the real delivery task to a local receiver and asserts on the exact JSON
it received.
"""

import pytest

from communications.listening.mentions import services as mentions
from teams import services
from teams.models import Delivery, Reason
from tests.communications.factories import InboundPostFactory
from tests.teams.factories import UserFactory, manager, responder

pytestmark = pytest.mark.django_db

SITE = "https://crisis.example.com"
ZWSP = "\u200b"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.WEBHOOK_ALLOWED_HOSTS_FOR_TESTS = ["127.0.0.1"]
    settings.SITE_URL = SITE


def received(receiver_with, django_capture_on_commit_callbacks, *, title, body, url="/x/1/"):
    """The payload a person's chat receiver gets for a notification with this title and body."""
    receiver = receiver_with([200])
    person = UserFactory(email="", webhook_url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = services.notify(
            recipients=[person],
            reason=Reason.MENTION_ASSIGNED,
            subject="mention:1",
            title=title,
            body=body,
            url=url,
        )
    assert notification.deliveries.get().status == Delivery.Status.SENT
    [payload] = receiver.bodies
    return payload


def test_a_mention_that_pings_the_channel_pings_nobody(
    receiver_with, django_capture_on_commit_callbacks
):
    receiver = receiver_with([200])
    lead = manager()
    agent = responder(email="", webhook_url=receiver.url)
    mention = InboundPostFactory(
        author_handle="angry_fan", text="<!channel> <!here> <@U024BE7LH> they lied to you all"
    )
    with django_capture_on_commit_callbacks(execute=True):
        mentions.mention_assign(actor=lead, mention=mention, assignee=agent)
    assert receiver.bodies == [
        {
            "text": f"*A mention from @{ZWSP}angry\u02cdfan is yours to handle*\n"
            f"&lt;!channel&gt; &lt;!here&gt; &lt;@{ZWSP}U024BE7LH&gt; they lied to you all\n"
            f"{SITE}{mention.get_absolute_url()}"
        }
    ]


def test_a_disguised_link_shows_as_text_and_our_page_is_the_only_link(
    receiver_with, django_capture_on_commit_callbacks
):
    payload = received(
        receiver_with,
        django_capture_on_commit_callbacks,
        title="A mention from @brand_care is yours to handle",
        body="Refunds: <https://phish.example|Open in Crisis Desk>",
    )
    assert payload == {
        "text": f"*A mention from @{ZWSP}brand\u02cdcare is yours to handle*\n"
        "Refunds: &lt;https[:]//phish[.]example|Open in Crisis Desk&gt;\n"
        f"{SITE}/x/1/"
    }


def test_markdown_links_images_and_formatting_are_plain(
    receiver_with, django_capture_on_commit_callbacks
):
    payload = received(
        receiver_with,
        django_capture_on_commit_callbacks,
        title="*URGENT* from _legal_",
        body=(
            "# Statement\n"
            "[Open in Crisis Desk](https://phish.example/login) ![](http://t.example/p.gif)\n"
            "~not~ `rm -rf` ```block``` > quoted & <b>bold</b> <at>Maria</at>"
        ),
    )
    assert payload == {
        "text": "*\u2217URGENT\u2217 from \u02cdlegal\u02cd*\n"
        "\uff03 Statement\n"
        "\uff3bOpen in Crisis Desk\uff3d(https[:]//phish[.]example/login) "
        "!\uff3b\uff3d(http[:]//t[.]example/p[.]gif)\n"
        "\u223cnot\u223c \u02cbrm -rf\u02cb \u02cb\u02cb\u02cbblock\u02cb\u02cb\u02cb "
        "&gt; quoted &amp; &lt;b&gt;bold&lt;/b&gt; &lt;at&gt;Maria&lt;/at&gt;\n"
        f"{SITE}/x/1/"
    }


def test_mention_words_and_bare_addresses_lead_nowhere(
    receiver_with, django_capture_on_commit_callbacks
):
    payload = received(
        receiver_with,
        django_capture_on_commit_callbacks,
        title="Listening alert",
        body="@channel @here @everyone: refunds at www.brand-refunds.com or mail help@brand.co",
    )
    assert payload["text"] == (
        "*Listening alert*\n"
        f"@{ZWSP}channel @{ZWSP}here @{ZWSP}everyone: refunds at "
        f"www[.]brand-refunds[.]com or mail help@{ZWSP}brand[.]co\n"
        f"{SITE}/x/1/"
    )


def test_ordinary_text_reads_as_written(receiver_with, django_capture_on_commit_callbacks):
    payload = received(
        receiver_with,
        django_capture_on_commit_callbacks,
        title="INC-2026-0001: you are Crisis lead",
        body="Batch 42 (e.g. 3.5 kg bags) recalled, i.e. all of them. Call #7 at 10:30.",
    )
    assert payload["text"] == (
        "*INC-2026-0001: you are Crisis lead*\n"
        "Batch 42 (e.g. 3.5 kg bags) recalled, i.e. all of them. Call #7 at 10:30.\n"
        f"{SITE}/x/1/"
    )


def test_a_link_that_is_not_one_of_our_pages_is_left_out(
    receiver_with, django_capture_on_commit_callbacks
):
    payload = received(
        receiver_with,
        django_capture_on_commit_callbacks,
        title="Published",
        body="",
        url="https://phish.example/",
    )
    assert payload == {"text": "*Published*"}
