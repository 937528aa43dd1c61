"""The language a person reads: their profile's, else the browser's (Accept-Language or the
switcher's cookie), else the site's; the switcher in the user menu and on the sign-in page;
`lang` on every page; emails and chat in the recipient's language, not the sender's."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from communications.messaging.services import messages as message_services
from teams import deliveries
from teams.models import Delivery, Notification, Reason, Role
from teams.services import notify, role_assign
from tests.communications.factories import SocialAccountFactory
from tests.teams.factories import UserFactory, declared_for

pytestmark = pytest.mark.django_db

SWITCH = "/team/me/language/"


def lang_of(response) -> str:
    return response.content.decode().split('<html lang="')[1].split('"')[0]


def in_turkish(text: str, **values: object) -> str:
    with translation.override("tr"):
        said = _(text) % values if values else _(text)
    assert said != (text % values if values else text), f"not in the Turkish catalogue: {text}"
    return said


@pytest.mark.parametrize(
    ("profile", "browser", "shown"),
    [
        ("tr", "en", "tr"),  # the profile wins over the browser
        ("en", "tr", "en"),
        ("", "tr", "tr"),  # no choice: the browser's
        ("", "de", "en"),  # a language we do not speak: the site's
    ],
)
def test_pages_speak_the_profiles_language_then_the_browsers_then_the_sites(
    client, profile, browser, shown
):
    client.force_login(UserFactory(language=profile))
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=browser)
    assert lang_of(response) == shown
    assert response["Content-Language"] == shown


def test_a_turkish_page_says_its_words_in_turkish(client):
    client.force_login(UserFactory(language="tr"))
    page = client.get("/").content.decode()
    assert in_turkish("Dashboard") in page
    assert in_turkish("Declare incident") not in ("", None)


def test_the_switcher_keeps_the_choice_on_the_profile_and_goes_back(client):
    person = UserFactory(language="")
    client.force_login(person)
    response = client.post(SWITCH, {"language": "tr", "next": "/incidents/?status=detected"})
    assert response.status_code == 302
    assert response["Location"] == "/incidents/?status=detected"
    person.refresh_from_db()
    assert person.language == "tr"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "tr"
    assert lang_of(client.get("/", HTTP_ACCEPT_LANGUAGE="en")) == "tr"
    # Back to "the browser's": the profile forgets, the cookie goes.
    client.post(SWITCH, {"language": "", "next": "/"})
    person.refresh_from_db()
    assert person.language == ""


@pytest.mark.parametrize(
    "hostile_next", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""]
)
def test_the_switcher_goes_back_only_to_this_site(client, hostile_next):
    client.force_login(UserFactory())
    response = client.post(SWITCH, {"language": "tr", "next": hostile_next})
    assert response["Location"] == "/"
    response = client.post(SWITCH, {"language": "tr"}, HTTP_REFERER=hostile_next)
    assert response["Location"] == "/"


def test_from_the_menu_the_switcher_goes_back_to_the_page_it_was_chosen_on(client):
    client.force_login(UserFactory())
    page = client.get("/incidents/?status=detected").content.decode()
    switcher = page.split('data-testid="language-switcher"')[1].split("</form>")[0]
    assert 'name="next"' not in switcher  # the page's own address is not written into it
    response = client.post(
        SWITCH, {"language": "tr"}, HTTP_REFERER="http://testserver/incidents/?status=detected"
    )
    assert response["Location"] == "http://testserver/incidents/?status=detected"


@pytest.mark.parametrize("hostile", ["xx", "tr-TR-x", "<script>", "en" * 50])
def test_a_language_we_do_not_speak_is_refused_and_nothing_changes(client, hostile):
    person = UserFactory(language="en")
    client.force_login(person)
    response = client.post(SWITCH, {"language": hostile, "next": "/"})
    assert response.status_code == 400
    person.refresh_from_db()
    assert person.language == "en"


def test_before_signing_in_the_switcher_sets_only_the_cookie(password_only_client):
    response = password_only_client.post(SWITCH, {"language": "tr", "next": "/accounts/login/"})
    assert response["Location"] == "/accounts/login/"
    login = password_only_client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert lang_of(login) == "tr"
    assert in_turkish("Log in") in login.content.decode()
    assert 'data-testid="language-switcher"' in login.content.decode()


def test_the_switcher_is_in_the_user_menu_each_language_in_its_own_words(client):
    client.force_login(UserFactory(language="tr"))
    page = client.get("/").content.decode()
    switcher = page.split('data-testid="language-switcher"')[1].split("</form>")[0]
    assert 'lang="tr"' in switcher
    assert "Türkçe" in switcher
    assert 'lang="en"' in switcher
    assert "English" in switcher
    assert switcher.count('aria-pressed="true"') == 1


def test_the_profile_form_and_the_api_keep_the_language(client, api_as):
    person = UserFactory(language="")
    client.force_login(person)
    response = client.post(
        reverse("teams:profile"),
        {"department": "", "title": "", "phone": "", "timezone": "", "language": "tr"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.language == "tr"

    api = api_as(person)
    assert api.get("/api/v1/people/me/").json()["language"] == "tr"
    answer = api.patch("/api/v1/people/me/", {"language": "en"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["language"] == "en"
    refused = api.patch("/api/v1/people/me/", {"language": "xx"}, format="json")
    assert refused.status_code == 400
    assert "language" in str(refused.json())
    person.refresh_from_db()
    assert person.language == "en"


def test_a_notification_is_written_in_each_recipients_language(responder):
    incident = declared_for(responder, title="Recall rumour", severity=3)
    ayse = UserFactory(language="tr", email="ayse@example.com")
    john = UserFactory(language="en", email="john@example.com")
    with translation.override("en"):  # the sender works in English
        notify(
            recipients=[ayse, john],
            reason=Reason.APPROVAL_REQUESTED,
            subject="language-test",
            title=lambda _zone: (
                _("%(reference)s: a message waits for your approval")
                % {"reference": incident.reference}
            ),
        )
    titles = dict(Notification.objects.values_list("recipient__username", "title"))
    assert titles[john.username] == f"{incident.reference}: a message waits for your approval"
    assert titles[ayse.username] == in_turkish(
        "%(reference)s: a message waits for your approval", reference=incident.reference
    )


def test_the_email_around_a_notification_is_in_the_recipients_language(
    responder, manager, django_capture_on_commit_callbacks
):
    manager.language = "tr"
    manager.email = "maria@example.com"
    manager.save()
    incident = declared_for(responder, title="Recall rumour", severity=3)
    message = message_services.message_create(
        actor=responder, incident=incident, account=SocialAccountFactory(), body="We hear you."
    )
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        message_services.message_submit(actor=responder, message=message)
    delivery = Delivery.objects.filter(
        notification__recipient=manager, channel=Delivery.Channel.EMAIL
    ).first()
    assert delivery is not None
    if delivery.status != Delivery.Status.SENT:
        deliveries.deliver(delivery.pk)
    sent = [m for m in mail.outbox if "maria@example.com" in m.to]
    assert sent
    assert (
        in_turkish("%(reference)s: a message waits for your approval", reference=incident.reference)
        in sent[-1].subject
    )


def _site_language(value: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    script = "from django.conf import settings as s; print(s.LANGUAGE_CODE)"
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=Path(__file__).resolve().parents[2],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.base", "LANGUAGE_CODE": value},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_sites_language_comes_from_the_environment_and_must_be_one_we_speak():
    assert _site_language("tr").stdout.strip() == "tr"
    refused = _site_language("de")
    assert refused.returncode != 0
    assert "LANGUAGE_CODE='de': Crisis Desk speaks en, tr." in refused.stderr


def test_a_person_without_a_language_is_written_to_in_the_sites(settings, responder):
    settings.LANGUAGE_CODE = "tr"
    incident = declared_for(responder, title="Recall rumour", severity=3)
    nobody_chose = UserFactory(language="")
    notify(
        recipients=[nobody_chose],
        reason=Reason.APPROVAL_REQUESTED,
        subject="site-language",
        title=lambda _zone: (
            _("%(reference)s: a message waits for your approval")
            % {"reference": incident.reference}
        ),
    )
    assert Notification.objects.get(recipient=nobody_chose).title == in_turkish(
        "%(reference)s: a message waits for your approval", reference=incident.reference
    )


@pytest.mark.parametrize(("profile", "browser"), [("tr", "en"), ("", "tr")])
def test_a_request_leaves_its_language_behind_it(client, profile, browser):
    """Whatever runs next on the same thread (the next request before its own middleware, a
    worker's task) is said in the site's language, not in the last reader's."""
    client.force_login(UserFactory(language=profile))
    assert client.get("/", HTTP_ACCEPT_LANGUAGE=browser)["Content-Language"] == "tr"
    assert translation.get_language() == settings.LANGUAGE_CODE


def test_the_communications_log_is_written_in_the_readers_language(client, manager, responder):
    """Its rows are written after the view returns, as the file streams: still in Turkish."""
    incident = declared_for(responder, title="Recall rumour", severity=3)
    message = message_services.message_create(
        actor=responder, incident=incident, account=SocialAccountFactory(), body="We hear you."
    )
    message_services.message_withdraw(actor=responder, message=message)
    manager.language = "tr"
    manager.save(update_fields=["language"])
    client.force_login(manager)
    response = client.get(reverse("communications:log-csv"))
    header, row = b"".join(response.streaming_content).decode().splitlines()[:2]
    assert in_turkish("Incident title") in header
    assert in_turkish("Withdrawn") in row


def test_a_role_given_is_told_with_its_duties_in_the_recipients_language(responder):
    incident = declared_for(responder, title="Recall rumour", severity=3)
    ayse = UserFactory(language="tr")
    with translation.override("en"):
        role_assign(
            actor=responder,
            incident=incident,
            role=Role.objects.get(slug=Role.SCRIBE),
            person=ayse,
        )
    told = Notification.objects.get(recipient=ayse, reason=Reason.ROLE_ASSIGNED)
    assert in_turkish("Scribe") in told.title
    assert (
        in_turkish(
            "Keeps the timeline: decisions, calls and facts with their times, so the postmortem "
            "can be written from the record."
        )
        in told.body
    )
