"""The queue page, the list endpoint and the mention page cost the same number of queries
however many mentions (with incidents, assignees, replies, history) there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communications.listening.mentions import services
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


def test_storing_a_storm_costs_the_same_queries_for_5_posts_as_for_500():
    from datetime import UTC, datetime, timedelta

    from communications.listening.mentions.x_reader import FoundPost

    account = SocialAccountFactory()
    start = datetime(2026, 12, 5, 12, tzinfo=UTC)

    def store(first: int, count: int) -> int:
        posts = [
            FoundPost(
                external_id=str(1880000000000000000 + n),
                author_id=str(n),
                author_handle=f"person{n}",
                author_name="",
                author_followers=n * 10,
                text="glass in the bottle",
                posted_at=start + timedelta(milliseconds=n),  # all in one 5-minute bucket
            )
            for n in range(first, first + count)
        ]
        with CaptureQueriesContext(connection) as captured:
            assert services.mentions_store(account=account, posts=posts, origin="mention") == count
        return len(captured)

    assert store(0, 5) == store(100, 500)
