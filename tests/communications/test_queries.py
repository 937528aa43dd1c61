"""The communications pages cost the same number of queries for a few rows as for many."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communications.messaging.services import approvals, statements
from communications.messaging.services import messages as message_services
from communications.models import Message
from incidents.models import WarRoomPart
from tests.communications.drafting import approved, declare, submitted
from tests.communications.factories import SandboxAccountFactory, TemplateFactory
from tests.incidents.factories import ClaimFactory
from tests.teams.factories import UserFactory, manager, responder

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    if hasattr(response, "streaming_content"):
        with CaptureQueriesContext(connection) as streamed:
            b"".join(response.streaming_content)
        return len(captured) + len(streamed)
    return len(captured)


def grows_nothing(client, url: str, grow: Callable[[int], None]) -> None:
    grow(2)
    few = queries(client, url)
    grow(12)
    assert queries(client, url) == few


def add_messages(count: int, *, approve: bool = True, incident=None) -> None:
    """Messages by different people on different accounts, each with claims and approvals."""
    for _ in range(count):
        author = responder()
        approver = manager()
        account = SandboxAccountFactory()
        target = incident or declare(author)
        claim = ClaimFactory(incident=target, created_by=author)
        if approve:
            approved(author, approver, account, incident=target, cited_claims=[claim])
        else:
            submitted(
                author, account, target, cited_claims=[claim], kind="thread", parts=["2/", "3/"]
            )


@pytest.mark.parametrize(
    "url",
    [
        "/communications/log/",
        "/communications/log/?status=approved&kind=tweet",
        "/communications/log.csv",
        "/communications/approvals/",
    ],
)
def test_lists_of_messages_do_not_grow(client, url):
    viewer = manager(username="viewer")
    client.force_login(viewer)

    def grow(n: int) -> None:
        add_messages(n, approve=True)
        add_messages(n, approve=False)
        for message in Message.objects.filter(status=Message.Status.APPROVED)[:n]:
            message_services.message_withdraw(actor=viewer, message=message)

    grows_nothing(client, url, grow)


def test_the_decided_and_in_review_lists_do_not_grow(client):
    viewer = manager(username="viewer")
    client.force_login(viewer)

    def grow(n: int) -> None:
        for _ in range(n):
            account = SandboxAccountFactory()
            submitted(viewer, account, body="mine")
            approvals.message_approve(
                actor=viewer, message=submitted(responder(), account, body="theirs")
            )

    grows_nothing(client, "/communications/approvals/", grow)


def test_templates_and_accounts_do_not_grow(client):
    client.force_login(manager(username="viewer"))

    def grow(n: int) -> None:
        for _ in range(n):
            approver = manager()
            template = TemplateFactory.create(created_by=UserFactory.create())
            statements.template_approve(actor=approver, template=template)
            account = SandboxAccountFactory.create()
            account.publishers.set([UserFactory.create(), UserFactory.create()])
            account.watch_terms.create(query=f"#{account.handle}")

    grows_nothing(client, "/communications/templates/", grow)
    grows_nothing(client, "/communications/accounts/", grow)


def test_the_war_room_and_its_panel_do_not_grow_with_messages(
    client, django_capture_on_commit_callbacks
):
    client.force_login(manager(username="viewer"))
    with django_capture_on_commit_callbacks(execute=True):
        incident = declare(responder(username="lead"))

    def grow(n: int) -> None:
        # Committed, as on a server: the war room's shared first screen is read anew.
        with django_capture_on_commit_callbacks(execute=True):
            add_messages(n, approve=False, incident=incident)

    for url in (
        incident.get_absolute_url(),
        incident.part_url(WarRoomPart.COMMUNICATIONS),
        reverse("communications:incident-panel", kwargs={"reference": incident.reference}),
    ):
        grows_nothing(client, url, grow)


def test_the_message_page_does_not_grow_with_its_approvals_history_and_siblings(client):
    client.force_login(manager(username="viewer"))
    author = responder(username="author")
    incident = declare(author, severity=1)
    account = SandboxAccountFactory()
    message = submitted(author, account, incident, cited_claims=[ClaimFactory(incident=incident)])
    url = message.get_absolute_url()

    def grow(n: int) -> None:
        for _ in range(n):
            current = Message.objects.get(pk=message.pk)
            approvals.message_approve(actor=manager(), message=current)
            message_services.message_update(actor=author, message=current, body=f"{current.body}.")
            message_services.message_submit(actor=author, message=current)
            submitted(author, account, incident, body="A sibling")

    grows_nothing(client, url, grow)
