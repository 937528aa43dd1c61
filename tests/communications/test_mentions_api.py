"""/api/v1/mentions/: the queue with the page's filters, one mention, and the triage actions;
bad input is a 400 naming the field, never a 500."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communications.models import InboundPost
from incidents.models import Status, TimelineEvent
from teams import flows
from tests.communications.factories import InboundPostFactory, SocialAccountFactory
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db
T = InboundPost.Triage
MENTIONS = "/api/v1/mentions/"


def url(mention, action: str = "") -> str:
    return f"{MENTIONS}{mention.pk}/" + (f"{action}/" if action else "")


@pytest.fixture
def mention():
    return InboundPostFactory(author_handle="angry_customer", author_followers=2_500)


@pytest.fixture
def incident(manager):
    return flows.incident_declare(actor=manager, title="Kettle recall", severity=2)


def test_the_list_is_the_queue_in_order_with_the_page_filters(api_as, reader, incident):
    now = timezone.now()
    small = InboundPostFactory(author_followers=5, posted_at=now - timedelta(hours=1))
    big = InboundPostFactory(author_followers=50_000, incident=incident)
    done = InboundPostFactory(author_followers=1, triage=T.NO_REPLY, triage_reason="spam")
    api = api_as(reader)

    everything = api.get(MENTIONS).json()
    assert [m["id"] for m in everything["results"]] == [big.pk, small.pk, done.pk]
    assert [m["id"] for m in api.get(MENTIONS, {"open": "true"}).json()["results"]] == [
        big.pk,
        small.pk,
    ]
    assert [m["id"] for m in api.get(MENTIONS, {"incident": incident.pk}).json()["results"]] == [
        big.pk
    ]
    assert [m["id"] for m in api.get(MENTIONS, {"triage": "no_reply"}).json()["results"]] == [
        done.pk
    ]


def test_one_mention_in_full(api_as, reader, mention):
    body = api_as(reader).get(url(mention)).json()

    assert body["author"] == {
        "id": "",
        "handle": "angry_customer",
        "name": "",
        "followers": 2_500,
    }
    assert body["triage"] == "new"
    assert body["incident"] is None
    assert body["url"] == f"https://x.com/angry_customer/status/{mention.external_id}"
    assert body["account"]["handle"] == mention.account.handle


def test_triage_through_the_api(api_as, responder, mention, incident):
    api = api_as(responder)
    api.post(url(mention, "link"), {"incident": incident.pk})

    response = api.post(url(mention, "triage"), {"status": "no_reply", "reason": "Bot"})

    assert response.status_code == 200
    assert response.json()["triage"] == "no_reply"
    assert response.json()["triage_reason"] == "Bot"
    assert incident.events.filter(kind=TimelineEvent.Kind.MENTION).count() == 2


def test_assign_and_unassign(api_as, responder, mention):
    api = api_as(responder)

    assigned = api.post(url(mention, "assign"), {"assignee": responder.pk})
    assert assigned.json()["assignee"]["id"] == responder.pk

    unassigned = api.post(url(mention, "assign"), {"assignee": None})
    assert unassigned.json()["assignee"] is None


def test_link_to_an_incident_writes_the_timeline(api_as, responder, mention, incident):
    response = api_as(responder).post(url(mention, "link"), {"incident": incident.pk})

    assert response.status_code == 200
    assert response.json()["incident"]["reference"] == incident.reference
    assert incident.events.filter(kind=TimelineEvent.Kind.MENTION).exists()


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("triage", {"status": "no_reply"}, "reason"),
        ("triage", {"status": "no_reply", "reason": "   "}, "reason"),
        ("triage", {"status": "new"}, "status"),
        ("triage", {"status": "maybe"}, "status"),
        ("triage", {}, "status"),
        ("triage", {"status": None}, "status"),
        ("triage", {"status": ["no_reply"]}, "status"),
        ("triage", {"status": "no_reply", "reason": "x" * 301}, "reason"),
        ("triage", {"status": "replied"}, "reply_url"),
        ("triage", {"status": "replied", "reply_url": "javascript:alert(1)"}, "reply_url"),
        ("assign", {}, "assignee"),
        ("assign", {"assignee": 999_999}, "assignee"),
        ("assign", {"assignee": "me"}, "assignee"),
        ("link", {}, "incident"),
        ("link", {"incident": "INC-2026-0001"}, "incident"),
        ("link", {"incident": 999_999}, "incident"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api_as, responder, mention, action, body, field):
    response = api_as(responder).post(url(mention, action), body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    mention.refresh_from_db()
    assert (mention.triage, mention.assignee, mention.incident) == (T.NEW, None, None)


@pytest.mark.parametrize("body", ["[]", '"no_reply"', "{", "null", "42"])
@pytest.mark.parametrize("action", ["triage", "assign", "link"])
def test_a_body_that_is_not_an_object_is_a_400(api_as, responder, mention, action, body):
    response = api_as(responder).post(url(mention, action), body, content_type="application/json")

    assert response.status_code == 400


def test_assigning_someone_who_may_not_triage_is_a_400(api_as, responder, reader, mention):
    response = api_as(responder).post(url(mention, "assign"), {"assignee": reader.pk})

    assert response.status_code == 400
    assert "assignee" in response.json()


def test_linking_to_a_closed_incident_is_a_400(api_as, responder, mention):
    closed = IncidentFactory(status=Status.CLOSED)

    response = api_as(responder).post(url(mention, "link"), {"incident": closed.pk})

    assert response.status_code == 400
    assert "incident" in response.json()


@pytest.mark.parametrize("action", ["triage", "assign", "link"])
def test_a_reader_gets_a_403(api_as, reader, mention, incident, action):
    body = {"status": "needs_reply", "assignee": reader.pk, "incident": incident.pk}

    response = api_as(reader).post(url(mention, action), body)

    assert response.status_code == 403


def test_an_unknown_mention_is_a_404(api_as, responder):
    assert api_as(responder).post(f"{MENTIONS}999999/triage/", {}).status_code == 404
    assert api_as(responder).get(f"{MENTIONS}999999/").status_code == 404


def test_logged_out_is_a_401(api, mention):
    assert api.get(MENTIONS).status_code == 401


@pytest.mark.parametrize(
    "query", [{"incident": "x"}, {"account": "-1"}, {"origin": "fax"}, {"triage": "x"}]
)
def test_a_bad_filter_is_a_400_not_a_500(api_as, reader, query):
    assert api_as(reader).get(MENTIONS, query).status_code == 400


def test_add_a_mention_by_hand(api_as, responder):
    account = SocialAccountFactory()
    api = api_as(responder)
    body = {
        "account": account.pk,
        "url": "https://x.com/upset/status/1890000000000000099",
        "text": "My kettle exploded",
        "author_followers": 3_000,
    }

    created = api.post(MENTIONS, body)
    again = api.post(MENTIONS, body)

    assert created.status_code == 201
    assert created.json()["origin"] == "manual"
    assert created.json()["author"]["handle"] == "upset"
    assert again.status_code == 409  # well formed, but the post is in the queue already
    assert "url" in again.json()


def test_the_api_acts_on_many_mentions_at_once(api_as, responder, reader, incident):
    storm = [InboundPostFactory() for _ in range(3)]
    body = {"mentions": [m.pk for m in storm], "action": "link", "incident": incident.pk}
    assert api_as(reader).post("/api/v1/mentions/bulk/", body, format="json").status_code == 403
    api = api_as(responder)
    response = api.post("/api/v1/mentions/bulk/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"changed": 3}
    assert InboundPost.objects.filter(incident=incident).count() == 3
    refused = api.post(
        "/api/v1/mentions/bulk/",
        {"mentions": [storm[0].pk], "action": "no_reply", "reason": ""},
        format="json",
    )
    assert refused.status_code == 400
    assert "reason" in refused.json()
    assert api.post("/api/v1/mentions/bulk/", {"mentions": []}, format="json").status_code == 400
