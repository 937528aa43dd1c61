"""Templates: holding statements and reply templates with placeholders, per language, with
their own approval (never by whoever wrote or last changed them,
communications.messaging.gate), so a pre-approved statement can go out fast."""

import re
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communications.messaging.gate import refusal_to_approve_template
from communications.messaging.models import Template
from communications.messaging.text import PLACEHOLDER
from config.errors import ApplicationError, Conflict
from config.languages import language_said
from config.partial import UNCHANGED
from config.people import User
from config.permissions import MANAGE_TEMPLATES, require
from incidents.models import Incident

LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?")


@transaction.atomic
def template_save(
    *,
    actor: User,
    template: Template | None = None,
    name: str = UNCHANGED,
    kind: str = UNCHANGED,
    language: str = UNCHANGED,
    body: str = UNCHANGED,
    headline: str = UNCHANGED,
    faq: str = UNCHANGED,
) -> Template:
    """Write or change a holding statement / reply template, or a prepared statement page (a
    change touches only what is given). A changed text (or language) is no longer the one that
    was approved: its approval is cleared. A prepared page is switched on in one action, so
    its words may hold only the placeholders the incident fills (PREPARED_PAGE_PLACEHOLDERS)."""
    require(actor, MANAGE_TEMPLATES)
    if template is not None:
        name = template.name if name is UNCHANGED else name
        kind = template.kind if kind is UNCHANGED else kind
        language = template.language if language is UNCHANGED else language
        body = template.body if body is UNCHANGED else body
        headline = template.headline if headline is UNCHANGED else headline
        faq = template.faq if faq is UNCHANGED else faq
    headline = "" if headline is UNCHANGED else " ".join((headline or "").split())
    faq = "" if faq is UNCHANGED else (faq or "").strip()
    name = (name or "").strip()
    body = (body or "").strip()
    language = (language or "").strip().lower()
    if not name:
        raise ApplicationError(_("Give the template a name."), field="name")
    if kind not in Template.Kind.values:
        raise ApplicationError(_("Choose what kind of template this is."), field="kind")
    if not LANGUAGE_CODE.fullmatch(language):
        raise ApplicationError(_("Give a language code such as en or tr."), field="language")
    if not body:
        raise ApplicationError(_("Write the text first."), field="body")
    if kind == Template.Kind.PAGE:
        _prepared_page_check(headline=headline, body=body, faq=faq)
    else:
        headline = faq = ""
    duplicate = Template.objects.filter(name__iexact=name, language=language)
    if template is not None:
        template = Template.objects.select_for_update().get(pk=template.pk)
        duplicate = duplicate.exclude(pk=template.pk)
    if duplicate.exists():
        raise Conflict(
            _("A template with this name already exists in this language."), field="name"
        )
    if template is None:
        template = Template(created_by=actor)
    elif (template.body, template.language, template.headline, template.faq) != (
        body,
        language,
        headline,
        faq,
    ):
        template.approved_by = None
        template.approved_at = None
        template.edited_by = actor
    template.name = name
    template.kind = kind
    template.language = language
    template.body = body
    template.headline = headline
    template.faq = faq
    template.save()
    return template


# A public headline's length (a statement page's, a prepared page's).
HEADLINE_MAX_LENGTH = 200
# The placeholders a prepared statement page may hold: what the incident fills in at once.
PREPARED_PAGE_PLACEHOLDERS = ("reference", "next_update")


def _prepared_page_check(*, headline: str, body: str, faq: str) -> None:
    if not headline:
        raise ApplicationError(_("Give the prepared page its public headline."), field="headline")
    if len(headline) > HEADLINE_MAX_LENGTH:
        raise ApplicationError(
            _("Keep the headline within %(count)d characters.") % {"count": HEADLINE_MAX_LENGTH},
            field="headline",
        )
    for field, text in (("headline", headline), ("body", body), ("faq", faq)):
        for match in PLACEHOLDER.finditer(text):
            if match.group(2) not in PREPARED_PAGE_PLACEHOLDERS:
                raise ApplicationError(
                    _(
                        "A prepared page is switched on in one action, with only the "
                        "incident's facts filled in: it may hold {reference} and {next_update}, "
                        "not %(placeholder)s. Write the words themselves."
                    )
                    % {"placeholder": match.group(0)},
                    field=field,
                )


def _values(
    *,
    incident: Incident | None,
    handle: str = "",
    author: str = "",
    next_update: datetime | None = None,
) -> dict[str, str]:
    values: dict[str, str] = {}
    if incident is not None:
        values["reference"] = incident.reference
    if handle.strip():
        values["handle"] = "@" + handle.strip().lstrip("@")
    if author.strip():
        values["author"] = author.strip()
    if next_update is not None:
        local = timezone.localtime(next_update)
        values["next_update"] = f"{local:%H:%M} {local.tzname()}"
    return values


def _filled(text: str, values: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        at, name = match.groups()
        if name not in values:
            return match.group(0)
        return values[name] if name == "handle" else at + values[name]

    return PLACEHOLDER.sub(fill, text)


def prepared_page_render(
    *, template: Template, incident: Incident, next_update: datetime | None
) -> dict[str, str]:
    """A prepared page's headline, opening statement and questions and answers with the
    incident's facts filled in."""
    values = _values(incident=incident, next_update=next_update)
    return {
        "headline": _filled(template.headline, values),
        "opening": _filled(template.body, values),
        "faq": _filled(template.faq, values),
    }


@transaction.atomic
def template_approve(*, actor: User, template: Template) -> Template:
    """Approve a template ahead of time, so a statement built on it can go out fast. Its
    author cannot approve it."""
    template = Template.objects.select_for_update().get(pk=template.pk)
    refusal = refusal_to_approve_template(actor, template)
    if refusal is not None:
        raise refusal
    template.approved_by = actor
    template.approved_at = timezone.now()
    template.save(update_fields=["approved_by", "approved_at", "updated_at"])
    return template


def template_render(
    *,
    template: Template,
    incident: Incident | None = None,
    handle: str = "",
    author: str = "",
    next_update: datetime | None = None,
) -> str:
    """The template's text with its placeholders filled. A placeholder without a value (or
    one this version does not know) stays visible, for the writer to fill in by hand, and the
    message cannot be submitted until they have (communications.messaging.gate.publish_refusal).
    ``{title}`` is one of those: the incident's title is the team's working name ("Spike on
    @brand: batch, sick, recall"), never words for the public, so the writer chooses them."""
    values = _values(incident=incident, handle=handle, author=author, next_update=next_update)
    return _filled(template.body, values)


def template_language_warning(*, template: Template | None, post_language: str) -> str:
    """Said before a reply is written from a template in another language than the post it
    answers ("" when they agree, or when X could not tell the post's language)."""
    if template is None or not post_language or template.language == post_language:
        return ""
    return _(
        "This template is in %(template)s, but the post you are answering is in %(post)s: "
        "answer people in their own language."
    ) % {
        "template": language_said(template.language),
        "post": language_said(post_language),
    }
