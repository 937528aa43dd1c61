"""The dark site: a playbook holds a prepared statement page (headline, opening statement,
questions and answers) approved in advance like a template; for an incident declared from that
playbook one manager action puts it on the public page with the incident's facts filled in.
Asked again at that moment: still approved, nothing unfilled, no never-say word."""

import pytest
from django.core.cache import cache
from django.test import Client

from communications.messaging.services import statements
from communications.messaging.services.pages import (
    page_switch_off,
    page_switch_on,
    page_switch_on_prepared,
)
from communications.messaging.services.playbooks import playbook_write
from communications.messaging.services.wording import rule_save
from communications.models import StatementPage, Template
from config.errors import ApplicationError, Conflict, NotPermitted
from incidents import live
from incidents.models import TimelineEvent
from teams import flows
from teams.models import Deadline

pytestmark = pytest.mark.django_db

NAME = "Product safety page"
OPENING_EN = (
    "We know of reports about {reference}. Do not use the product until we know more. "
    "Next update at {next_update}."
)
OPENING_TR = (
    "{reference} hakkındaki haberlerden haberdarız. Daha fazlasını öğrenene kadar ürünü "
    "kullanmayın. Bir sonraki açıklama {next_update}."
)
FAQ_EN = "### Can I get a refund?\nYes, at any shop, with or without a receipt."


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture(autouse=True)
def told_at_once(monkeypatch):
    monkeypatch.setattr(live, "bump", lambda *keys: live._bump_now(keys))


def prepared(actor, approver, *, language, headline, body, faq=""):
    template = statements.template_save(
        actor=actor,
        name=NAME,
        kind=Template.Kind.PAGE,
        language=language,
        body=body,
        headline=headline,
        faq=faq,
    )
    return statements.template_approve(actor=approver, template=template)


@pytest.fixture
def pages(manager, manager2):
    return [
        prepared(
            manager,
            manager2,
            language="en",
            headline="A question about one of our products",
            body=OPENING_EN,
            faq=FAQ_EN,
        ),
        prepared(
            manager,
            manager2,
            language="tr",
            headline="Ürünlerimizden biri hakkında bir soru",
            body=OPENING_TR,
        ),
    ]


@pytest.fixture
def incident(manager, pages):
    playbook = playbook_write(
        actor=manager,
        name="Product safety rumour",
        category="product_quality",
        scenario="A post claims one of our products hurt someone.",
        severity_hint=1,
        templates=pages,
    ).playbook
    return flows.incident_declare(
        actor=manager, title="Spike on @brand: glass, recall", severity=1, playbook=playbook
    )


def test_one_action_puts_the_prepared_page_up_with_the_incidents_facts(manager, incident):
    page = page_switch_on_prepared(actor=manager, incident=incident, name=NAME)
    assert page.is_live
    assert page.prepared_from == NAME
    english = Client().get("/status/en/").content.decode()
    assert "A question about one of our products" in english
    assert f"We know of reports about {incident.reference}." in english
    assert "{next_update}" not in english
    assert "Next update at " in english
    assert "Can I get a refund?" in english  # the questions and answers, as Markdown
    assert "<h3>Can I get a refund?</h3>" in english
    assert "Spike on @brand" not in english  # never the working title
    turkish = Client().get("/status/tr/").content.decode()
    assert "Ürünlerimizden biri hakkında bir soru" in turkish
    assert f"{incident.reference} hakkındaki haberlerden haberdarız." in turkish
    feed = Client().get("/status/en/feed.atom").content.decode()
    assert "We know of reports about" in feed
    said = TimelineEvent.objects.filter(incident=incident).values_list("text", flat=True)
    assert any(f"Prepared statement page “{NAME}” switched on (en, tr)" in t for t in said)


def test_it_is_the_first_public_statement(manager, incident):
    first = Deadline.objects.get(incident=incident, kind=Deadline.Kind.FIRST_STATEMENT)
    assert first.met_at is None
    page_switch_on_prepared(actor=manager, incident=incident, name=NAME)
    first.refresh_from_db()
    incident.refresh_from_db()
    assert first.met_at is not None
    assert incident.first_response_at is not None


def test_only_managers_switch_it_on(responder, incident):
    with pytest.raises(NotPermitted):
        page_switch_on_prepared(actor=responder, incident=incident, name=NAME)
    assert not StatementPage.objects.filter(incident=incident).exists()


def test_a_prepared_page_whose_text_changed_since_it_was_offered_is_not_approved(
    manager, incident, pages
):
    english, turkish = pages
    statements.template_save(actor=manager, template=english, body="Edited, not approved.")
    statements.template_save(actor=manager, template=turkish, body="Düzenlendi, onaysız.")
    with pytest.raises(Conflict, match="No approved prepared page"):
        page_switch_on_prepared(actor=manager, incident=incident, name=NAME)


def test_a_never_say_rule_written_since_stops_it_at_the_last_moment(manager, incident):
    rule_save(
        actor=manager,
        name="No product talk",
        kind="never_say",
        shape="phrases",
        words="do not use the product\nürünü kullanmayın",
        reason="Legal asked us not to say it.",
        examples_flagged="Do not use the product.\nÜrünü kullanmayın.",
        examples_passed="Thank you.\nTeşekkürler.",
    )
    with pytest.raises(Conflict, match="cannot go up"):
        page_switch_on_prepared(actor=manager, incident=incident, name=NAME)
    assert not StatementPage.objects.filter(incident=incident).exists()


def test_a_page_not_offered_by_the_incidents_playbook_is_refused(manager, manager2):
    prepared(manager, manager2, language="en", headline="Elsewhere", body="Words.")
    other = flows.incident_declare(actor=manager, title="No playbook", severity=2)
    with pytest.raises(Conflict, match="No approved prepared page"):
        page_switch_on_prepared(actor=manager, incident=other, name=NAME)


def test_twice_is_refused_and_switched_off_it_stays_in_the_archive(manager, incident):
    page_switch_on_prepared(actor=manager, incident=incident, name=NAME)
    with pytest.raises(Conflict, match="already on the statement page"):
        page_switch_on_prepared(actor=manager, incident=incident, name=NAME)
    page_switch_off(actor=manager, incident=incident)
    archive = Client().get("/status/en/").content.decode()
    assert "Earlier incidents" in archive
    assert "We know of reports about" in archive  # its final statement


def test_a_prepared_page_may_hold_only_the_placeholders_the_incident_fills(manager):
    with pytest.raises(ApplicationError, match=r"not \{product\}") as refused:
        statements.template_save(
            actor=manager,
            name="Bad page",
            kind=Template.Kind.PAGE,
            language="en",
            headline="About {product}",
            body="Words.",
        )
    assert refused.value.field == "headline"
    with pytest.raises(ApplicationError, match="headline"):
        statements.template_save(
            actor=manager, name="No title", kind=Template.Kind.PAGE, language="en", body="Words."
        )


def test_prepared_pages_are_not_offered_in_the_composer(manager, incident):
    from communications import selectors

    offered = selectors.playbook_templates(incident=incident)
    assert not offered.filter(kind=Template.Kind.PAGE).exists()
    assert list(selectors.prepared_pages(incident=incident)) == [NAME]


def test_the_page_and_api_switch_it_on(client, manager, incident):
    client.force_login(manager)
    url = f"/communications/incidents/{incident.reference}/statement-page/"
    page = client.get(url).content.decode()
    assert 'data-testid="switch-on-prepared"' in page
    response = client.post(url, {"action": "prepared", "prepared": NAME})
    assert response.status_code == 302
    assert StatementPage.objects.get(incident=incident).prepared_from == NAME
    assert 'data-testid="prepared-from"' in client.get(url).content.decode()


def test_the_api_switches_it_on_and_refuses_a_stranger_name(api, manager, incident):
    api.force_login(manager)
    missing = api.post(
        "/api/v1/statement-pages/switch-on-prepared/",
        {"incident": incident.pk, "name": "No such page"},
        format="json",
    )
    assert missing.status_code == 409
    made = api.post(
        "/api/v1/statement-pages/switch-on-prepared/",
        {"incident": incident.pk, "name": NAME},
        format="json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["prepared_from"] == NAME
    assert set(body["prepared"]) == {"en", "tr"}
    assert incident.reference in body["prepared"]["en"]["opening"]


def test_a_headline_a_manager_writes_later_replaces_the_prepared_ones(manager, incident):
    page_switch_on_prepared(actor=manager, incident=incident, name=NAME)
    page_switch_on(actor=manager, incident=incident, headline="Glass in batch 24-117")
    for language in ("en", "tr"):
        shown = Client().get(f"/status/{language}/").content.decode()
        assert "Glass in batch 24-117" in shown
        assert "A question about one of our products" not in shown
        assert "Ürünlerimizden biri hakkında bir soru" not in shown
