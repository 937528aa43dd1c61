"""Who else is on a mention right now: kept in the cache with a short life an open page renews,
told only about mentions the viewer may see on the page they are on, never written to the
database; and the queue's other aids for a storm (filters folded on a phone, the keyboard)."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communications.listening.mentions import presence
from communications.listening.mentions.presence import (
    LEFT_SECONDS,
    PRESENCE_SECONDS,
    Doing,
    presence_leave,
    presence_on,
    presence_tell,
)
from communications.models import InboundPost
from tests.communications.factories import InboundPostFactory, SocialAccountFactory
from tests.teams.factories import responder as make_responder

pytestmark = pytest.mark.django_db
QUEUE = "/communications/mentions/"
PRESENCE = "/communications/mentions/presence/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def mention():
    return InboundPostFactory(author_handle="angry_customer")


def beat(client, **data):
    response = client.post(PRESENCE, data)
    return response, (response.json() if response["Content-Type"] == "application/json" else {})


# --- the record in the cache ----------------------------------------------------------------


def test_a_colleague_on_a_mention_is_seen_by_others_never_by_themselves(ayse, can, mention):
    presence_tell(person=ayse, mention=mention, doing=Doing.REPLYING)

    seen_by_can = presence_on(mention_ids=[mention.pk], viewer=can)[mention.pk]

    assert [(p.name, p.doing, p.text) for p in seen_by_can] == [
        ("Ayşe Yılmaz", Doing.REPLYING, "Ayşe Yılmaz is replying")
    ]
    assert presence_on(mention_ids=[mention.pk], viewer=ayse) == {}


def test_replying_shows_before_viewing_and_outweighs_it_for_the_same_person(
    ayse, can, reader, mention
):
    presence_tell(person=can, mention=mention, doing=Doing.VIEWING)
    presence_tell(person=ayse, mention=mention, doing=Doing.VIEWING)
    presence_tell(person=ayse, mention=mention, doing=Doing.REPLYING)  # her second tab

    shown = presence_on(mention_ids=[mention.pk], viewer=reader)[mention.pk]

    assert [p.text for p in shown] == ["Ayşe Yılmaz is replying", "Can Demir is viewing"]


def test_a_page_that_goes_silent_lapses_and_one_that_is_left_goes_at_once(
    ayse, can, reader, mention, monkeypatch
):
    presence_tell(person=ayse, mention=mention, doing=Doing.REPLYING)
    presence_tell(person=can, mention=mention, doing=Doing.VIEWING)

    presence_leave(person=can, mention=mention, doing=Doing.VIEWING)
    assert [p.name for p in presence_on(mention_ids=[mention.pk], viewer=reader)[mention.pk]] == [
        "Ayşe Yılmaz"
    ]

    later = time.time() + PRESENCE_SECONDS + 1
    monkeypatch.setattr(presence.time, "time", lambda: later)
    assert presence_on(mention_ids=[mention.pk], viewer=reader) == {}


def test_a_goodbye_is_not_undone_by_a_beat_still_on_its_way(
    ayse, can, reader, mention, monkeypatch
):
    presence_tell(person=ayse, mention=mention, doing=Doing.REPLYING)
    presence_tell(person=can, mention=mention, doing=Doing.REPLYING)
    presence_leave(person=ayse, mention=mention, doing=Doing.REPLYING)
    # The beat her page sent just before it closed arrives after the goodbye; Can's beats go on.
    presence_tell(person=ayse, mention=mention, doing=Doing.REPLYING)
    presence_tell(person=can, mention=mention, doing=Doing.REPLYING)
    assert [p.name for p in presence_on(mention_ids=[mention.pk], viewer=reader)[mention.pk]] == [
        "Can Demir"
    ]
    # Back on the mention a moment later, she shows again.
    later = time.time() + LEFT_SECONDS + 0.1
    monkeypatch.setattr(presence.time, "time", lambda: later)
    presence_tell(person=ayse, mention=mention, doing=Doing.REPLYING)
    shown = presence_on(mention_ids=[mention.pk], viewer=reader)[mention.pk]
    assert sorted(p.name for p in shown) == ["Ayşe Yılmaz", "Can Demir"]


def test_a_colleagues_beat_never_writes_back_a_line_just_left(ayse, can, reader, mention):
    """Can's beat reads the entry while Ayşe's goodbye waits for the lock: it cannot write back
    the line she has left."""
    presence_tell(person=ayse, mention=mention, doing=Doing.REPLYING)
    with presence._changing(mention.pk):
        started = time.monotonic()
        presence_leave(person=ayse, mention=mention, doing=Doing.REPLYING)  # waits, then goes
    assert time.monotonic() - started >= presence.LOCK_WAIT  # it did wait for the lock
    presence_tell(person=can, mention=mention, doing=Doing.VIEWING)
    assert [p.name for p in presence_on(mention_ids=[mention.pk], viewer=reader)[mention.pk]] == [
        "Can Demir"
    ]


def test_presence_of_many_mentions_is_one_read_of_the_cache(ayse, can, monkeypatch):
    mentions = InboundPostFactory.create_batch(25)
    presence_tell(person=ayse, mention=mentions[3], doing=Doing.VIEWING)
    reads: list[list[str]] = []
    get_many = presence.cache.get_many
    monkeypatch.setattr(
        presence.cache, "get_many", lambda keys: reads.append(list(keys)) or get_many(keys)
    )

    seen = presence_on(mention_ids=[m.pk for m in mentions], viewer=can)

    assert list(seen) == [mentions[3].pk]
    assert len(reads) == 1


# --- the beat an open page sends ------------------------------------------------------------


def test_b_hears_that_a_is_replying_from_the_beat_of_a_page(client, ayse, can, mention):
    client.force_login(ayse)
    response, _answer = beat(client, here=mention.pk, doing="replying", mention=[mention.pk])
    assert response.status_code == 200

    client.force_login(can)
    response, answer = beat(client, mention=[mention.pk])

    assert answer == {
        "mentions": {
            str(mention.pk): [
                {"name": "Ayşe Yılmaz", "doing": "replying", "text": "Ayşe Yılmaz is replying"}
            ]
        }
    }


def test_the_beat_writes_nothing_to_the_database(client, ayse, mention):
    client.force_login(ayse)
    client.get(QUEUE)  # the session and the person are loaded once

    with CaptureQueriesContext(connection) as queries:
        response, _answer = beat(client, here=mention.pk, doing="viewing", mention=[mention.pk])

    assert response.status_code == 200
    written = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert written == []
    # The session, the person, their device and permissions; the mention; those shown.
    assert len(queries.captured_queries) <= 7


def test_leaving_takes_the_person_off_at_once(client, ayse, can, mention):
    client.force_login(ayse)
    beat(client, here=mention.pk, doing="replying")
    beat(client, here=mention.pk, doing="replying", leaving="true")

    client.force_login(can)
    _response, answer = beat(client, mention=[mention.pk])

    assert answer == {"mentions": {}}


def test_only_mentions_that_exist_are_told_about_and_a_beat_on_none_is_a_404(
    client, ayse, can, mention
):
    client.force_login(ayse)
    beat(client, here=mention.pk, doing="viewing")
    client.force_login(can)

    missing, _answer = beat(client, here=mention.pk + 1000, doing="viewing")
    _response, answer = beat(client, mention=[mention.pk, mention.pk + 1000])

    assert missing.status_code == 404
    assert list(answer["mentions"]) == [str(mention.pk)]


def test_a_drills_mention_is_told_about_only_to_a_page_that_shows_a_drills_posts(client, ayse, can):
    scripted = InboundPostFactory(origin=InboundPost.Origin.DRILL)
    drill_account = SocialAccountFactory(handle="brand_drill")
    drill_account.is_drill = True
    drill_account.save()
    on_drill_account = InboundPostFactory(account=drill_account)
    real = InboundPostFactory()
    for mention in (scripted, on_drill_account, real):
        presence_tell(person=ayse, mention=mention, doing=Doing.VIEWING)
    client.force_login(can)
    asked = [scripted.pk, on_drill_account.pk, real.pk]

    _response, on_a_real_page = beat(client, mention=asked)
    _response, on_a_drill_page = beat(client, mention=asked, drill="true")

    assert set(on_a_real_page["mentions"]) == {str(real.pk)}
    assert set(on_a_drill_page["mentions"]) == {str(pk) for pk in asked}


def test_only_who_may_draft_can_be_shown_replying(client, reader, mention):
    client.force_login(reader)

    replying, _answer = beat(client, here=mention.pk, doing="replying")
    viewing, _answer = beat(client, here=mention.pk, doing="viewing")

    assert replying.status_code == 403
    assert "draft" in replying.json()["detail"]
    assert viewing.status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        {"mention": ["7", "²"]},
        {"mention": [str(n) for n in range(1, 102)]},
        {"here": "x"},
        {"here": "1", "doing": "typing"},
    ],
)
def test_a_beat_that_cannot_be_understood_is_a_400_that_says_why(client, ayse, data):
    client.force_login(ayse)

    response = client.post(PRESENCE, data)

    assert response.status_code == 400
    assert response.json()["errors"]


def test_the_beat_is_for_people_signed_in_and_only_by_post(client, mention):
    assert client.post(PRESENCE, {"mention": [mention.pk]}).status_code == 302
    client.force_login(make_responder(username="someone"))
    assert client.get(PRESENCE).status_code == 405


# --- the pages ------------------------------------------------------------------------------


def test_the_queue_asks_who_is_on_each_mention_it_shows_and_the_keys_are_its_own(
    client, ayse, mention
):
    client.force_login(ayse)

    page = client.get(QUEUE).content.decode()
    one = client.get(f"{QUEUE}{mention.pk}/").content.decode()

    assert f'data-presence-for="{mention.pk}"' in page
    assert "js/mention-presence.js" in page
    assert "js/mention-keys.js" in page
    assert 'data-testid="keys-help"' in page
    assert "js/mention-presence.js" in one
    assert "js/mention-keys.js" not in one
    # Scripts are files (the Content-Security-Policy allows no inline script) and none sits in
    # the page's title.
    assert "<script>" not in page
    title = page.split("<title>")[1].split("</title>")[0]
    assert "script" not in title


def test_the_queue_tells_drill_presence_only_where_it_shows_drill_posts(client, ayse):
    client.force_login(ayse)

    default = client.get(QUEUE).content.decode()
    drills = client.get(QUEUE, {"drill": "true"}).content.decode()
    real_only = client.get(QUEUE, {"drill": "false", "open": "true"}).content.decode()

    assert 'data-presence-drill="true"' not in default
    assert 'data-presence-drill="true"' in drills
    assert 'data-presence-drill="true"' not in real_only


def test_the_mention_page_says_who_else_is_on_it_and_that_its_viewer_views_it(
    client, ayse, can, mention
):
    presence_tell(person=ayse, mention=mention, doing=Doing.REPLYING)
    client.force_login(can)

    page = client.get(f"{QUEUE}{mention.pk}/").content.decode()

    assert "Ayşe Yılmaz is replying" in page
    assert f'data-presence-here="{mention.pk}" data-presence-doing="viewing"' in page


# --- filters folded on a phone --------------------------------------------------------------


def test_the_filters_button_says_how_many_filters_are_set(client, ayse):
    client.force_login(ayse)

    none = client.get(QUEUE).content.decode()
    two = client.get(QUEUE, {"q": "kettle", "overdue": "true"}).content.decode()
    by_htmx = client.get(QUEUE, {"q": "kettle"}, **HTMX).content.decode()

    label = '<span id="filters-label" data-testid="filters-label">Filters</span>'
    assert label in none
    assert "Filters (2 active)" in two
    assert 'class="collapse d-lg-block" id="mention-filter-box"' in two
    # Filtering without a reload updates the button too (out of band).
    assert 'hx-swap-oob="true">Filters (1 active)</span>' in by_htmx
