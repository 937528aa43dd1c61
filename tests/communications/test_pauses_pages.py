"""The stop switch on the pages and the API: one click from every page's header for those who
may, a red banner on every page while paused, the resume page, and the same through the API."""

import pytest
from django.urls import reverse

from communications.messaging.services import pauses
from communications.models import Message, PublishingPause
from tests.communications.drafting import approved
from tests.communications.factories import SocialAccountFactory

pytestmark = pytest.mark.django_db
S = Message.Status


@pytest.fixture
def account():
    return SocialAccountFactory(handle="brand")


def html(response) -> str:
    return response.content.decode()


# --- pages ----------------------------------------------------------------------------------


def test_the_header_offers_the_switch_only_to_those_who_may_pause(client, manager, responder):
    client.force_login(manager)
    assert 'data-testid="pause-switch"' in html(client.get(reverse("incidents:list")))
    client.force_login(responder)
    assert 'data-testid="pause-switch"' not in html(client.get(reverse("incidents:list")))


def test_pausing_from_the_header_comes_back_and_every_page_shows_the_banner(
    client, manager, reader, account
):
    client.force_login(manager)
    back = reverse("incidents:list") + "?status=responding"
    response = client.post(
        reverse("communications:pauses"),
        {"account": account.pk, "reason": "Our account may be hacked"},
        HTTP_REFERER=f"http://testserver{back}",
    )
    assert response.status_code == 302
    assert response["Location"] == back
    client.force_login(reader)
    for page in ("dashboard", "incidents:list", "communications:log", "teams:people"):
        banner = html(client.get(reverse(page)))
        assert 'data-testid="pause-banner"' in banner, page
        assert "Publishing is paused on @brand." in banner
        assert "Our account may be hacked" in banner
        assert str(manager) in banner
        assert 'data-testid="pause-resume-link"' not in banner  # a reader cannot resume


def test_a_page_elsewhere_is_not_followed(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("communications:pauses"),
        {"account": "", "reason": "Stop"},
        HTTP_REFERER="https://evil.example/incidents/",
    )
    assert response["Location"] == reverse("communications:pauses")
    assert PublishingPause.objects.get().account is None  # all accounts


def test_a_pause_without_reason_or_twice_is_refused_on_the_page(client, manager, account):
    client.force_login(manager)
    url = reverse("communications:pauses")
    response = client.post(url, {"account": account.pk, "reason": ""})
    assert response.status_code == 400
    assert "This field is required." in html(response)
    client.post(url, {"account": account.pk, "reason": "Hacked"})
    again = client.post(url, {"account": account.pk, "reason": "Hacked again"})
    assert again.status_code == 400
    assert "already paused by" in html(again)
    assert client.post(url, {"account": "999999", "reason": "x"}).status_code == 400
    assert PublishingPause.objects.count() == 1


def test_a_responder_cannot_pause_or_resume(client, manager, responder, account):
    client.force_login(responder)
    assert client.post(reverse("communications:pauses"), {"reason": "x"}).status_code == 403
    the_pause = pauses.publishing_pause(actor=manager, account=account, reason="Hacked")
    url = reverse("communications:pause-resume", args=[the_pause.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403
    the_pause.refresh_from_db()
    assert the_pause.is_active


def test_the_resume_page_lists_what_waits_and_releases_only_what_is_ticked(
    client, fake_x, manager, responder, account, django_capture_on_commit_callbacks
):
    the_pause = pauses.publishing_pause(actor=manager, account=account, reason="Hacked")
    keep = approved(responder, manager, account, body="Still true: we are on it.")
    stale = approved(responder, manager, account, body="All is fine.")
    client.force_login(manager)
    url = reverse("communications:pause-resume", args=[the_pause.pk])
    page = html(client.get(url))
    assert f'data-testid="release-{keep.pk}"' in page
    assert f'data-testid="release-{stale.pk}"' in page
    assert "checked" not in page  # nothing released unless chosen
    assert client.post(url, {"release": ["nope"]}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"release": [keep.pk]}, follow=True)
    assert "1 released, 1 back to draft" in html(response)
    assert 'data-testid="pause-banner"' not in html(response)
    keep.refresh_from_db()
    stale.refresh_from_db()
    assert (keep.status, stale.status) == (S.PUBLISHED, S.DRAFT)
    assert client.get(url).status_code == 302  # ended: back to the pauses page


def test_the_pauses_page_empty_then_with_history(client, manager, reader, account):
    client.force_login(reader)
    url = reverse("communications:pauses")
    assert "Publishing has never been paused." in html(client.get(url))
    assert 'data-testid="pause-page-form"' not in html(client.get(url))
    the_pause = pauses.publishing_pause(actor=manager, account=account, reason="Hacked")
    pauses.publishing_resume(actor=manager, pause=the_pause)
    page = html(client.get(url))
    assert f'data-testid="pause-{the_pause.pk}"' in page
    assert "0 / 0" in page


# --- API ------------------------------------------------------------------------------------


def test_the_api_pauses_lists_shows_waiting_and_resumes(
    api_as, fake_x, manager, responder, reader, account, django_capture_on_commit_callbacks
):
    client = api_as(manager)
    created = client.post(
        "/api/v1/publishing-pauses/",
        {"account": account.pk, "reason": "Hacked"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["account"]["handle"], body["active"], body["reason"]) == ("brand", True, "Hacked")
    again = client.post(
        "/api/v1/publishing-pauses/", {"account": account.pk, "reason": "x"}, format="json"
    )
    assert again.status_code == 409
    everything = client.post("/api/v1/publishing-pauses/", {"reason": "All"}, format="json")
    assert everything.json()["account"] is None
    client.post(f"/api/v1/publishing-pauses/{everything.json()['id']}/resume/", {}, format="json")
    active = client.get("/api/v1/publishing-pauses/", {"active": "true"}).json()["results"]
    assert [p["id"] for p in active] == [body["id"]]
    ended = client.get("/api/v1/publishing-pauses/", {"active": "false"}).json()["results"]
    assert [p["id"] for p in ended] == [everything.json()["id"]]
    unreadable = client.get("/api/v1/publishing-pauses/", {"active": "maybe"})
    assert unreadable.status_code == 400
    assert "active" in unreadable.json()

    message = approved(responder, manager, account)
    waiting = client.get(f"/api/v1/publishing-pauses/{body['id']}/waiting/").json()
    assert [m["id"] for m in waiting] == [message.pk]
    bad = client.post(
        f"/api/v1/publishing-pauses/{body['id']}/resume/", {"release": [1, "x"]}, format="json"
    )
    assert bad.status_code == 400
    assert "release" in bad.json()
    with django_capture_on_commit_callbacks(execute=True):
        resumed = client.post(
            f"/api/v1/publishing-pauses/{body['id']}/resume/",
            {"release": [message.pk]},
            format="json",
        )
    assert resumed.status_code == 200, resumed.content
    assert (resumed.json()["active"], resumed.json()["released"]) == (False, [message.pk])
    assert len(fake_x.posts) == 1
    ended = client.post(f"/api/v1/publishing-pauses/{body['id']}/resume/", {}, format="json")
    assert ended.status_code == 409

    for who in (responder, reader):
        refused = api_as(who).post("/api/v1/publishing-pauses/", {"reason": "x"}, format="json")
        assert refused.status_code == 403
        assert api_as(who).get("/api/v1/publishing-pauses/").status_code == 200


def test_the_api_refuses_a_pause_without_reason_naming_it(api_as, manager):
    response = api_as(manager).post("/api/v1/publishing-pauses/", {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
