"""Templates (holding statements, replies): writing, approving, filling, using."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from communications.messaging.services import statements
from communications.models import Message, Template
from config.errors import ApplicationError, Conflict, NotPermitted
from tests.communications.drafting import declare
from tests.communications.factories import (
    InboundPostFactory,
    SandboxAccountFactory,
    TemplateFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/communications/templates/"


def html(response) -> str:
    return response.content.decode()


def flash(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def write(actor, **kwargs) -> Template:
    fields = {
        "name": "Holding statement",
        "kind": Template.Kind.HOLDING_STATEMENT,
        "language": "en",
        "body": "We are aware of {title} ({reference}). Next update at {next_update}.",
        **kwargs,
    }
    return statements.template_save(actor=actor, **fields)


def detail(template: Template) -> str:
    return reverse("communications:template", kwargs={"pk": template.pk})


# --- the services -------------------------------------------------------------------------------


def test_writing_a_template_needs_the_permission(responder, manager):
    with pytest.raises(NotPermitted):
        write(responder)
    template = write(manager, language=" EN ")
    assert (template.language, template.created_by, template.is_approved) == ("en", manager, False)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "  "}, "name"),
        ({"kind": "poem"}, "kind"),
        ({"language": "english please"}, "language"),
        ({"body": " "}, "body"),
    ],
)
def test_bad_template_input_names_its_field(manager, fields, field):
    with pytest.raises(ApplicationError) as error:
        write(manager, **fields)
    assert error.value.field == field


def test_a_name_is_unique_per_language(manager):
    write(manager)
    with pytest.raises(Conflict) as error:
        write(manager, name="holding statement")
    assert error.value.field == "name"
    assert write(manager, language="tr").language == "tr"


def test_the_author_cannot_approve_their_template(manager, manager2, responder):
    template = write(manager)
    with pytest.raises(NotPermitted, match="someone else"):
        statements.template_approve(actor=manager, template=template)
    with pytest.raises(NotPermitted):
        statements.template_approve(actor=responder, template=template)
    template = statements.template_approve(actor=manager2, template=template)
    assert (template.approved_by, template.is_approved) == (manager2, True)
    with pytest.raises(ApplicationError, match="already approved"):
        statements.template_approve(actor=manager2, template=template)


def test_changing_the_text_clears_the_approval_but_renaming_does_not(manager, manager2):
    template = statements.template_approve(actor=manager2, template=write(manager))
    template = write(manager, template=template, name="Renamed", body=template.body)
    assert template.is_approved
    template = write(manager, template=template, name="Renamed", body="Something else.")
    template.refresh_from_db()
    assert not template.is_approved
    assert template.approved_by is None


def test_placeholders_are_filled_and_unknown_ones_stay_visible(manager):
    incident = declare(manager, title="Battery fire")
    template = TemplateFactory(
        created_by=manager,
        body="Hi @{handle}, re {title} ({reference}) — {author}. {unknown} {next_update} {",
    )
    text = statements.template_render(
        template=template, incident=incident, handle="@someone", author="Maria"
    )
    # The incident's working title is never put into public words: {title} stays to fill.
    assert text == (
        f"Hi @someone, re {{title}} ({incident.reference}) — Maria. {{unknown}} {{next_update}} {{"
    )
    assert "Battery fire" not in text
    assert statements.template_render(template=template) == template.body


def test_the_next_update_is_written_in_the_viewers_timezone(manager):
    template = TemplateFactory(created_by=manager, body="Next update at {next_update}.")
    at = datetime(2030, 1, 15, 7, 30, tzinfo=UTC)
    with timezone.override(ZoneInfo("Europe/Istanbul")):
        text = statements.template_render(template=template, next_update=at)
    assert text == "Next update at 10:30 +03."


# --- the pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reader", "responder", "manager", "admin_user"])
def test_everyone_reads_templates(client, request, role, manager2):
    template = write(manager2)
    client.force_login(request.getfixturevalue(role))
    assert template.name in html(client.get(LIST))
    assert client.get(detail(template)).status_code == 200
    can_write = role in ("manager", "admin_user")
    assert ('data-testid="template-new"' in html(client.get(LIST))) is can_write
    assert client.get(reverse("communications:template-new")).status_code == (
        200 if can_write else 403
    )


def test_the_list_filters_pages_and_has_an_empty_state(client, reader, manager):
    client.force_login(reader)
    assert "No template written yet." in html(client.get(LIST))
    for n in range(27):
        write(manager, name=f"Reply {n}", kind=Template.Kind.REPLY, language="tr")
    write(manager, name="English one")
    assert len(client.get(LIST).context["page"].object_list) == 25
    assert len(client.get(f"{LIST}?page=2").context["page"].object_list) == 3
    assert len(client.get(f"{LIST}?language=en").context["page"].object_list) == 1
    assert client.get(f"{LIST}?kind=reply&language=tr").context["page"].paginator.count == 27
    assert "No template matches" in html(client.get(f"{LIST}?language=de"))


def test_a_manager_writes_and_edits_a_template_on_its_page(client, manager, manager2):
    client.force_login(manager)
    response = client.post(
        reverse("communications:template-new"),
        {"name": "Apology", "kind": "reply", "language": "en", "body": "Sorry, @{handle}."},
    )
    template = Template.objects.get()
    assert response["Location"] == detail(template)
    statements.template_approve(actor=manager2, template=template)
    edit = reverse("communications:template-edit", kwargs={"pk": template.pk})
    response = client.post(
        edit, {"name": "Apology", "kind": "reply", "language": "en", "body": "We apologise."}
    )
    assert "needs approval again" in " ".join(flash(response))
    template.refresh_from_db()
    assert not template.is_approved


def test_bad_template_input_is_shown_on_the_form(client, manager):
    write(manager)
    client.force_login(manager)
    response = client.post(
        reverse("communications:template-new"),
        {"name": "Holding statement", "kind": "update", "language": "en", "body": "x"},
    )
    assert response.status_code == 200
    assert "already exists" in " ".join(response.context["form"].errors["name"])
    response = client.post(
        reverse("communications:template-new"),
        {"name": "New", "kind": "update", "language": "!!", "body": "Text"},
    )
    assert response.status_code == 200
    assert "language code" in " ".join(response.context["form"].errors["language"])
    response = client.post(
        reverse("communications:template-new"),
        {"name": "New", "kind": "update", "language": "en", "body": ""},
    )
    assert "body" in response.context["form"].errors
    assert Template.objects.count() == 1


def test_a_responder_cannot_write_templates(client, responder, manager):
    template = write(manager)
    client.force_login(responder)
    edit = reverse("communications:template-edit", kwargs={"pk": template.pk})
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"name": "x", "kind": "reply", "body": "y"}).status_code == 403


def test_approving_on_the_page_follows_the_rules(client, manager, manager2, responder):
    template = write(manager)
    approve = reverse("communications:template-approve", kwargs={"pk": template.pk})
    client.force_login(manager)
    page = html(client.get(detail(template)))
    assert 'data-testid="approve-template"' not in page
    assert "You wrote this template; someone else must approve it." in page
    response = client.post(approve)
    assert "someone else" in " ".join(flash(response))
    client.force_login(responder)
    assert 'data-testid="approve-template"' not in html(client.get(detail(template)))
    client.post(approve)
    template.refresh_from_db()
    assert not template.is_approved
    client.force_login(manager2)
    assert 'data-testid="approve-template"' in html(client.get(detail(template)))
    client.post(approve)
    template.refresh_from_db()
    assert template.approved_by == manager2


def test_whoever_last_changed_the_text_is_offered_no_approval(client, manager, manager2):
    """The page asks the service's own rule: the manager who rewrote a colleague's template
    sees no Approve button (they used to, and were then refused)."""
    template = write(manager)
    template = write(manager2, template=template, body="Reworded by a second pair of hands.")
    client.force_login(manager2)
    page = html(client.get(detail(template)))
    assert 'data-testid="approve-template"' not in page
    assert "You wrote this template; someone else must approve it." in page
    with pytest.raises(NotPermitted, match="someone else"):
        statements.template_approve(actor=manager2, template=template)
    client.force_login(manager)
    assert 'data-testid="approve-template"' not in html(client.get(detail(template)))


def test_the_preview_fills_the_placeholders_for_a_chosen_incident(client, responder, manager):
    incident = declare(responder, title="Battery fire")
    template = write(manager)
    client.force_login(responder)
    page = html(
        client.get(f"{detail(template)}?incident={incident.reference}&next_update=2030-01-15T10:00")
    )
    assert f"We are aware of {{title}} ({incident.reference}). Next update at 10:00" in page
    assert f"?template={template.pk}&amp;incident={incident.reference}" in page
    plain = html(client.get(detail(template)))
    assert "We are aware of {title} ({reference})" in plain


def test_a_bad_preview_choice_is_a_form_error_not_a_500(client, responder, manager):
    template = write(manager)
    client.force_login(responder)
    response = client.get(f"{detail(template)}?incident=INC-1999-0001&next_update=soon")
    assert response.status_code == 200
    assert {"incident", "next_update"} <= set(response.context["form"].errors)


def test_using_a_template_starts_the_composer_with_the_filled_text(client, responder, manager):
    incident = declare(responder, title="Battery fire")
    account = SandboxAccountFactory()
    mention = InboundPostFactory(account=account, author_handle="angry", incident=incident)
    template = write(manager, kind=Template.Kind.REPLY, body="Hi @{handle}, about {title}: {x}")
    client.force_login(responder)
    url = reverse("communications:message-new")
    response = client.get(f"{url}?incident={incident.reference}&template={template.pk}")
    form = response.context["form"]
    assert form["body"].value() == "Hi @{handle}, about {title}: {x}"
    assert form["kind"].value() == Message.Kind.REPLY
    assert 'data-testid="from-template"' in html(response)
    response = client.get(f"{url}?reply_to={mention.pk}&template={template.pk}")
    assert response.context["form"]["body"].value() == "Hi @angry, about {title}: {x}"
    client.post(
        f"{url}?reply_to={mention.pk}&template={template.pk}",
        {
            "account": account.pk,
            "kind": "reply",
            "reply_to_mention": mention.pk,
            "body": "Hi @angry, about Battery fire: we are on it.",
            "template": template.pk,
        },
    )
    assert Message.objects.get().template == template


def test_using_a_template_without_an_incident_asks_for_one(client, responder, manager):
    declare(responder)
    template = write(manager)
    client.force_login(responder)
    page = html(client.get(f"{reverse('communications:message-new')}?template={template.pk}"))
    assert 'data-testid="choose-incident"' in page
    assert f'name="template" value="{template.pk}"' in page


def test_an_unknown_template_is_ignored_by_the_composer(client, responder):
    incident = declare(responder)
    client.force_login(responder)
    url = reverse("communications:message-new")
    response = client.get(f"{url}?incident={incident.reference}&template=abc&reply_to=99999")
    assert response.status_code == 200
    assert client.get(f"{LIST}999/").status_code == 404
