"""The triage queue and the mention page, for each role: what they show, in which order, and
the htmx actions on each mention."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communications.listening.mentions import services
from communications.messaging.services import messages as message_services
from communications.models import InboundPost
from incidents.models import TimelineEvent
from teams import flows
from tests.communications.factories import InboundPostFactory, SocialAccountFactory

pytestmark = pytest.mark.django_db
T = InboundPost.Triage
QUEUE = "/communications/mentions/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def detail_url(mention) -> str:
    return f"/communications/mentions/{mention.pk}/"


def ids_on(response) -> list[int]:
    return [m.pk for m in response.context["page"].object_list]


@pytest.fixture
def incident(manager):
    return flows.incident_declare(actor=manager, title="Kettle recall", severity=2)


@pytest.fixture
def mention():
    return InboundPostFactory(author_handle="angry_customer", author_followers=2_500)


def test_the_urls_are_where_the_design_says():
    assert reverse("communications:mentions:queue") == QUEUE
    assert reverse("communications:mentions:detail", kwargs={"pk": 7}) == f"{QUEUE}7/"


def test_logged_out_people_are_sent_to_log_in(client, mention):
    for url in (QUEUE, detail_url(mention)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# --- the queue ------------------------------------------------------------------------------


def test_the_queue_puts_the_widest_reach_first_then_the_longest_waiting(client, responder):
    now = timezone.now()
    small_old = InboundPostFactory(author_followers=10, posted_at=now - timedelta(hours=3))
    big = InboundPostFactory(author_followers=90_000, posted_at=now - timedelta(minutes=1))
    small_new = InboundPostFactory(author_followers=10, posted_at=now - timedelta(minutes=5))
    middle = InboundPostFactory(author_followers=1_500, posted_at=now - timedelta(minutes=9))
    client.force_login(responder)

    response = client.get(QUEUE)

    assert ids_on(response) == [big.pk, middle.pk, small_old.pk, small_new.pk]


def test_the_queue_shows_what_waits_unless_asked_otherwise(client, responder):
    waiting = InboundPostFactory(triage=T.NEEDS_REPLY)
    escalated = InboundPostFactory(triage=T.ESCALATED)
    decided = InboundPostFactory(triage=T.NO_REPLY, triage_reason="spam")
    client.force_login(responder)

    assert set(ids_on(client.get(QUEUE))) == {waiting.pk, escalated.pk}
    assert ids_on(client.get(QUEUE, {"triage": "no_reply"})) == [decided.pk]
    assert len(ids_on(client.get(QUEUE, {"open": "unknown"}))) == 3


def test_the_queue_filters(client, responder, incident):
    now = timezone.now()
    other_account = SocialAccountFactory(handle="brand_help")
    late = InboundPostFactory(reply_due_at=now - timedelta(minutes=5))
    mine = InboundPostFactory(assignee=responder, reply_due_at=now + timedelta(minutes=30))
    linked = InboundPostFactory(incident=incident)
    elsewhere = InboundPostFactory(account=other_account)
    client.force_login(responder)

    assert ids_on(client.get(QUEUE, {"overdue": "true"})) == [late.pk]
    assert ids_on(client.get(QUEUE, {"mine": "true"})) == [mine.pk]
    assert ids_on(client.get(QUEUE, {"incident": incident.pk})) == [linked.pk]
    assert ids_on(client.get(QUEUE, {"account": other_account.pk})) == [elsewhere.pk]
    assert ids_on(client.get(QUEUE, {"linked": "true"})) == [linked.pk]


def test_the_queue_marks_overdue_mentions(client, responder):
    InboundPostFactory(reply_due_at=timezone.now() - timedelta(minutes=5))
    client.force_login(responder)

    response = client.get(QUEUE)

    assert 'data-testid="overdue"' in response.content.decode()


def test_the_queue_is_paginated(client, responder):
    InboundPostFactory.create_batch(27)
    InboundPostFactory.create_batch(5, triage=T.NO_REPLY, triage_reason="spam")
    client.force_login(responder)

    first = client.get(QUEUE)
    second = client.get(QUEUE, {"page": 2})

    assert len(ids_on(first)) == 25
    assert len(ids_on(second)) == 2, "the second page forgot the default filter"
    assert not set(ids_on(first)) & set(ids_on(second))


def test_an_empty_queue_says_nothing_waits(client, responder):
    client.force_login(responder)

    response = client.get(QUEUE)

    assert 'data-testid="empty-state"' in response.content.decode()


def test_filtering_with_htmx_returns_the_results_only(client, responder, mention):
    client.force_login(responder)

    response = client.get(QUEUE, {"triage": "new"}, **HTMX)

    assert "<html" not in response.content.decode()
    assert f'id="mention-{mention.pk}"' in response.content.decode()


def test_a_reader_sees_the_queue_without_actions(client, reader, mention):
    client.force_login(reader)

    page = client.get(QUEUE).content.decode()

    assert f'id="mention-{mention.pk}"' in page
    assert 'data-testid="assign-me"' not in page
    assert 'data-testid="no-reply"' not in page


@pytest.mark.parametrize("role", ["responder", "manager"])
def test_people_who_may_triage_see_the_actions(request, client, role, mention):
    client.force_login(request.getfixturevalue(role))

    page = client.get(QUEUE).content.decode()

    for action in ("assign-me", "link", "needs-reply", "no-reply", "escalate"):
        assert f'data-testid="{action}"' in page


def test_reply_asks_for_an_incident_first(client, responder, mention, incident):
    client.force_login(responder)

    page = client.get(QUEUE).content.decode()
    assert 'data-testid="reply-needs-incident"' in page

    services.mention_link(actor=responder, mention=mention, incident=incident)
    page = client.get(QUEUE).content.decode()
    composer = reverse("communications:message-new")
    assert f"{composer}?incident={incident.reference}&amp;reply_to={mention.pk}" in page


# --- the actions ----------------------------------------------------------------------------


def test_deciding_with_htmx_returns_the_mention_updated(client, responder, mention):
    client.force_login(responder)

    response = client.post(
        f"{detail_url(mention)}triage/", {"status": "no_reply", "reason": "A bot"}, **HTMX
    )

    assert response.status_code == 200
    assert response.context["mention"].triage == T.NO_REPLY
    assert "A bot" in response.content.decode()
    mention.refresh_from_db()
    assert (mention.triage, mention.triage_reason) == (T.NO_REPLY, "A bot")


def test_no_reply_without_a_reason_is_shown_on_the_mention(client, responder, mention):
    client.force_login(responder)

    response = client.post(f"{detail_url(mention)}triage/", {"status": "no_reply"}, **HTMX)

    assert response.status_code == 200
    assert 'data-testid="mention-error"' in response.content.decode()
    mention.refresh_from_db()
    assert mention.triage == T.NEW


def test_assign_to_me_and_link_with_htmx(client, responder, mention, incident):
    client.force_login(responder)

    client.post(f"{detail_url(mention)}assign/", {"assignee": responder.pk}, **HTMX)
    response = client.post(f"{detail_url(mention)}link/", {"incident": incident.pk}, **HTMX)

    mention.refresh_from_db()
    assert mention.assignee == responder
    assert mention.incident == incident
    assert incident.reference in response.content.decode()
    assert incident.events.filter(kind=TimelineEvent.Kind.MENTION).count() == 1


def test_a_plain_post_goes_back_where_it_came_from(client, responder, mention):
    client.force_login(responder)

    response = client.post(
        f"{detail_url(mention)}triage/", {"status": "escalated", "next": f"{QUEUE}?mine=true"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?mine=true"


def test_a_plain_post_never_redirects_off_site(client, responder, mention):
    client.force_login(responder)

    response = client.post(
        f"{detail_url(mention)}triage/", {"status": "needs_reply", "next": "https://evil.test/"}
    )

    assert response["Location"] == detail_url(mention)


@pytest.mark.parametrize("action", ["triage", "assign", "link"])
def test_a_reader_may_not_act(client, reader, mention, incident, action):
    client.force_login(reader)
    data = {"status": "needs_reply", "assignee": reader.pk, "incident": incident.pk}

    response = client.post(f"{detail_url(mention)}{action}/", data, **HTMX)

    assert response.status_code == 403
    mention.refresh_from_db()
    assert (mention.triage, mention.assignee, mention.incident) == (T.NEW, None, None)


def test_an_action_on_a_missing_mention_is_not_found(client, responder):
    client.force_login(responder)
    assert client.post("/communications/mentions/999999/triage/").status_code == 404


# --- the mention page -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reader", "responder", "manager"])
def test_the_mention_page_for_each_role(request, client, role, mention):
    user = request.getfixturevalue(role)
    client.force_login(user)

    page = client.get(detail_url(mention)).content.decode()

    assert mention.text in page
    assert "@angry_customer" in page
    assert "2,500" in page
    assert ('data-testid="no-reply"' in page) is (role != "reader")


def test_the_mention_page_shows_its_history_and_replies(client, responder, manager, incident):
    account = SocialAccountFactory()
    mention = InboundPostFactory(account=account, author_handle="angry_customer")
    services.mention_link(actor=responder, mention=mention, incident=incident)
    services.mention_triage(actor=responder, mention=mention, status=T.NEEDS_REPLY)
    reply = message_services.message_create(
        actor=responder,
        incident=incident,
        account=account,
        body="We are sorry, a DM is on its way.",
        kind="reply",
        reply_to_mention=mention,
    )
    client.force_login(manager)

    response = client.get(detail_url(mention))

    assert [e.data["triage"] for e in response.context["history"]] == [T.NEW, T.NEEDS_REPLY]
    assert response.context["replies"] == [reply]
    assert "We are sorry, a DM is on its way." in response.content.decode()


def test_a_reply_made_elsewhere_is_recorded_from_the_mention_page(client, responder, mention):
    client.force_login(responder)

    client.post(
        f"{detail_url(mention)}triage/",
        {"status": "replied", "reply_url": "https://x.com/brand/status/1890000000000000001"},
    )

    mention.refresh_from_db()
    assert mention.triage == T.REPLIED


# --- adding by hand -------------------------------------------------------------------------


def test_a_reader_may_not_add_a_mention_by_hand(client, reader):
    client.force_login(reader)
    assert client.get(f"{QUEUE}add/").status_code == 403


def test_a_responder_adds_a_mention_by_hand(client, responder):
    account = SocialAccountFactory()
    client.force_login(responder)

    response = client.post(
        f"{QUEUE}add/",
        {
            "account": account.pk,
            "url": "https://x.com/upset/status/1890000000000000077",
            "text": "The kettle melted",
            "author_followers": 12,
        },
    )

    mention = InboundPost.objects.get(external_id="1890000000000000077")
    assert response["Location"] == detail_url(mention)
    assert mention.origin == InboundPost.Origin.MANUAL


def test_a_bad_link_is_shown_on_the_form(client, responder):
    client.force_login(responder)

    response = client.post(
        f"{QUEUE}add/",
        {
            "account": SocialAccountFactory().pk,
            "url": "not a link",
            "text": "x",
            "author_followers": 0,
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["url"]


def test_the_queue_shows_real_posts_and_a_drills_posts_only_when_asked_marked_drill(
    client, api_as, responder
):
    real = InboundPostFactory(text="My kettle leaks.")
    scripted = InboundPostFactory(text="Glass in the bottle!", origin=InboundPost.Origin.DRILL)
    drill_account = SocialAccountFactory(handle="brand_drill7")
    drill_account.is_drill = True
    drill_account.save()
    on_drill_account = InboundPostFactory(account=drill_account, text="Typed in by hand.")
    client.force_login(responder)
    assert ids_on(client.get(QUEUE)) == [real.pk]
    drills = client.get(QUEUE, {"drill": "true"})
    assert set(ids_on(drills)) == {scripted.pk, on_drill_account.pk}
    assert drills.content.decode().count('data-testid="drill-mark"') == 2
    everything = client.get(QUEUE, {"open": "true"})
    assert set(ids_on(everything)) == {real.pk, scripted.pk, on_drill_account.pk}
    body = api_as(responder).get("/api/v1/mentions/", {"drill": "false"}).json()
    assert [row["id"] for row in body["results"]] == [real.pk]
    assert body["results"][0]["is_drill"] is False


# --- one act on many ----------------------------------------------------------------------


def test_the_queue_acts_on_the_chosen_mentions_at_once(client, responder, reader, incident):
    storm = [InboundPostFactory(author_handle=f"fan{n}") for n in range(4)]
    client.force_login(reader)
    page = client.get(reverse("communications:mentions:queue")).content.decode()
    assert 'data-testid="bulk-form"' not in page
    assert 'name="mentions"' not in page
    client.force_login(responder)
    page = client.get(reverse("communications:mentions:queue")).content.decode()
    assert 'data-testid="bulk-form"' in page
    assert page.count('form="bulk-form"') == 4
    chosen = [m.pk for m in storm[:3]]
    here = reverse("communications:mentions:queue") + "?open=true"
    response = client.post(
        reverse("communications:mentions:bulk"),
        {"mentions": chosen, "action": "no_reply", "reason": "Same copied text", "next": here},
    )
    assert response.status_code == 302
    assert response.url == here
    assert set(
        InboundPost.objects.filter(triage=InboundPost.Triage.NO_REPLY).values_list("pk", flat=True)
    ) == set(chosen)
    assert "3 mentions: no reply needed." in client.get(here).content.decode()
    # A refusal is said on the queue (as it was filtered), and nothing changes.
    refused = client.post(
        reverse("communications:mentions:bulk"),
        {"mentions": [storm[3].pk], "action": "no_reply", "reason": "", "next": here},
    )
    assert refused.status_code == 400
    assert "Say why these mentions need no reply." in refused.content.decode()
    assert refused.context["filter"].data["open"] == "true"
    storm[3].refresh_from_db()
    assert storm[3].triage == InboundPost.Triage.NEW


def test_a_bulk_act_sends_nobody_elsewhere_and_refuses_bad_ids(client, responder, mention):
    client.force_login(responder)
    response = client.post(
        reverse("communications:mentions:bulk"),
        {"mentions": [mention.pk], "action": "escalate", "next": "https://evil.example/"},
    )
    assert response.url == reverse("communications:mentions:queue")
    refused = client.post(
        reverse("communications:mentions:bulk"), {"mentions": ["1; drop"], "action": "escalate"}
    )
    assert refused.status_code == 400
    assert "Choose mentions from the queue." in refused.content.decode()
