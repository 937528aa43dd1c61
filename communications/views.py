"""Communications pages. Thin: parse the form, call one service or selector, render.

Every action on a message posts to its own view, which calls the service and says what
happened (or why it was refused) as a message on the message's page. The composer answers
htmx's length checks with the counter alone. ``incident_panel_context`` gives the war room
what its communications panel needs.
"""

import csv
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import ApplicationError, form_error
from config.http import HttpRequest, forbidden
from config.permissions import (
    APPROVE_MESSAGE,
    DRAFT_MESSAGE,
    MANAGE_TEMPLATES,
    RECORD_STAKEHOLDER_UPDATE,
    holds,
)
from incidents import selectors as incident_selectors
from incidents.models import Incident

from . import selectors, services
from .filters import MessageLogFilter
from .forms import (
    DecisionForm,
    IncidentChoiceForm,
    MessageForm,
    TemplateForm,
    TemplatePreviewForm,
)
from .lifecycle import EDITABLE, SUBMITTABLE, WITHDRAWABLE
from .models import InboundPost, Message, Template
from .text import MAX_WEIGHTED_LENGTH, weighted_length

PAGE_SIZE = 25
PANEL_SIZE = 10
S = Message.Status
# Template kinds and the message kind a message started from one gets.
TEMPLATE_KINDS: dict[str, str] = {
    Template.Kind.REPLY: Message.Kind.REPLY,
    Template.Kind.CORRECTION: Message.Kind.CORRECTION,
}


def _is_author(user: Any, message: Message) -> bool:
    return bool(user.pk == message.author_id)


def _may_write(user: Any, message: Message) -> bool:
    """Edit and submit: the author, or an approver (as the services allow)."""
    return holds(user, DRAFT_MESSAGE) and (
        _is_author(user, message) or holds(user, APPROVE_MESSAGE)
    )


def _may_take_back(user: Any, message: Message) -> bool:
    """Withdraw and retry: the author (who may draft), or an approver."""
    return holds(user, DRAFT_MESSAGE) if _is_author(user, message) else holds(user, APPROVE_MESSAGE)


# --- the composer ---------------------------------------------------------------------------


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
            "form": form,
            "incident": incident,
            "message": message,
            "mention": mention,
            "template": template,
            "claim_choices": form.claim_choices(),
            "limit": MAX_WEIGHTED_LENGTH,
            "kinds": Message.Kind.choices,
            "approvals_needed": services.approvals_required_for(incident),
        },
    )


def _save(request: HttpRequest, form: MessageForm, call: Callable[[], Message]) -> Message | None:
    """Save (and, when asked, submit) in one transaction; a refusal lands on the form."""
    submit = request.POST.get("action") == "submit"
    try:
        with transaction.atomic():
            message = call()
            submit = submit and message.status in SUBMITTABLE
            if submit:
                message = services.message_submit(actor=request.user, message=message)
    except ApplicationError as exc:
        form_error(form, exc)
        return None
    if submit:
        messages.success(request, _("Saved and sent for approval."))
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
    if mention is not None:
        initial.update(
            kind=Message.Kind.REPLY, reply_to_mention=mention.pk, account=mention.account_id
        )
    if template is not None:
        initial.update(
            template=template.pk,
            body=services.template_render(
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
        saved = _save(
            request,
            form,
            lambda: services.message_create(
                actor=request.user, incident=incident, **form.service_arguments()
            ),
        )
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
    }


@require_http_methods(["GET", "POST"])
def message_edit(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(selectors.messages(user=request.user), pk=pk)
    if not _may_write(request.user, message):
        return forbidden(request, _("Only the author or an approver may edit this message."))
    if message.status not in EDITABLE:
        messages.error(
            request,
            _("A message that is %(status)s can no longer be edited.")
            % {"status": message.get_status_display().lower()},
        )
        return redirect(message)
    form = MessageForm(
        request.POST or None,
        incident=message.incident,
        accounts=selectors.writable_accounts(user=request.user),
        message=message,
        initial=_initial(message),
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(
            request,
            form,
            lambda: services.message_update(
                actor=request.user, message=message, **form.service_arguments()
            ),
        )
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


# --- one message ----------------------------------------------------------------------------


def _actions(user: Any, message: Message, valid: list[Any]) -> dict[str, Any]:
    """What the viewer may do with the message now (the services decide again on post)."""
    wrote = user.pk in services.writers(message)
    pending = message.status == S.PENDING_APPROVAL
    may_decide = pending and not wrote and holds(user, APPROVE_MESSAGE)
    already = any(approval.approver_id == user.pk for approval in valid)
    return {
        "can_edit": message.status in EDITABLE and _may_write(user, message),
        "can_submit": message.status in SUBMITTABLE and _may_write(user, message),
        "can_approve": may_decide and not already,
        "can_refuse": may_decide,
        "approved_already": may_decide and already,
        "author_waits": pending and wrote,
        "can_withdraw": message.status in WITHDRAWABLE and _may_take_back(user, message),
        "can_retry": message.status == S.FAILED and _may_take_back(user, message),
        "can_mark_sent": message.status == S.APPROVED
        and message.kind == Message.Kind.STAKEHOLDER_UPDATE
        and holds(user, RECORD_STAKEHOLDER_UPDATE),
    }


@require_GET
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(selectors.messages(user=request.user), pk=pk)
    review = selectors.message_review(message=message)
    return render(
        request,
        "communications/message.html",
        {
            "message": message,
            **review,
            "history": selectors.message_history(message=message),
            "limit": MAX_WEIGHTED_LENGTH,
            **_actions(request.user, message, review["valid_approvals"]),
        },
    )


def _act(
    request: HttpRequest, pk: int, call: Callable[[Message, str], Any], success: str
) -> HttpResponse:
    """Run one action on the message; a refusal is said on its page, never a 500."""
    message = get_object_or_404(Message.objects.select_related("incident"), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors["comment"][0]))
        return redirect(message)
    try:
        call(message, form.cleaned_data["comment"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(message)


@require_POST
def message_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda message, _comment: services.message_submit(actor=request.user, message=message),
        _("Sent for approval."),
    )


@require_POST
def message_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda message, comment: services.message_approve(
            actor=request.user, message=message, comment=comment
        ),
        _("Approved."),
    )


@require_POST
def message_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda message, comment: services.message_reject(
            actor=request.user, message=message, comment=comment
        ),
        _("Rejected; the author was told why."),
    )


@require_POST
def message_request_changes(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda message, comment: services.message_request_changes(
            actor=request.user, message=message, comment=comment
        ),
        _("Sent back to the author for changes."),
    )


@require_POST
def message_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda message, comment: services.message_withdraw(
            actor=request.user, message=message, reason=comment
        ),
        _("Withdrawn."),
    )


@require_POST
def message_retry(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda message, _comment: services.message_retry(actor=request.user, message=message),
        _("Publishing again."),
    )


@require_POST
def message_mark_sent(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda message, _comment: services.message_mark_sent(actor=request.user, message=message),
        _("Recorded as sent; the plan's item is ticked."),
    )


# --- the approval queue ---------------------------------------------------------------------


@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.approval_queue(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "communications/approvals.html",
        {
            "page": page,
            "may_approve": holds(request.user, APPROVE_MESSAGE),
            "decided": list(selectors.decided_by(user=request.user)[:PAGE_SIZE]),
            "mine": list(selectors.messages_in_review(user=request.user)[:PAGE_SIZE]),
        },
    )


# --- the war-room panel ---------------------------------------------------------------------


def incident_panel_context(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    """What communications/_incident_panel.html needs (names kept apart from the page's)."""
    rows = list(selectors.incident_messages(incident=incident)[: PANEL_SIZE + 1])
    return {
        "incident": incident,
        "incident_messages": rows[:PANEL_SIZE],
        "incident_messages_more": len(rows) > PANEL_SIZE,
        "incident_messages_waiting": sum(1 for m in rows if m.status == S.PENDING_APPROVAL),
        "can_draft_message": incident.is_editable and holds(request.user, DRAFT_MESSAGE),
    }


@require_GET
def incident_panel(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    return render(
        request,
        "communications/_incident_panel.html",
        incident_panel_context(request, incident),
    )


# --- the communications log -----------------------------------------------------------------


def _approvals_text(message: Message) -> str:
    return "; ".join(
        "{who} — {decision} {at}{comment}{voided}".format(
            who=approval.approver,
            decision=approval.get_decision_display().lower(),
            at=timezone.localtime(approval.at).strftime("%Y-%m-%d %H:%M %Z"),
            comment=f": {approval.comment}" if approval.comment else "",
            voided=f" ({_('voided by an edit')})" if approval.voided_at else "",
        )
        for approval in message.approvals.all()
    )


def _cell(value: Any) -> str:
    """A spreadsheet must not read a post starting with = + - @ as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z") if value else ""


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(rows: Any) -> StreamingHttpResponse:
    header = [
        _("Message"),
        _("When"),
        _("Incident"),
        _("Incident title"),
        _("Account"),
        _("Sandbox"),
        _("Kind"),
        _("Status"),
        _("Text"),
        _("Author"),
        _("Approvals"),
        _("Approved at"),
        _("Published at"),
        _("Post link"),
        _("Last error"),
    ]

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow(header)
        for message in rows.iterator(chunk_size=500):
            text = "\n\n".join([message.body, *(part.body for part in message.parts.all())])
            yield writer.writerow(
                [
                    _cell(value)
                    for value in (
                        message.pk,
                        _when(message.logged_at),
                        message.incident.reference,
                        message.incident.title,
                        message.account or _("internal"),
                        _("yes")
                        if message.sandbox or (message.account and message.account.is_sandbox)
                        else _("no"),
                        message.get_kind_display(),
                        message.get_status_display(),
                        text,
                        message.author,
                        _approvals_text(message),
                        _when(message.approved_at),
                        _when(message.published_at),
                        message.external_url,
                        message.last_error,
                    )
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="communications-log-{stamp}.csv"'
    return response


@require_GET
def message_log(request: HttpRequest, as_csv: bool = False) -> HttpResponseBase:
    filterset = MessageLogFilter(
        request.GET or None, queryset=selectors.message_log(user=request.user)
    )
    if as_csv or request.GET.get("format") == "csv":
        return _csv(filterset.qs)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "communications/log.html",
        {
            "filter": filterset,
            "page": page,
            "csv_url": reverse("communications:log-csv")
            + ("?" + query.urlencode() if query else ""),
        },
    )


# --- templates ------------------------------------------------------------------------------


@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.templates(user=request.user)
    kind = request.GET.get("kind", "")
    language = request.GET.get("language", "").strip().lower()
    if kind in Template.Kind.values:
        queryset = queryset.filter(kind=kind)
    if language:
        queryset = queryset.filter(language=language)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "communications/templates.html",
        {
            "page": page,
            "kinds": Template.Kind.choices,
            "kind": kind,
            "language": language,
            "can_manage": holds(request.user, MANAGE_TEMPLATES),
        },
    )


@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    template = get_object_or_404(selectors.templates(user=request.user), pk=pk) if pk else None
    if not holds(request.user, MANAGE_TEMPLATES):
        return forbidden(request, _("Your role does not allow you to write templates."))
    initial = (
        {
            "name": template.name,
            "kind": template.kind,
            "language": template.language,
            "body": template.body,
        }
        if template
        else {}
    )
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.template_save(
                actor=request.user, template=template, **form.cleaned_data
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            if template is not None and template.is_approved and not saved.is_approved:
                messages.warning(request, _("Saved. The text changed, so it needs approval again."))
            else:
                messages.success(request, _("Template saved."))
            return redirect("communications:template", pk=saved.pk)
    return render(
        request, "communications/template_form.html", {"form": form, "template": template}
    )


@require_GET
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(selectors.templates(user=request.user), pk=pk)
    form = TemplatePreviewForm(
        request.GET or None, incidents=selectors.incidents_to_write_about(user=request.user)
    )
    incident = None
    handle = ""
    next_update = None
    if form.is_bound and form.is_valid():
        incident = form.cleaned_data["incident"]
        handle = form.cleaned_data["handle"]
        next_update = form.cleaned_data["next_update"]
    preview = services.template_render(
        template=template,
        incident=incident,
        handle=handle,
        author=str(request.user),
        next_update=next_update,
    )
    user = request.user
    return render(
        request,
        "communications/template.html",
        {
            "template": template,
            "form": form,
            "incident": incident,
            "preview": preview,
            "limit": MAX_WEIGHTED_LENGTH,
            "can_manage": holds(user, MANAGE_TEMPLATES),
            "can_approve": (
                not template.is_approved
                and holds(user, APPROVE_MESSAGE)
                and template.created_by_id != user.pk
            ),
            "wrote_it": template.created_by_id == user.pk and not template.is_approved,
            "can_use": holds(user, DRAFT_MESSAGE),
        },
    )


@require_POST
def template_approve(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(selectors.templates(user=request.user), pk=pk)
    try:
        services.template_approve(actor=request.user, template=template)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Template approved."))
    return redirect("communications:template", pk=template.pk)


# --- accounts -------------------------------------------------------------------------------


@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    rotate_before = timezone.now() - timedelta(days=settings.CREDENTIALS_ROTATION_DAYS)
    page = Paginator(selectors.accounts(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "account": account,
            "rotation_due": not account.is_sandbox
            and (
                account.credentials_rotated_at is None
                or account.credentials_rotated_at < rotate_before
            ),
        }
        for account in page.object_list
    ]
    return render(
        request,
        "communications/accounts.html",
        {
            "page": page,
            "rows": rows,
            "rotation_days": settings.CREDENTIALS_ROTATION_DAYS,
            "can_manage": request.user.has_perm("communications.change_socialaccount"),
        },
    )
