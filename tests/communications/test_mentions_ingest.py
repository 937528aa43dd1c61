"""Polling X for mentions and watch-term matches, through the real tweepy client against the
fake X API: each post stored once, since_id advanced only after storing, rate limits obeyed,
an outage losing nothing."""

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from communications.accounts import services as accounts
from communications.listening.mentions import ingest, x_reader
from communications.models import InboundPost, SocialAccount, WatchTerm
from communications.tasks import poll_account, poll_mentions
from config.celery_app import app
from tests.communications.factories import SandboxAccountFactory, SocialAccountFactory

pytestmark = pytest.mark.django_db

ACCOUNT_ID = "1500000000000000001"
AUTHOR = "4200000000000000001"
MENTIONS_PATH = f"/2/users/{ACCOUNT_ID}/mentions"
SEARCH_PATH = "/2/tweets/search/recent"


def _forget_this_process_keys() -> None:
    """This test process's keys only (its own prefix): cache.clear() would empty the whole
    Redis database, under the feet of the other test process's rate limits and locks."""
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    if keys := list(client.scan_iter(match=f"{prefix}:*")):
        client.delete(*keys)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate limits, kept page tokens and locks live in the cache."""
    _forget_this_process_keys()
    yield
    _forget_this_process_keys()


@pytest.fixture
def account():
    return SocialAccountFactory(handle="brand", external_user_id=ACCOUNT_ID)


@pytest.fixture
def customer(fake_x):
    fake_x.add_user(AUTHOR, "angry_customer", 12_345, name="Angry Customer")
    return AUTHOR


def calls(fake, path: str) -> list[dict]:
    return [query for method, p, query in fake.requests if method == "GET" and p == path]


def sent(query: dict, name: str) -> str:
    return query.get(name, [""])[0]


def poll(account) -> dict:
    return poll_account.delay(account.pk).get()


def test_a_mention_is_stored_with_its_author_reach_and_link(fake_x, account, customer):
    tweet = fake_x.add_mention(ACCOUNT_ID, "@brand my order never came", customer)

    result = poll(account)

    mention = InboundPost.objects.get()
    assert result["stored"] == 1
    assert mention.external_id == tweet["id"]
    assert mention.account == account
    assert mention.origin == InboundPost.Origin.MENTION
    assert mention.text == "@brand my order never came"
    assert mention.author_id == AUTHOR
    assert mention.author_handle == "angry_customer"
    assert mention.author_name == "Angry Customer"
    assert mention.author_followers == 12_345
    assert mention.url == f"https://x.com/angry_customer/status/{tweet['id']}"
    assert mention.posted_at == datetime.fromisoformat(tweet["created_at"])
    assert mention.triage == InboundPost.Triage.NEW
    assert mention.incident is None
    # 12k followers: the sooner deadline of the response policy (15 min).
    assert mention.reply_due_at == mention.posted_at + timedelta(minutes=15)
    [query] = calls(fake_x, MENTIONS_PATH)
    assert sent(query, "expansions") == "author_id"
    assert set(sent(query, "user.fields").split(",")) >= {"public_metrics", "username", "name"}
    assert set(sent(query, "tweet.fields").split(",")) >= {"created_at", "author_id", "lang"}
    assert mention.language == "en"  # X's detected language, asked for with tweet.fields


@pytest.mark.parametrize(
    ("lang", "stored"), [("tr", "tr"), ("pt-BR", "pt"), ("und", ""), ("qme", ""), ("zxx", "")]
)
def test_a_mention_keeps_the_language_x_detected(fake_x, account, customer, lang, stored):
    fake_x.add_mention(ACCOUNT_ID, "@brand siparişim gelmedi", customer, lang=lang)
    poll(account)
    assert InboundPost.objects.get().language == stored


def test_a_post_fetched_twice_is_stored_once(fake_x, account, customer):
    fake_x.add_mention(ACCOUNT_ID, "@brand hello?", customer)
    poll(account)
    # As if since_id had not moved (a concurrent poll, a restored backup): X sends it again.
    type(account).objects.filter(pk=account.pk).update(last_mention_id="")

    result = poll(account)

    assert result["fetched"] == 1
    assert result["stored"] == 0
    assert InboundPost.objects.count() == 1


def test_since_id_is_advanced_after_storing_and_sent_next_time(fake_x, account, customer):
    first = fake_x.add_mention(ACCOUNT_ID, "@brand first", customer)
    poll(account)
    account.refresh_from_db()
    assert account.last_mention_id == first["id"]

    second = fake_x.add_mention(ACCOUNT_ID, "@brand second", customer)
    poll(account)

    account.refresh_from_db()
    assert account.last_mention_id == second["id"]
    first_call, second_call = calls(fake_x, MENTIONS_PATH)
    assert sent(first_call, "since_id") == ""
    assert sent(second_call, "since_id") == first["id"]
    assert InboundPost.objects.count() == 2


def test_the_accounts_own_posts_need_no_decision(fake_x, account):
    fake_x.add_user(ACCOUNT_ID, "brand", 50_000)
    fake_x.add_mention(ACCOUNT_ID, "@brand thread continues", ACCOUNT_ID)

    poll(account)

    assert not InboundPost.objects.exists()
    account.refresh_from_db()
    assert account.last_mention_id != ""


def test_a_rate_limit_stops_polling_until_the_reset(fake_x, account, customer, monkeypatch):
    fake_x.script("mentions", status=429, reset_in=60)
    fake_x.add_mention(ACCOUNT_ID, "@brand are you there?", customer)

    result = poll(account)
    assert "rate limited" in result["problems"][0]
    poll(account)
    poll(account)

    assert len(calls(fake_x, MENTIONS_PATH)) == 1, "X was asked again before the reset"
    assert not InboundPost.objects.exists()
    account.refresh_from_db()
    assert account.last_mention_id == ""

    later = timezone.now() + timedelta(seconds=62)
    monkeypatch.setattr(timezone, "now", lambda: later)
    poll(account)

    assert len(calls(fake_x, MENTIONS_PATH)) == 2
    assert InboundPost.objects.count() == 1


@pytest.mark.parametrize(
    "failure", [{"status": 503}, {"status": 500}, {"timeout": True}], ids=["503", "500", "timeout"]
)
def test_an_outage_loses_nothing_and_the_next_poll_fetches(fake_x, account, customer, failure):
    first = fake_x.add_mention(ACCOUNT_ID, "@brand before", customer)
    poll(account)
    fake_x.script("mentions", **failure)
    fake_x.add_mention(ACCOUNT_ID, "@brand during the outage", customer)

    result = poll(account)

    assert result["stored"] == 0
    assert result["problems"]
    account.refresh_from_db()
    assert account.last_mention_id == first["id"], "since_id moved past posts never stored"

    poll(account)

    assert InboundPost.objects.count() == 2
    *_, during, after = calls(fake_x, MENTIONS_PATH)
    assert sent(during, "since_id") == sent(after, "since_id") == first["id"]


def test_a_backlog_is_read_page_by_page_across_polls(
    fake_x, account, customer, settings, monkeypatch
):
    monkeypatch.setattr(x_reader, "PAGE_SIZE", 5)
    settings.MENTION_POLL_MAX_PAGES = 2
    start = fake_x.add_mention(ACCOUNT_ID, "@brand start", customer)
    poll(account)
    backlog = [fake_x.add_mention(ACCOUNT_ID, f"@brand {n}", customer) for n in range(12)]

    first = poll(account)

    assert first["stored"] == 10
    account.refresh_from_db()
    assert account.last_mention_id == start["id"], "since_id moved before the backlog was read"

    second = poll(account)

    assert second["stored"] == 2
    account.refresh_from_db()
    assert account.last_mention_id == backlog[-1]["id"]
    stored = set(InboundPost.objects.values_list("external_id", flat=True))
    assert stored == {start["id"], *(t["id"] for t in backlog)}
    resumed = calls(fake_x, MENTIONS_PATH)[3]
    assert sent(resumed, "pagination_token"), "the second poll started over instead of resuming"
    assert sent(resumed, "since_id") == start["id"]


def test_the_first_poll_starts_listening_from_the_newest_page(
    fake_x, account, customer, monkeypatch
):
    monkeypatch.setattr(x_reader, "PAGE_SIZE", 5)
    history = [fake_x.add_mention(ACCOUNT_ID, f"@brand old {n}", customer) for n in range(8)]

    poll(account)

    assert InboundPost.objects.count() == 5
    account.refresh_from_db()
    assert account.last_mention_id == history[-1]["id"]


def test_watch_terms_are_searched_from_the_accounts_since_id(fake_x, account, customer):
    WatchTerm.objects.create(account=account, query="brand recall")
    WatchTerm.objects.create(account=account, query="#brandfail")
    first = fake_x.add_search_result("brand recall", "is brand recalling its kettles?", customer)
    other = fake_x.add_search_result("#brandfail", "never again #brandfail", customer)

    poll(account)

    found = InboundPost.objects.filter(origin=InboundPost.Origin.SEARCH)
    assert set(found.values_list("external_id", flat=True)) == {first["id"], other["id"]}
    assert found.get(external_id=first["id"]).watch_term.query == "brand recall"
    assert found.get(external_id=other["id"]).watch_term.query == "#brandfail"
    assert found.get(external_id=first["id"]).author_followers == 12_345
    account.refresh_from_db()
    assert account.last_search_id == max(first["id"], other["id"], key=int)

    later = fake_x.add_search_result("brand recall", "still no answer about the recall", customer)
    poll(account)

    assert InboundPost.objects.filter(external_id=later["id"]).exists()
    queries = calls(fake_x, SEARCH_PATH)
    assert {sent(q, "query") for q in queries} == {"brand recall", "#brandfail"}
    assert all(sent(q, "since_id") == account.last_search_id for q in queries[2:])
    assert sent(queries[0], "expansions") == "author_id"


def test_a_post_found_by_mention_and_by_search_is_stored_once(fake_x, account, customer):
    WatchTerm.objects.create(account=account, query="brand")
    tweet = fake_x.add_mention(ACCOUNT_ID, "@brand where is my refund", customer)
    fake_x.search["brand"].append(tweet)

    poll(account)

    assert InboundPost.objects.get().origin == InboundPost.Origin.MENTION


def test_a_refused_watch_term_does_not_hold_up_the_others(fake_x, account, customer):
    bad = WatchTerm.objects.create(account=account, query="a")
    WatchTerm.objects.create(account=account, query="brand")
    assert bad.pk < WatchTerm.objects.get(query="brand").pk
    fake_x.script("search", status=400)
    tweet = fake_x.add_search_result("brand", "brand lost my parcel", customer)

    result = poll(account)

    assert "watch term “a”" in result["problems"][0]
    account.refresh_from_db()
    assert account.last_search_id == tweet["id"]


def test_a_search_rate_limit_does_not_stop_mentions(fake_x, account, customer):
    WatchTerm.objects.create(account=account, query="brand")
    fake_x.script("search", status=429, reset_in=300)
    fake_x.add_search_result("brand", "brand again", customer)
    fake_x.add_mention(ACCOUNT_ID, "@brand hi", customer)

    poll(account)
    fake_x.add_mention(ACCOUNT_ID, "@brand hello??", customer)
    poll(account)

    assert InboundPost.objects.filter(origin=InboundPost.Origin.MENTION).count() == 2
    assert len(calls(fake_x, SEARCH_PATH)) == 1


def test_the_beat_task_polls_accounts_with_credentials_only(fake_x, account, customer):
    SandboxAccountFactory(handle="sandboxed", external_user_id="1500000000000000009")
    SocialAccountFactory(handle="retired", external_user_id="1500000000000000008", is_active=False)
    fake_x.add_mention(ACCOUNT_ID, "@brand ping", customer)
    fake_x.add_mention("1500000000000000009", "@sandboxed ping", customer)

    assert poll_mentions.delay().get() == 1

    assert [p for _m, p, _q in fake_x.requests] == [MENTIONS_PATH]
    assert InboundPost.objects.get().account == account


def test_a_sandbox_account_is_never_polled(fake_x):
    sandbox = SandboxAccountFactory(handle="demo", external_user_id=ACCOUNT_ID)

    assert poll(sandbox)["skipped"] == "sandbox"
    assert fake_x.requests == []


def test_polls_of_one_account_do_not_overlap(fake_x, account, customer):
    fake_x.add_mention(ACCOUNT_ID, "@brand hi", customer)
    cache.add(f"mentions:polling:{account.pk}", 1, timeout=60)

    assert poll(account)["skipped"] == "already polling"
    assert fake_x.requests == []


def test_the_poll_runs_every_minute_on_the_low_queue():
    routes = app.conf.task_routes
    assert routes["communications.tasks.poll_mentions"]["queue"] == "low"
    assert routes["communications.tasks.poll_account"]["queue"] == "low"
    [entry] = [
        e
        for e in app.conf.beat_schedule.values()
        if e["task"] == "communications.tasks.poll_mentions"
    ]
    assert entry["schedule"] == 60.0


def test_the_queue_page_says_how_polling_went(client, responder, fake_x, account, customer):
    fake_x.script("mentions", status=429, reset_in=600)
    ingest.poll_account(account.pk)
    client.force_login(responder)

    page = client.get("/communications/mentions/").content.decode()

    assert "@brand" in page
    assert "rate limited until" in page


def test_an_expired_oauth2_token_is_refreshed_for_reading_too(fake_x, admin_user, customer):
    """Reading and posting share one X client: an expired token no longer stops the polling."""
    account = accounts.account_save(
        actor=admin_user,
        handle="brand_oauth2",
        external_user_id=ACCOUNT_ID,
        auth_kind=SocialAccount.AuthKind.OAUTH2,
        credentials={"access_token": "old-access", "refresh_token": "r-1", "client_id": "cid"},
    )
    fake_x.expired_tokens.add("old-access")
    fake_x.refresh_tokens.add("r-1")
    fake_x.add_mention(ACCOUNT_ID, "@brand_oauth2 still waiting", customer)

    result = poll(account)

    assert result["problems"] == []
    assert result["stored"] == 1
    stored = accounts.account_credentials(SocialAccount.objects.get(pk=account.pk))
    assert stored["access_token"] != "old-access"
    assert stored["refresh_token"] != "r-1"


def test_a_poll_that_stores_a_storm_raises_its_alert_at_once(fake_x, account, customer):
    from communications.listening.rules import bucket_start
    from communications.models import Alert
    from tests.communications.listening_data import quiet_history

    quiet_history(account, days=8, until=bucket_start(timezone.now()) - timedelta(minutes=30))
    for n in range(30):
        fake_x.add_mention(
            ACCOUNT_ID, f"@brand is batch 24-117 safe? my kid is sick ({n})", customer
        )

    result = poll(account)

    assert result["stored"] == 30
    alert = Alert.objects.get(account=account)
    assert alert.posts == 30
    assert alert.top_words == ["batch", "kid", "safe"]  # each in every post: alphabetical
    # The next poll finds nothing new and raises nothing more.
    poll(account)
    assert Alert.objects.count() == 1
