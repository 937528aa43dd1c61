"""The brand's public statement page: putting words there is a message like any other (same
composer, same gate, same count of approvals, published once, on the timeline); the page shows
the approved updates of the incidents on it, per language, corrections marked; it is served from
the cache with no database query, with an ETag and a 304; drills and internal words never show."""

import pytest
from django.core.cache import cache
from django.test import Client

from communications.messaging import publishing
from communications.messaging.gate import Stop, publish_refusal
from communications.messaging.preflight import rule_flags
from communications.messaging.services import approvals
from communications.messaging.services import messages as message_services
from communications.messaging.services.pages import page_switch_off, page_switch_on
from communications.messaging.services.wording import rule_save
from communications.models import Message, StatementPage
from config.errors import ApplicationError, Conflict, NotPermitted
from incidents import live
from incidents.models import Incident, TimelineEvent
from teams import flows

pytestmark = pytest.mark.django_db
S = Message.Status
HEADLINE = "Batch 24-117 of our mango juice"
WHAT_WE_KNOW = (
    "Some bottles of batch 24-117 may contain glass. Do not drink them; bring them to any "
    "shop for a refund. We are testing every bottle. Next update by 18:00."
)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture(autouse=True)
def told_at_once(monkeypatch):
    """A test's transaction never commits: what a change bumps (incidents.live) is told at
    once, as it would be when its transaction commits."""
    monkeypatch.setattr(live, "bump", lambda *keys: live._bump_now(keys))


@pytest.fixture
def incident(responder):
    return flows.incident_declare(
        actor=responder, title="Spike on @brand: glass, recall, kids", severity=1
    )


def page_update(author, incident, body=WHAT_WE_KNOW, language="en", **kwargs):
    return message_services.message_create(
        actor=author,
        incident=incident,
        account=None,
        kind=Message.Kind.PAGE_UPDATE,
        body=body,
        language=language,
        **kwargs,
    )


def published(author, approvers, incident, capture, **kwargs):
    message = page_update(author, incident, **kwargs)
    message_services.message_submit(actor=author, message=message)
    for approver in approvers:
        approvals.message_approve(actor=approver, message=message)
    with capture(execute=True):
        pass
    message.refresh_from_db()
    if message.status == S.APPROVED:
        with capture():
            publishing.publish(message.pk)
        message.refresh_from_db()
    return message


def public(path="/status/en/", **headers):
    return Client().get(path, **headers)


def test_a_page_update_is_approved_like_a_post_and_published_once_on_the_page(
    responder, manager, manager2, incident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page_switch_on(actor=manager, incident=incident, headline=HEADLINE)
        message = page_update(responder, incident)
        message_services.message_submit(actor=responder, message=message)
        approvals.message_approve(actor=manager, message=message)
    message.refresh_from_db()
    assert message.status == S.PENDING_APPROVAL  # SEV1: two approvals, as for a post
    waiting = public().content.decode()
    assert HEADLINE in waiting
    assert WHAT_WE_KNOW not in waiting
    with django_capture_on_commit_callbacks(execute=True):
        approvals.message_approve(actor=manager2, message=message)
    message.refresh_from_db()
    assert message.status == S.PUBLISHED
    assert message.sandbox is False
    page = public().content.decode()
    assert HEADLINE in page
    assert WHAT_WE_KNOW in page
    assert "Spike on @brand" not in page  # the working title stays inside
    assert "Last updated" in page
    # once: publishing it again finds it out already
    assert publishing.publish(message.pk) != "published"
    assert Message.objects.filter(kind=Message.Kind.PAGE_UPDATE, status=S.PUBLISHED).count() == 1
    said = list(TimelineEvent.objects.filter(incident=incident).values_list("text", flat=True))
    assert any("Published on the statement page (en)" in text for text in said)
    assert any("Put on the statement page" in text for text in said)


def test_an_update_waits_for_the_incident_to_be_on_the_page(
    responder, manager, incident, django_capture_on_commit_callbacks
):
    message = page_update(responder, incident)
    refusal = publish_refusal(message, content_only=True)
    assert refusal is not None
    assert refusal.stop == Stop.PAGE_OFF
    with pytest.raises(ApplicationError, match="not on the statement page"):
        message_services.message_submit(actor=responder, message=message)


def test_taken_off_the_page_between_approval_and_publishing_it_does_not_go_there(
    responder, manager, manager2, incident, django_capture_on_commit_callbacks
):
    page_switch_on(actor=manager, incident=incident, headline=HEADLINE)
    message = page_update(responder, incident)
    message_services.message_submit(actor=responder, message=message)
    approvals.message_approve(actor=manager, message=message)
    approvals.message_approve(actor=manager2, message=message)
    page_switch_off(actor=manager, incident=incident)
    with django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == S.FAILED
    assert "not on the statement page" in message.last_error
    assert WHAT_WE_KNOW not in public().content.decode()


def test_a_page_update_needs_a_language_the_page_speaks(responder, incident):
    with pytest.raises(ApplicationError) as refused:
        page_update(responder, incident, language="")
    assert refused.value.field == "language"
    with pytest.raises(ApplicationError):
        page_update(responder, incident, language="xx")


def test_each_language_has_its_page_and_the_reader_s_browser_chooses(
    responder, manager, manager2, incident, django_capture_on_commit_callbacks
):
    page_switch_on(actor=manager, incident=incident, headline=HEADLINE)
    published(responder, [manager, manager2], incident, django_capture_on_commit_callbacks)
    turkish = "24-117 partisindeki bazı şişelerde cam olabilir. Lütfen içmeyin."
    published(
        responder,
        [manager, manager2],
        incident,
        django_capture_on_commit_callbacks,
        body=turkish,
        language="tr",
    )
    english, in_turkish = (
        public("/status/en/").content.decode(),
        public("/status/tr/").content.decode(),
    )
    assert WHAT_WE_KNOW in english
    assert turkish not in english
    assert turkish in in_turkish
    assert WHAT_WE_KNOW not in in_turkish
    assert '<html lang="tr">' in in_turkish
    assert public("/status/", HTTP_ACCEPT_LANGUAGE="tr-TR,tr;q=0.9").url == "/status/tr/"
    assert public("/status/", HTTP_ACCEPT_LANGUAGE="en-GB").url == "/status/en/"
    assert public("/status/xx/").status_code == 404


def test_a_correction_is_marked_as_one_never_a_silent_edit(
    responder, manager, manager2, incident, django_capture_on_commit_callbacks
):
    page_switch_on(actor=manager, incident=incident, headline=HEADLINE)
    first = published(responder, [manager, manager2], incident, django_capture_on_commit_callbacks)
    fixed = "Correction: the batch is 24-171, not 24-117. Bottles of 24-117 are safe."
    correction = published(
        responder,
        [manager, manager2],
        incident,
        django_capture_on_commit_callbacks,
        body=fixed,
        corrects=first,
    )
    assert correction.status == S.PUBLISHED
    page = public().content.decode()
    assert WHAT_WE_KNOW in page
    assert fixed in page
    assert page.count('data-testid="correction"') == 1
    assert f'href="#update-{first.pk}"' in page
    assert f'href="#update-{correction.pk}"' in page  # the first links to its correction


def test_a_page_update_corrects_only_a_page_update(
    responder, manager, manager2, incident, django_capture_on_commit_callbacks
):
    tweet = Message.objects.create(
        incident=incident,
        account=None,
        kind=Message.Kind.STAFF_BRIEFING,
        body="Internal.",
        author=responder,
    )
    with pytest.raises(ApplicationError):
        page_update(responder, incident, corrects=tweet)


def test_the_page_and_feed_come_from_the_cache_with_an_etag_and_a_304(
    responder,
    manager,
    manager2,
    incident,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
):
    page_switch_on(actor=manager, incident=incident, headline=HEADLINE)
    published(responder, [manager, manager2], incident, django_capture_on_commit_callbacks)
    first = public()
    assert first["Cache-Control"] == "public, max-age=30"
    etag = first["ETag"]
    with django_assert_num_queries(0):
        again = public()
    assert again.content == first.content
    feed = public("/status/en/feed.atom")  # rendered once for its version, from the database
    with django_assert_num_queries(0):
        public("/status/en/feed.atom")
        unchanged = public(HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert WHAT_WE_KNOW in feed.content.decode()
    # a change makes a new version (once committed): the old ETag no longer matches
    with django_capture_on_commit_callbacks(execute=True):
        page_switch_off(actor=manager, incident=incident)
    changed = public(HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_the_feed_is_atom_with_one_entry_per_update(
    responder, manager, manager2, incident, django_capture_on_commit_callbacks
):
    page_switch_on(actor=manager, incident=incident, headline=HEADLINE)
    published(responder, [manager, manager2], incident, django_capture_on_commit_callbacks)
    feed = public("/status/en/feed.atom").content.decode()
    assert feed.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert 'xmlns="http://www.w3.org/2005/Atom"' in feed
    assert feed.count("<entry>") == 1
    assert f"<title>{HEADLINE} — Update</title>" in feed


def test_switched_off_the_incident_stays_in_the_archive_with_its_final_statement(
    responder, manager, manager2, incident, django_capture_on_commit_callbacks
):
    page_switch_on(actor=manager, incident=incident, headline=HEADLINE)
    published(responder, [manager, manager2], incident, django_capture_on_commit_callbacks)
    final = "All bottles are tested and safe. Thank you for your patience."
    published(
        responder, [manager, manager2], incident, django_capture_on_commit_callbacks, body=final
    )
    page_switch_off(actor=manager, incident=incident)
    page = public().content.decode()
    assert 'data-testid="page-archive"' in page
    assert final in page
    assert WHAT_WE_KNOW not in page
    assert 'data-testid="nothing-to-report"' in page
    with pytest.raises(Conflict):
        page_switch_off(actor=manager, incident=incident)


def test_a_drill_never_shows_on_the_public_page(
    responder, manager, manager2, incident, django_capture_on_commit_callbacks
):
    Incident.objects.filter(pk=incident.pk).update(is_drill=True)
    incident.refresh_from_db()
    page_switch_on(actor=manager, incident=incident, headline="Drill headline")
    message = published(
        responder, [manager, manager2], incident, django_capture_on_commit_callbacks
    )
    assert message.status == S.PUBLISHED
    assert message.sandbox is True
    page = public().content.decode()
    assert "Drill headline" not in page
    assert WHAT_WE_KNOW not in page


def test_only_managers_put_an_incident_on_the_page_with_a_public_headline(
    responder, manager, incident
):
    with pytest.raises(NotPermitted):
        page_switch_on(actor=responder, incident=incident, headline=HEADLINE)
    with pytest.raises(ApplicationError) as refused:
        page_switch_on(actor=manager, incident=incident, headline="   ")
    assert refused.value.field == "headline"
    page = page_switch_on(actor=manager, incident=incident, headline=f"  {HEADLINE}  ")
    assert page.headline == HEADLINE
    assert page.is_live
    assert page_switch_on(actor=manager, incident=incident, headline=HEADLINE) == page
    assert StatementPage.objects.count() == 1


def test_the_page_is_public_and_the_team_s_pages_are_not(client, responder, manager, incident):
    assert public().status_code == 200
    assert (
        Client().get(f"/communications/incidents/{incident.reference}/statement-page/").status_code
        == 302
    )
    client.force_login(responder)
    page = client.get(f"/communications/incidents/{incident.reference}/statement-page/")
    assert page.status_code == 200
    assert 'data-testid="statement-page-form"' not in page.content.decode()
    assert (
        client.post(
            f"/communications/incidents/{incident.reference}/statement-page/",
            {"headline": HEADLINE, "action": "on"},
        ).status_code
        == 403
    )
    client.force_login(manager)
    client.post(
        f"/communications/incidents/{incident.reference}/statement-page/",
        {"headline": HEADLINE, "action": "on"},
    )
    assert StatementPage.objects.get(incident=incident).is_live
    client.post(
        f"/communications/incidents/{incident.reference}/statement-page/", {"action": "off"}
    )
    assert not StatementPage.objects.get(incident=incident).is_live


def test_the_api_puts_an_incident_on_the_page_and_drafts_its_updates(
    api_as, responder, manager, incident
):
    refused = api_as(responder).post(
        "/api/v1/statement-pages/", {"incident": incident.pk, "headline": HEADLINE}, format="json"
    )
    assert refused.status_code == 403
    made = api_as(manager).post(
        "/api/v1/statement-pages/", {"incident": incident.pk, "headline": HEADLINE}, format="json"
    )
    assert made.status_code == 201, made.content
    assert made.json()["is_live"] is True
    draft = api_as(responder).post(
        "/api/v1/messages/",
        {"incident": incident.pk, "kind": "page_update", "language": "tr", "body": "Güncelleme."},
        format="json",
    )
    assert draft.status_code == 201, draft.content
    assert (draft.json()["language"], draft.json()["account"]) == ("tr", None)
    off = api_as(manager).post(f"/api/v1/statement-pages/{made.json()['id']}/switch-off/")
    assert off.json()["is_live"] is False


def test_the_composer_offers_the_page_s_link_while_the_incident_is_on_it(
    client, settings, responder, manager, incident
):
    settings.STATEMENT_PAGE_URL = "https://durum.brand.com.tr/status"
    client.force_login(responder)
    composer = f"/communications/messages/new/?incident={incident.reference}"
    assert 'data-testid="page-links"' not in client.get(composer).content.decode()
    page_switch_on(actor=manager, incident=incident, headline=HEADLINE)
    offered = client.get(composer).content.decode()
    anchor = incident.reference.lower()
    assert f'data-add-link="https://durum.brand.com.tr/status/tr/#{anchor}"' in offered
    assert f'data-add-link="https://durum.brand.com.tr/status/en/#{anchor}"' in offered
    page_switch_off(actor=manager, incident=incident)
    assert 'data-testid="page-links"' not in client.get(composer).content.decode()


def test_a_link_to_the_statement_page_is_never_a_link_elsewhere(settings, manager):
    settings.STATEMENT_PAGE_URL = "https://durum.brand.com.tr/status"
    rule = rule_save(
        actor=manager,
        name="Links only to our shop",
        shape="links",
        words="shop.example.com",
        reason="Elsewhere is not ours.",
        examples_flagged="See https://bit.ly/x\nBkz. https://bit.ly/y",
        examples_passed="See https://shop.example.com/a\nBkz. https://shop.example.com/b",
    )
    assert not rule_flags(rule, "Details: https://durum.brand.com.tr/status/en/#inc-2026-0001")
    assert rule_flags(rule, "Details: https://durum.other.com.tr/status/en/")
