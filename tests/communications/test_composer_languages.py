"""An incident speaks its public's language (the declarer's unless changed), the composer offers
the playbook's templates in that language first, and warns before a reply is written from a
template in another language than the post it answers."""

import pytest
from django.urls import reverse

from communications.messaging.services import statements
from communications.messaging.services.playbooks import playbook_write
from incidents.models import Incident
from teams import flows
from tests.communications.factories import InboundPostFactory, SandboxAccountFactory
from tests.teams.factories import UserFactory, manager

pytestmark = pytest.mark.django_db


def approved(author, approver, name, language, kind="holding_statement"):
    template = statements.template_save(
        actor=author, name=name, kind=kind, language=language, body=f"{name}: {{reference}}"
    )
    return statements.template_approve(actor=approver, template=template)


def test_an_incident_speaks_the_declarers_language_unless_changed(client, manager, api_as):
    ayse = manager
    ayse.language = "tr"
    ayse.save(update_fields=["language"])
    turkish = flows.incident_declare(actor=ayse, title="Süt söylentisi", severity=3)
    assert turkish.language == "tr"
    english = flows.incident_declare(
        actor=UserFactory(language="en", groups=["Manager"]), title="Milk rumour", severity=3
    )
    assert english.language == "en"

    client.force_login(ayse)
    form = {
        "title": turkish.title,
        "severity": 3,
        "category": turkish.category,
        "source": turkish.source,
        "summary": "",
        "tags": "",
        "language": "en",
        "reason": "",
    }
    assert client.post(reverse("desk:edit", args=[turkish.reference]), form).status_code == 302
    turkish.refresh_from_db()
    assert turkish.language == "en"

    api = api_as(ayse)
    answer = api.patch(f"/api/v1/incidents/{turkish.pk}/", {"language": "tr"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["language"] == "tr"
    refused = api.patch(f"/api/v1/incidents/{turkish.pk}/", {"language": "de"}, format="json")
    assert refused.status_code == 400
    assert Incident.objects.get(pk=turkish.pk).language == "tr"


def test_the_composer_offers_the_incidents_language_first(client, manager, manager2):
    english = approved(manager, manager2, "Holding statement", "en")
    turkish = approved(manager, manager2, "İlk açıklama", "tr")
    playbook = playbook_write(
        actor=manager,
        name="Ürün güvenliği",
        category="product_quality",
        scenario="Bir gönderi ürünümüzün birini hasta ettiğini söylüyor.",
        severity_hint=2,
        templates=[english, turkish],
    ).playbook
    incident = flows.incident_declare(
        actor=manager, title="Süt söylentisi", severity=2, playbook=playbook
    )
    incident.language = "tr"
    incident.save(update_fields=["language"])
    client.force_login(manager)
    page = client.get(
        reverse("communications:message-new"), {"incident": incident.reference}
    ).content.decode()
    offers = page.split('data-testid="playbook-offers"')[1]
    assert offers.index("İlk açıklama") < offers.index("Holding statement")

    incident.language = "en"
    incident.save(update_fields=["language"])
    page = client.get(
        reverse("communications:message-new"), {"incident": incident.reference}
    ).content.decode()
    offers = page.split('data-testid="playbook-offers"')[1]
    assert offers.index("Holding statement") < offers.index("İlk açıklama")


@pytest.mark.parametrize(
    ("template_language", "post_language", "warned"),
    [("en", "tr", True), ("tr", "tr", False), ("en", "", False)],
)
def test_a_reply_from_a_template_in_another_language_is_warned(
    client, manager, manager2, template_language, post_language, warned
):
    template = approved(manager, manager2, "Reply", template_language, kind="reply")
    incident = flows.incident_declare(actor=manager, title="Süt söylentisi", severity=3)
    mention = InboundPostFactory(
        account=SandboxAccountFactory(),
        incident=incident,
        text="@marka sütünüz bozuk çıktı",
        language=post_language,
    )
    client.force_login(manager)
    page = client.get(
        reverse("communications:message-new"),
        {"incident": incident.reference, "reply_to": mention.pk, "template": template.pk},
    ).content.decode()
    assert ('data-testid="template-language-warning"' in page) is warned
    if warned:
        assert "This template is in English, but the post you are answering is in Turkish" in page
        assert 'lang="tr"' in page  # the post's text says its language to a screen reader


def test_the_warning_is_said_in_the_readers_language(client, manager2):
    ayse = manager(language="tr")
    template = approved(ayse, manager2, "Reply", "en", kind="reply")
    incident = flows.incident_declare(actor=ayse, title="Süt söylentisi", severity=3)
    mention = InboundPostFactory(
        account=SandboxAccountFactory(), incident=incident, text="@marka süt", language="tr"
    )
    client.force_login(ayse)
    page = client.get(
        reverse("communications:message-new"),
        {"incident": incident.reference, "reply_to": mention.pk, "template": template.pk},
    ).content.decode()
    warning = page.split('data-testid="template-language-warning"')[1].split("</div>")[0]
    assert "İngilizce" in warning
    assert "Türkçe" in warning
