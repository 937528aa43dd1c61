"""The queue page, the list endpoint and the mention page cost the same number of queries
however many mentions (with incidents, assignees, replies, history) there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communications.mentions import services
from communications.models import InboundPost
from incidents.models import Incident
from tests.communications.factories import InboundPostFactory, SocialAccountFactory
from tests.incidents.factories import IncidentFactory
from tests.teams.factories import responder as make_responder

pytestmark = pytest.mark.django_db


def add_mentions(count: int) -> None:
    for _ in range(count):
        InboundPostFactory(
            account=SocialAccountFactory(),
            incident=IncidentFactory(),
            assignee=make_responder(),
            triage=InboundPost.Triage.NEEDS_REPLY,
            triaged_by=make_responder(),
        )


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        "/communications/mentions/",
        "/communications/mentions/?open=unknown&mine=false",
        "/api/v1/mentions/",
        "/api/v1/mentions/?open=true",
    ],
)
def test_list_queries_do_not_grow_with_rows(client, responder, url):
    client.force_login(responder)
    add_mentions(3)
    few = queries(client, url)
    add_mentions(20)
    assert queries(client, url) == few


def test_the_mention_page_does_not_grow_with_its_history(client, responder):
    mention = InboundPostFactory()
    client.force_login(responder)
    path = f"/communications/mentions/{mention.pk}/"

    def grow(n: int) -> None:
        for _ in range(n):
            incident: Incident = IncidentFactory.create()
            services.mention_link(actor=make_responder(), mention=mention, incident=incident)

    grow(1)
    few = queries(client, path)
    grow(6)
    assert queries(client, path) == few
