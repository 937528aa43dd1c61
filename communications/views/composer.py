"""The composer: a new message (for an incident, a mention or from a template), editing one,
and the live weighted-length counter."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from communications import selectors
from communications.forms import IncidentChoiceForm, MessageForm
from communications.listening.mentions.presence import Doing, presence_on
from communications.messaging import gate
from communications.messaging.gate import approval_count, approvals_required_for, refusal_to_edit
from communications.messaging.preflight import preflight_draft
from communications.messaging.services.messages import message_save
from communications.messaging.services.statements import (
    template_language_warning,
    template_render,
)
from communications.messaging.text import MAX_WEIGHTED_LENGTH, weighted_length
from communications.models import InboundPost, Message, Template
from config.errors import ApplicationError, NotPermitted, form_error
from config.http import HttpRequest, forbidden
from config.languages import language_named
from config.people import person_require_signed_in
from config.permissions import DRAFT_MESSAGE, holds
from incidents import selectors as incident_selectors
from incidents.models import Incident
from incidents.rehearsals import is_rehearsal

S = Message.Status
# Template kinds and the message kind a message started from one gets.
TEMPLATE_KINDS: dict[str, str] = {
    Template.Kind.REPLY: Message.Kind.REPLY,
    Template.Kind.CORRECTION: Message.Kind.CORRECTION,
}


def _answering(
    request: HttpRequest, mention: InboundPost | None, message: Message | None
) -> dict[str, Any]:
    """Before a second reply: the colleagues replying to the mention now (kept live by
    static/js/mention-presence.js) and its other replies that still stand, with who wrote them."""
    if mention is None:
        return {}
    present = presence_on(
        mention_ids=[mention.pk], viewer=person_require_signed_in(request.user)
    ).get(mention.pk, [])
    others = list(gate.other_replies(mention_id=mention.pk, besides=message))
    return {
        "replying": [person for person in present if person.doing == Doing.REPLYING],
        "other_replies": others,
        # What message_submit will ask for (gate.refusal_to_reply_again), offered up front.
        "reply_anyway_needed": any(reply.status in gate.REPLY_UNDER_WAY for reply in others),
        "mention_is_drill": is_rehearsal(mention),
    }


def _draft_findings(
    texts: list[str], mention: InboundPost | None, template: Template | None, page: str = ""
) -> dict[str, Any]:
    findings = preflight_draft(
        [text for text in texts if text is not None], mention=mention, template=template, page=page
    )
    return {"findings": findings, "blocking": any(f.blocking for f in findings)}


def _texts_of(form: MessageForm) -> list[str]:
    parts = form["parts"].value() or []
    return [form["body"].value() or "", *(parts if isinstance(parts, list) else [parts])]


def _composer(
    request: HttpRequest,
    form: MessageForm,
    *,
    incident: Incident,
    message: Message | None = None,
    mention: InboundPost | None = None,
    template: Template | None = None,
) -> HttpResponse:
    return render(
        request,
        "communications/composer.html",
        {
            **_answering(request, mention, message),
            "form": form,
            "incident": incident,
            "message": message,
            "mention": mention,
            "template": template,
            "template_language_warning": template_language_warning(
                template=template, post_language=mention.language if mention else ""
            ),
            **_draft_findings(_texts_of(form), mention, template),
            "page_links": selectors.statement_page_links(incident=incident),
            "claim_choices": form.claim_choices(),
            "limit": MAX_WEIGHTED_LENGTH,
            "kinds": Message.Kind.choices,
            "approvals_needed": approvals_required_for(incident),
            "playbook_templates": selectors.playbook_templates(incident=incident)
            if message is None
            else (),
        },
    )


def _save(request: HttpRequest, form: MessageForm, **target: Any) -> Message | None:
    """Save (and, when asked, submit) in one transaction; a refusal lands on the form."""
    try:
        message, submitted = message_save(
            actor=person_require_signed_in(request.user),
            submit=request.POST.get("action") == "submit",
            reply_anyway=form.cleaned_data["reply_anyway"],
            **target,
            **form.service_arguments(),
        )
    except ApplicationError as exc:
        form_error(form, exc)
        return None
    if submitted:
        messages.success(
            request,
            _("Saved and sent for approval: %(outlook)s")
            % {"outlook": approval_count(message).outlook},
        )
    elif message.status == S.DRAFT:
        messages.success(request, _("Draft saved."))
    else:
        messages.info(
            request,
            _("Nothing changed; it is still %(status)s.")
            % {"status": message.get_status_display().lower()},
        )
    return message


@require_http_methods(["GET", "POST"])
def message_new(request: HttpRequest) -> HttpResponse:
    if not holds(request.user, DRAFT_MESSAGE):
        return forbidden(request, _("Your role does not allow you to draft messages."))
    mention = selectors.mention_get(user=request.user, pk=request.GET.get("reply_to"))
    template = selectors.template_get(user=request.user, pk=request.GET.get("template"))
    reference = request.GET.get("incident", "").strip()
    if not reference and mention is not None and mention.incident is not None:
        reference = mention.incident.reference
    if not reference:
        chooser = IncidentChoiceForm(
            incidents=selectors.incidents_to_write_about(user=request.user)
        )
        return render(
            request,
            "communications/choose_incident.html",
            {"form": chooser, "mention": mention, "template": template},
        )
    incident = incident_selectors.incident_get(user=request.user, reference=reference.upper())
    if not incident.is_editable:
        messages.error(
            request,
            _("%(reference)s is %(status)s; start a new incident to speak about it.")
            % {"reference": incident.reference, "status": incident.get_status_display()},
        )
        return redirect(incident)
    accounts = selectors.writable_accounts(user=request.user)
    initial: dict[str, Any] = {}
    if request.GET.get("kind") in Message.Kind.values:
        initial["kind"] = request.GET["kind"]
    if initial.get("kind") == Message.Kind.PAGE_UPDATE:
        initial["language"] = incident.language or translation.get_language()
    if mention is not None:
        initial.update(
            kind=Message.Kind.REPLY, reply_to_mention=mention.pk, account=mention.account_id
        )
    if template is not None:
        initial.update(
            template=template.pk,
            body=template_render(
                template=template,
                incident=incident,
                handle=mention.author_handle if mention else "",
                author=str(request.user),
            ),
        )
        initial.setdefault("kind", TEMPLATE_KINDS.get(template.kind, Message.Kind.TWEET))
    form = MessageForm(
        request.POST or None,
        incident=incident,
        accounts=accounts,
        mention=mention,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, incident=incident)
        if saved is not None:
            return redirect(saved)
    return _composer(request, form, incident=incident, mention=mention, template=template)


def _initial(message: Message) -> dict[str, Any]:
    return {
        "account": message.account_id,
        "kind": message.kind,
        "body": message.body,
        "reply_to_mention": message.reply_to_mention_id,
        "reply_to_post": message.reply_to_post_id,
        "quote_post": message.quote_post_id,
        "corrects": message.corrects_id,
        "parts": [part.body for part in message.parts.all()],
        "cited_claims": [claim.pk for claim in message.cited_claims.all()],
        "scheduled_at": message.scheduled_at,
        "language": message.language,
    }


@require_http_methods(["GET", "POST"])
def message_edit(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(selectors.messages(user=request.user), pk=pk)
    refusal = refusal_to_edit(person_require_signed_in(request.user), message)
    if isinstance(refusal, NotPermitted):
        return forbidden(request, refusal.message)
    if refusal is not None:
        messages.error(request, refusal.message)
        return redirect(message)
    form = MessageForm(
        request.POST or None,
        incident=message.incident,
        accounts=selectors.writable_accounts(user=request.user),
        message=message,
        initial=_initial(message),
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, message=message)
        if saved is not None:
            return redirect(saved)
    return _composer(
        request, form, incident=message.incident, message=message, mention=message.reply_to_mention
    )


@require_POST
def text_length(request: HttpRequest) -> HttpResponse:
    """The composer's live counter: X's weighted length of one text, counted by the server."""
    text = request.POST.get("text", "")
    return render(
        request,
        "communications/_length.html",
        {"length": weighted_length(text), "limit": MAX_WEIGHTED_LENGTH},
    )


@require_POST
def draft_preflight(request: HttpRequest) -> HttpResponse:
    """The composer's live pre-flight checks on the words as they are being written (the
    same list the message page shows once it is saved, communications.messaging.preflight)."""
    if not holds(request.user, DRAFT_MESSAGE):
        return forbidden(request, _("Your role does not allow you to draft messages."))
    mention = selectors.mention_get(user=request.user, pk=request.POST.get("reply_to_mention"))
    template = selectors.template_get(user=request.user, pk=request.POST.get("template"))
    texts = [request.POST.get("body", ""), *request.POST.getlist("parts")]
    kind = request.POST.get("kind")
    if kind != Message.Kind.THREAD:
        texts = texts[:1]
    page = request.POST.get("language", "") if kind == Message.Kind.PAGE_UPDATE else ""
    return render(
        request,
        "communications/_preflight.html",
        _draft_findings(
            [text[:10_000] for text in texts[:50]],
            mention if kind == Message.Kind.REPLY else None,
            template,
            page=language_named(page) or "",
        ),
    )
